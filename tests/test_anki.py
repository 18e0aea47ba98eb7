"""Anki export, checked with the real Anki backend (the `anki` package) as the oracle.

Every package is imported into a fresh collection; every card is rendered by Anki and its visible text
compared with the deck; updates are re-imported over reviewed cards.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import sqlite3
import time
import zipfile
from collections import Counter
from pathlib import Path

import genanki
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiquiz.anki import CONTRACT, CURRENT, build_apkg, default_build_time, stable_id
from aiquiz.anki.build import anki_deck_name
from aiquiz.anki.fields import cloze_literal, literal
from aiquiz.anki.notetypes import TYPED, note_model
from aiquiz.errors import AiquizError, DeckError, UsageError
from aiquiz.loader import load_decks
from aiquiz.model import (
    BasicCard,
    ChoiceCard,
    ClozeCard,
    Deck,
    Kind,
    LangMode,
    TrueFalseCard,
    cloze_gaps,
    cloze_render,
    resolve_citations,
)
from aiquiz.select import Filters

from conftest import DECKS

anki_collection = pytest.importorskip("anki.collection")

T0 = 1_700_000_000

# The published note types. A field or template list never changes under a name: Anki would treat the
# changed type as a different one and refuse every update of existing notes ("conflicting").
# To change fields, add a new version to notetypes.CONTRACT and here; never edit an entry.
FROZEN_CONTRACT = {
    "aiquiz basic v1": (("Front", "Back", "Explain", "Cite", "Id"), ("Card 1",), 1136857643),
    "aiquiz cloze v1": (("Text", "Back", "Explain", "Cite", "Id"), ("Cloze",), 1142124574),
    "aiquiz choice v1": (("Question", "Choices", "Answer", "Explain", "Cite", "Id"), ("Card 1",), 1454101703),
    "aiquiz truefalse v1": (("Statement", "Prompt", "Answer", "Explain", "Cite", "Id"), ("Card 1",), 1454143447),
    "aiquiz basic typed v1": (("Front", "Back", "Typed", "Explain", "Cite", "Id"), ("Card 1",), 2081363076),
    "aiquiz cloze typed v1": (("Text", "Back", "Typed", "Explain", "Cite", "Id"), ("Cloze",), 1913647600),
}

# A second deck: text Anki would otherwise read as HTML, cloze, sound or MathJax; a hint; six choices.
EDGE_YAML = r"""
deck: edge
title: {en: "Edge cases", zh: "边界情况"}
source:
  {id: edge-src, speaker: "S", interviewer: "I", occasion: "O", date: "2025-03", urls: ["https://example.org/a?x=1&y=2"]}
cards:
  - id: nasty
    kind: basic
    front: "Literal: <i>x</i> & {{c1::no}} [sound:a.mp3] \\(y\\) &amp; {{Front}}"
    back: "Line one\nline two"
    explain: "A long word must wrap on a phone: Donaudampfschifffahrtsgesellschaftskapitaensmuetzenabzeichen."
    cite: {section: "S1", anchor: "an anchor"}
  - id: hinted
    kind: cloze
    text:
      en: "Capital of {{c1::France::country}} is {{c2::Paris}}."
      zh: "{{c1::法国::国家}}的首都是{{c2::巴黎}}。"
  - id: six
    kind: choice
    front: {en: "Last one?", zh: "最后一个？"}
    choices: ["one", "two", "three", "four", "five", "six <six>"]
    answer: 5
"""


# --- helpers --------------------------------------------------------------------------------------

def import_apkg(col, path: Path):
    """Import like Anki's dialog with its default preset (update notes and note types "if newer")."""
    request = anki_collection.ImportAnkiPackageRequest(
        package_path=str(path), options=anki_collection.ImportAnkiPackageOptions())
    return col.import_anki_package(request).log


