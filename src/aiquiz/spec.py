"""The deck format, written once.

The loader checks deck files against these tables, and `json_schema()` turns the same tables into the
JSON Schema published as `schema/deck.schema.json` (regenerate it with `aiquiz schema`). Change the
format here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from aiquiz.model import Kind

ID_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
MAX_ANCHOR = 40
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ALIAS_EXPANSION = 1000
SCHEMA_ID = "https://github.com/aiquiz/aiquiz/schema/deck.schema.json"


class Type(Enum):
    """The value types a deck field can hold."""

    ID = "id"  # lowercase letters, digits and '-'
    STR = "string"  # plain text, one language
    TEXT = "text"  # a string, or {en: ..., zh: ...}
    TEXTS = "list of texts"
    STRS = "list of strings"
    IDS = "list of ids"
    INT = "integer"
    BOOL = "true or false"
    KIND = "card kind"
    SOURCE = "source"  # a source mapping, or a list of source ids / mappings
    CITES = "citation"  # a cite mapping, or a list of them
    CARDS = "list of cards"
    ACCEPT = "alternative answers"  # a list, or on a cloze card a mapping gap number -> list


@dataclass(frozen=True)
class Field:
    """One key of a mapping in a deck file."""

    name: str
    type: Type
    required: bool
    doc: str
    min: int | None = None
    max: int | None = None


DECK_FIELDS = (
    Field("deck", Type.ID, True, "Deck id: lowercase letters, digits and '-'; unique across decks."),
    Field("title", Type.TEXT, True, "The deck's title."),
    Field("source", Type.SOURCE, True, "The interview: a mapping, or a list of source ids/mappings."),
    Field("cards", Type.CARDS, True, "The cards.", min=1),
)

SOURCE_FIELDS = (
    Field("id", Type.ID, True, "Source id, e.g. devday-2024."),
    Field("speaker", Type.STR, False, "Who is interviewed."),
    Field("interviewer", Type.STR, False, "Who asks."),
    Field("occasion", Type.STR, False, "Where and why the interview took place."),
    Field("date", Type.STR, False, "When (text: 2024-10-30, 2025-03, 2022 (autumn))."),
    Field("urls", Type.STRS, False, "Links to the original interview and article."),
)

CITE_FIELDS = (
    Field("section", Type.TEXT, False, "The section of the interview."),
    Field("anchor", Type.STR, False, "A verbatim phrase locating the passage.", max=MAX_ANCHOR),
    Field("source", Type.ID, False, "Which source, in a deck drawing on several."),
)

CARD_FIELDS = (
    Field("id", Type.ID, True, "Card id: unique in its deck and stable forever."),
    Field("kind", Type.KIND, True, "basic, cloze, choice or truefalse."),
    Field("explain", Type.TEXT, False, "What was said, in context, and why it matters."),
    Field("tags", Type.IDS, False, "Topic tags."),
    Field("difficulty", Type.INT, False, "1 (easy) to 3 (hard).", min=1, max=3),
    Field("accept", Type.ACCEPT, False, "Alternative typed answers: a list, or on a cloze card a mapping "
          "from gap number to a list (required when the card has several gaps)."),
    Field("cite", Type.CITES, False, "Where the card comes from: a mapping or a list of them."),
)

KIND_FIELDS: dict[Kind, tuple[Field, ...]] = {
    Kind.BASIC: (
        Field("front", Type.TEXT, True, "The question."),
        Field("back", Type.TEXT, True, "The answer."),
    ),
    Kind.CLOZE: (
        Field("text", Type.TEXT, True, "Text with {{c1::...}} gaps."),
        Field("back", Type.TEXT, False, "Extra shown with the answer."),
    ),
    Kind.CHOICE: (
        Field("front", Type.TEXT, True, "The question."),
        Field("choices", Type.TEXTS, True, "2 to 6 choices.", min=2, max=6),
        Field("answer", Type.INT, True, "0-based index of the right choice.", min=0, max=5),
    ),
    Kind.TRUEFALSE: (
        Field("statement", Type.TEXT, True, "A statement to judge."),
        Field("answer", Type.BOOL, True, "Whether it is true."),
    ),
}


def _string(min_length: int = 1) -> dict[str, Any]:
    return {"type": "string", "minLength": min_length, "pattern": r"\S"}


def _field_schema(f: Field) -> dict[str, Any]:
    simple: dict[Type, dict[str, Any]] = {
        Type.ID: {"type": "string", "pattern": ID_PATTERN},
        Type.STR: _string(),
        Type.TEXT: {"$ref": "#/$defs/text"},
        Type.TEXTS: {"type": "array", "items": {"$ref": "#/$defs/text"}},
        Type.STRS: {"type": "array", "items": _string()},
        Type.IDS: {"type": "array", "items": {"type": "string", "pattern": ID_PATTERN}},
        Type.INT: {"type": "integer"},
        Type.BOOL: {"type": "boolean"},
        Type.KIND: {"enum": [k.value for k in Kind]},
        Type.SOURCE: {"oneOf": [
            {"$ref": "#/$defs/source"},
            {"type": "array", "minItems": 1, "items": {"oneOf": [
                {"type": "string", "pattern": ID_PATTERN}, {"$ref": "#/$defs/source"}]}},
        ]},
        Type.CITES: {"oneOf": [
            {"$ref": "#/$defs/cite"},
            {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/cite"}},
        ]},
        Type.CARDS: {"type": "array", "items": {"$ref": "#/$defs/card"}},
        Type.ACCEPT: {"oneOf": [
            {"type": "array", "items": _string()},
            {"type": "object", "minProperties": 1, "additionalProperties": False,
             "patternProperties": {r"^[1-9][0-9]*$": {"type": "array", "items": _string()}}},
        ]},
    }
    out = dict(simple[f.type])
    bounds = {Type.INT: ("minimum", "maximum"), Type.TEXTS: ("minItems", "maxItems"),
              Type.CARDS: ("minItems", "maxItems"), Type.STR: ("minLength", "maxLength")}
    if f.type in bounds:
        low, high = bounds[f.type]
        if f.min is not None:
            out[low] = f.min
        if f.max is not None:
            out[high] = f.max
    out["description"] = f.doc
    return out


def _object(fields: tuple[Field, ...]) -> dict[str, Any]:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": [f.name for f in fields if f.required],
        "properties": {f.name: _field_schema(f) for f in fields},
    }


def _card_schema(kind: Kind) -> dict[str, Any]:
    schema = _object(CARD_FIELDS + KIND_FIELDS[kind])
    schema["properties"]["kind"] = {"const": kind.value, "description": "The card kind."}
    return {"if": {"properties": {"kind": {"const": kind.value}}, "required": ["kind"]}, "then": schema}


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a deck file, built from the field tables above.

    Returns:
        A JSON-serialisable dict (draft 2020-12).
    """
    text = {"oneOf": [
        _string(),
        {"type": "object", "additionalProperties": False, "minProperties": 1,
         "properties": {"en": _string(), "zh": _string()}},
    ], "description": "A string, or {en: ..., zh: ...} (simplified Chinese)."}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "aiquiz deck",
        "description": "A deck of study cards about an interview. See docs/deck-format.md.",
        **_object(DECK_FIELDS),
        "$defs": {
            "text": text,
            "source": _object(SOURCE_FIELDS),
            "cite": _object(CITE_FIELDS),
            "card": {
                "type": "object",
                "required": ["id", "kind"],
                "properties": {"kind": _field_schema(CARD_FIELDS[1])},
                "allOf": [_card_schema(kind) for kind in Kind],
            },
        },
    }
