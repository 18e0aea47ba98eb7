"""The package's options, checked with the real Anki backend: the study preset, note times that carry
every change (a language switch too) to Anki, `--type-answers`, and update round trips for every
combination of language and typing.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from aiquiz.anki import build_apkg
from aiquiz.anki.history import Stamp, next_mod, read_history
from aiquiz.anki.notetypes import CURRENT, TYPED, stable_id
from aiquiz.anki.preset import PRESET
from aiquiz.loader import load_decks
from aiquiz.model import Kind, LangMode

anki_collection = pytest.importorskip("anki.collection")

from test_anki import (  # noqa: E402,F401  (col, deck_dir: fixtures)
    T0,
    _card,
    _review,
    _revlog,
    check_collection,
    col,
    col_from,
    deck_dir,
    import_apkg,
    log_counts,
    visible,
)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _import(col, path: Path, with_presets: bool):
    options = anki_collection.ImportAnkiPackageOptions(with_deck_configs=with_presets)
    request = anki_collection.ImportAnkiPackageRequest(package_path=str(path), options=options)
    return col.import_anki_package(request).log


def _preset_of(col, name: str) -> dict:
    return col.decks.config_dict_for_deck_id(col.decks.id_for_name(name))


# --- the study preset ------------------------------------------------------------------------------

def test_preset_matches_the_drill_defaults():
    import fsrs

    from aiquiz.progress.settings import Settings

    scheduler, drill = fsrs.Scheduler(), Settings()
    assert (PRESET.name, PRESET.new_per_day, PRESET.reviews_per_day) == ("aiquiz", drill.new_per_day, 200)
    assert drill.new_per_day == 10 and PRESET.desired_retention == drill.retention == scheduler.desired_retention
    assert PRESET.learning_steps == tuple(s.total_seconds() / 60 for s in scheduler.learning_steps) == (1, 10)
    assert PRESET.relearning_steps == tuple(s.total_seconds() / 60 for s in scheduler.relearning_steps) == (10,)


@pytest.mark.parametrize("with_presets", [True, False], ids=["with-presets", "without"])
def test_preset_applies_when_importing_with_deck_presets(tmp_path, deck_dir, with_presets):
    package = build_apkg(load_decks([deck_dir]), tmp_path / "out.apkg", build_time=T0).path
    col = anki_collection.Collection(str(tmp_path / "collection.anki2"))
    try:
        assert log_counts(_import(col, package, with_presets)) == (8, 0, 0, 0)
        for name in ("AI Interviews", "AI Interviews::Sample deck", "AI Interviews::Edge cases"):
            conf = _preset_of(col, name)
            got = (conf["name"], conf["new"]["perDay"], conf["rev"]["perDay"], conf["desiredRetention"],
                   conf["new"]["delays"], conf["lapse"]["delays"])
            if with_presets:
                assert got == ("aiquiz", 10, 200, pytest.approx(0.9), [1.0, 10.0], [10.0]), name
                assert conf["id"] == PRESET.id == stable_id("preset", "aiquiz")
            else:  # Anki's Default preset, as before
                assert (got[0], got[1], conf["id"]) == ("Default", 20, 1), name
        if with_presets:  # a learner's change to the preset survives the next import
            conf = _preset_of(col, "AI Interviews::Sample deck")
            conf["new"]["perDay"] = 3
            col.decks.update_config(conf)
            _import(col, package, True)
            assert _preset_of(col, "AI Interviews::Sample deck")["new"]["perDay"] == 3
    finally:
        col.close()


# --- note times: every change reaches Anki, nothing else changes ---------------------------------------

def test_next_mod_rule():
    assert next_mod("a", None, 100) == 100  # new
    assert next_mod("a", Stamp("a", 90), 100) == 90  # unchanged keeps its time
    assert next_mod("b", Stamp("a", 90), 100) == 100  # changed: the build time when newer
    assert next_mod("b", Stamp("a", 100), 100) == 101  # else one second past the previous
    assert next_mod("b", Stamp("a", 500), 100) == 501


def test_history_of_no_package_or_a_broken_one_is_empty(tmp_path):
    assert not read_history(tmp_path / "missing.apkg").notes
    (tmp_path / "junk.apkg").write_bytes(b"not a zip")
    assert not read_history(tmp_path / "junk.apkg").notes


def test_language_switch_reaches_anki_and_unchanged_rebuilds_are_identical(tmp_path, deck_dir, col):
    decks = load_decks([deck_dir])
    out = tmp_path / "dist" / "aiquiz.apkg"

    def build(mode: LangMode):  # as the CLI does: same out path, same build time (no deck edited)
        return build_apkg(decks, out, lang=mode, build_time=T0, previous=out)

    assert build(LangMode.EN).since.new == 8
    first = _sha(out)
    assert build(LangMode.EN).since.unchanged == 8 and _sha(out) == first  # unchanged: byte-identical
    assert log_counts(import_apkg(col, out)) == (8, 0, 0, 0)
    reviewed = _card(col, "sample", "basic-one")
    _review(col, reviewed)
    reviewed.load()
    before = (reviewed.reps, reviewed.due, _revlog(col, reviewed.id))

    report = build(LangMode.ZH)
    assert (report.since.changed, report.since.unchanged) == (8, 0)
    assert log_counts(import_apkg(col, out)) == (0, 8, 0, 0)
    assert "选第二个" in visible(_card(col, "sample", "choice-one").question())
    zh = _sha(out)
    build(LangMode.ZH)
    assert _sha(out) == zh
    assert log_counts(import_apkg(col, out)) == (0, 0, 8, 0)  # nothing new: Anki leaves every note alone

    build(LangMode.BOTH)
    assert log_counts(import_apkg(col, out)) == (0, 8, 0, 0)
    # and back: edge/nasty is written in one language only, so it reads the same in `both` and `en`
    report = build(LangMode.EN)
    assert (report.since.changed, report.since.unchanged) == (7, 1)
    assert log_counts(import_apkg(col, out)) == (0, 7, 1, 0)
    assert "Pick the second" in visible(_card(col, "sample", "choice-one").question())
    reviewed.load()
    assert (reviewed.reps, reviewed.due, _revlog(col, reviewed.id)) == before
    assert col.note_count() == 8 and check_collection(col, decks, LangMode.EN) == 10


def test_cli_language_switch_and_identical_rebuild(tmp_path, deck_dir, cli, col):
    out = tmp_path / "aiquiz.apkg"

    def run(*args: str) -> str:
        result = cli("anki", str(deck_dir), "--out", str(out), *args, env={"SOURCE_DATE_EPOCH": ""})
        assert result.returncode == 0, result.stderr
        return result.stdout

    assert "Since the previous package" not in run()
    first = _sha(out)
    assert "Since the previous package: 0 changed, 0 new, 8 unchanged." in run()
    assert _sha(out) == first
    import_apkg(col, out)
    assert "Since the previous package: 8 changed, 0 new, 0 unchanged." in run("--lang", "zh")
    assert log_counts(import_apkg(col, out)) == (0, 8, 0, 0)


def test_changed_css_updates_the_note_type_in_place(tmp_path, deck_dir, col, monkeypatch):
    from aiquiz.anki import notetypes

    decks = load_decks([deck_dir])
    out = tmp_path / "aiquiz.apkg"
    build_apkg(decks, out, build_time=T0, previous=out)
    import_apkg(col, out)
    model_id = stable_id("notetype", CURRENT[Kind.CLOZE])
    assert ".aq-prompt" in col.models.get(model_id)["css"]
    reviewed = _card(col, "sample", "cloze-one")
    _review(col, reviewed)

    monkeypatch.setattr(notetypes, "stylesheet", lambda: "/* a new look */ .card { color: black; }")
    report = build_apkg(decks, out, build_time=T0, previous=out)  # same decks, same time, new CSS
    assert report.since.unchanged == 8
    log = import_apkg(col, out)
    assert log_counts(log) == (0, 0, 8, 0)
    col.models._clear_cache()  # the Python side caches note types; the import changed the collection's
    assert col.models.get(model_id)["css"].startswith("/* a new look */")
    assert {m["name"] for m in col.models.all()} >= set(CURRENT.values())  # no copy of a note type
    assert len([m for m in col.models.all() if m["name"].startswith("aiquiz cloze")]) == 1
    reviewed.load()
    assert reviewed.reps == 1


# --- type-in answers -----------------------------------------------------------------------------

def test_type_answers_use_ankis_type_in_comparison(tmp_path, deck_dir, col):
    decks = load_decks([deck_dir])
    plain = build_apkg(decks, tmp_path / "plain.apkg", lang=LangMode.BOTH, build_time=T0).path
    before = _sha(plain)
    assert _sha(build_apkg(decks, plain, lang=LangMode.BOTH, build_time=T0, type_answers=False).path) == before
    typed = build_apkg(decks, tmp_path / "typed.apkg", lang=LangMode.BOTH, build_time=T0, type_answers=True)
    assert log_counts(import_apkg(col, typed.path)) == (8, 0, 0, 0)
    assert check_collection(col, decks, LangMode.BOTH) == 10

    basic = _card(col, "sample", "basic-one")
    assert basic.note_type()["name"] == TYPED[Kind.BASIC]
    assert "[[type:Typed]]" in basic.question() and "[[type:Typed]]" in basic.answer()
    expected = basic.note()["Typed"]  # what the reviewer compares with: English only, in `both`
    assert col.compare_answer(expected, "no") == "<code id=typeans><span class=typeGood>no</span></code>"
    assert "typeBad" in col.compare_answer(expected, "yes")

    hinted = _card(col, "edge", "hinted", 0)
    assert hinted.note_type()["name"] == TYPED[Kind.CLOZE]
    assert "[[type:cloze:Typed]]" in hinted.question()
    assert col.extract_cloze_for_typing(hinted.note()["Typed"], 1) == "France"  # English only, in `both`
    assert "typeBad" not in col.compare_answer("France", "France")
    nasty = _card(col, "edge", "nasty")  # a line break in the answer is a space to type
    assert col.compare_answer(nasty.note()["Typed"], "Line one line two") == \
        "<code id=typeans><span class=typeGood>Line one line two</span></code>"
    # choice and true/false cards are the same as without typing
    assert _card(col, "edge", "six").note_type()["name"] == CURRENT[Kind.CHOICE]
    plain_col = col_from(plain, tmp_path / "plain-col")
    try:
        assert "[[type:" not in _card(plain_col, "sample", "basic-one").question()
    finally:
        plain_col.close()


# --- update round trips for every option combination ----------------------------------------------

@pytest.mark.parametrize("typed", [False, True], ids=["plain", "typed"])
@pytest.mark.parametrize("mode", list(LangMode), ids=lambda m: m.value)
def test_reimport_updates_in_place_and_keeps_reviews(tmp_path, deck_dir, col, mode, typed):
    out = tmp_path / "aiquiz.apkg"

    def build(time_: int):
        return build_apkg(load_decks([deck_dir]), out, lang=mode, build_time=time_, type_answers=typed,
                          previous=out)

    build(T0)
    assert log_counts(import_apkg(col, out)) == (8, 0, 0, 0)
    reviewed = [_card(col, "sample", "basic-one"), _card(col, "sample", "cloze-one", 1)]
    for card in reviewed:
        _review(col, card)
        card.load()
    before = [(c.id, c.reps, c.due, _revlog(col, c.id)) for c in reviewed]
    cards_before = sorted(col.find_cards(""))

    sample = deck_dir / "sample.yaml"
    text = sample.read_text(encoding="utf-8")
    assert "Pick the second" in text and "选第二个" in text
    sample.write_text(text.replace("Pick the second", "Choose the second one").replace("选第二个", "选择第二个"),
                      encoding="utf-8")
    os.utime(sample, (T0 + 60, T0 + 60))
    assert build(T0 + 60).since.changed == 1
    log = import_apkg(col, out)
    assert log_counts(log) == (0, 1, 7, 0)
    assert sorted(col.find_cards("")) == cards_before
    shown = visible(_card(col, "sample", "choice-one").question())
    assert ("选择第二个" if mode is LangMode.ZH else "Choose the second one") in shown
    for card in reviewed:
        card.load()
    assert [(c.id, c.reps, c.due, _revlog(col, c.id)) for c in reviewed] == before
    assert log_counts(import_apkg(col, out)) == (0, 0, 8, 0)


def test_switching_type_answers_on_an_imported_collection_is_conflicting(tmp_path, deck_dir, col):
    # Documented in docs/anki.md: a note keeps the note type it was imported with.
    decks, out = load_decks([deck_dir]), tmp_path / "aiquiz.apkg"
    build_apkg(decks, out, build_time=T0, previous=out)
    import_apkg(col, out)
    report = build_apkg(decks, out, build_time=T0, type_answers=True, previous=out)
    assert (report.since.changed, report.since.unchanged) == (4, 4)  # basic and cloze notes
    assert log_counts(import_apkg(col, out)) == (0, 0, 4, 4)
    assert _card(col, "sample", "basic-one").note_type()["name"] == CURRENT[Kind.BASIC]
