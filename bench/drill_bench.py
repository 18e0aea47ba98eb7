"""Drill latency with a big progress store: 100k studied cards and 1M review-log rows.

Measures, per card of a session, (1) choosing the next card (`session.current` + `session.progress`,
what happens before a card shows) and (2) recording an answer (`Store.record`, one committed
transaction, + `session.answer`). Also reports opening the store and building the session queue.

    python bench/drill_bench.py [--cards 100000] [--reviews 1000000] [--answers 500] [--json]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from aiquiz.drill import session
from aiquiz.progress.scheduler import Rating, fsrs_card_id, review
from aiquiz.progress.store import Store
from aiquiz.model import Deck, Source, Text, TrueFalseCard
from aiquiz.select import Picked

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)
PER_DECK = 5000


def synthetic_picked(cards: int) -> list[Picked]:
    """`cards` cards in decks of 5000, as the drill's selection."""
    picked = []
    for d in range(0, cards, PER_DECK):
        items = tuple(TrueFalseCard(id=f"c{n}", statement=Text(en=f"S{n}"), answer=bool(n % 2))
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
    with conn:
        conn.executemany("INSERT INTO cards (key, card_id, phase, due, memory, updated) VALUES (?,?,?,?,?,?)", rows)
        conn.executemany("INSERT INTO reviews (key, card_id, rating, reviewed_at, duration_ms, phase)"
                         " VALUES (?,?,?,?,?,?)", log[:reviews])
    conn.close()


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
        memories = store.memories()
        t1 = time.perf_counter()
        queue = session.build_queue(picked, memories, NOW, new=10, limit=None).queue
        state = session.start(queue, NOW)
        t2 = time.perf_counter()
        choose, record = [], []
        for i in range(args.answers):
            now = NOW + timedelta(seconds=10 * i)
            a = time.perf_counter()
            item = session.current(state, now)
            session.progress(state, now)
            b = time.perf_counter()
            memory = store.record(item.key, Rating.GOOD if i % 4 else Rating.AGAIN, now, 4000).memory
            state = session.answer(state, item.key, Rating.GOOD, memory, now)
            c = time.perf_counter()
            choose.append((b - a) * 1000)
            record.append((c - b) * 1000)
        store.close()
    rows = [
        {"metric": f"drill: open store + load {args.cards // 1000}k states", "seconds": t1 - t0, "ok": True},
        {"metric": f"drill: build queue ({len(queue)} cards)", "seconds": t2 - t1, "ok": True},
    ]
    for name, values in (("next card", choose), ("record answer", record),
                         ("next + record", [x + y for x, y in zip(choose, record)])):
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
