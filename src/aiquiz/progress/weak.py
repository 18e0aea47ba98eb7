"""The learner's weak spots, for a quiz on paper: the studied cards least likely to be recalled now, or those
due soonest. Pure functions of the stored states, the FSRS parameters and the time passed in."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from enum import Enum

from aiquiz.errors import UsageError
from aiquiz.i18n import _
from aiquiz.progress.scheduler import Memory, Parameters, retrievability


class WeakSpots(Enum):
    """Which studied cards a quiz from progress asks."""

    WEAKEST = "weakest"
    DUE_SOON = "due-soon"


def weak_spots(memories: Mapping[str, Memory], keys: Iterable[str], now: datetime, kind: WeakSpots,
               count: int, *, days: int = 7, parameters_for: Callable[[str], Parameters | None] = lambda k: None,
               take_all: bool = False) -> list[str]:
    """The keys to ask, most urgent first.

    Args:
        memories: Every studied card's state, by key.
        keys: The selected cards (never-studied ones are left out).
        now: The time the quiz is made.
        kind: WEAKEST: lowest retrievability now first; DUE_SOON: cards due within `days`, soonest first.
        count: How many cards to ask.
        days: The window of DUE_SOON.
        parameters_for: The FSRS parameters of a card (for its retrievability).
        take_all: Ask every candidate when there are fewer than `count`.

    Raises:
        UsageError: fewer candidates than `count` (and not `take_all`), or none at all; the message says
            how many there are.
    """
    studied = [k for k in keys if k in memories and memories[k].last_review is not None]
    if kind is WeakSpots.WEAKEST:
        ranked = sorted(studied, key=lambda k: (retrievability(memories[k], now, parameters_for(k)), k))
        what = _("studied cards")
    else:
        until = now + timedelta(days=days)
        ranked = sorted((k for k in studied if memories[k].due <= until), key=lambda k: (memories[k].due, k))
        what = _("cards due within {days} days").format(days=days)
    if not ranked:
        raise UsageError(_("no {what} among the selected cards yet: study with aiquiz drill first").format(what=what))
    if len(ranked) < count and not take_all:
        raise UsageError(_("only {found} {what} among the selected cards, fewer than --count {count}: lower "
                           "--count, or add --all-if-fewer").format(found=len(ranked), what=what, count=count))
    return ranked[:count]
