"""The notes and cards of a package's collection, inserted row by row exactly as genanki inserts them.

genanki builds a `Note` object per note, validates its tags and HTML and works out its cards on every
call; at 100k cards that Python work cost more than the database writes. `NoteWriter.write` inserts the
same rows in the same order (a note, then its cards, ids from the one counter, `mod` the build time)
with the cards a genanki note of that note type would make (`card_ords`), so the collection's bytes are
those genanki writes; `tests/test_anki_rows.py` checks this against genanki itself.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

from aiquiz.model import Kind

if TYPE_CHECKING:
    import genanki

NOTE_SQL = "INSERT INTO notes VALUES(?,?,?,?,?,?,?,?,?,?,?);"  # genanki's statements, word for word
CARD_SQL = "INSERT INTO cards VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?);"
# genanki's patterns: cloze field references in a template, gap numbers in a field
_CLOZE_FIELD = (re.compile(r"{{[^}]*?cloze:(?:[^}]?:)*(.+?)}}"), re.compile("<%cloze:(.+?)%>"))
_GAP_NUMBER = re.compile(r"{{c(\d+)::.+?}}", re.DOTALL)


def card_ords(model: genanki.Model) -> Callable[[Sequence[str]], list[int]]:
    """The ords of the cards genanki's `Note.cards` makes for a note of `model`, as a function of its fields.

    Args:
        model: A genanki note type (front/back or cloze).

    Returns:
        fields -> card ords, in genanki's order (a cloze note's gap numbers minus one, as genanki's set
        yields them; a front/back note's templates whose required fields are filled).

    Raises:
        ValueError: the model is of neither type.
    """
    if model.model_type == model.CLOZE:
        qfmt = model.templates[0]["qfmt"]
        names = set(_CLOZE_FIELD[0].findall(qfmt) + _CLOZE_FIELD[1].findall(qfmt))
        where = [next((i for i, f in enumerate(model.fields) if f["name"] == name), -1) for name in names]

        def cloze(fields: Sequence[str]) -> list[int]:
            ords: set[int] = set()  # built as genanki builds it, so it iterates in the same order
            for i in where:
                ords.update(int(m) - 1 for m in _GAP_NUMBER.findall(fields[i] if i >= 0 else "") if int(m) > 0)
            return list(ords)

        return cloze
    if model.model_type == model.FRONT_BACK:
        required = [(ord_, any if how == "any" else all, tuple(fields)) for ord_, how, fields in model._req]

        def front_back(fields: Sequence[str]) -> list[int]:
            return [ord_ for ord_, test, needed in required if test(fields[i] for i in needed)]

        return front_back
    raise ValueError("Expected model_type CLOZE or FRONT_BACK")


class NoteWriter:
    """Inserts notes and their cards into a collection genanki has set up, as genanki's `Note.write_to_db`.

    Args:
        cursor: The collection (genanki's schema and `col` row written).
        models: The note type of each card kind.
        build_time: Every row's `mod`.
        ids: The note and card id counter (shared with genanki, in write order).
    """

    def __init__(self, cursor: sqlite3.Cursor, models: Mapping[Kind, genanki.Model], build_time: int,
                 ids: Iterator[int]) -> None:
        self._execute = cursor.execute
        self._types = {kind: (m.model_id, len(m.fields), m.sort_field_index, card_ords(m))
                       for kind, m in models.items()}
        self._mod = build_time
        self._ids = ids

    def write(self, kind: Kind, deck_id: int, guid: str, fields: list[str], tags: str,
              due: int) -> tuple[int, str, int]:
        """Insert one note of the note type of `kind` and its cards.

        Args:
            kind: The card kind (its note type).
            deck_id: The Anki deck of the note's cards.
            guid: The note's GUID.
            fields: The field values (one per field of the note type).
            tags: The tags as stored: space-separated with a space at each end (genanki's `_format_tags`).
            due: The new cards' position.

        Returns:
            (note id, the fields as stored, number of cards).

        Raises:
            ValueError: the number of fields is not the note type's.
        """
        mid, n_fields, sort_field, ords = self._types[kind]
        if len(fields) != n_fields:
            raise ValueError(f"note type {mid} has {n_fields} fields, but the note has {len(fields)}")
        mod, ids, execute = self._mod, self._ids, self._execute
        nid, flds = next(ids), "\x1f".join(fields)
        execute(NOTE_SQL, (nid, guid, mid, mod, -1, tags, flds, fields[sort_field], 0, 0, ""))
        cards = ords(fields)
        for ord_ in cards:
            execute(CARD_SQL, (next(ids), nid, deck_id, ord_, mod, -1, 0, 0, due, 0, 0, 0, 0, 0, 0, 0, 0, ""))
        return nid, flds, len(cards)
