"""Judging answers leniently: case, full/half width, punctuation, spaces, `accept`, simplified/traditional.

Auto-graded kinds (choice, truefalse, cloze) propose a rating: right -> Good, wrong -> Again. A basic card
is self-graded: a typed answer that matches proposes Good, anything else leaves the rating to the learner.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from aiquiz.progress.scheduler import Rating
from aiquiz.model import (AnyCard, BasicCard, ChoiceCard, ClozeCard, LangMode, Text, TrueFalseCard,
                          cloze_answers)

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
ASIDE = re.compile(r"\s*[(（][^()（）]*[)）]")
SENTENCE_END = re.compile(r"[.!?;:](?=\s)|[。！？；：]")
TRUE_WORDS = frozenset({"t", "true", "y", "yes", "对", "是", "真", "正确"})
FALSE_WORDS = frozenset({"f", "false", "n", "no", "错", "否", "假", "错误"})


@dataclass(frozen=True)
class Judgement:
    """The verdict on one answer.

    Attributes:
        correct: True/False when the answer was judged; None when nothing was typed (a basic card revealed)
            or a typed basic answer did not match (the learner compares it with the answer).
        proposal: The rating offered as the default, or None when the learner must choose.
        auto: True for auto-graded kinds, False for a self-graded basic card.
    """

    correct: bool | None
    proposal: Rating | None
    auto: bool


def normalize(text: str) -> str:
    """The comparable form of an answer: NFKC, case-folded, simplified Chinese, without punctuation or spaces.

    Examples: "Ｈｅｌｌｏ, World!" -> "helloworld"; "發現 新科學。" -> "发现新科学".
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    if CJK.search(folded):
        folded = _simplified(folded)
    return "".join(ch for ch in folded if not _ignorable(ch))


def _ignorable(ch: str) -> bool:
    category = unicodedata.category(ch)
    return category[0] in "PZC" or ch.isspace()


def _simplified(text: str) -> str:
    import zhconv  # loads its dictionary on first use: only when Chinese is typed or expected

    return zhconv.convert(text, "zh-hans")


def matches(typed: str, expected: Iterable[str]) -> bool:
    """True when `typed` equals one of `expected` after `normalize`; an empty answer never matches."""
    mine = normalize(typed)
    return bool(mine) and any(mine == normalize(e) for e in expected)


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
    sentence without bracketed asides (backs often give the answer, then context) or an `accept` entry."""
    if not typed.strip():
        return Judgement(None, None, auto=False)
    backs = expected_texts(card.back)
    if matches(typed, (*backs, *(lead(b) for b in backs), *card.accept)):
        return Judgement(True, Rating.GOOD, auto=False)
    return Judgement(None, None, auto=False)


def cloze_expected(card: ClozeCard) -> dict[int, tuple[str, ...]]:
    """Per gap number, the words that fill it, in every language of the card."""
    found: dict[int, list[str]] = {}
    for text in expected_texts(card.text):
        for number, words in cloze_answers(text).items():
            found.setdefault(number, []).extend(words)
    return {number: tuple(words) for number, words in sorted(found.items())}


def judge_cloze(card: ClozeCard, typed: Mapping[int, str]) -> Judgement:
    """Typed words for each gap of a cloze card; right when every gap matches.

    A gap matches its hidden words (in any language of the card) or one of that gap's alternatives.
    """
    expected = cloze_expected(card)
    right = all(matches(typed.get(n, ""), (*words, *card.alternatives(n))) for n, words in expected.items())
    return _auto(right)


def gap_right(card: ClozeCard, number: int, typed: str) -> bool:
    """True when `typed` fills gap `number` of the cloze card."""
    return matches(typed, (*cloze_expected(card).get(number, ()), *card.alternatives(number)))


def choice_index(typed: str, count: int) -> int | None:
    """The 0-based choice a key names ("b", "Ｂ", "B)" -> 1), or None when it names none of `count`."""
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
    key = normalize(typed)
    if key in TRUE_WORDS:
        return True
    return False if key in FALSE_WORDS else None


def judge_truefalse(card: TrueFalseCard, value: bool) -> Judgement:
    """The learner said the statement is `value`."""
    return _auto(value == card.answer)


def overrule(judgement: Judgement) -> Judgement:
    """The learner says the judgement was wrong: right becomes wrong and the proposal follows."""
    flipped = not judgement.correct
    return Judgement(flipped, Rating.GOOD if flipped else Rating.AGAIN, judgement.auto)


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
