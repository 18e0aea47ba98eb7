"""Reading typed values from YAML nodes: text, strings, numbers, lists, citations and sources.

`NodeReader` collects problems (file, line, card id) instead of stopping, so every problem of a file
is reported at once. What a card and a deck are is `aiquiz.loader.cards`' business.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from aiquiz import spec
from aiquiz.errors import Problem
from aiquiz.loader.yamlsafe import MAP_TAG, SEQ_TAG, STR_TAG, line_of
from aiquiz.model import Citation, Kind, Source, Text
from aiquiz.spec import Field, Type

_INT = re.compile(r"^[-+]?[0-9]+$")
_ID = re.compile(spec.ID_PATTERN)
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}


class NodeReader:
    """Reads the typed values of one file's nodes, collecting problems instead of stopping."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []
        self.card_id: str | None = None

    def fail(self, node: Node | int | None, message: str) -> None:
        """Record a problem at a node (or a line number) of the current card."""
        line = node if isinstance(node, int) or node is None else line_of(node)
        self.problems.append(Problem(self.path, line, message, self.card_id))

    def tag_ok(self, node: Node) -> bool:
        """False (and a problem) for a node with an explicit YAML tag such as !!python/object."""
        if node.tag in (STR_TAG, SEQ_TAG, MAP_TAG):
            return True
        self.fail(node, f"YAML tags are not allowed: {node.tag.replace('tag:yaml.org,2002:', '!!')}")
        return False

    def mapping(self, node: Node, fields: Sequence[Field], what: str) -> dict[str, Node] | None:
        """The keys of a mapping node, after checking duplicates, unknown and missing keys."""
        if not self.tag_ok(node):
            return None
        if not isinstance(node, MappingNode):
            self.fail(node, f"{what} must be a mapping")
            return None
        known = {f.name for f in fields}
        out: dict[str, Node] = {}
        for key, value in node.value:
            if not isinstance(key, ScalarNode) or not self.tag_ok(key):
                if isinstance(key, ScalarNode):
                    continue
                self.fail(key, f"{what}: keys must be plain words")
                continue
            if key.value in out:
                self.fail(key, f"duplicate key '{key.value}'")
            elif key.value not in known:
                close = difflib.get_close_matches(key.value, sorted(known), n=1)
                hint = f"did you mean '{close[0]}'?" if close else \
                    f"expected one of: {', '.join(f.name for f in fields)}"
                self.fail(key, f"unknown key '{key.value}' in {what} ({hint})")
            else:
                out[key.value] = value
        for f in fields:
            if f.required and f.name not in out:
                self.fail(node, f"{what} is missing '{f.name}'")
        return out

    def read_fields(self, values: dict[str, Node], fields: Sequence[Field]) -> dict[str, Any]:
        """The values of the fields present, read by type; a field whose value is invalid is left out."""
        out: dict[str, Any] = {}
        for f in fields:
            if f.name in values:
                value = self.value(values[f.name], f)
                if value is not None:
                    out[f.name] = value
        return out

    # --- typed values --------------------------------------------------------------------------

    def value(self, node: Node, f: Field) -> Any:
        """The value of field `f` read from `node` by its type, or None (and a problem)."""
        if not self.tag_ok(node):
            return None
        match f.type:
            case Type.ID | Type.STR | Type.KIND:
                return self.string(node, f)
            case Type.TEXT:
                return self.text(node, f.name)
            case Type.TEXTS:
                items = self.sequence(node, f)
                texts = [self.text(n, f"{f.name}[{i}]") for i, n in enumerate(items or [])]
                return None if items is None or None in texts else tuple(texts)
            case Type.STRS | Type.IDS:
                items = self.sequence(node, f)
                kind = Type.ID if f.type is Type.IDS else Type.STR
                got = [self.string(n, Field(f.name, kind, True, "")) for n in items or []]
                return None if items is None or None in got else tuple(got)
            case Type.INT:
                return self.integer(node, f)
            case Type.BOOL:
                return self.boolean(node, f)
            case Type.ACCEPT:
                return self.accept(node, f)
            case Type.CITES:
                return self.cites(node)
            case Type.SOURCE:
                return self.sources(node)
        raise AssertionError(f.type)  # pragma: no cover - every Type is handled above

    def accept(self, node: Node, f: Field) -> tuple[str, ...] | dict[int, tuple[str, ...]] | None:
        """A list of alternatives, or a mapping from gap number to a list (checked against the gaps later)."""
        if not isinstance(node, MappingNode):
            return self.value(node, Field(f.name, Type.STRS, f.required, f.doc))  # type: ignore[no-any-return]
        out: dict[int, tuple[str, ...]] = {}
        for key, item in node.value:
            if not (isinstance(key, ScalarNode) and not key.style and _INT.match(key.value)
                    and int(key.value) >= 1):
                self.fail(key, f"'accept' keys are gap numbers (1 for {{{{c1::...}}}}), not {key.value!r}")
                continue
            got = self.value(item, Field(f"accept.{key.value}", Type.STRS, True, ""))
            if got is not None:
                out[int(key.value)] = got
        return out if len(out) == len(node.value) else None

    def string(self, node: Node, f: Field) -> str | None:
        """A non-empty scalar (an id, a kind or plain text), checked against the field's pattern and bounds."""
        if not isinstance(node, ScalarNode):
            self.fail(node, f"'{f.name}' must be text, not a {'list' if isinstance(node, SequenceNode) else 'mapping'}")
            return None
        text: str = node.value
        if not text.strip():
            self.fail(node, f"'{f.name}' is empty")
            return None
        if f.type is Type.ID and not _ID.match(text):
            self.fail(node, f"'{f.name}' must use lowercase letters, digits and '-' only: {text!r}")
            return None
        if f.type is Type.KIND and text not in {k.value for k in Kind}:
            self.fail(node, f"unknown kind {text!r} (expected one of: {', '.join(k.value for k in Kind)})")
            return None
        if f.max is not None and len(text) > f.max:
            self.fail(node, f"'{f.name}' is longer than {f.max} characters ({len(text)})")
            return None
        return text

    def text(self, node: Node, name: str) -> Text | None:
        """A text: a plain string, or a mapping {en: ..., zh: ...}."""
        if not self.tag_ok(node):
            return None
        if isinstance(node, ScalarNode):
            plain = self.string(node, Field(name, Type.STR, True, ""))
            return None if plain is None else Text(plain=plain)
        langs = (Field("en", Type.STR, False, ""), Field("zh", Type.STR, False, ""))
        values = self.mapping(node, langs, f"'{name}'")
        if values is None:
            return None
        if not values:
            self.fail(node, f"'{name}' needs 'en' or 'zh'")
            return None
        got = {k: self.string(v, Field(f"{name}.{k}", Type.STR, True, "")) for k, v in values.items()}
        return None if None in got.values() else Text(**got)

    def sequence(self, node: Node, f: Field) -> list[Node] | None:
        """The items of a list node, within the field's bounds."""
        if not isinstance(node, SequenceNode):
            self.fail(node, f"'{f.name}' must be a list")
            return None
        if f.min is not None and len(node.value) < f.min:
            self.fail(node, f"'{f.name}' needs at least {f.min} items, has {len(node.value)}")
            return None
        if f.max is not None and len(node.value) > f.max:
            self.fail(node, f"'{f.name}' allows at most {f.max} items, has {len(node.value)}")
            return None
        return list(node.value)

    def integer(self, node: Node, f: Field) -> int | None:
        """A whole number written unquoted, within the field's bounds."""
        if not (isinstance(node, ScalarNode) and not node.style and _INT.match(node.value)):
            self.fail(node, f"'{f.name}' must be a whole number")
            return None
        number = int(node.value)
        if (f.min is not None and number < f.min) or (f.max is not None and number > f.max):
            self.fail(node, f"'{f.name}' must be between {f.min} and {f.max}, not {number}")
            return None
        return number

    def boolean(self, node: Node, f: Field) -> bool | None:
        """true or false, written unquoted."""
        if isinstance(node, ScalarNode) and not node.style and node.value in _BOOLS:
            return _BOOLS[node.value]
        shown = f" (not {node.value!r})" if isinstance(node, ScalarNode) else ""
        self.fail(node, f"'{f.name}' must be true or false{shown}")
        return None

    def cites(self, node: Node) -> tuple[Citation, ...] | None:
        """A citation mapping, or a list of them."""
        items = node.value if isinstance(node, SequenceNode) else [node]
        if isinstance(node, SequenceNode) and not items:
            self.fail(node, "'cite' is an empty list")
            return None
        out = []
        for item in items:
            values = self.mapping(item, spec.CITE_FIELDS, "'cite'")
            if values is None:
                continue
            if not values:
                self.fail(item, "'cite' needs 'section', 'anchor' or 'source'")
                continue
            read = self.read_fields(values, spec.CITE_FIELDS)
            out.append(Citation(**read))
        return tuple(out) if len(out) == len(items) else None

    def sources(self, node: Node) -> tuple[tuple[Source, ...], bool] | None:
        """The deck's sources, and whether they were written as a list."""
        items = node.value if isinstance(node, SequenceNode) else [node]
        if isinstance(node, SequenceNode) and not items:
            self.fail(node, "'source' is an empty list")
            return None
        out = []
        for item in items:
            if not self.tag_ok(item):
                continue
            if isinstance(node, SequenceNode) and isinstance(item, ScalarNode):
                sid = self.string(item, spec.SOURCE_FIELDS[0])
                if sid is not None:
                    out.append(Source(id=sid))
                continue
            values = self.mapping(item, spec.SOURCE_FIELDS, "'source'")
            if values is not None:
                read = self.read_fields(values, spec.SOURCE_FIELDS)
                if "id" in read:
                    out.append(Source(**read))
        ids = [s.id for s in out]
        for dup in sorted({i for i in ids if ids.count(i) > 1}):
            self.fail(node, f"source '{dup}' is listed twice")
        return (tuple(out), isinstance(node, SequenceNode)) if len(out) == len(items) else None
