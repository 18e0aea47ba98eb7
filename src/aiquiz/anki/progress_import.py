"""Anki → terminal: the review history of aiquiz's notes, read from what Anki exports, merged into the store.

The file is read by `package_reader` (Anki's formats, the size limits, what is refused). Each revlog row
whose card belongs to an aiquiz note (matched by the note's GUID, `note_guid(deck, card)`) becomes a
review of the drill card `deck/card`: every Anki card of the note (each gap of a cloze) feeds the one
drill card, in time order. Rows that are not answers (Anki's manual reschedules
and "Forget", ease 0; cramming in a filtered deck without rescheduling) are skipped.
"""

from __future__ import annotations

import html
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiquiz.anki.notetypes import note_guid
from aiquiz.anki.package_reader import (
    AnkiNote,
    AnkiPackage,
    AnkiReview,
    Limits,
    PackageError,
    meta_version,
    open_package,
)
from aiquiz.i18n import _
from aiquiz.model import Deck
from aiquiz.progress.exchange import Merged, merge, plan_merge
from aiquiz.progress.records import NewReview
from aiquiz.progress.scheduler import Rating
from aiquiz.progress.settings import Settings
from aiquiz.progress.store import Replay, Store

__all__ = ["AnkiNote", "AnkiPackage", "AnkiReview", "ImportReport", "Limits", "Matched", "PackageError",
           "PackageRead", "apply_import", "import_package", "is_answer", "match_reviews", "meta_version",
           "note_key", "open_package", "read_package"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# --- matching notes and reviews (pure) -----------------------------------------------------------------

@dataclass(frozen=True)
class Matched:
    """The package's reviews as drill reviews, and what was left out or kept aside.

    `removed` holds the keys of aiquiz notes whose card is no longer in the decks: their reviews are
    kept in the store too, as the store keeps every card's history.
    """

    reviews: tuple[NewReview, ...]
    notes: int
    ignored_notes: int
    removed: frozenset[str]
    skipped: int

    @property
    def cards(self) -> int:
        """Drill cards that have reviews in the package."""
        return len({r.key for r in self.reviews})


def note_key(note: AnkiNote, known: Mapping[str, str]) -> str | None:
    """The drill card key of a note: by GUID among the decks' cards, else (a card removed from the decks)
    from its `Id` field when the GUID confirms it; None for a note not from aiquiz."""
    if note.guid in known:
        return known[note.guid]
    if note.id_field is None:
        return None
    key = html.unescape(note.id_field).strip()
    deck, _, card = key.partition("/")
    return key if deck and card and note_guid(deck, card) == note.guid else None


def is_answer(review: AnkiReview) -> bool:
    """True for a revlog row that is an answer: ease 1-4, of type learn, review, relearn, or a filtered
    deck's review that rescheduled (Anki's own FSRS reads the same rows)."""
    return 1 <= review.ease <= 4 and (review.kind in (0, 1, 2) or (review.kind == 3 and review.factor != 0))


def match_reviews(notes: Iterable[AnkiNote], reviews: Iterable[AnkiReview], known: Mapping[str, str]) -> Matched:
    """Turn a package's notes and revlog into drill reviews.

    Args:
        notes: Every note of the package.
        reviews: Every revlog row with its note's GUID.
        known: The GUIDs of the decks' cards, to their keys.

    Returns:
        The reviews of aiquiz notes (all Anki cards of a note feeding one drill card) and the counts.
    """
    keys: dict[str, str] = {}
    ignored = matched = 0
    removed: set[str] = set()
    for note in notes:
        key = note_key(note, known)
        if key is None:
            ignored += 1
            continue
        matched += 1
        keys[note.guid] = key
        if note.guid not in known:
            removed.add(key)
    out: list[NewReview] = []
    skipped = 0
    for review in reviews:
        key = keys.get(review.guid)
        if key is None:
            continue
        if not is_answer(review):
            skipped += 1
            continue
        out.append(NewReview(key, Rating(review.ease), _EPOCH + timedelta(milliseconds=review.at_ms),
                             max(0, review.duration_ms), origin="anki"))
    return Matched(tuple(out), matched, ignored, frozenset(removed), skipped)


# --- the import ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PackageRead:
    """What a package holds for the drill: its format, the matched reviews, and whether it has scheduling."""

    path: Path
    format: str
    matched: Matched
    scheduling: bool


@dataclass(frozen=True)
class ImportReport:
    """What an import read and did (or, in a dry run, would do)."""

    read: PackageRead
    merged: Merged

    @property
    def dry_run(self) -> bool:
        """True when nothing was written."""
        return not self.merged.written


def read_package(path: Path, decks: Sequence[Deck], limits: Limits = Limits()) -> PackageRead:
    """Read the review history of aiquiz's notes from an Anki export (the store is not involved).

    Args:
        path: The `.apkg` or `.colpkg`.
        decks: The decks (their cards' GUIDs identify aiquiz notes).
        limits: The ceiling on the unpacked collection.

    Raises:
        PackageError: the file cannot be read.
    """
    known = {note_guid(deck.id, card.id): f"{deck.id}/{card.id}" for deck in decks for card in deck.cards}
    try:
        with open_package(path, limits) as package:
            try:
                matched = match_reviews(package.notes(), package.reviews(), known)
                scheduling = package.has_scheduling()
            except sqlite3.DatabaseError as err:
                raise PackageError(_("its collection is damaged or truncated ({reason})").format(reason=err)) from None
            except (OverflowError, TypeError, ValueError) as err:  # a row of impossible values
                raise PackageError(_("its collection holds a review Anki could not have written ({reason})")
                                   .format(reason=err)) from None
            return PackageRead(Path(path), package.format, matched, scheduling)
    except PackageError as err:
        raise PackageError(_("cannot import {path}: {reason}").format(path=path, reason=err)) from None


def apply_import(read: PackageRead, store: Store | None, settings: Settings, *, dry_run: bool = False,
                 replay: Replay | None = None) -> ImportReport:
    """Merge what `read_package` found into the store: new reviews, and each touched card's state rebuilt
    from its whole history, in one transaction (on failure the store is as it was).

    Args:
        read: The package's reviews.
        store: The open progress store (None, in a dry run only: there is no store yet).
        settings: The learner's settings (retention per deck, for the rebuilt states).
        dry_run: Count, write nothing.
        replay: How one review changes a card (None: as the drill reviews it now).

    Raises:
        StoreError: the store could not be written (it is as it was).
    """
    if store is None:
        plan = plan_merge(read.matched.reviews, ())
        return ImportReport(read, Merged(len(plan.new), plan.present, plan.cards, written=False))
    return ImportReport(read, merge(store, read.matched.reviews, settings, dry_run=dry_run, replay=replay))


def import_package(path: Path, decks: Sequence[Deck], store: Store, settings: Settings, *, dry_run: bool = False,
                   limits: Limits = Limits(), replay: Replay | None = None) -> ImportReport:
    """Read an Anki export (`read_package`) and merge it into the store (`apply_import`).

    The package is read completely before the store is touched.

    Raises:
        PackageError: the file cannot be read (the store was not touched).
        StoreError: the store could not be written (it is as it was).
    """
    read = read_package(path, decks, limits)
    return apply_import(read, store, settings, dry_run=dry_run, replay=replay)
