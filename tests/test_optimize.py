"""`aiquiz optimize`'s core: parameters fitted with fsrs-rs-python mean the same to the drill's fsrs
Scheduler, the held-out adoption rule, replay, retention advice. Simulated learners keep it fast
(a few thousand reviews each)."""

from __future__ import annotations

import functools
import json
import math
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import fsrs
import fsrs_rs_python as rs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiquiz.progress import metrics
from aiquiz.progress.optimize import Verdict, _predict, _prepare, fit, recompute
from aiquiz.progress.params import AdoptedSet, DayClock, Params, ReviewEvent, Scores, by_card
from aiquiz.progress.retention import RETENTIONS, learner_habits, retention_advice
from aiquiz.progress.simulate import RANDOM_LEARNER, SLOW_LEARNER, LearnerProfile, simulate_reviews

START = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 1, 1, tzinfo=UTC)
UTC_CLOCK = DayClock(UTC, 4)
# A parameter set far from both the defaults and SLOW_LEARNER, inside fsrs's bounds.
ODD = (0.4, 1.0, 3.0, 12.0, 6.0, 0.6, 2.5, 0.01, 1.6, 0.2, 0.9, 1.6, 0.08, 0.3, 1.8, 0.5, 2.2, 0.4,
       0.15, 0.1, 0.3)


@functools.cache
def sim(profile: LearnerProfile, seed: int, cards: int = 300, days: int = 150) -> tuple[ReviewEvent, ...]:
    return simulate_reviews(profile, cards=cards, days=days, new_per_day=10, seed=seed, start=START)


# --- the two libraries agree ----------------------------------------------------------------------

def test_both_libraries_are_fsrs6_with_the_same_default_parameters() -> None:
    scheduler_defaults = fsrs.Scheduler().parameters
    assert len(scheduler_defaults) == len(rs.DEFAULT_PARAMETERS) == 21
    assert scheduler_defaults == pytest.approx(rs.DEFAULT_PARAMETERS, abs=1e-6)
    assert Params.default().values == pytest.approx(rs.DEFAULT_PARAMETERS, abs=1e-6)


# (minutes after START's day, rating): same-day steps and day-separated reviews, a lapse, relearning.
HISTORY = ((0, 3), (10, 3), (1 * 1440 + 60, 3), (4 * 1440 + 60, 1), (4 * 1440 + 70, 3),
           (5 * 1440 + 80, 3), (12 * 1440 + 80, 2), (30 * 1440 + 80, 3), (31 * 1440 + 80, 4),
           (31 * 1440 + 90, 1), (31 * 1440 + 100, 3), (40 * 1440 + 100, 3))


@pytest.mark.parametrize("values", [SLOW_LEARNER, ODD], ids=["slow", "odd"])
def test_scheduler_and_fsrs_rs_compute_the_same_memory_states(values: tuple[float, ...]) -> None:
    """The same reviews through `fsrs.Scheduler(parameters=P)` and fsrs-rs's `memory_state` give the same
    stability and difficulty after every review, same-day steps included."""
    scheduler = fsrs.Scheduler(parameters=values, enable_fuzzing=False)
    model = rs.FSRS(list(values))
    card = fsrs.Card(card_id=1, due=START)
    reviews: list[rs.FSRSReview] = []
    previous_day = 0
    for minutes, rating in HISTORY:
        at = START + timedelta(minutes=minutes)
        card, _ = scheduler.review_card(card, fsrs.Rating(rating), review_datetime=at)
        day = minutes // 1440
        reviews.append(rs.FSRSReview(rating, day - previous_day if reviews else 0))
        previous_day = day
        state = model.memory_state(rs.FSRSItem(reviews))
        assert card.stability == pytest.approx(state.stability, rel=1e-4)
        assert card.difficulty == pytest.approx(state.difficulty, rel=1e-4)


def test_predictions_are_fsrs_rs_own() -> None:
    """Each held-out prediction equals what fsrs-rs's `evaluate` predicts for that review alone."""
    events = sim(LearnerProfile(), seed=5, cards=40, days=40)
    data = _prepare(by_card(events).values(), UTC_CLOCK)
    chosen = range(0, len(data.targets), 7)
    targets = [data.targets[i] for i in chosen]
    model = rs.FSRS(list(ODD))
    for i, target, p in zip(chosen, targets, _predict(Params(ODD), data, targets), strict=True):
        loss = model.evaluate([data.items[i]]).log_loss
        assert (math.exp(-loss) if target.label else 1 - math.exp(-loss)) == pytest.approx(p, abs=1e-5)
        assert data.gaps[target.card][target.review] > 0


# --- fit and the adoption rule --------------------------------------------------------------------

