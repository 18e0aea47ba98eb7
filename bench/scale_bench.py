"""Large collections (issue 17): warm start, cold parse and the Anki build, each against its baseline.

    python bench/scale_bench.py [--sizes 1000,10000,100000] [--repeat 3] [--json FILE]

At each size, in the same run:
- baselines: the Typer hello-world run with an option (start-up; not its --help), `json.load` of the
  same decks as JSON (the parse floor, in a child), a bare genanki script writing the same notes from
  those JSON strings;
- cold: `aiquiz --no-cache validate` and `aiquiz --no-cache anki` (every file parsed);
- warm: the compiled deck cache filled once, then `validate`, `anki`, `stats`, `card`, `due` and `drill`
  (to the first card and out: stdin is empty) with a fresh progress store; and the drill as a learner starts
  it, the `aiquiz` console script in a pseudo-terminal (rich draws the card), timed until the first card is
  on the screen, against the hello-world in a pseudo-terminal until it has printed.
Each figure is the median of `--repeat` runs, with the fastest and slowest (the machine is shared); a
figure with a goal is run in turn with its baseline (warm anki with bare genanki, each warm command with
the hello-world), and its ratio is that of the two medians of those runs. Peak memory is /usr/bin/time's.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
sys.path.insert(0, str(HERE))

from bare_genanki import write_json  # noqa: E402
from gen_decks import write_decks  # noqa: E402

PY = sys.executable
AIQUIZ = [PY, "-m", "aiquiz"]
AIQUIZ_SCRIPT = [str(Path(PY).with_name("aiquiz"))]  # the console script a learner runs (no runpy)


_TIME = Path("/usr/bin/time")


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """Run `cmd` with stdin empty; (wall seconds, peak RSS MB, exit code).

    The peak is measured by /usr/bin/time when there is one: a child forked from this process starts with
    this process's peak (Linux keeps it across exec), which says nothing about the command.
    """
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        timed = [str(_TIME), "-f", "%M", "-o", rss.name, *cmd] if _TIME.exists() else cmd
        start = time.perf_counter()
        proc = subprocess.Popen(timed, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        text = rss.read().strip().splitlines()
        peak_kb = float(text[-1]) if text and text[-1].isdigit() else usage.ru_maxrss
    if code != 0:
        err = proc.stderr.read().decode(errors="replace")[-300:] if proc.stderr else ""
        print(f"  ! {' '.join(cmd[-4:])} exited {code}: {err}", file=sys.stderr)
    return seconds, peak_kb / 1024, code


def summary(got: list[tuple[float, float, int]]) -> dict:
    """Median, fastest and slowest of some runs, the largest peak RSS and the worst exit code."""
    times = [g[0] for g in got]
    return {"seconds": statistics.median(times), "min": min(times), "max": max(times),
            "peak_mb": max(g[1] for g in got), "ok": max(g[2] for g in got) == 0}


def median_of(cmd: list[str], env: dict[str, str], repeat: int) -> dict:
    """`summary` of `repeat` runs of `cmd`."""
    return summary([run(cmd, env) for _ in range(repeat)])


def paired(cmd: list[str], base: list[str], env: dict[str, str], repeat: int) -> tuple[dict, dict]:
    """`cmd` and its baseline `base` run in turn, `repeat` times each: the `summary` of each. Taking turns
    puts both under the same load (this machine is shared), so their ratio means something."""
    got: list[tuple[float, float, int]] = []
    based: list[tuple[float, float, int]] = []
    for _ in range(repeat):
        based.append(run(base, env))
        got.append(run(cmd, env))
    return summary(got), summary(based)


def in_terminal(cmd: list[str], shown: str, env: dict[str, str]) -> tuple[float, float, int]:
    """Run `cmd` in a pseudo-terminal, as a learner does, until `shown` is on the screen; then quit it.
    (wall seconds to that point, 0 MB: not measured, exit code 0 when `shown` appeared)."""
    import pexpect

    start = time.perf_counter()
    child = pexpect.spawn(cmd[0], cmd[1:], cwd=str(ROOT), env={**env, "TERM": "xterm-256color"},
                          dimensions=(40, 120), encoding="utf-8")
    try:
        child.expect(shown, timeout=120)
        seconds, code = time.perf_counter() - start, 0
    except (pexpect.EOF, pexpect.TIMEOUT):
        seconds, code = time.perf_counter() - start, 1
        print(f"  ! {' '.join(cmd[-4:])}: {shown!r} never shown", file=sys.stderr)
    child.sendline("q")
    child.terminate(force=True)
    return seconds, 0.0, code


def paired_in_terminal(cmd: list[str], shown: str, base: list[str], base_shown: str, env: dict[str, str],
                       repeat: int) -> tuple[dict, dict]:
    """`in_terminal` runs of `cmd` and of its baseline in turn (as `paired`)."""
    got, based = [], []
    for _ in range(repeat):
        based.append(in_terminal(base, base_shown, env))
        got.append(in_terminal(cmd, shown, env))
    return summary(got), summary(based)


_FLOOR = ("import json, sys, time; text = open(sys.argv[1], encoding='utf-8').read(); "
          "start = time.perf_counter(); json.loads(text); print(time.perf_counter() - start)")


def json_floor(path: Path, repeat: int) -> dict:
    """json.loads of the decks' data, timed inside a child process (the parse floor).

    A child, so this process stays small: Linux carries a parent's peak RSS into the children it starts.
    """
    times = [float(subprocess.run([PY, "-c", _FLOOR, str(path)], capture_output=True, text=True,
                                  check=True).stdout) for _ in range(repeat)]
    return {"seconds": statistics.median(times), "min": min(times), "max": max(times), "ok": True}


def row(metric: str, got: dict, base: dict | None = None, goal: float | None = None, **extra: object) -> dict:
    """One result row; with a baseline, the ratio and whether the goal is met."""
    out = {"metric": metric, **got, **extra}
    if base is not None:
        out["ratio"] = got["seconds"] / base["seconds"]
        if goal is not None:
            out["goal"] = goal
            out["ok"] = got["ok"] and out["ratio"] <= goal
    return out


def one_size(size: int, repeat: int) -> list[dict]:
    """Every scale figure at one size."""
    decks = OUT / f"decks-{size}"
    if not decks.is_dir():
        write_decks(size, decks)
    floor_file = decks.with_suffix(".json")
    if not floor_file.exists():
        write_json(decks)
    runs = max(1, repeat)
    with tempfile.TemporaryDirectory(prefix="aiquiz-scale-") as tmp:
        env = {**os.environ, "AIQUIZ_CACHE_DIR": str(Path(tmp) / "cache"), "AIQUIZ_HOME": tmp}
        cold_env = {**env, "AIQUIZ_NO_CACHE": "1"}
        store = ["--store", str(Path(tmp) / "progress.sqlite3")]
        apkg = ["--out", str(Path(tmp) / "out.apkg")]
        # The hello-world run as a program is run (a command with an option), not its --help: rendering help
        # with rich takes twice as long as the whole run, which would flatter every ratio to it.
        hello_cmd = [PY, str(HERE / "hello_typer.py"), "--name", "world"]
        bare_cmd = [PY, str(HERE / "bare_genanki.py"), str(decks), str(Path(tmp) / "bare.apkg"), "--gc-tuned"]
        hello = median_of(hello_cmd, env, max(runs, 5))
        floor = json_floor(floor_file, max(runs, 5))
        rows = [row(f"{size:>6} baseline: typer hello-world", hello),
                row(f"{size:>6} baseline: json.loads of the decks", floor)]
        cold = median_of(AIQUIZ + ["validate", str(decks)], cold_env, runs)
        rows.append(row(f"{size:>6} cold validate (no cache)", cold, floor, None,
                        vs_hello=cold["seconds"] / hello["seconds"], goal_text="< 5 s" if size >= 100_000 else ""))
        if size >= 100_000:
            rows[-1]["met"] = cold["ok"] and cold["max"] < 5.0  # every run, not only the median
        cold_anki, bare = paired(AIQUIZ + ["anki", str(decks)] + apkg, bare_cmd, cold_env, 1)
        rows.append(row(f"{size:>6} cold anki (no cache)", cold_anki, bare))
        run(AIQUIZ + ["validate", str(decks)], env)  # fill the cache
        warm_anki, bare = paired(AIQUIZ + ["anki", str(decks)] + apkg, bare_cmd, env, runs)
        rows.append(row(f"{size:>6} baseline: bare genanki (with warm anki)", bare))
        rows.append(row(f"{size:>6} warm anki", warm_anki, bare, 2.0 if size >= 10_000 else None))
        key = f"bench-000/card-{min(size, 5000) - 1}"
        warm = {"validate": ["validate", str(decks)], "due": ["due"] + store,
                "stats": ["stats", str(decks)] + store, "card": ["card", key, str(decks)] + store,
                "drill (first card)": ["drill", str(decks)] + store}
        for name, args in warm.items():
            got, hello_then = paired(AIQUIZ + args, hello_cmd, env, runs)
            rows.append(row(f"{size:>6} warm {name}", got, hello_then,
                            3.0 if size >= 100_000 and name != "validate" else None))
        # The drill as a learner starts it: in a terminal (rich draws the card), until the first card shows.
        first = "Question number 0 "
        got, hello_then = paired_in_terminal(AIQUIZ_SCRIPT + ["drill", str(decks)] + store, first, hello_cmd,
                                             "hello world", env, max(runs, 5))
        rows.append(row(f"{size:>6} warm drill, first card in a terminal", got, hello_then,
                        3.0 if size >= 100_000 else None))
    return rows


def table(rows: list[dict]) -> str:
    """The rows as text: median (min-max), ratio to the baseline, goal, peak memory."""
    lines = [f"{'metric':<46} {'median s':>9} {'(min-max)':>15} {'ratio':>8} {'goal':>6} {'MB':>6}  ok"]
    for r in rows:
        spread = f"({r['min']:.2f}-{r['max']:.2f})" if "min" in r else ""
        ratio = f"{r['ratio']:.2f}x" if "ratio" in r else ""
        goal = f"{r['goal']}x" if r.get("goal") else r.get("goal_text", "")
        mb = f"{r['peak_mb']:.0f}" if r.get("peak_mb") else ""
        met = r["ok"] if "goal" in r else r.get("met")
        ok = "" if met is None else ("yes" if met else "NO")
        lines.append(f"{r['metric']:<46} {r['seconds']:>9.3f} {spread:>15} {ratio:>8} {goal:>6} {mb:>6}  {ok}")
    return "\n".join(lines)


def main() -> None:
    """Run the scale benchmarks at each size and print (and save) the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path, default=OUT / "scale.json")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    # Bytecode for aiquiz's modules, as an installed package has it: with PYTHONDONTWRITEBYTECODE set (some
    # machines set it) an editable install would compile every module again on every run (~0.1 s).
    compileall.compile_dir(ROOT / "src" / "aiquiz", quiet=1)
    rows: list[dict] = []
    for size in (int(s) for s in args.sizes.split(",")):
        rows += one_size(size, args.repeat)
        print(table(rows), flush=True)
    args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
