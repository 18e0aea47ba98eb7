"""The fast paths of the Anki build against what they replace: genanki itself, and the plain formulas.

`anki.notes` inserts notes without a genanki `Note` each, `anki.fields` renders the usual texts without
the general passes, `notetypes.note_guid` computes genanki's GUID itself, and `history.Restamper` reads
the previous package in one pass. Each must give exactly what the slow way gives.
"""

from __future__ import annotations

import html
import itertools
import sqlite3
import zipfile
from pathlib import Path

import genanki
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiquiz.anki import build_apkg
from aiquiz.anki.build import ROOT_DECK, ROOT_DECK_ID, _description, anki_deck_name
from aiquiz.anki.fields import _lang_attr, _lang_parts, card_tags, cloze_literal, literal, note_fields, text_html
from aiquiz.anki.history import Restamper, next_mod, note_fingerprint, read_history
from aiquiz.anki.notes import card_ords
from aiquiz.anki.notetypes import _base91, note_guid, note_model, stable_id
from aiquiz.anki.preset import PRESET, install_preset
from aiquiz.loader import load_decks
from aiquiz.model import CLOZE_GAP, Kind, LangMode, Text

from test_anki import T0, deck_dir  # noqa: F401  (deck_dir: a fixture)


def _genanki_collection(path: Path, decks, mode: LangMode, typed: bool, build_time: int) -> None:
    """The collection as the build wrote it with a genanki Note per card (before `anki.notes`)."""
    models = {kind: note_model(kind, typed) for kind in Kind}
    position, ids = itertools.count(1), itertools.count(build_time * 1000)
    conn = sqlite3.connect(path)
    cursor = conn.cursor()
    genanki.Package([]).write_to_db(cursor, build_time, ids)
    genanki.Deck(ROOT_DECK_ID, ROOT_DECK).write_to_db(cursor, build_time, ids)
    deck_ids = [ROOT_DECK_ID]
    for deck in decks:
        gdeck = genanki.Deck(stable_id("deck", deck.id), anki_deck_name(deck, mode), _description(deck, mode))
        for card in deck.cards:
            gdeck.add_note(genanki.Note(model=models[card.kind], fields=note_fields(deck, card, mode, typed),
                                        tags=card_tags(deck, card), guid=genanki.guid_for("aiquiz", deck.id, card.id),
                                        due=next(position)))
        gdeck.write_to_db(cursor, build_time, ids)
        deck_ids.append(gdeck.deck_id)
    install_preset(conn, PRESET, deck_ids)
    with Restamper(None, path.parent, build_time) as stamps:  # no history: it only rewrites the note types
        stamps.apply(conn)
    conn.commit()
    conn.close()


def _collection(package: Path) -> bytes:
    with zipfile.ZipFile(package) as zf:
        return zf.read("collection.anki2")


@pytest.mark.filterwarnings("error")  # genanki warns of invalid HTML in a field: there must be none
@pytest.mark.parametrize(("mode", "typed"), [(LangMode.EN, False), (LangMode.ZH, True), (LangMode.BOTH, False)])
def test_the_collection_is_byte_for_byte_the_one_genanki_notes_write(tmp_path, deck_dir, mode, typed):  # noqa: F811
    decks = load_decks([deck_dir])
    package = build_apkg(decks, tmp_path / "x.apkg", lang=mode, type_answers=typed, build_time=T0).path
    _genanki_collection(tmp_path / "genanki.anki2", decks, mode, typed, T0)
    assert _collection(package) == (tmp_path / "genanki.anki2").read_bytes()


_CLOZE_MODEL = note_model(Kind.CLOZE)
_TYPED_CLOZE = note_model(Kind.CLOZE, typed=True)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.text("ab:{}", max_size=4)), max_size=8), st.booleans())
def test_cloze_card_ords_are_genankis(gaps, typed):
    text = " ".join(f"{{{{c{n}::{word}}}}}" for n, word in gaps)
    model = _TYPED_CLOZE if typed else _CLOZE_MODEL
    fields = [text, "", *([text] if typed else []), "", "", "x/y"]
    assert card_ords(model)(fields) == [card.ord for card in genanki.Note(model=model, fields=fields).cards]


