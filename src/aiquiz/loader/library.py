"""A run's decks read lazily: every deck's index at once, a deck's cards only when they are needed.

On unchanged deck files, the compiled cache (`aiquiz.loader.cache`) gives each deck's index (keys, kinds,
tags, cited passages) without unpickling its cards; `Library.deck` unpickles a deck the first time it is
asked for. A file that is not in the cache is parsed as `load_decks` parses it (and then its deck is at
hand). The decks, their order and every error are those of `load_decks`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from aiquiz.deckindex import DeckIndex, index_deck
from aiquiz.errors import DeckError
from aiquiz.loader.cache import DeckCache, Entry
from aiquiz.loader.files import Opened, parse_bytes, read_all
from aiquiz.model import AnyCard, Deck


class Shelf:
    """One deck file: its index, and its deck (read from the cache entry the first time it is needed)."""

    def __init__(self, deck: Deck | None = None, entry: Entry | None = None, opened: Opened | None = None) -> None:
        self._deck = deck
        self._entry = entry
        self._opened = opened  # the file, to parse should the cached deck or index be unreadable
        self.index: DeckIndex = entry.index(self._column) if entry is not None else index_deck(self.deck())

    def deck(self) -> Deck:
        """The deck (unpickled from the cache entry on first use)."""
        if self._deck is None:
            found = self._entry.deck() if self._entry is not None else None
            if found is None:
                assert self._opened is not None  # a shelf has a deck, or an entry and its file
                data, digest = self._opened.content()
                if digest != self._opened.digest:  # not read at the start, and changed since: the index is old
                    raise DeckError.single(self._opened.name, None, "changed on disk while this command ran "
                                           "(its cards were listed before the change); run the command again")
                found = parse_bytes(self._opened.name, data, b"", None)
            self._deck, self._opened = found, None
        return self._deck

    def card(self, card_id: str) -> tuple[Deck, AnyCard] | None:
        """The card with this id and its deck narrowed to it (`cards` holds that card only): read alone from
        the cache entry when the deck is not in memory yet."""
        at = self.index.position(card_id)
        if at is None:
            return None
        if self._deck is None and self._entry is not None:
            head, card = self._entry.head(), self._entry.card(at)
            if head is not None and card is not None and card.id == card_id:
                return dataclasses.replace(head, cards=(card,)), card
        deck = self.deck()
        found = next((c for c in deck.cards if c.id == card_id), None)
        return None if found is None else (dataclasses.replace(deck, cards=(found,)), found)

    def _column(self, name: str) -> Any:
        """An index column from the cache entry, or from the deck when the entry's column is not sound."""
        found = self._entry.column(name) if self._entry is not None else None
        return found if found is not None else index_deck(self.deck()).column(name)


class Library:
    """The decks of a run, in file order: `indexes` at once, `deck`s on demand."""

    def __init__(self, shelves: Sequence[Shelf]) -> None:
        self._shelves = list(shelves)
        self._by_id = {s.index.id: s for s in self._shelves}
        self.indexes: tuple[DeckIndex, ...] = tuple(s.index for s in self._shelves)

    @classmethod
    def of(cls, decks: Iterable[Deck]) -> Library:
        """A library of decks already in memory."""
        return cls([Shelf(d) for d in decks])

    def decks(self) -> list[Deck]:
        """Every deck (all of them materialized)."""
        return [s.deck() for s in self._shelves]

    def deck(self, deck_id: str) -> Deck | None:
        """The deck with this id, or None."""
        shelf = self._by_id.get(deck_id)
        return None if shelf is None else shelf.deck()

    def decks_for(self, key: str) -> list[Deck]:
        """The decks a card key `<deck id>/<card id>` can belong to (at most one: deck ids are unique)."""
        return [s.deck() for s in self._shelves if key.startswith(s.index.id + "/")]

    def card(self, key: str) -> tuple[Deck, AnyCard] | None:
        """The card of a key and its deck narrowed to that card (the deck's `cards` holds it alone), or None when
        no loaded deck has it. Only that card is read from the cache (the drill and `aiquiz card` show one card
        at a time; `find` gives the whole deck)."""
        deck_id, _, card_id = key.partition("/")
        shelf = self._by_id.get(deck_id)
        return None if shelf is None else shelf.card(card_id)

    def find(self, key: str) -> tuple[Deck, AnyCard] | None:
        """The deck and card of a card key, or None when no loaded deck has it."""
        for deck in self.decks_for(key):
            card_id = key[len(deck.id) + 1:]
            card = next((c for c in deck.cards if c.id == card_id), None)
            if card is not None:
                return deck, card
        return None


def load_library(paths: Iterable[str | Path], progress: Callable[[int, int, Path], None] | None = None,
                 cache: DeckCache | None = None, workers: int | None = 1) -> Library:
    """Load every deck file under `paths` as `load_decks` does, reading only indexes from the cache
    (`workers` as for `load_decks`).

    Raises:
        UsageError: a path does not exist or holds no deck files.
        DeckError: with every problem of every file (as `load_decks`).
    """
    shelves = read_all(paths, lambda opened: _shelf(opened, cache),
                       lambda shelf: (shelf.index.id, shelf.index.path), progress, cache, workers)
    return Library(shelves)


def _shelf(opened: Opened, cache: DeckCache | None) -> Shelf:
    """One file's shelf: from its cache entry when there is a sound one, else parsed (and cached)."""
    if opened.entry is not None:
        return Shelf(entry=opened.entry, opened=opened)
    data, digest = opened.content()
    return Shelf(parse_bytes(opened.name, data, digest, cache))
