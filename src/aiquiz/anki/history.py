"""Modification times that make every change reach Anki, and nothing else.

Anki replaces a note (and a note type) on import only when the incoming `mod` is newer than its own
copy. A build therefore stamps each note and note type from the previous package written to the same
path (the record of what the learner last imported):

- new to the package: the build time;
- unchanged (same note type, fields and tags; same note type definition): its previous `mod`, so
  unchanged inputs give the same bytes and Anki leaves the note alone;
- changed (another `--lang`, a reworded card, new CSS): `max(build time, previous mod + 1)`, newer
  than anything the learner has imported from that path.

The rule is `next_mod`. A `Restamper` applies it to a collection as its notes are written, reading the
previous package alongside (`read_history` reads one whole). Nothing here reads the clock.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import tempfile
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from shutil import copyfileobj
from typing import Any

from aiquiz.errors import AiquizError


@dataclass(frozen=True)
class Stamp:
    """What a note or note type was in a package: a fingerprint of its content, and its `mod`."""

    fingerprint: str
    mod: int


@dataclass(frozen=True)
class History:
    """The stamps of a previous package: notes by guid, note types by id (empty when there is none)."""

    notes: Mapping[str, Stamp] = field(default_factory=dict)
    notetypes: Mapping[int, Stamp] = field(default_factory=dict)


@dataclass(frozen=True)
class Restamped:
    """What `restamp` found: notes new to the package, changed since it, and unchanged."""

    new: int
    changed: int
    unchanged: int


def next_mod(fingerprint: str, previous: Stamp | None, build_time: int) -> int:
    """The `mod` of a note or note type in this build.

    Args:
        fingerprint: Its content now (see `note_fingerprint`, `notetype_fingerprint`).
        previous: Its stamp in the previous package, or None when it was not there.
        build_time: This build's time (seconds since the epoch).

    Returns:
        build_time when new; the previous mod when unchanged; else max(build_time, previous mod + 1).
    """
    if previous is None:
        return build_time
    if previous.fingerprint == fingerprint:
        return previous.mod
    return max(build_time, previous.mod + 1)


def note_fingerprint(mid: int, flds: str, tags: str) -> str:
    """A note's content as Anki compares it on import: its note type, fields and tags (hashed)."""
    return hashlib.sha256(_note_content(mid, flds, tags).encode()).hexdigest()


def _note_content(mid: object, flds: object, tags: str) -> str:
    """What `note_fingerprint` hashes: two notes have the same fingerprint when this is the same."""
    return f"{mid}\x1e{flds}\x1e{' '.join(tags.split())}"


def notetype_fingerprint(model: Mapping[str, Any]) -> str:
    """A note type's content (fields, templates, CSS, ...): its JSON without `mod`."""
    content = {k: v for k, v in model.items() if k != "mod"}
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def read_history(package: Path) -> History:
    """The stamps of the package at `package`, if it is one genanki could have written.

    A missing file, or one that is not such a package, has no history: the build then stamps every
    note with the build time, as a first build does.

    Args:
        package: The .apkg a previous build wrote (usually the path about to be replaced).

    Returns:
        The History (empty when there is none).
    """
    try:
        with tempfile.TemporaryDirectory(prefix="aiquiz-history-") as scratch:
            conn = _open_collection(package, Path(scratch))
            try:
                notes = {guid: Stamp(note_fingerprint(mid, flds, tags), mod)
                         for guid, mid, flds, tags, mod in conn.execute("select guid, mid, flds, tags, mod from notes")}
                return History(notes, _notetypes(conn))
            finally:
                conn.close()
    except _UNREADABLE:
        return History()


# What reading a file that is not a package genanki could have written raises.
_UNREADABLE = (OSError, KeyError, ValueError, zipfile.BadZipFile, sqlite3.Error)


def _open_collection(package: Path, scratch: Path) -> sqlite3.Connection:
    """The collection of the package at `package`, unzipped into `scratch`, open read-only."""
    db = scratch / "previous.anki2"
    with zipfile.ZipFile(package) as zf, zf.open("collection.anki2") as src, db.open("wb") as dst:
        copyfileobj(src, dst, 1 << 20)
    return sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)


def _notetypes(conn: sqlite3.Connection) -> dict[int, Stamp]:
    """The stamps of a collection's note types."""
    (models_json,) = conn.execute("select models from col").fetchone()
    models = json.loads(models_json)
    return {int(mid): Stamp(notetype_fingerprint(m), int(m["mod"])) for mid, m in models.items()}


