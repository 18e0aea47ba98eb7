"""The fast path for a card that is written as expected: one tight pass over its nodes, no bookkeeping.

`fast_card` reads a card only when every node is exactly what the format asks for (the right tags,
known and unique keys, non-empty text, ids and numbers as written by hand...); at the first thing it
does not expect it returns None and `DeckReader.card` reads the card again the careful way, which
finds and words every problem. So the fast path decides nothing about errors: it can only accept a
card the careful reader would accept, and must then build the very same card (a hypothesis test
compares the two on generated and mutated decks).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from aiquiz import spec
from aiquiz.loader.nodes import _BOOLS, _ID, _INT
from aiquiz.loader.yamlsafe import MAP_TAG, SEQ_TAG, STR_TAG
from aiquiz.model import CARD_CLASSES, AnyCard, Citation, Kind, Text
from aiquiz.spec import Type

if TYPE_CHECKING:
    from aiquiz.loader.cards import DeckReader

_KINDS = {k.value: k for k in Kind}
_FIELDS = {kind: {f.name: f for f in spec.CARD_FIELDS + spec.KIND_FIELDS[kind]} for kind in Kind}
_REQUIRED = {kind: frozenset(n for n, f in fields.items() if f.required) for kind, fields in _FIELDS.items()}
_LANGS = frozenset({"en", "zh"})
_CITE_KEYS = frozenset(f.name for f in spec.CITE_FIELDS)
_ANCHOR_MAX: int = next(f.max for f in spec.CITE_FIELDS if f.name == "anchor" and f.max is not None)
_MISS = object()  # "not as expected": the careful reader takes over


def fast_card(reader: DeckReader, node: Node, source_ids: set[str] | None) -> AnyCard | None:
    """The card in `node` when it is written exactly as expected, else None (nothing is recorded)."""
    if node.__class__ is not MappingNode or node.tag != MAP_TAG:
        return None
    nodes: dict[str, Node] = {}
    for key, value in node.value:
        if key.__class__ is not ScalarNode or key.tag != STR_TAG or key.value in nodes:
            return None
        nodes[key.value] = value
    kind = _KINDS.get(_scalar(nodes.get("kind")))  # type: ignore[arg-type]
    if kind is None:
        return None
    fields = _FIELDS[kind]
    if not _REQUIRED[kind] <= nodes.keys() or not nodes.keys() <= fields.keys():
        return None
    read: dict[str, Any] = {}
    for name, value in nodes.items():
        if name == "kind":
            continue
        got = _value(fields[name].type, value, fields[name])
        if got is _MISS:
            return None
        read[name] = got
    before = len(reader.problems)
    reader.check_card(kind, read, nodes, source_ids)
    if len(reader.problems) > before:  # the careful reader reports it, in its own order
        del reader.problems[before:]
        return None
    return CARD_CLASSES[kind](**read, line=node.start_mark.line + 1)  # type: ignore[return-value]


def _scalar(node: Node | None) -> str | None:
    """The text of a plain-tagged scalar that is not blank, else None."""
    if node is None or node.__class__ is not ScalarNode or node.tag != STR_TAG:
        return None
    text: str = node.value
    return text if text.strip() else None


def _text(node: Node) -> Any:
    """A Text from a scalar or an {en, zh} mapping of non-blank scalars."""
    if node.__class__ is ScalarNode:
        plain = _scalar(node)
        return _MISS if plain is None else Text(plain=plain)
    if node.__class__ is not MappingNode or node.tag != MAP_TAG or not node.value:
        return _MISS
    langs: dict[str, str] = {}
    for key, value in node.value:
        if key.__class__ is not ScalarNode or key.tag != STR_TAG or key.value not in _LANGS or key.value in langs:
            return _MISS
        text = _scalar(value)
        if text is None:
            return _MISS
        langs[key.value] = text
    return Text(**langs)


def _items(node: Node) -> list[Node] | None:
    if node.__class__ is SequenceNode and node.tag == SEQ_TAG:
        items: list[Node] = node.value
        return items
    return None


def _value(kind: Type, node: Node, f: spec.Field) -> Any:
    """The value of one card field, or _MISS."""
    if kind is Type.TEXT:
        return _text(node)
    if kind is Type.ID:
        text = _scalar(node)
        return text if text is not None and _ID.match(text) else _MISS
    if kind is Type.TEXTS or kind is Type.STRS or kind is Type.IDS or kind is Type.ACCEPT:
        items = _items(node)
        if items is None or (f.min is not None and len(items) < f.min) or (f.max is not None and len(items) > f.max):
            return _MISS
        if kind is Type.TEXTS:
            texts = tuple(_text(item) for item in items)
            return _MISS if _MISS in texts else texts
        strings = tuple(_scalar(item) for item in items)
        if None in strings or (kind is Type.IDS and not all(_ID.match(s) for s in strings)):  # type: ignore[arg-type]
            return _MISS
        return strings
    if kind is Type.INT:
        if node.__class__ is not ScalarNode or node.tag != STR_TAG or node.style or not _INT.match(node.value):
            return _MISS
        number = int(node.value)
        return number if (f.min is None or number >= f.min) and (f.max is None or number <= f.max) else _MISS
    if kind is Type.BOOL:
        if node.__class__ is not ScalarNode or node.tag != STR_TAG or node.style:
            return _MISS
        return _BOOLS.get(node.value, _MISS)
    if kind is Type.CITES:
        return _cites(node)
    return _MISS


def _cites(node: Node) -> Any:
    """A tuple of citations from one cite mapping or a non-empty list of them."""
    items = [node] if node.__class__ is MappingNode else _items(node)
    if not items:
        return _MISS
    out = []
    for item in items:
        if item.__class__ is not MappingNode or item.tag != MAP_TAG or not item.value:
            return _MISS
        read: dict[str, Any] = {}
        for key, value in item.value:
            if key.__class__ is not ScalarNode or key.tag != STR_TAG or key.value not in _CITE_KEYS \
                    or key.value in read:
                return _MISS
            if key.value == "section":
                got = _text(value)
            else:
                got = _scalar(value)
                if got is None or (key.value == "anchor" and len(got) > _ANCHOR_MAX) \
                        or (key.value == "source" and not _ID.match(got)):
                    return _MISS
            if got is _MISS:
                return _MISS
            read[key.value] = got
        out.append(Citation(**read))
    return tuple(out)
