"""Build the .apkg: one Anki deck per aiquiz deck under `AI Interviews::`, written reproducibly.

genanki stamps the build time into the package in several places; every one is pinned to `build_time`:
note and card ids (counted up from build_time * 1000), note/card/note-type `mod`, and the zip entries'
dates (genanki takes those from the clock, so the zip is written here instead). The collection row's
crt/mod and the decks' mod are constants in genanki. Given the package a previous build wrote, each
note's and note type's `mod` then follows `history.next_mod`: kept when unchanged, newer when changed
(Anki only replaces a note with one whose `mod` is newer). So the same decks, options, build time and
previous package give the same bytes, and any change of a note reaches Anki.

The package also carries the "aiquiz" deck options preset (`preset.py`) for every deck it holds.
"""

from __future__ import annotations

import itertools
import os
import secrets
import shutil
import sqlite3
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from aiquiz.anki.fields import DeckFields, literal, text_html
from aiquiz.anki.history import Restamped, Restamper
from aiquiz.anki.notes import NoteWriter
from aiquiz.anki.notetypes import note_guid, note_model, stable_id
from aiquiz.anki.preset import PRESET, install_preset
from aiquiz.errors import AiquizError, UsageError
from aiquiz.model import AnyCard, Deck, Kind, LangMode
from aiquiz.select import Filters, select_cards

if TYPE_CHECKING:
    import genanki

    from aiquiz.anki.progress_export import ExportSummary, ProgressExport

ROOT_DECK = "AI Interviews"
ROOT_DECK_ID = stable_id("deck", f"::{ROOT_DECK}")  # "::" cannot occur in a deck id
_ZIP_EPOCH = 315532800  # 1980-01-01, the earliest date a zip entry can hold
_CHUNK = 1000  # notes rendered, then written, at a time
# zlib's fastest level: a third of the default's time (0.04 s instead of 0.1 s at 10k notes) for a package
# 11% larger, still a third of the size of genanki's uncompressed one.
_DEFLATE_LEVEL = 1


@dataclass(frozen=True)
class DeckSummary:
    """What went into one Anki deck: notes per kind (kinds in `Kind` order) and cards."""

    id: str
    name: str
    notes: tuple[tuple[Kind, int], ...]
    cards: int

    @property
    def note_count(self) -> int:
        """Notes in this deck."""
        return sum(n for _, n in self.notes)


@dataclass(frozen=True)
class BuildReport:
    """The result of `build_apkg`: where the package is, what it holds, and what changed since `previous`."""

    path: Path
    build_time: int
    decks: tuple[DeckSummary, ...]
    since: Restamped | None = None
    progress: ExportSummary | None = None

    @property
    def notes(self) -> int:
        """Notes in the package."""
        return sum(d.note_count for d in self.decks)

    @property
    def cards(self) -> int:
        """Cards in the package (a cloze note makes one card per gap number)."""
        return sum(d.cards for d in self.decks)


def anki_deck_name(deck: Deck, mode: LangMode) -> str:
    """The Anki deck a deck's cards go to: `AI Interviews::<title>` (English title for `both`).

    Args:
        deck: The deck.
        mode: en, zh or both.

    Returns:
        The full deck name (a `::` inside the title is flattened so it does not nest decks).
    """
    title = deck.title.get("zh" if mode is LangMode.ZH else "en")
    return f"{ROOT_DECK}::{' '.join(title.replace('::', ':').split())}"


def default_build_time(decks: Sequence[Deck], environ: Mapping[str, str]) -> int:
    """The package time for these decks: SOURCE_DATE_EPOCH when set, else the newest deck file's mtime.

    Args:
        decks: The loaded decks (their `path` is read with stat).
        environ: The environment to read SOURCE_DATE_EPOCH from.

    Returns:
        Seconds since the Unix epoch.

    Raises:
        UsageError: SOURCE_DATE_EPOCH is not a non-negative whole number.
        AiquizError: no deck has a file to take the time from.
    """
    raw = environ.get("SOURCE_DATE_EPOCH", "").strip()
    if raw:
        if not raw.isdigit():
            raise UsageError(f"SOURCE_DATE_EPOCH must be a whole number of seconds, not {raw!r}")
        return int(raw)
    try:
        mtimes = [os.stat(deck.path).st_mtime for deck in decks if deck.path]
    except OSError as err:
        raise AiquizError(f"cannot read the time of {err.filename}: {err.strerror}") from err
    if not mtimes:
        raise AiquizError("no deck file to take the build time from; set SOURCE_DATE_EPOCH")
    return int(max(mtimes))


