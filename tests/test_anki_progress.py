"""Learning progress both ways between the drill and Anki, with the real Anki backend as the oracle.

A scripted drill over several simulated days -> `aiquiz anki --with-progress` -> a fresh Anki collection
imported with scheduling: Anki's cards, due days, intervals, memory states and review log are the store's.
Then Anki's scheduler answers cards, the collection is exported (current format, legacy, backup) and
`aiquiz import` brings the reviews back: both sides' reviews, once each, and due dates that agree.
"""

from __future__ import annotations

import hashlib
import sqlite3
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from aiquiz.anki import build_apkg
from aiquiz.anki.notetypes import note_guid
from aiquiz.anki.progress_export import AnkiDays, progress_export
from aiquiz.loader import load_decks
from aiquiz.progress.exchange import millis
from aiquiz.progress.scheduler import Phase, Rating
from aiquiz.progress.settings import Settings
from aiquiz.progress.store import Store

anki_collection = pytest.importorskip("anki.collection")

from test_anki import T0, deck_dir  # noqa: E402,F401  (deck_dir: a fixture)

UTC = UTC
NOW = datetime.now(UTC)  # Anki's scheduler reads the real clock: the drill is scripted into the past
DAYS = AnkiDays(UTC, 4)
NEVER = ("sample/plain-text", "edge/nasty", "edge/six")


def scripted_drill(store: Store) -> dict[str, list[tuple[Rating, datetime]]]:
    """Several simulated days of drill (each card at its own times): review, relearning, learning, easy."""
    d0 = NOW - timedelta(days=9)
    script = {
        "sample/basic-one": [(Rating.GOOD, d0), (Rating.GOOD, d0 + timedelta(minutes=10)),
                             (Rating.GOOD, d0 + timedelta(days=2, minutes=1))],
        "sample/cloze-one": [(Rating.GOOD, d0 + timedelta(minutes=1)), (Rating.GOOD, d0 + timedelta(minutes=11)),
                             (Rating.AGAIN, d0 + timedelta(days=2, minutes=2))],
        "sample/choice-one": [(Rating.GOOD, d0 + timedelta(minutes=2)), (Rating.GOOD, d0 + timedelta(minutes=12))],
        "sample/truefalse-one": [(Rating.AGAIN, NOW - timedelta(minutes=30))],
        "edge/hinted": [(Rating.HARD, d0 + timedelta(days=6)), (Rating.GOOD, d0 + timedelta(days=6, minutes=9)),
                        (Rating.HARD, NOW - timedelta(days=1, hours=1))],
    }
    for key, answers in script.items():
        for rating, at in answers:
            store.record(key, rating, at, duration_ms=4200)
    return script


def import_with_scheduling(col, package: Path) -> None:
    options = anki_collection.ImportAnkiPackageOptions(with_scheduling=True, with_deck_configs=True)
    col.import_anki_package(anki_collection.ImportAnkiPackageRequest(package_path=str(package), options=options))


def key_of(col, card) -> str:
    return col.get_note(card.nid)["Id"]


def anki_due_day(col, card) -> int:
    """Days from today (Anki's) to the card's due day."""
    if card.queue in (1, 4):  # (re)learning within the day: due in epoch seconds
        return DAYS.number(datetime.fromtimestamp(card.due, UTC)) - DAYS.number(NOW)
    return card.due - col.sched.today


def store_due_day(memory) -> int:
    return DAYS.number(memory.due) - DAYS.number(NOW)


@pytest.fixture
def drilled(tmp_path, deck_dir):
    """The decks, a store with the scripted drill, and a fresh FSRS collection holding the exported package."""
    decks = load_decks([deck_dir])
    store = Store.open(tmp_path / "progress.sqlite3")
    script = scripted_drill(store)
    package = build_apkg(decks, tmp_path / "progress.apkg", build_time=T0,
                         progress=progress_export(store, Settings(), UTC)).path
    (tmp_path / "anki").mkdir()
    col = anki_collection.Collection(str(tmp_path / "anki" / "collection.anki2"))
    col.set_config("fsrs", True)
    import_with_scheduling(col, package)
    yield decks, store, script, col, package
    col.close()
    store.close()


