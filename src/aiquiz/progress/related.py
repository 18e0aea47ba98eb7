"""Related cards: cards that cite the same passage, which should not be studied on the same day.

Two cards are related when one of their citations points at the same passage: the same source and the
same anchor. A single-interview card's citation is of its deck's source; an across-interviews card names
the source of each citation, so it is related to the single-interview cards citing those passages.
Like Anki's sibling burying, once one card of a group is studied (or queued) on a day, the others wait
for a later day; (re)learning steps of a card already started are never held back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from aiquiz.model import Deck
from aiquiz.select import card_key

Passage = tuple[str, str]


def passages_of(deck: Deck) -> dict[str, tuple[Passage, ...]]:
    """Each card's cited passages (source id, anchor), by card key; cards citing no anchor are left out."""
    default = deck.sources[0].id if len(deck.sources) == 1 else None
    out: dict[str, tuple[Passage, ...]] = {}
    for card in deck.cards:
        if not card.cite:
            continue
        found = tuple((c.source or default, c.anchor.strip()) for c in card.cite
                      if c.anchor and (c.source or default))
        if found:
            out[card_key(deck.id, card.id)] = found  # type: ignore[assignment]
    return out


def related_map(decks: Sequence[Deck]) -> dict[str, frozenset[str]]:
    """For every card that shares a cited passage with another, the keys of the others."""
    by_passage: dict[Passage, list[str]] = {}
    for deck in decks:
        for key, passages in passages_of(deck).items():
            for passage in (passages if len(passages) == 1 else set(passages)):
                found = by_passage.get(passage)
                if found is None:
                    by_passage[passage] = [key]
                else:
                    found.append(key)
    related: dict[str, set[str]] = {}
    for keys in by_passage.values():
        if len(keys) > 1:
            for key in keys:
                related.setdefault(key, set()).update(k for k in keys if k != key)
    return {key: frozenset(others) for key, others in related.items()}


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
