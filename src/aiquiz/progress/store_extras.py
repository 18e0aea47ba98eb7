"""The store's marks (suspended, buried, flagged, leech), the learner's settings and adopted FSRS parameter
sets: a part of `Store`, kept in its own module to keep each one short."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from typing import Any

from aiquiz.progress.database import Database, _translated
from aiquiz.progress.records import Marks, stamp


class StoreExtras(Database):
    """Marks, settings and parameter sets of an open store."""

    # --- FSRS parameter sets ---------------------------------------------------------------------

    def parameter_sets(self) -> list[tuple[int, dict[str, Any], bool]]:
        """Every adopted parameter set, oldest first: (id, its record as stored, reverted)."""
        with _translated(self.path, self.timeout):
            rows = self._conn.execute("SELECT id, data, reverted FROM parameters ORDER BY id").fetchall()
        return [(i, json.loads(data), bool(reverted)) for i, data, reverted in rows]

    def active_parameters(self) -> dict[str, Any] | None:
        """The record of the parameter set in use (the newest not reverted), or None: fsrs's defaults."""
        live = [data for _, data, reverted in self.parameter_sets() if not reverted]
        return live[-1] if live else None

    def add_parameter_set(self, data: dict[str, Any], adopted_at: datetime, reviews: int) -> int:
        """Keep an adopted parameter set (it becomes the one in use)."""
        with _translated(self.path, self.timeout), self._transaction():
            cursor = self._conn.execute("INSERT INTO parameters (adopted_at, reviews, data) VALUES (?, ?, ?)",
                                        (stamp(adopted_at), reviews, json.dumps(data, sort_keys=True)))
        return int(cursor.lastrowid or 0)

    def revert_parameter_set(self, set_id: int) -> None:
        """Mark parameter set `set_id` reverted (the one before it of its scope, or the defaults, apply again)."""
        with _translated(self.path, self.timeout), self._transaction():
            self._conn.execute("UPDATE parameters SET reverted = 1 WHERE id = ?", (set_id,))

    # --- marks -----------------------------------------------------------------------------------

    def marks(self) -> dict[str, Marks]:
        """Every card with a mark (suspended, buried, flagged or leech), by key."""
        with _translated(self.path, self.timeout):
            rows = self._conn.execute(
                "SELECT key, suspended, buried_until, flag, flagged_at, leech FROM marks").fetchall()
        return {r[0]: Marks.from_row(r) for r in rows}

    def marks_of(self, key: str) -> Marks:
        """One card's marks (none: an empty `Marks`)."""
        with _translated(self.path, self.timeout):
            return self._marks(key)

    def _marks(self, key: str) -> Marks:
        row = self._conn.execute("SELECT key, suspended, buried_until, flag, flagged_at, leech FROM marks"
                                 " WHERE key = ?", (key,)).fetchone()
        return Marks(key) if row is None else Marks.from_row(row)

    def _put_marks(self, marks: Marks) -> None:
        if marks.empty:
            self._conn.execute("DELETE FROM marks WHERE key = ?", (marks.key,))
            return
        self._conn.execute(
            "INSERT INTO marks (key, suspended, buried_until, flag, flagged_at, leech) VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (key) DO UPDATE SET suspended = excluded.suspended, buried_until = excluded.buried_until,"
            " flag = excluded.flag, flagged_at = excluded.flagged_at, leech = excluded.leech",
            (marks.key, int(marks.suspended), None if marks.buried_until is None else stamp(marks.buried_until),
             marks.flag, None if marks.flagged_at is None else stamp(marks.flagged_at), int(marks.leech)))

    def change_marks(self, key: str, **changes: Any) -> Marks:
        """Set some of a card's marks (suspended, buried_until, flag, flagged_at, leech) in one transaction.

        Returns:
            The card's marks before the change.
        """
        with _translated(self.path, self.timeout), self._transaction():
            before = self._marks(key)
            self._put_marks(replace(before, **changes))
        return before

    # --- settings --------------------------------------------------------------------------------

    def setting_rows(self) -> list[tuple[str, str, str]]:
        """The stored settings as (scope, name, value text); scope "" is global, else a deck id."""
        with _translated(self.path, self.timeout):
            return [(str(a), str(b), str(c)) for a, b, c in self._conn.execute(
                "SELECT scope, name, value FROM settings ORDER BY scope, name").fetchall()]

    def put_setting(self, scope: str, name: str, value: str | None) -> None:
        """Store a setting's value text (None: remove it, so the default or global value applies)."""
        with _translated(self.path, self.timeout), self._transaction():
            if value is None:
                self._conn.execute("DELETE FROM settings WHERE scope = ? AND name = ?", (scope, name))
            else:
                self._conn.execute("INSERT INTO settings (scope, name, value) VALUES (?, ?, ?) ON CONFLICT"
                                   " (scope, name) DO UPDATE SET value = excluded.value", (scope, name, value))


