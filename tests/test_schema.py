"""The JSON Schema is generated from the one format definition, and agrees with the loader."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from aiquiz.errors import DeckError
from aiquiz.loader import parse_deck
from aiquiz.spec import json_schema

from conftest import DECKS, FIXTURES, ROOT

SCHEMA = ROOT / "schema" / "deck.schema.json"


def test_published_schema_is_the_generated_one() -> None:
    published = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert published == json_schema(), "regenerate with: aiquiz schema > schema/deck.schema.json"
    jsonschema.Draft202012Validator.check_schema(published)


def _docs_example() -> str:
    doc = (ROOT / "docs" / "deck-format.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", doc, flags=re.DOTALL)
    full = [b for b in blocks if b.startswith("deck:")]
    assert full, "docs/deck-format.md must hold a full example deck"
    return full[0]


def _valid_files() -> list[Path]:
    return [FIXTURES / "valid" / "sample.yaml", *sorted(DECKS.glob("*.yaml"))]


@pytest.mark.parametrize("path", _valid_files(), ids=lambda p: p.name)
def test_valid_decks_pass_the_schema(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    parse_deck(text, str(path))
    jsonschema.validate(_as_json(yaml.safe_load(text)), json_schema())


def _as_json(data: object) -> object:
    """The data as a JSON document holds it (mapping keys are strings: `accept: {1: [...]}` has key "1")."""
    import json

    return json.loads(json.dumps(data))


def test_docs_example_is_a_valid_deck() -> None:
    text = _docs_example()
    deck = parse_deck(text, "docs/deck-format.md")
    assert {c.kind.value for c in deck.cards} == {"basic", "cloze", "choice", "truefalse"}
    jsonschema.validate(yaml.safe_load(text), json_schema())


@pytest.mark.parametrize("name", ["unknown-key", "duplicate-card-id", "choice-too-few", "difficulty-range",
                                  "unknown-kind", "missing-field", "bad-card-id", "empty-text",
                                  "long-anchor", "unknown-language"])
def test_schema_and_loader_both_refuse(name: str) -> None:
    path = FIXTURES / "invalid" / f"{name}.yaml"
    text = path.read_text(encoding="utf-8")
    with pytest.raises(DeckError):
        parse_deck(text, name)
    if name == "duplicate-card-id":
        return  # uniqueness across items is beyond JSON Schema; the loader alone checks it
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(yaml.safe_load(text), json_schema())
