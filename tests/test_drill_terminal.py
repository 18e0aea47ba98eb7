"""`aiquiz drill` and `aiquiz stats` as a learner runs them: a real pseudo-terminal, kill -9, line mode."""

from __future__ import annotations

import os
import re
import signal
import sys
from pathlib import Path

import pexpect
import pytest

from aiquiz.progress.scheduler import Phase, Rating
from aiquiz.progress.store import STORE_NAME, Store

from conftest import DECKS, ROOT

TIMEOUT = 60


def spawn(home: Path, *args: str) -> pexpect.spawn:
    """`python -m aiquiz drill ARGS` in a pseudo-terminal, with its progress store in `home`."""
    env = {**os.environ, "AIQUIZ_HOME": str(home), "TERM": "xterm-256color", "LANG": "C.UTF-8",
           "PYTHONIOENCODING": "utf-8"}
    env.pop("COLUMNS", None)
    env.pop("LINES", None)
    return pexpect.spawn(sys.executable, ["-m", "aiquiz", "drill", *args], cwd=str(ROOT), env=env,
                         encoding="utf-8", dimensions=(50, 120), timeout=TIMEOUT)


def reviews(home: Path) -> list[tuple[str, Rating]]:
    with Store.open(home / STORE_NAME) as store:
        return [(r.key, r.rating) for r in store.reviews()]


def answer_first_two(child: pexpect.spawn) -> None:
    """Card 1 (basic, typed answer from the accept list), card 2 (cloze, both gaps): both rated."""
    child.expect_exact("card 1 of 5")
    child.expect_exact("What does no mean?")
    child.expect_exact("> ")
    child.sendline("Ｎｏｐｅ!")  # full width and punctuation: still the accepted "nope"
    child.expect_exact("Right")
    child.expect_exact("Enter = Good")
    child.send("\r")
    child.expect_exact("card 2 of")
    child.expect_exact("There are [1] things and [2].")
    child.expect_exact("[1]> ")
    child.sendline("300")
    child.expect_exact("[2]> ")
    child.sendline("<b>bold</b>")
    child.expect_exact("Right")
    child.expect_exact("Extra")  # the cloze's back
    child.expect_exact("“first anchor”")
    child.expect_exact("Rate:")
    child.send("4")


def answer_choice_truefalse_and_quit(child: pexpect.spawn) -> None:
    """Card 3 (choice: wrong, overruled), card 4 (true/false, rated Hard), then q on card 5."""
    child.expect_exact("card 3 of")
    child.expect_exact("Pick the second")
    child.expect_exact("Press a-c")
    child.send("a")  # wrong ...
    child.expect_exact("Wrong")
    child.expect_exact("b) second")
    child.expect_exact("The answer is an index.")
    child.expect_exact("https://example.org/interview")
    child.expect_exact("o = I was right")
    child.send("o")  # ... but the learner overrules: counted as right, Enter takes Good
    child.expect_exact("Overruled: counted as right")
    child.expect_exact("Enter = Good")
    child.send("\r")
    child.expect_exact("card 4 of")
    child.expect_exact("2024-10-16 is a string")
    child.expect_exact("Press t (true) or f (false)")
    child.send("t")
    child.expect_exact("Right")
    child.expect_exact("Rate:")
    child.send("2")
    child.expect_exact("card 5 of")
    child.expect_exact("A plain string in one language")
    child.expect_exact("Press t")
    child.send("q")


