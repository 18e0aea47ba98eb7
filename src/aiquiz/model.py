"""The deck model: frozen values that every output (Anki, quiz, drill) reads. No I/O here."""

from __future__ import annotations

import re
import sys
from array import array
from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from hashlib import blake2b
from typing import Any, ClassVar, Generic, TypeVar


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
        found = tuple(lang for lang in ("en", "zh") if getattr(self, lang) is not None)
        return found or ("plain",)

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
        found: set[str] = set()
        for card in self.cards:
            for text in card_texts(card):
                found.update(text.langs)
        return tuple(sorted(found))

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


COLUMNS = ("cards", "kinds", "tags", "difficulties", "passages", "cited", "langs")
T = TypeVar("T")


class _Column(Generic[T]):
    """A column of a `DeckIndex`, read with the index's column function the first time it is used."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, index: DeckIndex, owner: type | None = None) -> T:
        value: T = index._column(self.name)
        index.__dict__[self.name] = value  # from now on the value itself is found first
        return value


class DeckIndex:
    """What choosing, queueing and counting cards need of a deck, as plain values (no card text).

    The compiled deck cache stores it beside each deck, so commands that need only keys, tags and cited
    passages (stats, the drill's queue) do not materialize every card. Per card, in file order (one tuple per
    column): `cards` (ids), `kinds` (`Kind` values), `tags`, `difficulties` and `passages` (the passages each
    card cites, as (source id, anchor); empty when it cites none); and `cited`, a lookup table of the cards
    citing each passage (`citing`); per deck, `langs`, the languages its texts are written in (`Deck.langs`).
    A column is read the first time it is used (`column(name)` gives it: the cache decodes it then), so a
    command pays only for the columns it reads.
    Two indexes are equal when their deck id, number of sources and columns are (the path is not compared).
    """

    def __init__(self, id: str, sources: int, size: int, column: Callable[[str], Any], path: str = "") -> None:
        self.id = id
        self.sources = sources
        self.size = size  # the number of cards
        self.path = path
        self._column = column

    cards: _Column[tuple[str, ...]] = _Column()  # each card's id
    kinds: _Column[tuple[str, ...]] = _Column()  # each card's kind (a `Kind` value)
    tags: _Column[tuple[tuple[str, ...], ...]] = _Column()
    difficulties: _Column[tuple[int | None, ...]] = _Column()
    passages: _Column[tuple[tuple[Passage, ...], ...]] = _Column()  # the passages each card cites
    cited: _Column[bytes] = _Column()  # the cards citing each passage: a `cited_table` of `passages`
    langs: _Column[tuple[str, ...]] = _Column()  # the languages the deck's texts are written in

    def kind_counts(self) -> dict[Kind, int]:
        """Cards per kind, in the order of `Kind`, kinds without cards included as 0 (as `Deck.kind_counts`)."""
        counts = {kind.value: 0 for kind in Kind}
        for kind in self.kinds:
            counts[kind] += 1
        return {Kind(k): n for k, n in counts.items()}

    @cached_property
    def table(self) -> tuple[memoryview, memoryview]:
        """The `cited` table as two arrays: passage hashes (sorted), and the position of a card citing each."""
        table = memoryview(self.cited)
        return table[:len(table) // 2].cast("Q"), table[len(table) // 2:].cast("Q")

    def citing(self, passage: Passage, code: int | None = None, start: int | None = None) -> list[int]:
        """The position of each card citing `passage`, in file order (found by bisection in the `cited` table,
        without reading every card); `code` is its `passage_hash`, when known, and `start` where it is first in
        the table, when known."""
        hashes, positions = self.table
        code = passage_hash(passage) if code is None else code
        at, found = bisect_left(hashes, code) if start is None else start, []
        while at < len(hashes) and hashes[at] == code:
            if positions[at] < self.size and passage in self.passages[positions[at]]:  # the same passage?
                found.append(positions[at])
            at += 1
        return found

    @cached_property
    def _positions(self) -> dict[str, int]:
        return dict(zip(self.cards, range(len(self.cards)), strict=True))

    def position(self, card_id: str) -> int | None:
        """Where the card with this id is in the deck (None: the deck has no such card)."""
        return self._positions.get(card_id)

    def keys(self) -> list[str]:
        """The key `<deck id>/<card id>` of every card, in file order."""
        prefix = self.id + "/"
        return [prefix + c for c in self.cards]

    def column(self, name: str) -> Any:
        """The column `name` (one of `COLUMNS`)."""
        if name not in COLUMNS:
            raise KeyError(name)
        return getattr(self, name)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DeckIndex):
            return NotImplemented
        return (self.id, self.sources, self.size) == (other.id, other.sources, other.size) and all(
            self.column(name) == other.column(name) for name in COLUMNS)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"DeckIndex(id={self.id!r}, sources={self.sources}, size={self.size}, path={self.path!r})"


def passage_hash(passage: Passage) -> int:
    """A passage's 64-bit BLAKE2b hash (keys the `cited` table; a match is checked against the passage)."""
    return int.from_bytes(blake2b(f"{passage[0]}\0{passage[1]}".encode(errors="surrogatepass"),
                                  digest_size=8).digest(), sys.byteorder)


def cited_passages(deck: Deck, card: Card) -> tuple[Passage, ...]:
    """The passages (source id, anchor) a card cites: a citation without a source takes the deck's only one."""
    if not card.cite:
        return ()
    default = deck.sources[0].id if len(deck.sources) == 1 else None
    return tuple((c.source or default or "", c.anchor.strip()) for c in card.cite
                 if c.anchor and (c.source or default))


def index_deck(deck: Deck) -> DeckIndex:
    """The index of a deck (see `DeckIndex`); each column is computed from the deck when first used."""
    def column(name: str) -> Any:
        return cited_table(index.passages) if name == "cited" else deck_column(deck, name)

    index = DeckIndex(deck.id, len(deck.sources), len(deck.cards), column, deck.path)
    return index


def deck_column(deck: Deck, name: str) -> Any:
    """One column of a deck's index (see `DeckIndex`), computed from the deck (`index_deck` makes `cited`)."""
    cards = deck.cards
    match name:
        case "cards" | "tags" | "difficulties":
            field_name = {"cards": "id", "tags": "tags", "difficulties": "difficulty"}[name]
            return tuple(getattr(c, field_name) for c in cards)
        case "kinds":
            return tuple(str(c.kind.value) for c in cards)
        case "passages":
            return tuple(cited_passages(deck, c) for c in cards)
        case "langs":
            return deck.langs
    raise KeyError(name)


def cited_table(passages: Sequence[Sequence[Passage]]) -> bytes:
    """The `cited` column from the `passages` column: each cited passage's hash with the position of a card
    citing it, sorted, as two arrays of native 64-bit integers (hashes, then positions) in one bytes."""
    pairs = sorted({(passage_hash(p), at) for at, cited in enumerate(passages) for p in cited})
    return array("Q", [h for h, _ in pairs]).tobytes() + array("Q", [at for _, at in pairs]).tobytes()