def test_anki_continues_where_the_drill_left_off(drilled):
    decks, store, script, col, _ = drilled
    memories = store.memories()
    assert set(memories) == set(script)
    seen = set()
    for cid in col.find_cards(""):
        card = col.get_card(cid)
        key = key_of(col, card)
        seen.add(key)
        revlog = col.db.all("select id, ease, type, time from revlog where cid = ? order by id", cid)
        if key not in memories:  # never studied: new, no history
            assert (card.type, card.queue, card.reps, card.memory_state, revlog) == (0, 0, 0, None, []), key
            continue
        memory, reviews = memories[key], store.reviews(key=key)
        assert card.type == {Phase.LEARNING: 1, Phase.REVIEW: 2, Phase.RELEARNING: 3}[memory.phase], key
        assert abs(anki_due_day(col, card) - store_due_day(memory)) <= 1, key
        if memory.phase is Phase.REVIEW:
            assert card.ivl == memory.interval.days, key
        else:
            assert card.due == int(memory.due.timestamp()), key
        assert (card.reps, card.lapses) == (len(reviews), sum(1 for r in reviews if r.rating is Rating.AGAIN
                                                               and r.phase is Phase.REVIEW)), key
        assert card.memory_state.stability == pytest.approx(memory.stability, abs=1e-3), key
        assert card.memory_state.difficulty == pytest.approx(memory.difficulty, abs=1e-3), key
        if card.ord == 0:  # the history goes with the note's first card, once
            assert [(i, e, t) for i, e, t, _ in revlog] == [(millis(r.at), int(r.rating), 0 if r.phase in
                                                           (Phase.NEW, Phase.LEARNING) else
                                                           1 if r.phase is Phase.REVIEW else 2) for r in reviews]
            assert {t for *_, t in revlog} == {4200}
        else:  # a cloze note's other gaps: the same state, no second copy of the history
            assert revlog == [], key
    assert set(NEVER) <= seen
    # Anki's card info agrees: the cloze note's two cards share the drill card's state
    cloze = [col.get_card(c) for c in col.find_cards('"Id:sample/cloze-one"')]
    assert len(cloze) == 2 and len({(c.type, c.queue, c.due, c.ivl) for c in cloze}) == 1


def answer_due_cards(col, ratings=(3, 3, 1, 3, 4, 3, 2, 3, 3, 3, 3, 3, 3, 3)) -> int:
    """Study the aiquiz decks in Anki with its own scheduler; return how many answers were given."""
    col.decks.select(col.decks.id_for_name("AI Interviews"))
    given = 0
    for rating in ratings:
        card = col.sched.getCard()
        if card is None:
            break
        card.start_timer()
        col.sched.answerCard(card, rating)
        given += 1
    return given


def export(col, folder: Path, kind: str) -> Path:
    out = folder / f"anki-{kind}.{'colpkg' if kind == 'backup' else 'apkg'}"
    if kind == "backup":
        col.export_collection_package(str(out), include_media=False, legacy=False)
    else:
        col.export_anki_package(out_path=str(out), limit=None, options=anki_collection.ExportAnkiPackageOptions(
            with_scheduling=True, with_media=False, legacy=kind == "legacy"))
    return out


@pytest.mark.parametrize("kind", ["current", "legacy", "backup"])
def test_anki_reviews_come_back_once_and_due_dates_agree(drilled, tmp_path, deck_dir, cli, kind):
    decks, store, script, col, _ = drilled
    drill_reviews = {(r.key, millis(r.at)) for r in store.reviews()}
    assert answer_due_cards(col) >= 8
    by_cid = {cid: key_of(col, col.get_card(cid)) for cid in col.find_cards("")}
    anki_reviews = {(by_cid[cid], rid) for rid, cid in col.db.all("select id, cid from revlog")}
    last = {by_cid[cid]: cid for _, cid in col.db.all("select id, cid from revlog order by id")}
    anki_due = {key: anki_due_day(col, col.get_card(cid)) for key, cid in last.items()}
    package = export(col, tmp_path, kind)
    if kind == "backup":
        col.reopen()
    path = str(store.path)
    result = cli("import", str(package), str(deck_dir), "--store", path)
    assert result.returncode == 0, result.stderr
    assert "Notes not from aiquiz (ignored): 0. aiquiz cards no longer in the decks (kept): 0." in result.stdout
    new = len(anki_reviews - drill_reviews)
    assert f"Reviews: {new} added, {len(drill_reviews)} already in the store" in result.stdout
    with Store.open(store.path) as after:
        held = [(r.key, millis(r.at)) for r in after.reviews()]
        assert len(held) == len(set(held)) == len(drill_reviews | anki_reviews)  # both sides, once each
        assert set(held) == drill_reviews | anki_reviews
        memories = after.memories()
    for key, due in anki_due.items():
        assert abs(store_due_day(memories[key]) - due) <= 1, (key, store_due_day(memories[key]), due)
    again = cli("import", str(package), str(deck_dir), "--store", path)
    assert again.returncode == 0 and "Reviews: 0 added" in again.stdout


