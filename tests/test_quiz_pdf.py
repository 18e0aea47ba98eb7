"""`aiquiz quiz --pdf`: the PDF read back with pypdf, page numbering per version, paper sizes, determinism,
a missing WeasyPrint; plus the plan's explicit card list and `aiquiz --version`.

PDF layout is slow (about a second per small section), so one bilingual two-version PDF is built once
for the module and read by several tests; the CLI tests use the five-card sample deck.
Without WeasyPrint (or Pango) the PDF tests skip, unless AIQUIZ_REQUIRE_PDF=1 (CI), where that fails.
"""

from __future__ import annotations

import importlib.metadata
import io
import os
import re
import sys
from pathlib import Path

import pytest

from aiquiz.errors import UsageError
from aiquiz.loader import load_decks
from aiquiz.model import BasicCard, ChoiceCard, Citation, ClozeCard, Deck, Kind, Source, Text, TrueFalseCard
from aiquiz.quiz import QuizPlan, pdf_bytes, plan_quiz, render_paged, render_quiz
from aiquiz.select import Filters

FOOTER = re.compile(r"((?:Answer key(?: / 参考答案)? · )?Version(?: / 版本)? ([A-Z])) · page (\d+) of (\d+)")
A4, LETTER = (595, 842), (612, 792)


def _require_weasyprint() -> None:
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as err:
        reason = f"WeasyPrint cannot be loaded ({err}); pip install -e '.[test]' and libpango-1.0-0"
        if os.environ.get("AIQUIZ_REQUIRE_PDF") == "1":
            pytest.fail(f"AIQUIZ_REQUIRE_PDF=1 but {reason}")
        pytest.skip(reason)


def pdf_pages(data: bytes) -> list[tuple[str, tuple[int, int]]]:
    """Each page's text and its size in points (from the mediabox)."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return [(page.extract_text(), (round(float(page.mediabox.width)), round(float(page.mediabox.height))))
            for page in reader.pages]


def footers(pages: list[tuple[str, tuple[int, int]]]) -> list[tuple[str, int, int]]:
    """(section, page, of) from every page's footer; a page without exactly one footer fails."""
    out = []
    for n, (text, _) in enumerate(pages, start=1):
        found = FOOTER.findall(text)
        assert len(found) == 1, f"page {n}: footers {found}"
        section, _letter, page, total = found[0]
        out.append((section, int(page), int(total)))
    return out


# --- a bilingual deck whose texts carry markers: Q07s opens question 7, Q07e ends it ----------

def _card(i: int) -> BasicCard | ChoiceCard | ClozeCard | TrueFalseCard:
    words = "a question long enough to wrap over several lines of the printed page " * 2
    start, end = f"Q{i:02d}s", f"Q{i:02d}e"
    zh = f"问题{i:02d}：这是一个足够长的中文问题，用来检查中文字体是否嵌入了文件"
    common = dict(id=f"c{i:02d}", explain=Text(en=f"Because {i}.", zh=f"因为{i}。"),
                  cite=(Citation(section=Text(en="1. Part"), anchor="an anchor"),), tags=("t",))
    match i % 4:
        case 0:
            choices = tuple(Text(en=f"choice {j}" + (f" {end}" if j == 3 else ""), zh=f"选项{j}") for j in range(4))
            return ChoiceCard(front=Text(en=f"{start} {words}", zh=zh), choices=choices, answer=i % 4, **common)
        case 1:
            return TrueFalseCard(statement=Text(en=f"{start} {words} {end}", zh=zh), answer=True, **common)
        case 2:
            return ClozeCard(text=Text(en=f"{start} {words} {{{{c1::gap{i}}}}} {end}",
                                       zh=f"{zh} {{{{c1::空{i}}}}}"), **common)
    return BasicCard(front=Text(en=f"{start} {words} {end}", zh=zh), back=Text(en=f"Answer {i}."), **common)


@pytest.fixture(scope="module")
def deck() -> Deck:
    source = Source("src", occasion="A test", date="2024-01-01", urls=("https://example.org/x",))
    return Deck("gen", Text(en="Generated deck", zh="生成的卡组"), (source,), tuple(_card(i) for i in range(10)))


@pytest.fixture(scope="module")
def built(deck: Deck) -> tuple[QuizPlan, bytes]:
    """Two versions of ten bilingual questions on A4, key at the end: the plan and the PDF."""
    _require_weasyprint()
    output = render_paged(plan_quiz([deck], seed=5, versions=2), lang="both", key_mode="end")
    return output.plan, pdf_bytes(output.quiz, build_time=1_700_000_000)


