"""Anki export: note types with stable ids (`notetypes`), field HTML (`fields`), package writing (`build`,
with the rows genanki would insert written by `notes`);
the progress exchange with the drill (`progress_export`, `package_reader`, `progress_import`).

`build_apkg(decks, out_path, filters=..., lang=..., build_time=..., type_answers=..., previous=...)` is the
entry point; `history` gives notes the modification times that carry every change to Anki, `preset` the
"aiquiz" deck options preset the package carries.
"""

from aiquiz.anki.build import BuildReport, DeckSummary, anki_deck_name, build_apkg, default_build_time
from aiquiz.anki.notetypes import CONTRACT, CURRENT, TYPED, NoteTypeSpec, stable_id
from aiquiz.anki.preset import PRESET, StudyPreset

__all__ = [
    "CONTRACT", "CURRENT", "PRESET", "TYPED", "BuildReport", "DeckSummary", "NoteTypeSpec", "StudyPreset",
    "anki_deck_name", "build_apkg", "default_build_time", "stable_id",
]