@pytest.mark.parametrize("seed", [0, 1])
def test_a_learner_with_other_memory_gets_fitted_parameters_adopted(seed: int) -> None:
    events = sim(LearnerProfile(true_params=SLOW_LEARNER), seed)
    assert 4000 < len(events) < 6000
    outcome = fit(events, Params.default(), now=NOW, clock=UTC_CLOCK)
    assert outcome.verdict is Verdict.ADOPTED and outcome.adopt
    assert outcome.fitted_scores is not None and outcome.current_scores is not None
    assert outcome.fitted_scores.log_loss < outcome.current_scores.log_loss
    assert outcome.fitted_scores.rmse_bins < outcome.current_scores.rmse_bins
    assert outcome.params == outcome.fitted != Params.default()
    fsrs.Scheduler(parameters=outcome.params.values)  # within the drill scheduler's bounds
    record = outcome.record()
    assert record is not None and record.reviews == len(events) and record.adopted_at == NOW


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_learner_answering_at_random_gets_nothing_adopted(seed: int) -> None:
    """Better-calibrated parameters exist for random answers (they beat the defaults on log loss), but
    they tell recalls from lapses no better than chance, so they are not adopted."""
    outcome = fit(sim(RANDOM_LEARNER, seed, cards=200, days=100), Params.default(), now=NOW,
                  clock=UTC_CLOCK)
    assert not outcome.adopt
    assert outcome.verdict is Verdict.NO_MEMORY_SIGNAL
    assert outcome.params == Params.default() and outcome.record() is None
    assert outcome.auc is not None and abs(outcome.auc - 0.5) < 0.05


def test_a_learner_whose_memory_the_current_parameters_describe_keeps_them() -> None:
    truth = LearnerProfile(true_params=Params.default().values)
    outcome = fit(sim(truth, seed=3), Params.default(), now=NOW, clock=UTC_CLOCK)
    assert outcome.verdict is Verdict.NOT_BETTER and outcome.params == Params.default()


def test_too_little_history_says_how_much_there_is_and_how_much_is_needed() -> None:
    events = sim(LearnerProfile(), seed=1, cards=20, days=20)
    current = Params(ODD)
    outcome = fit(events, current, now=NOW, clock=UTC_CLOCK)
    assert outcome.verdict is Verdict.NOT_ENOUGH_HISTORY and not outcome.adopt
    assert outcome.reviews == len(events)
    assert 0 < outcome.usable_reviews < outcome.needed == 400
    assert outcome.cards == 20
    assert outcome.params == current and outcome.fitted is None and outcome.record() is None
    empty = fit([], current, now=NOW, clock=UTC_CLOCK)
    assert (empty.verdict, empty.reviews, empty.usable_reviews) == (Verdict.NOT_ENOUGH_HISTORY, 0, 0)


def test_reviews_of_removed_cards_and_after_now_are_fine() -> None:
    """Keys are only grouped, never looked up: a deck that no longer exists fits like any other;
    reviews after `now` are left out."""
    events = sim(LearnerProfile(), seed=4, cards=80, days=60)
    renamed = [ReviewEvent(f"removed-deck/{e.key}", e.rating, e.at, None) for e in events]
    later = [ReviewEvent("removed-deck/x", 3, NOW + timedelta(days=1), 1000)]
    outcome = fit(renamed + later, Params.default(), now=NOW, clock=UTC_CLOCK)
    assert outcome.reviews == len(events) and outcome.verdict is not Verdict.NOT_ENOUGH_HISTORY


