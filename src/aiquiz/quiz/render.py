"""Render a quiz plan with Jinja2 (autoescape on; the templates are package data in templates/quiz/).

Two shapes of output: `render_quiz` gives one self-contained HTML page for a browser (inline CSS, no
script, no network); `render_paged` gives one HTML document per version (and per version's key) for a
PDF, so that each starts at page 1 and knows its own page count ("Version B · page 1 of 3").
Every card text reaches the page through Jinja's escaping: `<b>` and `{{...}}` in a deck are shown as
written.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiquiz.errors import UsageError
from aiquiz.model import Deck, LangMode
from aiquiz.quiz.plan import KeyMode, Paper, QuizPlan, VersionPlan, plan_quiz
from aiquiz.quiz.view import HTML_LANG, KIND_ORDER, default_title, labels, version_view
from aiquiz.select import Filters

if TYPE_CHECKING:
    import jinja2


@dataclass(frozen=True)
class QuizOutput:
    """The quiz as one HTML page, its separate key (only with `KeyMode.SEPARATE`) and the plan behind them."""

    quiz: str
    key: str | None
    plan: QuizPlan


@dataclass(frozen=True)
class PagedSection:
    """One HTML document of a paged quiz; its pages are numbered on their own, from 1.

    `footer` names the section on every page ("Version B", "Answer key · Version B").
    """

    footer: str
    html: str


@dataclass(frozen=True)
class PagedOutput:
    """A quiz for a PDF: a section per version (then per version's key with `KeyMode.END`), the key's
    sections for a separate file (only with `KeyMode.SEPARATE`), and the plan behind them."""

    quiz: tuple[PagedSection, ...]
    key: tuple[PagedSection, ...] | None
    plan: QuizPlan


@functools.cache
def _environment() -> jinja2.Environment:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("aiquiz", "templates/quiz"), autoescape=True,
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )


def render(plan: QuizPlan, versions: Sequence[VersionPlan], *, lang: LangMode, paper: Paper,
           questions: bool, key: bool, footer: str | None = None) -> str:
    """Render versions of a plan as one HTML page: their questions and/or their keys.

    Args:
        plan: The plan the versions belong to (its seed, chosen questions and title).
        versions: The versions to show, in order.
        lang: The language(s) to show.
        paper: The paper size for `@page`.
        questions: Include each version's questions.
        key: Include each version's answer key (each on a new page).
        footer: For a paged document: the footer text before "page 1 of N" on every page. None gives
            the browser page: version letter bottom left, "page N" bottom right.

    Returns:
        The HTML text.
    """
    kinds = {p.card.kind.value for p in plan.chosen}
    template = _environment().get_template("quiz.html.j2")
    return template.render(
        title=plan.title or default_title(plan, lang), L=labels(lang), seed=plan.seed,
        doc_lang=HTML_LANG.get(lang.value, "en"), paper=paper.value, count=len(plan.chosen),
        versions=[version_view(v, lang) for v in versions], show_questions=questions,
        show_key=key, instructions=[k for k in KIND_ORDER if k in kinds], footer=footer,
    )


def _options(lang: LangMode | str, key_mode: KeyMode | str,
             paper: Paper | str) -> tuple[LangMode, KeyMode, Paper]:
    try:
        return LangMode(lang), KeyMode(key_mode), Paper(paper)
    except ValueError as err:
        raise UsageError(str(err)) from None


def render_quiz(plan: QuizPlan, *, lang: LangMode | str = LangMode.EN, key_mode: KeyMode | str = KeyMode.END,
                paper: Paper | str = Paper.A4) -> QuizOutput:
    """Render a plan as one self-contained HTML page (and a separate key page when asked for).

    Args:
        plan: What to print.
        lang: Show English, Chinese or both.
        key_mode: Key after the quizzes (each version's key on a new page), separate, or none.
        paper: The paper size of the print layout.

    Returns:
        The HTML of the quiz, of the separate key with `KeyMode.SEPARATE`, and the plan.

    Raises:
        UsageError: an unknown lang, key mode or paper.
    """
    lang, key_mode, paper = _options(lang, key_mode, paper)
    quiz = render(plan, plan.versions, lang=lang, paper=paper, questions=True, key=key_mode is KeyMode.END)
    key = None
    if key_mode is KeyMode.SEPARATE:
        key = render(plan, plan.versions, lang=lang, paper=paper, questions=False, key=True)
    return QuizOutput(quiz, key, plan)


def render_paged(plan: QuizPlan, *, lang: LangMode | str = LangMode.EN, key_mode: KeyMode | str = KeyMode.END,
                 paper: Paper | str = Paper.A4) -> PagedOutput:
    """Render a plan as a document per version, then per version's key, each numbered from page 1.

    Page numbers cannot restart inside one document in print CSS as engines implement it (neither
    `counter-reset: page` nor a per-version `counter(pages)`), so each section is its own document and
    the PDF writer puts their pages one after the other.

    Args:
        plan: What to print.
        lang: Show English, Chinese or both.
        key_mode: Key sections after the versions, in a separate file, or none.
        paper: The paper size of every page.

    Returns:
        The sections of the quiz, of the separate key with `KeyMode.SEPARATE`, and the plan.

    Raises:
        UsageError: an unknown lang, key mode or paper.
    """
    lang, key_mode, paper = _options(lang, key_mode, paper)
    words = labels(lang)

    def section(version: VersionPlan, questions: bool) -> PagedSection:
        footer = f"{words['version']} {version.letter}"
        footer = footer if questions else f"{words['key']} · {footer}"
        return PagedSection(footer, render(plan, (version,), lang=lang, paper=paper, questions=questions,
                                           key=not questions, footer=footer))

    quiz = tuple(section(v, True) for v in plan.versions)
    if key_mode is KeyMode.NONE:
        return PagedOutput(quiz, None, plan)
    keys = tuple(section(v, False) for v in plan.versions)
    if key_mode is KeyMode.END:
        return PagedOutput(quiz + keys, None, plan)
    return PagedOutput(quiz, keys, plan)


def build_quiz(decks: Sequence[Deck], *, filters: Filters = Filters(), count: int | None = None,
               seed: int, versions: int = 1, lang: LangMode | str = LangMode.EN,
               key_mode: KeyMode | str = KeyMode.END, title: str | None = None, take_all: bool = False,
               paper: Paper | str = Paper.A4) -> QuizOutput:
    """Plan a quiz and render it (and its answer key) as self-contained HTML: `plan_quiz` + `render_quiz`.

    Args:
        decks: The loaded decks.
        filters: Which cards may be asked.
        count: How many questions (None: every card that passes the filters).
        seed: Decides everything random; it is printed in the header so the quiz can be made again.
        versions: How many versions (1-26).
        lang: Show English, Chinese or both.
        key_mode: Key after the quizzes (each version's key on a new page), separate, or none.
        title: The quiz title (default: the deck's title when all questions come from one deck).
        take_all: When `count` exceeds the cards available, take them all.
        paper: The paper size of the print layout.

    Returns:
        The HTML of the quiz, of the separate key when asked for, and the plan.

    Raises:
        UsageError: as `plan_quiz`, or an unknown lang, key mode or paper.
    """
    _options(lang, key_mode, paper)  # fail on a bad option before the work of planning
    plan = plan_quiz(decks, filters=filters, count=count, seed=seed, versions=versions, take_all=take_all,
                     title=title)
    return render_quiz(plan, lang=lang, key_mode=key_mode, paper=paper)
