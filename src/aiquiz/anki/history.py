"""Modification times that make every change reach Anki, and nothing else.

Anki replaces a note (and a note type) on import only when the incoming `mod` is newer than its own
copy. A build therefore stamps each note and note type from the previous package written to the same
path (the record of what the learner last imported):

- new to the package: the build time;
- unchanged (same note type, fields and tags; same note type definition): its previous `mod`, so
  unchanged inputs give the same bytes and Anki leaves the note alone;
- changed (another `--lang`, a reworded card, new CSS): `max(build time, previous mod + 1)`, newer
  than anything the learner has imported from that path.

The rule is `next_mod`; the previous package is read by `read_history`, and a `Restamper` applies the rule
to a collection as its notes are written. Nothing here reads the clock.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import tempfile
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from shutil import copyfileobj
from typing import Any


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
    """A note's content as Anki compares it on import: its note type, fields and tags."""
    return hashlib.sha256(f"{mid}\x1e{flds}\x1e{' '.join(tags.split())}".encode()).hexdigest()


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
        with zipfile.ZipFile(package) as zf, tempfile.TemporaryDirectory(prefix="aiquiz-history-") as scratch:
            db = Path(scratch) / "collection.anki2"
            with zf.open("collection.anki2") as src, db.open("wb") as dst:
                copyfileobj(src, dst, 1 << 20)
            return _read_collection(db)
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, sqlite3.Error):
        return History()


def _read_collection(db: Path) -> History:
    conn = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)
    try:
        notes = {guid: Stamp(note_fingerprint(mid, flds, tags), mod)
                 for guid, mid, flds, tags, mod in conn.execute("select guid, mid, flds, tags, mod from notes")}
        (models_json,) = conn.execute("select models from col").fetchone()
    finally:
        conn.close()
    models = json.loads(models_json)
    notetypes = {int(mid): Stamp(notetype_fingerprint(m), int(m["mod"])) for mid, m in models.items()}
    return History(notes, notetypes)


class Restamper:
    """Gives a collection's notes, their cards and its note types their `mod` by `next_mod`.

    Call `note` for every note as it is written (with `mod` the build time), in id order, then `apply`
    once the collection holds everything else: it updates the notes (and their cards) whose `mod` is not
    the build time, then the note types.

    Args:
        history: The previous package's stamps.
        build_time: This build's time.
    """

    def __init__(self, history: History, build_time: int) -> None:
        self._previous = history.notes
        self._notetypes = history.notetypes
        self._build_time = build_time
        self._counts = {"new": 0, "changed": 0, "unchanged": 0}
        self._moved: list[tuple[int, int]] = []

    def note(self, nid: int, guid: str, mid: int, flds: str, tags: str) -> None:
        """Stamp one note just written: new, changed or unchanged since the previous package.

        Args:
            nid: Its id.
            guid: Its GUID.
            mid: Its note type's id.
            flds: Its fields as stored.
            tags: Its tags as stored.
        """
        previous = self._previous.get(guid)
        if previous is None:  # new: the build time, as written
            self._counts["new"] += 1
            return
        fingerprint = note_fingerprint(mid, flds, tags)
        self._counts["unchanged" if previous.fingerprint == fingerprint else "changed"] += 1
        if (mod := next_mod(fingerprint, previous, self._build_time)) != self._build_time:
            self._moved.append((mod, nid))

    def apply(self, conn: sqlite3.Connection) -> Restamped:
        """Write the stamps into the collection.

        Args:
            conn: The new package's collection, every `mod` still the build time.

        Returns:
            How many notes are new, changed and unchanged since the previous package.
        """
        conn.executemany("update notes set mod = ? where id = ?", self._moved)
        conn.executemany("update cards set mod = ? where nid = ?", self._moved)
        (models_json,) = conn.execute("select models from col").fetchone()
        models = json.loads(models_json)
        for mid, model in models.items():
            model["mod"] = next_mod(notetype_fingerprint(model), self._notetypes.get(int(mid)), self._build_time)
        conn.execute("update col set models = ?", (json.dumps(models),))
        return Restamped(**self._counts)
