"""One drill session as pure values: building the queue, state + answer + now -> new state, the summary.

A card answered in a session comes back in the same session once fsrs makes it due again (a learning step
of 1 or 10 minutes) while other cards are still being studied. A card rated Again also comes back before
the session ends, even a little early: a wrong answer is retried. Other learning cards wait for their time
(the next drill), so a card is never asked twice in a row just because the queue ran out.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from aiquiz.progress.days import Allowance
from aiquiz.progress.scheduler import Memory, Phase, Rating, Scheduled
from aiquiz.select import Selected, Selection, shuffled

DEFAULT_NEW = 10
LEARN_AHEAD = timedelta(minutes=20)


@dataclass(frozen=True)
class Queued:
    """A card waiting in the session.

    `show_at` is None for a first showing, else when it is due again; `retry` marks a card rated Again.
    """

    key: str
    new: bool
    show_at: datetime | None = None
    retry: bool = False


@dataclass(frozen=True)
class Answered:
    """One answer given in the session."""

    key: str
    rating: Rating
    at: datetime
    due: datetime


@dataclass(frozen=True)
class SessionState:
    """Where a session is: cards still to show (in order), cards to show again, answers given."""

    started: datetime
    queue: tuple[Queued, ...]
    again: tuple[Queued, ...] = ()
    answers: tuple[Answered, ...] = ()


@dataclass(frozen=True)
class Progress:
    """What the header shows: card `number` of `total`, and how many reviews and new cards are left."""

    number: int
    total: int
    due_left: int
    new_left: int


@dataclass(frozen=True)
class Summary:
    """The end of a session: what was studied and when the next card is due."""

    cards: int
    reviews: int
    right: int
    spent: timedelta
    next_due: datetime | None
    new_waiting: int

    @property
    def accuracy(self) -> float | None:
        """The share of answers not rated Again (None when nothing was answered)."""
        return self.right / self.reviews if self.reviews else None


@dataclass(frozen=True)
class Day:
    """What the study day allows: the limits left, cards hidden (suspended, buried), related cards, and the
    cards already studied today (their related cards wait for another day)."""

    allowance: Allowance
    hidden: frozenset[str] = frozenset()
    related: Mapping[str, frozenset[str]] = field(default_factory=dict)
    studied: frozenset[str] = frozenset()


UNLIMITED = Day(Allowance(new=10**9, new_by_deck={}, reviews=10**9, new_limit=10**9))


@dataclass(frozen=True)
class Plan:
    """A session's queue, and what the day's rules left out of it (for the header and the summary).

    `new_used_up`: new cards wait but the day's (or their deck's) new cards were all studied before this
    session; `new_last`: this session takes the last of the day's new cards while more wait.
    """

    queue: tuple[Queued, ...]
    new_used_up: bool = False
    reviews_capped: int = 0
    held_related: int = 0
    new_last: bool = False


def build_queue(picked: Sequence[Selected], memories: Mapping[str, Memory | Scheduled], now: datetime,
                day: Day = UNLIMITED, new: int = DEFAULT_NEW, limit: int | None = None,
                cram: bool = False) -> Plan:
    """The cards of a session, in the order they are shown.

    Args:
        picked: The selected cards (`Picked`, or `Ref`s: the same queue), in deck order.
        memories: The stored state of every studied card, by key.
        now: The session's start.
        day: The day's limits left, hidden cards, related cards and cards studied today.
        new: At most this many never-studied cards in this session (within the day's new cards).
        limit: At most this many cards in all (None: no limit).
        cram: Every selected card that is not suspended or buried, studied or not, due or not, in a shuffled
            order seeded by the date; the day's limits do not apply.

    Returns:
        (Re)learning cards due, then reviews due (most overdue first, up to the day's reviews), then new
        cards in deck order (decks drawing on several interviews after the others, up to the day's new
        cards); a card related to one studied today or queued before it waits for another day.
    """
    pool = picked if isinstance(picked, Selection) else _Listed(picked)
    hidden = day.hidden
    if cram:
        order = shuffled([k for k in pool.every_key() if k not in hidden], seed=f"cram:{now.date().isoformat()}")
        queue = [Queued(k, k not in memories) for k in order]
        return Plan(tuple(queue if limit is None else queue[:max(limit, 0)]))
    # The studied cards are read from the store; a selection of 100k cards is only walked as far as new cards
    # are taken from it.
    due = sorted((state.due, k) for k, state in memories.items()
                 if state.due <= now and k not in hidden and pool.has(k))
    learning = [k for _, k in due if memories[k].phase is not Phase.REVIEW]
    taken = set(day.studied) | set(learning)
    held = 0

    def keep(key: str) -> bool:
        """False when a card related to `key` was studied today or is already in the queue."""
        nonlocal held
        if day.related.get(key, _NONE) & taken:
            held += 1
            return False
        taken.add(key)
        return True

    reviews = [k for _, k in due if memories[k].phase is Phase.REVIEW and keep(k)]
    shown_reviews = reviews[:day.allowance.reviews]
    # Cards comparing interviews make sense once the interviews' own cards are known: they come last.
    unseen = ((k, d) for comparing in (False, True) for k, d in pool.in_order(comparing)
              if k not in memories and k not in hidden)
    wanted = min(max(new, 0), day.allowance.new)
    fresh: list[str] = []
    taken_by_deck: dict[str, int] = {}
    waiting = False  # a new card the day's (or a deck's) limit left out
    for key, deck_id in unseen:
        deck_left = day.allowance.new_for(deck_id) - taken_by_deck.get(deck_id, 0)
        if len(fresh) >= wanted or deck_left <= 0:
            if not waiting and len(fresh) < max(new, 0) and not day.related.get(key, _NONE) & taken:
                waiting = True  # shown today but for the limit (a related card would wait anyway)
            if len(fresh) >= wanted and (waiting or len(fresh) >= max(new, 0)):
                break
            continue
        if keep(key):
            fresh.append(key)
            taken_by_deck[deck_id] = taken_by_deck.get(deck_id, 0) + 1
    queue = [Queued(k, False) for k in learning + shown_reviews] + [Queued(k, True) for k in fresh]
    return Plan(tuple(queue if limit is None else queue[:max(limit, 0)]), new_used_up=waiting and not fresh,
                reviews_capped=len(reviews) - len(shown_reviews), held_related=held,
                new_last=waiting and bool(fresh))


_NONE: frozenset[str] = frozenset()


class _Listed:
    """Selected cards given one by one (`Picked` or `Ref`), read as the queue reads a `Selection`."""

    def __init__(self, picked: Sequence[Selected]) -> None:
        self._picked = [(p.key, p.deck_id, p.comparing) for p in picked]  # each key made once
        self._keys = {k for k, _, _ in self._picked}

    def every_key(self) -> list[str]:
        return [k for k, _, _ in self._picked]

    def has(self, key: str) -> bool:
        return key in self._keys

    def in_order(self, comparing: bool) -> Iterator[tuple[str, str]]:
        return ((k, d) for k, d, c in self._picked if c == comparing)


def start(queue: Iterable[Queued], now: datetime) -> SessionState:
    """A session about to show `queue`."""
    return SessionState(started=now, queue=tuple(queue))


def _ready(item: Queued, now: datetime) -> bool:
    return item.show_at is None or item.show_at <= now


def current(state: SessionState, now: datetime) -> Queued | None:
    """The card to show now, or None when the session is over.

    A card due again comes first, then the queue, then the cards rated Again (retried early).
    """
    ready = sorted((q for q in state.again if _ready(q, now)), key=lambda q: q.show_at or now)
    if ready:
        return ready[0]
    if state.queue:
        return state.queue[0]
    return min((q for q in state.again if q.retry), key=lambda q: q.show_at or now, default=None)


def answer(state: SessionState, key: str, rating: Rating, memory: Memory, now: datetime) -> SessionState:
    """The session after the card `key` was rated and stored.

    Args:
        state: The session before.
        key: The card answered (the one `current()` gave).
        rating: The rating given.
        memory: The card's stored state after the review (as the store committed it).
        now: When the answer was given.

    Returns:
        The new state: the card leaves the queue, and comes back if fsrs makes it due within `LEARN_AHEAD`.
    """
    queue = _without(state.queue, key)
    again = _without(state.again, key)
    if memory.due <= now + LEARN_AHEAD:
        again = again + (Queued(key, False, memory.due, retry=rating is Rating.AGAIN),)
    done = Answered(key, rating, now, memory.due)
    return replace(state, queue=queue, again=again, answers=state.answers + (done,))


def skip(state: SessionState, key: str) -> SessionState:
    """The session after card `key` was skipped: it comes back after the other cards of the session."""
    item = next((q for q in (*state.queue, *state.again) if q.key == key), Queued(key, False))
    return replace(state, queue=_without(state.queue, key) + (replace(item, show_at=None, retry=False),),
                   again=_without(state.again, key))


def drop(state: SessionState, key: str) -> SessionState:
    """The session after card `key` was buried or suspended: it is not shown again in this session."""
    return replace(state, queue=_without(state.queue, key), again=_without(state.again, key))


def _without(items: tuple[Queued, ...], key: str) -> tuple[Queued, ...]:
    index = next((i for i, q in enumerate(items) if q.key == key), None)
    return items if index is None else items[:index] + items[index + 1:]


def progress(state: SessionState, now: datetime) -> Progress:
    """Header numbers for the card about to be shown (cards that wait for a later drill not counted)."""
    left = len(state.queue) + sum(q.retry or _ready(q, now) for q in state.again)
    new_left = sum(q.new for q in state.queue)
    return Progress(number=len(state.answers) + 1, total=len(state.answers) + left,
                    due_left=left - new_left, new_left=new_left)


def summarize(state: SessionState, memories: Mapping[str, Memory | Scheduled], selected: Collection[str],
              now: datetime, hidden: Collection[str] = frozenset()) -> Summary:
    """The summary shown when a session ends.

    Args:
        state: The session at its end.
        memories: Every stored card state, by key, as it is now.
        selected: The keys of the selected cards, each once (the next due date and the new cards waiting
            count these).
        now: The end of the session.
        hidden: Cards buried or suspended now: not the next card due.
    """
    studied = [(k, m.due) for k, m in memories.items() if k in selected]
    return Summary(cards=len({a.key for a in state.answers}), reviews=len(state.answers),
                   right=sum(a.rating is not Rating.AGAIN for a in state.answers),
                   spent=max(now - state.started, timedelta()),
                   next_due=min((due for k, due in studied if k not in hidden), default=None),
                   new_waiting=len(selected) - len(studied))
