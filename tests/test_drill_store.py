"""The progress store: round trips, concurrent writers, migrations, and every way a store can be unusable."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiquiz.progress.scheduler import Memory, Phase, Rating, review
from aiquiz.progress.store import (
    MIGRATIONS,
    SCHEMA_VERSION,
    STORE_NAME,
    Store,
    StoreCorrupt,
    StoreLocked,
    StoreNotWritable,
    StoreTooNew,
    store_path,
)

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
KEYS = ("d/a", "d/b", "e/c")
ops = st.lists(st.tuples(st.integers(0, 1), st.sampled_from(KEYS), st.sampled_from(list(Rating)),
                         st.integers(0, 60 * 24 * 20)), min_size=1, max_size=12)


@contextmanager
def fresh_store_path() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as folder:
        yield Path(folder) / "nested" / STORE_NAME


def replay(log: list[tuple[str, Rating, datetime]]) -> dict[str, Memory]:
    """The card states that applying the reviews in order gives (fsrs with fuzzing off is deterministic)."""
    memories: dict[str, Memory] = {}
    for key, rating, at in log:
        memories[key] = review(memories.get(key), key, rating, at)
    return memories


@settings(max_examples=25, deadline=None)
@given(ops)
def test_save_and_load_round_trip(steps: list[tuple[int, str, Rating, int]]) -> None:
    with fresh_store_path() as path:
        log, at = [], T0
        with Store.open(path) as store:
            for _, key, rating, gap in steps:
                at += timedelta(minutes=gap)
                committed = store.record(key, rating, at, duration_ms=gap).memory
                log.append((key, rating, at))
                assert committed == replay(log)[key]
        with Store.open(path) as again:  # a new connection reads what was committed
            assert again.memories() == replay(log)
            rows = again.reviews()
        assert [(r.key, r.rating, r.at, r.duration_ms) for r in rows] == [
            (k, r, a, g) for (k, r, a), (_, _, _, g) in zip(log, steps, strict=False)]
        first_seen = {}
        for row in rows:
            first_seen.setdefault(row.key, row.id)
            assert (row.phase is Phase.NEW) == (first_seen[row.key] == row.id)


@settings(max_examples=25, deadline=None)
@given(ops)
def test_two_connections_interleaved_lose_nothing(steps: list[tuple[int, str, Rating, int]]) -> None:
    with fresh_store_path() as path:
        writers = (Store.open(path), Store.open(path))
        log, at = [], T0
        try:
            for which, key, rating, gap in steps:
                at += timedelta(minutes=gap)
                writers[which].record(key, rating, at)
                log.append((key, rating, at))
            for writer in writers:
                assert writer.memories() == replay(log)
                assert len(writer.reviews()) == len(steps)
        finally:
            for writer in writers:
                writer.close()


WRITER = """
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from aiquiz.progress.scheduler import Rating
from aiquiz.progress.store import Store
path, name, count, go = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
with Store.open(path, timeout=60) as store:
    while not go.exists():
        pass
    for i in range(count):
        at = datetime(2025, 3, 1, tzinfo=timezone.utc) + timedelta(minutes=i)
        store.record(("d/a", "d/b")[i % 2], Rating(1 + (i + len(name)) % 4), at, duration_ms=i)
"""


def test_two_processes_at_the_same_time_keep_every_review(tmp_path: Path) -> None:
    path, go, count = tmp_path / STORE_NAME, tmp_path / "go", 40
    Store.open(path).close()
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), name, str(count), str(go)])
             for name in ("one", "three")]
    go.touch()
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    with Store.open(path) as store:
        rows = store.reviews()
        assert len(rows) == 2 * count
        assert store.memories() == replay([(r.key, r.rating, r.at) for r in rows])


def make_v1_store(path: Path) -> None:
    """A store as schema version 1 wrote it, with one card reviewed twice."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    conn.execute("INSERT INTO schema_version VALUES (1)")
    for statement in MIGRATIONS[0]:
        conn.execute(statement)
    memory = review(review(None, "d/a", Rating.GOOD, T0), "d/a", Rating.GOOD, T0 + timedelta(minutes=10))
    conn.execute("INSERT INTO cards VALUES (?, ?, ?, ?, ?, ?)",
                 ("d/a", memory.card_id, int(memory.phase), memory.due.isoformat(), json.dumps(memory.to_dict()),
                  T0.isoformat()))
    for minutes in (0, 10):
        conn.execute("INSERT INTO reviews (key, card_id, rating, reviewed_at, duration_ms) VALUES (?, ?, 3, ?, 500)",
                     ("d/a", memory.card_id, (T0 + timedelta(minutes=minutes)).isoformat(timespec="microseconds")))
    conn.commit()
    conn.close()


