"""The progress exchange without Anki's backend: merging is order-independent, an import is one transaction,
notes map to drill cards by GUID, and bad files get one clear line and no write."""

from __future__ import annotations

import hashlib
import io
import sqlite3
import tempfile
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiquiz.anki import build_apkg
from aiquiz.anki.notetypes import note_guid
from aiquiz.anki.progress_export import progress_export
from aiquiz.anki.progress_import import (
    AnkiNote,
    AnkiReview,
    Limits,
    PackageError,
    match_reviews,
    meta_version,
    note_key,
    read_package,
)
from aiquiz.loader import load_decks
from aiquiz.progress.exchange import merge, millis, plan_merge
from aiquiz.progress.records import NewReview
from aiquiz.progress.scheduler import Rating
from aiquiz.progress.settings import Settings
from aiquiz.progress.store import Store

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
KEYS = ("d/a", "d/b")

# --- any interleaving gives the store of the union in time order ------------------------------------

events = st.lists(st.tuples(st.sampled_from(KEYS), st.sampled_from(list(Rating)), st.integers(1, 60 * 24 * 4),
                            st.booleans(), st.booleans()), max_size=16)


@settings(max_examples=25, deadline=None)
@given(events)
def test_drill_and_imported_reviews_in_any_interleaving_give_the_union_in_time_order(steps):
    """Each event happens at its time, in the drill or in Anki (`anki`); Anki's reviews reach the store by
    imports at arbitrary later moments (`import_now`), some twice."""
    at, timeline = T0, []
    for key, rating, gap, anki, import_now in steps:
        at += timedelta(minutes=gap, milliseconds=gap)  # Anki keeps milliseconds
        timeline.append((key, rating, at, anki, import_now))
    with tempfile.TemporaryDirectory() as folder, Store.open(Path(folder) / "mixed.sqlite3") as mixed, \
            Store.open(Path(folder) / "union.sqlite3") as union:
            pending: list[NewReview] = []
            for key, rating, when, anki, import_now in timeline:
                if anki:
                    pending.append(NewReview(key, rating, when))
                else:
                    mixed.record(key, rating, when)
                if import_now:
                    merge(mixed, list(pending), Settings())
            merge(mixed, pending, Settings())
            merge(mixed, pending, Settings())  # a second import adds nothing
            for key, rating, when, _, _ in timeline:
                union.record(key, rating, when)
            assert mixed.memories() == union.memories()
            assert ([(r.key, r.rating, r.at, r.phase, r.due_after) for r in sorted(mixed.reviews(), key=lambda r: r.at)]
                    == [(r.key, r.rating, r.at, r.phase, r.due_after) for r in union.reviews()])


def test_a_drill_review_moved_by_a_millisecond_is_still_the_same_review():
    drilled = T0 + timedelta(microseconds=123_456)
    existing = [("d/a", drilled, None), ("d/b", drilled, "anki")]
    incoming = [NewReview("d/a", Rating.GOOD, T0 + timedelta(milliseconds=124)),  # bumped by the export
                NewReview("d/b", Rating.GOOD, T0 + timedelta(milliseconds=124)),  # an Anki review: exact only
                NewReview("d/a", Rating.GOOD, T0 + timedelta(seconds=5))]
    plan = plan_merge(incoming, existing)
    assert plan.present == 1 and [(r.key, millis(r.at) - millis(T0)) for r in plan.new] == [("d/a", 5000),
                                                                                            ("d/b", 124)]


def test_a_failed_import_leaves_the_store_as_it_was(tmp_path):
    with Store.open(tmp_path / "p.sqlite3") as store:
        store.record("d/a", Rating.GOOD, T0)
        before = (store.reviews(), store.memories())
        calls = []

        def failing(key, memory, rating, at):
            calls.append(key)
            if len(calls) > 1:
                raise RuntimeError("disk on fire")
            from aiquiz.progress.scheduler import review
            return review(memory, key, rating, at)

        incoming = [NewReview("d/a", Rating.AGAIN, T0 - timedelta(days=1)), NewReview("d/b", Rating.GOOD, T0)]
        with pytest.raises(RuntimeError):
            merge(store, incoming, Settings(), replay=failing)
        assert (store.reviews(), store.memories()) == before
        dry = merge(store, incoming, Settings(), dry_run=True)
        assert (dry.added, dry.present, dry.cards, dry.written) == (2, 0, 2, False)
        assert (store.reviews(), store.memories()) == before


# --- notes to drill cards ----------------------------------------------------------------------------

