"""Write a Deck back to YAML: the inverse of `loader.parse_deck` (deck -> YAML -> deck is equal)."""

from __future__ import annotations

from typing import Any

import yaml

from aiquiz import spec
from aiquiz.model import Card, Citation, ClozeCard, Deck, Source, Text


def _text(text: Text) -> Any:
    if text.plain is not None:
        return text.plain
    return {lang: value for lang, value in (("en", text.en), ("zh", text.zh)) if value is not None}


def _source(source: Source, in_list: bool) -> Any:
    if in_list and source.id_only:
        return source.id
    out: dict[str, Any] = {"id": source.id}
    for name in ("speaker", "interviewer", "occasion", "date"):
        if getattr(source, name) is not None:
            out[name] = getattr(source, name)
    if source.urls:
        out["urls"] = list(source.urls)
    return out


def _cite(cite: Citation) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if cite.section is not None:
        out["section"] = _text(cite.section)
    if cite.anchor is not None:
        out["anchor"] = cite.anchor
    if cite.source is not None:
        out["source"] = cite.source
    return out


def card_to_dict(card: Card) -> dict[str, Any]:
    """A card as the plain mapping a deck file holds."""
    out: dict[str, Any] = {"id": card.id, "kind": card.kind.value}
    for field in spec.KIND_FIELDS[card.kind]:
        value = getattr(card, field.name)
        if value is None:
            continue
        if isinstance(value, Text):
            value = _text(value)
        elif isinstance(value, tuple):
            value = [_text(v) for v in value]
        out[field.name] = value
    if card.explain is not None:
        out["explain"] = _text(card.explain)
    if card.tags:
        out["tags"] = list(card.tags)
    if card.difficulty is not None:
        out["difficulty"] = card.difficulty
    if card.accept:
        out["accept"] = list(card.accept)
    if isinstance(card, ClozeCard) and card.accept_gaps:
        out["accept"] = {number: list(words) for number, words in card.accept_gaps}
    if card.cite:
        cites = [_cite(c) for c in card.cite]
        out["cite"] = cites if len(cites) > 1 else cites[0]
    return out


def deck_to_dict(deck: Deck) -> dict[str, Any]:
    """A deck as the plain mapping a deck file holds."""
    if deck.source_is_list:
        source: Any = [_source(s, True) for s in deck.sources]
    else:
        source = _source(deck.sources[0], False)
    return {"deck": deck.id, "title": _text(deck.title), "source": source,
            "cards": [card_to_dict(c) for c in deck.cards]}


def dump_deck(deck: Deck) -> str:
    """The YAML text of a deck file."""
    return str(yaml.safe_dump(deck_to_dict(deck), allow_unicode=True, sort_keys=False, width=100))