def test_a_drill_in_a_terminal_every_kind_quit_and_resume(tmp_path: Path, sample_path: Path, cli) -> None:
    child = spawn(tmp_path, str(sample_path), "--lang", "en")
    answer_first_two(child)
    answer_choice_truefalse_and_quit(child)
    child.expect_exact("Studied 4 cards (4 answers) · 4 right (100%)")
    child.expect_exact("Next card due in")
    child.expect_exact("1 new card waiting")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert reviews(tmp_path) == [("sample/basic-one", Rating.GOOD), ("sample/cloze-one", Rating.EASY),
                                 ("sample/choice-one", Rating.GOOD), ("sample/truefalse-one", Rating.HARD)]

    stats = cli("stats", str(sample_path), env={"AIQUIZ_HOME": str(tmp_path)})
    assert stats.returncode == 0, stats.stderr
    row = next(line for line in stats.stdout.splitlines() if line.strip("│ ").startswith("sample"))
    assert re.findall(r"\d+", row) == ["5", "1", "3", "1", "0", "0", "0"]  # cards = new + learning + young
    # + mature + suspended; due now
    assert "Reviews today 4" in stats.stdout and "Streak 1 day" in stats.stdout

    again = spawn(tmp_path, str(sample_path))  # resumes: only the card never answered is left
    again.expect_exact("card 1 of 1 · 0 due · 1 new left")
    again.expect_exact("A plain string in one language")
    again.send("f")
    again.expect_exact("Right")
    again.send("\r")
    again.expect_exact("Studied 1 card (1 answer)")
    again.expect(pexpect.EOF)
    again.close()
    assert again.exitstatus == 0
    assert len(reviews(tmp_path)) == 5


def test_typed_answers_show_even_when_a_killed_drill_left_echo_off(tmp_path: Path, sample_path: Path) -> None:
    # kill -9 while a drill waits for a key leaves the terminal without echo when no shell restores it.
    import termios

    child = spawn(tmp_path, str(sample_path))
    attrs = termios.tcgetattr(child.child_fd)
    attrs[3] &= ~(termios.ECHO | termios.ICANON)
    termios.tcsetattr(child.child_fd, termios.TCSANOW, attrs)  # as the killed drill left it
    child.expect_exact("What does no mean?")
    child.expect_exact("> ")
    child.sendline("nope")
    assert child.expect_exact(["nope", "Right"]) == 0  # echoed at the prompt, before the verdict's "you" line
    child.expect_exact("Rate:")
    child.send("q")
    child.expect(pexpect.EOF)


def test_kill_9_loses_nothing_already_answered(tmp_path: Path, sample_path: Path) -> None:
    child = spawn(tmp_path, str(sample_path))
    answer_first_two(child)
    child.expect_exact("card 3 of")  # the next card shows only after the answer is committed
    os.kill(child.pid, signal.SIGKILL)
    child.expect(pexpect.EOF)
    child.close()
    assert child.signalstatus == signal.SIGKILL
    assert reviews(tmp_path) == [("sample/basic-one", Rating.GOOD), ("sample/cloze-one", Rating.EASY)]
    with Store.open(tmp_path / STORE_NAME) as store:
        assert store.memories()["sample/cloze-one"].phase is Phase.REVIEW


def test_ctrl_c_ends_with_a_summary_and_keeps_the_answers(tmp_path: Path, sample_path: Path) -> None:
    child = spawn(tmp_path, str(sample_path))
    answer_first_two(child)
    child.expect_exact("Press a-c")
    child.sendintr()
    child.expect_exact("Interrupted")
    child.expect_exact("Studied 2 cards")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert len(reviews(tmp_path)) == 2


def test_a_closed_terminal_exits_cleanly_and_keeps_the_answers(tmp_path: Path, sample_path: Path) -> None:
    child = spawn(tmp_path, str(sample_path))
    answer_first_two(child)
    child.expect_exact("Press a-c")
    child.kill(signal.SIGHUP)  # the terminal window is closed
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 129 and "Traceback" not in (child.before or "")
    assert len(reviews(tmp_path)) == 2
    with Store.open(tmp_path / STORE_NAME) as store:
        assert len(store.memories()) == 2


