"""Modification times that make every change reach Anki, and nothing else.

Anki replaces a note (and a note type) on import only when the incoming `mod` is newer than its own
copy. A build therefore stamps each note and note type from the previous package written to the same
path (the record of what the learner last imported):

- new to the package: the build time;
- unchanged (same note type, fields and tags; same note type definition): its previous `mod`, so
  unchanged inputs give the same bytes and Anki leaves the note alone;
- changed (another `--lang`, a reworded card, new CSS): `max(build time, previous mod + 1)`, newer
  than anything the learner has imported from that path.

The rule is `next_mod`; the previous package is read by `read_history`, and `restamp` applies the rule
to a freshly written collection. Nothing here reads the clock.
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


def restamp(conn: sqlite3.Connection, history: History, build_time: int) -> Restamped:
    """Give the notes, their cards and the note types of a written collection their `mod` by `next_mod`.

    Args:
        conn: The new package's collection, every `mod` still the build time.
        history: The previous package's stamps.
        build_time: This build's time.

    Returns:
        How many notes are new, changed and unchanged since the previous package.
    """
    counts = {"new": 0, "changed": 0, "unchanged": 0}
    moved: list[tuple[int, int]] = []
    for nid, guid, mid, flds, tags in conn.execute("select id, guid, mid, flds, tags from notes order by id"):
        fingerprint, previous = note_fingerprint(mid, flds, tags), history.notes.get(guid)
        counts["new" if previous is None else "unchanged" if previous.fingerprint == fingerprint
               else "changed"] += 1
        if (mod := next_mod(fingerprint, previous, build_time)) != build_time:
            moved.append((mod, nid))
    conn.executemany("update notes set mod = ? where id = ?", moved)
    conn.executemany("update cards set mod = ? where nid = ?", moved)
    (models_json,) = conn.execute("select models from col").fetchone()
    models = json.loads(models_json)
    for mid, model in models.items():
        model["mod"] = next_mod(notetype_fingerprint(model), history.notetypes.get(int(mid)), build_time)
    conn.execute("update col set models = ?", (json.dumps(models),))
    return Restamped(**counts)