@pytest.mark.parametrize("kind", [Kind.BASIC, Kind.CHOICE, Kind.TRUEFALSE])
@pytest.mark.parametrize("first", ["", "<span>q</span>"])
def test_front_back_card_ords_are_genankis(kind, first):
    model = note_model(kind)
    fields = [first] + ["x"] * (len(model.fields) - 1)
    assert card_ords(model)(fields) == [card.ord for card in genanki.Note(model=model, fields=fields).cards]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=20), st.text(max_size=20))
def test_note_guid_is_genankis(deck_id, card_id):
    assert note_guid(deck_id, card_id) == genanki.guid_for("aiquiz", deck_id, card_id)


def _genanki_base91(number: int) -> str:  # genanki.util.guid_for's loop, for any number
    digits = []
    while number > 0:
        number, digit = divmod(number, 91)
        digits.append(genanki.util.BASE91_TABLE[digit])
    return "".join(reversed(digits))


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 2**64 - 1) | st.sampled_from([0, 1, 90, 91, 91**2 - 1, 91**2, 91**8 - 1, 91**8, 91**9, 2**64 - 1]))
def test_base91_is_genankis(number):
    assert _base91(number) == _genanki_base91(number)


_MARKUP = st.text(st.sampled_from("ab中 &<>\"'{}[]\\\n\r:c1"), max_size=30)


@settings(max_examples=300, deadline=None)
@given(_MARKUP)
def test_literal_is_the_escapes_in_turn(text):
    neutral = str.maketrans({"{": "&#123;", "}": "&#125;", "[": "&#91;", "]": "&#93;", "\\": "&#92;"})
    assert literal(text) == html.escape(text, quote=True).translate(neutral).replace("\n", "<br>")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_MARKUP, st.tuples(st.integers(1, 3), _MARKUP, st.none() | _MARKUP)), max_size=5))
def test_cloze_literal_is_literal_between_the_gaps(pieces):
    text = "".join(p if isinstance(p, str) else f"{{{{c{p[0]}::{p[1]}{'' if p[2] is None else '::' + p[2]}}}}}"
                   for p in pieces)
    expected, last = [], 0
    for m in CLOZE_GAP.finditer(text):
        hint = "" if m.group(3) is None else f"::{literal(m.group(3))}"
        expected += [literal(text[last:m.start()]), f"{{{{c{m.group(1)}::{literal(m.group(2))}{hint}}}}}"]
        last = m.end()
    assert cloze_literal(text) == "".join([*expected, literal(text[last:])])


_MAYBE = st.none() | st.text(st.sampled_from("ab<中"), max_size=5)


@settings(max_examples=300, deadline=None)
@given(_MAYBE, _MAYBE, _MAYBE, st.sampled_from(list(LangMode)), st.booleans(), st.booleans())
def test_text_html_is_the_general_layout(en, zh, plain, mode, inline, cloze):
    text, render = Text(en, zh, plain), cloze_literal if cloze else literal
    parts = _lang_parts(text, mode)
    if len(parts) == 1 or inline:
        expected = " · ".join(f"<span{_lang_attr(lang)}>{render(value)}</span>" for lang, value in parts)
    else:
        expected = "".join(f'<div{_lang_attr(lang)} class="aq-{lang}">{render(value)}</div>' for lang, value in parts)
    assert text_html(text, mode, render, inline) == expected


def _rewrite_notes(package: Path, tmp_path: Path, change) -> None:
    """Let `change(conn)` edit the notes of a package's collection in place."""
    db = tmp_path / "edit.anki2"
    db.write_bytes(_collection(package))
    with sqlite3.connect(db) as conn:
        change(conn)
    conn.close()
    with zipfile.ZipFile(package, "w") as zf:
        zf.write(db, "collection.anki2")
    db.unlink()


def _reverse_ids(conn) -> None:  # the notes in the other order (and other ids), the first one gone
    rows = conn.execute("select * from notes order by id").fetchall()
    conn.execute("delete from notes")
    for i, row in enumerate(reversed(rows[1:])):
        conn.execute(f"insert into notes values ({','.join('?' * len(row))})", (T0 * 2000 + i, *row[1:]))


def _swap_first_two(conn) -> None:  # two notes in the other order, the rest in place
    (a, b) = conn.execute("select id from notes order by id limit 2").fetchall()
    conn.execute("update notes set id = -1 where id = ?", a)
    conn.execute("update notes set id = ? where id = ?", (a[0], b[0]))
    conn.execute("update notes set id = ? where id = -1", b)


