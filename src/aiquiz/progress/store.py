"""The progress store: every review and every card's FSRS state, in one SQLite file. The only sqlite3 user.

Cards are keyed by `deck/card`, so a reworded card keeps its progress and a removed one keeps its history.
Each answer is one transaction (card state + review row) committed, with the WAL synced, before the next
card shows. The card's state is re-read inside that write transaction (BEGIN IMMEDIATE), so two drills on
one store both keep all their reviews. A store that is corrupt, locked, newer or read-only raises a typed
error and is never overwritten or reset; so is any existing file that is not an SQLite database.

Each review row keeps what undo needs to be exact (the card's state and marks before the answer), what the
learner typed, and the due date it gave. Marks (suspended, buried, flagged, leech) and the learner's
settings live here too, so every front end shares them.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from aiquiz.i18n import _
from aiquiz.progress.records import (LeechRule, Marks, Recorded, ReviewRecord, StoreCorrupt, StoreError,
                                     StoreLocked, StoreNotWritable, StoreTooNew, Undone, UndoRefused, stamp)
from aiquiz.progress.scheduler import DEFAULT_RETENTION, Memory, Parameters, Phase, Rating, phase_of, review

__all__ = ["LeechRule", "Marks", "Recorded", "ReviewRecord", "Store", "StoreCorrupt", "StoreError", "StoreLocked",
           "StoreNotWritable", "StoreTooNew", "Undone", "UndoRefused", "store_path", "STORE_NAME"]

STORE_NAME = "progress.sqlite3"
DEFAULT_TIMEOUT = 10.0

# Each entry upgrades the schema by one version; never edit a released entry, append a new one.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (  # 1: card states and the review log
        "CREATE TABLE cards (key TEXT PRIMARY KEY, card_id INTEGER NOT NULL, phase INTEGER NOT NULL,"
        " due TEXT NOT NULL, memory TEXT NOT NULL, updated TEXT NOT NULL)",
        "CREATE TABLE reviews (id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL,"
        " card_id INTEGER NOT NULL, rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 4),"
        " reviewed_at TEXT NOT NULL, duration_ms INTEGER)",
        "CREATE INDEX reviews_by_key ON reviews (key)",
    ),
    (  # 2: the phase a card was in when reviewed (retention counts reviews of learned cards only)
        "ALTER TABLE reviews ADD COLUMN phase INTEGER",
        "UPDATE reviews SET phase = 0 WHERE id IN (SELECT MIN(id) FROM reviews GROUP BY key)",
        "CREATE INDEX reviews_by_time ON reviews (reviewed_at)",
    ),
    (  # 3: exact undo, typed answers, intervals given; marks (bury, suspend, flag, leech); settings
        "ALTER TABLE reviews ADD COLUMN typed TEXT",
        "ALTER TABLE reviews ADD COLUMN due_after TEXT",
        "ALTER TABLE reviews ADD COLUMN state_before TEXT",  # JSON: the Memory, or null for a new card
        "ALTER TABLE reviews ADD COLUMN marks_before TEXT",  # JSON of the marks row when the review changed it
        "CREATE TABLE marks (key TEXT PRIMARY KEY, suspended INTEGER NOT NULL DEFAULT 0, buried_until TEXT,"
        " flag TEXT, flagged_at TEXT, leech INTEGER NOT NULL DEFAULT 0)",
        "CREATE TABLE settings (scope TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL,"
        " PRIMARY KEY (scope, name))",
        "CREATE INDEX cards_by_due ON cards (due)",
    ),
)
SQLITE_MAGIC = b"SQLite format 3\x00"
SCHEMA_VERSION = len(MIGRATIONS)


def store_path(option: Path | None, env: Mapping[str, str]) -> Path:
    """Where the progress store is.

    Args:
        option: `--store PATH` (a file, or a folder to hold progress.sqlite3), if given.
        env: The environment; `AIQUIZ_HOME` names a folder for the store.

    Returns:
        The option; else $AIQUIZ_HOME/progress.sqlite3; else the user data folder's progress.sqlite3.
    """
    if option is not None:
        return option / STORE_NAME if option.is_dir() else option
    if env.get("AIQUIZ_HOME"):
        return Path(env["AIQUIZ_HOME"]) / STORE_NAME
    import platformdirs

    return platformdirs.user_data_path("aiquiz", appauthor=False) / STORE_NAME




class Store:
    """An open progress store; use `Store.open()` and close it (or use it as a context manager)."""

    def __init__(self, conn: sqlite3.Connection, path: Path, timeout: float) -> None:
        self._conn = conn
        self.path = path
        self.timeout = timeout

    @classmethod
    def open(cls, path: Path, timeout: float = DEFAULT_TIMEOUT, check: bool = True) -> Store:
        """Open the store at `path`, creating it (and its folder) or upgrading its schema as needed.

        `check=False` skips SQLite's integrity check (for quick read-only questions such as `aiquiz due`).

        Raises:
            StoreError: (one of its kinds) the store cannot be used; the file is left untouched.
        """
        if path.is_dir():
            raise StoreNotWritable(_("{path}: is a folder, not a progress store file").format(path=path))
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise StoreNotWritable(_("{path}: cannot create the store's folder ({reason})").format(
                path=path.parent, reason=err.strerror)) from None
        if path.exists():
            _check_header(path)
            if not os.access(path, os.W_OK):
                raise StoreNotWritable(_("{path}: the progress store is read-only; aiquiz needs to write to it")
                                       .format(path=path))
        with _translated(path, timeout):
            conn = sqlite3.connect(str(path), timeout=timeout, isolation_level=None)
            store = cls(conn, path, timeout)
            try:
                store._prepare(check)
            except BaseException:
                conn.close()
                raise
        return store

    def _prepare(self, thorough: bool = True) -> None:
        conn = self._conn
        check = conn.execute("PRAGMA quick_check").fetchall() if thorough else [("ok",)]
        if check != [("ok",)]:
            detail = " ".join(str(check[0][0]).split())
            raise StoreCorrupt(_("{path}: the progress store is damaged ({reason}); "
                                 "it was left untouched: restore your backup or move it away").format(
                path=self.path, reason=detail))
        self._version()  # refuse foreign files and newer schemas before writing anything
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        if self._version() < SCHEMA_VERSION:
            self._migrate()

    def _version(self) -> int:
        tables = {r[0] for r in self._conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not tables:
            return 0
        if "schema_version" not in tables:
            raise StoreCorrupt(_("{path}: this SQLite file is not an aiquiz progress store; "
                                 "it was left untouched: choose another path with --store").format(path=self.path))
        row = self._conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
        version = int(row[0] or 0)
        if version > SCHEMA_VERSION:
            raise StoreTooNew(_("{path}: the progress store has schema version {version}, newer than this "
                                "aiquiz knows ({known}); upgrade aiquiz. The store was left untouched").format(
                path=self.path, version=version, known=SCHEMA_VERSION))
        return version

    def _migrate(self) -> None:
        with self._transaction():
            version = self._version()  # again, inside the lock: another drill may have migrated meanwhile
            if version == 0:
                self._conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
                self._conn.execute("INSERT INTO schema_version VALUES (0)")
            for statements in MIGRATIONS[version:]:
                for statement in statements:
                    self._conn.execute(statement)
            self._conn.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION,))

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield
            self._conn.execute("COMMIT")
        except BaseException:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            raise

    def close(self) -> None:
        """Close the connection (everything is already committed)."""
        self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def version(self) -> int:
        """The schema version of the open store."""
        with _translated(self.path, self.timeout):
            return self._version()

    def memories(self) -> dict[str, Memory]:
        """Every studied card's state, by key (cards no longer in any deck included).

        Raises:
            StoreError: the store cannot be read.
        """
        with _translated(self.path, self.timeout):
            rows = self._conn.execute("SELECT key, memory FROM cards").fetchall()
        return {key: self._parse(key, text) for key, text in rows}

    def memory(self, key: str) -> Memory | None:
        """The stored state of card `key`, or None when it was never studied."""
        with _translated(self.path, self.timeout):
            return self._memory(key)

    def _memory(self, key: str) -> Memory | None:
        row = self._conn.execute("SELECT memory FROM cards WHERE key = ?", (key,)).fetchone()
        return None if row is None else self._parse(key, row[0])

    def _parse(self, key: str, text: str) -> Memory:
        try:
            return Memory.from_dict(json.loads(text))
        except (ValueError, TypeError) as err:
            raise StoreCorrupt(_("{path}: the stored state of card {key} is damaged ({reason}); "
                                 "the store was left untouched").format(path=self.path, key=key, reason=err)) from None

    def record(self, key: str, rating: Rating, now: datetime, duration_ms: int | None = None,
               retention: float = DEFAULT_RETENTION, *, typed: str | None = None,
               parameters: Parameters | None = None, leech: LeechRule | None = None) -> Recorded:
        """Review card `key` and commit its new state and the review row in one transaction.

        The card's state is read inside the write transaction, so a review committed meanwhile by
        another drill on the same store is built upon, never overwritten.

        Args:
            key: The card's key `deck/card`.
            rating: The rating given.
            now: When it was answered (timezone-aware).
            duration_ms: How long the answer took.
            retention: The desired retention for scheduling.
            typed: What the learner typed, kept in the review log (None: nothing typed).
            parameters: The FSRS weights (None: the defaults).
            leech: When given, an Again that brings the card's lapses to the threshold marks it a leech.

        Returns:
            The card's new state, the review's id, its lapses, and whether it just became a leech.

        Raises:
            StoreError: the review could not be committed (nothing of it was written).
        """
        with _translated(self.path, self.timeout), self._transaction():
            before = self._memory(key)
            after = review(before, key, rating, now, retention, parameters)
            self._conn.execute(
                "INSERT INTO cards (key, card_id, phase, due, memory, updated) VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (key) DO UPDATE SET card_id = excluded.card_id, phase = excluded.phase,"
                " due = excluded.due, memory = excluded.memory, updated = excluded.updated",
                (key, after.card_id, int(after.phase), stamp(after.due), json.dumps(after.to_dict()),
                 stamp(now)))
            phase = phase_of(before)
            lapses = self._lapses(key) + (rating is Rating.AGAIN and phase is Phase.REVIEW)
            marks = self._marks(key)
            leeched = (leech is not None and rating is Rating.AGAIN and phase is Phase.REVIEW
                       and lapses >= leech.threshold and not marks.leech)
            cursor = self._conn.execute(
                "INSERT INTO reviews (key, card_id, rating, reviewed_at, duration_ms, phase, typed, due_after,"
                " state_before, marks_before) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (key, after.card_id, int(rating), stamp(now), duration_ms, int(phase), typed, stamp(after.due),
                 json.dumps(None if before is None else before.to_dict()),
                 json.dumps(marks.to_dict()) if leeched else None))
            if leeched and leech is not None:
                self._put_marks(replace(marks, leech=True, suspended=marks.suspended or leech.suspend))
        return Recorded(after, int(cursor.lastrowid or 0), lapses, leeched)

    def _lapses(self, key: str) -> int:
        row = self._conn.execute("SELECT COUNT(*) FROM reviews WHERE key = ? AND rating = 1 AND phase = 2",
                                 (key,)).fetchone()
        return int(row[0])

    def undo(self, review_id: int | None = None) -> Undone | None:
        """Take back a review: the card gets exactly the state (and marks) it had before it.

        Args:
            review_id: The review to undo (None: the most recent review in the store).

        Returns:
            What was undone, or None when there is no review to undo.

        Raises:
            UndoRefused: the card was reviewed again after that review (undo the later one first).
            StoreError: the store could not be changed (nothing was).
        """
        with _translated(self.path, self.timeout), self._transaction():
            where, args = ("WHERE id = ?", (review_id,)) if review_id is not None else ("", ())
            row = self._conn.execute(
                "SELECT id, key, rating, reviewed_at, state_before, marks_before FROM reviews "
                f"{where} ORDER BY id DESC LIMIT 1", args).fetchone()
            if row is None:
                return None
            rid, key, rating, at, state_text, marks_text = row
            later = self._conn.execute("SELECT COUNT(*) FROM reviews WHERE key = ? AND id > ?", (key, rid))
            if later.fetchone()[0]:
                raise UndoRefused(_("{key} was reviewed again after that answer; undo the later review first")
                                  .format(key=key))
            self._conn.execute("DELETE FROM reviews WHERE id = ?", (rid,))
            before = self._state_before(key, state_text)
            if before is None:
                self._conn.execute("DELETE FROM cards WHERE key = ?", (key,))
            else:
                self._conn.execute("UPDATE cards SET phase = ?, due = ?, memory = ?, card_id = ? WHERE key = ?",
                                   (int(before.phase), stamp(before.due), json.dumps(before.to_dict()),
                                    before.card_id, key))
            if marks_text is not None:
                self._put_marks(Marks.from_dict(key, json.loads(marks_text)))
        return Undone(key, Rating(rating), datetime.fromisoformat(at), before)

    def _state_before(self, key: str, text: str | None) -> Memory | None:
        """The state a review started from: stored since schema 3, else rebuilt by replaying the log."""
        if text is not None:
            data = json.loads(text)
            return None if data is None else Memory.from_dict(data)
        memory: Memory | None = None  # a review logged before schema 3: replay the card's remaining reviews
        for rating, at in self._conn.execute(
                "SELECT rating, reviewed_at FROM reviews WHERE key = ? ORDER BY id", (key,)).fetchall():
            memory = review(memory, key, Rating(rating), datetime.fromisoformat(at))
        return memory

    def reviews(self, since: datetime | None = None, key: str | None = None) -> list[ReviewRecord]:
        """The review log in the order it was written, from `since` on and of card `key` when given."""
        query = ("SELECT id, key, card_id, rating, reviewed_at, duration_ms, phase, typed, due_after FROM reviews")
        clauses, args = [], []
        if since is not None:
            clauses.append("reviewed_at >= ?")
            args.append(stamp(since))
        if key is not None:
            clauses.append("key = ?")
            args.append(key)
        if clauses:
            query += " WHERE " + " AND ".join(clauses)
        with _translated(self.path, self.timeout):
            rows = self._conn.execute(query + " ORDER BY id", args).fetchall()
        return [ReviewRecord(i, k, c, Rating(r), datetime.fromisoformat(at), d,
                             None if p is None else Phase(p), t, None if due is None else datetime.fromisoformat(due))
                for i, k, c, r, at, d, p, t, due in rows]

    def studied_since(self, since: datetime) -> tuple[list[str], int, frozenset[str]]:
        """Since `since`: the keys studied for the first time, the count of reviews of learned cards, and
        every key reviewed (what the day's limits and burying count)."""
        with _translated(self.path, self.timeout):
            rows = self._conn.execute("SELECT key, phase FROM reviews WHERE reviewed_at >= ?",
                                      (stamp(since),)).fetchall()
        first = [k for k, p in rows if p == Phase.NEW]
        return first, sum(p == Phase.REVIEW for _, p in rows), frozenset(k for k, _ in rows)

    def due_counts(self, now: datetime, until: datetime) -> list[tuple[str, int, int]]:
        """Per deck id: studied cards due by `now`, and due after it but before `until`; suspended cards and
        cards buried past `now` are not counted. One indexed query: fast enough for a shell prompt."""
        with _translated(self.path, self.timeout):
            rows = self._conn.execute(
                "SELECT substr(c.key, 1, instr(c.key, '/') - 1) AS deck, SUM(c.due <= ?), SUM(c.due > ?)"
                " FROM cards c LEFT JOIN marks m ON m.key = c.key WHERE c.due < ?"
                " AND NOT (COALESCE(m.suspended, 0) OR COALESCE(m.buried_until, '') > ?)"
                " GROUP BY deck ORDER BY deck", (stamp(now), stamp(now), stamp(until), stamp(now))).fetchall()
        return [(deck, int(n), int(later)) for deck, n, later in rows]

    # --- marks -----------------------------------------------------------------------------------

    def marks(self) -> dict[str, Marks]:
        """Every card with a mark (suspended, buried, flagged or leech), by key."""
        with _translated(self.path, self.timeout):
            rows = self._conn.execute(
                "SELECT key, suspended, buried_until, flag, flagged_at, leech FROM marks").fetchall()
        return {r[0]: Marks.from_row(r) for r in rows}

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
            return [tuple(r) for r in self._conn.execute(  # type: ignore[misc]
                "SELECT scope, name, value FROM settings ORDER BY scope, name").fetchall()]

    def put_setting(self, scope: str, name: str, value: str | None) -> None:
        """Store a setting's value text (None: remove it, so the default or global value applies)."""
        with _translated(self.path, self.timeout), self._transaction():
            if value is None:
                self._conn.execute("DELETE FROM settings WHERE scope = ? AND name = ?", (scope, name))
            else:
                self._conn.execute("INSERT INTO settings (scope, name, value) VALUES (?, ?, ?) ON CONFLICT"
                                   " (scope, name) DO UPDATE SET value = excluded.value", (scope, name, value))


def _check_header(path: Path) -> None:
    """Refuse an existing file that is not an SQLite database, whatever its size (SQLite would take an
    empty or very short file for a new database and write over it)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(len(SQLITE_MAGIC))
    except OSError as err:
        raise StoreNotWritable(_("{path}: cannot read the progress store ({reason})").format(
            path=path, reason=err.strerror)) from None
    if head != SQLITE_MAGIC:
        size = path.stat().st_size
        what = _("an empty file") if size == 0 else _("a {size}-byte file that is not a database").format(size=size)
        raise StoreCorrupt(_("{path}: {what}, not an aiquiz progress store; it was left untouched: "
                             "choose another path with --store").format(path=path, what=what))


@contextmanager
def _translated(path: Path, timeout: float) -> Iterator[None]:
    """Turn sqlite3's errors into the store's typed errors, with a message a learner can act on."""
    try:
        yield
    except sqlite3.Error as err:
        name = getattr(err, "sqlite_errorname", "") or ""
        text = str(err)
        if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in text:
            raise StoreLocked(_("{path}: the progress store is busy (locked by another program for over "
                                "{seconds:g} s); close the other drill and try again").format(
                path=path, seconds=timeout)) from None
        if name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_AUTH")):
            raise StoreNotWritable(_("{path}: cannot write the progress store ({reason})").format(
                path=path, reason=text)) from None
        if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
            raise StoreCorrupt(_("{path}: not a readable progress store ({reason}); it was left untouched: "
                                 "restore your backup or move it away").format(path=path, reason=text)) from None
        raise StoreError(_("{path}: the progress store failed ({reason})").format(path=path, reason=text)) from None
