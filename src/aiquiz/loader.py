"""Read deck files into the model: the only YAML reader in aiquiz.

The YAML is composed into nodes with *no* implicit typing, so every scalar is the text written
(`no`, `300`, `2024-10-16` stay strings); numbers and booleans are read only where the format
(`aiquiz.spec`) expects them. Every problem carries the file, the line and the card id, and all
problems of a file (and of a run) are reported together.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from aiquiz import spec
from aiquiz.errors import DeckError, Problem, UsageError
from aiquiz.model import (
    CARD_CLASSES, AnyCard, ChoiceCard, Citation, ClozeCard, Deck, Kind, Source, Text, cloze_gaps,
)
from aiquiz.spec import Field, Type

_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
STR_TAG = "tag:yaml.org,2002:str"
SEQ_TAG = "tag:yaml.org,2002:seq"
MAP_TAG = "tag:yaml.org,2002:map"
_INT = re.compile(r"^[-+]?[0-9]+$")
_ID = re.compile(spec.ID_PATTERN)
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}


class _TextLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """A safe loader that resolves no implicit types: every plain scalar is a string.

    `resolve` is only asked about nodes written without a tag, so explicit tags stay visible.
    """

    yaml_implicit_resolvers: dict[str, Any] = {}
    _DEFAULT_TAGS = {ScalarNode: STR_TAG, SequenceNode: SEQ_TAG, MappingNode: MAP_TAG}

    def resolve(self, kind: type[Node], value: Any, implicit: Any) -> str:
        return self._DEFAULT_TAGS[kind]


def _line(node: Node) -> int:
    return node.start_mark.line + 1


class _Reader:
    """Turns the node tree of one file into a Deck, collecting problems instead of stopping."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []
        self.card_id: str | None = None

    def fail(self, node: Node | int | None, message: str) -> None:
        line = node if isinstance(node, int) or node is None else _line(node)
        self.problems.append(Problem(self.path, line, message, self.card_id))

    # --- generic node checks -------------------------------------------------------------------

    def check_graph(self, root: Node) -> None:
        """Refuse recursive aliases and alias expansion past the bound (a "billion laughs" file)."""
        seen: set[int] = set()
        visits = 0
        stack: list[tuple[Node, bool]] = [(root, False)]
        on_path: set[int] = set()
        while stack:
            node, leaving = stack.pop()
            if leaving:
                on_path.discard(id(node))
                continue
            if id(node) in on_path:
                raise DeckError.single(self.path, _line(node), "recursive YAML alias")
            visits += 1
            if id(node) in seen and visits - len(seen) > spec.MAX_ALIAS_EXPANSION:
                raise DeckError.single(
                    self.path, _line(node),
                    f"YAML aliases expand past {spec.MAX_ALIAS_EXPANSION} nodes; write the values out")
            seen.add(id(node))
            if isinstance(node, ScalarNode):
                continue
            on_path.add(id(node))
            stack.append((node, True))
            children = node.value if isinstance(node, SequenceNode) else [
                n for pair in node.value for n in pair]
            stack.extend((child, False) for child in reversed(children))

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
        out: dict[str, Any] = {}
        for f in fields:
            if f.name in values:
                value = self.value(values[f.name], f)
                if value is not None:
                    out[f.name] = value
        return out

    # --- typed values --------------------------------------------------------------------------

    def value(self, node: Node, f: Field) -> Any:
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
        if not (isinstance(node, ScalarNode) and not node.style and _INT.match(node.value)):
            self.fail(node, f"'{f.name}' must be a whole number")
            return None
        number = int(node.value)
        if (f.min is not None and number < f.min) or (f.max is not None and number > f.max):
            self.fail(node, f"'{f.name}' must be between {f.min} and {f.max}, not {number}")
            return None
        return number

    def boolean(self, node: Node, f: Field) -> bool | None:
        if isinstance(node, ScalarNode) and not node.style and node.value in _BOOLS:
            return _BOOLS[node.value]
        shown = f" (not {node.value!r})" if isinstance(node, ScalarNode) else ""
        self.fail(node, f"'{f.name}' must be true or false{shown}")
        return None

    def cites(self, node: Node) -> tuple[Citation, ...] | None:
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

    # --- cards and decks -----------------------------------------------------------------------

    def card(self, node: Node, source_ids: set[str] | None) -> AnyCard | None:
        self.card_id = None
        pairs = node.value if isinstance(node, MappingNode) else []
        scalars = {k.value: v for k, v in pairs if isinstance(k, ScalarNode)}
        if isinstance(scalars.get("id"), ScalarNode):
            self.card_id = scalars["id"].value.strip() or None
        kind = None
        if "kind" in scalars and self.tag_ok(scalars["kind"]):
            kind_text = self.string(scalars["kind"], spec.CARD_FIELDS[1])
            kind = Kind(kind_text) if kind_text else None
        elif isinstance(node, MappingNode):
            self.fail(node, "card is missing 'kind' (basic, cloze, choice or truefalse)")
        if kind is None:
            if not isinstance(node, MappingNode):
                self.fail(node, "a card must be a mapping")
            return None
        fields = spec.CARD_FIELDS + spec.KIND_FIELDS[kind]
        values = self.mapping(node, fields, f"{kind.value} card")
        if values is None:
            return None
        before = len(self.problems)
        read = self.read_fields({k: v for k, v in values.items() if k != "kind"}, fields)
        self.check_card(kind, read, values, source_ids)
        if len(self.problems) > before or not all(f.name in read for f in fields if f.required and f.name != "kind"):
            return None
        return CARD_CLASSES[kind](**read, line=_line(node))  # type: ignore[return-value]

    def check_card(self, kind: Kind, read: dict[str, Any], nodes: dict[str, Node],
                   source_ids: set[str] | None) -> None:
        if kind is Kind.CLOZE and "text" in read:
            text: Text = read["text"]
            gaps = {lang: cloze_gaps(getattr(text, lang)) for lang in ("en", "zh", "plain")
                    if getattr(text, lang) is not None}
            for lang, found in gaps.items():
                if not found:
                    where = "" if lang == "plain" else f" ({lang})"
                    self.fail(nodes["text"], f"cloze text{where} has no {{{{c1::...}}}} gap")
            if len({g for g in gaps.values() if g}) > 1:
                self.fail(nodes["text"], "cloze gaps differ between languages: "
                          + ", ".join(f"{k} c{'/c'.join(map(str, v))}" for k, v in gaps.items()))
        accept = read.get("accept")
        if isinstance(accept, dict):
            read["accept"] = ()
            if kind is not Kind.CLOZE:
                self.fail(nodes["accept"], "'accept' by gap number is only for cloze cards; use a list")
            elif "text" in read:
                gaps = set(cloze_gaps(read["text"].get("en")))
                for number in sorted(set(accept) - gaps):
                    self.fail(nodes["accept"], f"'accept' names gap {number}, but the text has no "
                              f"{{{{c{number}::...}}}}")
                read["accept_gaps"] = tuple(sorted(accept.items()))
        if kind is Kind.CHOICE and "choices" in read and "answer" in read:
            if read["answer"] >= len(read["choices"]):
                self.fail(nodes["answer"], f"'answer' is {read['answer']} but there are only "
                          f"{len(read['choices'])} choices (0 is the first)")
        for cite, cite_node in zip(read.get("cite", ()), _items(nodes.get("cite"))):
            if source_ids is not None and cite.source is not None and cite.source not in source_ids:
                self.fail(cite_node, f"cite source '{cite.source}' is not one of the deck's sources "
                          f"({', '.join(sorted(source_ids))})")

    def deck(self, root: Node) -> Deck | None:
        values = self.mapping(root, spec.DECK_FIELDS, "the deck")
        if values is None:
            return None
        read = self.read_fields({k: v for k, v in values.items() if k != "cards"}, spec.DECK_FIELDS)
        sources, is_list = read.pop("source", (None, False))
        source_ids = {s.id for s in sources} if sources else None
        cards: list[AnyCard] = []
        if "cards" in values:
            items = self.sequence(values["cards"], spec.DECK_FIELDS[3]) or []
            seen: dict[str, int] = {}
            for item in items:
                card = self.card(item, source_ids)
                if self.card_id is not None and self.card_id in seen:
                    self.fail(item, f"duplicate card id (first used on line {seen[self.card_id]})")
                elif self.card_id is not None:
                    seen[self.card_id] = _line(item)
                if card is not None:
                    cards.append(card)
            self.card_id = None
        if self.problems or sources is None:
            return None
        return Deck(id=read["deck"], title=read["title"], sources=sources, cards=tuple(cards),
                    source_is_list=is_list, path=self.path)