EDITS = {
    "unchanged": lambda conn: None,
    "reworded": lambda conn: conn.execute("update notes set flds = flds || 'x', mod = mod + 50 where id % 3 = 0"),
    "retagged": lambda conn: conn.execute("update notes set tags = '  ' || tags || ' ' where id % 2 = 0"),
    "gone": lambda conn: conn.execute("delete from notes where id % 4 = 1"),
    "reordered": _reverse_ids,
    "swapped": _swap_first_two,
    "other type": lambda conn: conn.execute("update notes set mid = mid + 1 where id % 5 = 2"),
}


@pytest.mark.parametrize("edit", list(EDITS))
def test_stamps_read_alongside_are_those_of_the_whole_history(tmp_path, deck_dir, edit):  # noqa: F811
    decks = load_decks([deck_dir])
    package = tmp_path / "x.apkg"
    build_apkg(decks, package, build_time=T0)
    _rewrite_notes(package, tmp_path, EDITS[edit])
    history = read_history(package)
    report = build_apkg(decks, package, build_time=T0 + 10, previous=package)
    db = tmp_path / "new.anki2"
    db.write_bytes(_collection(package))
    with sqlite3.connect(db) as conn:
        notes = conn.execute("select guid, mid, flds, tags, mod from notes").fetchall()
    conn.close()
    seen = {"new": 0, "changed": 0, "unchanged": 0}
    for guid, mid, flds, tags, mod in notes:
        fingerprint, previous = note_fingerprint(mid, flds, tags), history.notes.get(guid)
        assert mod == next_mod(fingerprint, previous, T0 + 10), (edit, guid)
        seen["new" if previous is None else "unchanged" if previous.fingerprint == fingerprint else "changed"] += 1
    assert report.since is not None and vars(report.since) == seen
    assert (seen["unchanged"] == len(notes)) == (edit in ("unchanged", "retagged", "swapped"))


def test_a_previous_package_broken_midway_counts_as_none(tmp_path, deck_dir):  # noqa: F811
    decks = load_decks([deck_dir])
    package = tmp_path / "x.apkg"
    build_apkg(decks, package, build_time=T0)
    data = bytearray(_collection(package))
    root = sqlite3.connect(":memory:")
    root.deserialize(bytes(data))
    (page,) = root.execute("select rootpage from sqlite_master where name = 'notes'").fetchone()
    (size,) = root.execute("pragma page_size").fetchone()
    root.close()
    data[(page - 1) * size:(page - 1) * size + 100] = b"\xff" * 100  # the notes table's first page
    with zipfile.ZipFile(package, "w") as zf:
        zf.writestr("collection.anki2", bytes(data))
    assert not read_history(package).notes
    report = build_apkg(decks, package, build_time=T0 + 10, previous=package)
    assert report.since is not None and report.since.new == report.notes


def test_a_previous_package_unreadable_along_the_way_counts_as_none(tmp_path, deck_dir, monkeypatch):  # noqa: F811
    decks = load_decks([deck_dir])
    package = tmp_path / "x.apkg"
    build_apkg(decks, package, build_time=T0)
    _rewrite_notes(package, tmp_path, EDITS["reworded"])
    reads = itertools.count()
    previous = Restamper._previous

    def failing(self, nid):
        if next(reads) == 3:
            raise sqlite3.DatabaseError("database disk image is malformed")
        return previous(self, nid)

    monkeypatch.setattr(Restamper, "_previous", failing)
    report = build_apkg(decks, package, build_time=T0 + 10, previous=package)
    assert report.since is not None and report.since.new == report.notes
    fresh = build_apkg(decks, tmp_path / "fresh.apkg", build_time=T0 + 10).path
    assert _collection(package) == _collection(fresh)


def test_the_cloze_gap_pattern_is_genankis():
    # notes.py copies genanki's patterns; a genanki that changed them would change which cards a note makes
    import inspect

    source = inspect.getsource(genanki.Note._cloze_cards)
    assert r"{{c(\d+)::.+?}}" in source and r"{{[^}]*?cloze:(?:[^}]?:)*(.+?)}}" in source
