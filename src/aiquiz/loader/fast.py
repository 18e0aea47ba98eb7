"""The fast path for a card that is written as expected: one tight pass over its values, no bookkeeping.

A card arrives as plain values: from `plainyaml.read_plain` (a file in plain YAML), or from `plain_of`
(a card node composed by libyaml). `fast_card` builds the card only when every value is exactly what
the format asks for (known and unique keys, non-empty text, ids and numbers as written by hand...); at
the first thing it does not expect it returns None and the careful reader (`DeckReader.card`) reads the
card, finding and wording every problem. So the fast path decides nothing about errors: it can only
accept a card the careful reader would accept, and must then build the very same card (hypothesis tests
compare the routes on generated and mutated decks).

In plain values a str is a scalar that was written unquoted, or quoted but not looking like a number or
a boolean; a `Quoted` is a quoted one that does. So "written unquoted" (numbers, booleans, accept's gap
numbers) is `value.__class__ is str`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from aiquiz import spec
from aiquiz.loader.checks import cross_check
from aiquiz.loader.nodes import _BOOLS, _ID, _INT
from aiquiz.loader.plainyaml import Quoted, quoted
from aiquiz.loader.yamlsafe import MAP_TAG, SEQ_TAG, STR_TAG
from aiquiz.model import CARD_CLASSES, AnyCard, Citation, Kind, Text
from aiquiz.spec import Type

_KINDS = {k.value: k for k in Kind}
_FIELDS = {kind: {f.name: f for f in spec.CARD_FIELDS + spec.KIND_FIELDS[kind]} for kind in Kind}
_REQUIRED = {kind: frozenset(n for n, f in fields.items() if f.required) for kind, fields in _FIELDS.items()}
_LANGS = frozenset({"en", "zh"})
_CITE_KEYS = frozenset(f.name for f in spec.CITE_FIELDS)
_ANCHOR_MAX: int = next(f.max for f in spec.CITE_FIELDS if f.name == "anchor" and f.max is not None)
_MISS = object()  # "not as expected": the careful reader takes over


def fast_card(values: Any, line: int, source_ids: set[str] | None) -> AnyCard | None:
    """The card in `values` (starting on `line`) when it is written exactly as expected, else None."""
    if values.__class__ is not dict:
        return None
    kind_text = values.get("kind")
    kind = _KINDS.get(kind_text) if kind_text.__class__ is str else None
    if kind is None:
        return None
    fields = _FIELDS[kind]
    if not _REQUIRED[kind] <= values.keys() or not values.keys() <= fields.keys():
        return None
    read: dict[str, Any] = {}
    readers = _READERS[kind]
    for name, value in values.items():
        if name == "kind":
            continue
        got = readers[name](value)
        if got is _MISS:
            return None
        read[name] = got
    if cross_check(kind, read, source_ids):  # the careful reader reports it, at its nodes
        return None
    return CARD_CLASSES[kind](**read, line=line)  # type: ignore[return-value]


def plain_of(node: Node) -> Any:
    """A composed node as plain values (see the module docstring); _MISS inside for anything unusual."""
    cls = node.__class__
    if cls is ScalarNode:
        if node.tag != STR_TAG:
            return _MISS
        return quoted(node.value) if node.style else node.value  # type: ignore[attr-defined]
    if cls is SequenceNode:
        return [plain_of(item) for item in node.value] if node.tag == SEQ_TAG else _MISS
    if cls is not MappingNode or node.tag != MAP_TAG:
        return _MISS
    out: dict[Any, Any] = {}
    for key, value in node.value:
        name = plain_of(key)
        if name.__class__ not in (str, Quoted) or name in out:
            return _MISS
        out[name] = plain_of(value)
    return out


def _scalar(value: Any) -> str | None:
    """The text of a scalar that is not blank, else None."""
    cls = value.__class__
    if cls is str:
        return value if value.strip() else None
    if cls is Quoted:
        return str(value)  # a number or a boolean as text: never blank
    return None


def _text(value: Any) -> Any:
    """A Text from a scalar or an {en, zh} mapping of non-blank scalars."""
    if value.__class__ is dict:
        if len(value) == 2:  # the usual {en, zh}, in one go
            en, zh = value.get("en"), value.get("zh")
            if en.__class__ is str and zh.__class__ is str and en.strip() and zh.strip():
                return Text(en, zh)
        if not value or not value.keys() <= _LANGS:
            return _MISS
        langs = {}
        for lang, item in value.items():
            text = _scalar(item)
            if text is None:
                return _MISS
            langs[lang] = text
        return Text(**langs)
    plain = _scalar(value)
    return _MISS if plain is None else Text(plain=plain)


def _strings(items: Any, ids: bool = False) -> Any:
    """A tuple of non-blank scalars (ids when `ids`) from a list."""
    if items.__class__ is not list:
        return _MISS
    strings = tuple([_scalar(item) for item in items])
    if None in strings or (ids and not all(_ID.match(s) for s in strings)):  # type: ignore[arg-type]
        return _MISS
    return strings


def _reader(f: spec.Field) -> Callable[[Any], Any]:
    """The function reading one card field's value (or _MISS), made once per field."""
    kind, low, high = f.type, f.min, f.max
    if kind is Type.TEXT:
        return _text
    if kind is Type.CITES:
        return _cites
    if kind is Type.ID:
        def read_id(value: Any) -> Any:
            text = _scalar(value)
            return text if text is not None and _ID.match(text) else _MISS
        return read_id
    if kind is Type.INT:
        def read_int(value: Any) -> Any:
            if value.__class__ is not str or not _INT.match(value):
                return _MISS
            number = int(value)
            return number if (low is None or number >= low) and (high is None or number <= high) else _MISS
        return read_int
    if kind is Type.BOOL:
        return lambda value: _BOOLS.get(value, _MISS) if value.__class__ is str else _MISS

    def read_list(value: Any) -> Any:
        if kind is Type.ACCEPT and value.__class__ is dict:
            return _accept_by_gap(value)
        if value.__class__ is not list or (low is not None and len(value) < low) \
                or (high is not None and len(value) > high):
            return _MISS
        if kind is Type.TEXTS:
            texts = tuple([_text(item) for item in value])
            return _MISS if any(t is _MISS for t in texts) else texts
        if kind is Type.STRS or kind is Type.ACCEPT or kind is Type.IDS:
            return _strings(value, ids=kind is Type.IDS)
        return _MISS
    return read_list


