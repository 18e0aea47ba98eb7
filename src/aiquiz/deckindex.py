"""A deck's index: what choosing, queueing and counting cards need of a deck, as plain values (no card text).

The compiled deck cache (`aiquiz.loader.cache`) stores it beside each deck and reads each column of it only
when a command uses it; `index_deck` makes it from a deck in memory. No I/O here.
"""

from __future__ import annotations

import sys
from array import array
from bisect import bisect_left
from collections.abc import Callable, Sequence
from functools import cached_property
from hashlib import blake2b
from typing import Any, Generic, TypeVar

from aiquiz.model import Deck, Kind, Passage, cited_passages

COLUMNS = ("cards", "kinds", "tags", "difficulties", "passages", "cited", "langs")
T = TypeVar("T")


class _Column(Generic[T]):
    """A column of a `DeckIndex`, read with the index's column function the first time it is used."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, index: DeckIndex, owner: type | None = None) -> T:
        value: T = index._column(self.name)
        index.__dict__[self.name] = value  # from now on the value itself is found first
        return value


class DeckIndex:
    """What choosing, queueing and counting cards need of a deck, as plain values (no card text).

    The compiled deck cache stores it beside each deck, so commands that need only keys, tags and cited
    passages (stats, the drill's queue) do not materialize every card. Per card, in file order (one tuple per
    column): `cards` (ids), `kinds` (`Kind` values), `tags`, `difficulties` and `passages` (the passages each
    card cites, as (source id, anchor); empty when it cites none); and `cited`, a lookup table of the cards
    citing each passage (`citing`); per deck, `langs`, the languages its texts are written in (`Deck.langs`).
    A column is read the first time it is used (`column(name)` gives it: the cache decodes it then), so a
    command pays only for the columns it reads.
    Two indexes are equal when their deck id, number of sources and columns are (the path is not compared).
    """

    def __init__(self, id: str, sources: int, size: int, column: Callable[[str], Any], path: str = "") -> None:
        self.id = id
        self.sources = sources
        self.size = size  # the number of cards
        self.path = path
        self._column = column

    cards: _Column[tuple[str, ...]] = _Column()  # each card's id
    kinds: _Column[tuple[str, ...]] = _Column()  # each card's kind (a `Kind` value)
    tags: _Column[tuple[tuple[str, ...], ...]] = _Column()
    difficulties: _Column[tuple[int | None, ...]] = _Column()
    passages: _Column[tuple[tuple[Passage, ...], ...]] = _Column()  # the passages each card cites
    cited: _Column[bytes] = _Column()  # the cards citing each passage: a `cited_table` of `passages`
    langs: _Column[tuple[str, ...]] = _Column()  # the languages the deck's texts are written in

    def kind_counts(self) -> dict[Kind, int]:
        """Cards per kind, in the order of `Kind`, kinds without cards included as 0 (as `Deck.kind_counts`)."""
        counts = {kind.value: 0 for kind in Kind}
        for kind in self.kinds:
            counts[kind] += 1
        return {Kind(k): n for k, n in counts.items()}

    @cached_property
    def table(self) -> tuple[memoryview, memoryview]:
        """The `cited` table as two arrays: passage hashes (sorted), and the position of a card citing each."""
        table = memoryview(self.cited)
        return table[:len(table) // 2].cast("Q"), table[len(table) // 2:].cast("Q")

    def citing(self, passage: Passage, code: int | None = None, start: int | None = None) -> list[int]:
        """The position of each card citing `passage`, in file order (found by bisection in the `cited` table,
        without reading every card); `code` is its `passage_hash`, when known, and `start` where it is first in
        the table, when known."""
        hashes, positions = self.table
        code = passage_hash(passage) if code is None else code
        at, found = bisect_left(hashes, code) if start is None else start, []
        while at < len(hashes) and hashes[at] == code:
            if positions[at] < self.size and passage in self.passages[positions[at]]:  # the same passage?
                found.append(positions[at])
            at += 1
        return found

    @cached_property
    def _positions(self) -> dict[str, int]:
        return dict(zip(self.cards, range(len(self.cards)), strict=True))

    def position(self, card_id: str) -> int | None:
        """Where the card with this id is in the deck (None: the deck has no such card)."""
        return self._positions.get(card_id)

    def keys(self) -> list[str]:
        """The key `<deck id>/<card id>` of every card, in file order."""
        prefix = self.id + "/"
        return [prefix + c for c in self.cards]

    def column(self, name: str) -> Any:
        """The column `name` (one of `COLUMNS`)."""
        if name not in COLUMNS:
            raise KeyError(name)
        return getattr(self, name)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DeckIndex):
            return NotImplemented
        return (self.id, self.sources, self.size) == (other.id, other.sources, other.size) and all(
            self.column(name) == other.column(name) for name in COLUMNS)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"DeckIndex(id={self.id!r}, sources={self.sources}, size={self.size}, path={self.path!r})"


def passage_hash(passage: Passage) -> int:
    """A passage's 64-bit BLAKE2b hash (keys the `cited` table; a match is checked against the passage)."""
    return int.from_bytes(blake2b(f"{passage[0]}\0{passage[1]}".encode(errors="surrogatepass"),
                                  digest_size=8).digest(), sys.byteorder)


def index_deck(deck: Deck) -> DeckIndex:
    """The index of a deck (see `DeckIndex`); each column is computed from the deck when first used."""
    def column(name: str) -> Any:
        return cited_table(index.passages) if name == "cited" else deck_column(deck, name)

    index = DeckIndex(deck.id, len(deck.sources), len(deck.cards), column, deck.path)
    return index


def deck_column(deck: Deck, name: str) -> Any:
    """One column of a deck's index (see `DeckIndex`), computed from the deck (`index_deck` makes `cited`)."""
    cards = deck.cards
    match name:
        case "cards" | "tags" | "difficulties":
            field_name = {"cards": "id", "tags": "tags", "difficulties": "difficulty"}[name]
            return tuple(getattr(c, field_name) for c in cards)
        case "kinds":
            return tuple(str(c.kind.value) for c in cards)
        case "passages":
            return tuple(cited_passages(deck, c) for c in cards)
        case "langs":
            return deck.langs
    raise KeyError(name)


def cited_table(passages: Sequence[Sequence[Passage]]) -> bytes:
    """The `cited` column from the `passages` column: each cited passage's hash with the position of a card
    citing it, sorted, as two arrays of native 64-bit integers (hashes, then positions) in one bytes."""
    pairs = sorted({(passage_hash(p), at) for at, cited in enumerate(passages) for p in cited})
    return array("Q", [h for h, _ in pairs]).tobytes() + array("Q", [at for _, at in pairs]).tobytes()
