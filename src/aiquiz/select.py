"""Choosing cards: filters and seeded sampling/shuffling, shared by the quiz, the drill and Anki export."""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import cached_property
from typing import TypeVar, overload

from aiquiz.deckindex import DeckIndex
from aiquiz.errors import UsageError
from aiquiz.i18n import _
from aiquiz.model import AnyCard, Deck, Kind

T = TypeVar("T")


@dataclass(frozen=True)
class Picked:
    """A card together with the deck it belongs to; `key` is its stable identity `deck/card`."""

    deck: Deck
    card: AnyCard

    @cached_property
    def key(self) -> str:
        """The stable identity of the card across rewordings: `<deck id>/<card id>` (computed once)."""
        return card_key(self.deck.id, self.card.id)

    @property
    def deck_id(self) -> str:
        """The id of the card's deck."""
        return self.deck.id

    @property
    def comparing(self) -> bool:
        """True when the card's deck draws on several interviews (its cards compare them)."""
        return len(self.deck.sources) > 1


@dataclass(frozen=True, slots=True)
class Ref:
    """A selected card as the drill's queue sees it (no text): its key, its deck's id, and whether its deck
    draws on several interviews. `select_refs` makes them from deck indexes; the same as `Picked` for the
    queue."""

    key: str
    deck_id: str
    comparing: bool


Selected = Picked | Ref


def card_key(deck_id: str, card_id: str) -> str:
    """The stable identity of a card: `<deck id>/<card id>`."""
    return f"{deck_id}/{card_id}"


def deck_of(key: str) -> str:
    """The deck id of a card key `<deck id>/<card id>`."""
    return key.split("/", 1)[0]


@dataclass(frozen=True)
class Filters:
    """Which cards to take; an empty tuple means "no restriction"."""

    decks: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    kinds: tuple[Kind, ...] = ()
    difficulties: tuple[int, ...] = ()

    def describe(self) -> str:
        """The filters in words, for messages such as "no cards match ..."."""
        parts = [f"{name} {', '.join(map(str, values))}" for name, values in (
            ("deck", self.decks), ("tag", self.tags), ("kind", [k.value for k in self.kinds]),
            ("difficulty", self.difficulties)) if values]
        return "; ".join(parts) or "no filters"


def _check_decks(known: set[str], filters: Filters) -> None:
    unknown = [d for d in filters.decks if d not in known]
    if unknown:
        raise UsageError(_("no deck with id {ids} (loaded: {known})").format(ids=", ".join(unknown),
                                                                              known=", ".join(sorted(known))))


def select_cards(decks: Sequence[Deck], filters: Filters = Filters()) -> list[Picked]:
    """The cards of `decks` that pass `filters`, in deck-file order.

    A card passes the tag filter when it has any of the tags.

    Raises:
        UsageError: a deck id in the filter is not among the loaded decks.
    """
    _check_decks({d.id for d in decks}, filters)
    out: list[Picked] = []
    for deck in decks:
        if filters.decks and deck.id not in filters.decks:
            continue
        for card in deck.cards:
            if filters.tags and not set(filters.tags) & set(card.tags):
                continue
            if filters.kinds and card.kind not in filters.kinds:
                continue
            if filters.difficulties and card.difficulty not in filters.difficulties:
                continue
            out.append(Picked(deck, card))
    return out


def select_refs(indexes: Sequence[DeckIndex], filters: Filters = Filters()) -> Selection:
    """The cards `select_cards` would pick from the decks of these indexes, as `Ref`s, in the same order.

    A deck the filters take whole is kept as it is (no `Ref` per card is made until one is asked for).

    Raises:
        UsageError: a deck id in the filter is not among the loaded decks.
    """
    _check_decks({d.id for d in indexes}, filters)
    tags = set(filters.tags)
    parts: list[tuple[DeckIndex, tuple[int, ...] | None]] = []
    for index in indexes:
        if filters.decks and index.id not in filters.decks:
            continue
        if not (tags or filters.kinds or filters.difficulties):
            parts.append((index, None))
            continue
        keep = tuple(at for at, (t, k, d) in enumerate(zip(index.tags, index.kinds, index.difficulties, strict=True))
                     if not ((tags and not tags.intersection(t)) or (filters.kinds and k not in filters.kinds)
                             or (filters.difficulties and d not in filters.difficulties)))
        parts.append((index, keep))
    return Selection(parts)