def _accept_by_gap(value: dict[Any, Any]) -> Any:
    """{gap number: alternatives}, the keys written unquoted as whole numbers from 1."""
    out: dict[int, tuple[str, ...]] = {}
    for key, items in value.items():
        if key.__class__ is not str or not _INT.match(key) or int(key) < 1 or int(key) in out:
            return _MISS
        got = _strings(items)
        if got is _MISS:
            return _MISS
        out[int(key)] = got
    return out


def _cites(value: Any) -> Any:
    """A tuple of citations from one cite mapping or a non-empty list of them."""
    items = [value] if value.__class__ is dict else value if value.__class__ is list else None
    if not items:
        return _MISS
    out = []
    for item in items:
        if item.__class__ is not dict or not item or not item.keys() <= _CITE_KEYS:
            return _MISS
        read: dict[str, Any] = {}
        for key, got in item.items():
            if key == "section":
                got = _text(got)
            else:
                got = _scalar(got)
                if got is None or (key == "anchor" and len(got) > _ANCHOR_MAX) \
                        or (key == "source" and not _ID.match(got)):
                    return _MISS
            if got is _MISS:
                return _MISS
            read[key] = got
        out.append(Citation(**read))
    return tuple(out)


_READERS = {kind: {name: _reader(f) for name, f in fields.items()} for kind, fields in _FIELDS.items()}
