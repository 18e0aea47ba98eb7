"""The progress store's values and errors: review rows, marks, what a review or an undo did.

Kept apart from `store.py` (the only sqlite3 user) so every part of `progress/` and its callers can use
them without touching the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiquiz.errors import AiquizError
from aiquiz.progress.scheduler import Memory, Phase, Rating


def stamp(when: datetime) -> str:
    """A time as the store writes it: ISO 8601 in UTC with microseconds (so text order is time order)."""
    return when.astimezone(UTC).isoformat(timespec="microseconds")


class StoreError(AiquizError):
    """The progress store cannot be used; it was left exactly as it was."""


class StoreCorrupt(StoreError):
    """The store file is not a readable aiquiz progress store."""


class StoreLocked(StoreError):
    """Another program held the store longer than the timeout."""


class StoreTooNew(StoreError):
    """The store was written by a newer aiquiz with a schema this one does not know."""


class StoreNotWritable(StoreError):
    """The store (or its folder) cannot be written."""


@dataclass(frozen=True)
class ReviewRecord:
    """One row of the review log. `phase` is the card's phase before the review (None: not recorded)."""

    id: int
    key: str
    card_id: int
    rating: Rating
    at: datetime
    duration_ms: int | None
    phase: Phase | None
    typed: str | None = None
    due_after: datetime | None = None


@dataclass(frozen=True)
class NewReview:
    """A review to merge into the store from elsewhere (an Anki export): card, rating, time, duration, origin."""

    key: str
    rating: Rating
    at: datetime
    duration_ms: int | None = None
    origin: str = "anki"


@dataclass(frozen=True)
class LeechRule:
    """When a card becomes a leech: after `threshold` lapses; `suspend` it then, or only mark it."""

    threshold: int
    suspend: bool


@dataclass(frozen=True)
class Recorded:
    """A committed review: the card's new state, the review's id, its lapses, whether it just became a leech."""

    memory: Memory
    review_id: int
    lapses: int
    leech: bool = False


@dataclass(frozen=True)
class Undone:
    """An undone review: the card, the rating taken back, when it was given, and the state restored."""

    key: str
    rating: Rating
    at: datetime
    restored: Memory | None


@dataclass(frozen=True)
class Marks:
    """A card's marks: suspended (until unsuspended), buried until a time, a flag note, leech."""

    key: str
    suspended: bool = False
    buried_until: datetime | None = None
    flag: str | None = None
    flagged_at: datetime | None = None
    leech: bool = False

    @property
    def empty(self) -> bool:
        """True when the card carries no mark at all."""
        return not (self.suspended or self.buried_until or self.flag is not None or self.leech)

    def hidden(self, now: datetime) -> bool:
        """True when the card is not to be shown at `now` (suspended, or buried until later)."""
        return self.suspended or (self.buried_until is not None and self.buried_until > now)

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> Marks:
        """Marks from a row (key, suspended, buried_until, flag, flagged_at, leech)."""
        key, suspended, buried, flag, flagged, leech = row
        return cls(key, bool(suspended), None if buried is None else datetime.fromisoformat(buried), flag,
                   None if flagged is None else datetime.fromisoformat(flagged), bool(leech))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (kept in the review log when a review changes the marks)."""
        return {"suspended": self.suspended, "buried_until": None if self.buried_until is None
                else stamp(self.buried_until), "flag": self.flag, "flagged_at": None if self.flagged_at is None
                else stamp(self.flagged_at), "leech": self.leech}

    @classmethod
    def from_dict(cls, key: str, data: dict[str, Any]) -> Marks:
        """The Marks a `to_dict()` wrote."""
        return cls.from_row((key, data["suspended"], data["buried_until"], data["flag"], data["flagged_at"],
                             data["leech"]))


class UndoRefused(StoreError):
    """The review cannot be undone exactly (the card was reviewed again since)."""