def test_notes_map_to_drill_cards_by_guid_whatever_their_note_type():
    known = {note_guid("deck", "kept"): "deck/kept"}
    kept = AnkiNote(note_guid("deck", "kept"), "aiquiz cloze typed v1", "other/id")  # another build's type
    gone = AnkiNote(note_guid("deck", "gone"), "aiquiz basic v1", "deck/gone")
    forged = AnkiNote("abc", "aiquiz basic v1", "deck/gone")
    foreign = AnkiNote("xyz", "Basic", None)
    assert [note_key(n, known) for n in (kept, gone, forged, foreign)] == ["deck/kept", "deck/gone", None, None]
    at = millis(T0)
    reviews = [AnkiReview(kept.guid, at + 5000, 3, 900, 1, 2500), AnkiReview(kept.guid, at, 1, 800, 0, 0),
               AnkiReview(kept.guid, at + 9000, 0, 0, 4, 0),  # a manual reschedule: not an answer
               AnkiReview(gone.guid, at, 4, 0, 0, 0), AnkiReview(foreign.guid, at, 3, 0, 1, 0)]
    matched = match_reviews([kept, gone, forged, foreign], reviews, known)
    assert (matched.notes, matched.ignored_notes, matched.removed, matched.skipped) == (2, 2, {"deck/gone"}, 1)
    assert [(r.key, r.rating, millis(r.at) - at) for r in matched.reviews] == [
        ("deck/kept", Rating.GOOD, 5000), ("deck/kept", Rating.AGAIN, 0), ("deck/gone", Rating.EASY, 0)]


# --- bad input: one line, exit 1, no write -------------------------------------------------------------

def _zip(path: Path, entries: dict[str, bytes], method: int = zipfile.ZIP_STORED) -> Path:
    with zipfile.ZipFile(path, "w", method) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return path


def _collection(ver: int) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "c.anki2"
        with sqlite3.connect(db) as conn:
            conn.execute("create table col (id integer primary key, ver integer, models text)")
            conn.execute("insert into col values (1, ?, '{}')", (ver,))
        conn.close()
        return db.read_bytes()