def test_an_older_store_is_migrated_and_keeps_its_progress(tmp_path: Path) -> None:
    path = tmp_path / STORE_NAME
    make_v1_store(path)
    with Store.open(path) as store:
        assert store.version == SCHEMA_VERSION == 5
        assert store.memories()["d/a"].phase is Phase.REVIEW
        assert [r.phase for r in store.reviews()] == [Phase.NEW, None]
        store.record("d/a", Rating.GOOD, T0 + timedelta(days=3))
        assert store.reviews()[-1].phase is Phase.REVIEW
    with Store.open(path) as again:
        assert len(again.reviews()) == 3


@contextmanager
def untouched(path: Path) -> Iterator[None]:
    """Assert that the file is byte for byte the same afterwards (never overwritten or reset)."""
    before = path.read_bytes()
    yield
    assert path.read_bytes() == before


def test_a_newer_store_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / STORE_NAME
    with Store.open(path) as store:
        store.record("d/a", Rating.GOOD, T0)
    conn = sqlite3.connect(path)
    conn.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION + 1,))
    conn.commit()
    conn.close()
    with untouched(path), pytest.raises(StoreTooNew, match="newer than this aiquiz knows"):
        Store.open(path)


@pytest.mark.parametrize("content", [b"", b"x", b"SQLite format", b"my notes\n" * 3])
def test_a_tiny_file_is_never_turned_into_a_store(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(content)
    with untouched(path), pytest.raises(StoreCorrupt, match="not an aiquiz progress store"):
        Store.open(path)


def test_a_file_that_is_not_a_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / STORE_NAME
    path.write_bytes(b"my notes, not a database\n" * 400)
    with untouched(path), pytest.raises(StoreCorrupt, match="left untouched"):
        Store.open(path)


def test_a_damaged_store_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / STORE_NAME
    with Store.open(path) as store:
        for i in range(300):
            store.record(f"d/c{i}", Rating.GOOD, T0)
    data = bytearray(path.read_bytes())
    data[4096 * 3:4096 * 3 + 2000] = b"\x55" * 2000  # scribble over a b-tree page
    path.write_bytes(bytes(data))
    with untouched(path), pytest.raises(StoreCorrupt, match="damaged"):
        Store.open(path)


def test_another_programs_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE invoices (id INTEGER)")
    conn.commit()
    conn.close()
    with untouched(path), pytest.raises(StoreCorrupt, match="not an aiquiz progress store"):
        Store.open(path)


def test_a_damaged_card_state_is_reported_not_reset(tmp_path: Path) -> None:
    path = tmp_path / STORE_NAME
    with Store.open(path) as store:
        store.record("d/a", Rating.GOOD, T0)
    conn = sqlite3.connect(path)
    conn.execute("UPDATE cards SET memory = '{\"format\": 1}'")
    conn.commit()
    conn.close()
    with Store.open(path) as store, pytest.raises(StoreCorrupt, match="card d/a"):
        store.memories()


def test_a_store_locked_past_the_timeout_raises_and_loses_nothing(tmp_path: Path) -> None:
    path = tmp_path / STORE_NAME
    with Store.open(path) as store:
        store.record("d/a", Rating.GOOD, T0)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with Store.open(path, timeout=0.2) as store:
            with pytest.raises(StoreLocked, match="busy"):
                store.record("d/a", Rating.GOOD, T0 + timedelta(minutes=10))
            holder.execute("ROLLBACK")
            store.record("d/a", Rating.GOOD, T0 + timedelta(minutes=11))
            assert len(store.reviews()) == 2
    finally:
        holder.close()


def make_read_only(path: Path) -> bool:
    """Make `path` unwritable for this process (chmod; chattr +i as root); False when it cannot be done."""
    path.chmod(0o444)
    if os.geteuid() == 0 and subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
        return False
    try:
        with open(path, "ab"):
            return False
    except OSError:
        return True


def test_a_read_only_store_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / STORE_NAME
    with Store.open(path) as store:
        store.record("d/a", Rating.GOOD, T0)
    if not make_read_only(path):
        pytest.skip("cannot make a file read-only here")
    try:
        with untouched(path), pytest.raises(StoreNotWritable, match="read-only"):
            Store.open(path)
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(path)], check=False)
        path.chmod(0o644)


