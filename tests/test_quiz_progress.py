"""`aiquiz quiz --from-progress`: the learner's weakest or soonest-due studied cards, from a store made by a
scripted drill; never-studied cards left out; too little progress is a clear message."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from aiquiz.errors import UsageError
from aiquiz.loader import load_decks
from aiquiz.progress.scheduler import Rating, retrievability
from aiquiz.progress.store import Store
from aiquiz.progress.weak import WeakSpots, weak_spots
from aiquiz.quiz import plan_quiz
from aiquiz.select import Filters, select_cards

from conftest import FIXTURES

NOW = datetime.now(UTC)


def scripted_store(path: Path) -> list[str]:
    """Five studied cards of the daily fixture with different histories; five never studied."""
    keys = [f"daily/{c}" for c in ("one", "two", "three", "four", "five")]
    with Store.open(path) as store:
        for i, key in enumerate(keys):
            at = NOW - timedelta(days=40 - i * 3)
            store.record(key, Rating.GOOD, at)
            store.record(key, Rating.GOOD if i % 2 else Rating.EASY, at + timedelta(minutes=15))
            if i == 2:
                store.record(key, Rating.AGAIN, at + timedelta(days=5))
    return keys


def test_weakest_are_the_lowest_recall_now_and_due_soon_the_soonest(tmp_path: Path) -> None:
    keys = scripted_store(tmp_path / "p.sqlite3")
    decks = load_decks([FIXTURES / "daily"])
    selected = [p.key for p in select_cards(decks, Filters())]
    with Store.open(tmp_path / "p.sqlite3") as store:
        memories = store.memories()
    recall = {k: retrievability(memories[k], NOW) for k in keys}
    weakest = weak_spots(memories, selected, NOW, WeakSpots.WEAKEST, 3)
    assert weakest == sorted(keys, key=lambda k: (recall[k], k))[:3]
    assert "daily/one-again" not in weakest  # never studied
    soon = weak_spots(memories, selected, NOW, WeakSpots.DUE_SOON, 2, days=3650)
    assert soon == sorted(keys, key=lambda k: memories[k].due)[:2]
    plan = plan_quiz(decks, filters=Filters(), count=3, seed=7, only=weakest, title="Weakest")
    assert [p.key for p in plan.chosen] == weakest and plan.title == "Weakest"
    with pytest.raises(UsageError, match="only 5 studied cards among the selected cards, fewer than --count 8"):
        weak_spots(memories, selected, NOW, WeakSpots.WEAKEST, 8)
    assert len(weak_spots(memories, selected, NOW, WeakSpots.WEAKEST, 8, take_all=True)) == 5


def test_cli_quiz_from_progress_and_a_store_with_nothing_studied(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    scripted_store(tmp_path / "p.sqlite3")
    out = tmp_path / "weak.html"
    result = cli("quiz", str(FIXTURES / "daily"), "--from-progress", "weakest", "--count", "3", "--seed", "1",
                 "--store", str(tmp_path / "p.sqlite3"), "--out", str(out))
    assert result.returncode == 0, result.stderr
    html = out.read_text(encoding="utf-8")
    assert "Your weakest cards now" in html and html.count('class="q') >= 3 and "Say one again" not in html
    empty = cli("quiz", str(FIXTURES / "daily"), "--from-progress", "due-soon", "--store",
                str(tmp_path / "none.sqlite3"), "--out", str(tmp_path / "x.html"))
    assert empty.returncode == 2 and "study with aiquiz drill first" in empty.stderr
    assert not (tmp_path / "x.html").exists()