def build_apkg(decks: Sequence[Deck], out_path: Path, *, filters: Filters = Filters(),
               lang: LangMode = LangMode.EN, build_time: int, type_answers: bool = False,
               previous: Path | None = None, progress: ProgressExport | None = None) -> BuildReport:
    """Write the selected cards as an Anki package, atomically.

    Args:
        decks: The loaded decks.
        out_path: The .apkg to write (its directory is created if missing).
        filters: Which decks and tags to take.
        lang: en, zh, or both (en with zh beneath).
        build_time: The package's modification time (seconds since the epoch); see `default_build_time`.
        type_answers: Basic and cloze cards with Anki's type-in comparison (their own note types).
        previous: The package an earlier build wrote (usually `out_path`; the CLI passes it), whose
            note times this build continues (see `history`). None, or a missing file: every note
            and note type gets `build_time`.
        progress: The learner's progress to carry (`progress_export.progress_export`): studied cards get
            their scheduling and review log. None: every card is new, and the bytes are as without it.

    Returns:
        A BuildReport: the path, the time, the notes and cards per deck, and (with `previous`) how
        many notes are new, changed and unchanged since it.

    Raises:
        UsageError: a deck in `filters` does not exist, no card matches, or build_time is negative.
        AiquizError: the package cannot be written to `out_path` (nothing is left behind).
    """
    if build_time < 0:
        raise UsageError(f"the build time must not be negative (got {build_time})")
    picked = select_cards(decks, filters)
    if not picked:
        raise UsageError(f"no cards match ({filters.describe()})")
    by_deck: dict[str, tuple[Deck, list[AnyCard]]] = {}
    for pick in picked:
        by_deck.setdefault(pick.deck.id, (pick.deck, []))[1].append(pick.card)
    # The collection is written to a scratch file one deck at a time, and the zip is streamed from it:
    # memory stays flat as decks grow (the whole package is never held in memory).
    with tempfile.TemporaryDirectory(prefix="aiquiz-anki-") as scratch, \
            Restamper(None if previous is None else Path(previous), Path(scratch), build_time) as stamps:
        collection = Path(scratch) / "collection.anki2"
        summaries, since, sent = _write_collection(collection, list(by_deck.values()), LangMode(lang), build_time,
                                                   type_answers, stamps, progress)
        _write_atomic(Path(out_path), lambda out: _write_zip(out, collection, build_time))
    return BuildReport(Path(out_path), build_time, tuple(summaries), since if previous is not None else None, sent)


def _write_collection(path: Path, groups: list[tuple[Deck, list[AnyCard]]], mode: LangMode,
                      build_time: int, typed: bool, stamps: Restamper, progress: ProgressExport | None = None,
                      ) -> tuple[list[DeckSummary], Restamped, ExportSummary | None]:
    """Write the package's collection.anki2 (SQLite) with every time pinned; return what each deck holds."""
    import genanki

    models = {kind: note_model(kind, typed) for kind in Kind}
    position = itertools.count(1)
    ids = itertools.count(build_time * 1000)  # note and card ids, as genanki's write_to_file counts them
    summaries = []
    conn = sqlite3.connect(path)
    try:
        # A scratch file, zipped once complete: no need to survive a crash midway. Neither setting changes
        # the file's bytes; together they halve the time SQLite takes at 100k notes.
        conn.execute("pragma journal_mode = memory")
        conn.execute("pragma synchronous = off")
        cursor = conn.cursor()
        genanki.Package([]).write_to_db(cursor, build_time, ids)  # schema and collection row
        genanki.Deck(ROOT_DECK_ID, ROOT_DECK).write_to_db(cursor, build_time, ids)  # to carry the preset too
        deck_ids = [ROOT_DECK_ID]
        into = _Into(cursor, mode, typed, build_time, models, position, NoteWriter(cursor, models, build_time, ids),
                     stamps)
        for deck, cards in groups:
            summary, deck_id = _write_deck(deck, cards, into)
            summaries.append(summary)
            deck_ids.append(deck_id)
        install_preset(conn, PRESET, deck_ids)
        since = stamps.apply(conn)
        sent = None
        if progress is not None:  # after genanki: it cannot write scheduling (genanki #147)
            from aiquiz.anki.progress_export import write_progress

            sent = write_progress(conn, progress)
        conn.commit()
    finally:
        conn.close()
    return summaries, since, sent


