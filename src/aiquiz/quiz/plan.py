"""Printable HTML quizzes: plan which questions each version asks, then render them with Jinja2.

Planning is pure data (`plan_quiz`), so tests can check orders and shuffled choices without HTML.
Rendering (`build_quiz`) gives one self-contained HTML page per output: inline CSS, no script, no
network, card text always escaped. The same decks, options and seed give the same bytes.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from aiquiz.errors import AiquizError, UsageError
from aiquiz.model import ChoiceCard, Deck, LangMode
from aiquiz.select import Filters, Picked, sample, select_cards, shuffled

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
DEFAULT_COUNT = 20
_MAX_ATTEMPTS = 1000


class KeyMode(StrEnum):
    """Where the answer key goes: after the quizzes, in a separate file, or nowhere."""

    END = "end"
    SEPARATE = "separate"
    NONE = "none"


class Paper(StrEnum):
    """The paper size the print layout is made for."""

    A4 = "a4"
    LETTER = "letter"


@dataclass(frozen=True)
class PlannedQuestion:
    """One question as a version shows it; `choice_order[i]` is the card's choice shown at position i."""

    picked: Picked
    choice_order: tuple[int, ...] = ()

    @property
    def answer_position(self) -> int | None:
        """Where the right choice is shown (0 = A), or None for a card without choices."""
        card = self.picked.card
        if not isinstance(card, ChoiceCard):
            return None
        return self.choice_order.index(card.answer)

    @property
    def signature(self) -> tuple[str, tuple[int, ...]]:
        """What tells two arrangements apart: the card and the order of its choices."""
        return self.picked.key, self.choice_order


@dataclass(frozen=True)
class VersionPlan:
    """One version of the quiz: its letter and its questions in the order they are printed."""

    letter: str
    questions: tuple[PlannedQuestion, ...]

    @property
    def order(self) -> tuple[str, ...]:
        """The card keys in printed order."""
        return tuple(q.picked.key for q in self.questions)

    @property
    def signature(self) -> tuple[tuple[str, tuple[int, ...]], ...]:
        """The question order and every question's choice order."""
        return tuple(q.signature for q in self.questions)


@dataclass(frozen=True)
class QuizPlan:
    """The questions chosen (in drawing order) and how each version arranges them."""

    seed: int
    chosen: tuple[Picked, ...]
    versions: tuple[VersionPlan, ...]


@dataclass(frozen=True)
class QuizOutput:
    """The rendered quiz, its separate key (only with `KeyMode.SEPARATE`) and the plan behind them."""

    quiz: str
    key: str | None
    plan: QuizPlan


def plan_quiz(decks: Sequence[Deck], *, filters: Filters = Filters(), count: int | None = None,
              seed: int, versions: int = 1, take_all: bool = False) -> QuizPlan:
    """Choose the questions and arrange them for each version.

    Args:
        decks: The loaded decks.
        filters: Which cards may be asked.
        count: How many questions (None: every card that passes the filters).
        seed: Decides the draw, every version's order and every shuffle of choices.
        versions: How many versions (1-26), lettered A, B, C...
        take_all: When `count` exceeds the cards available, take them all instead of failing.

    Returns:
        The plan. Every version holds each chosen question exactly once. Versions differ in question
        order whenever there are enough orders, else at least in their choices when those allow it.

    Raises:
        UsageError: bad count or versions, no card passes the filters, or too few cards.
    """
    if not 1 <= versions <= len(LETTERS):
        raise UsageError(f"--versions must be between 1 and {len(LETTERS)}, not {versions}")
    if count is not None and count < 1:
        raise UsageError(f"--count must be at least 1, not {count}")
    pool = select_cards(decks, filters)
    if not pool:
        raise UsageError(f"no cards match the filters ({filters.describe()})")
    if count is not None and count > len(pool):
        if not take_all:
            raise UsageError(f"only {len(pool)} card(s) match the filters ({filters.describe()}), "
                             f"not {count}: ask for --count {len(pool)} or fewer, or add --all-if-fewer")
        count = len(pool)
    chosen = tuple(sample(pool, count, seed))
    return QuizPlan(seed, chosen, _plan_versions(chosen, seed, versions))