def test_each_version_and_key_is_numbered_from_page_one(built: tuple[QuizPlan, bytes]) -> None:
    plan, data = built
    pages = pdf_pages(data)
    seen = footers(pages)
    sections = list(dict.fromkeys(section for section, _, _ in seen))
    assert sections == ["Version / 版本 A", "Version / 版本 B",
                        "Answer key / 参考答案 · Version / 版本 A", "Answer key / 参考答案 · Version / 版本 B"]
    for section in sections:
        numbers = [(page, total) for s, page, total in seen if s == section]
        assert [page for page, _ in numbers] == list(range(1, len(numbers) + 1)), section
        assert {total for _, total in numbers} == {len(numbers)}, section
    assert len([s for s in seen if s[0] == "Version / 版本 A"]) >= 2, "each version should span pages"
    assert {size for _, size in pages} == {A4}
    assert len(pages) == len(seen)


def test_every_question_once_per_version_whole_in_order_and_the_key_after_the_last(
        built: tuple[QuizPlan, bytes]) -> None:
    plan, data = built
    pages = [text for text, _ in pdf_pages(data)]
    sections = [section for section, _, _ in footers(pdf_pages(data))]
    for version in plan.versions:
        quiz_pages = [t for t, s in zip(pages, sections, strict=True) if s == f"Version / 版本 {version.letter}"]
        text = "\n".join(quiz_pages)
        markers = [int(i) for i in re.findall(r"Q(\d\d)s", text)]
        assert markers == [int(q.picked.card.id[1:]) for q in version.questions]  # each once, in this order
        for i in markers:
            assert text.count(f"问题{i:02d}") == 1, f"version {version.letter}: the Chinese of question {i}"
            (page,) = [page for page in quiz_pages if f"Q{i:02d}s" in page]
            assert f"Q{i:02d}e" in page, f"version {version.letter}: question Q{i:02d} is split across pages"
        numbers = sorted(int(n) for n in re.findall(r"(\d+)\.$", text, flags=re.M))
        assert numbers == list(range(1, len(version.questions) + 1))
    first_key = sections.index("Answer key / 参考答案 · Version / 版本 A")
    assert all("Answer key" not in s for s in sections[:first_key])
    assert all("Answer key" in s for s in sections[first_key:])
    assert pages[first_key].startswith("Answer key / 参考答案")
    assert "生成的卡组" in pages[0] and "选项" in pages[0]  # CJK text is embedded and extractable


def test_paged_sections_for_each_key_mode(deck: Deck) -> None:
    plan = plan_quiz([deck], count=3, seed=2, versions=3)
    end, separate, none = (render_paged(plan, key_mode=mode) for mode in ("end", "separate", "none"))
    versions = ["Version A", "Version B", "Version C"]
    keys = [f"Answer key · {v}" for v in versions]
    assert [s.footer for s in end.quiz] == versions + keys and end.key is None
    assert [s.footer for s in separate.quiz] == versions and [s.footer for s in separate.key] == keys
    assert [s.footer for s in none.quiz] == versions and none.key is None
    first = end.quiz[0].html
    assert 'content: "Version A · page " counter(page) " of " counter(pages) "";' in first
    assert first.count('class="sheet quiz') == 1 and 'class="sheet key' not in first
    assert "counter(pages)" not in render_quiz(plan).quiz  # the browser page keeps its own footer
    zh = render_paged(plan, lang="zh").quiz[-1].html
    assert 'content: "参考答案 · 版本 C · 第 " counter(page) " 页，共 " counter(pages) " 页";' in zh


# --- the CLI ---------------------------------------------------------------------------------

def test_cli_pdf_letter_separate_key_same_as_the_library(cli, tmp_path: Path, sample_path: Path) -> None:
    """The command's PDF on Letter paper, its separate key, and the same bytes again from the library."""
    _require_weasyprint()
    from pypdf import PdfReader

    out = tmp_path / "q.pdf"
    result = cli("quiz", str(sample_path), "--seed", "3", "--versions", "2", "--paper", "letter",
                 "--key", "separate", "--out", str(out), env={"SOURCE_DATE_EPOCH": "1700000000"})
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.splitlines()[:2] == [f"Wrote {out}", f"Wrote {tmp_path / 'q-key.pdf'}"]
    quiz, key = pdf_pages(out.read_bytes()), pdf_pages((tmp_path / "q-key.pdf").read_bytes())
    assert {size for _, size in quiz + key} == {LETTER}
    assert [s for s, _, _ in footers(quiz)] == ["Version A", "Version B"]  # one page each, numbered 1 of 1
    assert [s for s, _, _ in footers(key)] == ["Answer key · Version A", "Answer key · Version B"]
    assert "Answer key" not in "".join(t for t, _ in quiz)
    assert PdfReader(out).metadata.creation_date.timestamp() == 1_700_000_000

    plan = plan_quiz(load_decks([sample_path]), seed=3, versions=2, count=20, take_all=True)
    again = pdf_bytes(render_paged(plan, paper="letter", key_mode="separate").quiz, build_time=1_700_000_000)
    assert again == out.read_bytes()  # a second run, same seed: the same file, byte for byte


