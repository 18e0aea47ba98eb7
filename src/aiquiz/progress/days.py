"""Study days and the day's limits, as pure functions of the clock (passed in) and the day-start hour.

A study day runs from `day-starts-at` (default 04:00 local, as in Anki) to the same hour the next day, so
a session after midnight still counts to the evening before. New cards per day count the cards first
studied since the day started, over every session; reviews per day count reviews of learned cards.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta


def study_day(when: datetime, now: datetime, day_starts_at: int) -> date:
    """The study day `when` belongs to, in the time zone of `now`."""
    return (when.astimezone(now.tzinfo) - timedelta(hours=day_starts_at)).date()


def day_start(now: datetime, day_starts_at: int) -> datetime:
    """When the study day containing `now` began (timezone-aware, in `now`'s zone)."""
    today = study_day(now, now, day_starts_at)
    return datetime.combine(today, time(day_starts_at), tzinfo=now.tzinfo)


def next_day_start(now: datetime, day_starts_at: int) -> datetime:
    """When the next study day begins: buried cards come back then."""
    return day_start(now, day_starts_at) + timedelta(days=1)


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
