"""Drill latency with a big progress store: 100k studied cards and 1M review-log rows.

Measures, per card of a session, (1) choosing the next card (`session.current` + `session.progress`,
what happens before a card shows) and (2) recording an answer (`Store.record` with the typed answer, the
leech rule and the deck's parameters — one committed transaction — + `session.answer` + the undo stack).
The day's machinery runs as in the drill: the session starts with `runner.plan_day` (today's new and
review counts from the log, suspended/buried marks, the related-card map: every card shares its cited
passage with one other card) and a tenth of the cards are buried or suspended. Also reports opening the
store and planning the day, and `aiquiz due` (a subprocess, best of 5) against a Typer hello-world.

    python bench/drill_bench.py [--cards 100000] [--reviews 1000000] [--answers 500] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiquiz.drill import session
from aiquiz.drill.runner import DrillOptions, plan_day
from aiquiz.model import Citation, Deck, Source, Text, TrueFalseCard
from aiquiz.progress.records import LeechRule
from aiquiz.progress.scheduler import Rating, fsrs_card_id, review
from aiquiz.progress.settings import Settings
from aiquiz.progress.store import Store
from aiquiz.select import Picked

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
PER_DECK = 5000


def synthetic_picked(cards: int) -> list[Picked]:
    """`cards` cards in decks of 5000, as the drill's selection."""
    picked = []
    for d in range(0, cards, PER_DECK):
        items = tuple(TrueFalseCard(id=f"c{n}", statement=Text(en=f"S{n}"), answer=bool(n % 2),
                                    cite=(Citation(anchor=f"passage {n // 2}"),))  # pairs share a passage
                      for n in range(d, min(cards, d + PER_DECK)))
        deck = Deck(id=f"bench-{d // PER_DECK}", title=Text(en="B"), sources=(Source(id="bench"),), cards=items)
        picked.extend(Picked(deck, c) for c in items)
    return picked


def fill(path: Path, picked: list[Picked], reviews: int) -> None:
    """Seed the store: every card studied (a fifth of them due now), `reviews` review-log rows."""
    Store.open(path).close()  # create the schema the way the drill does
    conn = sqlite3.connect(path)
    rows, log = [], []
    per_card = max(1, reviews // len(picked))
    for n, p in enumerate(picked):
        when = NOW - timedelta(days=30 + n % 20)
        memory = review(None, p.key, Rating.GOOD, when)
        memory = review(memory, p.key, Rating.GOOD, when + timedelta(days=1))
        due = NOW - timedelta(hours=1) if n % 5 == 0 else NOW + timedelta(days=1 + n % 30)
        rows.append((p.key, memory.card_id, int(memory.phase), due.isoformat(),
                     json.dumps({**memory.to_dict(), "due": due.isoformat()}), when.isoformat()))
        cid = fsrs_card_id(p.key)
        log.extend((p.key, cid, 3, (when + timedelta(minutes=k)).isoformat(), 5000, 2) for k in range(per_card))
    marks = [(p.key, int(n % 20 == 1), (NOW + timedelta(hours=8)).isoformat() if n % 20 == 11 else None)
             for n, p in enumerate(picked) if n % 10 == 1]  # a tenth: half suspended, half buried
    with conn:
        conn.executemany("INSERT INTO marks (key, suspended, buried_until) VALUES (?, ?, ?)", marks)
        conn.executemany("INSERT INTO cards (key, card_id, phase, due, memory, updated) VALUES (?,?,?,?,?,?)", rows)
        conn.executemany("INSERT INTO reviews (key, card_id, rating, reviewed_at, duration_ms, phase)"
                         " VALUES (?,?,?,?,?,?)", log[:reviews])
    conn.close()


def best_of(cmd: list[str], runs: int = 5) -> float:
    """The fastest of `runs` wall-clock runs of a command (start-up figures: the least disturbed run)."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, env={**os.environ, "AIQUIZ_NO_CACHE": "1"})
        times.append(time.perf_counter() - start)
    return min(times)


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank) of values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def main() -> None:
    """Seed a store, run a session of `--answers` answers, print the latencies."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--reviews", type=int, default=1_000_000)
    parser.add_argument("--answers", type=int, default=500)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    picked = synthetic_picked(args.cards)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "progress.sqlite3"
        fill(path, picked, args.reviews)
        t0 = time.perf_counter()
        store = Store.open(path)
        t1 = time.perf_counter()
        decks = list({id(p.deck): p.deck for p in picked}.values())
        settings = Settings(reviews_per_day=100_000)
        queue = plan_day(decks, picked, store, settings, NOW, DrillOptions(new=10)).queue
        state = session.start(queue, NOW)
        t2 = time.perf_counter()
        rule, undo = LeechRule(settings.leech_threshold, True), []
        choose, record = [], []
        for i in range(args.answers):
            now = NOW + timedelta(seconds=10 * i)
            a = time.perf_counter()
            item = session.current(state, now)
            session.progress(state, now)
            b = time.perf_counter()
            recorded = store.record(item.key, Rating.GOOD if i % 4 else Rating.AGAIN, now, 4000,
                                    settings.retention_for(item.key.split("/")[0]), typed="true", leech=rule)
            undo.append((state, recorded))
            state = session.answer(state, item.key, Rating.GOOD, recorded.memory, now)
            c = time.perf_counter()
            choose.append((b - a) * 1000)
            record.append((c - b) * 1000)
        store.close()
        due, hello = best_of([sys.executable, "-m", "aiquiz", "due", "--store", str(path)]), best_of(
            [sys.executable, str(Path(__file__).parent / "hello_typer.py"), "--name", "world"])
    rows = [
        {"metric": "drill: open store (integrity check)", "seconds": t1 - t0, "ok": True},
        {"metric": f"drill: plan the day: counts, marks, related, queue ({len(queue)})", "seconds": t2 - t1,
         "ok": True},
        {"metric": "due: aiquiz due vs hello-world (s)", "goal_text": "1.5x",
         "value": f"{due:.3f} / {hello:.3f} = {due / hello:.2f}x", "ok": due / hello <= 1.5},
    ]
    for name, values in (("next card", choose), ("record answer", record),
                         ("next + record", [x + y for x, y in zip(choose, record, strict=False)])):
        median, p99 = statistics.median(values), percentile(values, 99)
        rows.append({"metric": f"drill: {name} median / p99 (ms)", "goal_text": "5/20",
                     "value": f"{median:.2f} / {p99:.2f}", "ok": median < 5 and p99 < 20})
    if args.json:
        print(json.dumps(rows))
    else:
        for r in rows:
            print(f"{r['metric']:<48} {r.get('value') or round(r['seconds'], 3)}  {'ok' if r['ok'] else 'MISS'}")


if __name__ == "__main__":
    main()
