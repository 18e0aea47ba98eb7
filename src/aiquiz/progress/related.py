"""Related cards: cards that cite the same passage, which should not be studied on the same day.

Two cards are related when one of their citations points at the same passage: the same source and the
same anchor. A single-interview card's citation is of its deck's source; an across-interviews card names
the source of each citation, so it is related to the single-interview cards citing those passages.
Like Anki's sibling burying, once one card of a group is studied (or queued) on a day, the others wait
for a later day; (re)learning steps of a card already started are never held back.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence

from aiquiz.deckindex import DeckIndex, index_deck, passage_hash
from aiquiz.model import Deck, Passage

BISECTIONS = 200  # passages looked up deck by deck before the decks' tables are joined into one dict


class Related(Mapping[str, frozenset[str]]):
    """The related cards of each card, found when asked for: a card's passages are looked up in each deck's
    table of cited passages (`DeckIndex.citing`), so nothing is walked card by card (a session asks for a few
    hundred of 100k cards). After `BISECTIONS` lookups, the decks' tables are joined into one dict (a queue over
    thousands of due cards asks for thousands). Iterating it (or its length) finds every related card at once."""

    def __init__(self, decks: Sequence[Deck | DeckIndex]) -> None:
        self._indexes = [d if isinstance(d, DeckIndex) else index_deck(d) for d in decks]
        self._by_id = {index.id: index for index in self._indexes}
        self._every: dict[str, frozenset[str]] | None = None
        self._lookups = 0
        self._joined: dict[int, int] | None = None  # see `_join`
        self._more: dict[int, list[int]] = {}
        self._starts: list[int] = []

    def __getitem__(self, key: str) -> frozenset[str]:
        deck_id, _, card_id = key.partition("/")
        index = self._by_id.get(deck_id)
        at = index.position(card_id) if index is not None else None
        if index is None or at is None:
            raise KeyError(key)
        found = {f"{other.id}/{other.cards[i]}" for passage in set(index.passages[at])
                 for other, i in self._citing(passage)}
        found.discard(key)
        if not found:
            raise KeyError(key)
        return frozenset(found)

    def _citing(self, passage: Passage) -> list[tuple[DeckIndex, int]]:
        """Each card citing a passage: its deck's index and its position there."""
        code = passage_hash(passage)
        self._lookups += 1
        if self._lookups <= BISECTIONS:
            return [(other, i) for other in self._indexes for i in other.citing(passage, code)]
        joined = self._joined if self._joined is not None else self._join()
        slots = [joined[code], *self._more.get(code, ())] if code in joined else []
        found: list[tuple[DeckIndex, int]] = []
        for slot in slots:
            number = bisect_right(self._starts, slot) - 1
            other = self._indexes[number]
            found.extend((other, i) for i in other.citing(passage, code, slot - self._starts[number]))
        return found

    def _join(self) -> dict[int, int]:
        """One dict over every deck's `cited` table (made in C, deck by deck): a passage hash's first slot,
        slots numbered across the decks in order; a hash in several decks has its later decks' slots aside."""
        self._joined, self._more, self._starts = {}, {}, []
        base = 0
        for index in self._indexes:
            hashes = index.table[0]
            firsts = dict(zip(reversed(hashes), range(base + len(hashes) - 1, base - 1, -1), strict=True))
            for code in self._joined.keys() & firsts.keys():  # a passage cited in an earlier deck too
                self._more.setdefault(code, []).append(firsts.pop(code))
            self._joined.update(firsts)
            self._starts.append(base)
            base += len(hashes)
        return self._joined

    def _all(self) -> dict[str, frozenset[str]]:
        if self._every is None:
            by_passage: dict[Passage, list[str]] = {}
            for index in self._indexes:
                for card, passages in zip(index.keys(), index.passages, strict=True):
                    for passage in set(passages):
                        by_passage.setdefault(passage, []).append(card)
            every: dict[str, set[str]] = {}
            for keys in by_passage.values():
                for key in keys:
                    if len(keys) > 1:
                        every.setdefault(key, set()).update(k for k in keys if k != key)
            self._every = {k: frozenset(v) for k, v in every.items() if v}
        return self._every

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


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
