"""The strict loader: exact errors for bad decks, literal text, round trips, and no stray exceptions."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aiquiz.dump import dump_deck
from aiquiz.errors import DeckError, UsageError
from aiquiz.loader import load_decks, parse_deck
from aiquiz.model import (
    BasicCard,
    ChoiceCard,
    Citation,
    ClozeCard,
    Deck,
    Kind,
    Source,
    Text,
    TrueFalseCard,
)

from conftest import FIXTURES, ROOT

INVALID = sorted((FIXTURES / "invalid").glob("*.yaml"))


@pytest.mark.parametrize("path", INVALID, ids=[p.stem for p in INVALID])
def test_invalid_deck_gives_its_exact_errors(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    expected = path.with_suffix(".expected").read_text(encoding="utf-8").splitlines()
    with pytest.raises(DeckError) as info:
        load_decks([path.relative_to(ROOT)])
    assert [str(p) for p in info.value.problems] == expected


def test_every_invalid_fixture_has_expectations() -> None:
    assert len(INVALID) >= 20
    for path in INVALID:
        assert path.with_suffix(".expected").read_text(encoding="utf-8").strip(), path


def test_sample_deck_loads_with_literal_text(sample_path: Path) -> None:
    (deck,) = load_decks([sample_path])
    assert deck.id == "sample"
    assert deck.sources[0].date == "2024-10-16"
    basic, cloze, choice, tf, plain = deck.cards
    assert isinstance(basic, BasicCard) and basic.back == Text(en="no", zh="不")
    assert basic.accept == ("no", "nope")
    assert isinstance(cloze, ClozeCard) and "{{c1::300}}" in cloze.text.get("en")
    assert len(cloze.cite) == 2 and cloze.cite[1].anchor == "second anchor"
    assert isinstance(choice, ChoiceCard) and choice.answer == 1 and len(choice.choices) == 3
    assert isinstance(tf, TrueFalseCard) and tf.answer is True and tf.difficulty is None
    assert isinstance(plain, TrueFalseCard) and plain.statement.plain and plain.answer is False
    assert deck.kind_counts() == {Kind.BASIC: 1, Kind.CLOZE: 1, Kind.CHOICE: 1, Kind.TRUEFALSE: 2}


@pytest.mark.parametrize("written", ["no", "yes", "300", "2024-10-16", "null", "~", "1e3", "0x1F", "on"])
def test_text_fields_hold_exactly_what_is_written(written: str) -> None:
    text = f"deck: d\ntitle: {written}\nsource: {{id: s}}\ncards:\n  - {{id: c, kind: basic, front: {written}, back: {written}}}\n"
    deck = parse_deck(text, "t.yaml")
    assert deck.title == Text(plain=written)
    assert deck.cards[0].front == Text(plain=written)


def test_all_problems_of_a_run_are_reported_together(tmp_path: Path) -> None:
    good = "deck: same\ntitle: T\nsource: {id: s}\ncards:\n  - {id: c, kind: truefalse, statement: S, answer: true}\n"
    (tmp_path / "a.yaml").write_text(good)
    (tmp_path / "b.yaml").write_text(good)
    (tmp_path / "c.yaml").write_text(good.replace("same", "other").replace("answer: true", "answer: maybe"))
    with pytest.raises(DeckError) as info:
        load_decks([tmp_path])
    messages = [str(p) for p in info.value.problems]
    assert len(messages) == 2
    assert "b.yaml:1: deck id 'same' is already used by" in messages[0]
    assert messages[1].endswith("c.yaml:5: card c: 'answer' must be true or false (not 'maybe')")


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        load_decks([tmp_path / "nope.yaml"])
    with pytest.raises(UsageError):
        load_decks([tmp_path])  # a directory without deck files


def test_oversized_file_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text("deck: d\n" + "#" * (5 * 1024 * 1024) + "\n")
    with pytest.raises(DeckError, match="larger than 5 MB"):
        load_decks([big])


# --- property tests ---------------------------------------------------------------------------

@given(st.text(max_size=400))
@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
def test_any_text_gives_a_deck_or_a_deck_error(text: str) -> None:
    try:
        result = parse_deck(text, "fuzz.yaml")
    except DeckError as err:
        assert err.problems and all(p.path == "fuzz.yaml" for p in err.problems)
    else:
        assert isinstance(result, Deck)


yaml_fragments = st.sampled_from([
    "deck: d\n", "title: T\n", "source: {id: s}\n", "cards:\n", "  - id: c\n", "    kind: basic\n",
    "    kind: cloze\n", "    front: F\n", "    back: B\n", "    text: \"{{c1::x}}\"\n", "    answer: 1\n",
    "    choices: [a, b]\n", "    cite: {anchor: a}\n", "  - &a {id: x}\n", "  - *a\n", "!!binary x\n",
    "    tags: [a, B]\n", "  - [1, 2]\n", "    difficulty: 9\n", ": :\n", "\t", "{", "]", "'", "\"",
])


@given(st.lists(yaml_fragments, max_size=25).map("".join))
@settings(max_examples=400)
def test_deck_like_text_gives_a_deck_or_a_deck_error(text: str) -> None:
    try:
        parse_deck(text, "fuzz.yaml")
    except DeckError as err:
        assert all(p.path == "fuzz.yaml" for p in err.problems)


ids = st.from_regex(r"[a-z0-9]{1,6}(-[a-z0-9]{1,4}){0,2}", fullmatch=True)
words = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")),
                min_size=1, max_size=30).filter(lambda s: s.strip() != "")
texts = st.one_of(
    st.builds(Text, plain=words),
    st.builds(Text, en=words, zh=words),
    st.builds(Text, en=words),
    st.builds(Text, zh=words),
)
cites = st.lists(st.builds(Citation, section=st.none() | texts, anchor=st.none() | words.map(lambda s: s[:40]),
                           source=st.none()).filter(lambda c: c.section is not None or c.anchor is not None),
                 max_size=2).map(tuple)
common = dict(explain=st.none() | texts, tags=st.lists(ids, max_size=3).map(tuple),
              difficulty=st.none() | st.integers(1, 3), accept=st.lists(words, max_size=2).map(tuple), cite=cites)
gap = words.filter(lambda s: "}}" not in s and "::" not in s and not s.endswith("}")).map(lambda s: f"{{{{c1::{s}}}}}")
cards = st.one_of(
    st.builds(BasicCard, id=ids, front=texts, back=texts, **common),
    st.builds(ClozeCard, id=ids, text=st.builds(lambda a, g, b: Text(en=f"{a} {g} {b}", zh=f"{g}{b}"), words, gap, words),
              back=st.none() | texts, **common),
    st.lists(texts, min_size=2, max_size=6).flatmap(lambda ch: st.builds(
        ChoiceCard, id=ids, front=texts, choices=st.just(tuple(ch)), answer=st.integers(0, len(ch) - 1), **common)),
    st.builds(TrueFalseCard, id=ids, statement=texts, answer=st.booleans(), **common),
)
sources = st.builds(Source, id=ids, speaker=st.none() | words, interviewer=st.none() | words,
                    occasion=st.none() | words, date=st.none() | words, urls=st.lists(words, max_size=2).map(tuple))
decks = st.builds(
    Deck, id=ids, title=texts, sources=st.tuples(sources),
    cards=st.lists(cards, min_size=1, max_size=5, unique_by=lambda c: c.id).map(tuple),
)


@given(decks)
@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
def test_deck_yaml_deck_round_trip(deck: Deck) -> None:
    assert parse_deck(dump_deck(deck), "round.yaml") == deck


def test_round_trip_of_a_deck_on_several_sources() -> None:
    deck = Deck(id="many", title=Text(en="Many"), source_is_list=True,
                sources=(Source(id="a"), Source(id="b", speaker="S", urls=("https://x",))),
                cards=(BasicCard(id="q", front=Text(en="F"), back=Text(zh="B"),
                                 cite=(Citation(anchor="x", source="a"), Citation(anchor="y", source="b"))),))
    assert parse_deck(dump_deck(deck), "many.yaml") == deck


def test_progress_is_reported_before_each_file(tmp_path: Path) -> None:
    deck = "deck: {}\ntitle: T\nsource: {{id: s}}\ncards:\n  - {{id: c, kind: truefalse, statement: S, answer: true}}\n"
    for name in ("a", "b", "c"):
        (tmp_path / f"{name}.yaml").write_text(deck.format(name))
    seen: list[tuple[int, int, str]] = []
    decks = load_decks([tmp_path], progress=lambda done, total, path: seen.append((done, total, path.name)))
    assert [d.id for d in decks] == ["a", "b", "c"]
    assert seen == [(0, 3, "a.yaml"), (1, 3, "b.yaml"), (2, 3, "c.yaml")]


def test_accept_by_gap_is_read_and_counts_only_in_its_gap() -> None:
    from aiquiz.drill.grading import gap_right

    text = """deck: d
