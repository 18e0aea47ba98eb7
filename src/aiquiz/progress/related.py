"""Related cards: cards that cite the same passage, which should not be studied on the same day.

Two cards are related when one of their citations points at the same passage: the same source and the
same anchor. A single-interview card's citation is of its deck's source; an across-interviews card names
the source of each citation, so it is related to the single-interview cards citing those passages.
Like Anki's sibling burying, once one card of a group is studied (or queued) on a day, the others wait
for a later day; (re)learning steps of a card already started are never held back.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence

from aiquiz.model import Deck, DeckIndex, index_deck, passage_key


class Related(Mapping[str, frozenset[str]]):
    """The related cards of each card, found when asked for: a card's passages are looked up in each deck's
    index of cited passages (`DeckIndex.cited`), so nothing is walked card by card (a session asks for a few
    hundred of 100k cards). Iterating it (or its length) finds every related card at once."""

    def __init__(self, decks: Sequence[Deck | DeckIndex]) -> None:
        self._indexes = [d if isinstance(d, DeckIndex) else index_deck(d) for d in decks]
        self._by_id = {index.id: index for index in self._indexes}
        self._every: dict[str, frozenset[str]] | None = None

    def __getitem__(self, key: str) -> frozenset[str]:
        deck_id, _, card_id = key.partition("/")
        index = self._by_id.get(deck_id)
        at = index.position(card_id) if index is not None else None
        if index is None or at is None:
            raise KeyError(key)
        found = {other for passage in index.passages[at] for other in self._citing(passage_key(passage))}
        found.discard(key)
        if not found:
            raise KeyError(key)
        return frozenset(found)

    def _citing(self, passage: str) -> Iterator[str]:
        """The key of every card citing a passage (by its `passage_key`)."""
        for index in self._indexes:
            at = index.cited.get(passage)
            if at is not None:
                prefix, cards = index.id + "/", index.cards
                yield from (prefix + cards[i] for i in _positions(at, len(cards)))

    def _all(self) -> dict[str, frozenset[str]]:
        if self._every is None:
            by_passage: dict[str, list[str]] = {}
            for index in self._indexes:
                prefix, cards = index.id + "/", index.cards
                for passage, at in index.cited.items():
                    by_passage.setdefault(passage, []).extend(prefix + cards[i] for i in _positions(at, len(cards)))
            every: dict[str, set[str]] = {}
            for keys in by_passage.values():
                if len(keys) > 1:
                    for key in keys:
                        every.setdefault(key, set()).update(k for k in keys if k != key)
            self._every = {k: frozenset(v) for k, v in every.items() if v}
        return self._every

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


def _positions(at: int | tuple[int, ...], size: int) -> list[int]:
    """The card positions of an entry of `DeckIndex.cited` (one, or a tuple); a position that is not a card's
    (an index from a cache entry not written by aiquiz) is left out rather than read."""
    return [i for i in (at if type(at) is tuple else (at,)) if type(i) is int and 0 <= i < size]


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
