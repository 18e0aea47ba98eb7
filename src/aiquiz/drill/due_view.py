"""What `aiquiz due` prints. Kept apart from the drill's screen code so that `due`, meant for a shell
prompt or a status bar, imports almost nothing."""

from __future__ import annotations

import json
from collections.abc import Sequence

from aiquiz.i18n import _
from aiquiz.progress.due import DueLine


def due_lines(lines: Sequence[DueLine]) -> list[str]:
    """`aiquiz due`: a line per deck and the total."""
    text = _("{deck}: {now} due now, {later} later today")
    out = [text.format(deck=d.deck, now=d.now, later=d.later_today) for d in lines]
    total_now, total_later = sum(d.now for d in lines), sum(d.later_today for d in lines)
    out.append(_("total: {now} due now, {later} later today").format(now=total_now, later=total_later))
    return out


def due_json(lines: Sequence[DueLine]) -> str:
    """`aiquiz due --format json`."""
    return json.dumps({"decks": {d.deck: {"now": d.now, "later_today": d.later_today} for d in lines},
                       "total": {"now": sum(d.now for d in lines), "later_today": sum(d.later_today for d in lines)}},
                      sort_keys=True)
