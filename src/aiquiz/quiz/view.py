"""What a printed question and a key entry show: plain values built from a plan, for the templates.

Nothing here knows HTML: a card text becomes language parts and segments (cloze gaps split out as
blanks, or as answers in the key), a choice card its lettered choices in this version's order. Cloze
gaps are found with the model's own pattern, so the quiz reads them as the loader does.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiquiz.model import (
    CLOZE_GAP,
    BasicCard,
    ChoiceCard,
    ClozeCard,
    LangMode,
    ResolvedCitation,
    Text,
    TrueFalseCard,
    resolve_citations,
)
from aiquiz.quiz.plan import PlannedQuestion, QuizPlan, VersionPlan

HTML_LANG = {"en": "en", "zh": "zh-Hans"}

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "quiz": "Quiz", "version": "Version", "name": "Name", "date": "Date", "score": "Score",
        "questions": "questions", "seed": "seed", "key": "Answer key", "true": "True", "false": "False",
        "t": "T", "f": "F", "source": "Source", "page_before": "page ", "page_after": "",
        "page_of": " of ", "pages_after": "",
        "choice": "Fill in the bubble of the one best answer.", "truefalse": "Fill in T (true) or F (false).",
        "cloze": "Fill in the blanks.", "basic": "Write a short answer on the lines.",
    },
    "zh": {
        "quiz": "测验", "version": "版本", "name": "姓名", "date": "日期", "score": "得分",
        "questions": "题", "seed": "随机种子", "key": "参考答案", "true": "正确", "false": "错误",
        "t": "对", "f": "错", "source": "出处", "page_before": "第 ", "page_after": " 页",
        "page_of": " 页，共 ", "pages_after": " 页",
        "choice": "选择题：涂满唯一正确答案的圆圈。", "truefalse": "判断题：对的涂“对”，错的涂“错”。",
        "cloze": "填空题：在横线上填写答案。", "basic": "简答题：在横线上写出简短回答。",
    },
}
KIND_ORDER = ("choice", "truefalse", "cloze", "basic")


@dataclass(frozen=True)
class Seg:
    """A run of text, or a cloze gap (`gap` set): a blank to fill, or its answer when `filled`."""

    text: str
    gap: int | None = None
    hint: str | None = None
    width: str = "s"
    filled: bool = False


@dataclass(frozen=True)
class Part:
    """A text in one language (`lang` is an HTML language tag, None when unknown)."""

    lang: str | None
    segs: tuple[Seg, ...]


Rich = tuple[Part, ...]


@dataclass(frozen=True)
class QuestionView:
    """A question as printed: number, prompt, lettered choices, blanks or ruled lines."""

    number: int
    kind: str
    prompt: Rich
    choices: tuple[tuple[str, Rich], ...] = ()
    numbered_gaps: bool = False
    lines: int = 0


@dataclass(frozen=True)
class CitationView:
    """Where an answer comes from: interview, section, anchor, link."""

    source: str | None
    section: Rich
    anchor: str | None
    url: str | None


@dataclass(frozen=True)
class KeyView:
    """A key entry: the answer (with its letter for choices and T/F), why, and where it was said."""

    number: int
    card_key: str
    letter: str | None
    answer: Rich
    extra: Rich
    explain: Rich
    citations: tuple[CitationView, ...]


@dataclass(frozen=True)
class VersionView:
    """A version's questions and its key."""

    letter: str
    questions: tuple[QuestionView, ...]
    key: tuple[KeyView, ...]


def labels(mode: LangMode) -> dict[str, str]:
    """The words around the questions in the quiz's language(s)."""
    if mode is not LangMode.BOTH:
        return LABELS[mode.value]
    both = {k: f"{v} / {LABELS['zh'][k]}" for k, v in LABELS["en"].items()}
    return {**both, "t": "T", "f": "F", "page_before": "page ", "page_after": "", "page_of": " of ",
            "pages_after": ""}


def rich(text: Text | None, mode: LangMode, *, reveal: bool = False) -> Rich:
    """A text in the language(s) of `mode`, cloze gaps split out as blanks (or answers with `reveal`)."""
    if text is None:
        return ()
    pairs: list[tuple[str | None, str]]
    if mode is LangMode.BOTH:
        found: list[tuple[str | None, str]] = [(lang, getattr(text, lang)) for lang in ("en", "zh")
                                                if getattr(text, lang) is not None]
        pairs = found or [(None, text.plain or "")]
    else:
        pairs = [(lang, getattr(text, lang)) for lang in (mode.value,) if getattr(text, lang) is not None]
        if not pairs:
            other = "zh" if mode is LangMode.EN else "en"
            lang = None if text.plain is not None else other
            pairs = [(lang, text.get(mode))]
    return tuple(Part(HTML_LANG.get(lang or ""), _segments(value, reveal)) for lang, value in pairs)


