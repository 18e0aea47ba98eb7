"""Retention advice: the learner's workload and knowledge simulated for a range of desired retentions.

fsrs-rs-python's `simulate` runs a whole deck for `days` days at each retention (`runs` times, averaged,
with the same seeds for each retention, so rows differ only by retention), with the learner's own answer
times and rating habits from the review log. The rows are for the CLI to print; `recommended` is the
highest retention that still gets at least `efficiency` (80%) of the best memorized-cards-per-minute on
the table: above it each extra point of retention costs much more time than it brings. (fsrs-rs's own
`optimal_retention` minimizes cost per memorized card and so answers the lowest retention, 0.70, for
decks of aiquiz's size: no advice at all.)

The simulation starts the deck from scratch (fsrs-rs-python's `simulate` takes no existing cards), with
`new_per_day` new cards a day: it shows the steady cost of a retention, not next week's queue.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import fsrs_rs_python as rs

from aiquiz.progress.params import DayClock, Params, ReviewEvent, by_card

RETENTIONS: tuple[float, ...] = tuple(round(0.70 + 0.03 * k, 2) for k in range(10))  # 0.70 .. 0.97
MIN_SAMPLES = 5
MIN_RATED = 20
MAX_ANSWER_SECONDS = 300.0  # a longer "answer" is a learner who walked away
LEARNING, REVIEW, RELEARNING = 0, 1, 2
UTC_4AM = DayClock()


@dataclass(frozen=True)
class Habits:
    """What a review costs this learner and how they rate.

    Attributes:
        seconds: Median answer time by state (learning, review, relearning) and rating (Again..Easy);
            fsrs-rs's defaults where the log has fewer than 5 timed answers.
        first_rating: Chances of Again/Hard/Good/Easy on a card's first review.
        recalled_rating: Chances of Hard/Good/Easy on a recalled day-separated review.
        timed_reviews: Reviews with a duration that the times come from (0: all defaults).
    """

    seconds: tuple[tuple[float, float, float, float], ...]
    first_rating: tuple[float, float, float, float]
    recalled_rating: tuple[float, float, float]
    timed_reviews: int


@dataclass(frozen=True)
class RetentionRow:
    """One desired retention's simulated averages over the simulated days.

    Attributes:
        retention: The desired retention.
        reviews_per_day: Reviews of already-seen cards a day (first sights not counted).
        minutes_per_day: Study time a day, first sights included.
        memorized: Expected cards remembered on the last day (the sum of their retrievabilities).
        knowledge: `memorized` as a share of the deck.
    """

    retention: float
    reviews_per_day: float
    minutes_per_day: float
    memorized: float
    knowledge: float

    @property
    def memorized_per_minute(self) -> float:
        """Cards memorized at the end per minute of daily study (0 when nothing was spent)."""
        return 0.0 if self.minutes_per_day == 0 else self.memorized / self.minutes_per_day


@dataclass(frozen=True)
class RetentionAdvice:
    """The table and the recommendation.

    Attributes:
        rows: One row per retention, in the order asked.
        recommended: The recommended desired retention (one of the rows').
        habits: The costs and rating habits the simulation used.
        deck_size: Cards simulated.
        new_per_day: New cards a day.
        days: Days simulated.
    """

    rows: tuple[RetentionRow, ...]
    recommended: float
    habits: Habits
    deck_size: int
    new_per_day: int
    days: int


def learner_habits(events: Iterable[ReviewEvent], clock: DayClock = UTC_4AM) -> Habits:
    """The learner's answer times and rating habits from the review log.

    A card's first review is a learning review; a review on a later day than the card's previous one is a
    review; a same-day review is relearning after a day-separated Again, else learning.

    Args:
        events: Reviews of any cards, any order.
        clock: Where days start.

    Returns:
        The habits, with fsrs-rs's defaults for whatever the log says too little about.
    """
    defaults = rs.default_simulator_config()
    times: defaultdict[tuple[int, int], list[float]] = defaultdict(list)
    first = [0, 0, 0, 0]
    recalled = [0, 0, 0]
    for history in by_card(events).values():
        state = LEARNING
        previous: int | None = None
        for event in history:
            day = clock.day(event.at)
            if previous is None:
                state = LEARNING
                first[event.rating - 1] += 1
            elif day > previous:
                state = REVIEW
                if event.rating > 1:
                    recalled[event.rating - 2] += 1
            elif state == REVIEW and event.rating == 1:
                state = RELEARNING
            if event.duration_ms is not None and event.duration_ms > 0:
                times[(state, event.rating)].append(min(event.duration_ms / 1000, MAX_ANSWER_SECONDS))
            previous = day
    seconds = tuple(
        tuple(statistics.median(times[(s, r)]) if len(times[(s, r)]) >= MIN_SAMPLES
              else float(defaults.state_rating_costs[s][r - 1]) for r in (1, 2, 3, 4))
        for s in (LEARNING, REVIEW, RELEARNING))
    return Habits(seconds, _shares(first, defaults.first_rating_prob),  # type: ignore[arg-type]
                  _shares(recalled, defaults.review_rating_prob),  # type: ignore[arg-type]
                  sum(len(v) for v in times.values()))


def _shares(counts: Sequence[int], default: Sequence[float]) -> tuple[float, ...]:
    total = sum(counts)
    if total < MIN_RATED:
        return tuple(float(d) for d in default)
    return tuple(c / total for c in counts)


def retention_advice(events: Iterable[ReviewEvent], params: Params, *, deck_size: int,
                     new_per_day: int, retentions: Sequence[float] = RETENTIONS, days: int = 365,
                     clock: DayClock = UTC_4AM, efficiency: float = 0.8, seed: int = 2024,
                     runs: int = 4) -> RetentionAdvice:
    """Simulated workload and knowledge for each desired retention, with a recommendation.

    Args:
        events: The learner's reviews (for answer times and rating habits).
        params: The learner's FSRS parameters.
        deck_size: How many cards to simulate (the learner's decks).
        new_per_day: New cards a day.
        retentions: The desired retentions to simulate.
        days: How many days to simulate.
        clock: Where days start.
        efficiency: The share of the best memorized-per-minute the recommendation must keep.
        seed: The first simulation's seed (the same seeds for every retention).
        runs: Simulations averaged per retention.

    Returns:
        The rows and the recommended retention.

    Raises:
        ValueError: no retentions, a retention outside 0.70-0.99, or sizes below 1.
    """
    if not retentions or any(not 0.7 <= r <= 0.99 for r in retentions):
        raise ValueError(f"retentions must be between 0.70 and 0.99, not {tuple(retentions)!r}")
    if min(deck_size, new_per_day, days, runs) < 1:
        raise ValueError("deck_size, new_per_day, days and runs must be at least 1")
    habits = learner_habits(events, clock)
    config = rs.default_simulator_config()
    config.deck_size = deck_size
    config.learn_span = days
    config.learn_limit = new_per_day
    config.max_cost_perday = 1e12  # show the whole workload; never drop reviews for lack of time
    config.state_rating_costs = [list(row) for row in habits.seconds]
    config.first_rating_prob = list(habits.first_rating)
    config.review_rating_prob = list(habits.recalled_rating)
    rows = tuple(_row(params, r, config, range(seed, seed + runs), deck_size, days) for r in retentions)
    best = max(row.memorized_per_minute for row in rows)
    recommended = max(row.retention for row in rows if row.memorized_per_minute >= efficiency * best)
    return RetentionAdvice(rows, recommended, habits, deck_size, new_per_day, days)


def _row(params: Params, retention: float, config: rs.SimulatorConfig, seeds: range, deck_size: int,
         days: int) -> RetentionRow:
    results = [rs.simulate(list(params.values), retention, config, seed=s) for s in seeds]
    n = len(results)
    memorized = sum(float(r.memorized_cnt_per_day[-1]) for r in results) / n
    return RetentionRow(retention, sum(sum(r.review_cnt_per_day) for r in results) / n / days,
                        sum(sum(r.cost_per_day) for r in results) / n / days / 60, memorized,
                        memorized / deck_size)