def col_from(package: Path, folder: Path):
    """A fresh collection in `folder` with `package` imported (the caller closes it)."""
    folder.mkdir(parents=True, exist_ok=True)
    collection = anki_collection.Collection(str(folder / "collection.anki2"))
    import_apkg(collection, package)
    return collection


def visible(page: str) -> str:
    """The text a user sees in rendered card HTML, whitespace collapsed."""
    page = re.sub(r"<style>.*?</style>", "", page, flags=re.DOTALL)
    page = re.sub(r"</?(?:br|div|li|ol|hr)\b[^>]*>", "\n", page)
    return norm(html.unescape(re.sub(r"<[^>]+>", "", page)))


def norm(text: str) -> str:
    return " ".join(text.split())


def log_counts(log) -> tuple[int, int, int, int]:
    return len(log.new), len(log.updated), len(log.duplicate), len(log.conflicting)


@pytest.fixture
def col(tmp_path):
    collection = anki_collection.Collection(str(tmp_path / "collection.anki2"))
    yield collection
    collection.close()


@pytest.fixture
def deck_dir(tmp_path, sample_path) -> Path:
    """A folder with the sample deck and the edge-case deck, both with mtime T0."""
    folder = tmp_path / "decks"
    folder.mkdir()
    (folder / "sample.yaml").write_text(sample_path.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "edge.yaml").write_text(EDGE_YAML, encoding="utf-8")
    for path in folder.iterdir():
        os.utime(path, (T0, T0))
    return folder


def expected_texts(deck: Deck, card, ord_: int, mode: LangMode) -> tuple[list[str], list[str]]:
    """Strings that must be visible on the front and on the back of a card (ord_: its cloze number - 1)."""
    match card:
        case BasicCard():
            front = list(card.front.parts(mode))
            back = front + list(card.back.parts(mode))
        case ClozeCard():
            front = [cloze_render(p, hide=ord_ + 1) for p in card.text.parts(mode)]
            back = [cloze_render(p, reveal=True) for p in card.text.parts(mode)]
            back += list(card.back.parts(mode)) if card.back else []
        case ChoiceCard():
            front = list(card.front.parts(mode)) + [p for c in card.choices for p in c.parts(mode)]
            back = front + [f"✓ {'ABCDEF'[card.answer]}"]
        case TrueFalseCard():
            front = list(card.statement.parts(mode))
            word = {(True, "zh"): "正确", (False, "zh"): "错误", (True, "en"): "True", (False, "en"): "False"}
            back = front + [word[card.answer, "zh" if mode is LangMode.ZH else "en"]]
    back += list(card.explain.parts(mode)) if card.explain else []
    for cite in resolve_citations(deck, card):
        back += list(cite.section.parts(mode)) if cite.section else []
        back += [f"“{cite.anchor}”"] if cite.anchor else []
        back += [cite.url] if cite.url else []
        if cite.source:
            back += [x for x in (cite.source.speaker, cite.source.interviewer, cite.source.occasion,
                                 cite.source.date) if x]
    return front, back + [f"{deck.id}/{card.id}"]


def check_collection(col, decks: list[Deck], mode: LangMode) -> int:
    """Assert notes/cards per deck and kind, tags, and every card's rendered text; return cards checked."""
    by_guid = {genanki.guid_for("aiquiz", d.id, c.id): (d, c) for d in decks for c in d.cards}
    kind_of_type = {name: kind for names in (CURRENT, TYPED) for kind, name in names.items()}
    notes_seen: Counter[tuple[str, Kind]] = Counter()
    cards_seen: Counter[str] = Counter()
    for nid in col.find_notes(""):
        note = col.get_note(nid)
        deck, card = by_guid[note.guid]
        kind = kind_of_type[note.note_type()["name"]]
        assert kind is card.kind
        notes_seen[deck.id, kind] += 1
        assert sorted(note.tags) == sorted({f"aiquiz::{deck.id}", f"kind::{kind.value}", *card.tags})
        gaps = cloze_gaps(card.text.get("en")) if isinstance(card, ClozeCard) else (1,)
        assert sorted(c.ord for c in note.cards()) == [g - 1 for g in gaps]
        for anki_card in note.cards():
            assert col.decks.name(anki_card.did) == anki_deck_name(deck, mode)
            cards_seen[deck.id] += 1
            question, answer = visible(anki_card.question()), visible(anki_card.answer())
            front, back = expected_texts(deck, card, anki_card.ord, mode)
            for text in front:
                assert norm(text) in question, (deck.id, card.id, text, question)
            for text in back:
                assert norm(text) in answer, (deck.id, card.id, text, answer)
    assert notes_seen == Counter((d.id, c.kind) for d in decks for c in d.cards)
    return sum(cards_seen.values())


