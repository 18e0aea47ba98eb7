"""Planning a quiz: which questions, in which order per version, with which choice order. Pure data.

`plan_quiz` draws the questions by seed (or takes an explicit, ordered list of card keys) and arranges
them for each version, so tests can check orders and shuffled choices without HTML. Nothing here
renders, prints or touches files; the same decks, options and seed give the same plan.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from aiquiz.errors import UsageError
from aiquiz.model import ChoiceCard, Deck
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
    """The questions chosen (in drawing order) and how each version arranges them.

    `title` is the title the caller asked for (None: the renderer picks the deck's title).
    """

    seed: int
    chosen: tuple[Picked, ...]
    versions: tuple[VersionPlan, ...]
    title: str | None = None


def plan_quiz(decks: Sequence[Deck], *, filters: Filters = Filters(), count: int | None = None,
              seed: int, versions: int = 1, take_all: bool = False, only: Sequence[str] | None = None,
              title: str | None = None) -> QuizPlan:
    """Choose the questions and arrange them for each version.

    Args:
        decks: The loaded decks.
        filters: Which cards may be asked.
        count: How many questions (None: every card that passes the filters, or every key in `only`).
        seed: Decides the draw, every version's order and every shuffle of choices.
        versions: How many versions (1-26), lettered A, B, C...
        take_all: When `count` exceeds the cards available, take them all instead of failing.
        only: Ask exactly these cards (`deck/card` keys, e.g. the learner's weakest first) instead of a
            seeded draw: the first `count` of them, in this order as `chosen`. Each must pass `filters`.
        title: The title to print (None: the deck's title when all questions come from one deck).

    Returns:
        The plan. Every version holds each chosen question exactly once. Versions differ in question
        order whenever there are enough orders, else at least in their choices when those allow it.

    Raises:
        UsageError: bad count or versions, no card passes the filters, too few cards, or a key in `only`
            that is repeated or not among the cards that pass the filters.
    """
    if not 1 <= versions <= len(LETTERS):
        raise UsageError(f"--versions must be between 1 and {len(LETTERS)}, not {versions}")
    if count is not None and count < 1:
        raise UsageError(f"--count must be at least 1, not {count}")
    pool = select_cards(decks, filters)
    if not pool:
        raise UsageError(f"no cards match the filters ({filters.describe()})")
    if only is not None:
        pool = _only(pool, only, filters)
    if count is not None and count > len(pool):
        if not take_all:
            what = "card(s) are listed" if only is not None else "card(s) match the filters"
            raise UsageError(f"only {len(pool)} {what} ({filters.describe()}), "
                             f"not {count}: ask for --count {len(pool)} or fewer, or add --all-if-fewer")
        count = len(pool)
    chosen = tuple(pool[:count] if only is not None else sample(pool, count, seed))
    return QuizPlan(seed, chosen, _plan_versions(chosen, seed, versions), title)


def _only(pool: Sequence[Picked], keys: Sequence[str], filters: Filters) -> list[Picked]:
    """The cards of `pool` named by `keys`, in the order of `keys`."""
    if not keys:
        raise UsageError("no cards to ask: the list of cards is empty")
    by_key = {p.key: p for p in pool}
    repeated = sorted(k for k, n in Counter(keys).items() if n > 1)
    if repeated:
        raise UsageError(f"card(s) listed more than once: {', '.join(repeated)}")
    missing = [k for k in keys if k not in by_key]
    if missing:
        raise UsageError(f"card(s) not among those that match the filters ({filters.describe()}): "
                         f"{', '.join(missing)}")
    return [by_key[k] for k in keys]


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
