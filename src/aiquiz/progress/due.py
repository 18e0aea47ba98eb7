"""`aiquiz due`'s numbers: studied cards due now and later in the study day, per deck.

Apart from `history`, so that `due`, meant for a shell prompt or a status bar, imports only the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from aiquiz.progress.days import next_day_start
from aiquiz.progress.store import Store


@dataclass(frozen=True)
class DueLine:
    """Cards due in one deck: now, and later in the study day."""

    deck: str
    now: int
    later_today: int


def due(store: Store, now: datetime, day_starts_at: int) -> list[DueLine]:
    """Per deck, studied cards due now and later in this study day (suspended and buried cards left out)."""
    rows = store.due_counts(now, next_day_start(now, day_starts_at))
    return [DueLine(deck, now_count, later) for deck, now_count, later in rows]
