"""The daily loop in a real pseudo-terminal, across simulated days.

Time moves by libfaketime (the Debian package `faketime`): each drill runs with FAKETIME="@<start>", so its
clock starts at that moment and runs on. The tests skip without libfaketime unless AIQUIZ_REQUIRE_FAKETIME
is set (CI sets it and installs the package).
"""

from __future__ import annotations

import glob
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pexpect
import pytest

from aiquiz.progress.scheduler import Phase, Rating
from aiquiz.progress.store import STORE_NAME, Store

from conftest import FIXTURES, ROOT, run_cli

DAILY = FIXTURES / "daily"
LIBS = sorted(glob.glob("/usr/lib/*/faketime/libfaketime.so.1") + glob.glob("/usr/lib/faketime/libfaketime.so.1"))
if not LIBS:
    if os.environ.get("AIQUIZ_REQUIRE_FAKETIME"):
        raise RuntimeError("libfaketime is required (apt-get install faketime)")
    pytest.skip("libfaketime not installed (apt-get install faketime)", allow_module_level=True)

DAY1 = datetime(2027, 1, 15, 10, 0, tzinfo=UTC)


def env_at(home: Path, when: datetime, tz: str = "UTC") -> dict[str, str]:
    return {**os.environ, "AIQUIZ_HOME": str(home), "TERM": "xterm-256color", "LANG": "C.UTF-8", "TZ": tz,
            "PYTHONIOENCODING": "utf-8", "LD_PRELOAD": LIBS[0],
            "FAKETIME": "@" + when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
            "FAKETIME_DONT_FAKE_MONOTONIC": "1"}


def drill_at(home: Path, when: datetime, *args: str, tz: str = "UTC") -> pexpect.spawn:
    """`aiquiz drill` on the daily fixture deck, in a pseudo-terminal, with the clock set to `when` (in `tz`)."""
    env = env_at(home, when, tz)
    env.pop("COLUMNS", None)
    return pexpect.spawn(sys.executable, ["-m", "aiquiz", "drill", str(DAILY), *args], cwd=str(ROOT), env=env,
                         encoding="utf-8", dimensions=(50, 140), timeout=60)


def cli_at(home: Path, when: datetime, *args: str) -> str:
    result = run_cli(*args, env=env_at(home, when))
    assert result.returncode == 0, result.stderr
    return result.stdout


def answer(child: pexpect.spawn, front: str, typed: str) -> None:
    child.expect_exact(front)
    child.expect_exact("> ")
    child.sendline(typed)
    child.expect_exact("Rate:")


def finish(child: pexpect.spawn) -> str:
    child.expect(pexpect.EOF)
    child.close()
    return child.before or ""


def store(home: Path) -> Store:
    return Store.open(home / STORE_NAME)


@pytest.mark.parametrize(("buried_at", "back_at"), [
    # Saturday night before the last Sunday of March in Berlin: at 02:00 the clocks go to 03:00 (CET -> CEST),
    # so the next study day starts at 04:00 CEST, 02:00 UTC (not 04:00 at the +01:00 of the evening before).
    (datetime(2027, 3, 27, 21, 30, tzinfo=UTC), datetime(2027, 3, 28, 2, 0, tzinfo=UTC)),
    # ... of October: at 03:00 they go back to 02:00 (CEST -> CET): 04:00 CET, 03:00 UTC.
    (datetime(2027, 10, 30, 20, 30, tzinfo=UTC), datetime(2027, 10, 31, 3, 0, tzinfo=UTC)),
    # After midnight, before the change: still the study day before; the card is back at that day's end.
    (datetime(2027, 3, 27, 23, 30, tzinfo=UTC), datetime(2027, 3, 28, 2, 0, tzinfo=UTC)),
])
def test_a_card_buried_before_a_dst_change_is_back_at_4_local_time(tmp_path: Path, buried_at: datetime,
                                                                   back_at: datetime) -> None:
    child = drill_at(tmp_path, buried_at, tz="Europe/Berlin")
    answer(child, "Say one", "one")
    child.send("b")
    child.expect_exact("Buried daily/one until the next study day")
    child.expect_exact("> ")
    child.sendline("q")
    finish(child)
    with store(tmp_path) as s:
        assert s.marks()["daily/one"].buried_until == back_at


