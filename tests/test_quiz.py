"""`aiquiz quiz`: the plan as data, the HTML (golden file, read back), the CLI, and a real browser's print.

The browser test prints with headless Chromium and reads the PDF back with pypdf. Without Chromium it
skips, unless AIQUIZ_REQUIRE_BROWSER=1 (CI), where a missing browser is a failure.
Regenerate the golden file with AIQUIZ_UPDATE_GOLDEN=1 (then read the diff before keeping it).
"""

from __future__ import annotations

import html
import math
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aiquiz.errors import UsageError
from aiquiz.loader import load_decks
from aiquiz.model import (
    AnyCard,
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
from aiquiz.quiz import KeyMode, build_quiz, key_path, plan_quiz, write_quiz
from aiquiz.select import Filters

from conftest import DECKS, ROOT

GOLDEN = ROOT / "tests" / "golden" / "quiz-seed-7.html"


# --- reading a rendered quiz back -------------------------------------------------------------

def _strip(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def read_back(page: str) -> dict[tuple[str, str], list[dict[str, object]]]:
    """{("quiz"|"key", letter): [item, ...]} from the HTML, independent of the plan that made it."""
    out: dict[tuple[str, str], list[dict[str, object]]] = {}
    sections = re.split(r'<section class="sheet (quiz|key) [vk]-([A-Z])">', page)
    for part, letter, body in zip(sections[1::3], sections[2::3], sections[3::3], strict=True):
        if part == "quiz":
            items = re.split(r'<li class="q q-(\w+)">', body)[1:]
            out[part, letter] = [{
                "kind": kind,
                "number": int(re.search(r'<span class="num">(\d+)\.</span>', text)[1]),
                "prompt": _strip(re.search(r'<div class="prompt">(.*?)</div>', text)[1]),
                "choices": [(b, _strip(t)) for b, t in re.findall(
                    r'<li><span class="bubble">([A-F])</span><div class="choice-text">(.*?)</div></li>', text)],
            } for kind, text in zip(items[::2], items[1::2], strict=True)]
        else:
            out[part, letter] = [{
                "letter": (m := re.search(r'<span class="key-letter">(.*?)</span>', text)) and m[1],
                "answer": _strip(re.search(r'<div class="ans-text">(.*?)</div>', text)[1]),
            } for text in re.split(r'<li class="answer">', body)[1:]]
    return out


# --- decks built in code ---------------------------------------------------------------------

def make_card(i: int, kind: Kind, n_choices: int = 4, answer: int = 0, words: str = "") -> AnyCard:
    """A card whose texts carry unique markers: `Start07x` opens the question, `End07x` ends it."""
    start, end = f"Start{i:02d}x", f"End{i:02d}x"
    cite = (Citation(section=Text(en="1. Part"), anchor="an anchor"),)
    common = dict(id=f"c{i:02d}", explain=Text(en=f"Because {i}."), cite=cite, tags=("t",))
    match kind:
        case Kind.CHOICE:
            choices = tuple(Text(en=f"choice {i}-{j} {words}" + (f" {end}" if j == n_choices - 1 else ""))
                            for j in range(n_choices))
            return ChoiceCard(front=Text(en=f"{start} {words}"), choices=choices, answer=answer, **common)
        case Kind.TRUEFALSE:
            return TrueFalseCard(statement=Text(en=f"{start} {words} {end}"), answer=i % 2 == 0, **common)
        case Kind.CLOZE:
            return ClozeCard(text=Text(en=f"{start} {words} {{{{c1::gap{i}}}}} {end}"), **common)
    return BasicCard(front=Text(en=f"{start} {words} {end}"), back=Text(en=f"Answer {i}."), **common)


def make_deck(cards: tuple[AnyCard, ...], deck_id: str = "gen") -> Deck:
    source = Source("src", occasion="A test", date="2024-01-01", urls=("https://example.org/x",))
    return Deck(deck_id, Text(en="Generated deck"), (source,), cards)


card_specs = st.lists(st.tuples(st.sampled_from(list(Kind)), st.integers(2, 6), st.integers(0, 5)),
                      min_size=1, max_size=7)


def deck_from(specs: list[tuple[Kind, int, int]]) -> Deck:
    return make_deck(tuple(make_card(i, kind, n, answer % n) for i, (kind, n, answer) in enumerate(specs)))


# --- the plan, as data -----------------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(specs=card_specs, versions=st.integers(1, 6), seed=st.integers(0, 10**6), data=st.data())
def test_plan_properties(specs: list[tuple[Kind, int, int]], versions: int, seed: int, data: st.DataObject) -> None:
    deck = deck_from(specs)
    count = data.draw(st.integers(1, len(specs)))
    plan = plan_quiz([deck], count=count, seed=seed, versions=versions)
    chosen = [p.key for p in plan.chosen]
    assert len(chosen) == count == len(set(chosen))
    assert [v.letter for v in plan.versions] == list("ABCDEF"[:versions])
    for version in plan.versions:
        assert sorted(version.order) == sorted(chosen)  # each chosen question exactly once
        for q in version.questions:
            card = q.picked.card
            if isinstance(card, ChoiceCard):
                assert sorted(q.choice_order) == list(range(len(card.choices)))
                assert q.choice_order[q.answer_position] == card.answer
            else:
                assert q.choice_order == () and q.answer_position is None
    orders = {v.order for v in plan.versions}
    arrangements = {v.signature for v in plan.versions}
    possible = math.factorial(count) * math.prod(
        math.factorial(len(p.card.choices)) for p in plan.chosen if isinstance(p.card, ChoiceCard))
    if math.factorial(count) >= versions:
        assert len(orders) == versions
    if possible >= versions:
        assert len(arrangements) == versions
    assert plan_quiz([deck], count=count, seed=seed, versions=versions) == plan


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs=card_specs, versions=st.integers(1, 4), seed=st.integers(0, 10**6))
def test_html_key_matches_each_versions_shuffled_choices(specs: list[tuple[Kind, int, int]], versions: int,
                                                         seed: int) -> None:
    deck = deck_from(specs)
    output = build_quiz([deck], seed=seed, versions=versions)
    assert build_quiz([deck], seed=seed, versions=versions).quiz == output.quiz  # same seed, same bytes
    cards = {f"Start{int(c.id[1:]):02d}x": c for c in deck.cards}
    shown = read_back(output.quiz)
    for version in output.plan.versions:
        questions, key = shown["quiz", version.letter], shown["key", version.letter]
        assert [q["number"] for q in questions] == list(range(1, len(deck.cards) + 1))
        assert sorted(q["prompt"].split()[0] for q in questions) == sorted(cards)  # each exactly once
        for question, entry in zip(questions, key, strict=True):
            card = cards[question["prompt"].split()[0]]
            assert question["kind"] == card.kind.value
            if isinstance(card, ChoiceCard):
                right = dict(question["choices"])[entry["letter"]]
                assert right == card.choices[card.answer].get("en") == entry["answer"]
            elif isinstance(card, TrueFalseCard):
                assert entry["letter"] == ("T" if card.answer else "F")


def test_versions_differ_in_order_and_choices_when_the_pool_allows() -> None:
    deck = make_deck(tuple(make_card(i, Kind.CHOICE, 4, 1) for i in range(6)))
    plan = plan_quiz([deck], seed=3, versions=4)
    assert len({v.order for v in plan.versions}) == 4
    firsts = {v.letter: v.questions[0] for v in plan.versions}
    assert len({q.choice_order for q in firsts.values()}) > 1 or len({q.picked.key for q in firsts.values()}) > 1


def test_one_card_versions_differ_only_in_choices() -> None:
    plan = plan_quiz([make_deck((make_card(0, Kind.CHOICE, 3),))], seed=1, versions=3)
    assert len({v.signature for v in plan.versions}) == 3


def test_plan_errors_name_the_pool() -> None:
    deck = make_deck(tuple(make_card(i, Kind.BASIC) for i in range(3)))
    with pytest.raises(UsageError, match=r"only 3 card\(s\) match the filters \(no filters\), not 5"):
        plan_quiz([deck], count=5, seed=1)
    assert len(plan_quiz([deck], count=5, seed=1, take_all=True).chosen) == 3
    with pytest.raises(UsageError, match="no cards match the filters \\(tag nope\\)"):
        plan_quiz([deck], filters=Filters(tags=("nope",)), seed=1)
    with pytest.raises(UsageError, match="versions"):
        plan_quiz([deck], seed=1, versions=27)


# --- the HTML --------------------------------------------------------------------------------

def test_golden_html(sample_path: Path) -> None:
    output = build_quiz(load_decks([sample_path]), seed=7, versions=2, lang="both", key_mode="end")
    if os.environ.get("AIQUIZ_UPDATE_GOLDEN") == "1":
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(output.quiz, encoding="utf-8", newline="\n")
    assert output.quiz == GOLDEN.read_text(encoding="utf-8"), "quiz HTML changed: AIQUIZ_UPDATE_GOLDEN=1 to accept"


def test_card_text_is_shown_literally_and_the_page_is_self_contained(sample_path: Path) -> None:
    page = build_quiz(load_decks([sample_path]), seed=7, lang="en").quiz
    assert "&lt;b&gt;bold&lt;/b&gt;" in page and "<b>" not in page  # the revealed cloze in the key
    assert "{{template}}" in page
    assert "seed 7" in page
    for remote in ("<script", "<link", "@import", "url(", "src=", "http-equiv"):
        assert remote not in page
    assert 'href="https://example.org/interview"' in page  # the citation link, printed as text too


def test_key_modes(sample_path: Path) -> None:
    decks = load_decks([sample_path])
    end = build_quiz(decks, seed=7, key_mode=KeyMode.END)
    separate = build_quiz(decks, seed=7, key_mode="separate")
    none = build_quiz(decks, seed=7, key_mode="none")
    assert end.key is None and 'class="sheet key k-A"' in end.quiz
    assert 'class="sheet key' not in separate.quiz and separate.key is not None
    assert 'class="sheet key k-A"' in separate.key and 'class="sheet quiz' not in separate.key
    assert none.key is None and 'class="sheet key' not in none.quiz
    assert separate.quiz == none.quiz


def test_languages(sample_path: Path) -> None:
    decks = load_decks([sample_path])
    zh = build_quiz(decks, seed=7, lang="zh").quiz
    both = build_quiz(decks, seed=7, lang="both").quiz
    assert '<html lang="zh-Hans">' in zh and "选第二个" in zh and "Pick the second" not in zh
    assert "Pick the second" in both and "选第二个" in both
    assert "A plain string in one language" in zh  # a plain text is shown in every language
    with pytest.raises(UsageError):
        build_quiz(decks, seed=7, lang="fr")


def test_paper_sizes(sample_path: Path) -> None:
    decks = load_decks([sample_path])
    assert "size: A4;" in build_quiz(decks, seed=7).quiz
    assert "size: letter;" in build_quiz(decks, seed=7, paper="letter").quiz


def test_write_quiz_is_atomic_and_puts_the_key_next_to_the_quiz(tmp_path: Path, sample_path: Path) -> None:
    output = build_quiz(load_decks([sample_path]), seed=7, key_mode="separate")
    out = tmp_path / "quiz.html"
    out.write_text("old", encoding="utf-8")
    assert write_quiz(output, out) == (out, tmp_path / "quiz-key.html")
    assert out.read_text(encoding="utf-8") == output.quiz
    assert (tmp_path / "quiz-key.html").read_text(encoding="utf-8") == output.key
    assert sorted(p.name for p in tmp_path.iterdir()) == ["quiz-key.html", "quiz.html"]
    assert key_path(Path("a/b.htm")) == Path("a/b-key.htm")
    with pytest.raises(UsageError, match="no such directory"):
        write_quiz(output, tmp_path / "missing" / "q.html")
    with pytest.raises(UsageError, match="directory"):
        write_quiz(output, tmp_path)


def test_shipped_decks_make_a_quiz() -> None:
    if not list(DECKS.glob("*.yaml")):
        pytest.skip("decks/ holds no deck file yet")
    decks = load_decks([DECKS])
    output = build_quiz(decks, count=20, seed=1, versions=2, lang="both", take_all=True)
    shown = read_back(output.quiz)
    assert len(shown["quiz", "A"]) == len(shown["key", "B"]) == len(output.plan.chosen)


# --- the CLI ---------------------------------------------------------------------------------

def test_cli_writes_the_quiz_and_prints_path_and_seed(cli, tmp_path: Path, sample_path: Path) -> None:
    out = tmp_path / "q.html"
    result = cli("quiz", str(sample_path), "--seed", "7", "--versions", "2", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert f"Wrote {out}" in result.stdout and "seed 7" in result.stdout
    assert out.read_text(encoding="utf-8") == build_quiz(load_decks([sample_path]), seed=7, versions=2,
                                                         count=20, take_all=True).quiz


def test_cli_without_seed_picks_one_and_prints_it(cli, tmp_path: Path, sample_path: Path) -> None:
    out, again = tmp_path / "q.html", tmp_path / "again.html"
    result = cli("quiz", str(sample_path), "--out", str(out))
    assert result.returncode == 0, result.stderr
    seed = re.search(r"seed (\d+)", result.stdout)[1]
    assert f"seed {seed}</p>" in out.read_text(encoding="utf-8")
    assert cli("quiz", str(sample_path), "--seed", seed, "--out", str(again)).returncode == 0
    assert again.read_bytes() == out.read_bytes()


def test_cli_separate_key(cli, tmp_path: Path, sample_path: Path) -> None:
    result = cli("quiz", str(sample_path), "--seed", "1", "--key", "separate", "--out", str(tmp_path / "q.html"))
    assert result.returncode == 0, result.stderr
    assert f"Wrote {tmp_path / 'q-key.html'}" in result.stdout
    assert "Answer key" in (tmp_path / "q-key.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(("args", "code", "message"), [
    (["--count", "9"], 2, "only 5 card(s) match the filters (no filters), not 9"),
    (["--tag", "no-such-tag"], 2, "no cards match the filters (tag no-such-tag)"),
    (["--kind", "essay"], 2, "unknown --kind 'essay'"),
    (["--deck", "nope"], 2, "no deck with id nope"),
    (["--versions", "27"], 2, "Invalid value for '--versions'"),
    (["--lang", "fr"], 2, "Invalid value for '--lang'"),
])
def test_cli_usage_errors(cli, tmp_path: Path, sample_path: Path, args: list[str], code: int,
                          message: str) -> None:
    out = tmp_path / "q.html"
    result = cli("quiz", str(sample_path), *args, "--out", str(out))
    assert result.returncode == code
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert not out.exists()


def test_cli_count_over_the_pool_with_all_if_fewer(cli, tmp_path: Path, sample_path: Path) -> None:
    result = cli("quiz", str(sample_path), "--count", "9", "--all-if-fewer", "--kind", "truefalse",
                 "--out", str(tmp_path / "q.html"))
    assert result.returncode == 0, result.stderr
    assert "2 questions" in result.stdout


def test_cli_invalid_deck_gets_the_loaders_errors(cli, tmp_path: Path) -> None:
    result = cli("quiz", "tests/fixtures/invalid/unknown-key.yaml", "--out", str(tmp_path / "q.html"))
    assert result.returncode == 1
    assert "Error: tests/fixtures/invalid/unknown-key.yaml:7: card q1: unknown key 'frnt'" in result.stderr
    assert not (tmp_path / "q.html").exists()


def test_cli_out_in_a_missing_directory(cli, tmp_path: Path, sample_path: Path) -> None:
    result = cli("quiz", str(sample_path), "--out", str(tmp_path / "no" / "q.html"))
    assert result.returncode == 2
    assert "Error: no such directory" in result.stderr


# --- a real browser prints it ----------------------------------------------------------------

def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        if found := shutil.which(name):
            return found
    reason = "no Chromium on PATH (Debian: apt-get install chromium); the print test needs a real browser"
    if os.environ.get("AIQUIZ_REQUIRE_BROWSER") == "1":
        pytest.fail(f"AIQUIZ_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


def print_to_pdf(page: Path, pdf: Path, profile: Path) -> None:
    """Print an HTML file to PDF with headless Chromium, as a user's "Save as PDF" would."""
    command = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               f"--user-data-dir={profile}", "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri()]
    result = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0 and pdf.exists(), result.stderr[-2000:]


def test_browser_print_keeps_questions_whole_and_starts_the_key_on_a_new_page(tmp_path: Path) -> None:
    from pypdf import PdfReader

    words = " ".join(["a question long enough to wrap over several lines of the printed page"] * 3)
    kinds = [Kind.CHOICE, Kind.BASIC, Kind.TRUEFALSE, Kind.CLOZE]
    deck = make_deck(tuple(make_card(i, kinds[i % 4], 3 + i % 4, 1, words) for i in range(24)))
    output = build_quiz([deck], seed=11, versions=2)
    page = tmp_path / "quiz.html"
    write_quiz(output, page)
    print_to_pdf(page, tmp_path / "quiz.pdf", tmp_path / "profile")

    pages = [p.extract_text() for p in PdfReader(tmp_path / "quiz.pdf").pages]
    kinds_of_page = [("key" if "Answer key" in text else "quiz", m and m[1])  # from the page footers
                     for text, m in ((t, re.search(r"Version ([A-Z])", t)) for t in pages)]
    for version in output.plan.versions:
        quiz_pages = [t for t, k in zip(pages, kinds_of_page, strict=False) if k == ("quiz", version.letter)]
        assert len(quiz_pages) >= 3, "the test quiz should span several pages"
        for number, q in enumerate(version.questions, start=1):
            i = int(q.picked.card.id[1:])
            start, end = re.compile(rf"\b{number}\.\s*Start{i:02d}x"), f"End{i:02d}x"
            where = [n for n, text in enumerate(quiz_pages) if start.search(text)]
            assert len(where) == 1, f"version {version.letter} question {number}: number + start on {where}"
            assert end in quiz_pages[where[0]], f"version {version.letter} question {number} is split"
        assert ("key", version.letter) in kinds_of_page, f"no key page for version {version.letter}"
        first_key = kinds_of_page.index(("key", version.letter))
        assert kinds_of_page[first_key - 1] != ("key", version.letter)
        # Chromium writes the footer (page margin boxes) first; the page body must open with the key.
        body = re.sub(r"^page \d+Answer key · Version [A-Z]\n", "", pages[first_key])
        assert body.startswith("Answer key\n"), "the key must open its own page"
        asked = {f"Start{int(q.picked.card.id[1:]):02d}x" for q in version.questions
                 if not isinstance(q.picked.card, ClozeCard)}  # a cloze's key repeats its text, filled in
        assert not [token for token in asked if token in body], "quiz questions on the key's first page"
