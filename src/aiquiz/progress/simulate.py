"""A simulated learner: review histories with a known truth, for testing and benchmarking the optimizer.

The learner's real memory follows FSRS with *true* parameters (`LearnerProfile.true_params`); the cards
are scheduled the way the drill schedules them: `fsrs.Scheduler(parameters=schedule_params,
desired_retention=retention, enable_fuzzing=False)` with fsrs's default learning steps. At each review
the learner recalls with the true model's retrievability at that moment (elapsed time in fractional
days) and rates Hard/Good/Easy on a recall and Again on a lapse. A "random" learner ignores its memory
and answers Again/Hard/Good/Easy with equal chances.

Every review happens exactly at its due time, or a whole number of days late, so the local day
number and the 24-hour elapsed days that fsrs's Scheduler uses always agree (see `params.DayClock`).
Everything is seeded: the same arguments give the same events.
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import fsrs

from aiquiz.progress.params import ReviewEvent

DAY = timedelta(days=1)

# A learner whose memory is clearly not the default one: slower to learn (lower initial stabilities),
# faster forgetting after a lapse, a stronger effect of difficulty. All inside fsrs's bounds.
SLOW_LEARNER: tuple[float, ...] = (
    0.08, 0.45, 1.1, 4.0, 7.2, 0.5, 2.6, 0.004, 1.2, 0.25, 0.6, 1.2, 0.12, 0.35, 1.3, 0.45, 1.6, 0.5,
    0.12, 0.08, 0.25,
)


@dataclass(frozen=True)
class LearnerProfile:
    """How a simulated learner remembers and answers.

    Attributes:
        true_params: The FSRS-6 parameters of the learner's real memory (21 values).
        first_rating: Chances of Again/Hard/Good/Easy on a card's first sight (nothing to recall yet).
        recalled_rating: Chances of Hard/Good/Easy when the learner recalls.
        late_chance: The chance that a review due on a later day is done 1-`max_late_days` days late.
        max_late_days: The most days a late review is late.
        answers_at_random: Ignore memory: every answer is Again/Hard/Good/Easy with equal chances.
        durations_ms: Mean answer time per rating (Again, Hard, Good, Easy), milliseconds.
    """

    true_params: tuple[float, ...] = SLOW_LEARNER
    first_rating: tuple[float, float, float, float] = (0.25, 0.1, 0.5, 0.15)
    recalled_rating: tuple[float, float, float] = (0.15, 0.75, 0.10)
    late_chance: float = 0.35
    max_late_days: int = 6
    answers_at_random: bool = False
    durations_ms: tuple[int, int, int, int] = (14000, 11000, 7000, 4000)


RANDOM_LEARNER = LearnerProfile(answers_at_random=True)


@dataclass
class _Card:  # mutable bookkeeping inside one simulation run only
    key: str
    scheduled: fsrs.Card
    true: fsrs.Card


def simulate_reviews(profile: LearnerProfile, *, cards: int, days: int, new_per_day: int, seed: int,
                     start: datetime, schedule_params: Sequence[float] | None = None,
                     retention: float = 0.9, deck: str = "sim") -> tuple[ReviewEvent, ...]:
    """The reviews of a simulated learner drilling `cards` cards for `days` days.

    Args:
        profile: How the learner remembers and answers.
        cards: How many cards the deck has; `new_per_day` of them are introduced each day.
        days: How many days to simulate.
        new_per_day: New cards introduced per day (at the day's session start).
        seed: The random seed.
        start: The first session (timezone-aware); each day's session starts at the same time of day.
        schedule_params: The parameters the drill schedules with (None: fsrs's defaults).
        retention: The drill's desired retention.
        deck: The deck id in the card keys `deck/cNNNNN`.

    Returns:
        The reviews in time order.

    Raises:
        ValueError: `start` is naive or a count is negative.
    """
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    if min(cards, days, new_per_day) < 0:
        raise ValueError("cards, days and new_per_day must not be negative")
    rng = random.Random(seed)
    start = start.astimezone(UTC)
    params = tuple(schedule_params) if schedule_params is not None else fsrs.scheduler.DEFAULT_PARAMETERS
    drill = fsrs.Scheduler(parameters=params, desired_retention=retention, enable_fuzzing=False)
    truth = fsrs.Scheduler(parameters=profile.true_params, desired_retention=retention,
                           enable_fuzzing=False)
    end = start + days * DAY
    queue: list[tuple[datetime, int, _Card]] = []
    for index in range(min(cards, days * new_per_day)):
        at = start + (index // new_per_day) * DAY + timedelta(seconds=index % new_per_day)
        card = _Card(f"{deck}/c{index:05d}", fsrs.Card(card_id=index + 1, due=at),
                     fsrs.Card(card_id=index + 1, due=at))
        queue.append((at, index, card))
    heapq.heapify(queue)
    events: list[ReviewEvent] = []
    while queue and queue[0][0] < end:
        at, index, card = heapq.heappop(queue)
        rating = _answer(profile, truth, card, at, rng)
        duration = max(500, int(rng.gauss(profile.durations_ms[rating - 1], 1500)))
        events.append(ReviewEvent(card.key, rating, at, duration))
        card.scheduled, _ = drill.review_card(card.scheduled, fsrs.Rating(rating), review_datetime=at)
        card.true, _ = truth.review_card(card.true, fsrs.Rating(rating), review_datetime=at)
        due = card.scheduled.due
        if due - at >= DAY and rng.random() < profile.late_chance:
            due += rng.randint(1, profile.max_late_days) * DAY
        heapq.heappush(queue, (due, index, card))
    return tuple(events)


def _answer(profile: LearnerProfile, truth: fsrs.Scheduler, card: _Card, at: datetime,
            rng: random.Random) -> int:
    if profile.answers_at_random:
        return rng.randint(1, 4)
    true = card.true
    if true.last_review is None or true.stability is None:
        return rng.choices((1, 2, 3, 4), weights=profile.first_rating)[0]
    recall = true_retrievability(profile.true_params, true.stability, (at - true.last_review) / DAY)
    if rng.random() >= recall:
        return 1
    return rng.choices((2, 3, 4), weights=profile.recalled_rating)[0]


def true_retrievability(params: Sequence[float], stability: float, elapsed_days: float) -> float:
    """FSRS-6's forgetting curve: the chance of recall `elapsed_days` after a review with `stability`."""
    decay = -params[20]
    factor = 0.9 ** (1 / decay) - 1
    return float(math.pow(1 + factor * elapsed_days / stability, decay))
