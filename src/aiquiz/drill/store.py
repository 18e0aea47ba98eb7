"""The progress store: every review and every card's FSRS state, in one SQLite file. The only sqlite3 user.

Cards are keyed by `deck/card`, so a reworded card keeps its progress and a removed one keeps its history.
Each answer is one transaction (card state + review row) committed, with the WAL synced, before the next
card shows. The card's state is re-read inside that write transaction (BEGIN IMMEDIATE), so two drills on
one store both keep all their reviews. A store that is corrupt, locked, newer or read-only raises a typed
error and is never overwritten or reset.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from aiquiz.drill.scheduler import DEFAULT_RETENTION, Memory, Phase, Rating, phase_of, review
from aiquiz.errors import AiquizError

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
)
SCHEMA_VERSION = len(MIGRATIONS)


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


def _stamp(when: datetime) -> str:
    return when.astimezone(timezone.utc).isoformat(timespec="microseconds")


class Store:
    """An open progress store; use `Store.open()` and close it (or use it as a context manager)."""

    def __init__(self, conn: sqlite3.Connection, path: Path, timeout: float) -> None:
        self._conn = conn
        self.path = path
        self.timeout = timeout

    @classmethod
    def open(cls, path: Path, timeout: float = DEFAULT_TIMEOUT) -> Store:
        """Open the store at `path`, creating it (and its folder) or upgrading its schema as needed.

        Raises:
            StoreError: (one of its kinds) the store cannot be used; the file is left untouched.
        """
        if path.is_dir():
            raise StoreNotWritable(f"{path}: is a folder, not a progress store file")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise StoreNotWritable(f"{path.parent}: cannot create the store's folder ({err.strerror})") from None
        if path.exists() and not os.access(path, os.W_OK):
            raise StoreNotWritable(f"{path}: the progress store is read-only; aiquiz needs to write to it")
        with _translated(path, timeout):
            conn = sqlite3.connect(str(path), timeout=timeout, isolation_level=None)
            store = cls(conn, path, timeout)
            try:
                store._prepare()
            except BaseException:
                conn.close()
                raise
        return store

    def _prepare(self) -> None:
        conn = self._conn
        check = conn.execute("PRAGMA quick_check").fetchall()
        if check != [("ok",)]:
            detail = " ".join(str(check[0][0]).split())
            raise StoreCorrupt(f"{self.path}: the progress store is damaged ({detail}); "
                               "it was left untouched: restore your backup or move it away")
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
            raise StoreCorrupt(f"{self.path}: this SQLite file is not an aiquiz progress store; "
                               "it was left untouched: choose another path with --store")
        row = self._conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
        version = int(row[0] or 0)
        if version > SCHEMA_VERSION:
            raise StoreTooNew(f"{self.path}: the progress store has schema version {version}, newer than this "
                              f"aiquiz knows ({SCHEMA_VERSION}); upgrade aiquiz. The store was left untouched")
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
            raise StoreCorrupt(f"{self.path}: the stored state of card {key} is damaged ({err}); "
                               "the store was left untouched") from None

    def record(self, key: str, rating: Rating, now: datetime, duration_ms: int | None = None,
               retention: float = DEFAULT_RETENTION) -> Memory:
        """Review card `key` and commit its new state and the review row in one transaction.

        The card's state is read inside the write transaction, so a review committed meanwhile by
        another drill on the same store is built upon, never overwritten.

        Args:
            key: The card's key `deck/card`.
            rating: The rating given.
            now: When it was answered (timezone-aware).
            duration_ms: How long the answer took.
            retention: The desired retention for scheduling.

        Returns:
            The card's new state, as committed.

        Raises:
            StoreError: the review could not be committed (nothing of it was written).
        """
        with _translated(self.path, self.timeout), self._transaction():
            before = self._memory(key)
            after = review(before, key, rating, now, retention)
            self._conn.execute(
                "INSERT INTO cards (key, card_id, phase, due, memory, updated) VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (key) DO UPDATE SET card_id = excluded.card_id, phase = excluded.phase,"
                " due = excluded.due, memory = excluded.memory, updated = excluded.updated",
                (key, after.card_id, int(after.phase), _stamp(after.due), json.dumps(after.to_dict()),
                 _stamp(now)))
            self._conn.execute(
                "INSERT INTO reviews (key, card_id, rating, reviewed_at, duration_ms, phase)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (key, after.card_id, int(rating), _stamp(now), duration_ms, int(phase_of(before))))
        return after

    def reviews(self, since: datetime | None = None) -> list[ReviewRecord]:
        """The review log in the order it was written, from `since` on when given."""
        query = "SELECT id, key, card_id, rating, reviewed_at, duration_ms, phase FROM reviews"
        args: tuple[str, ...] = ()
        if since is not None:
            query, args = query + " WHERE reviewed_at >= ?", (_stamp(since),)
        with _translated(self.path, self.timeout):
            rows = self._conn.execute(query + " ORDER BY id", args).fetchall()
        return [ReviewRecord(i, k, c, Rating(r), datetime.fromisoformat(at), d,
                             None if p is None else Phase(p)) for i, k, c, r, at, d, p in rows]


@contextmanager
def _translated(path: Path, timeout: float) -> Iterator[None]:
    """Turn sqlite3's errors into the store's typed errors, with a message a learner can act on."""
    try:
        yield
    except sqlite3.Error as err:
        name = getattr(err, "sqlite_errorname", "") or ""
        text = str(err)
        if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in text:
            raise StoreLocked(f"{path}: the progress store is busy (locked by another program for over "
                              f"{timeout:g} s); close the other drill and try again") from None
        if name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_AUTH")):
            raise StoreNotWritable(f"{path}: cannot write the progress store ({text})") from None
        if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
            raise StoreCorrupt(f"{path}: not a readable progress store ({text}); it was left untouched: "
                               "restore your backup or move it away") from None
        raise StoreError(f"{path}: the progress store failed ({text})") from None
