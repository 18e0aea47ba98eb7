"""Parsing in worker processes (`aiquiz.loader.workers`): the same decks, errors and order as in one process."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from aiquiz.errors import DeckError
from aiquiz.loader import load_decks
from aiquiz.loader.cache import DeckCache
from aiquiz.loader.library import load_library
from aiquiz.loader.workers import Job, worker_count

from conftest import DECKS, FIXTURES, ROOT

INVALID = sorted((FIXTURES / "invalid").glob("*.yaml"))


def outcome(paths: list[Path], workers: int, cache: DeckCache | None = None) -> tuple[object, ...]:
    """Decks with their paths and card lines, or every error line, as a load gives them."""
    try:
        decks = load_decks(paths, cache=cache, workers=workers)
    except DeckError as err:
        return ("error", tuple(str(p) for p in err.problems))
    return ("ok", tuple(decks), tuple((d.path, tuple(c.line for c in d.cards)) for d in decks))


def test_workers_give_the_decks_of_one_process() -> None:
    one = outcome([DECKS], 1)
    assert one[0] == "ok" and outcome([DECKS], 2) == outcome([DECKS], 3) == one


def test_workers_give_every_error_in_file_order(tmp_path: Path) -> None:
    """Valid and invalid files mixed (and a deck id used twice): the same problems, in the same order."""
    for path in INVALID[:6]:
        shutil.copy(path, tmp_path / f"b-{path.name}")
    for path in sorted(DECKS.glob("*.yaml"))[:2]:
        shutil.copy(path, tmp_path / f"a-{path.name}")
        shutil.copy(path, tmp_path / f"c-{path.name}")
    one = outcome([tmp_path], 1)
    assert one[0] == "error" and len(one[1]) > 6  # type: ignore[arg-type]
    assert outcome([tmp_path], 2) == one


def test_worker_entries_fill_the_cache_and_read_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = DeckCache(tmp_path / "cache")
    fresh = outcome([DECKS], 1)
    library = load_library([DECKS], cache=cache, workers=2)  # parsed in workers, entries stored by the parent
    assert tuple(library.decks()) == fresh[1]
    assert len(list((tmp_path / "cache").rglob("*.deck"))) == len(fresh[1])  # type: ignore[arg-type]
    monkeypatch.setattr("aiquiz.loader.files.parse_deck", lambda *a, **k: pytest.fail("parsed again"))
    assert outcome([DECKS], 2, cache) == fresh


def test_worker_count() -> None:
    small = [Job(f"f{i}", b"x" * 1000, b"") for i in range(5)]
    big = [Job(f"f{i}", b"x" * (1 << 20), b"") for i in range(5)]
    assert worker_count(small, None) == 1  # too little to parse: starting processes costs more
    assert worker_count(big, None) == min(len(os.sched_getaffinity(0)), 5)
    assert worker_count(big, 3) == 3 and worker_count(big[:2], 8) == 2 and worker_count([], 4) == 1


def test_validate_output_is_the_same_with_workers(cli) -> None:  # type: ignore[no-untyped-def]
    env = {"AIQUIZ_NO_CACHE": "1"}
    one = cli("validate", str(DECKS), env={**env, "AIQUIZ_WORKERS": "1"})
    two = cli("validate", str(DECKS), env={**env, "AIQUIZ_WORKERS": "2"})
    assert one.returncode == two.returncode == 0 and one.stdout == two.stdout
    assert "languages en+zh" in one.stdout


def test_ctrl_c_stops_the_workers_at_once(tmp_path: Path) -> None:
    """Interrupted while workers parse: one line, exit 130, and no worker left running."""
    sys.path.insert(0, str(ROOT / "bench"))
    from gen_decks import write_decks

    write_decks(40_000, tmp_path / "decks")  # 8 files: several seconds of parsing
    env = {**os.environ, "AIQUIZ_NO_CACHE": "1", "AIQUIZ_WORKERS": "2", "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen([sys.executable, "-m", "aiquiz", "validate", str(tmp_path / "decks")], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(_children(proc.pid)) < 2 and proc.poll() is None:
        time.sleep(0.02)
    workers = _children(proc.pid)
    if len(workers) < 2:
        proc.kill()
        pytest.fail(f"the workers never started: {proc.communicate()}")
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does: the whole foreground group
    started = time.monotonic()
    out, err = proc.communicate(timeout=30)
    took = time.monotonic() - started
    assert proc.returncode == 130 and took < 10, (proc.returncode, took, err[-500:])
    assert "Interrupted." in err and "Traceback" not in err and "OK:" not in out
    deadline = time.monotonic() + 5  # a loaded machine may take a moment to reap them
    while _running(workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _running(workers), err[-500:]


def _running(pids: list[int]) -> list[int]:
    """Those of `pids` still running (a zombie waiting to be reaped runs nothing)."""
    alive = []
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state != "Z":
            alive.append(pid)
    return alive


def _children(pid: int) -> list[int]:
    """The pids of a process's children (Linux /proc)."""
    try:
        found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    return [int(p) for p in found]
