"""`aiquiz optimize` at scale: fit + held-out evaluation on 10k, 100k and 1M simulated reviews.

    python bench/optimize_bench.py                 # all sizes, one fresh process each
    python bench/optimize_bench.py --sizes 10000   # some sizes
    python bench/optimize_bench.py --one 100000    # one size in this process (what the above runs)

Each size runs in its own process so its peak memory (ru_maxrss) is its own. The reviews are made
cheaply: one simulated learner's ~10k reviews (600 cards over 150 days), tiled with new card keys and
shifted by whole days until the size is reached. The fit's cost depends on how many histories there are
and how long they are, not on their variety, so tiling measures the same work. Printed per size: the
seconds (wall and CPU: on a shared machine CPU time is the steadier figure) and peak RSS of `fit` (the
events themselves, as the store would hand them over, are counted in "before"), then the growth from
100k to 1M (issue 14's target: within 12x).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from aiquiz.progress.optimize import fit  # noqa: E402
from aiquiz.progress.params import DayClock, Params, ReviewEvent  # noqa: E402
from aiquiz.progress.simulate import LearnerProfile, simulate_reviews  # noqa: E402

SIZES = (10_000, 100_000, 1_000_000)
START = datetime(2024, 1, 1, 9, tzinfo=UTC)


def make_events(size: int) -> list[ReviewEvent]:
    """`size` reviews: one simulated block, tiled with new keys and shifted by whole days."""
    block = simulate_reviews(LearnerProfile(), cards=600, days=150, new_per_day=10, seed=1, start=START)
    events: list[ReviewEvent] = []
    copy = 0
    while len(events) < size:
        shift = timedelta(days=copy % 90)
        take = block[:size - len(events)]
        events += [ReviewEvent(f"{e.key}#{copy}", e.rating, e.at + shift, e.duration_ms) for e in take]
        copy += 1
    return events


def rss_mb() -> float:
    """Peak resident memory of this process so far, MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def one(size: int) -> dict[str, float]:
    """Generate `size` reviews, then time `fit` on them; the figures as a dict."""
    t0 = time.perf_counter()
    events = make_events(size)
    generated = time.perf_counter() - t0
    before = rss_mb()
    t1 = time.perf_counter()
    c1 = time.process_time()
    outcome = fit(events, Params.default(), now=START + timedelta(days=400), clock=DayClock())
    seconds = time.perf_counter() - t1
    cpu = time.process_time() - c1
    return {"size": size, "usable": outcome.usable_reviews, "generate_s": generated,
            "fit_s": seconds, "cpu_s": cpu, "rss_before_mb": before, "rss_peak_mb": rss_mb(),
            "verdict": outcome.verdict.value}  # type: ignore[dict-item]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--one", type=int, help="run one size in this process and print JSON")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one)))
        return
    results = {}
    print(f"{'reviews':>9} {'usable':>9} {'fit s':>8} {'CPU s':>8} {'RSS before':>11} {'RSS peak':>9}"
          "  verdict")
    for size in args.sizes:
        out = subprocess.run([sys.executable, __file__, "--one", str(size)], capture_output=True,
                             text=True, check=True)
        r = json.loads(out.stdout)
        results[size] = r
        print(f"{size:>9} {r['usable']:>9} {r['fit_s']:>8.1f} {r['cpu_s']:>8.1f} {r['rss_before_mb']:>9.0f}MB"
              f" {r['rss_peak_mb']:>7.0f}MB  {r['verdict']}", flush=True)
    if 100_000 in results and 1_000_000 in results:
        small, big = results[100_000], results[1_000_000]
        added = [max(1.0, r["rss_peak_mb"] - r["rss_before_mb"]) for r in (small, big)]
        print(f"growth 100k -> 1M: time {big['fit_s'] / small['fit_s']:.1f}x, CPU time "
              f"{big['cpu_s'] / small['cpu_s']:.1f}x, peak RSS "
              f"{big['rss_peak_mb'] / small['rss_peak_mb']:.1f}x, RSS added by fit "
              f"{added[1] / added[0]:.1f}x (target: within 12x)")


if __name__ == "__main__":
    main()
