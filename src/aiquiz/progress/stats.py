"""The numbers of `aiquiz stats`, as pure functions of the decks, the stored states, the review log and now.

Days are the learner's local days: `now` carries the time zone they are counted in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from aiquiz.model import Deck, DeckIndex
from aiquiz.progress.scheduler import Memory, Phase, Rating
from aiquiz.progress.store import ReviewRecord
from aiquiz.select import deck_keys

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
    keys = list(deck_keys(deck))
    studied = [(k, m) for k in keys if (m := memories.get(k)) is not None]
    return DeckCounts(
        deck=deck.id, total=len(keys), new=len(keys) - len(studied),
        learning=sum(m.phase in (Phase.LEARNING, Phase.RELEARNING) for _, m in studied),
        due=sum(m.due <= now and k not in hidden for k, m in studied), mature=sum(m.mature for _, m in studied))


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
    ids = {d.id for d in decks}
    mine = [r for r in reviews if r.key.split("/", 1)[0] in ids]
    keys = {k for d in decks for k in deck_keys(d)}
    kept = [m for k, m in memories.items() if k in keys and k not in hidden]
    rate, counted = retention(mine, now)
    today = local_day(now, now, day_starts_at)
    return Stats(decks=tuple(deck_counts(d, memories, now, hidden) for d in decks),
                 reviews_today=reviews_on(mine, today, now, day_starts_at), retention=rate,
                 retention_reviews=counted, forecast=forecast(kept, now, day_starts_at=day_starts_at),
                 streak=streak(mine, now, day_starts_at), removed=orphans(memories, decks))


def orphans(stored: Iterable[str], decks: Sequence[Deck | DeckIndex]) -> tuple[str, ...]:
    """Stored card keys whose deck is loaded but which it no longer has (their progress is kept)."""
    loaded = {d.id for d in decks}
    existing = {k for d in decks for k in deck_keys(d)}
    return tuple(sorted(k for k in stored if k.split("/", 1)[0] in loaded and k not in existing))
