"""The baseline for `aiquiz anki`: a bare genanki script writing the same notes from the same YAML.

It does the least work that produces an importable package: one genanki note per card (front/back
fields, no validation, no escaping, no citations). The notes' strings come from DECKS_DIR.json when it
exists (the same data as JSON, one json.load: "strings already in memory"), else from the YAML parsed
with PyYAML's C loader.

    python bench/bare_genanki.py DECKS_DIR OUT.apkg [--gc-tuned]

With --gc-tuned it parses with the cyclic garbage collector off and freezes what it loaded, as
`aiquiz` does: the stronger baseline (without it, the collector's rescans make time grow faster than
the decks).
"""

from __future__ import annotations

import gc
import json
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


def read_docs(decks_dir: Path, gc_tuned: bool = False) -> list[dict]:
    """The deck files as plain data: from `decks.json` beside them when it exists (strings already in
    memory after one json.load: the parse floor), else parsed with PyYAML's C loader."""
    if gc_tuned:
        gc.disable()
    floor = decks_dir.with_suffix(".json")
    if floor.exists():
        docs = json.loads(floor.read_text(encoding="utf-8"))
    else:
        docs = [yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
                for path in sorted(decks_dir.glob("*.yaml"))]
    if gc_tuned:
        gc.freeze()
        gc.enable()
    return docs


def write_json(decks_dir: Path) -> Path:
    """Write the decks' data as one JSON file beside the folder (DIR.json), for the in-memory baseline."""
    docs = [yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
            for path in sorted(decks_dir.glob("*.yaml"))]
    out = decks_dir.with_suffix(".json")
    out.write_text(json.dumps(docs, ensure_ascii=False), encoding="utf-8")
    return out


def main(decks_dir: Path, out: Path, gc_tuned: bool = False) -> None:
    """Write one genanki deck per deck file into one package."""
    decks = []
    docs = read_docs(decks_dir, gc_tuned)
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