def test_several_anki_cards_feed_one_drill_card(drilled, tmp_path, deck_dir):
    """Both gaps of a cloze note answered in Anki: the drill card takes both reviews, in time order."""
    from aiquiz.anki.progress_import import import_package

    decks, store, _, col, _ = drilled
    gaps = sorted((col.get_card(c) for c in col.find_cards('"Id:edge/hinted"')), key=lambda c: c.ord)
    assert len(gaps) == 2
    for card, rating in zip(gaps, (3, 1), strict=False):
        card.start_timer()
        col.sched.answerCard(card, rating)
    package = export(col, tmp_path, "current")
    before = len(store.reviews(key="edge/hinted"))
    report = import_package(package, decks, store, Settings())
    hinted = store.reviews(key="edge/hinted")
    assert len(hinted) == before + 2 and [r.rating for r in hinted[-2:]] == [Rating.GOOD, Rating.AGAIN]
    assert report.merged.added == 2 and report.merged.cards == 1
    assert store.memory("edge/hinted").phase is Phase.RELEARNING  # the later answer (Again) wins


def test_package_without_the_flag_ignores_the_store(tmp_path, deck_dir, cli):
    store = Store.open(tmp_path / "p.sqlite3")
    scripted_drill(store)
    store.close()
    plain, other = tmp_path / "a" / "x.apkg", tmp_path / "b" / "x.apkg"
    env = {"SOURCE_DATE_EPOCH": str(T0)}
    assert cli("anki", str(deck_dir), "--out", str(plain), env=env).returncode == 0
    assert cli("anki", str(deck_dir), "--out", str(other), "--store", str(tmp_path / "p.sqlite3"),
               env=env).returncode == 0
    assert hashlib.sha256(plain.read_bytes()).digest() == hashlib.sha256(other.read_bytes()).digest()
    db = tmp_path / "c.anki2"
    db.write_bytes(zipfile.ZipFile(plain).read("collection.anki2"))
    with sqlite3.connect(db) as conn:
        assert conn.execute("select count() from revlog").fetchone() == (0,)
        assert conn.execute("select count() from cards where type != 0 or queue != 0").fetchone() == (0,)
        assert '"schedVer"' not in conn.execute("select conf from col").fetchone()[0]
    with_progress = cli("anki", str(deck_dir), "--out", str(plain), "--with-progress", "--store",
                        str(tmp_path / "p.sqlite3"), env=env)
    assert with_progress.returncode == 0, with_progress.stderr
    assert "With progress: 5 studied note(s) on 7 Anki card(s), 12 review(s)." in with_progress.stdout
    missing = cli("anki", str(deck_dir), "--out", str(plain), "--with-progress", "--store",
                  str(tmp_path / "none.sqlite3"))
    assert missing.returncode == 2 and missing.stderr.startswith("Error: --with-progress: no progress store")
    assert not (tmp_path / "none.sqlite3").exists()


def test_guids_are_the_builds(deck_dir, tmp_path):
    decks = load_decks([deck_dir])
    build_apkg(decks, tmp_path / "x.apkg", build_time=T0)
    db = tmp_path / "c.anki2"
    db.write_bytes(zipfile.ZipFile(tmp_path / "x.apkg").read("collection.anki2"))
    with sqlite3.connect(db) as conn:
        guids = {g for (g,) in conn.execute("select guid from notes")}
    assert guids == {note_guid(d.id, c.id) for d in decks for c in d.cards}
