"""The numbers of `aiquiz stats`, as pure functions of the decks, the stored states, the review log and now.

Days are the learner's local days: `now` carries the time zone they are counted in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol

from aiquiz.deckindex import DeckIndex, index_deck
from aiquiz.model import Deck
from aiquiz.progress.scheduler import Phase, Rating
from aiquiz.progress.store import ReviewRecord

FORECAST_DAYS = 14
RETENTION_DAYS = 30


class CardState(Protocol):
    """What the stats read of a studied card: a `Memory`, or a `Standing` read without parsing it."""

    @property
    def phase(self) -> Phase: ...

    @property
    def due(self) -> datetime: ...

    @property
    def mature(self) -> bool: ...


@dataclass(frozen=True)
class DeckCounts:
    """Per deck: its cards as new (never studied), in (re)learning, young (in review, interval under 21 days),
    mature (21 days or more) and suspended, which add up to `total`; and, apart, how many are due now."""

    deck: str
    total: int
    new: int
    learning: int
    due: int
    mature: int
    young: int = 0
    suspended: int = 0


@dataclass(frozen=True)
class Stats:
    """Everything `aiquiz stats` shows."""

    decks: tuple[DeckCounts, ...]
    reviews_today: int
    retention: float | None
    retention_reviews: int
    forecast: tuple[tuple[date, int], ...]
    streak: int
    removed: tuple[str, ...]


def deck_counts(deck: Deck | DeckIndex, memories: Mapping[str, CardState], now: datetime,
                hidden: frozenset[str] = frozenset(), suspended: frozenset[str] = frozenset()) -> DeckCounts:
    """The counts of one deck (or deck index) at `now` (`hidden`: suspended or buried cards, never due;
    `suspended`: counted apart from new, learning, young and mature)."""
    index = _index(deck)
    return _counts(index, _studied(index, [(k, m) for k, m in memories.items() if k.partition("/")[0] == deck.id]),
                   now, hidden, _present(index, suspended))


def _studied(index: DeckIndex, memories: Iterable[tuple[str, CardState]]) -> list[tuple[str, CardState]]:
    """The stored states of the deck's cards, from those of its deck id (which may name cards it no longer has)."""
    position = index.position
    return [(k, m) for k, m in memories if position(k.partition("/")[2]) is not None]


def _present(index: DeckIndex, keys: Iterable[str]) -> frozenset[str]:
    """The keys of `keys` that name a card the deck has."""
    position = index.position
    return frozenset(k for k in keys if k.partition("/")[0] == index.id and position(k.partition("/")[2]) is not None)


def _counts(index: DeckIndex, studied: list[tuple[str, CardState]], now: datetime,
            hidden: frozenset[str], suspended: frozenset[str] = frozenset()) -> DeckCounts:
    """`deck_counts` from the stored states of the deck's cards (`_studied`) and its suspended cards' keys."""
    active = [m for k, m in studied if k not in suspended] if suspended else [m for _, m in studied]
    mature = sum(m.mature for m in active)
    return DeckCounts(
        deck=index.id, total=index.size, new=index.size - len(studied) - len(suspended - {k for k, _ in studied}),
        learning=sum(m.phase in (Phase.LEARNING, Phase.RELEARNING) for m in active),
        due=sum(m.due <= now and k not in hidden for k, m in studied), mature=mature,
        young=sum(m.phase is Phase.REVIEW for m in active) - mature, suspended=len(suspended))


def _index(deck: Deck | DeckIndex) -> DeckIndex:
    return deck if isinstance(deck, DeckIndex) else index_deck(deck)


def local_day(when: datetime, now: datetime, day_starts_at: int = 0) -> date:
    """The study day of `when` in the time zone of `now` (a day starting at `day_starts_at` o'clock)."""
    return (when.astimezone(now.tzinfo) - timedelta(hours=day_starts_at)).date()


def reviews_on(reviews: Iterable[ReviewRecord], day: date, now: datetime, day_starts_at: int = 0) -> int:
    """How many reviews were given on a study day."""
    spans = day_windows(day, now, day_starts_at)
    low, high = spans[1][0], spans[2][1]  # outside these, no moment is of the day: no need to ask local_day
    return sum(low <= r.at < high and local_day(r.at, now, day_starts_at) == day for r in reviews)


def retention(reviews: Iterable[ReviewRecord], now: datetime,
              days: int = RETENTION_DAYS) -> tuple[float | None, int]:
    """The share of reviews of learned cards (phase Review) not rated Again over the last `days` days.

    Returns:
        (retention or None when there were no such reviews, how many reviews it counts).
    """
    since = now - timedelta(days=days)
    counted = [r for r in reviews if r.at >= since and r.phase is Phase.REVIEW]
    if not counted:
        return None, 0
    return sum(r.rating is not Rating.AGAIN for r in counted) / len(counted), len(counted)


def forecast(memories: Iterable[CardState], now: datetime, days: int = FORECAST_DAYS,
             day_starts_at: int = 0) -> tuple[tuple[date, int], ...]:
    """Cards due on each of the next `days` study days; today's count includes overdue cards."""
    today = local_day(now, now, day_starts_at)
    counts = {today + timedelta(days=i): 0 for i in range(days)}
    if not counts:
        return ()
    # Before `low` a moment is of an earlier day (overdue: today), from `high` on of a day past the window
    # (see `day_windows`); only the moments between need `local_day`.
    low = day_windows(today, now, day_starts_at)[1][0]
    high = day_windows(today + timedelta(days=days - 1), now, day_starts_at)[2][1]
    overdue = 0
    for memory in memories:
        due = memory.due
        if due < low:
            overdue += 1
        elif due < high:
            day = max(local_day(due, now, day_starts_at), today)
            if day in counts:
                counts[day] += 1
    counts[today] += overdue
    return tuple(counts.items())


