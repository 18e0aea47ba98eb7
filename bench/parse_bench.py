"""Parse routes compared in one process (issue 17): CPU seconds to turn the synthetic decks' text into decks.

    python bench/parse_bench.py [--size 10000] [--repeat 3]

Routes, each on the same texts, best of `--repeat` (CPU time, so other jobs on the machine matter less):
- `json.loads` of the same data (the floor: no positions, no checks);
- libyaml composing nodes (what every route with line numbers started from);
- the careful reader alone (`parse_deck(fast=False)`);
- libyaml + the fast card path (what a file outside plain YAML takes);
- the plain-YAML reader + the fast card path (what deck files as written take), and its two halves.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bare_genanki import write_json  # noqa: E402
from gen_decks import write_decks  # noqa: E402

from aiquiz.loader import files  # noqa: E402
from aiquiz.loader.cards import DeckReader  # noqa: E402
from aiquiz.loader.plainyaml import read_plain  # noqa: E402
from aiquiz.loader.yamlsafe import compose  # noqa: E402


def best(run: object, repeat: int) -> float:
    """The least CPU time of `repeat` calls of `run`."""
    times = []
    for _ in range(repeat):
        start = time.process_time()
        run()  # type: ignore[operator]
        times.append(time.process_time() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    decks = HERE / "out" / f"decks-{args.size}"
    if not decks.is_dir():
        write_decks(args.size, decks)
    if not decks.with_suffix(".json").exists():
        write_json(decks)
    texts = [(str(p), p.read_text(encoding="utf-8")) for p in sorted(decks.glob("*.yaml"))]
    floor = decks.with_suffix(".json").read_text(encoding="utf-8")
    plains = [(name, read_plain(text)) for name, text in texts]
    assert all(p is not None for _, p in plains), "the synthetic decks should be plain YAML"
    gc.disable()  # as the command line parses
    routes = {
        "json.loads of the same data (floor)": lambda: json.loads(floor),
        "libyaml compose (nodes with lines)": lambda: [compose(t, n) for n, t in texts],
        "careful reader (libyaml + checks)": lambda: [files.parse_deck(t, n, fast=False) for n, t in texts],
        "libyaml + fast card path": lambda: [DeckReader(n).deck(compose(t, n)) for n, t in texts],
        "plain reader + fast card path": lambda: [files.parse_deck(t, n) for n, t in texts],
        "  of which: plain reader": lambda: [read_plain(t) for _, t in texts],
        "  of which: cards from plain values": lambda: [DeckReader(n).plain_deck(p) for n, p in plains],  # type: ignore[arg-type]
    }
    base = None
    print(f"{args.size} cards, {sum(len(t) for _, t in texts) / 2**20:.1f} MB of YAML; CPU s, best of {args.repeat}")
    for name, run in routes.items():
        seconds = best(run, args.repeat)
        base = base or seconds
        print(f"{name:<40} {seconds:7.3f} s  {seconds / base:6.1f}x floor")


if __name__ == "__main__":
    main()