def test_line_mode_reads_answers_line_by_line_and_prints_plain_text(tmp_path: Path, sample_path: Path, cli) -> None:
    script = "nope\n\n300\n<b>bold</b>\n3\nz\nb\no\n1\nt\n\n"  # ... then the input ends (EOF quits)
    result = cli("drill", str(sample_path), "--lang", "both", env={"AIQUIZ_HOME": str(tmp_path)}, stdin=script)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "\x1b[" not in out  # no colours or cursor moves
    assert "--- card 1 of 5" in out and "no 是什么意思？" in out
    assert "? not understood: 'z'" in out
    assert "Overruled: counted as wrong" in out
    assert "Studied 4 cards (4 answers) · 3 right (75%)" in out
    assert reviews(tmp_path) == [("sample/basic-one", Rating.GOOD), ("sample/cloze-one", Rating.GOOD),
                                 ("sample/choice-one", Rating.AGAIN), ("sample/truefalse-one", Rating.GOOD)]


def test_an_overrule_still_stands_after_flagging_the_card(tmp_path: Path, sample_path: Path, cli) -> None:
    # Right, overruled as wrong, flagged with a note, then Enter: the proposal is the overruled one (Again).
    script = "nope\no\nf\nambiguous\n\n"
    result = cli("drill", str(sample_path), env={"AIQUIZ_HOME": str(tmp_path)}, stdin=script)
    assert result.returncode == 0, result.stderr
    assert "Overruled: counted as wrong" in result.stdout
    assert reviews(tmp_path) == [("sample/basic-one", Rating.AGAIN)]
    with Store.open(tmp_path / STORE_NAME) as store:
        assert store.marks()["sample/basic-one"].flag == "ambiguous"


def test_the_summary_never_says_the_days_new_cards_are_done_when_one_was_buried(tmp_path: Path, sample_path: Path,
                                                                                 cli) -> None:
    env = {"AIQUIZ_HOME": str(tmp_path)}
    assert cli("config", "new-per-day", "2", env=env).returncode == 0
    done = "that was the last of today's new cards"
    buried = cli("drill", str(sample_path), env=env, stdin="nope\nb\n300\n<b>bold</b>\n\n")  # bury, answer
    assert "Buried sample/basic-one" in buried.stdout and done not in buried.stdout, buried.stdout
    assert reviews(tmp_path) == [("sample/cloze-one", Rating.GOOD)]
    last = cli("drill", str(sample_path), env=env, stdin="b\n\n")  # the day's second new card: the last one
    assert done in last.stdout, last.stdout


def test_a_new_card_answered_then_buried_used_its_new_slot_and_is_not_the_next_due(tmp_path: Path,
                                                                                   sample_path: Path, cli) -> None:
    env = {"AIQUIZ_HOME": str(tmp_path)}
    assert cli("config", "new-per-day", "2", env=env).returncode == 0
    # card 1 wrong (Again: due again in 1 min), card 2 rated Good (10 min), card 1 again: buried
    out = cli("drill", str(sample_path), env=env, stdin="zzz\n1\nthings\nbold\n3\n\nb\n").stdout
    assert "Buried sample/basic-one" in out and "that was the last of today's new cards" in out, out
    assert "Next card due in 10 min." in out, out  # not the buried card's minute


def test_a_suspended_card_is_not_a_new_card_waiting(tmp_path: Path, sample_path: Path, cli) -> None:
    result = cli("drill", str(sample_path), env={"AIQUIZ_HOME": str(tmp_path)}, stdin="nope\n\n300\n<b>bold</b>\nx\n")
    assert "Suspended sample/cloze-one" in result.stdout, result.stdout
    assert "3 new cards waiting" in result.stdout, result.stdout  # 5, less one studied and one suspended


def test_cram_limit_and_filters(tmp_path: Path, sample_path: Path, cli) -> None:
    env = {"AIQUIZ_HOME": str(tmp_path)}
    first = cli("drill", str(sample_path), "--tag", "agi", env=env, stdin="t\n\n")
    assert "card 1 of 1" in first.stdout and "Studied 1 card" in first.stdout
    nothing = cli("drill", str(sample_path), "--tag", "agi", env=env, stdin="")
    assert "Nothing to study now." in nothing.stdout and "Next card due in" in nothing.stdout
    cram = cli("drill", str(sample_path), "--cram", "--limit", "2", env=env, stdin="")
    assert "card 1 of 2" in cram.stdout


