"""Reading cards and decks: the checks that need a whole card (gaps, choice range, citations, accept).

Every problem carries the file, the line and the card id; a card with a problem is left out and the
deck is refused at the end, after every card has been read.
"""

from __future__ import annotations

from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from aiquiz import spec
from aiquiz.loader.fast import fast_card
from aiquiz.loader.nodes import NodeReader
from aiquiz.loader.yamlsafe import line_of
from aiquiz.model import CARD_CLASSES, AnyCard, Deck, Kind, Text, cloze_gaps


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
            quick = fast_card(self, node, source_ids)
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
        """Checks across the fields of one card; moves a per-gap `accept` to `accept_gaps`."""
        if kind is Kind.CLOZE and "text" in read:
            self.check_gaps(read["text"], nodes["text"])
        self.check_accept(kind, read, nodes)
        if kind is Kind.CHOICE and "choices" in read and "answer" in read \
                and read["answer"] >= len(read["choices"]):
            self.fail(nodes["answer"], f"'answer' is {read['answer']} but there are only "
                      f"{len(read['choices'])} choices (0 is the first)")
        for cite, cite_node in zip(read.get("cite", ()), _items(nodes.get("cite")), strict=False):
            if source_ids is not None and cite.source is not None and cite.source not in source_ids:
                self.fail(cite_node, f"cite source '{cite.source}' is not one of the deck's sources "
                          f"({', '.join(sorted(source_ids))})")

    def check_gaps(self, text: Text, node: Node) -> None:
        """Every language of a cloze text has a gap, and the same gap numbers."""
        gaps = {lang: cloze_gaps(getattr(text, lang)) for lang in ("en", "zh", "plain")
                if getattr(text, lang) is not None}
        for lang, found in gaps.items():
            if not found:
                where = "" if lang == "plain" else f" ({lang})"
                self.fail(node, f"cloze text{where} has no {{{{c1::...}}}} gap")
        if len({g for g in gaps.values() if g}) > 1:
            self.fail(node, "cloze gaps differ between languages: "
                      + ", ".join(f"{k} c{'/c'.join(map(str, v))}" for k, v in gaps.items()))

    def check_accept(self, kind: Kind, read: dict[str, Any], nodes: dict[str, Node]) -> None:
        """A per-gap `accept` only on a cloze card and only for its gaps; a list only on one gap (if enforced)."""
        accept = read.get("accept")
        gaps = set(cloze_gaps(read["text"].get("en"))) if kind is Kind.CLOZE and "text" in read else set()
        if isinstance(accept, dict):
            read["accept"] = ()
            if kind is not Kind.CLOZE:
                self.fail(nodes["accept"], "'accept' by gap number is only for cloze cards; use a list")
            elif "text" in read:
                for number in sorted(set(accept) - gaps):
                    self.fail(nodes["accept"], f"'accept' names gap {number}, but the text has no "
                              f"{{{{c{number}::...}}}}")
                read["accept_gaps"] = tuple(sorted(accept.items()))
        elif accept and len(gaps) > 1:
            self.fail(nodes["accept"], f"'accept' is a list, but the text has {len(gaps)} gaps and an "
                      f"alternative counts only in its own gap; give each gap its list: {accept_hint(gaps)}")

    def deck(self, root: Node) -> Deck | None:
        """The deck, or None (and problems) when the file is invalid."""
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
                    seen[self.card_id] = line_of(item)
                if card is not None:
                    cards.append(card)
            self.card_id = None
        if self.problems or sources is None:
            return None
        return Deck(id=read["deck"], title=read["title"], sources=sources, cards=tuple(cards),
                    source_is_list=is_list, path=self.path)


def accept_hint(gaps: set[int] | tuple[int, ...]) -> str:
    """The mapping form of `accept` for a cloze card's gaps: `accept: {1: [...], 2: [...]}`."""
    return "accept: {" + ", ".join(f"{n}: [...]" for n in sorted(gaps)) + "}"


def _items(node: Node | None) -> list[Node]:
    if node is None:
        return []
    return list(node.value) if isinstance(node, SequenceNode) else [node]
