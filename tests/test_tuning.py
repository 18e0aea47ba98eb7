"""`aiquiz optimize` on a real store: adoption is kept with its scores, every card is rescheduled under the
new parameters, revert goes back, too little history and a concurrent drill lose nothing."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from aiquiz.progress import tuning
from aiquiz.progress.optimize import Verdict
from aiquiz.progress.records import NewReview
from aiquiz.progress.scheduler import Memory, Rating, replayer, review
from aiquiz.progress.settings import Settings
from aiquiz.progress.simulate import SLOW_LEARNER, simulate_reviews
from aiquiz.progress.store import Store

START = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)


def filled_store(path: Path, cards: int = 300, days: int = 150) -> Store:
    from aiquiz.progress.simulate import LearnerProfile as Profile

    events = simulate_reviews(Profile(true_params=SLOW_LEARNER), cards=cards, days=days, new_per_day=10, seed=0,
                              start=START, deck="sim")
    store = Store.open(path)
    store.merge_reviews([NewReview(e.key, Rating(e.rating), e.at, e.duration_ms, "test") for e in events],
                        replayer(lambda key: 0.9))
    return store


def replayed(store: Store, parameters: tuple[float, ...] | None) -> dict[str, Memory]:
    out: dict[str, Memory] = {}
    for r in sorted(store.reviews(), key=lambda r: (r.at, r.id)):
        out[r.key] = review(out.get(r.key), r.key, r.rating, r.at, 0.9, parameters)
    return out


def test_an_adopted_set_is_kept_and_every_card_follows_it_and_revert_goes_back(tmp_path: Path) -> None:
    with filled_store(tmp_path / "p.sqlite3") as store:
        defaults = store.memories()
        assert defaults == replayed(store, None)
        done = tuning.optimize(store, Settings(), NOW)
        assert done.outcome.verdict is Verdict.ADOPTED and done.adopted is not None
        assert done.rebuilt == len(defaults)
        new = tuning.parameters_in_use(store)[""]
        assert store.memories() == replayed(store, new) != defaults
        (entry,) = tuning.parameter_sets(store)
        assert entry.record.reviews == done.outcome.reviews and entry.record.scores == done.outcome.fitted_scores
        assert entry.record.scores.log_loss < entry.record.previous_scores.log_loss
        sid, rebuilt = tuning.revert(store, Settings())
        assert sid == entry.id and rebuilt == len(defaults)
        assert tuning.parameters_in_use(store) == {} and store.memories() == defaults
        assert tuning.revert(store, Settings()) == (None, 0)


def test_a_dry_run_writes_nothing(tmp_path: Path) -> None:
    with filled_store(tmp_path / "p.sqlite3", cards=200, days=120) as store:
        before = (store.memories(), store.setting_rows(), store.parameter_sets())
        done = tuning.optimize(store, Settings(), NOW, dry_run=True)
        assert done.adopted is None and (store.memories(), store.setting_rows(), store.parameter_sets()) == before


def test_too_little_history_says_how_much_and_keeps_the_defaults(tmp_path: Path) -> None:
    with Store.open(tmp_path / "p.sqlite3") as store:
        for day in range(5):
            store.record("d/a", Rating.GOOD, START + timedelta(days=day * 3))
        done = tuning.optimize(store, Settings(), NOW)
        assert done.outcome.verdict is Verdict.NOT_ENOUGH_HISTORY and done.adopted is None
        assert (done.outcome.reviews, done.outcome.needed) == (5, 400)
        assert tuning.parameters_in_use(store) == {}


def test_reviews_of_removed_cards_are_fitted_and_kept(tmp_path: Path) -> None:
    with filled_store(tmp_path / "p.sqlite3", cards=200, days=120) as store:
        count = store.review_count()
        tuning.optimize(store, Settings(), NOW)  # no deck is loaded at all: every key is "removed"
        assert store.review_count() == count


def test_a_drill_writing_during_the_fit_loses_nothing(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite3"
    filled_store(path, cards=200, days=120).close()
    errors: list[BaseException] = []

    def drill() -> None:
        try:
            with Store.open(path) as other:
                for i in range(30):
                    other.record(f"live/c{i}", Rating.GOOD, NOW + timedelta(seconds=i))
        except BaseException as err:  # pragma: no cover - reported below
            errors.append(err)

    with Store.open(path) as store:
        before = store.review_count()
        worker = threading.Thread(target=drill)
        worker.start()
        tuning.optimize(store, Settings(), NOW)
        worker.join()
        assert not errors and store.review_count() == before + 30
        assert all(f"live/c{i}" in store.memories() for i in range(30))


def test_refit_is_due_after_refit_every_new_reviews(tmp_path: Path) -> None:
    settings = Settings(refit_every=3)
    with Store.open(tmp_path / "p.sqlite3") as store:
        store.record("d/a", Rating.GOOD, START)
        assert not tuning.refit_due(store, settings)
        for i in range(2):
            store.record("d/b", Rating.GOOD, START + timedelta(days=i + 1))
        assert tuning.refit_due(store, settings) and not tuning.refit_due(store, Settings(refit_every=0))
        tuning.optimize(store, settings, NOW)  # evaluated (too little history): counts as the last fit
        assert not tuning.refit_due(store, settings)


def test_adoption_is_undone_when_rescheduling_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with filled_store(tmp_path / "p.sqlite3", cards=200, days=120) as store:
        before = store.memories()

        def broken(*args: object, **kwargs: object) -> int:
            raise RuntimeError("the store went away mid-rebuild")

        monkeypatch.setattr(tuning, "rebuild", broken)
        with pytest.raises(RuntimeError):
            tuning.optimize(store, Settings(), NOW)
        assert tuning.parameter_sets(store) == [] and store.memories() == before


def test_revert_of_a_deck_leaves_the_other_scopes_alone(tmp_path: Path) -> None:
    with filled_store(tmp_path / "p.sqlite3") as store:
        assert tuning.optimize(store, Settings(), NOW, deck="sim").adopted is not None
        assert tuning.optimize(store, Settings(), NOW).adopted is not None  # all decks
        assert set(tuning.parameters_in_use(store)) == {"", "sim"}
        assert tuning.revert(store, Settings(), "other") == (None, 0)
        sid, _ = tuning.revert(store, Settings(), "sim")
        assert sid is not None and set(tuning.parameters_in_use(store)) == {""}
