"""What `aiquiz due` prints. Kept apart from the drill's screen code so that `due`, meant for a shell
prompt or a status bar, imports almost nothing."""

from __future__ import annotations

import json
from collections.abc import Sequence

from aiquiz.progress.history import DueLine


def due_lines(lines: Sequence[DueLine]) -> list[str]:
    """`aiquiz due`: a line per deck and the total."""
    out = [f"{d.deck}: {d.now} due now, {d.later_today} later today" for d in lines]
    total_now, total_later = sum(d.now for d in lines), sum(d.later_today for d in lines)
    out.append(f"total: {total_now} due now, {total_later} later today")
    return out


def due_json(lines: Sequence[DueLine]) -> str:
    """`aiquiz due --format json`."""
    return json.dumps({"decks": {d.deck: {"now": d.now, "later_today": d.later_today} for d in lines},
                       "total": {"now": sum(d.now for d in lines), "later_today": sum(d.later_today for d in lines)}},
                      sort_keys=True)