def _arrange(chosen: Sequence[Picked], seed: int, letter: str, attempt: int) -> VersionPlan:
    tag = f"{seed}:{letter}:{attempt}"
    questions = []
    for picked in shuffled(chosen, f"order:{tag}"):
        order: tuple[int, ...] = ()
        if isinstance(picked.card, ChoiceCard):
            order = tuple(shuffled(range(len(picked.card.choices)), f"choices:{tag}:{picked.key}"))
        questions.append(PlannedQuestion(picked, order))
    return VersionPlan(letter, tuple(questions))


def _plan_versions(chosen: Sequence[Picked], seed: int, count: int) -> tuple[VersionPlan, ...]:
    """Arrange each version, retrying (seeded, so still deterministic) until it differs from the others."""
    orders = math.factorial(len(chosen))
    arrangements = orders * math.prod(math.factorial(len(p.card.choices)) for p in chosen
                                      if isinstance(p.card, ChoiceCard))
    plans: list[VersionPlan] = []
    for letter in LETTERS[:count]:
        for attempt in range(_MAX_ATTEMPTS):
            plan = _arrange(chosen, seed, letter, attempt)
            if orders >= count and any(plan.order == p.order for p in plans):
                continue
            if arrangements >= count and any(plan.signature == p.signature for p in plans):
                continue
            break
        plans.append(plan)
    return tuple(plans)


def build_quiz(decks: Sequence[Deck], *, filters: Filters = Filters(), count: int | None = None,
               seed: int, versions: int = 1, lang: LangMode | str = LangMode.EN,
               key_mode: KeyMode | str = KeyMode.END, title: str | None = None, take_all: bool = False,
               paper: Paper | str = Paper.A4) -> QuizOutput:
    """Plan a quiz and render it (and its answer key) as self-contained HTML.

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
    from aiquiz.quiz_render import render

    try:
        lang, key_mode, paper = LangMode(lang), KeyMode(key_mode), Paper(paper)
    except ValueError as err:
        raise UsageError(str(err)) from None
    plan = plan_quiz(decks, filters=filters, count=count, seed=seed, versions=versions, take_all=take_all)
    quiz = render(plan, lang=lang, title=title, paper=paper, questions=True,
                  key=key_mode is KeyMode.END)
    key = None
    if key_mode is KeyMode.SEPARATE:
        key = render(plan, lang=lang, title=title, paper=paper, questions=False, key=True)
    return QuizOutput(quiz, key, plan)


def key_path(out: Path) -> Path:
    """Where a separate key goes: next to the quiz, `quiz.html` -> `quiz-key.html`."""
    return out.with_name(f"{out.stem}-key{out.suffix or '.html'}")


def write_quiz(output: QuizOutput, out: Path) -> tuple[Path, ...]:
    """Write the quiz to `out` (and a separate key next to it), each file atomically.

    Returns:
        The paths written.

    Raises:
        UsageError: `out` is a directory or its directory does not exist.
        AiquizError: a file could not be written.
    """
    if out.is_dir():
        raise UsageError(f"--out is a directory, give a file name: {out}")
    if not out.parent.is_dir():
        raise UsageError(f"no such directory: {out.parent}")
    files = [(out, output.quiz)] + ([(key_path(out), output.key)] if output.key is not None else [])
    for path, text in files:
        _write_atomic(path, text)
    return tuple(path for path, _ in files)


def _write_atomic(path: Path, text: str) -> None:
    """Write to a temporary file in the same directory, then rename it over `path`."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; a quiz is an ordinary file
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except OSError as err:
        Path(tmp).unlink(missing_ok=True)
        raise AiquizError(f"cannot write {path}: {err.strerror or err}") from None


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