class Selection(Sequence[Ref]):
    """The cards chosen from deck indexes, deck by deck, in deck-file order: a sequence of `Ref`s, made only
    when asked for. The drill's queue reads it a deck at a time (`in_order`, `has`, `every_key`), so a selection of
    100k cards costs nothing until cards are looked at.

    Each part is a deck's index and the positions of its chosen cards (None: every card of the deck).
    """

    def __init__(self, parts: Iterable[tuple[DeckIndex, tuple[int, ...] | None]]) -> None:
        self._parts = [(index, chosen, index.sources > 1) for index, chosen in parts]
        self._by_deck = {index.id: (index, chosen) for index, chosen, _ in self._parts}
        self._sets: dict[str, frozenset[str]] = {}
        self._len = sum(index.size if chosen is None else len(chosen) for index, chosen, _ in self._parts)

    def __len__(self) -> int:
        return self._len

    @overload
    def __getitem__(self, at: int) -> Ref: ...

    @overload
    def __getitem__(self, at: slice) -> list[Ref]: ...

    def __getitem__(self, at: int | slice) -> Ref | list[Ref]:
        if isinstance(at, slice):
            return [self[i] for i in range(*at.indices(self._len))]
        if not -self._len <= at < self._len:
            raise IndexError(at)
        at %= self._len
        for index, chosen, comparing in self._parts:
            count = index.size if chosen is None else len(chosen)
            if at < count:
                return Ref(card_key(index.id, index.cards[at if chosen is None else chosen[at]]), index.id, comparing)
            at -= count
        raise IndexError(at)  # pragma: no cover - the counts add up to len(self)

    def __iter__(self) -> Iterator[Ref]:
        for index, chosen, comparing in self._parts:
            yield from (Ref(key, index.id, comparing) for key in _keys(index, chosen))

    def every_key(self) -> Iterator[str]:
        """The key of each chosen card, in order."""
        for index, chosen, _comparing in self._parts:
            yield from _keys(index, chosen)

    def in_order(self, comparing: bool) -> Iterator[tuple[str, str]]:
        """(key, deck id) of each chosen card of the decks that draw on several interviews (or on one), in order."""
        for index, chosen, several in self._parts:
            if several == comparing:
                yield from ((key, index.id) for key in _keys(index, chosen))

    def has(self, key: str) -> bool:
        """True when the card with this key is chosen."""
        deck_id, _, card_id = key.partition("/")
        found = self._by_deck.get(deck_id)
        if found is None:
            return False
        index, chosen = found
        at = index.position(card_id)
        if at is None or chosen is None:
            return at is not None
        if deck_id not in self._sets:
            self._sets[deck_id] = frozenset(index.cards[i] for i in chosen)
        return card_id in self._sets[deck_id]

    def key_set(self) -> Keys:
        """The keys of the chosen cards, as a set (counted and tested without making each key)."""
        return Keys(self)


class Keys(AbstractSet[str]):
    """The keys of a selection's cards (see `Selection.key_set`)."""

    def __init__(self, selection: Selection) -> None:
        self._selection = selection

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._selection.has(key)

    def __iter__(self) -> Iterator[str]:
        return self._selection.every_key()

    def __len__(self) -> int:
        return len(self._selection)


def _keys(index: DeckIndex, chosen: tuple[int, ...] | None) -> Iterator[str]:
    """The keys of the chosen cards of a deck (every card when `chosen` is None), in file order."""
    prefix = index.id + "/"
    cards = index.cards
    return (prefix + c for c in cards) if chosen is None else (prefix + cards[i] for i in chosen)


def deck_keys(deck: Deck | DeckIndex) -> list[str]:
    """The key of every card of a deck (or of a deck's index), in file order."""
    if isinstance(deck, DeckIndex):
        return deck.keys()
    return [card_key(deck.id, c.id) for c in deck.cards]


def sample(items: Sequence[T], count: int | None, seed: int | str) -> list[T]:
    """`count` items drawn from `items` by `seed` (all of them, shuffled, when count is None).

    The same items, count and seed always give the same result.
    """
    rng = random.Random(f"sample:{seed}")
    chosen = list(items)
    rng.shuffle(chosen)
    return chosen if count is None else chosen[:count]


def shuffled(items: Iterable[T], seed: int | str) -> list[T]:
    """A seeded shuffle of `items` (a fresh list; the input is untouched)."""
    out = list(items)
    random.Random(f"shuffle:{seed}").shuffle(out)
    return out
