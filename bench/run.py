"""Run every aiquiz benchmark and print one table: `python bench/run.py` (from the repo root, in the venv).

Each cost is measured as a ratio to a baseline taken in the same run, since absolute times on a shared
machine are noisy:
- start-up: `aiquiz --help` and `aiquiz validate` against a minimal Typer hello-world (best of N);
- build: `aiquiz validate`, `aiquiz anki`, `aiquiz quiz --count 1000` on synthetic decks of 1k, 10k and
  100k cards, `aiquiz anki` against a bare genanki script writing the same notes; peak memory;
- drill: choosing the next card and recording an answer with 100k cards and 1M review-log rows.
The build figures are without the compiled deck cache (AIQUIZ_NO_CACHE=1); bench/scale_bench.py has the
warm-start, cold-parse and in-memory-baseline figures of issue 17.

Options: --sizes 1000,10000,100000  --repeat 3  --startup-runs 10  --skip-drill  --json FILE
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
sys.path.insert(0, str(HERE))

from gen_decks import write_decks  # noqa: E402

PY = sys.executable
AIQUIZ = [PY, "-m", "aiquiz"]
HELLO = HERE / "hello_typer.py"


def measure(cmd: list[str], cwd: Path = ROOT) -> tuple[float, float, int]:
    """Run `cmd`; return (wall seconds, peak RSS in MB, exit code)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        err = proc.stderr.read().decode(errors="replace")[-400:] if proc.stderr else ""
        print(f"  ! {' '.join(cmd[2:] if cmd[:2] == [PY, '-m'] else cmd)} exited {proc.returncode}: {err}",
              file=sys.stderr)
    return elapsed, usage.ru_maxrss / 1024, proc.returncode


def best(cmd: list[str], runs: int, cwd: Path = ROOT) -> tuple[float, float, int]:
    """The fastest of `runs` runs (time, its peak RSS, worst exit code)."""
    results = [measure(cmd, cwd) for _ in range(runs)]
    fastest = min(results, key=lambda r: r[0])
    return fastest[0], max(r[1] for r in results), max(r[2] for r in results)


def startup(runs: int) -> list[dict]:
    """Start-up of `aiquiz --help` and `aiquiz validate` against a Typer hello-world."""
    hello, _, _ = best([PY, str(HELLO), "--help"], runs)
    rows = [{"metric": "start-up: typer hello-world --help", "seconds": hello}]
    for name, args, goal in (("aiquiz --help", ["--help"], 1.3), ("aiquiz validate (shipped decks)", ["validate"], None)):
        seconds, _, code = best(AIQUIZ + args, runs)
        rows.append({"metric": f"start-up: {name}", "seconds": seconds, "ratio": seconds / hello,
                     "baseline": "hello-world", "goal": goal, "ok": code == 0 and (goal is None or seconds / hello <= goal)})
    return rows


def build(sizes: list[int], repeat: int) -> list[dict]:
    """validate / anki / quiz / bare genanki at each size, with peak memory."""
    rows: list[dict] = []
    anki_times: dict[int, float] = {}
    for size in sizes:
        decks = OUT / f"decks-{size}"
        if not decks.is_dir():
            write_decks(size, decks)
        runs = 1 if size >= 100_000 else repeat
        work = {
            "validate": AIQUIZ + ["validate", str(decks)],
            "anki": AIQUIZ + ["anki", str(decks), "--out", str(OUT / f"aiquiz-{size}.apkg")],
            "quiz --count 1000": AIQUIZ + ["quiz", str(decks), "--count", str(min(1000, size)), "--seed", "1",
                                           "--out", str(OUT / f"quiz-{size}.html")],
            "bare genanki": [PY, str(HERE / "bare_genanki.py"), str(decks), str(OUT / f"bare-{size}.apkg")],
            "bare genanki, gc tuned": [PY, str(HERE / "bare_genanki.py"), str(decks),
                                       str(OUT / f"bare-{size}.apkg"), "--gc-tuned"],
        }
        got = {name: best(cmd, runs) for name, cmd in work.items()}
        bare = min(got["bare genanki"][0], got["bare genanki, gc tuned"][0])  # the stronger baseline
        anki_times[size] = got["anki"][0]
        for name, (seconds, rss, code) in got.items():
            row = {"metric": f"build {size:>6}: {name}", "seconds": seconds, "peak_mb": rss, "ok": code == 0}
            if name == "anki":
                row.update(ratio=seconds / bare, baseline="bare genanki", goal=2.0 if size >= 10_000 else None)
                row["ok"] = code == 0 and (size < 10_000 or seconds / bare <= 2.0)
                if size >= 100_000:
                    row["ok"] = row["ok"] and rss < 600
                    row["memory_goal_mb"] = 600
            rows.append(row)
    if 10_000 in anki_times and 100_000 in anki_times:
        growth = anki_times[100_000] / anki_times[10_000]
        rows.append({"metric": "build growth: anki 100k / 10k", "ratio": growth, "goal": 12.0, "ok": growth <= 12.0})
    return rows


def drill() -> list[dict]:
    """Next-card and record-answer latency with a big store (bench/drill_bench.py)."""
    script = HERE / "drill_bench.py"
    if not script.exists():
        return [{"metric": "drill: not measured (bench/drill_bench.py missing)", "ok": False}]
    out = subprocess.run([PY, str(script), "--json"], cwd=ROOT, capture_output=True, text=True)
    if out.returncode != 0:
        return [{"metric": f"drill: failed ({out.stderr.strip()[-200:]})", "ok": False}]
    return json.loads(out.stdout)


def table(rows: list[dict]) -> str:
    """The results as a plain-text table."""
    lines = [f"{'metric':<44} {'seconds':>13} {'ratio':>7} {'goal':>6} {'peak MB':>8}  ok"]
    for r in rows:
        sec = f"{r['seconds']:.3f}" if "seconds" in r else r.get("value", "")
        ratio = f"{r['ratio']:.2f}x" if "ratio" in r else ""
        goal = f"{r['goal']}x" if r.get("goal") else (r.get("goal_text") or "")
        mb = f"{r['peak_mb']:.0f}" if "peak_mb" in r else ""
        ok = "" if "ok" not in r else ("yes" if r["ok"] else "NO")
        lines.append(f"{r['metric']:<44} {sec:>13} {ratio:>7} {goal:>6} {mb:>8}  {ok}")
    return "\n".join(lines)


def main() -> None:
    """Parse options, run the benchmarks, print the table (and write JSON)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--startup-runs", type=int, default=10)
    parser.add_argument("--skip-drill", action="store_true")
    parser.add_argument("--skip-build", action="store_true")
    parser.add_argument("--json", type=Path, default=OUT / "results.json")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    # The build figures are cold (every file parsed); bench/scale_bench.py measures the deck cache.
    os.environ["AIQUIZ_NO_CACHE"] = "1"
    os.environ["AIQUIZ_CACHE_DIR"] = str(OUT / "cache")
    print(f"machine: {platform.platform()}, {os.cpu_count()} cpus, Python {platform.python_version()}")
    rows = startup(args.startup_runs)
    print(table(rows), flush=True)
    if not args.skip_build:
        rows += build([int(s) for s in args.sizes.split(",")], args.repeat)
    if not args.skip_drill:
        rows += drill()
    print("\n" + table(rows))
    args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
