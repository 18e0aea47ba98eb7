"""Related cards: cards that cite the same passage, which should not be studied on the same day.

Two cards are related when one of their citations points at the same passage: the same source and the
same anchor. A single-interview card's citation is of its deck's source; an across-interviews card names
the source of each citation, so it is related to the single-interview cards citing those passages.
Like Anki's sibling burying, once one card of a group is studied (or queued) on a day, the others wait
for a later day; (re)learning steps of a card already started are never held back.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence

from aiquiz.model import Deck
from aiquiz.select import card_key

Passage = tuple[str, str]


def passages_of(deck: Deck) -> dict[str, tuple[Passage, ...]]:
    """Each card's cited passages (source id, anchor), by card key; cards citing no anchor are left out."""
    default = deck.sources[0].id if len(deck.sources) == 1 else None
    out: dict[str, tuple[Passage, ...]] = {}
    prefix = card_key(deck.id, "")
    for card in deck.cards:
        if card.cite:
            found = tuple((c.source or default or "", c.anchor.strip()) for c in card.cite
                          if c.anchor and (c.source or default))
            if found:
                out[prefix + card.id] = found
    return out


class Related(Mapping[str, frozenset[str]]):
    """The related cards of each card, found on demand: built in one pass over the decks, a card's set is
    only made when it is asked for (a session asks for a few hundred of 100k cards)."""

    def __init__(self, decks: Sequence[Deck]) -> None:
        by_passage: dict[Passage, list[str]] = {}
        for deck in decks:
            for key, passages in passages_of(deck).items():
                for passage in (passages if len(passages) == 1 else set(passages)):
                    by_passage.setdefault(passage, []).append(key)
        self._by_passage = {p: keys for p, keys in by_passage.items() if len(keys) > 1}
        self._passages: dict[str, list[Passage]] = {}
        for passage, keys in self._by_passage.items():
            for key in keys:
                self._passages.setdefault(key, []).append(passage)

    def __getitem__(self, key: str) -> frozenset[str]:
        if key not in self._passages:
            raise KeyError(key)
        return frozenset(k for p in self._passages[key] for k in self._by_passage[p] if k != key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._passages)

    def __len__(self) -> int:
        return len(self._passages)


def related_map(decks: Sequence[Deck]) -> Related:
    """For every card that shares a cited passage with another, the keys of the others (a lazy mapping)."""
    return Related(decks)


def hold_back(ordered: Iterable[str], related: Mapping[str, frozenset[str]],
              studied: Iterable[str]) -> tuple[list[str], list[str]]:
    """Split cards (in queue order) into those shown today and those held back as related.

    A card is held back when a related card was studied today or comes before it in the queue.

    Returns:
        (kept, held), each in the given order.
    """
    taken = set(studied)
    kept: list[str] = []
    held: list[str] = []
    for key in ordered:
        if related.get(key, frozenset()) & taken:
            held.append(key)
        else:
            kept.append(key)
            taken.add(key)
    return kept, held
