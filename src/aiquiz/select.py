"""Choosing cards: filters and seeded sampling/shuffling, shared by the quiz, the drill and Anki export."""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TypeVar

from aiquiz.errors import UsageError
from aiquiz.i18n import _
from aiquiz.model import AnyCard, Deck, DeckIndex, Kind

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


def select_refs(indexes: Sequence[DeckIndex], filters: Filters = Filters()) -> list[Ref]:
    """The cards `select_cards` would pick from the decks of these indexes, as `Ref`s, in the same order.

    Raises:
        UsageError: a deck id in the filter is not among the loaded decks.
    """
    _check_decks({d.id for d in indexes}, filters)
    tags = set(filters.tags)
    out: list[Ref] = []
    for index in indexes:
        if filters.decks and index.id not in filters.decks:
            continue
        comparing = index.sources > 1
        keep = [not ((tags and not tags.intersection(t)) or (filters.kinds and k not in filters.kinds)
                     or (filters.difficulties and d not in filters.difficulties))
                for t, k, d in zip(index.tags, index.kinds, index.difficulties, strict=True)]
        out.extend(Ref(key, index.id, comparing) for key, wanted in zip(index.keys(), keep, strict=True) if wanted)
    return out


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