def _segments(value: str, reveal: bool) -> tuple[Seg, ...]:
    segs: list[Seg] = []
    start = 0
    for m in CLOZE_GAP.finditer(value):
        if m.start() > start:
            segs.append(Seg(value[start:m.start()]))
        answer = m.group(2)
        segs.append(Seg(answer if reveal else "", int(m.group(1)), m.group(3), _width(answer), reveal))
        start = m.end()
    if start < len(value) or not segs:
        segs.append(Seg(value[start:]))
    return tuple(segs)


def _width(answer: str) -> str:
    """A blank long enough to write the answer in by hand: s, m or l (CJK characters count double)."""
    units = sum(2 if ord(ch) >= 0x2E80 else 1 for ch in answer)
    return "s" if units <= 8 else "m" if units <= 18 else "l"


def _lines(back: Text) -> int:
    units = max(len(t) * (2 if any(ord(c) >= 0x2E80 for c in t) else 1) for t in back.parts(LangMode.BOTH))
    return 2 if units <= 50 else 3 if units <= 120 else 4


def question_view(number: int, planned: PlannedQuestion, mode: LangMode) -> QuestionView:
    """How a planned question is printed."""
    card = planned.picked.card
    match card:
        case ChoiceCard():
            choices = tuple((letter, rich(card.choices[i], mode))
                            for letter, i in zip("ABCDEF", planned.choice_order, strict=False))
            return QuestionView(number, card.kind.value, rich(card.front, mode), choices=choices)
        case TrueFalseCard():
            return QuestionView(number, card.kind.value, rich(card.statement, mode))
        case ClozeCard():
            numbered = len({m.group(1) for m in CLOZE_GAP.finditer(card.text.get(mode))}) > 1
            return QuestionView(number, card.kind.value, rich(card.text, mode), numbered_gaps=numbered)
        case BasicCard():
            return QuestionView(number, card.kind.value, rich(card.front, mode), lines=_lines(card.back))
    raise TypeError(f"unknown card kind: {card!r}")  # pragma: no cover - every kind is matched


def key_view(number: int, planned: PlannedQuestion, mode: LangMode) -> KeyView:
    """The key entry of a planned question, with the letter as this version shows it."""
    card, deck = planned.picked.card, planned.picked.deck
    words = labels(mode)
    letter: str | None = None
    extra: Rich = ()
    match card:
        case ChoiceCard():
            position = planned.answer_position or 0
            letter, answer = "ABCDEF"[position], rich(card.choices[card.answer], mode)
        case TrueFalseCard():
            letter = words["t"] if card.answer else words["f"]
            answer = (Part(None, (Seg(words["true"] if card.answer else words["false"]),)),)
        case ClozeCard():
            answer, extra = rich(card.text, mode, reveal=True), rich(card.back, mode)
        case BasicCard():
            answer = rich(card.back, mode)
    citations = tuple(_citation(c, mode) for c in resolve_citations(deck, card))
    return KeyView(number, planned.picked.key, letter, answer, extra, rich(card.explain, mode), citations)


def _citation(cite: ResolvedCitation, mode: LangMode) -> CitationView:
    source = None
    if cite.source is not None:
        src = cite.source
        where = src.occasion or src.interviewer or src.id
        # A date already said by the occasion ("autumn 2022" and "2022 (autumn)") is not repeated.
        source = f"{where} ({src.date})" if src.date and src.date[:4] not in where else where
    return CitationView(source, rich(cite.section, mode, reveal=True), cite.anchor, cite.url)


def version_view(version: VersionPlan, mode: LangMode) -> VersionView:
    """A version's printed questions and key entries, numbered from 1."""
    numbered = list(enumerate(version.questions, start=1))
    return VersionView(version.letter, tuple(question_view(n, q, mode) for n, q in numbered),
                       tuple(key_view(n, q, mode) for n, q in numbered))


def default_title(plan: QuizPlan, mode: LangMode) -> str:
    """The deck's title when every question comes from one deck, else "Quiz"."""
    decks = {p.deck.id: p.deck for p in plan.chosen}
    if len(decks) == 1:
        return " / ".join(next(iter(decks.values())).title.parts(mode))
    return labels(mode)["quiz"]
