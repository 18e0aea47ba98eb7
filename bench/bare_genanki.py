"""The baseline for `aiquiz anki`: a bare genanki script writing the same notes from the same YAML.

It does the least work that produces an importable package: YAML parsed with PyYAML's C loader, one
genanki note per card (front/back fields, no validation, no escaping, no citations).

    python bench/bare_genanki.py DECKS_DIR OUT.apkg [--gc-tuned]

With --gc-tuned it parses with the cyclic garbage collector off and freezes what it loaded, as
`aiquiz` does: the stronger baseline (without it, the collector's rescans make time grow faster than
the decks).
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path

import genanki
import yaml

MODEL = genanki.Model(1607392319, "bare", fields=[{"name": "Front"}, {"name": "Back"}],
                      templates=[{"name": "Card 1", "qfmt": "{{Front}}", "afmt": "{{Back}}"}])


def front_back(card: dict) -> tuple[str, str]:
    """The two fields of a bare note for any kind of card (English side)."""
    kind = card["kind"]
    if kind == "cloze":
        return card["text"]["en"], card["text"]["en"]
    if kind == "truefalse":
        return card["statement"]["en"], str(card["answer"])
    if kind == "choice":
        return card["front"]["en"] + "".join(c["en"] for c in card["choices"]), str(card["answer"])
    return card["front"]["en"], card["back"]["en"]


def main(decks_dir: Path, out: Path, gc_tuned: bool = False) -> None:
    """Write one genanki deck per YAML file into one package."""
    decks = []
    if gc_tuned:
        gc.disable()
    docs = [yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
            for path in sorted(decks_dir.glob("*.yaml"))]
    if gc_tuned:
        gc.enable()
        gc.freeze()
    for number, doc in enumerate(docs):
        deck = genanki.Deck(2059400110 + number, doc["deck"])
        for card in doc["cards"]:
            front, back = front_back(card)
            deck.add_note(genanki.Note(model=MODEL, fields=[front, back],
                                       guid=genanki.guid_for(doc["deck"], card["id"])))
        decks.append(deck)
    genanki.Package(decks).write_to_file(out)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), "--gc-tuned" in sys.argv[3:])
