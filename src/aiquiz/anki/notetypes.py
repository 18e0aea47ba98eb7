"""Anki note types: one per card kind, with a versioned field contract and ids fixed per name.

Anki matches an incoming note type to the one in the user's collection by id, and treats it as the same
only while its field names and template names are unchanged; otherwise it adds a copy and refuses to
update existing notes ("conflicting"). So a note type's fields never change under the same name: a new
field list gets a new version, hence a new name and id (add it to `CONTRACT`, keep the old entries).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

from aiquiz.model import Kind

if TYPE_CHECKING:
    import genanki


@dataclass(frozen=True)
class NoteTypeSpec:
    """One version of a note type: its name, field names and card template names."""

    name: str
    fields: tuple[str, ...]
    templates: tuple[str, ...]
    cloze: bool = False


# Every note type version ever published. Never edit or remove an entry: add a new version instead.
CONTRACT: dict[str, NoteTypeSpec] = {spec.name: spec for spec in (
    NoteTypeSpec("aiquiz basic v1", ("Front", "Back", "Explain", "Cite", "Id"), ("Card 1",)),
    NoteTypeSpec("aiquiz cloze v1", ("Text", "Back", "Explain", "Cite", "Id"), ("Cloze",), cloze=True),
    NoteTypeSpec("aiquiz choice v1", ("Question", "Choices", "Answer", "Explain", "Cite", "Id"), ("Card 1",)),
    NoteTypeSpec("aiquiz truefalse v1", ("Statement", "Prompt", "Answer", "Explain", "Cite", "Id"),
                 ("Card 1",)),
)}

# The version each kind is exported with now.
CURRENT: dict[Kind, str] = {
    Kind.BASIC: "aiquiz basic v1",
    Kind.CLOZE: "aiquiz cloze v1",
    Kind.CHOICE: "aiquiz choice v1",
    Kind.TRUEFALSE: "aiquiz truefalse v1",
}

_TEMPLATES = "templates/anki"


def stable_id(namespace: str, name: str) -> int:
    """A fixed Anki id for a name: the first 8 bytes of sha256("aiquiz:<namespace>:<name>").

    The result lies in [2**30, 2**31), the range genanki recommends for hand-picked ids; it never
    depends on Python's randomised `hash()`, the build time or any card content.

    Args:
        namespace: What the id is for ("notetype", "deck").
        name: The note type name or deck id.

    Returns:
        The id.
    """
    digest = hashlib.sha256(f"aiquiz:{namespace}:{name}".encode()).digest()
    return (1 << 30) + int.from_bytes(digest[:8], "big") % (1 << 30)


def _resource(name: str) -> str:
    return (resources.files("aiquiz") / _TEMPLATES / name).read_text(encoding="utf-8")


@cache
def stylesheet() -> str:
    """The one stylesheet every note type uses."""
    return _resource("style.css")


@cache
def card_templates(kind: Kind) -> tuple[str, str]:
    """The front and back card templates of a kind (the shared footer filled into the back).

    Args:
        kind: The card kind.

    Returns:
        (front template, back template), in Anki's template syntax.
    """
    front = _resource(f"{kind.value}.front.html")
    back = _resource(f"{kind.value}.back.html").replace("<!--footer-->", _resource("footer.html").strip())
    return front, back


def note_model(kind: Kind) -> genanki.Model:
    """A fresh genanki model for the current note type of `kind`.

    Args:
        kind: The card kind.

    Returns:
        A genanki.Model (a new object each call: genanki mutates models while writing).
    """
    import genanki

    spec = CONTRACT[CURRENT[kind]]
    front, back = card_templates(kind)
    return genanki.Model(
        model_id=stable_id("notetype", spec.name),
        name=spec.name,
        fields=[{"name": name} for name in spec.fields],
        templates=[{"name": spec.templates[0], "qfmt": front, "afmt": back}],
        css=stylesheet(),
        model_type=genanki.Model.CLOZE if spec.cloze else genanki.Model.FRONT_BACK,
    )