def test_day_clock_counts_local_days_from_the_day_start_hour() -> None:
    clock = DayClock(ZoneInfo("Asia/Shanghai"), 4)
    late = datetime(2025, 3, 1, 23, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert clock.day(late + timedelta(hours=4)) - clock.day(late) == 0  # 03:30: still the same day
    assert clock.day(late + timedelta(hours=5)) - clock.day(late) == 1  # 04:30: the next day
    assert clock.day(late.astimezone(UTC)) == clock.day(late)
    fixed = DayClock(timezone(timedelta(hours=8)), 4)  # the fixed-offset fast path agrees
    for hours in range(0, 24 * 400, 7):
        moment = late + timedelta(hours=hours, minutes=13)
        assert fixed.day(moment) == clock.day(moment)


# --- persistence ----------------------------------------------------------------------------------

bounded = st.tuples(*(st.floats(lo, hi) for lo, hi in zip(fsrs.scheduler.LOWER_BOUNDS_PARAMETERS,
                                                              fsrs.scheduler.UPPER_BOUNDS_PARAMETERS,
                                                              strict=True)))


@settings(max_examples=50, deadline=None)
@given(bounded)
def test_parameters_round_trip_through_json(values: tuple[float, ...]) -> None:
    params = Params(values)
    assert Params.from_dict(json.loads(json.dumps(params.to_dict()))) == params
    record = AdoptedSet(params, NOW, 1234, Scores(0.31, 0.04, 500), Scores(0.35, 0.07, 500))
    assert AdoptedSet.from_dict(json.loads(json.dumps(record.to_dict()))) == record


def test_malformed_parameter_sets_are_refused() -> None:
    with pytest.raises(ValueError):
        Params.from_dict({"format": 99, "model": "FSRS-6", "w": list(ODD)})
    with pytest.raises(ValueError):
        Params.from_dict({"format": 1, "model": "FSRS-6", "w": list(ODD[:19])})
    with pytest.raises(ValueError):
        ReviewEvent("d/c", 5, NOW)


# --- recompute --------------------------------------------------------------------------------------

def _drill_review():  # type: ignore[no-untyped-def]
    try:  # the lead is moving the scheduler from drill/ to progress/
        from aiquiz.progress.scheduler import (  # type: ignore[import-not-found]
            Rating,
            fsrs_card_id,
            review,
        )
    except ImportError:
        from aiquiz.drill.scheduler import Rating, fsrs_card_id, review
    return Rating, fsrs_card_id, review


def test_recompute_with_the_drill_parameters_gives_the_drills_own_state() -> None:
    Rating, fsrs_card_id, review = _drill_review()
    events = [e for e in sim(LearnerProfile(), seed=6, cards=30, days=90) if e.key == "sim/c00007"]
    assert len(events) > 5
    memory = None
    for event in events:
        memory = review(memory, event.key, Rating(event.rating), event.at, 0.9)
    state = recompute(reversed(events), Params.default(), 0.9, NOW, card_id=fsrs_card_id(events[0].key))
    assert memory is not None
    assert (state.card_id, state.phase, state.step, state.stability, state.difficulty, state.due,
            state.last_review) == (memory.card_id, int(memory.phase), memory.step, memory.stability,
                                   memory.difficulty, memory.due, memory.last_review)
    assert state.to_fsrs_card().to_dict() == memory._to_fsrs().to_dict()


def test_recompute_follows_new_parameters_and_a_new_card_is_due_now() -> None:
    events = [e for e in sim(LearnerProfile(), seed=6, cards=30, days=90) if e.key == "sim/c00003"]
    default = recompute(events, Params.default(), 0.9, NOW, card_id=3)
    slow = recompute(events, Params(SLOW_LEARNER), 0.9, NOW, card_id=3)
    assert slow.last_review == default.last_review and slow.due < default.due
    fresh = recompute([], Params(SLOW_LEARNER), 0.9, NOW, card_id=3)
    assert fresh.due == NOW and fresh.last_review is None and fresh.stability is None


# --- retention advice -----------------------------------------------------------------------------

def test_retention_advice_uses_the_learners_times_and_recommends_a_row() -> None:
    events = sim(LearnerProfile(), seed=4, cards=80, days=60)
    advice = retention_advice(events, Params(SLOW_LEARNER), deck_size=300, new_per_day=10, days=200)
    assert [row.retention for row in advice.rows] == list(RETENTIONS)
    assert RETENTIONS[0] == 0.70 and RETENTIONS[-1] == 0.97
    assert advice.recommended in RETENTIONS
    first, last = advice.rows[0], advice.rows[-1]
    assert last.reviews_per_day > 2 * first.reviews_per_day
    assert last.minutes_per_day > first.minutes_per_day and last.knowledge > first.knowledge
    assert advice.habits.timed_reviews == len(events)
    review_good = advice.habits.seconds[1][2]
    assert 5 < review_good < 9  # the simulated learner answers Good in about 7 s


def test_learner_habits_fall_back_to_defaults_without_history() -> None:
    defaults = rs.default_simulator_config()
    habits = learner_habits([])
    assert habits.timed_reviews == 0
    assert habits.seconds[0] == pytest.approx(defaults.state_rating_costs[0])
    assert habits.first_rating == pytest.approx(defaults.first_rating_prob)


# --- metrics --------------------------------------------------------------------------------------

def test_rmse_bins_and_auc_on_small_cases() -> None:
    # two bins: predictions 0.9 vs outcomes 0.5 (2 reviews), 0.6 vs 1.0 (1 review)
    value = metrics.rmse_bins([0.9, 0.9, 0.6], [1, 0, 1], [(1, 1, 0), (1, 1, 0), (2, 1, 0)])
    assert value == pytest.approx(math.sqrt((2 * 0.4 ** 2 + 0.4 ** 2) / 3))
    assert metrics.auc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])[0] == 1.0
    assert metrics.auc([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1])[0] == 0.5
    assert metrics.benchmark_bin(1, 0, 0) == (248, 4, 0)
    assert metrics.benchmark_bin(10, 3, 1) == (898, 7, 2)
