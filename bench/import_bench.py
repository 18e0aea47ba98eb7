"""`aiquiz import` of a big Anki export: 100k aiquiz cards with 1M review-log rows.

Writes a synthetic current-format package (zstd `collection.anki21b`, schema-11 tables: what rslib reads
as well), then measures, each in its own process (so each peak is its own):

- `bare`: unzip + zstd-decompress the collection to a scratch file, and read every revlog row with its
  note's GUID with plain sqlite3 (the floor: the I/O any importer does);
- `read`: aiquiz's `read_package` (the same, plus matching notes by GUID and building the reviews);
- `dry`: `read_package` + the dry-run plan against an empty store;
- `import`: `read_package` + `apply_import` into a fresh store (one transaction: 1M reviews inserted, 100k
  cards rebuilt by replaying their histories with FSRS).

    python bench/import_bench.py [--cards 100000] [--reviews 1000000] [--json]
"""

from __future__ import annotations

import argparse
import json
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aiquiz.model import Deck

DECK = "bench"
NOTETYPE_ID = 1_136_857_643  # "aiquiz basic v1"
START_MS = 1_767_225_600_000  # 2026-01-01


def deck(cards: int) -> Deck:
    """A synthetic deck of `cards` true/false cards (their GUIDs are what the import matches)."""
    from aiquiz.model import Deck, Source, Text, TrueFalseCard

    items = tuple(TrueFalseCard(id=f"c{n}", statement=Text(en=f"S{n}"), answer=bool(n % 2)) for n in range(cards))
    return Deck(id=DECK, title=Text(en="Bench"), sources=(Source(id="bench"),), cards=items)


def write_package(path: Path, cards: int, reviews: int) -> None:
    """A current-format .apkg: `cards` aiquiz notes (one card each) and `reviews` revlog rows."""
    import zstandard

    from aiquiz.anki.notetypes import note_guid

    per_card = max(1, reviews // cards)
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "c.anki2"
        conn = sqlite3.connect(db)
        conn.executescript("""
            create table col (id integer primary key, crt integer, mod integer, scm integer, ver integer,
                dty integer, usn integer, ls integer, conf text, models text, decks text, dconf text, tags text);
            create table notes (id integer primary key, guid text, mid integer, mod integer, usn integer,
                tags text, flds text, sfld text, csum integer, flags integer, data text);
            create table cards (id integer primary key, nid integer, did integer, ord integer, mod integer,
                usn integer, type integer, queue integer, due integer, ivl integer, factor integer,
                reps integer, lapses integer, left integer, odue integer, odid integer, flags integer,
                data text);
            create table revlog (id integer primary key, cid integer, usn integer, ease integer, ivl integer,
                lastIvl integer, factor integer, time integer, type integer);
        """)
        models = {str(NOTETYPE_ID): {"name": "aiquiz basic v1"}}
        conn.execute("insert into col values (1, 1411124400, 0, 0, 11, 0, 0, 0, '{}', ?, '{}', '{}', '{}')",
                     (json.dumps(models),))
        conn.executemany("insert into notes values (?, ?, ?, 0, 0, '', ?, '', 0, 0, '')",
                         ((n + 1, note_guid(DECK, f"c{n}"), NOTETYPE_ID, f"S{n}\x1fb\x1fe\x1fc\x1f{DECK}/c{n}")
                          for n in range(cards)))
        conn.executemany("insert into cards values (?, ?, 1, 0, 0, 0, 2, 2, 100, 10, 2500, ?, 0, 0, 0, 0, 0, '{}')",
                         ((n + 1, n + 1, per_card) for n in range(cards)))
        ms_day = 86_400_000
        conn.executemany("insert into revlog values (?, ?, 0, ?, 1, 1, 2500, 3000, ?)",
                         ((START_MS + (i % per_card) * 3 * ms_day + i, i // per_card % cards + 1,
                           1 if i % 7 == 0 else 3, 0 if i % per_card == 0 else 1) for i in range(reviews)))
        conn.commit()
        conn.close()
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("meta", b"\x08\x03")
            with zf.open("collection.anki21b", "w", force_zip64=True) as out, db.open("rb") as src:
                zstandard.ZstdCompressor(level=3).copy_stream(src, out)


def phase_bare(package: Path) -> int:
    """Unzip, decompress and read the revlog with its GUIDs, nothing more; return rows read."""
    import zstandard

    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "c.sqlite"
        with zipfile.ZipFile(package) as zf, zf.open("collection.anki21b") as src, db.open("wb") as dst:
            zstandard.ZstdDecompressor().copy_stream(src, dst)
        conn = sqlite3.connect(db)
        rows = 0
        for _ in conn.execute("select n.guid, r.id, r.ease, r.time, r.type, r.factor from revlog r"
                              " join cards c on c.id = r.cid join notes n on n.id = c.nid"):
            rows += 1
        conn.close()
    return rows


def phase_aiquiz(package: Path, cards: int, mode: str) -> int:
    """aiquiz's read (and dry run, or import into a fresh store); return reviews read."""
    from aiquiz.anki.progress_import import apply_import, read_package
    from aiquiz.progress.settings import Settings
    from aiquiz.progress.store import Store

    read = read_package(package, [deck(cards)])
    if mode == "dry":
        apply_import(read, None, Settings(), dry_run=True)
    elif mode == "import":
        with tempfile.TemporaryDirectory() as folder, Store.open(Path(folder) / "p.sqlite3") as store:
            report = apply_import(read, store, Settings())
            assert report.merged.added == len(read.matched.reviews)
    return len(read.matched.reviews)


def run_phase(phase: str, package: Path, cards: int) -> dict[str, float]:
    """Run one phase in a fresh process; its wall time and peak resident memory."""
    out = subprocess.run([sys.executable, __file__, "--phase", phase, "--package", str(package),
                          "--cards", str(cards)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--reviews", type=int, default=1_000_000)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--phase")
    parser.add_argument("--package", type=Path)
    args = parser.parse_args()
    if args.phase:  # a child: one phase, measured
        start = time.perf_counter()
        rows = phase_bare(args.package) if args.phase == "bare" else phase_aiquiz(args.package, args.cards, args.phase)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps({"seconds": round(time.perf_counter() - start, 2), "peak_mb": round(peak), "rows": rows}))
        return
    with tempfile.TemporaryDirectory() as folder:
        package = Path(folder) / "bench.apkg"
        start = time.perf_counter()
        write_package(package, args.cards, args.reviews)
        results = {"cards": args.cards, "reviews": args.reviews, "package_mb": round(package.stat().st_size / 2**20, 1),
                   "write_package_s": round(time.perf_counter() - start, 1)}
        for phase in ("bare", "read", "dry", "import"):
            results[phase] = run_phase(phase, package, args.cards)
    bare = results["bare"]
    for phase in ("read", "dry", "import"):
        results[phase]["x_bare_time"] = round(results[phase]["seconds"] / max(bare["seconds"], 1e-9), 1)
        results[phase]["x_bare_memory"] = round(results[phase]["peak_mb"] / max(bare["peak_mb"], 1), 1)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"{args.cards} cards, {args.reviews} revlog rows; package {results['package_mb']} MB")
    for phase in ("bare", "read", "dry", "import"):
        r = results[phase]
        extra = "" if phase == "bare" else f"  ({r['x_bare_time']}x time, {r['x_bare_memory']}x memory of bare)"
        print(f"{phase:>7}: {r['seconds']:>7.2f} s  peak {r['peak_mb']:>5} MB  rows {r['rows']}{extra}")


if __name__ == "__main__":
    main()
