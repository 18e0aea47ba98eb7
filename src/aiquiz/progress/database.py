"""The progress store's database: opening (refusing what is not an aiquiz store), the schema and its
migrations, write transactions, and SQLite's errors turned into typed ones. The only sqlite3 user, with
store.py and store_extras.py which build on it.

Cards are keyed by `deck/card`, so a reworded card keeps its progress and a removed one keeps its history.
Each write is one transaction (BEGIN IMMEDIATE), committed with the WAL synced. A store that is corrupt,
locked, newer or read-only raises a typed error and is never overwritten or reset; so is any existing file
that is not an SQLite database.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from aiquiz.i18n import _
from aiquiz.progress.records import StoreCorrupt, StoreError, StoreLocked, StoreNotWritable, StoreTooNew

STORE_NAME = "progress.sqlite3"
APPLICATION_ID = 0x61697175  # "aiqu" in the SQLite header of stores this aiquiz creates
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
    (  # 4: reviews from elsewhere (Anki), found by card and time; FSRS parameter sets adopted by optimize
        "ALTER TABLE reviews ADD COLUMN origin TEXT",  # NULL: the drill; 'anki': imported
        "CREATE INDEX reviews_by_key_time ON reviews (key, reviewed_at)",
        "DROP INDEX reviews_by_key",  # the new index serves every lookup by key
        "CREATE TABLE parameters (id INTEGER PRIMARY KEY AUTOINCREMENT, adopted_at TEXT NOT NULL,"
        " reviews INTEGER NOT NULL, data TEXT NOT NULL, reverted INTEGER NOT NULL DEFAULT 0)",
    ),
    (  # 5: `aiquiz due` counts each deck's due cards with a few index seeks (71 -> 3 ms at 100k studied cards)
        "CREATE INDEX cards_by_deck_due ON cards (substr(key, 1, instr(key, '/') - 1), due)",
        "DROP INDEX cards_by_due",  # nothing else looks cards up by due date
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




D = TypeVar("D", bound="Database")


class Database:
    """An open progress database; use `Store.open()` and close it (or use it as a context manager)."""

    def __init__(self, conn: sqlite3.Connection, path: Path, timeout: float) -> None:
        self._conn = conn
        self.path = path
        self.timeout = timeout

    @classmethod
    def open(cls: type[D], path: Path, timeout: float = DEFAULT_TIMEOUT, check: bool = True) -> D:
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
        if not path.exists():
            _create(path, timeout)
        if path.exists():
            _check_header(path)
            if not os.access(path, os.W_OK):
                raise StoreNotWritable(_("{path}: the progress store is read-only; aiquiz needs to write to it")
                                       .format(path=path))
        with _translated(path, timeout):
            conn = sqlite3.connect(str(path.absolute()), timeout=timeout, isolation_level=None)  # `:memory:` too
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
        self._wal()
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA cache_size=-32000")  # 32 MB: a big log's index pages stay in memory
        if self._version() < SCHEMA_VERSION:
            self._migrate()

    def _wal(self) -> None:
        """Put the store in WAL mode (new stores are made in it; an older one is switched once). SQLite answers a
        switch made while another connection uses the file with "busy" at once, without waiting for it (two
        drills opening an old store together): retried until the store's timeout."""
        deadline = time.monotonic() + self.timeout
        while self._conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            try:
                mode = self._conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            except sqlite3.OperationalError as err:
                if not getattr(err, "sqlite_errorname", "").startswith("SQLITE_BUSY") or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)
                continue
            if mode != "wal":  # refused without an error: a file system or database that cannot have WAL
                raise StoreNotWritable(_("{path}: cannot write the progress store ({reason})").format(
                    path=self.path, reason=f"journal mode {mode}, not WAL"))

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
    def batch(self) -> Iterator[None]:
        """One transaction around several of the store's writes: all of them are committed, or none."""
        with _translated(self.path, self.timeout), self._transaction():
            yield

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        if self._conn.in_transaction:  # inside `batch()`: its transaction commits or rolls back
            yield
            return
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

    def __enter__(self: D) -> D:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def version(self) -> int:
        """The schema version of the open store."""
        with _translated(self.path, self.timeout):
            return self._version()

def _create(path: Path, timeout: float) -> None:
    """Make a new, empty store at `path` in one step: written under another name, then linked in place, so
    no other process ever sees an empty file there (it would be refused as not a store). When another
    process made the store first, theirs is kept."""
    scratch = path.with_name(f".{path.name}.{os.getpid()}.new")
    try:
        with _translated(path, timeout):
            conn = sqlite3.connect(str(scratch.absolute()), isolation_level=None)
            try:
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")  # writes the header: a real database
                conn.execute("PRAGMA journal_mode=WAL")  # kept in the file: no one opening it has to switch it
            finally:
                conn.close()
        try:
            os.link(scratch, path)
        except FileExistsError:
            pass  # another drill created it meanwhile: open theirs
        except OSError as err:  # a file system without hard links: a plain rename (last writer wins)
            try:
                os.replace(scratch, path)
            except OSError:
                raise StoreNotWritable(_("{path}: cannot create the progress store ({reason})").format(
                    path=path, reason=err.strerror)) from None
    finally:
        scratch.unlink(missing_ok=True)


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