def test_unusable_store_and_bad_options_are_clear_errors(tmp_path: Path, sample_path: Path, cli) -> None:
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"not a database" * 100)
    result = cli("drill", str(sample_path), "--store", str(bad), stdin="")
    assert result.returncode == 1
    assert result.stderr.startswith("Error: ") and "left untouched" in result.stderr
    assert "Traceback" not in result.stderr
    assert bad.read_bytes() == b"not a database" * 100
    stats = cli("stats", str(sample_path), "--store", str(bad))
    assert stats.returncode == 1 and "Traceback" not in stats.stderr
    retention = cli("drill", str(sample_path), "--retention", "1.5", "--store", str(tmp_path / "s.sqlite3"))
    assert retention.returncode == 2 and "--retention" in retention.stderr
    assert not (tmp_path / "s.sqlite3").exists()
    unknown = cli("drill", str(sample_path), "--deck", "nope", "--store", str(tmp_path / "s.sqlite3"))
    assert unknown.returncode == 2 and "no deck with id nope" in unknown.stderr
    none = cli("drill", str(sample_path), "--tag", "no-such-tag", "--store", str(tmp_path / "s.sqlite3"))
    assert none.returncode == 2 and "no cards match" in none.stderr
    assert not (tmp_path / "s.sqlite3").exists()


def test_stats_before_any_drill_shows_every_card_new_and_creates_nothing(tmp_path: Path, sample_path: Path,
                                                                       cli) -> None:
    result = cli("stats", str(sample_path), env={"AIQUIZ_HOME": str(tmp_path / "home")})
    assert result.returncode == 0, result.stderr
    assert "Due in the next 14 days" in result.stdout and "Retention (30 days) —" in result.stdout
    assert not (tmp_path / "home").exists()


def test_the_shipped_decks_drill_and_stats(tmp_path: Path, cli) -> None:
    if not any(DECKS.glob("*.yaml")):
        pytest.skip("decks/ holds no deck yet")
    env = {"AIQUIZ_HOME": str(tmp_path)}
    drill = cli("drill", "--limit", "1", env=env, stdin="q\n")
    assert drill.returncode == 0, drill.stderr
    assert "card 1 of 1" in drill.stdout and "Studied 0 cards" in drill.stdout
    stats = cli("stats", env=env)
    assert stats.returncode == 0, stats.stderr
    assert "Reviews today 0" in stats.stdout


def test_reworded_cards_keep_progress_and_removed_ones_are_reported(tmp_path: Path, sample_path: Path, cli) -> None:
    deck = tmp_path / "sample.yaml"
    text = sample_path.read_text(encoding="utf-8")
    deck.write_text(text, encoding="utf-8")
    env = {"AIQUIZ_HOME": str(tmp_path / "home")}
    first = cli("drill", str(deck), "--limit", "1", env=env, stdin="nope\n\n")
    assert "Studied 1 card" in first.stdout
    reworded = text.replace("What does no mean?", "What is the meaning of no?")
    deck.write_text(reworded, encoding="utf-8")
    stats = cli("stats", str(deck), env=env)
    row = next(line for line in stats.stdout.splitlines() if line.strip("│ ").startswith("sample"))
    assert re.findall(r"\d+", row)[:3] == ["5", "4", "1"]  # still studied: progress hangs on the id
    start, end = reworded.index("  - id: basic-one"), reworded.index("  - id: cloze-one")
    deck.write_text(reworded[:start] + reworded[end:], encoding="utf-8")
    drill = cli("drill", str(deck), "--limit", "1", env=env, stdin="")
    assert "1 studied card is no longer in its deck; its history is kept: sample/basic-one" in drill.stdout
    stats = cli("stats", str(deck), env=env)
    assert "no longer in their decks" in stats.stdout and "sample/basic-one" in stats.stdout
    assert "Reviews today 1" in stats.stdout  # its review still counts
    with Store.open(tmp_path / "home" / STORE_NAME) as store:
        assert "sample/basic-one" in store.memories() and len(store.reviews()) == 1
