"""The numbers of `aiquiz stats`, as pure functions of the decks, the stored states, the review log and now.

Days are the learner's local days: `now` carries the time zone they are counted in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from aiquiz.deckindex import DeckIndex, index_deck
from aiquiz.model import Deck
from aiquiz.progress.scheduler import Memory, Phase, Rating
from aiquiz.progress.store import ReviewRecord

FORECAST_DAYS = 14
RETENTION_DAYS = 30


@dataclass(frozen=True)
class DeckCounts:
    """Per deck: cards never studied, in (re)learning, due now, and mature (interval of 21 days or more)."""

    deck: str
    total: int
    new: int
    learning: int
    due: int
    mature: int


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


def deck_counts(deck: Deck | DeckIndex, memories: Mapping[str, Memory], now: datetime,
                hidden: frozenset[str] = frozenset()) -> DeckCounts:
    """The new / learning / due / mature counts of one deck (or deck index) at `now` (suspended or buried
    cards: not due)."""
    return _counts(_index(deck), [(k, m) for k, m in memories.items() if k.partition("/")[0] == deck.id],
                   now, hidden)


def _counts(index: DeckIndex, memories: Iterable[tuple[str, Memory]], now: datetime,
            hidden: frozenset[str]) -> DeckCounts:
    """`deck_counts` from the stored states of the deck's cards (and maybe of other cards of its deck id)."""
    studied = [(k, m) for k, m in memories if index.position(k.partition("/")[2]) is not None]
    return DeckCounts(
        deck=index.id, total=index.size, new=index.size - len(studied),
        learning=sum(m.phase in (Phase.LEARNING, Phase.RELEARNING) for _, m in studied),
        due=sum(m.due <= now and k not in hidden for k, m in studied), mature=sum(m.mature for _, m in studied))


def _index(deck: Deck | DeckIndex) -> DeckIndex:
    return deck if isinstance(deck, DeckIndex) else index_deck(deck)


def local_day(when: datetime, now: datetime, day_starts_at: int = 0) -> date:
    """The study day of `when` in the time zone of `now` (a day starting at `day_starts_at` o'clock)."""
    return (when.astimezone(now.tzinfo) - timedelta(hours=day_starts_at)).date()


def reviews_on(reviews: Iterable[ReviewRecord], day: date, now: datetime, day_starts_at: int = 0) -> int:
    """How many reviews were given on a study day."""
    return sum(local_day(r.at, now, day_starts_at) == day for r in reviews)


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


def forecast(memories: Iterable[Memory], now: datetime, days: int = FORECAST_DAYS,
             day_starts_at: int = 0) -> tuple[tuple[date, int], ...]:
    """Cards due on each of the next `days` study days; today's count includes overdue cards."""
    today = local_day(now, now, day_starts_at)
    counts = {today + timedelta(days=i): 0 for i in range(days)}
    for memory in memories:
        day = max(local_day(memory.due, now, day_starts_at), today)
        if day in counts:
            counts[day] += 1
    return tuple(counts.items())


def streak(reviews: Iterable[ReviewRecord], now: datetime, day_starts_at: int = 0) -> int:
    """Consecutive study days with at least one review, ending today (or yesterday, if none yet today)."""
    days = {local_day(r.at, now, day_starts_at) for r in reviews}
    day = local_day(now, now, day_starts_at)
    if day not in days:
        day -= timedelta(days=1)
    count = 0
    while day in days:
        count, day = count + 1, day - timedelta(days=1)
    return count


def compute_stats(decks: Sequence[Deck | DeckIndex], memories: Mapping[str, Memory], reviews: Sequence[ReviewRecord],
                  now: datetime, hidden: frozenset[str] = frozenset(), day_starts_at: int = 0) -> Stats:
    """Every number of `aiquiz stats`, for the loaded decks.

    Args:
        decks: The decks (or their indexes) to report on; reviews and due cards of other decks are left out.
        memories: Every stored card state, by key.
        reviews: The review log.
        now: The current time, in the learner's time zone.
        hidden: Suspended cards and cards buried past `now` (never counted as due).
        day_starts_at: The hour a study day starts (the learner's `day-starts-at`; 0: calendar days).

    Returns:
        Per-deck counts, reviews today, 30-day retention, a 14-day forecast, the streak, and the stored
        cards of these decks that no longer exist in them.
    """
    indexes = [_index(d) for d in decks]
    ids = {d.id for d in indexes}
    mine = [r for r in reviews if r.key.split("/", 1)[0] in ids]
    by_deck: dict[str, list[tuple[str, Memory]]] = {}  # the stored states of each loaded deck id's keys
    for key, memory in memories.items():
        deck_id = key.partition("/")[0]
        if deck_id in ids:
            by_deck.setdefault(deck_id, []).append((key, memory))
    existing = _existing(indexes)
    kept = [m for k, m in memories.items() if existing(k) and k not in hidden]
    rate, counted = retention(mine, now)
    today = local_day(now, now, day_starts_at)
    return Stats(decks=tuple(_counts(d, by_deck.get(d.id, ()), now, hidden) for d in indexes),
                 reviews_today=reviews_on(mine, today, now, day_starts_at), retention=rate,
                 retention_reviews=counted, forecast=forecast(kept, now, day_starts_at=day_starts_at),
                 streak=streak(mine, now, day_starts_at), removed=orphans(memories, indexes))


def orphans(stored: Iterable[str], decks: Sequence[Deck | DeckIndex]) -> tuple[str, ...]:
    """Stored card keys whose deck is loaded but which it no longer has (their progress is kept)."""
    indexes = [_index(d) for d in decks]
    loaded = {d.id for d in indexes}
    existing = _existing(indexes)
    return tuple(sorted(k for k in stored if k.partition("/")[0] in loaded and not existing(k)))


def _existing(indexes: Sequence[DeckIndex]) -> Callable[[str], bool]:
    """A test of whether a key `<deck id>/<card id>` is the key of a card of these decks."""
    by_id: dict[str, list[DeckIndex]] = {}
    for index in indexes:
        by_id.setdefault(index.id, []).append(index)

    def exists(key: str) -> bool:
        deck_id, _, card_id = key.partition("/")
        return any(index.position(card_id) is not None for index in by_id.get(deck_id, ()))

    return exists
