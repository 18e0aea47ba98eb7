"""The deck model: frozen values that every output (Anki, quiz, drill) reads. No I/O here."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import ClassVar


class Lang(StrEnum):
    """A language a card's text can be written in."""

    EN = "en"
    ZH = "zh"


class LangMode(StrEnum):
    """Which language(s) an output shows: one of them, or both side by side."""

    EN = "en"
    ZH = "zh"
    BOTH = "both"


class Kind(StrEnum):
    """The four kinds of card."""

    BASIC = "basic"
    CLOZE = "cloze"
    CHOICE = "choice"
    TRUEFALSE = "truefalse"


@dataclass(frozen=True)
class Text:
    """A piece of card text: English and/or simplified Chinese, or one plain string of either.

    `plain` holds a text written as a bare YAML string (language not stated).
    """

    en: str | None = None
    zh: str | None = None
    plain: str | None = None

    @property
    def langs(self) -> tuple[str, ...]:
        """The languages present: ("en",), ("zh",), ("en", "zh") or ("plain",)."""
        if self.en is not None:
            return ("en", "zh") if self.zh is not None else ("en",)
        return ("zh",) if self.zh is not None else ("plain",)

    def get(self, lang: Lang | str) -> str:
        """The text in `lang`, falling back to the plain text, then to the other language."""
        wanted: str | None = getattr(self, str(lang), None)
        if wanted is not None:
            return wanted
        for other in (self.plain, self.en, self.zh):
            if other is not None:
                return other
        return ""

    def parts(self, mode: LangMode | str) -> tuple[str, ...]:
        """The text(s) to show for a language mode: one string, or en then zh for `both`."""
        mode = LangMode(mode)
        if mode is LangMode.BOTH:
            both = tuple(t for t in (self.en, self.zh) if t is not None)
            return both or ((self.plain,) if self.plain is not None else ())
        return (self.get(mode),)


@dataclass(frozen=True)
class Citation:
    """Where a card comes from: a section of an interview and a short verbatim anchor."""

    section: Text | None = None
    anchor: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class Source:
    """An interview a deck is drawn from."""

    id: str
    speaker: str | None = None
    interviewer: str | None = None
    occasion: str | None = None
    date: str | None = None
    urls: tuple[str, ...] = ()

    @property
    def id_only(self) -> bool:
        """True when the deck named this source by id alone."""
        return not any((self.speaker, self.interviewer, self.occasion, self.date, self.urls))


CLOZE_GAP = re.compile(r"\{\{c(\d+)::(.*?)(?:::(.*?))?\}\}", re.DOTALL)


def cloze_gaps(text: str) -> tuple[int, ...]:
    """The sorted distinct gap numbers (`{{c1::...}}` -> 1) in a cloze text."""
    return tuple(sorted({int(m.group(1)) for m in CLOZE_GAP.finditer(text)}))


@dataclass(frozen=True, kw_only=True)
class Card:
    """Fields every kind of card has. `line` is where the card starts in its file."""

    kind: ClassVar[Kind]
    id: str
    explain: Text | None = None
    tags: tuple[str, ...] = ()
    difficulty: int | None = None
    accept: tuple[str, ...] = ()
    cite: tuple[Citation, ...] = ()
    line: int = field(default=0, compare=False)


@dataclass(frozen=True, kw_only=True)
class BasicCard(Card):
    """A question and its answer."""

    kind: ClassVar[Kind] = Kind.BASIC
    front: Text
    back: Text


@dataclass(frozen=True, kw_only=True)
class ClozeCard(Card):
    """A text with `{{c1::...}}` gaps, and an optional extra for the back."""

    kind: ClassVar[Kind] = Kind.CLOZE
    text: Text
    back: Text | None = None
    accept_gaps: tuple[tuple[int, tuple[str, ...]], ...] = ()

    def alternatives(self, gap: int) -> tuple[str, ...]:
        """The alternatives accepted in gap `gap`: its entry of the per-gap mapping, or the card's list."""
        return dict(self.accept_gaps).get(gap, ()) + self.accept


@dataclass(frozen=True, kw_only=True)
class ChoiceCard(Card):
    """A question with 2-6 choices; `answer` is the 0-based index of the right one."""

    kind: ClassVar[Kind] = Kind.CHOICE
    front: Text
    choices: tuple[Text, ...]
    answer: int


@dataclass(frozen=True, kw_only=True)
class TrueFalseCard(Card):
    """A statement that is true or false."""

    kind: ClassVar[Kind] = Kind.TRUEFALSE
    statement: Text
    answer: bool