def _bad_files(folder: Path, sample_path: Path) -> dict[str, tuple[Path, str]]:
    real = build_apkg(load_decks([sample_path]), folder / "real.apkg", build_time=1_700_000_000).path
    data = real.read_bytes()
    (folder / "text.apkg").write_text("just some text\n")
    (folder / "truncated.apkg").write_bytes(data[: len(data) // 2])
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf, zf.open("collection.anki2", "w") as entry:
        for _ in range(80):
            entry.write(bytes(1 << 20))  # 80 MiB of zeros, about 80 KiB packed
    (folder / "bomb.apkg").write_bytes(bomb.getvalue())
    with zipfile.ZipFile(real) as zf:  # a review dated past the year 9999 on a real card
        entries = {name: zf.read(name) for name in zf.namelist()}
    collection = folder / "impossible.anki2"
    collection.write_bytes(entries["collection.anki2"])
    conn = sqlite3.connect(collection)
    card = conn.execute("SELECT id FROM cards LIMIT 1").fetchone()[0]
    conn.execute("INSERT INTO revlog VALUES (999999999999999, ?, 0, 3, 1, 0, 2500, 1000, 1)", (card,))
    conn.commit()
    conn.close()
    entries["collection.anki2"] = collection.read_bytes()
    return {
        "impossible review": (_zip(folder / "impossible.apkg", entries), "a review Anki could not have written"),
        "not a zip": (folder / "text.apkg", "not a zip file"),
        "truncated": (folder / "truncated.apkg", "not a zip file"),
        "zip bomb": (folder / "bomb.apkg", "possible zip bomb"),
        "no collection": (_zip(folder / "empty.apkg", {"media": b"{}"}), "holds no Anki collection"),
        "newer package": (_zip(folder / "newer.apkg", {"meta": b"\x08\x04", "collection.anki21c": b"x"}),
                          "newer Anki (package format 4"),
        "newer schema": (_zip(folder / "schema.apkg", {"meta": b"\x08\x02", "collection.anki21": _collection(19)}),
                         "newer Anki (schema 19"),
        "not sqlite": (_zip(folder / "junk.apkg", {"collection.anki2": b"\x00" * 4096}), "not an SQLite database"),
        "damaged zstd": (_zip(folder / "zstd.apkg", {"meta": b"\x08\x03", "collection.anki21b": b"\x28\xb5\x2f\xfd junk"}),
                         "damaged or truncated"),
    }


def test_bad_files_get_one_line_and_exit_1_and_never_a_write(tmp_path, sample_path, cli):
    store = tmp_path / "p.sqlite3"
    with Store.open(store) as opened:
        opened.record("sample/basic-one", Rating.GOOD, T0)
    digest = hashlib.sha256(store.read_bytes()).hexdigest()
    cases = _bad_files(tmp_path, sample_path)
    for what, (path, message) in cases.items():  # the library: a PackageError naming the file and the fault
        with pytest.raises(PackageError) as raised:
            read_package(path, [])
        assert str(raised.value).startswith(f"cannot import {path}: ") and message in str(raised.value), what
        assert "\n" not in str(raised.value)
    for what in ("zip bomb", "impossible review"):  # the command: one line, exit 1, the store untouched
        path, message = cases[what]
        result = cli("import", str(path), str(sample_path), "--store", str(store))
        lines = result.stderr.strip().splitlines()
        assert result.returncode == 1 and len(lines) == 1, (what, result.stdout, result.stderr)
        assert lines[0].startswith(f"Error: cannot import {path}: ") and message in lines[0], (what, lines)
    assert hashlib.sha256(store.read_bytes()).hexdigest() == digest
    fresh = tmp_path / "never-made.sqlite3"
    result = cli("import", str(cases["truncated"][0]), str(sample_path), "--store", str(fresh))
    assert result.returncode == 1 and "Traceback" not in result.stderr and not fresh.exists()


def test_the_unpacked_size_is_checked_while_unpacking(tmp_path, sample_path):
    real = build_apkg(load_decks([sample_path]), tmp_path / "real.apkg", build_time=1_700_000_000).path
    with pytest.raises(PackageError, match="possible zip bomb"):
        read_package(real, [], Limits(max_bytes=10_000))
    with pytest.raises(PackageError, match="meta entry"):
        meta_version(b"\x12\x00")
    assert meta_version(b"\x08\x03") == 3 and meta_version(b"\x08\x96\x01") == 150


def test_dry_run_reports_and_writes_nothing(tmp_path, sample_path, cli):
    """A package built with progress, imported back: every review is already there; a dry run without a
    store counts them as new and creates no store."""
    store = tmp_path / "p.sqlite3"
    with Store.open(store) as opened:
        opened.record("sample/basic-one", Rating.GOOD, T0)
        opened.record("sample/cloze-one", Rating.AGAIN, T0 + timedelta(minutes=1))
        progress = progress_export(opened, Settings(), UTC)
    out = build_apkg(load_decks([sample_path]), tmp_path / "p.apkg", build_time=1_700_000_000, progress=progress).path
    back = cli("import", str(out), str(sample_path), "--store", str(store))
    assert back.returncode == 0, back.stderr
    assert "Reviews: 0 added, 2 already in the store; 0 card(s) rebuilt." in back.stdout
    dry = cli("import", str(out), str(sample_path), "--store", str(tmp_path / "none.sqlite3"), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "Reviews: 2 to add, 0 already in the store; 2 card(s) to rebuild." in dry.stdout
    assert "Dry run: nothing was written." in dry.stdout and not (tmp_path / "none.sqlite3").exists()
    plain = build_apkg(load_decks([sample_path]), tmp_path / "plain.apkg", build_time=1_700_000_000).path
    assert not read_package(plain, load_decks([sample_path])).scheduling


def test_a_suspended_drill_card_is_suspended_in_anki_and_days_follow_the_learner():
    from aiquiz.anki.progress_export import AnkiDays, card_schedule, difficulty_factor
    from aiquiz.progress.exchange import CardProgress, replay_steps
    from aiquiz.progress.scheduler import replayer

    steps = replay_steps("d/a", [NewReview("d/a", Rating.GOOD, T0), NewReview("d/a", Rating.GOOD, T0 + timedelta(minutes=10))],
                         replayer(lambda key: 0.9))
    days = AnkiDays(UTC, 4, crt=int(datetime(2026, 11, 1, 12, tzinfo=UTC).timestamp()))
    card = CardProgress("d/a", steps[-1].after, steps, 0.9, 0.1542)
    plain, held = card_schedule(card, days), card_schedule(CardProgress(**{**card.__dict__, "suspended": True}), days)
    assert (plain.ctype, plain.queue, held.ctype, held.queue) == (2, 2, 2, -1)
    assert plain.due == days.number(steps[-1].after.due) == 3  # Nov 2 + 2 days, counted from Nov 1
    assert days.number(datetime(2026, 11, 2, 3, 59, tzinfo=UTC)) == 0  # before 04:00: the day before
    assert [r.kind for r in plain.revlog] == [0, 0] and [r.ivl for r in plain.revlog] == [-600, 2]
    assert plain.revlog[-1].factor == difficulty_factor(steps[-1].after.difficulty) == 223
