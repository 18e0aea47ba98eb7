"""The values around an FSRS fit: the review events it reads (`ReviewEvent`, grouped `by_card`), how it
numbers days (`DayClock`), and the parameter sets it produces with their held-out scores (`Params`,
`Scores`, and an `AdoptedSet` as the store keeps it, each with `to_dict`/`from_dict` and a format version).

Pure values. `optimize` fits parameters and decides on them; `tuning` keeps them in the store; `retention`
and `simulate` read and write review events.

**Days.** `DayClock(tz, start_hour)` numbers days as Anki does (a day starts at `start_hour` local time;
a gap is a difference of day numbers). The drill's `fsrs.Scheduler` counts 24-hour periods instead: the
two agree for a learner who reviews at about the same time of day, and differ by at most one day.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any

import fsrs

PARAMS_FORMAT = 1
PARAM_COUNT = 21
_EPOCH_ORDINAL = datetime(1970, 1, 1).toordinal()


@dataclass(frozen=True)
class ReviewEvent:
    """One review from the log: the card's key, its rating 1-4, when (UTC-aware) and how long it took."""

    key: str
    rating: int
    at: datetime
    duration_ms: int | None = None

    def __post_init__(self) -> None:
        if self.rating not in (1, 2, 3, 4):
            raise ValueError(f"{self.key}: rating must be 1-4, not {self.rating!r}")
        if self.at.tzinfo is None:
            raise ValueError(f"{self.key}: review time must be timezone-aware")


@dataclass(frozen=True)
class Params:
    """A set of 21 FSRS-6 parameters, as both `fsrs.Scheduler(parameters=...)` and fsrs-rs take them."""

    values: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.values) != PARAM_COUNT or not all(math.isfinite(v) for v in self.values):
            raise ValueError(f"FSRS-6 needs {PARAM_COUNT} finite parameters, got {self.values!r}")

    @classmethod
    def default(cls) -> Params:
        """fsrs's default parameters."""
        return cls(tuple(float(v) for v in fsrs.scheduler.DEFAULT_PARAMETERS))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict with a format version."""
        return {"format": PARAMS_FORMAT, "model": "FSRS-6", "w": list(self.values)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Params:
        """The Params a `to_dict()` wrote.

        Raises:
            ValueError: unknown format or malformed values.
        """
        if data.get("format") != PARAMS_FORMAT or data.get("model") != "FSRS-6":
            raise ValueError(f"unknown parameter set format {data.get('format')!r}/{data.get('model')!r}")
        try:
            return cls(tuple(float(v) for v in data["w"]))
        except (KeyError, TypeError) as err:
            raise ValueError(f"malformed parameter set: {err}") from err


@dataclass(frozen=True)
class DayClock:
    """Numbers days the way Anki does: each day starts at `start_hour` o'clock in `tz`."""

    tz: tzinfo = UTC
    start_hour: int = 4

    def day(self, at: datetime) -> int:
        """The day number of a moment (a proleptic ordinal; only differences matter)."""
        if isinstance(self.tz, timezone):  # a fixed offset: plain arithmetic, 5x faster
            offset = self.tz.utcoffset(None).total_seconds() - self.start_hour * 3600
            return int((at.timestamp() + offset) // 86400) + _EPOCH_ORDINAL
        return (at.astimezone(self.tz) - timedelta(hours=self.start_hour)).date().toordinal()


@dataclass(frozen=True)
class Scores:
    """How well a parameter set predicted held-out reviews (lower is better for both)."""

    log_loss: float
    rmse_bins: float
    reviews: int

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"log_loss": self.log_loss, "rmse_bins": self.rmse_bins, "reviews": self.reviews}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Scores:
        """The Scores a `to_dict()` wrote."""
        return cls(float(data["log_loss"]), float(data["rmse_bins"]), int(data["reviews"]))


@dataclass(frozen=True)
class AdoptedSet:
    """An adopted parameter set as the store keeps it: when, from how many reviews, with what scores."""

    params: Params
    adopted_at: datetime
    reviews: int
    scores: Scores
    previous_scores: Scores

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict with a format version."""
        return {"format": PARAMS_FORMAT, "params": self.params.to_dict(),
                "adopted_at": self.adopted_at.astimezone(UTC).isoformat(),
                "reviews": self.reviews, "scores": self.scores.to_dict(),
                "previous_scores": self.previous_scores.to_dict()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AdoptedSet:
        """The AdoptedSet a `to_dict()` wrote.

        Raises:
            ValueError: unknown format or malformed.
        """
        if data.get("format") != PARAMS_FORMAT:
            raise ValueError(f"unknown adopted set format {data.get('format')!r}")
        try:
            return cls(Params.from_dict(data["params"]), datetime.fromisoformat(data["adopted_at"]),
                       int(data["reviews"]), Scores.from_dict(data["scores"]),
                       Scores.from_dict(data["previous_scores"]))
        except (KeyError, TypeError) as err:
            raise ValueError(f"malformed adopted set: {err}") from err


def by_card(events: Iterable[ReviewEvent]) -> dict[str, tuple[ReviewEvent, ...]]:
    """Each card's events in time order (a stable sort, so equal times keep their log order)."""
    grouped: defaultdict[str, list[ReviewEvent]] = defaultdict(list)
    for event in events:
        grouped[event.key].append(event)
    return {key: tuple(sorted(history, key=lambda e: e.at)) for key, history in grouped.items()}