title: T
source: {id: s}
cards:
  - id: c
    kind: cloze
    text: "{{c1::10x}} not {{c2::10%}}"
    accept: {1: ["ten times"], 2: ["ten percent"]}
"""
    card = parse_deck(text, "d.yaml").cards[0]
    assert card.accept_gaps == ((1, ("ten times",)), (2, ("ten percent",)))
    assert gap_right(card, 1, "ten times") and not gap_right(card, 2, "ten times")
    assert gap_right(card, 2, "ten percent") and not gap_right(card, 1, "ten percent")


def test_accept_by_gap_names_a_missing_gap_or_a_non_cloze_card() -> None:
    head = "deck: d\ntitle: T\nsource: {id: s}\ncards:\n"
    with pytest.raises(DeckError) as err:
        parse_deck(head + '  - id: c\n    kind: cloze\n    text: "{{c1::a}}"\n    accept: {2: [b]}\n', "d.yaml")
    assert "d.yaml:8" in str(err.value.problems[0]) and "gap 2" in str(err.value.problems[0])
    with pytest.raises(DeckError) as err:
        parse_deck(head + "  - id: c\n    kind: basic\n    front: q\n    back: a\n    accept: {1: [b]}\n", "d.yaml")
    assert "only for cloze" in str(err.value.problems[0])
