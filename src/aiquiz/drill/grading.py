"""Judging answers fairly: per-gap alternatives, near misses, numbers written freely, visible differences.

Auto-graded kinds (choice, truefalse, cloze) propose a rating: right -> Good, a near miss (a typing
slip) -> Hard, wrong -> Again. A basic card is self-graded: a typed answer that matches proposes Good
(a near miss Hard), anything else leaves the rating to the learner. Comparing text is
`aiquiz.judge`'s business (normalisation, numbers, rapidfuzz distances, diffs); this module applies it
per card kind.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from aiquiz.model import AnyCard, BasicCard, ChoiceCard, ClozeCard, LangMode, Text, TrueFalseCard, cloze_answers
from aiquiz.progress.scheduler import Rating

if TYPE_CHECKING:  # the judge is imported when an answer is judged, not before a drill's first card (~5 ms)
    from aiquiz.judge import Segment, Verdict

__all__ = ["GapResult", "Judgement", "Reply", "choice_index", "cloze_expected", "expected_texts",
           "gap_alternatives", "gap_right", "judge", "judge_basic", "judge_choice", "judge_cloze",
           "judge_gap", "judge_truefalse", "lead", "matches", "overrule", "truefalse_value"]

ASIDE = re.compile(r"\s*[(（][^()（）]*[)）]")
SENTENCE_END = re.compile(r"[.!?;:](?=\s)|[。！？；：]")
TRUE_WORDS = frozenset({"t", "true", "y", "yes", "对", "是", "真", "正确"})
FALSE_WORDS = frozenset({"f", "false", "n", "no", "错", "否", "假", "错误"})


@dataclass(frozen=True)
class GapResult:
    """The verdict on one gap of a cloze card: its number, what was typed, and how it matched."""

    number: int
    typed: str
    verdict: Verdict

    @property
    def right(self) -> bool:
        """True when the gap was filled exactly or with a near miss."""
        return self.verdict.right


@dataclass(frozen=True)
class Judgement:
    """The verdict on one answer.

    Attributes:
        correct: True/False when the answer was judged; None when nothing was typed (a basic card revealed)
            or a typed basic answer did not match (the learner compares it with the answer).
        proposal: The rating offered as the default, or None when the learner must choose.
        auto: True for auto-graded kinds, False for a self-graded basic card.
        near_miss: Right only with a typing slip somewhere (the proposal is Hard).
        gaps: For a cloze card, the verdict on each gap, in gap order.
        diff: For a near miss on a basic card, the typed answer against the answer it nearly matched.
    """

    correct: bool | None
    proposal: Rating | None
    auto: bool
    near_miss: bool = False
    gaps: tuple[GapResult, ...] = ()
    diff: tuple[Segment, ...] = ()


def matches(typed: str, expected: Iterable[str]) -> bool:
    """True when `typed` equals one of `expected` after normalisation (numbers by value); never when empty."""
    from aiquiz.judge import comparable

    mine = comparable(typed)
    return bool(mine) and any(mine == comparable(e) for e in expected)


def expected_texts(text: Text | None) -> tuple[str, ...]:
    """The answers a text allows: every language it is written in (a zh answer counts in en mode too)."""
    return () if text is None else text.parts(LangMode.BOTH)


def lead(text: str) -> str:
    """The first sentence of an answer without asides in brackets.

    "Reasoning models. OpenAI wants ..." -> "Reasoning models"; "Harry Stebbings（20VC 主持人）。" ->
    "Harry Stebbings".
    """
    return SENTENCE_END.split(ASIDE.sub("", text), maxsplit=1)[0]


def judge_basic(card: BasicCard, typed: str) -> Judgement:
    """A typed answer to a basic card: Good is proposed when it matches the back, the back's first
    sentence without bracketed asides (backs often give the answer, then context) or an `accept` entry;
    Hard for a near miss of one of them."""
    from aiquiz.judge import Match, judge_text

    if not typed.strip():
        return Judgement(None, None, auto=False)
    backs = expected_texts(card.back)
    verdict = judge_text(typed, (*backs, *(lead(b) for b in backs), *card.accept))
    if verdict.match is Match.EXACT:
        return Judgement(True, Rating.GOOD, auto=False)
    if verdict.match is Match.NEAR:
        return Judgement(True, Rating.HARD, auto=False, near_miss=True, diff=verdict.diff)
    return Judgement(None, None, auto=False)


def cloze_expected(card: ClozeCard) -> dict[int, tuple[str, ...]]:
    """Per gap number, the words that fill it, in every language of the card."""
    found: dict[int, list[str]] = {}
    for text in expected_texts(card.text):
        for number, words in cloze_answers(text).items():
            found.setdefault(number, []).extend(words)
    return {number: tuple(words) for number, words in sorted(found.items())}


def gap_alternatives(card: ClozeCard, number: int) -> tuple[str, ...]:
    """The alternatives that count in gap `number`: the gap's own entries of a per-gap `accept`, and
    the entries of an `accept` list except those that fit another gap's answer but not this one's
    (on a multi-gap card, a list names several gaps' answers at once)."""
    from aiquiz.judge import judge_text

    expected = cloze_expected(card)
    own = dict(card.accept_gaps).get(number, ())
    others = [w for n, words in expected.items() if n != number for w in words]
    if not others:
        return own + card.accept
    mine = expected.get(number, ())
    return own + tuple(a for a in card.accept
                       if not (judge_text(a, others).right and not judge_text(a, mine).right))


def judge_gap(card: ClozeCard, number: int, typed: str) -> Verdict:
    """The verdict on the words typed in gap `number`.

    Exact matches count with the gap's hidden words (in any language of the card) and its alternatives.
    A near miss counts only when the typed words are not also right for another gap with a different
    answer, so that a slip never turns one gap's answer into another's.
    """
    from aiquiz.judge import Match, Verdict, comparable, judge_text

    expected = cloze_expected(card)
    allowed = (*expected.get(number, ()), *gap_alternatives(card, number))
    verdict = judge_text(typed, allowed)
    if verdict.match is not Match.NEAR:
        return verdict
    mine = {comparable(w) for w in expected.get(number, ())}
    for other, words in expected.items():
        if other == number or mine & {comparable(w) for w in words}:
            continue
        if judge_text(typed, (*words, *gap_alternatives(card, other))).right:
            return Verdict(Match.WRONG)
    return verdict


def judge_cloze(card: ClozeCard, typed: Mapping[int, str]) -> Judgement:
    """Typed words for each gap of a cloze card; right when every gap is right, Hard when one is a near miss.

    Each gap is judged on its own (`judge_gap`): an alternative counts only in its own gap, so swapped
    answers are wrong, and the same words in two gaps are right only where they are right for both.
    """
    from aiquiz.judge import Match

    gaps = tuple(GapResult(n, typed.get(n, ""), judge_gap(card, n, typed.get(n, "")))
                 for n in cloze_expected(card))
    right = all(g.right for g in gaps)
    near = right and any(g.verdict.match is Match.NEAR for g in gaps)
    proposal = Rating.HARD if near else (Rating.GOOD if right else Rating.AGAIN)
    return Judgement(right, proposal, auto=True, near_miss=near, gaps=gaps)


def gap_right(card: ClozeCard, number: int, typed: str) -> bool:
    """True when `typed` fills gap `number` of the cloze card (exactly or with a near miss)."""
    return judge_gap(card, number, typed).right


def choice_index(typed: str, count: int) -> int | None:
    """The 0-based choice a key names ("b", "Ｂ", "B)" -> 1), or None when it names none of `count`."""
    from aiquiz.judge import normalize

    key = normalize(typed)
    if len(key) == 1 and "a" <= key <= "z":
        index = ord(key) - ord("a")
        return index if index < count else None
    return None


def judge_choice(card: ChoiceCard, index: int) -> Judgement:
    """The learner picked choice `index` (0-based)."""
    return _auto(index == card.answer)


def truefalse_value(typed: str) -> bool | None:
    """True/False for t, f, true, false, y, n, 对, 错, 是, 否 (any width or case); None otherwise."""
    from aiquiz.judge import normalize

    key = normalize(typed)
    if key in TRUE_WORDS:
        return True
    return False if key in FALSE_WORDS else None


def judge_truefalse(card: TrueFalseCard, value: bool) -> Judgement:
    """The learner said the statement is `value`."""
    return _auto(value == card.answer)


def overrule(judgement: Judgement) -> Judgement:
    """The learner says the judgement was wrong: right becomes wrong and the proposal follows.

    The per-gap verdicts and the diff stay, to show what was typed; a near miss is no longer one.
    """
    flipped = not judgement.correct
    return replace(judgement, correct=flipped, proposal=Rating.GOOD if flipped else Rating.AGAIN,
                   near_miss=False)


def _auto(right: bool) -> Judgement:
    return Judgement(right, Rating.GOOD if right else Rating.AGAIN, auto=True)


@dataclass(frozen=True)
class Reply:
    """What the learner answered: a choice index, true/false, typed text, or typed words per cloze gap."""

    choice: int | None = None
    value: bool | None = None
    text: str = ""
    gaps: tuple[tuple[int, str], ...] = ()


def judge(card: AnyCard, reply: Reply) -> Judgement:
    """The verdict on a reply to any kind of card.

    Raises:
        ValueError: the reply lacks what the card's kind needs (a choice or a true/false value).
    """
    match card:
        case ChoiceCard():
            if reply.choice is None:
                raise ValueError("a choice card needs a choice")
            return judge_choice(card, reply.choice)
        case TrueFalseCard():
            if reply.value is None:
                raise ValueError("a truefalse card needs true or false")
            return judge_truefalse(card, reply.value)
        case ClozeCard():
            return judge_cloze(card, dict(reply.gaps))
        case BasicCard():
            return judge_basic(card, reply.text)
    raise ValueError(f"unknown card {card!r}")
