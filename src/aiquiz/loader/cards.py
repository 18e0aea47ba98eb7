"""Reading cards and decks: the checks that need a whole card (gaps, choice range, citations, accept).

Every problem carries the file, the line and the card id; a card with a problem is left out and the
deck is refused at the end, after every card has been read.
"""

from __future__ import annotations

from typing import Any

from yaml.error import Mark
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from aiquiz import spec
from aiquiz.loader.checks import cross_check
from aiquiz.loader.fast import fast_card, plain_of
from aiquiz.loader.nodes import NodeReader
from aiquiz.loader.plainyaml import Plain, Quoted
from aiquiz.loader.yamlsafe import MAP_TAG, SEQ_TAG, STR_TAG, line_of
from aiquiz.model import CARD_CLASSES, AnyCard, Deck, Kind


class DeckReader(NodeReader):
    """Turns the node tree of one file into a Deck, collecting problems instead of stopping.

    `fast` (the default) reads each card written as expected in one tight pass (`aiquiz.loader.fast`);
    any other card, and every problem, goes through the careful reader below. False: always careful.
    """

    def __init__(self, path: str, fast: bool = True) -> None:
        super().__init__(path)
        self.fast = fast

    def card(self, node: Node, source_ids: set[str] | None) -> AnyCard | None:
        """One card, or None (and problems) when it is invalid."""
        if self.fast:
            quick = fast_card(plain_of(node), line_of(node), source_ids)
            if quick is not None:
                self.card_id = quick.id.strip() or None
                return quick
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
        return CARD_CLASSES[kind](**read, line=line_of(node))  # type: ignore[return-value]

    def check_card(self, kind: Kind, read: dict[str, Any], nodes: dict[str, Node],
                   source_ids: set[str] | None) -> None:
        """Checks across the fields of one card, each problem at its node (see `checks.cross_check`)."""
        for name, index, message in cross_check(kind, read, source_ids):
            node = nodes[name]
            if name == "cite" and isinstance(node, SequenceNode):
                node = node.value[index]
            self.fail(node, message)

    def deck(self, root: Node) -> Deck | None:
        """The deck, or None (and problems) when the file is invalid."""
        head = self.head(root)
        if head is None:
            return None
        read, values = head
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
                    seen[self.card_id] = line_of(item)
                if card is not None:
                    cards.append(card)
            self.card_id = None
        if self.problems or sources is None:
            return None
        return Deck(id=read["deck"], title=read["title"], sources=sources, cards=tuple(cards),
                    source_is_list=is_list, path=self.path)

    def head(self, root: Node) -> tuple[dict[str, Any], dict[str, Node]] | None:
        """The deck's fields other than its cards (read), and the nodes of all its keys."""
        values = self.mapping(root, spec.DECK_FIELDS, "the deck")
        if values is None:
            return None
        return self.read_fields({k: v for k, v in values.items() if k != "cards"}, spec.DECK_FIELDS), values

    def plain_deck(self, plain: Plain) -> Deck | None:
        """The deck from a file read as plain YAML, when every card takes the fast path; else None.

        None means "read this file the careful way" (which finds any problem); nothing is recorded.
        """
        root = dict(plain.root)
        cards = root.get("cards")
        if cards.__class__ is not list or not cards:
            return None
        root["cards"] = []  # the cards are read below; the rest, small, by the careful reader
        head = self.head(_node(root))
        if head is None or self.problems:
            del self.problems[:]
            return None
        read = head[0]
        sources, is_list = read.pop("source")
        source_ids = {s.id for s in sources}
        out: list[AnyCard] = []
        seen: set[str] = set()
        lines = plain.lines
        for values in cards:
            line = lines.get(id(values))
            card = fast_card(values, line, source_ids) if line is not None else None
            if card is None or card.id in seen:
                return None
            seen.add(card.id)
            out.append(card)
        return Deck(id=read["deck"], title=read["title"], sources=sources, cards=tuple(out),
                    source_is_list=is_list, path=self.path)


_NO_MARK = Mark("<plain>", 0, 0, 0, None, None)  # type: ignore[arg-type]


def _node(value: Any) -> Node:
    """Plain values as nodes, for the careful reader (lines do not matter: a problem means None)."""
    if isinstance(value, dict):
        return MappingNode(MAP_TAG, [(_node(k), _node(v)) for k, v in value.items()], _NO_MARK, _NO_MARK)
    if isinstance(value, list):
        return SequenceNode(SEQ_TAG, [_node(v) for v in value], _NO_MARK, _NO_MARK)
    return ScalarNode(STR_TAG, str(value), _NO_MARK, _NO_MARK, style='"' if isinstance(value, Quoted) else None)
