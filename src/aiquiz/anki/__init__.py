"""Anki export: note types with stable ids (`notetypes`), field HTML (`fields`), package writing (`build`).

`build_apkg(decks, out_path, filters=..., lang=..., build_time=...)` is the entry point.
"""

from aiquiz.anki.build import BuildReport, DeckSummary, anki_deck_name, build_apkg, default_build_time
from aiquiz.anki.notetypes import CONTRACT, CURRENT, NoteTypeSpec, stable_id

__all__ = [
    "CONTRACT", "CURRENT", "BuildReport", "DeckSummary", "NoteTypeSpec", "anki_deck_name", "build_apkg",
    "default_build_time", "stable_id",
]