@dataclass(frozen=True)
class _Into:
    """Where and how `_write_deck` writes: the collection, the build's settings, its counters."""

    cursor: sqlite3.Cursor
    mode: LangMode
    typed: bool
    build_time: int
    models: Mapping[Kind, genanki.Model]
    position: Iterator[int]  # the new cards' order, across decks
    writer: NoteWriter
    stamps: Restamper


def _write_deck(deck: Deck, cards: list[AnyCard], into: _Into) -> tuple[DeckSummary, int]:
    """One deck and its notes, as genanki's `Deck.write_to_db` writes them; what it holds, and its Anki id."""
    import genanki

    name = anki_deck_name(deck, into.mode)
    gdeck = genanki.Deck(stable_id("deck", deck.id), name, _description(deck, into.mode))
    for kind in dict.fromkeys(card.kind for card in cards):  # the note types, in the order genanki meets them
        gdeck.add_model(into.models[kind])
    gdeck.write_to_db(into.cursor, into.build_time, iter(()))  # the deck and its note types (no notes: no ids)
    render, write, stamp = DeckFields(deck, into.mode, into.typed), into.writer.write, into.stamps.note
    mids = {kind: model.model_id for kind, model in into.models.items()}
    counts = dict.fromkeys(Kind, 0)
    card_count = 0
    # A chunk of notes is rendered, then written, then stamped: each step keeps its working set in the CPU
    # caches (a note at a time, the three evicted each other's: a second more at 100k notes).
    for start in range(0, len(cards), _CHUNK):
        notes = [(card.kind, note_guid(deck.id, card.id), render.note_fields(card), render.tags(card),
                  next(into.position)) for card in cards[start:start + _CHUNK]]
        written = [write(kind, gdeck.deck_id, guid, fields, tags, due) for kind, guid, fields, tags, due in notes]
        for (kind, guid, _, tags, _), (nid, flds, made) in zip(notes, written, strict=True):
            stamp(nid, guid, mids[kind], flds, tags)
            counts[kind] += 1
            card_count += made
    return DeckSummary(deck.id, name, tuple(counts.items()), card_count), gdeck.deck_id


def _description(deck: Deck, mode: LangMode) -> str:
    """The deck's description in Anki's deck overview: its title and the interviews' links."""
    links = [f'<a href="{literal(u)}">{literal(u)}</a>' for s in deck.sources for u in s.urls[:1]
             if u.startswith(("https://", "http://"))]
    return "<br>".join([text_html(deck.title, mode), *links])


def _write_zip(out: BinaryIO, collection: Path, build_time: int) -> None:
    """The .apkg zip: the collection and an empty media map, with fixed entry dates and attributes."""
    stamp = time.gmtime(max(build_time, _ZIP_EPOCH))[:6]
    with zipfile.ZipFile(out, "w") as zf:
        for name in ("collection.anki2", "media"):
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            _set_level(info, _DEFLATE_LEVEL)
            info.create_system = 3  # unix, whatever the platform, so bytes match everywhere
            info.external_attr = 0o644 << 16
            if name == "media":
                zf.writestr(info, b"{}")
                continue
            info.file_size = collection.stat().st_size
            with collection.open("rb") as src, zf.open(info, "w", force_zip64=info.file_size > 2**31) as dst:
                shutil.copyfileobj(src, dst, 1 << 20)


def _set_level(info: zipfile.ZipInfo, level: int) -> None:
    """Set one zip entry's deflate level: `compress_level` since Python 3.13, `_compresslevel` before it."""
    setattr(info, "compress_level" if hasattr(info, "compress_level") else "_compresslevel", level)


def _write_atomic(path: Path, write: Callable[[BinaryIO], None]) -> None:
    """Have `write` fill a temporary file beside `path`, then rename it over `path`."""
    tmp: Path | None = None
    try:
        if path.is_dir():
            raise AiquizError(f"cannot write {path}: it is a directory")
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        # 0o666 lets the umask decide the mode, as for any file the user creates.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(fd, "w+b") as out:
            write(out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
        tmp = None
    except OSError as err:
        raise AiquizError(f"cannot write {path}: {err.strerror or err}") from err
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