def _items(node: Node | None) -> list[Node]:
    if node is None:
        return []
    return list(node.value) if isinstance(node, SequenceNode) else [node]


def parse_deck(text: str, path: str = "<deck>") -> Deck:
    """Parse one deck file's text.

    Args:
        text: The YAML text of the file.
        path: The name to use in error messages.

    Returns:
        The deck.

    Raises:
        DeckError: with every problem found in the file (file, line, card id, message).
    """
    if len(text) > spec.MAX_FILE_BYTES or len(text.encode("utf-8", "surrogatepass")) > spec.MAX_FILE_BYTES:
        raise DeckError.single(path, None, f"file is larger than {spec.MAX_FILE_BYTES // 2**20} MB; split it")
    try:
        root = yaml.compose(text, Loader=_TextLoader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark else None
        raise DeckError.single(path, line, f"not valid YAML: {err.problem or err.context}") from None
    except yaml.YAMLError as err:
        raise DeckError.single(path, None, f"not valid YAML: {err}") from None
    except RecursionError:
        raise DeckError.single(path, None, "YAML nested too deeply") from None
    if root is None:
        raise DeckError.single(path, 1, "the file is empty; a deck needs 'deck', 'title', 'source' and 'cards'")
    reader = _Reader(path)
    try:
        if "&" in text:  # without an anchor there can be no alias to expand
            reader.check_graph(root)
        deck = reader.deck(root)
    except RecursionError:
        raise DeckError.single(path, None, "YAML nested too deeply") from None
    if reader.problems or deck is None:
        problems = sorted(reader.problems, key=lambda p: p.line or 0)
        raise DeckError(problems or [Problem(path, 1, "invalid deck")])
    return deck


def deck_files(paths: Iterable[str | Path]) -> list[Path]:
    """The deck files named by `paths`: files as given, directories searched for *.yaml / *.yml.

    Raises:
        UsageError: a path does not exist, or a directory holds no deck files.
    """
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
            if not found:
                raise UsageError(f"no deck files (*.yaml) in {path}")
            out.extend(found)
        elif path.exists():
            out.append(path)
        else:
            raise UsageError(f"no such file or directory: {path}")
    return out


def read_deck_file(path: Path) -> Deck:
    """Read and parse one deck file, refusing oversized and non-UTF-8 files.

    Raises:
        DeckError: the file cannot be read or is not a valid deck.
    """
    name = str(path)
    try:
        size = path.stat().st_size
        if size > spec.MAX_FILE_BYTES:
            raise DeckError.single(name, None, f"file is larger than {spec.MAX_FILE_BYTES // 2**20} MB ({size} bytes); split it")
        data = path.read_bytes()
    except OSError as err:
        raise DeckError.single(name, None, f"cannot read: {err.strerror or err}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise DeckError.single(name, line, f"not UTF-8 text (byte {err.start})") from None
    return parse_deck(text, name)


def load_decks(paths: Iterable[str | Path],
               progress: Callable[[int, int, Path], None] | None = None) -> list[Deck]:
    """Load every deck file under `paths`, checking deck ids are unique across files.

    Args:
        paths: Deck files and directories.
        progress: Called as `progress(done, total, path)` before each file is read.

    Returns:
        The decks, in file order.

    Raises:
        UsageError: a path does not exist or holds no deck files.
        DeckError: with every problem of every file.
    """
    problems: list[Problem] = []
    decks: list[Deck] = []
    first: dict[str, str] = {}
    files = deck_files(paths)
    for number, path in enumerate(files):
        if progress is not None:
            progress(number, len(files), path)
        try:
            deck = read_deck_file(path)
        except DeckError as err:
            problems.extend(err.problems)
            continue
        if deck.id in first:
            problems.append(Problem(deck.path, _deck_line(deck.path),
                                    f"deck id '{deck.id}' is already used by {first[deck.id]}"))
        else:
            first[deck.id] = deck.path
            decks.append(deck)
    if problems:
        raise DeckError(problems)
    return decks


def _deck_line(path: str) -> int | None:
    try:
        for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
            if line.startswith("deck:"):
                return number
    except OSError:
        pass
    return None