class Restamper:
    """Gives a collection's notes, their cards and its note types their `mod` by `next_mod`.

    Call `note` for every note as it is written (with `mod` the build time), in id order, then `apply`
    once the collection holds everything else: it updates the notes (and their cards) whose `mod` is not
    the build time, then the note types. Use it in a `with` block (it holds the previous collection open).

    The previous package is read along with the build rather than into memory first: its notes come in
    the order the build writes them when the decks are the same, so one pass over them finds each note's
    previous content (a note out of that order is looked up by id), and only one note's content is held
    at a time. Every note of it is read by the end, so a package that cannot be read whole has no
    history, as with `read_history`.

    Args:
        previous: The package an earlier build wrote (None, a missing file or not such a package: no history).
        scratch: A folder to unzip it into.
        build_time: This build's time.
    """

    def __init__(self, previous: Path | None, scratch: Path, build_time: int) -> None:
        self._build_time = build_time
        self._counts = {"new": 0, "changed": 0, "unchanged": 0}
        self._moved: list[tuple[int, int]] = []
        self._conn: sqlite3.Connection | None = None
        self._ids: dict[str, int] = {}
        self._notetypes: dict[int, Stamp] = {}
        self._failed = False
        self._rows: Iterator[tuple[Any, ...]] = iter(())
        self._row: tuple[Any, ...] | None = None
        if previous is None:
            return
        try:
            self._conn = _open_collection(previous, scratch)
            self._ids = {guid: nid for guid, nid in self._conn.execute("select guid, id from notes")}
            self._notetypes = _notetypes(self._conn)
            self._rows = self._conn.execute("select id, mid, flds, tags, mod from notes")
            self._row = next(self._rows, None)
        except _UNREADABLE:
            self._forget()

    def __enter__(self) -> Restamper:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the previous collection."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _forget(self) -> None:
        """Treat the previous package as none (it cannot be read whole)."""
        self.close()
        self._failed, self._ids, self._notetypes = True, {}, {}

    def _previous(self, nid: int) -> tuple[Any, ...] | None:
        """The previous note `nid`'s (id, mid, flds, tags, mod): next in the pass, or looked up."""
        while self._row is not None and self._row[0] < nid:  # notes no longer in the package
            self._row = next(self._rows, None)
        row = self._row
        if row is not None and row[0] == nid:
            self._row = next(self._rows, None)
            return row
        assert self._conn is not None
        found: tuple[Any, ...] | None = self._conn.execute(
            "select id, mid, flds, tags, mod from notes where id = ?", (nid,)).fetchone()
        return found

    def note(self, nid: int, guid: str, mid: int, flds: str, tags: str) -> None:
        """Stamp one note just written: new, changed or unchanged since the previous package.

        Args:
            nid: Its id.
            guid: Its GUID.
            mid: Its note type's id.
            flds: Its fields as stored.
            tags: Its tags as stored.
        """
        previous_id = self._ids.get(guid)
        if previous_id is None:  # new: the build time, as written
            self._counts["new"] += 1
            return
        try:
            row = self._previous(previous_id)
        except _UNREADABLE:
            self._forget()
            self._counts["new"] += 1
            return
        if row is None:  # pragma: no cover - the id was read from the same table
            raise AiquizError(f"the previous package lost note {previous_id} while being read")
        _, old_mid, old_flds, old_tags, old_mod = row
        # The same values make the same content (SQLite gives the integer column back as an int); else compare
        # the content itself (tags as Anki reads them).
        if (old_flds == flds and old_tags == tags and old_mid == mid) or \
                _note_content(old_mid, old_flds, old_tags) == _note_content(mid, flds, tags):
            self._counts["unchanged"] += 1
            mod = old_mod
        else:
            self._counts["changed"] += 1
            mod = max(self._build_time, old_mod + 1)
        if mod != self._build_time:
            self._moved.append((mod, nid))

    def apply(self, conn: sqlite3.Connection) -> Restamped:
        """Write the stamps into the collection.

        Args:
            conn: The new package's collection, every `mod` still the build time.

        Returns:
            How many notes are new, changed and unchanged since the previous package.
        """
        try:
            while self._row is not None:  # read it whole (see the class)
                self._row = next(self._rows, None)
        except _UNREADABLE:
            self._forget()
        self.close()
        if self._failed:  # as if there were no previous package
            total = sum(self._counts.values())
            self._counts, self._moved = {"new": total, "changed": 0, "unchanged": 0}, []
        conn.executemany("update notes set mod = ? where id = ?", self._moved)
        conn.executemany("update cards set mod = ? where nid = ?", self._moved)
        (models_json,) = conn.execute("select models from col").fetchone()
        models = json.loads(models_json)
        for mid, model in models.items():
            model["mod"] = next_mod(notetype_fingerprint(model), self._notetypes.get(int(mid)), self._build_time)
        conn.execute("update col set models = ?", (json.dumps(models),))
        return Restamped(**self._counts)