def test_a_store_whose_folder_cannot_be_made_is_refused(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(StoreNotWritable, match="cannot create"):
        Store.open(blocker / "sub" / STORE_NAME)


def test_a_card_removed_from_its_deck_keeps_its_history(tmp_path: Path) -> None:
    path = tmp_path / STORE_NAME
    with Store.open(path) as store:
        store.record("d/gone", Rating.GOOD, T0)
    with Store.open(path) as store:  # nothing deletes it, whatever the decks say now
        assert "d/gone" in store.memories() and len(store.reviews()) == 1


def test_store_path_option_then_aiquiz_home_then_user_data(tmp_path: Path) -> None:
    assert store_path(tmp_path / "my.sqlite3", {"AIQUIZ_HOME": "/x"}) == tmp_path / "my.sqlite3"
    assert store_path(tmp_path, {}) == tmp_path / STORE_NAME
    assert store_path(None, {"AIQUIZ_HOME": str(tmp_path)}) == tmp_path / STORE_NAME
    default = store_path(None, {})
    assert default.name == STORE_NAME and "aiquiz" in str(default.parent)


def open_at_once(folder: Path, stores: int, processes: int) -> tuple[list[int], list[str]]:
    """`processes` processes at once, each opening (creating) stores s0..s{stores-1} in `folder`: their exit
    codes and error output."""
    script = ("import sys, pathlib\nfrom aiquiz.progress.store import Store\n"
              f"for i in range({stores}):\n    Store.open(pathlib.Path(sys.argv[1]) / f's{{i}}.sqlite3').close()\n")
    procs = [subprocess.Popen([sys.executable, "-c", script, str(folder)], stderr=subprocess.PIPE, text=True)
             for _ in range(processes)]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    return [p.returncode for p in procs], errors


def test_drills_creating_one_new_store_at_once_never_refuse_it(tmp_path: Path) -> None:
    """Creating a store is one step (written aside, then linked in place): a second drill starting at the
    same moment never sees an empty file it would refuse as not a store."""
    codes, errors = open_at_once(tmp_path, stores=15, processes=4)
    assert all(code == 0 for code in codes), errors
    for i in range(15):
        with Store.open(tmp_path / f"s{i}.sqlite3") as store:
            assert store.version == SCHEMA_VERSION
    assert not list(tmp_path.glob(".*.new"))


def test_a_new_store_is_made_in_wal_mode_so_no_opener_has_to_switch_it(tmp_path: Path) -> None:
    # SQLite answers a journal-mode switch made while another connection uses the file with "busy" at once
    # (no waiting): two drills opening a new store together failed with "busy for over 10 s" after 0.1 s.
    Store.open(tmp_path / "s.sqlite3").close()
    header = (tmp_path / "s.sqlite3").read_bytes()[:20]
    assert header[18:20] == b"\x02\x02"  # file format versions 2: WAL


def test_many_drills_opening_new_stores_at_once_never_find_them_busy(tmp_path: Path) -> None:
    # Before new stores were made in WAL mode, about one process in ten here failed at once with "busy".
    codes, errors = open_at_once(tmp_path, stores=40, processes=10)
    assert all(code == 0 for code in codes), errors


def test_a_store_named_like_sqlites_memory_database_is_a_file_like_any_other(tmp_path: Path, monkeypatch) -> None:
    # `--store :memory:` hung at 100% CPU (an in-memory database never takes WAL); it is a file name.
    monkeypatch.chdir(tmp_path)
    with Store.open(Path(":memory:")) as store:
        store.record("d/a", Rating.GOOD, T0)
    with Store.open(Path(":memory:")) as again:
        assert [r.key for r in again.reviews()] == ["d/a"]
    assert (tmp_path / ":memory:").read_bytes()[18:20] == b"\x02\x02"
