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
    # `aiquiz anki --type-answers`: Anki's type-in comparison against `Typed` (one language, plain text)
    NoteTypeSpec("aiquiz basic typed v1", ("Front", "Back", "Typed", "Explain", "Cite", "Id"), ("Card 1",)),
    NoteTypeSpec("aiquiz cloze typed v1", ("Text", "Back", "Typed", "Explain", "Cite", "Id"), ("Cloze",),
                 cloze=True),
)}

# The version each kind is exported with now.
CURRENT: dict[Kind, str] = {
    Kind.BASIC: "aiquiz basic v1",
    Kind.CLOZE: "aiquiz cloze v1",
    Kind.CHOICE: "aiquiz choice v1",
    Kind.TRUEFALSE: "aiquiz truefalse v1",
}

# The version each kind is exported with by `--type-answers` (kinds without typing keep CURRENT's).
TYPED: dict[Kind, str] = {
    Kind.BASIC: "aiquiz basic typed v1",
    Kind.CLOZE: "aiquiz cloze typed v1",
}

_TEMPLATES = "templates/anki"


def note_type_name(kind: Kind, typed: bool = False) -> str:
    """The note type a card of `kind` is exported with (the type-in version when `typed` and there is one)."""
    return TYPED.get(kind, CURRENT[kind]) if typed else CURRENT[kind]


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


def note_guid(deck_id: str, card_id: str) -> str:
    """The Anki note GUID of a card: genanki's `guid_for("aiquiz", deck id, card id)`.

    It ties a note in any package or collection to the card `deck/card`, whatever the note's text,
    language or note type; the progress exchange matches notes by it. Computed here as genanki does
    (the first 8 bytes of a SHA-256, in Anki's base 91; see `_base91`): it runs for every note.
    """
    return _base91(int.from_bytes(hashlib.sha256(f"aiquiz__{deck_id}__{card_id}".encode()).digest()[:8], "big"))


def _base91(number: int) -> str:
    """A number below 2**64 in genanki's base 91 (no leading zero digits; "" for 0), two digits at a time."""
    top, rest = divmod(number, _PAIR_4)  # top < 91**2, as 91**10 > 2**64
    second, rest = divmod(rest, _PAIR_3)
    third, rest = divmod(rest, _PAIR_2)
    fourth, fifth = divmod(rest, _PAIR_1)
    pairs = _BASE91_PAIRS
    body = pairs[second] + pairs[third] + pairs[fourth] + pairs[fifth]
    if top >= len(_BASE91):
        return pairs[top] + body
    return _BASE91[top] + body if top else body.lstrip(_BASE91[0])


# genanki's base-91 digits (`genanki.util.BASE91_TABLE`), every two-digit string in order, 91**2, 91**4, ...
_BASE91 = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&()*+,-./:;<=>?@[]^_`{|}~"
_BASE91_PAIRS = [a + b for a in _BASE91 for b in _BASE91]
_PAIR_1 = len(_BASE91_PAIRS)
_PAIR_2, _PAIR_3, _PAIR_4 = _PAIR_1 * _PAIR_1, _PAIR_1 * _PAIR_1 * _PAIR_1, _PAIR_1 * _PAIR_1 * _PAIR_1 * _PAIR_1


def _resource(name: str) -> str:
    return (resources.files("aiquiz") / _TEMPLATES / name).read_text(encoding="utf-8")


@cache
def stylesheet() -> str:
    """The one stylesheet every note type uses."""
    return _resource("style.css")


@cache
def card_templates(kind: Kind, typed: bool = False) -> tuple[str, str]:
    """The front and back card templates of a kind (the shared footer filled into the back).

    Args:
        kind: The card kind.
        typed: The type-in version (`<kind>.typed.front.html`), for the kinds in TYPED.

    Returns:
        (front template, back template), in Anki's template syntax.
    """
    stem = f"{kind.value}.typed" if typed and kind in TYPED else kind.value
    front = _resource(f"{stem}.front.html")
    back = _resource(f"{stem}.back.html").replace("<!--footer-->", _resource("footer.html").strip())
    return front, back


def note_model(kind: Kind, typed: bool = False) -> genanki.Model:
    """A fresh genanki model for the note type of `kind` (see `note_type_name`).

    Args:
        kind: The card kind.
        typed: Basic and cloze cards with Anki's type-in comparison.

    Returns:
        A genanki.Model (a new object each call: genanki mutates models while writing).
    """
    import genanki

    spec = CONTRACT[note_type_name(kind, typed)]
    front, back = card_templates(kind, typed)
    return genanki.Model(
        model_id=stable_id("notetype", spec.name),
        name=spec.name,
        fields=[{"name": name} for name in spec.fields],
        templates=[{"name": spec.templates[0], "qfmt": front, "afmt": back}],
        css=stylesheet(),
        model_type=genanki.Model.CLOZE if spec.cloze else genanki.Model.FRONT_BACK,
    )