# --- import and rendering -------------------------------------------------------------------------

@pytest.mark.parametrize("mode", list(LangMode))
def test_import_renders_every_card(tmp_path, deck_dir, col, mode):
    decks = load_decks([deck_dir])
    report = build_apkg(decks, tmp_path / "out.apkg", lang=mode, build_time=T0)
    log = import_apkg(col, report.path)
    assert log_counts(log) == (8, 0, 0, 0)
    assert check_collection(col, decks, mode) == report.cards == 10  # 8 notes; two cloze notes with two gaps each
    assert {d.id: dict(d.notes) for d in report.decks} == {
        "sample": {Kind.BASIC: 1, Kind.CLOZE: 1, Kind.CHOICE: 1, Kind.TRUEFALSE: 2},
        "edge": {Kind.BASIC: 1, Kind.CLOZE: 1, Kind.CHOICE: 1, Kind.TRUEFALSE: 0}}
    names = {d.name for d in col.decks.all_names_and_ids()}
    title = {"zh": "示例卡组"}.get(mode.value, "Sample deck")
    assert {"AI Interviews", f"AI Interviews::{title}"} <= names


def _card(col, deck_id: str, card_id: str, ord_: int = 0):
    nid = col.find_notes(f'"Id:{deck_id}/{card_id}"')[0]
    return next(c for c in col.get_note(nid).cards() if c.ord == ord_)


def test_text_is_shown_literally(tmp_path, deck_dir, col):
    build_apkg(load_decks([deck_dir]), tmp_path / "out.apkg", lang=LangMode.EN, build_time=T0)
    import_apkg(col, tmp_path / "out.apkg")
    nasty = _card(col, "edge", "nasty")
    assert visible(nasty.question()) == r"Literal: <i>x</i> & {{c1::no}} [sound:a.mp3] \(y\) &amp; {{Front}}"
    assert "<i>" not in nasty.question() and not nasty.question_av_tags()
    assert "anki-mathjax" not in nasty.question()
    assert "Line one\nline two" in html.unescape(re.sub(r"<br>", "\n", nasty.answer()))
    choice = _card(col, "sample", "choice-one")
    assert "{{template}}" in visible(choice.question())
    # cloze: the gap asked is hidden on the front, the other shown; HTML inside a gap is text
    first, second = _card(col, "sample", "cloze-one", 0), _card(col, "sample", "cloze-one", 1)
    assert "There are [...] things and <b>bold</b>." in visible(first.question())
    assert "300" not in visible(first.question())
    assert "There are 300 things and [...]." in visible(second.question())
    assert "<b>bold</b>" not in second.question() and "<b>" not in first.answer()
    assert "There are 300 things and <b>bold</b>." in visible(second.answer())
    hinted = _card(col, "edge", "hinted", 0)
    assert "Capital of [country] is Paris." in visible(hinted.question())
    assert "France" not in visible(hinted.question())


