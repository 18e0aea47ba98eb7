"""FSRS parameters fitted to the learner's own reviews, adopted only when they predict better on reviews
the fit never saw. Pure: no sqlite, no printing, time passed in. docs/optimize.md has the reasoning.

The backend is fsrs-rs-python (the Rust FSRS behind Anki's optimizer); its 21 FSRS-6 parameters mean the
same to the `fsrs` package's Scheduler (tests/test_optimize.py fails if they drift). The CLI's use:

    events = store.review_events()                # ReviewEvent values, any order, any keys
    outcome = fit(events, current, now=now, clock=DayClock(tz, day_start_hour))
    show(outcome.verdict, outcome.current_scores, outcome.fitted_scores, outcome.usable_reviews,
         outcome.needed)
    if outcome.adopt and not dry_run:
        store.add_params(outcome.record().to_dict())  # params, date, review count, both scores
        for key, history in by_card(events).items():
            store.put_state(key, recompute(history, outcome.params, retention, now, card_id=...))
    advice = retention.retention_advice(events, params, deck_size=n, new_per_day=k)

The values it reads and makes (`ReviewEvent`, `DayClock`, `Params`, `Scores`, `AdoptedSet`, `by_card`) are
in `params`. **Days** are numbered by `DayClock` as Anki numbers them (see `params`); `recompute` replays
through the drill's `fsrs.Scheduler` itself, so it agrees with the drill exactly.

**Minimum history.** `min_reviews` (400) *day-separated* reviews (a card's review on a later day than its
previous one: the only reviews FSRS predicts). fsrs-rs 0.9 fits all 21 parameters from about 130 of them
and below that quietly fits only the initial stabilities or returns its defaults; 400 gives the final fit
three times that. Fewer is `Verdict.NOT_ENOUGH_HISTORY`, with the counts.

**Adoption.** The day-separated reviews are split in time as sklearn's TimeSeriesSplit(5) does (the FSRS
benchmark's method): for each split, parameters fitted on the earlier reviews and the current ones both
predict the next block. Over all predicted reviews the fitted set is adopted only when (1) its log loss is
lower by at least `min_z` (2) standard errors of the paired per-review difference, (2) its RMSE(bins) is
not higher and (3) its predictions' AUC is above chance by `min_auc_z` (3) standard errors: answers that
do not follow memory (a learner answering at random) still yield *better calibrated* parameters, but
nothing about memory, so nothing is adopted. The adopted set is then fitted on the whole history.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from functools import lru_cache
from typing import NamedTuple

import fsrs
import fsrs_rs_python as rs

from aiquiz.progress import metrics
from aiquiz.progress.params import AdoptedSet, DayClock, Params, ReviewEvent, Scores, by_card

MIN_REVIEWS = 400
SPLITS = 5
MIN_Z = 2.0
MIN_AUC_Z = 3.0
RMSE_BINS_TOLERANCE = 0.0
_EPS = 1e-7


class Verdict(Enum):
    """What `fit` decided."""

    ADOPTED = "adopted"
    NOT_ENOUGH_HISTORY = "not enough history"
    NOT_BETTER = "fitted parameters do not predict better"
    WORSE_RMSE = "fitted parameters have a worse RMSE(bins)"
    NO_MEMORY_SIGNAL = "the answers do not follow memory"


@dataclass(frozen=True)
class FitOutcome:
    """The result of `fit`.

    Attributes:
        verdict: What was decided (and why nothing was adopted, if not).
        params: The parameters to use from now on: the fitted set if adopted, else `current`.
        current: The parameters in use before the fit.
        fitted: The parameters fitted on the whole history (None: not enough history).
        current_scores: The current set's held-out scores (None: not enough history).
        fitted_scores: The fitting procedure's held-out scores, fitted only on earlier reviews.
        z: The paired improvement in log loss over its standard error (positive: fitted is better).
        auc: The fitted predictions' held-out AUC (0.5: no better than chance).
        auc_z: How many standard errors that AUC is above 0.5.
        reviews: All reviews given (up to `now`).
        usable_reviews: Day-separated reviews, the ones FSRS predicts and fits on.
        cards: Cards with at least one review.
        needed: The day-separated reviews a fit needs.
        at: When the fit was made (`now`).
    """

    verdict: Verdict
    params: Params
    current: Params
    fitted: Params | None
    current_scores: Scores | None
    fitted_scores: Scores | None
    z: float | None
    auc: float | None
    auc_z: float | None
    reviews: int
    usable_reviews: int
    cards: int
    needed: int
    at: datetime

    @property
    def adopt(self) -> bool:
        """Whether the fitted parameters were adopted."""
        return self.verdict is Verdict.ADOPTED

    def record(self) -> AdoptedSet | None:
        """The store record of an adoption (None when nothing was adopted)."""
        if not self.adopt or self.fitted_scores is None or self.current_scores is None:
            return None
        return AdoptedSet(self.params, self.at, self.reviews, self.fitted_scores, self.current_scores)


class _Target(NamedTuple):  # a tuple: a million of them are made quickly and kept small
    """A day-separated review to predict: which card and review, when, the outcome and its RMSE bin."""

    card: int
    review: int
    at: datetime
    label: int
    bin: metrics.Bin


@dataclass(frozen=True)
class _Data:
    """A history as FSRS sees it. `reviews[c]`: card c's fsrs-rs reviews (rating, days since the previous
    review), `gaps[c]` their days; `targets` in time order, `items[i]` the fsrs-rs item of `targets[i]`
    (the card's reviews up to and including it)."""

    reviews: tuple[tuple[rs.FSRSReview, ...], ...]
    gaps: tuple[tuple[int, ...], ...]
    targets: tuple[_Target, ...]
    items: tuple[rs.FSRSItem, ...]


def _prepare(histories: Iterable[Sequence[ReviewEvent]], clock: DayClock) -> _Data:
    all_reviews = []
    all_gaps = []
    targets = []
    for c, history in enumerate(histories):
        reviews = []
        gaps = []
        previous = clock.day(history[0].at) if history else 0
        long_term = lapses = 0
        for i, event in enumerate(history):
            day = clock.day(event.at)
            gap = max(0, day - previous)
            previous = day
            reviews.append(rs.FSRSReview(event.rating, gap))
            gaps.append(gap)
            if i and gap:
                targets.append(_Target(c, i, event.at, int(event.rating > 1),
                                       metrics.benchmark_bin(gap, long_term, lapses)))
                long_term += 1
                lapses += event.rating == 1
        all_reviews.append(tuple(reviews))
        all_gaps.append(tuple(gaps))
    targets.sort(key=lambda t: t.at)
    items = tuple(rs.FSRSItem(all_reviews[t.card][:t.review + 1]) for t in targets)
    return _Data(tuple(all_reviews), tuple(all_gaps), tuple(targets), items)


def _train(items: Sequence[rs.FSRSItem], relearning_steps: int) -> Params:
    values = rs.FSRS(rs.DEFAULT_PARAMETERS).compute_parameters(
        items, enable_short_term=True, num_relearning_steps=relearning_steps)
    return _for_scheduler(values)


def _for_scheduler(values: Sequence[float]) -> Params:
    """fsrs-rs's f32 values, rounded and kept inside the bounds `fsrs.Scheduler` checks."""
    lower, upper = fsrs.scheduler.LOWER_BOUNDS_PARAMETERS, fsrs.scheduler.UPPER_BOUNDS_PARAMETERS
    return Params(tuple(min(max(round(float(v), 6), lo), hi)
                        for v, lo, hi in zip(values, lower, upper, strict=True)))


def _predict(params: Params, data: _Data, targets: Sequence[_Target]) -> list[float]:
    """Each target review's predicted chance of recall under `params`, from the reviews before it."""
    wanted = sorted({t.card for t in targets})
    states = rs.FSRS(list(params.values)).historical_memory_state_batch(
        [rs.FSRSItem(data.reviews[c]) for c in wanted])
    by_card_index = dict(zip(wanted, states, strict=True))
    decay = -params.values[20]
    factor = 0.9 ** (1 / decay) - 1
    out = []
    for t in targets:
        stability = by_card_index[t.card][t.review - 1].stability
        delta = data.gaps[t.card][t.review]
        out.append(min(max((1 + factor * delta / stability) ** decay, _EPS), 1 - _EPS))
    return out


def _not_enough(current: Params, now: datetime, reviews: int, usable: int, cards: int,
                needed: int) -> FitOutcome:
    return FitOutcome(Verdict.NOT_ENOUGH_HISTORY, current, current, None, None, None, None, None, None,
                      reviews, usable, cards, needed, now)


def fit(events: Iterable[ReviewEvent], current: Params, *, now: datetime, clock: DayClock,
        min_reviews: int = MIN_REVIEWS, splits: int = SPLITS, min_z: float = MIN_Z,
        min_auc_z: float = MIN_AUC_Z, relearning_steps: int = 1) -> FitOutcome:
    """Fit FSRS parameters to a review history and decide whether to adopt them.

    Args:
        events: The reviews, any order, of any cards (keys are only grouped, never looked up).
        current: The parameters in use now.
        now: The time of the fit; later reviews are left out.
        clock: Where days start (the learner's time zone and day-start hour).
        min_reviews: The day-separated reviews needed (never fewer than 8 per split is asked).
        splits: Time-series splits for the held-out evaluation.
        min_z: How many standard errors the log-loss improvement must reach.
        min_auc_z: How many standard errors above chance the fitted predictions' AUC must reach.
        relearning_steps: The drill's relearning steps (fsrs's Scheduler default: one, 10 minutes).

    Returns:
        The outcome; `outcome.params` are the parameters to use from now on.

    Raises:
        ValueError: `now` is naive or `splits` < 1.
    """
    if now.tzinfo is None or splits < 1:
        raise ValueError("now must be timezone-aware and splits at least 1")
    histories = by_card(e for e in events if e.at <= now)
    reviews = sum(len(h) for h in histories.values())
    data = _prepare(histories.values(), clock)
    del histories
    usable = len(data.targets)
    needed = max(min_reviews, 8 * (splits + 1))
    if usable < needed:
        return _not_enough(current, now, reviews, usable, len(data.reviews), needed)
    fold = usable // (splits + 1)
    held = data.targets[fold:]
    fitted_p: list[float] = []
    for k in range(1, splits + 1):
        end = (k + 1) * fold if k < splits else usable
        fitted_p += _predict(_train(data.items[:k * fold], relearning_steps), data,
                             data.targets[k * fold:end])
    labels = [t.label for t in held]
    bins = [t.bin for t in held]
    current_p = _predict(current, data, held)
    fitted_ll, current_ll = metrics.log_losses(fitted_p, labels), metrics.log_losses(current_p, labels)
    fitted_s = Scores(sum(fitted_ll) / len(held), metrics.rmse_bins(fitted_p, labels, bins), len(held))
    current_s = Scores(sum(current_ll) / len(held), metrics.rmse_bins(current_p, labels, bins),
                       len(held))
    z = metrics.paired_z(current_ll, fitted_ll)
    auc, auc_z = metrics.auc(fitted_p, labels)
    if not (fitted_s.log_loss < current_s.log_loss and z >= min_z):
        verdict = Verdict.NOT_BETTER
    elif fitted_s.rmse_bins > current_s.rmse_bins + RMSE_BINS_TOLERANCE:
        verdict = Verdict.WORSE_RMSE
    elif auc_z < min_auc_z:
        verdict = Verdict.NO_MEMORY_SIGNAL
    else:
        verdict = Verdict.ADOPTED
    fitted = _train(data.items, relearning_steps)
    return FitOutcome(verdict, fitted if verdict is Verdict.ADOPTED else current, current, fitted,
                      current_s, fitted_s, z, auc, auc_z, reviews, usable, len(data.reviews), needed, now)


@dataclass(frozen=True)
class CardState:
    """A card's scheduling state after a replay: the drill's `Memory` fields, `phase` as fsrs's `State`
    value (1 learning, 2 review, 3 relearning; a never-reviewed card is learning with no last review)."""

    card_id: int
    phase: int
    step: int | None
    stability: float | None
    difficulty: float | None
    due: datetime
    last_review: datetime | None

    def to_fsrs_card(self) -> fsrs.Card:
        """The same state as an `fsrs.Card` (the drill's `Memory._from_fsrs` takes it)."""
        return fsrs.Card(card_id=self.card_id, state=fsrs.State(self.phase), step=self.step,
                         stability=self.stability, difficulty=self.difficulty, due=self.due,
                         last_review=self.last_review)


@lru_cache(maxsize=8)
def _scheduler(params: Params, retention: float) -> fsrs.Scheduler:
    return fsrs.Scheduler(parameters=params.values, desired_retention=retention, enable_fuzzing=False)


def recompute(history: Iterable[ReviewEvent], params: Params, retention: float, now: datetime, *,
              card_id: int) -> CardState:
    """A card's state rebuilt from its reviews under `params`, as the drill's scheduler would have made it.

    Replays the reviews (in time order) through `fsrs.Scheduler(parameters=params,
    desired_retention=retention, enable_fuzzing=False)`, the drill's own scheduler, so the result is
    exactly what reviewing with these parameters from the start would have given.

    Args:
        history: The card's reviews (one card; any order).
        params: The parameters to schedule with (after an adoption: the adopted set).
        retention: The desired retention.
        now: Due time of a card without reviews.
        card_id: The card's fsrs id (the store's `card_id`).

    Returns:
        The card's state after its last review.

    Raises:
        ValueError: `now` is naive, or the parameters are out of fsrs's bounds.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    scheduler = _scheduler(params, retention)
    events = sorted(history, key=lambda e: e.at)
    card = fsrs.Card(card_id=card_id, due=(events[0].at if events else now).astimezone(UTC))
    for event in events:
        card, _ = scheduler.review_card(card, fsrs.Rating(event.rating),
                                        review_datetime=event.at.astimezone(UTC))
    return CardState(card.card_id, int(card.state), card.step, card.stability, card.difficulty,
                     card.due, card.last_review)