def streak(reviews: Iterable[ReviewRecord], now: datetime, day_starts_at: int = 0) -> int:
    """Consecutive study days with at least one review, ending today (or yesterday, if none yet today)."""
    days = {local_day(r.at, now, day_starts_at) for r in reviews}
    return streak_of(days.__contains__, now, day_starts_at)


def streak_of(reviewed_on: Callable[[date], bool], now: datetime, day_starts_at: int = 0) -> int:
    """`streak`, asking `reviewed_on(study day)` day by day back from today (a store answers it by time range)."""
    day = local_day(now, now, day_starts_at)
    if not reviewed_on(day):
        day -= timedelta(days=1)
    count = 0
    while reviewed_on(day):
        count, day = count + 1, day - timedelta(days=1)
    return count


def day_windows(day: date, now: datetime, day_starts_at: int = 0) -> tuple[tuple[datetime, datetime], ...]:
    """Spans of time that together hold every moment of study day `day` (in the time zone of `now`): the day
    from its start o'clock to the next, then three hours before and after it, to spare for daylight-saving
    changes (whether a moment is of the day is `local_day`'s). Searching the first span first finds a
    review of the day at once."""
    start = datetime.combine(day, time(day_starts_at), tzinfo=now.tzinfo)
    end = start + timedelta(days=1)
    return (start, end), (start - _SPARE, start), (end, end + _SPARE)


_SPARE = timedelta(hours=3)


def compute_stats(decks: Sequence[Deck | DeckIndex], memories: Mapping[str, CardState], reviews: Sequence[ReviewRecord],
                  now: datetime, hidden: frozenset[str] = frozenset(), day_starts_at: int = 0,
                  reviewed_on: Callable[[date], bool] | None = None, suspended: frozenset[str] = frozenset()) -> Stats:
    """Every number of `aiquiz stats`, for the loaded decks.

    Args:
        decks: The decks (or their indexes) to report on; reviews and due cards of other decks are left out.
        memories: Every stored card state (or `Standing`), by key.
        reviews: The review log; with `reviewed_on`, only its last `RETENTION_DAYS` + 1 days are needed.
        now: The current time, in the learner's time zone.
        hidden: Suspended cards and cards buried past `now` (never counted as due).
        suspended: Suspended cards (counted apart from new, learning, young and mature).
        day_starts_at: The hour a study day starts (the learner's `day-starts-at`; 0: calendar days).
        reviewed_on: Whether a card of these decks was reviewed on a study day, for the streak (None: from
            `reviews`).

    Returns:
        Per-deck counts, reviews today, 30-day retention, a 14-day forecast, the streak, and the stored
        cards of these decks that no longer exist in them.
    """
    indexes = [_index(d) for d in decks]
    ids = {d.id for d in indexes}
    mine = [r for r in reviews if r.key.split("/", 1)[0] in ids]
    by_deck: dict[str, list[tuple[str, CardState]]] = {}  # the stored states of each loaded deck id's keys
    for key, memory in memories.items():
        deck_id = key.partition("/")[0]
        if deck_id in ids:
            by_deck.setdefault(deck_id, []).append((key, memory))
    studied = [_studied(d, by_deck.get(d.id, ())) for d in indexes]
    present = {k for pairs in studied for k, _ in pairs}  # the stored keys of cards the decks have
    kept = [m for k, m in memories.items() if k in present and k not in hidden]
    removed = tuple(sorted(k for pairs in by_deck.values() for k, _ in pairs if k not in present))
    rate, counted = retention(mine, now)
    today = local_day(now, now, day_starts_at)
    return Stats(decks=tuple(_counts(d, pairs, now, hidden, _present(d, suspended) if suspended else frozenset())
                             for d, pairs in zip(indexes, studied, strict=True)),
                 reviews_today=reviews_on(mine, today, now, day_starts_at), retention=rate,
                 retention_reviews=counted, forecast=forecast(kept, now, day_starts_at=day_starts_at),
                 streak=streak(mine, now, day_starts_at) if reviewed_on is None else
                 streak_of(reviewed_on, now, day_starts_at), removed=removed)


def orphans(stored: Iterable[str], decks: Sequence[Deck | DeckIndex]) -> tuple[str, ...]:
    """Stored card keys whose deck is loaded but which it no longer has (their progress is kept)."""
    by_deck: dict[str, list[tuple[str, str]]] = {}  # the stored keys of each deck id: (key, card id)
    for key in stored:
        deck_id, _, card_id = key.partition("/")
        by_deck.setdefault(deck_id, []).append((key, card_id))
    cards: dict[str, set[str]] = {}  # the card ids of each loaded deck with stored keys (others: not read)
    for deck in decks:
        if deck.id in by_deck:
            cards.setdefault(deck.id, set()).update(_index(deck).cards)
    return tuple(sorted(key for deck_id, keys in by_deck.items() if deck_id in cards
                        for key, card_id in keys if card_id not in cards[deck_id]))
