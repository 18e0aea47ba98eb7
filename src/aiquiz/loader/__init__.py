"""Read deck files into the model: the only YAML reader in aiquiz.

The YAML is composed into nodes with *no* implicit typing, so every scalar is the text written
(`no`, `300`, `2024-10-16` stay strings); numbers and booleans are read only where the format
(`aiquiz.spec`) expects them. Every problem carries the file, the line and the card id, and all
problems of a file (and of a run) are reported together.

Modules, in the order data flows through them:
    yamlsafe  compose YAML text into nodes: no implicit types, no tags, bounded aliases
    nodes     NodeReader: typed values (text, ids, numbers, lists, citations, sources) from nodes
    cards     DeckReader: cards and decks, and the checks that need a whole card
    files     parse_deck(text, path), deck_files, read_deck_file, load_decks
"""

from aiquiz.loader.files import deck_files, load_decks, parse_deck, read_deck_file

__all__ = ["deck_files", "load_decks", "parse_deck", "read_deck_file"]