def test_choice_back_marks_the_right_option(tmp_path, deck_dir, col):
    build_apkg(load_decks([deck_dir]), tmp_path / "out.apkg", lang=LangMode.BOTH, build_time=T0)
    import_apkg(col, tmp_path / "out.apkg")
    six = _card(col, "edge", "six")
    front, back = (re.sub(r"<style>.*?</style>", "", page, flags=re.DOTALL)
                   for page in (six.question(), six.answer()))
    assert "aq-right-" not in front and "<script" not in back.lower()
    assert [m for m in re.findall(r'class="aq-letter">([A-F])<', front)] == list("ABCDEF")
    assert 'class="aq-choices aq-revealed aq-right-F"' in back
    right = re.search(r'<li class="aq-opt aq-opt-F">(.*?)</li>', back).group(1)
    assert visible(right) == "F six <six>"
    assert ".aq-right-F .aq-opt-F" in six.note_type()["css"]  # the stylesheet does the marking, no JS


def test_citation_link_and_interview_on_back(tmp_path, deck_dir, col):
    build_apkg(load_decks([deck_dir]), tmp_path / "out.apkg", lang=LangMode.ZH, build_time=T0)
    import_apkg(col, tmp_path / "out.apkg")
    back = _card(col, "edge", "nasty").answer()
    assert '<a href="https://example.org/a?x=1&amp;y=2">' in back
    assert "访谈 S, 采访者 I · O · 2025-03" in visible(back)


# --- identity, updates and progress ----------------------------------------------------------------

def _review(col, card) -> None:
    card.start_timer()
    col.sched.answerCard(card, 3)


def _revlog(col, cid: int) -> int:
    return col.db.scalar("select count() from revlog where cid = ?", cid)


def test_update_rewords_in_place_and_keeps_reviews(tmp_path, deck_dir, col):
    out = tmp_path / "dist" / "aiquiz.apkg"
    decks = load_decks([deck_dir])
    build_apkg(decks, out, build_time=default_build_time(decks, {}))
    assert log_counts(import_apkg(col, out)) == (8, 0, 0, 0)
    reviewed = _card(col, "sample", "basic-one")
    _review(col, reviewed)
    reviewed.load()
    before = (reviewed.id, reviewed.reps, reviewed.type, reviewed.due, _revlog(col, reviewed.id))
    assert before[1] == 1 and before[4] == 1
    cards_before = sorted(col.find_cards(""))

    # Unchanged decks: the same package; Anki keeps what it has.
    build_apkg(decks, out, build_time=default_build_time(decks, {}))
    assert log_counts(import_apkg(col, out)) == (0, 0, 8, 0)

    sample = deck_dir / "sample.yaml"
    sample.write_text(sample.read_text(encoding="utf-8").replace("Pick the second", "Choose the second one"),
                      encoding="utf-8")
    os.utime(sample, (T0 + 60, T0 + 60))
    decks = load_decks([deck_dir])
    assert default_build_time(decks, {}) == T0 + 60
    build_apkg(decks, out, build_time=default_build_time(decks, {}))
    log = import_apkg(col, out)
    assert log_counts(log) == (0, 8, 0, 0)
    assert sorted(col.find_cards("")) == cards_before
    assert "Choose the second one" in visible(_card(col, "sample", "choice-one").question())
    reviewed.load()
    assert (reviewed.id, reviewed.reps, reviewed.type, reviewed.due, _revlog(col, reviewed.id)) == before


def test_switching_language_updates_the_same_notes(tmp_path, deck_dir, col):
    decks = load_decks([deck_dir])
    build_apkg(decks, tmp_path / "en.apkg", lang=LangMode.EN, build_time=T0)
    build_apkg(decks, tmp_path / "zh.apkg", lang=LangMode.ZH, build_time=T0 + 1)
    assert log_counts(import_apkg(col, tmp_path / "en.apkg")) == (8, 0, 0, 0)
    assert log_counts(import_apkg(col, tmp_path / "zh.apkg")) == (0, 8, 0, 0)
    assert "选第二个" in visible(_card(col, "sample", "choice-one").question())
    assert col.note_count() == 8


def test_guid_and_ids_are_fixed():
    assert genanki.guid_for("aiquiz", "sample", "basic-one") == "hw.z+]!K9/"
    assert stable_id("deck", "devday-2024") == 1664892983
    assert len({stable_id("notetype", name) for name in CONTRACT}) == len(CONTRACT)


