"""Progress that travels: the store's history replayed step by step (for an export), and reviews from
another front end merged into the store (for an import).

Nothing here knows Anki's tables: `anki/progress_export.py` and `anki/progress_import.py` map these
values to and from them. The pure parts (`replay_steps`, `plan_merge`) take everything as arguments; the
edges (`card_progress`, `merge`) read the open store and the learner's settings.

A review is identified by its card and its time. Times travel through Anki at millisecond precision (a
revlog id is the answer's time in ms), so an incoming review is already present when the store holds a
review of the same card in the same millisecond. Two reviews that shared a millisecond cannot both keep
it in Anki (revlog ids are unique): the export moves the later one up by a millisecond, so a drill review
also matches an incoming one up to `BUMP_WINDOW` later. Importing a package that carries the drill's own
reviews therefore adds nothing, and importing a package twice adds nothing.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from aiquiz.progress.records import NewReview, ReviewRecord
from aiquiz.progress.scheduler import Memory, Parameters, Phase, Rating, default_parameters, phase_of, replayer
from aiquiz.progress.settings import Settings
from aiquiz.progress.store import Replay, Store
from aiquiz.select import deck_of

BUMP_WINDOW = 100  # ms: how far the export may move a drill review that shared its millisecond
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def millis(when: datetime) -> int:
    """Milliseconds since the epoch, rounded down (Anki's revlog ids)."""
    return (when - _EPOCH) // timedelta(milliseconds=1)



@dataclass(frozen=True)
class Step:
    """One review of a card as replayed: rating, time, duration, and the card's state before and after."""

    rating: Rating
    at: datetime
    duration_ms: int | None
    before: Memory | None
    after: Memory


@dataclass(frozen=True)
class CardProgress:
    """What an export needs of one studied card: its state, its replayed history and its deck's options.

    `memory` is the stored state (authoritative); `steps` replay the review log in time order with the
    same parameters, for the history a review log shows.
    """

    key: str
    memory: Memory
    steps: tuple[Step, ...]
    retention: float
    decay: float
    suspended: bool = False

    @property
    def lapses(self) -> int:
        """How often the learned card was rated Again (the store's meaning of a lapse)."""
        return sum(s.rating is Rating.AGAIN and phase_of(s.before) is Phase.REVIEW for s in self.steps)


def replay_steps(key: str, reviews: Iterable[ReviewRecord | NewReview], replay: Replay) -> tuple[Step, ...]:
    """Replay one card's reviews in time order.

    Args:
        key: The card's key.
        reviews: Its reviews, in any order (ties keep their order).
        replay: How one review changes the card's state.

    Returns:
        One Step per review, oldest first.
    """
    steps: list[Step] = []
    memory: Memory | None = None
    for review in sorted(reviews, key=lambda r: r.at):
        after = replay(key, memory, review.rating, review.at)
        steps.append(Step(review.rating, review.at, review.duration_ms, memory, after))
        memory = after
    return tuple(steps)


def store_replay(store: Store, settings: Settings) -> Replay:
    """How the drill reviews a card now: its deck's retention and the FSRS parameters in use."""
    from aiquiz.progress.tuning import parameters_for, parameters_in_use

    return replayer(lambda key: settings.retention_for(deck_of(key)), parameters_for(parameters_in_use(store)))


def card_progress(store: Store, settings: Settings) -> list[CardProgress]:
    """Every studied card of the store, ready to export (cards no longer in any deck included).

    Args:
        store: The open progress store.
        settings: The learner's settings (retention per deck).

    Returns:
        One CardProgress per studied card, by key order.
    """
    from aiquiz.progress.tuning import parameters_for, parameters_in_use

    params = parameters_for(parameters_in_use(store))
    replay = replayer(lambda key: settings.retention_for(deck_of(key)), params)
    by_key: dict[str, list[ReviewRecord]] = defaultdict(list)
    for record in store.reviews():
        by_key[record.key].append(record)
    marks = store.marks()
    out = []
    for key, memory in sorted(store.memories().items()):
        weights: Parameters = params(key) or default_parameters()
        out.append(CardProgress(key, memory, replay_steps(key, by_key.get(key, ()), replay),
                                settings.retention_for(deck_of(key)), float(weights[20]),
                                key in marks and marks[key].suspended))
    return out


@dataclass(frozen=True)
class MergePlan:
    """What merging would do: the reviews new to the store (time order per card) and how many are present."""

    new: tuple[NewReview, ...]
    present: int

    @property
    def cards(self) -> int:
        """Cards that get new reviews (their states are rebuilt)."""
        return len({r.key for r in self.new})


def plan_merge(incoming: Iterable[NewReview], existing: Iterable[tuple[str, datetime, str | None]],
               window: int = BUMP_WINDOW) -> MergePlan:
    """Split incoming reviews into new ones and ones the store already holds.

    An incoming review is present when the store (or `incoming` before it) holds a review of the same card
    in the same millisecond, or a drill review of that card at most `window` ms earlier (see the module).

    Args:
        incoming: Reviews from elsewhere, in any order.
        existing: (key, time, origin) of every review in the store; origin None is the drill.
        window: The most the export moves a drill review's time, in ms.

    Returns:
        The plan (new reviews sorted by card and time).
    """
    exact: dict[str, set[int]] = defaultdict(set)
    drill: dict[str, list[int]] = defaultdict(list)
    for key, at, origin in existing:
        exact[key].add(millis(at))
        if origin is None:
            drill[key].append(millis(at))
    for times in drill.values():
        times.sort()
    new: list[NewReview] = []
    present = 0
    for review in sorted(incoming, key=lambda r: (r.key, r.at)):
        ms, times = millis(review.at), drill.get(review.key, [])
        i = bisect_left(times, ms - window)
        if ms in exact[review.key] or (i < len(times) and times[i] <= ms):
            present += 1
            continue
        exact[review.key].add(ms)
        new.append(review)
    return MergePlan(tuple(new), present)


@dataclass(frozen=True)
class Merged:
    """What `merge` did (or, in a dry run, would do): reviews added, already present, cards rebuilt."""

    added: int
    present: int
    cards: int
    written: bool


def merge(store: Store, incoming: Sequence[NewReview], settings: Settings, *, dry_run: bool = False,
          replay: Replay | None = None) -> Merged:
    """Merge reviews from elsewhere into the store and rebuild each touched card from its full history.

    All of it is one transaction: on any failure the store is as it was.

    Args:
        store: The open progress store.
        incoming: The reviews read from elsewhere.
        settings: The learner's settings (retention per deck).
        dry_run: Count, write nothing.
        replay: How one review changes a card (None: as the drill reviews it now, see `store_replay`).

    Returns:
        The counts.

    Raises:
        StoreError: nothing was written.
    """
    plan = plan_merge(incoming, store.review_times())
    if dry_run:
        return Merged(len(plan.new), plan.present, plan.cards, written=False)
    added, present = store.merge_reviews(plan.new, replay or store_replay(store, settings))
    return Merged(added, plan.present + present, plan.cards, written=True)

