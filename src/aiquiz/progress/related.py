"""Related cards: cards that cite the same passage, which should not be studied on the same day.

Two cards are related when one of their citations points at the same passage: the same source and the
same anchor. A single-interview card's citation is of its deck's source; an across-interviews card names
the source of each citation, so it is related to the single-interview cards citing those passages.
Like Anki's sibling burying, once one card of a group is studied (or queued) on a day, the others wait
for a later day; (re)learning steps of a card already started are never held back.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence

from aiquiz.model import Deck, DeckIndex, Passage, cited_passages
from aiquiz.select import card_key


def passages_of(deck: Deck) -> dict[str, tuple[Passage, ...]]:
    """Each card's cited passages (source id, anchor), by card key; cards citing no anchor are left out."""
    prefix = card_key(deck.id, "")
    return {prefix + card.id: found for card in deck.cards if card.cite and (found := cited_passages(deck, card))}


def _passages(deck: Deck | DeckIndex) -> Iterator[tuple[str, tuple[Passage, ...]]]:
    """(key, passages) of each card of a deck or of its index that cites a passage."""
    if isinstance(deck, Deck):
        yield from passages_of(deck).items()
    else:
        yield from ((k, p) for k, p in zip(deck.keys(), deck.passages, strict=True) if p)


class Related(Mapping[str, frozenset[str]]):
    """The related cards of each card, found on demand: built in one pass over the decks, a card's set is
    only made when it is asked for (a session asks for a few hundred of 100k cards)."""

    def __init__(self, decks: Sequence[Deck | DeckIndex]) -> None:
        by_passage: dict[Passage, list[str]] = {}
        for deck in decks:
            for key, passages in _passages(deck):
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


def related_map(decks: Sequence[Deck | DeckIndex]) -> Related:
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
