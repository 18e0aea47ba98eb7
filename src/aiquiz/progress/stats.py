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


def deck_counts(deck: Deck | DeckIndex, memories: Mapping[str, Memory], now: datetime) -> DeckCounts:
    """The new / learning / due / mature counts of one deck (or deck index) at `now`."""
    states = [memories.get(k) for k in deck_keys(deck)]
    studied = [m for m in states if m is not None]
    return DeckCounts(
        deck=deck.id, total=len(states), new=len(states) - len(studied),
        learning=sum(m.phase in (Phase.LEARNING, Phase.RELEARNING) for m in studied),
        due=sum(m.due <= now for m in studied), mature=sum(m.mature for m in studied))


def local_day(when: datetime, now: datetime) -> date:
    """The calendar day of `when` in the time zone of `now`."""
    return when.astimezone(now.tzinfo).date()


def reviews_on(reviews: Iterable[ReviewRecord], day: date, now: datetime) -> int:
    """How many reviews were given on a local day."""
    return sum(local_day(r.at, now) == day for r in reviews)


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


def forecast(memories: Iterable[Memory], now: datetime, days: int = FORECAST_DAYS) -> tuple[tuple[date, int], ...]:
    """Cards due on each of the next `days` local days; today's count includes overdue cards."""
    today = now.date()
    counts = {today + timedelta(days=i): 0 for i in range(days)}
    for memory in memories:
        day = max(local_day(memory.due, now), today)
        if day in counts:
            counts[day] += 1
    return tuple(counts.items())


def streak(reviews: Iterable[ReviewRecord], now: datetime) -> int:
    """Consecutive local days with at least one review, ending today (or yesterday, if none yet today)."""
    days = {local_day(r.at, now) for r in reviews}
    day = now.date()
    if day not in days:
        day -= timedelta(days=1)
    count = 0
    while day in days:
        count, day = count + 1, day - timedelta(days=1)
    return count


def compute_stats(decks: Sequence[Deck | DeckIndex], memories: Mapping[str, Memory], reviews: Sequence[ReviewRecord],
                  now: datetime) -> Stats:
    """Every number of `aiquiz stats`, for the loaded decks.

    Args:
        decks: The decks (or their indexes) to report on; reviews and due cards of other decks are left out.
        memories: Every stored card state, by key.
        reviews: The review log.
        now: The current time, in the learner's time zone.

    Returns:
        Per-deck counts, reviews today, 30-day retention, a 14-day forecast, the streak, and the stored
        cards of these decks that no longer exist in them.
    """
    ids = {d.id for d in decks}
    mine = [r for r in reviews if r.key.split("/", 1)[0] in ids]
    keys = {k for d in decks for k in deck_keys(d)}
    kept = [m for k, m in memories.items() if k in keys]
    rate, counted = retention(mine, now)
    return Stats(decks=tuple(deck_counts(d, memories, now) for d in decks),
                 reviews_today=reviews_on(mine, now.date(), now), retention=rate, retention_reviews=counted,
                 forecast=forecast(kept, now), streak=streak(mine, now), removed=orphans(memories, decks))


def orphans(stored: Iterable[str], decks: Sequence[Deck | DeckIndex]) -> tuple[str, ...]:
    """Stored card keys whose deck is loaded but which it no longer has (their progress is kept)."""
    loaded = {d.id for d in decks}
    existing = {k for d in decks for k in deck_keys(d)}
    return tuple(sorted(k for k in stored if k.split("/", 1)[0] in loaded and k not in existing))