def test_undo_skip_bury_suspend_flag_and_the_day_limit_in_a_terminal(tmp_path: Path) -> None:
    cli_at(tmp_path, DAY1, "config", "new-per-day", "4")
    child = drill_at(tmp_path, DAY1)
    answer(child, "Say one", "one")
    child.send("\r")  # Good
    child.expect_exact("Say two")
    child.expect_exact("> ")
    child.sendline("u")  # undo: the first card comes back as it was
    child.expect_exact("Undid Good on daily/one")
    answer(child, "Say one", "one")
    child.send("3")
    child.expect_exact("Say two")
    child.expect_exact("> ")
    child.sendline("s")  # skip: later in this session
    answer(child, "Say three", "three")
    child.send("b")  # bury until tomorrow
    child.expect_exact("Buried daily/three until the next study day")
    answer(child, "Say four", "forr")
    child.send("f")
    child.expect_exact("Flag note")
    child.sendline("ambiguous: four or 4?")
    child.expect_exact("Flagged daily/four: ambiguous: four or 4?")
    child.send("x")  # suspend
    child.expect_exact("Suspended daily/four")
    answer(child, "Say two", "two")  # the skipped card came back
    child.send("1")
    child.expect_exact("Say two")  # rated Again: retried before the session ends
    child.expect_exact("> ")
    child.sendline("q")
    out = finish(child)
    assert "Say one again" not in out  # related to "one", studied today
    with store(tmp_path) as s:
        assert [(r.key, r.rating) for r in s.reviews()] == [("daily/one", Rating.GOOD), ("daily/two", Rating.AGAIN)]
        marks = s.marks()
        assert marks["daily/three"].buried_until == datetime(2027, 1, 16, 4, 0, tzinfo=UTC)
        assert marks["daily/four"].suspended and marks["daily/four"].flag == "ambiguous: four or 4?"
    flags = cli_at(tmp_path, DAY1, "flags", str(DAILY))
    assert "daily.yaml:10: daily/four" in flags and "ambiguous: four or 4?" in flags

    # Later the same day, with the day's new cards lowered to the two already introduced (one, two): only the
    # card in relearning is shown, and the screen says the new cards are used up and how to study ahead.
    cli_at(tmp_path, DAY1, "config", "new-per-day", "2")
    child = drill_at(tmp_path, DAY1 + timedelta(hours=3), "--new", "10")
    child.expect_exact("today's new cards are used up")
    child.expect_exact("--cram")
    learning = []
    while child.expect([r"Say (one|two)\b", pexpect.EOF]) == 0:  # both are in their learning steps
        learning.append(child.match.group(1))
        child.expect_exact("> ")
        child.sendline(learning[-1])
        child.expect_exact("Rate:")
        child.send("3")
    assert sorted(learning) == ["one", "two"] and "Say five" not in (child.before or "")

    # The next study day (after 04:00): three is back; one-again may be studied now.
    child = drill_at(tmp_path, DAY1 + timedelta(days=1))
    seen = []
    while child.expect([r"Say ([a-z ]+?) ?\x1b", pexpect.EOF]) == 0:
        seen.append(child.match.group(1))
        child.expect_exact("> ")
        child.sendline(seen[-1])
        child.expect_exact("Rate:")
        child.send("3")
    assert {"three", "one again"} <= set(seen) and "four" not in seen  # four stays suspended
    undone = cli_at(tmp_path, DAY1 + timedelta(days=1, minutes=5), "undo")
    assert f"Undid Good on daily/{seen[-1].replace(' ', '-')}" in undone
    assert cli_at(tmp_path, DAY1 + timedelta(days=1, minutes=5), "unsuspend", "daily/four").startswith("Unsuspended")


def test_a_card_forgotten_threshold_times_after_learning_becomes_a_leech(tmp_path: Path) -> None:
    cli_at(tmp_path, DAY1, "config", "leech-threshold", "2")
    with store(tmp_path) as s:  # learn the card: two Goods past the learning steps
        s.record("daily/one", Rating.GOOD, DAY1 - timedelta(days=20))
        s.record("daily/one", Rating.GOOD, DAY1 - timedelta(days=20, minutes=-15))
        assert s.memory("daily/one").phase is Phase.REVIEW
    when = DAY1
    for lapse in (1, 2):
        with store(tmp_path) as s:
            when = max(when, s.memory("daily/one").due) + timedelta(hours=1)
        child = drill_at(tmp_path, when, "--new", "0")
        answer(child, "Say one", f"wrong answer {lapse}")
        child.send("1")  # Again (a basic card is rated by the learner)
        if lapse == 2:
            child.expect_exact("Leech: daily/one was forgotten 2 times")
            child.expect_exact("now suspended")
        else:
            child.expect_exact("Say one")  # relearn it now
            child.expect_exact("> ")
            child.sendline("one")
            child.expect_exact("Rate:")
            child.send("3")
            when += timedelta(minutes=15)
        child.sendline("q")
        finish(child)
    out = cli_at(tmp_path, when, "leeches", str(DAILY))
    assert "daily.yaml:7: daily/one: 2 lapses, suspended" in out
    assert "'wrong answer 1' · 'wrong answer 2'" in out
    card = cli_at(tmp_path, when, "card", "daily/one", str(DAILY))
    assert "suspended · leech" in card and "typed 'wrong answer 2'" in card and "stability" in card