def test_note_type_fields_match_the_contract(tmp_path, deck_dir, col):
    for name, (fields, templates, model_id) in FROZEN_CONTRACT.items():
        spec = CONTRACT[name]
        assert (spec.fields, spec.templates) == (fields, templates), f"{name} changed: make a new version"
        assert stable_id("notetype", name) == model_id
    assert set(CURRENT.values()) | set(TYPED.values()) <= set(FROZEN_CONTRACT), \
        "add the new note-type version to FROZEN_CONTRACT"
    build_apkg(load_decks([deck_dir]), tmp_path / "out.apkg", build_time=T0)
    import_apkg(col, tmp_path / "out.apkg")
    for kind, name in CURRENT.items():
        model = note_model(kind)
        assert (model.name, model.model_id) == (name, FROZEN_CONTRACT[name][2])
        imported = col.models.get(model.model_id)
        assert imported["name"] == name
        assert tuple(f["name"] for f in imported["flds"]) == FROZEN_CONTRACT[name][0]
        assert tuple(t["name"] for t in imported["tmpls"]) == FROZEN_CONTRACT[name][1]


# --- reproducible bytes ----------------------------------------------------------------------------

def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_unchanged_inputs_rebuild_byte_identically(tmp_path, deck_dir, cli, monkeypatch):
    first, second = tmp_path / "a" / "x.apkg", tmp_path / "b" / "x.apkg"
    for out in (first, second):  # two processes, different hash seeds and clock readings
        result = cli("anki", str(deck_dir), "--lang", "both", "--out", str(out), env={"SOURCE_DATE_EPOCH": ""})
        assert result.returncode == 0, result.stderr
    assert _sha(first) == _sha(second)
    monkeypatch.setattr(time, "time", lambda: 2_000_000_000.0)  # a build never reads the clock
    third = build_apkg(load_decks([deck_dir]), tmp_path / "c.apkg", lang=LangMode.BOTH, build_time=T0).path
    assert _sha(third) == _sha(first)
    with zipfile.ZipFile(first) as zf:
        assert {i.date_time for i in zf.infolist()} == {time.gmtime(T0)[:6]}


def _note_mods(path: Path, tmp_path: Path) -> set[int]:
    db = tmp_path / "unzipped.anki2"
    with zipfile.ZipFile(path) as zf:
        db.write_bytes(zf.read("collection.anki2"))
    with sqlite3.connect(db) as conn:
        mods = {row[0] for row in conn.execute("select mod from notes union select mod from cards")}
    db.unlink()
    return mods


def test_edited_decks_give_a_newer_package(tmp_path, deck_dir):
    out = tmp_path / "x.apkg"
    decks = load_decks([deck_dir])
    build_apkg(decks, out, build_time=default_build_time(decks, {}))
    old = _sha(out)
    assert _note_mods(out, tmp_path) == {T0}
    os.utime(deck_dir / "edge.yaml", (T0 + 5, T0 + 5))
    decks = load_decks([deck_dir])
    build_apkg(decks, out, build_time=default_build_time(decks, {}))
    assert _sha(out) != old and _note_mods(out, tmp_path) == {T0 + 5}
    assert default_build_time(decks, {"SOURCE_DATE_EPOCH": "1234"}) == 1234
    with pytest.raises(UsageError, match="SOURCE_DATE_EPOCH"):
        default_build_time(decks, {"SOURCE_DATE_EPOCH": "soon"})


# --- escaping (no Anki needed) ---------------------------------------------------------------------

@settings(max_examples=200, deadline=None)
@given(st.text())
def test_literal_round_trips_and_leaves_no_markup(text):
    out = literal(text)
    assert html.unescape(out.replace("<br>", "\n")) == text
    assert not set(out.replace("<br>", "")) & set("<>{}[]\\\"")


