"""The FSRS adapter: aiquiz's frozen `Memory` of a card, reviewed by the `fsrs` package's Scheduler.

Parameters are a tuple of 21 FSRS-6 weights (None: fsrs's defaults), as `aiquiz optimize` adopts them.

No scheduling arithmetic lives here: `review()` hands the card to `fsrs.Scheduler.review_card` and freezes
the result. Fuzzing is off, so a card's state can always be rebuilt by replaying its review log.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import IntEnum
from functools import lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple

from aiquiz.errors import UsageError
from aiquiz.i18n import _

if TYPE_CHECKING:
    import fsrs

MEMORY_FORMAT = 1
DEFAULT_RETENTION = 0.9
RETENTION_RANGE = (0.7, 0.99)
MATURE_INTERVAL = timedelta(days=21)


class Rating(IntEnum):
    """How well a card was recalled (the values are fsrs's)."""

    AGAIN = 1
    HARD = 2
    GOOD = 3
    EASY = 4

    @property
    def label(self) -> str:
        """The rating's name as the screen shows it: Again, Hard, Good, Easy."""
        return self.name.capitalize()


class Phase(IntEnum):
    """Where a card is in its life; the non-zero values are fsrs's `State`."""

    NEW = 0
    LEARNING = 1
    REVIEW = 2
    RELEARNING = 3


def fsrs_card_id(key: str) -> int:
    """A stable positive 63-bit integer for a card key `deck/card` (sha256; never Python's `hash()`)."""
    return int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big") >> 1


@dataclass(frozen=True)
class Memory:
    """What the scheduler knows about one studied card: an fsrs Card as a frozen value.

    `due` and `last_review` are timezone-aware UTC datetimes.
    """

    card_id: int
    phase: Phase
    step: int | None
    stability: float | None
    difficulty: float | None
    due: datetime
    last_review: datetime | None

    @property
    def interval(self) -> timedelta | None:
        """The scheduled gap between the last review and the due date."""
        return None if self.last_review is None else self.due - self.last_review

    @property
    def mature(self) -> bool:
        """A card in review with an interval of 21 days or more (Anki's meaning of mature)."""
        return is_mature(self.phase, self.due, self.last_review)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: fsrs's `Card.to_dict()` plus a `format` version."""
        return {"format": MEMORY_FORMAT, **self._to_fsrs().to_dict()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Memory:
        """The Memory a `to_dict()` wrote.

        Raises:
            ValueError: the dict is of an unknown format or malformed.
        """
        if data.get("format") != MEMORY_FORMAT:
            raise ValueError(f"unknown card state format {data.get('format')!r}")
        fields = {k: v for k, v in data.items() if k != "format"}
        try:
            return cls._from_fsrs(_fsrs().Card.from_dict(fields))
        except (KeyError, TypeError) as err:
            raise ValueError(f"malformed card state: {err}") from err

    def _to_fsrs(self) -> fsrs.Card:
        lib = _fsrs()
        card: fsrs.Card = lib.Card(card_id=self.card_id, state=lib.State(int(self.phase)), step=self.step,
                                   stability=self.stability, difficulty=self.difficulty, due=self.due,
                                   last_review=self.last_review)
        return card

    @classmethod
    def _from_fsrs(cls, card: fsrs.Card) -> Memory:
        return cls(card_id=card.card_id, phase=Phase(int(card.state)), step=card.step,
                   stability=card.stability, difficulty=card.difficulty, due=card.due,
                   last_review=card.last_review)


class Scheduled(NamedTuple):
    """A studied card's phase and due date: all a session's queue needs (read without parsing the state)."""

    phase: Phase
    due: datetime


class Standing(NamedTuple):
    """A studied card's phase, due date and last review: all `aiquiz stats` needs (read without parsing the
    whole state)."""

    phase: Phase
    due: datetime
    last_review: datetime | None

    @property
    def mature(self) -> bool:
        """As `Memory.mature`."""
        return is_mature(self.phase, self.due, self.last_review)


def is_mature(phase: Phase, due: datetime, last_review: datetime | None) -> bool:
    """A card in review with an interval of 21 days or more (Anki's meaning of mature)."""
    return phase is Phase.REVIEW and last_review is not None and due - last_review >= MATURE_INTERVAL


def new_memory(key: str, now: datetime) -> Memory:
    """The Memory of a card never studied: fsrs's fresh Card, due now, with the id from its key."""
    card = _fsrs().Card(card_id=fsrs_card_id(key), due=_utc(now))
    return Memory._from_fsrs(card)


def check_retention(retention: float) -> float:
    """Return `retention` when it is a sensible desired retention.

    Raises:
        UsageError: it is outside 0.70-0.99.
    """
    low, high = RETENTION_RANGE
    if not low <= retention <= high:
        raise UsageError(_("retention must be between {low} and {high}, not {value}").format(low=low, high=high,
                                                                                           value=retention))
    return retention


Parameters = tuple[float, ...]


def _fsrs() -> Any:
    """The `fsrs` package, imported on first use: showing a card needs no scheduler, so a drill's first card
    does not wait for it (~10 ms)."""
    import fsrs

    return fsrs


@lru_cache(maxsize=1)
def default_parameters() -> Parameters:
    """fsrs's default weights."""
    return tuple(float(w) for w in _fsrs().Scheduler().parameters)


@lru_cache(maxsize=8)
def _scheduler(retention: float, parameters: Parameters | None = None) -> fsrs.Scheduler:
    return _fsrs().Scheduler(parameters=parameters or default_parameters(), desired_retention=retention,  # type: ignore[no-any-return]
                             enable_fuzzing=False)


def retrievability(memory: Memory, now: datetime, parameters: Parameters | None = None) -> float:
    """The probability of recalling the card at `now` (0 for a card never reviewed)."""
    if memory.last_review is None or memory.stability is None:
        return 0.0
    return float(_scheduler(DEFAULT_RETENTION, parameters).get_card_retrievability(
        memory._to_fsrs(), current_datetime=_utc(now)))


def review(memory: Memory | None, key: str, rating: Rating, now: datetime,
           retention: float = DEFAULT_RETENTION, parameters: Parameters | None = None) -> Memory:
    """The card's Memory after a review.

    Args:
        memory: The card's Memory before the review (None: never studied).
        key: The card's key `deck/card` (gives the fsrs card id of a new card).
        rating: How well it was recalled.
        now: When it was reviewed (timezone-aware).
        retention: The desired retention (probability of recall when due).
        parameters: The FSRS weights (None: the defaults).

    Returns:
        The new Memory; the input is unchanged.
    """
    before = memory or new_memory(key, now)
    card, _log = _scheduler(check_retention(retention), parameters).review_card(
        before._to_fsrs(), _fsrs().Rating(int(rating)), review_datetime=_utc(now))
    return Memory._from_fsrs(card)


def replayer(retention_for: Callable[[str], float],
             parameters_for: Callable[[str], Parameters | None] = lambda key: None,
             ) -> Callable[[str, Memory | None, Rating, datetime], Memory]:
    """A function reviewing one card as the drill would (for rebuilding states from a review log).

    Args:
        retention_for: The desired retention of a card key (its deck's setting).
        parameters_for: The FSRS weights for a card key (None: the defaults).
    """

    def one(key: str, before: Memory | None, rating: Rating, at: datetime) -> Memory:
        return review(before, key, rating, at, retention_for(key), parameters_for(key))

    return one


def phase_of(memory: Memory | None) -> Phase:
    """The phase of a card: NEW when it has never been reviewed."""
    return Phase.NEW if memory is None or memory.last_review is None else memory.phase


def _utc(when: datetime) -> datetime:
    if when.tzinfo is None:
        raise ValueError("time must be timezone-aware")
    return when.astimezone(UTC)
