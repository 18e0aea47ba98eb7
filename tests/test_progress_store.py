"""The store's second-round features: lossless migration of a first-round store, exact undo, marks,
leeches, settings, and the day's counts."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiquiz.progress.records import LeechRule, Marks, UndoRefused, stamp
from aiquiz.progress.scheduler import Memory, Rating, review
from aiquiz.progress.store import DUE_SQL, SCHEMA_VERSION, Store

from conftest import FIXTURES

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
OLD_STORE = FIXTURES / "stores" / "v2-first-round.sqlite3"


def rows(path: Path, query: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(query).fetchall()
    finally:
        conn.close()


def test_a_first_round_store_opens_migrates_and_keeps_every_review(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    shutil.copy(OLD_STORE, path)
    before_reviews = rows(path, "SELECT id, key, card_id, rating, reviewed_at, duration_ms, phase FROM reviews ORDER BY id")
    before_cards = rows(path, "SELECT key, card_id, phase, due, memory FROM cards ORDER BY key")
    assert rows(path, "SELECT version FROM schema_version") == [(2,)] and len(before_reviews) == 12
    with Store.open(path) as store:
        assert store.version == SCHEMA_VERSION
        assert [(r.id, r.key, r.card_id, int(r.rating), r.at.isoformat(timespec="microseconds"), r.duration_ms,
                 int(r.phase) if r.phase is not None else None) for r in store.reviews()] == before_reviews
        replayed: dict[str, Memory] = {}
        for r in store.reviews():
            replayed[r.key] = review(replayed.get(r.key), r.key, r.rating, r.at)
        assert store.memories() == replayed and len(replayed) == 5
        # A review written before the migration carries no saved state: undo rebuilds it from the log.
        last = store.reviews()[-1]
        undone = store.undo()
        assert undone is not None and (undone.key, undone.rating, undone.at) == (last.key, last.rating, last.at)
        expected: Memory | None = None
        for r in store.reviews(key=last.key):
            expected = review(expected, r.key, r.rating, r.at)
        assert store.memory(last.key) == expected and len(store.reviews()) == 11
    assert rows(path, f"SELECT key, card_id, phase, due, memory FROM cards WHERE key != '{last.key}'"
                " ORDER BY key") == [c for c in before_cards if c[0] != last.key]


ops = st.lists(st.one_of(st.tuples(st.just("answer"), st.sampled_from(("d/a", "d/b")), st.sampled_from(list(Rating)),
                                   st.integers(1, 60 * 24 * 30)),
                         st.tuples(st.just("undo"), st.none(), st.none(), st.none())), max_size=14)


@settings(max_examples=30, deadline=None)
@given(ops)
def test_undo_gives_the_states_of_the_answers_without_the_undone_ones(steps: list[tuple]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder, Store.open(Path(folder) / "p.sqlite3") as store:
        kept: list[tuple[str, Rating, datetime]] = []
        at = T0
        for op, key, rating, gap in steps:
            if op == "answer":
                at += timedelta(minutes=gap)
                store.record(key, rating, at)
                kept.append((key, rating, at))
            else:
                undone = store.undo()
                assert (undone is None) == (not kept)
                if kept:
                    assert undone.key == kept.pop()[0]
        expected: dict[str, Memory] = {}
        for key, rating, when in kept:
            expected[key] = review(expected.get(key), key, rating, when)
        assert store.memories() == expected
        assert [(r.key, r.rating, r.at) for r in store.reviews()] == kept


def test_undo_of_a_review_followed_by_another_of_the_same_card_is_refused(tmp_path: Path) -> None:
    with Store.open(tmp_path / "p.sqlite3") as store:
        first = store.record("d/a", Rating.GOOD, T0)
        store.record("d/a", Rating.GOOD, T0 + timedelta(minutes=15))
        with pytest.raises(UndoRefused, match="undo the later review first"):
            store.undo(first.review_id)
        assert len(store.reviews()) == 2


def lapse_to_leech(store: Store, key: str, lapses: int, rule: LeechRule) -> list[bool]:
    """Learn the card, then fail it `lapses` times, relearning in between; whether each failure leeched."""
    at, seen = T0, []
    for rating in (Rating.GOOD, Rating.GOOD):
        store.record(key, rating, at, leech=rule)
        at += timedelta(days=1)
    for _ in range(lapses):
        at = max(at, store.memory(key).due) + timedelta(days=1)
        seen.append(store.record(key, Rating.AGAIN, at, leech=rule).leech)
        at += timedelta(hours=1)
        store.record(key, Rating.GOOD, at, leech=rule)
    return seen


def test_a_card_failed_threshold_times_after_learning_becomes_a_leech_and_undo_takes_it_back(tmp_path: Path) -> None:
    with Store.open(tmp_path / "p.sqlite3") as store:
        seen = lapse_to_leech(store, "d/a", 3, LeechRule(threshold=3, suspend=True))
        assert seen == [False, False, True]
        assert store.marks()["d/a"] == Marks("d/a", suspended=True, leech=True)
        store.undo()  # the Good after the third lapse
        store.undo()  # the lapse that made it a leech
        assert "d/a" not in store.marks()


def test_a_tagged_leech_is_not_suspended(tmp_path: Path) -> None:
    with Store.open(tmp_path / "p.sqlite3") as store:
        assert lapse_to_leech(store, "d/a", 2, LeechRule(threshold=2, suspend=False)) == [False, True]
        assert store.marks()["d/a"] == Marks("d/a", leech=True)


def test_marks_and_settings_persist(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite3"
    with Store.open(path) as store:
        store.change_marks("d/a", flag="ambiguous: two answers fit", flagged_at=T0)
        store.change_marks("d/b", buried_until=T0 + timedelta(hours=5))
        store.change_marks("d/c", suspended=True)
        store.change_marks("d/c", suspended=False)  # nothing left: the row goes
        store.put_setting("", "new-per-day", "15")
        store.put_setting("devday-2024", "retention", "0.85")
    with Store.open(path) as again:
        marks = again.marks()
        assert set(marks) == {"d/a", "d/b"} and marks["d/a"].flag == "ambiguous: two answers fit"
        assert marks["d/b"].hidden(T0) and not marks["d/b"].hidden(T0 + timedelta(hours=6))
        assert again.setting_rows() == [("", "new-per-day", "15"), ("devday-2024", "retention", "0.85")]


def test_the_log_keeps_what_was_typed_and_the_interval_given(tmp_path: Path) -> None:
    with Store.open(tmp_path / "p.sqlite3") as store:
        recorded = store.record("d/a", Rating.GOOD, T0, typed="Harry Stebings")
        row = store.reviews(key="d/a")[0]
        assert row.typed == "Harry Stebings" and row.due_after == recorded.memory.due
        first, reviews, studied = store.studied_since(T0 - timedelta(hours=1))
        assert first == ["d/a"] and reviews == 0 and studied == {"d/a"}


def test_merged_reviews_rebuild_the_card_in_time_order_and_a_second_merge_adds_nothing(tmp_path: Path) -> None:
    from aiquiz.progress.records import NewReview
    from aiquiz.progress.scheduler import replayer

    replay = replayer(lambda key: 0.9)
    with Store.open(tmp_path / "p.sqlite3") as store:
        store.record("d/a", Rating.GOOD, T0 + timedelta(days=3))
        outside = [NewReview("d/a", Rating.GOOD, T0), NewReview("d/a", Rating.AGAIN, T0 + timedelta(days=1)),
                   NewReview("d/b", Rating.EASY, T0 + timedelta(hours=2))]
        assert store.merge_reviews(outside, replay) == (3, 0)
        assert store.merge_reviews(outside, replay) == (0, 3)
        expected: Memory | None = None
        for rating, at in ((Rating.GOOD, T0), (Rating.AGAIN, T0 + timedelta(days=1)), (Rating.GOOD, T0 + timedelta(days=3))):
            expected = review(expected, "d/a", rating, at)
        assert store.memory("d/a") == expected and store.memory("d/b") == review(None, "d/b", Rating.EASY, T0 + timedelta(hours=2))
        assert [r.phase is not None for r in store.reviews(key="d/a")] == [True, True, True]


def test_undo_after_an_import_takes_back_the_latest_review_by_time_never_an_old_imported_one(tmp_path: Path) -> None:
    from aiquiz.progress.records import NewReview
    from aiquiz.progress.scheduler import replayer

    with Store.open(tmp_path / "p.sqlite3") as store:
        store.record("d/a", Rating.GOOD, T0)
        store.record("d/a", Rating.GOOD, T0 + timedelta(minutes=15))
        store.merge_reviews([NewReview("d/a", Rating.AGAIN, T0 - timedelta(days=400))], replayer(lambda key: 0.9))
        undone = store.undo()  # the newest by time: the second drill answer, not the import (newest by id)
        assert undone is not None and undone.at == T0 + timedelta(minutes=15)
        expected = None
        for rating, at in ((Rating.AGAIN, T0 - timedelta(days=400)), (Rating.GOOD, T0)):
            expected = review(expected, "d/a", rating, at)
        assert store.memory("d/a") == expected
        old = [r for r in store.reviews(key="d/a") if r.at < T0][0]
        with pytest.raises(UndoRefused):
            store.undo(old.id)  # later reviews of the card exist


def test_a_batch_is_one_transaction(tmp_path: Path) -> None:
    with Store.open(tmp_path / "p.sqlite3") as store:
        with pytest.raises(RuntimeError), store.batch():
            store.record("d/a", Rating.GOOD, T0)
            store.put_setting("", "new-per-day", "3")
            raise RuntimeError("the second half failed")
        assert store.reviews() == [] and store.setting_rows() == [] and store.memories() == {}


def test_due_counts_read_the_index_alone_and_leave_out_suspended_and_buried_cards(tmp_path: Path) -> None:
    # `aiquiz due` is for a shell prompt: its query must not read each card's row (the JSON state), which
    # took 71 ms at 100k cards against 31 ms from the (due, key) index (schema 5).
    now = datetime(2026, 12, 2, 12, tzinfo=UTC)
    with Store.open(tmp_path / "p.sqlite3") as store:
        for n, key in enumerate(["d/a", "d/b", "d/c", "e/a"]):
            store.record(key, Rating.AGAIN, now - timedelta(hours=2 + n))  # each due again within minutes
        store.change_marks("d/c", suspended=True)
        store.change_marks("e/a", buried_until=now + timedelta(hours=20))
        assert store.due_counts(now, now + timedelta(hours=12)) == [("d", 2, 0)]
        assert store.due_counts(now - timedelta(days=1), now) == [("d", 0, 2)]
        plan = [str(row[-1]) for row in store._conn.execute("EXPLAIN QUERY PLAN " + DUE_SQL, {"now": "", "until": ""})]
        assert all("SCAN cards" not in step for step in plan), plan  # seeks only, never the whole table
        assert sum("SEARCH cards USING INDEX cards_by_deck_due" in step for step in plan) == 4, plan


@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c-d", "e"]), st.integers(0, 9), st.integers(-30, 30),
                          st.sampled_from(["", "suspended", "buried", "buried-past", "flag"])), max_size=25))
@settings(max_examples=40, deadline=None)
def test_due_counts_are_the_plain_count_per_deck(tmp_path_factory, cards: list[tuple[str, int, int, str]]) -> None:
    now = datetime(2026, 12, 2, 12, tzinfo=UTC)
    until = now + timedelta(hours=10)
    path = tmp_path_factory.mktemp("due") / "p.sqlite3"
    expected: dict[str, list[int]] = {}
    with Store.open(path) as store:
        seen = set()
        for deck, number, hours, mark in cards:
            key = f"{deck}/c{number}"
            if key in seen:
                continue
            seen.add(key)
            due = now + timedelta(hours=hours)
            memory = review(None, key, Rating.GOOD, now - timedelta(days=3))
            store._conn.execute("INSERT INTO cards (key, card_id, phase, due, memory, updated) VALUES (?,?,?,?,?,?)",
                                (key, memory.card_id, int(memory.phase), stamp(due), "{}", stamp(now)))
            if mark == "suspended":
                store.change_marks(key, suspended=True)
            elif mark.startswith("buried"):
                store.change_marks(key, buried_until=now + timedelta(hours=-1 if mark == "buried-past" else 5))
            elif mark == "flag":
                store.change_marks(key, flag="x")
            if due < until and mark not in ("suspended", "buried"):
                expected.setdefault(deck, [0, 0])[0 if due <= now else 1] += 1
        assert store.due_counts(now, until) == sorted((d, n, later) for d, (n, later) in expected.items())