def _cli_without_weasyprint(args: list[str]) -> list[str]:
    """The command line in a Python where `import weasyprint` fails, as when it is not installed."""
    code = ("import sys; sys.modules['weasyprint'] = None; sys.argv = ['aiquiz'] + sys.argv[1:]; "
            "from aiquiz.cli import main; main()")
    return [sys.executable, "-c", code, *args]


def test_cli_without_weasyprint_says_what_to_install(tmp_path: Path, sample_path: Path) -> None:
    import subprocess

    def run(out: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(_cli_without_weasyprint(["quiz", str(sample_path), "--seed", "1", "--out", str(out)]),
                              capture_output=True, text=True, timeout=120,
                              env={**os.environ, "PYTHONIOENCODING": "utf-8"})

    failed = run(tmp_path / "q.pdf")
    assert failed.returncode == 1
    lines = failed.stderr.strip().splitlines()
    assert len(lines) == 1, failed.stderr
    assert lines[0].startswith("Error: PDF output needs WeasyPrint")
    assert "pip install 'aiquiz[pdf]'" in lines[0] and "libpango-1.0-0 libpangoft2-1.0-0" in lines[0]
    assert not list(tmp_path.iterdir())  # nothing written, not even a temporary file
    html = run(tmp_path / "q.html")  # the HTML path does not need WeasyPrint
    assert html.returncode == 0, html.stderr
    assert (tmp_path / "q.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_cli_pdf_flag_with_an_html_name_is_a_usage_error(cli, tmp_path: Path, sample_path: Path) -> None:
    result = cli("quiz", str(sample_path), "--pdf", "--out", str(tmp_path / "q.html"))
    assert result.returncode == 2
    assert "Error: --pdf writes a PDF: give --out a .pdf name" in result.stderr
    assert not list(tmp_path.iterdir())


def test_version(cli) -> None:
    result = cli("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"aiquiz {importlib.metadata.version('aiquiz')}\n"


# --- asking an explicit list of cards (e.g. the learner's weakest), in order ---------------------

def test_plan_only_asks_the_listed_cards_in_order(deck: Deck) -> None:
    keys = ["gen/c07", "gen/c02", "gen/c05", "gen/c00"]
    plan = plan_quiz([deck], only=keys, count=3, seed=9, versions=2, title="Your weakest cards")
    assert [p.key for p in plan.chosen] == keys[:3]
    assert all(sorted(v.order) == sorted(keys[:3]) for v in plan.versions)
    assert plan_quiz([deck], only=keys, seed=9).chosen == tuple(p for k in keys for p in plan_quiz(
        [deck], only=[k], seed=1).chosen)
    page = render_quiz(plan).quiz
    assert "<h1>Your weakest cards</h1>" in page and "<title>Your weakest cards</title>" in page
    with pytest.raises(UsageError, match="not among those that match the filters \\(kind choice\\): gen/c07"):
        plan_quiz([deck], only=keys, seed=1, filters=Filters(kinds=(Kind.CHOICE,)))
    with pytest.raises(UsageError, match="listed more than once: gen/c02"):
        plan_quiz([deck], only=["gen/c02", "gen/c02"], seed=1)
    with pytest.raises(UsageError, match=r"only 4 card\(s\) are listed"):
        plan_quiz([deck], only=keys, count=5, seed=1)
    with pytest.raises(UsageError, match="empty"):
        plan_quiz([deck], only=[], seed=1)


# --- the package's shape ------------------------------------------------------------------------

def test_quiz_modules_import_one_way() -> None:
    """plan <- view <- render <- write: no module imports one later in the chain (no cycle)."""
    import ast

    chain = ["plan", "view", "render", "write"]
    package = Path(__file__).resolve().parents[1] / "src" / "aiquiz" / "quiz"
    for position, name in enumerate(chain):
        tree = ast.parse((package / f"{name}.py").read_text(encoding="utf-8"))
        imported = {node.module.rsplit(".", 1)[-1] for node in ast.walk(tree)
                    if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("aiquiz.quiz")}
        assert imported <= set(chain[:position]), f"quiz/{name}.py imports {sorted(imported)}"
    assert not (package.parent / "quiz.py").exists() and not (package.parent / "quiz_render.py").exists()


def test_cli_start_up_imports_no_renderer() -> None:
    import subprocess

    code = ("import sys, aiquiz.cli; "
            "print(sorted(m for m in ('weasyprint', 'jinja2', 'aiquiz.quiz', 'aiquiz.loader') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "[]", result.stderr