def test_cloze_literal_keeps_only_the_gaps():
    assert cloze_literal("a <b> {{c1::<i>x</i>::h{}}} {x}") == (
        "a &lt;b&gt; {{c1::&lt;i&gt;x&lt;/i&gt;::h&#123;}}&#125; &#123;x&#125;")


# --- filters, errors, atomic writes -----------------------------------------------------------------

def test_filters_select_decks_and_tags(tmp_path, deck_dir, col):
    decks = load_decks([deck_dir])
    report = build_apkg(decks, tmp_path / "out.apkg", filters=Filters(tags=("scaling", "agi")), build_time=T0)
    assert [(d.id, d.note_count) for d in report.decks] == [("sample", 2)]
    assert log_counts(import_apkg(col, report.path)) == (2, 0, 0, 0)
    with pytest.raises(UsageError, match="no cards match"):
        build_apkg(decks, tmp_path / "none.apkg", filters=Filters(tags=("nope",)), build_time=T0)
    with pytest.raises(UsageError, match="no deck with id nope"):
        build_apkg(decks, tmp_path / "none.apkg", filters=Filters(decks=("nope",)), build_time=T0)
    assert not (tmp_path / "none.apkg").exists()


def test_failed_write_leaves_the_old_package(tmp_path, deck_dir, monkeypatch):
    out = tmp_path / "out.apkg"
    out.write_bytes(b"old package")

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(AiquizError, match="cannot write .*No space left"):
        build_apkg(load_decks([deck_dir]), out, build_time=T0)
    assert out.read_bytes() == b"old package"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["decks", "out.apkg"]


def test_cli_anki_writes_and_summarises(tmp_path, deck_dir, cli):
    out = tmp_path / "dist" / "aiquiz.apkg"
    result = cli("anki", str(deck_dir), "--deck", "sample", "--lang", "zh", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "sample: 5 notes (basic 1, cloze 1, choice 1, truefalse 2), 6 cards -> AI Interviews::示例卡组" \
        in result.stdout
    assert f"Wrote {out}: 1 deck(s), 5 notes, 6 cards." in result.stdout
    assert zipfile.ZipFile(out).namelist() == ["collection.anki2", "media"]


def test_cli_anki_default_out_and_bad_input(tmp_path, deck_dir, cli):
    result = cli("anki", str(deck_dir), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    packaged = tmp_path / "dist" / "aiquiz.apkg"
    good = packaged.read_bytes()
    (deck_dir / "edge.yaml").write_text(EDGE_YAML.replace("answer: 5", "answer: 9"), encoding="utf-8")
    result = cli("anki", str(deck_dir), cwd=tmp_path)
    assert result.returncode == 1 and "edge.yaml" in result.stderr and "nothing was written" in result.stderr
    assert packaged.read_bytes() == good
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = cli("anki", str(deck_dir / "sample.yaml"), "--out", str(blocker / "x.apkg"))
    assert result.returncode == 1 and result.stderr.startswith(f"Error: cannot write {blocker / 'x.apkg'}")
    assert "Traceback" not in result.stderr
    result = cli("anki", str(deck_dir), "--lang", "fr")
    assert result.returncode == 2


# --- the shipped decks ----------------------------------------------------------------------------

def test_shipped_decks_export_and_render(tmp_path, col):
    files = sorted(DECKS.glob("*.yaml"))
    if not files:
        pytest.skip("decks/ has no deck file yet")
    try:
        decks = load_decks(files)
    except DeckError as err:  # decks are being written; validity is test_decks.py's job
        pytest.skip(f"a shipped deck does not load right now: {err.problems[0]}")
    report = build_apkg(decks, tmp_path / "aiquiz.apkg", lang=LangMode.BOTH, build_time=T0)
    log = import_apkg(col, report.path)
    assert log_counts(log) == (sum(len(d.cards) for d in decks), 0, 0, 0)
    assert check_collection(col, decks, LangMode.BOTH) == report.cards