AnyCard = BasicCard | ClozeCard | ChoiceCard | TrueFalseCard
CARD_CLASSES: dict[Kind, type[Card]] = {
    Kind.BASIC: BasicCard,
    Kind.CLOZE: ClozeCard,
    Kind.CHOICE: ChoiceCard,
    Kind.TRUEFALSE: TrueFalseCard,
}


@dataclass(frozen=True)
class Deck:
    """One deck file: its id, title, the interview(s) it draws on, and its cards.

    `source_is_list` records that the file gave `source` as a list (a deck on several interviews).
    """

    id: str
    title: Text
    sources: tuple[Source, ...]
    cards: tuple[AnyCard, ...]
    source_is_list: bool = False
    path: str = field(default="", compare=False)

    @property
    def langs(self) -> tuple[str, ...]:
        """Every language any card text of this deck is written in."""
        kinds = {text.langs for card in self.cards for text in card_texts(card)}  # a few distinct tuples
        return tuple(sorted({lang for langs in kinds for lang in langs}))

    def source(self, source_id: str | None = None) -> Source | None:
        """The deck's source with that id, or its only source when `source_id` is None."""
        if source_id is None:
            return self.sources[0] if len(self.sources) == 1 else None
        return next((s for s in self.sources if s.id == source_id), None)

    def kind_counts(self) -> dict[Kind, int]:
        """Cards per kind, in the order of `Kind`, kinds without cards included as 0."""
        counts = {kind: 0 for kind in Kind}
        for card in self.cards:
            counts[card.kind] += 1
        return counts


def card_texts(card: Card) -> tuple[Text, ...]:
    """Every Text a card carries (question, answer, choices, explain), for checks and search."""
    match card:
        case BasicCard():
            main: tuple[Text, ...] = (card.front, card.back)
        case ClozeCard():
            main = (card.text,) + ((card.back,) if card.back else ())
        case ChoiceCard():
            main = (card.front, *card.choices)
        case TrueFalseCard():
            main = (card.statement,)
        case _:
            main = ()
    return main + ((card.explain,) if card.explain else ())


@dataclass(frozen=True)
class ResolvedCitation:
    """A citation with its interview looked up: what every output shows under an answer."""

    source: Source | None
    section: Text | None
    anchor: str | None

    @property
    def url(self) -> str | None:
        """The first (original) link of the interview, if known."""
        return self.source.urls[0] if self.source and self.source.urls else None


def resolve_citations(deck: Deck, card: Card) -> tuple[ResolvedCitation, ...]:
    """The card's citations with each one's interview taken from the deck's sources."""
    return tuple(ResolvedCitation(deck.source(c.source), c.section, c.anchor) for c in card.cite)


def cloze_answers(text: str) -> dict[int, tuple[str, ...]]:
    """The hidden words of each gap: `{1: ("300",), 2: (...)}` for `{{c1::300}} ... {{c2::...}}`."""
    found: dict[int, list[str]] = {}
    for m in CLOZE_GAP.finditer(text):
        found.setdefault(int(m.group(1)), []).append(m.group(2))
    return {k: tuple(v) for k, v in sorted(found.items())}


def cloze_render(text: str, hide: int | None = None, blank: str = "[...]", reveal: bool = False) -> str:
    """A cloze text for display, as plain text (escape it yourself for HTML).

    Args:
        text: Cloze text with `{{cN::answer}}` or `{{cN::answer::hint}}` gaps.
        hide: Which gap number is asked (None: all gaps are asked).
        blank: What an asked gap shows (a hint replaces the dots: `[hint]`).
        reveal: Show the answers of asked gaps instead of blanks.
    """

    def one(m: re.Match[str]) -> str:
        number, answer, hint = int(m.group(1)), m.group(2), m.group(3)
        if reveal or (hide is not None and number != hide):
            return answer
        return f"[{hint}]" if hint else blank

    return CLOZE_GAP.sub(one, text)


Passage = tuple[str, str]


def cited_passages(deck: Deck, card: Card) -> tuple[Passage, ...]:
    """The passages (source id, anchor) a card cites: a citation without a source takes the deck's only one."""
    if not card.cite:
        return ()
    default = deck.sources[0].id if len(deck.sources) == 1 else None
    return tuple((c.source or default or "", c.anchor.strip()) for c in card.cite
                 if c.anchor and (c.source or default))
