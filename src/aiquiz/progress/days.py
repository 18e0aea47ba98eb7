"""Study days and the day's limits, as pure functions of the clock (passed in) and the day-start hour.

A study day runs from `day-starts-at` (default 04:00 local, as in Anki) to the same hour the next day, so
a session after midnight still counts to the evening before. New cards per day count the cards first
studied since the day started, over every session; reviews per day count reviews of learned cards.

"Local" is the learner's time zone: `now`'s own tzinfo, or the `zone` given. It should be a real zone
(`zoneinfo.ZoneInfo`), so that the day across a daylight-saving change, 23 or 25 hours long, still starts
at the same local hour; a fixed UTC offset (what `datetime.now().astimezone()` gives) is right only until
the next change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo


def study_day(when: datetime, now: datetime, day_starts_at: int) -> date:
    """The study day `when` belongs to, in the time zone of `now`."""
    return (when.astimezone(now.tzinfo) - timedelta(hours=day_starts_at)).date()


def day_start(now: datetime, day_starts_at: int, zone: tzinfo | None = None) -> datetime:
    """When the study day containing `now` began: `day_starts_at` o'clock local.

    Args:
        now: The time (timezone-aware).
        day_starts_at: The local hour a study day starts.
        zone: The learner's time zone (default: `now`'s own).

    Returns:
        The moment, timezone-aware in `zone`.
    """
    local = now.astimezone(zone or now.tzinfo)
    return _at(study_day(local, local, day_starts_at), day_starts_at, local.tzinfo)


def next_day_start(now: datetime, day_starts_at: int, zone: tzinfo | None = None) -> datetime:
    """When the next study day begins, `day_starts_at` o'clock local on the next date: buried cards come
    back then. Across a daylight-saving change that is 23 or 25 hours after the day began.

    Args:
        now: The time (timezone-aware).
        day_starts_at: The local hour a study day starts.
        zone: The learner's time zone (default: `now`'s own).

    Returns:
        The moment, timezone-aware in `zone`.
    """
    begun = day_start(now, day_starts_at, zone)
    return _at(begun.date() + timedelta(days=1), day_starts_at, begun.tzinfo)


def _at(day: date, hour: int, zone: tzinfo | None) -> datetime:
    """`hour` o'clock on `day` in `zone`, as an instant: a local time the clocks skip (a spring-forward
    gap) is the moment the gap ends; one they pass twice (falling back) is its first pass."""
    local = datetime.combine(day, time(hour), tzinfo=zone)
    return local.astimezone(UTC).astimezone(zone)


@dataclass(frozen=True)
class Today:
    """What the store says was studied since the study day began.

    `new_by_deck` counts, per deck id, the cards studied for the first time today; `reviews` counts
    reviews of learned cards (phase Review before the answer); `studied` holds every card key reviewed.
    """

    new_by_deck: Mapping[str, int]
    reviews: int
    studied: frozenset[str]

    @property
    def new(self) -> int:
        """New cards introduced today, over all decks."""
        return sum(self.new_by_deck.values())


@dataclass(frozen=True)
class Allowance:
    """What is left of the day's limits: new cards in all, per deck with its own limit, and reviews."""

    new: int
    new_by_deck: Mapping[str, int]
    reviews: int
    new_limit: int

    def new_for(self, deck: str) -> int:
        """New cards still allowed today from `deck`."""
        return min(self.new, self.new_by_deck.get(deck, self.new))


def allowance(today: Today, new_per_day: int, reviews_per_day: int,
              deck_new_limits: Mapping[str, int]) -> Allowance:
    """The day's limits minus what was already studied.

    Args:
        today: What was studied since the day began.
        new_per_day: The day's new cards over all decks.
        reviews_per_day: The day's reviews of learned cards.
        deck_new_limits: Decks with a new-cards limit of their own (it narrows, within the day's total).
    """
    by_deck = {deck: max(limit - today.new_by_deck.get(deck, 0), 0) for deck, limit in deck_new_limits.items()}
    return Allowance(new=max(new_per_day - today.new, 0), new_by_deck=by_deck,
                     reviews=max(reviews_per_day - today.reviews, 0), new_limit=new_per_day)
