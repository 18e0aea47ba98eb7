"""The HTML of every Anki field: card text shown literally, in the chosen language(s), plus citations.

Anki reads field text as HTML, and parses `{{c1::...}}` cloze gaps, `[sound:...]` tags and `\\(...\\)`
MathJax in it. Card text is data, so every character that could start markup becomes an entity; only a
cloze card's own gaps are written as Anki syntax (with the words inside them escaped too).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from functools import lru_cache

from aiquiz.model import (
    CLOZE_GAP,
    AnyCard,
    BasicCard,
    ChoiceCard,
    Citation,
    ClozeCard,
    Deck,
    LangMode,
    ResolvedCitation,
    Source,
    Text,
    TrueFalseCard,
)

# html.escape(quote=True), then braces (templates, cloze), brackets ([sound:], [latex]) and backslashes
# (MathJax) as entities, then line breaks as <br>: one pass, as no replacement holds a character another
# one replaces.
_ESCAPE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;",
                         "{": "&#123;", "}": "&#125;", "[": "&#91;", "]": "&#93;", "\\": "&#92;", "\n": "<br>"})
_SPECIAL = re.compile(r"[&<>\"'{}\[\]\\\n]")  # a character that `literal` changes
_HTML_LANG = {"en": "en", "zh": "zh-Hans"}
_special = _SPECIAL.search
_special_but_braces = re.compile(r"[&<>\"'\[\]\\\n]").search
LETTERS = "ABCDEF"

LABELS: dict[str, dict[str, str]] = {
    "en": {"interview": "Interview", "by": "interviewed by", "section": "Section", "anchor": "Anchor",
           "link": "Original", "prompt": "True or false?", "true": "True", "false": "False"},
    "zh": {"interview": "访谈", "by": "采访者", "section": "章节", "anchor": "原文",
           "link": "原始链接", "prompt": "对还是错？", "true": "正确", "false": "错误"},
}


def literal(text: str) -> str:
    """Text as Anki field HTML that shows exactly `text`: no tags, templates, cloze, sound or MathJax.

    Args:
        text: Any text from a deck.

    Returns:
        The escaped HTML (line breaks become `<br>`).
    """
    if _special(text) is None:  # most texts hold nothing to escape
        return text
    return text.translate(_ESCAPE)


def cloze_literal(text: str) -> str:
    """A cloze text as Anki field HTML: its `{{cN::...}}` gaps kept as Anki syntax, everything else literal.

    Args:
        text: Cloze text with `{{cN::answer}}` or `{{cN::answer::hint}}` gaps.

    Returns:
        The HTML, with the answers and hints inside the gaps escaped as well.
    """
    if _special_but_braces(text) is None and text.count("{") == text.count("}") == 2 * len(CLOZE_GAP.findall(text)):
        return text  # the usual text: every brace is a gap's own, and nothing else needs escaping
    out: list[str] = []
    last = 0
    for m in CLOZE_GAP.finditer(text):
        out.append(literal(text[last:m.start()]))
        hint = f"::{literal(m.group(3))}" if m.group(3) is not None else ""
        out.append(f"{{{{c{m.group(1)}::{literal(m.group(2))}{hint}}}}}")
        last = m.end()
    out.append(literal(text[last:]))
    return "".join(out)


def _lang_parts(text: Text, mode: LangMode) -> list[tuple[str | None, str]]:
    """(language or None, text) pairs to show: one pair, or en then zh for `both`."""
    if mode is LangMode.BOTH:
        pairs: list[tuple[str | None, str]] = [(lang, value) for lang in ("en", "zh")
                                               if (value := getattr(text, lang)) is not None]
        return pairs or [(None, text.get("en"))]
    own = getattr(text, mode.value)
    if own is not None:
        return [(mode.value, own)]
    if text.plain is not None:
        return [(None, text.plain)]
    other = "zh" if mode is LangMode.EN else "en"
    return [(other, text.get(other))]


def text_html(text: Text, mode: LangMode, render: Callable[[str], str] = literal, inline: bool = False) -> str:
    """A text in the chosen language(s): one span, or an en block with the zh block beneath.

    Args:
        text: The card text.
        mode: en, zh or both.
        render: Turns one language's string into HTML (`literal`, or `cloze_literal` for cloze text).
        inline: Put both languages on one line ("en · zh"), for short texts such as a section name.

    Returns:
        Field HTML, each part tagged with its `lang` so the stylesheet picks CJK fonts.
    """
    # The common cases first, as the general code below would write them (this runs for every field).
    if mode is LangMode.EN and text.en is not None:
        return f'<span lang="en">{render(text.en)}</span>'
    if mode is LangMode.ZH and text.zh is not None:
        return f'<span lang="zh-Hans">{render(text.zh)}</span>'
    if mode is LangMode.BOTH and text.en is not None and text.zh is not None:
        if inline:
            return f'<span lang="en">{render(text.en)}</span> · <span lang="zh-Hans">{render(text.zh)}</span>'
        return (f'<div lang="en" class="aq-en">{render(text.en)}</div>'
                f'<div lang="zh-Hans" class="aq-zh">{render(text.zh)}</div>')
    parts = _lang_parts(text, mode)
    if len(parts) == 1 or inline:
        return " · ".join(f"<span{_lang_attr(lang)}>{render(value)}</span>" for lang, value in parts)
    return "".join(f'<div{_lang_attr(lang)} class="aq-{lang}">{render(value)}</div>' for lang, value in parts)


def _lang_attr(lang: str | None) -> str:
    return f' lang="{_HTML_LANG[lang]}"' if lang else ""


def label(mode: LangMode, key: str) -> str:
    """A fixed word of the card layout in the chosen language (English when showing both)."""
    return LABELS["zh" if mode is LangMode.ZH else "en"][key]


@lru_cache(maxsize=256)  # the same few interviews under every card of a deck
def _interview_html(source: Source, mode: LangMode) -> str:
    bits = [source.speaker, f"{label(mode, 'by')} {source.interviewer}" if source.interviewer else None]
    who = ", ".join(literal(b) for b in bits if b)
    where = " · ".join(literal(x) for x in (source.occasion, source.date) if x)
    return " · ".join(x for x in (who, where) if x) or literal(source.id)


def _link_html(url: str) -> str:
    shown = literal(url)
    if url.startswith(("https://", "http://")):
        return f'<a href="{html.escape(url, quote=True)}">{shown}</a>'
    return shown


def citation_html(cites: Sequence[ResolvedCitation], mode: LangMode) -> str:
    """The citation block of a card's back: interview, section, anchor and original link of each cite.

    Args:
        cites: The card's citations, their interviews resolved.
        mode: en, zh or both.

    Returns:
        Field HTML ("" when the card cites nothing).
    """
    return "".join(_cite_html(_source_rows(c.source, mode), c.section, c.anchor, mode) for c in cites)


def _row(mode: LangMode, key: str, value: str) -> str:
    return f'<div><span class="aq-k">{label(mode, key)}</span> {value}</div>'


_NO_SOURCE = ("", "")


@lru_cache(maxsize=256)  # the same few interviews under every card of a deck
def _source_rows(source: Source | None, mode: LangMode) -> tuple[str, str]:
    """The interview row and the link row of a citation of `source` ("" for a row not shown)."""
    if source is None:
        return _NO_SOURCE
    url = source.urls[0] if source.urls else None
    return _row(mode, "interview", _interview_html(source, mode)), _row(mode, "link", _link_html(url)) if url else ""


def _cite_html(rows: tuple[str, str], section: Text | None, anchor: str | None, mode: LangMode) -> str:
    """One citation's block, its interview and link rows rendered already (`_source_rows`)."""
    middle = _section_row(section, mode) if section is not None else ""
    if anchor:
        middle += _row(mode, "anchor", f"“{literal(anchor)}”")
    return f'<div class="aq-cite">{rows[0]}{middle}{rows[1]}</div>'


@lru_cache(maxsize=1024)  # a deck's cards share a few sections
def _section_row(section: Text, mode: LangMode) -> str:
    return _row(mode, "section", text_html(section, mode, inline=True))


def _choices_html(card: ChoiceCard, mode: LangMode) -> str:
    text = _TEXT[mode]
    return "".join([f"{_OPTIONS[i]}{text(choice)}</div></li>" for i, choice in enumerate(card.choices)])


# What each choice's HTML starts with, by letter (a card has at most as many choices as letters).
_OPTIONS = tuple(f'<li class="aq-opt aq-opt-{letter}"><span class="aq-letter">{letter}</span><div class="aq-opt-text">'
                 for letter in LETTERS)


def _verdict_html(answer: bool, mode: LangMode) -> str:
    key = "true" if answer else "false"
    words = [LABELS["en"][key], LABELS["zh"][key]] if mode is LangMode.BOTH else [label(mode, key)]
    return f'<span class="aq-tf-{key}">{" · ".join(words)}</span>'


def _prompt(mode: LangMode) -> str:
    if mode is LangMode.BOTH:
        return f'{LABELS["en"]["prompt"]} · <span lang="zh-Hans">{LABELS["zh"]["prompt"]}</span>'
    return label(mode, "prompt")


def typed_answer(card: BasicCard | ClozeCard, mode: LangMode) -> str:
    """The text a learner types for a card with type-in answers: one language only (English for `both`).

    Args:
        card: A basic card (its back) or a cloze card (its text, whose gaps Anki compares).
        mode: en, zh or both.

    Returns:
        The field HTML of the note type's `Typed` field.
    """
    lang = "zh" if mode is LangMode.ZH else "en"
    if isinstance(card, ClozeCard):
        return cloze_literal(card.text.get(lang))
    return literal(card.back.get(lang))


def note_fields(deck: Deck, card: AnyCard, mode: LangMode, typed: bool = False) -> list[str]:
    """The field values of a card's note, in the order of its note type's fields.

    Args:
        deck: The deck the card belongs to (for its interviews).
        card: The card.
        mode: en, zh or both.
        typed: The note type with type-in answers (basic and cloze cards get a `Typed` field third).

    Returns:
        One HTML string per field of the note type of `card.kind` (see `notetypes.CONTRACT`).
    """
    return DeckFields(deck, mode, typed).note_fields(card)


class DeckFields:
    """`note_fields` and `card_tags` for the cards of one deck, with what its cards share rendered once.

    Args:
        deck: The deck.
        mode: en, zh or both.
        typed: The note types with type-in answers.
    """

    def __init__(self, deck: Deck, mode: LangMode, typed: bool = False) -> None:
        self.deck, self.mode, self.typed = deck, mode, typed
        self._text = _TEXT[mode]
        # A citation names its interview by id, or none for a deck's only one (`Deck.source`).
        self._sources = {key: _source_rows(deck.source(key), mode)
                         for key in (None, *(s.id for s in deck.sources))}
        self._sections: dict[tuple[str | None, str | None, str | None], str] = {}
        self._anchor = _row(mode, "anchor", "“")[:-len("</div>")]  # an anchor's row, up to the anchor
        self._id = f"{literal(deck.id)}/"
        self._tags = f" aiquiz::{deck.id} "
        self._prompt = _prompt(mode)
        self._verdicts = {answer: _verdict_html(answer, mode) for answer in (True, False)}

    def note_fields(self, card: AnyCard) -> list[str]:
        """The field values of a card's note (see the module function `note_fields`)."""
        mode, text = self.mode, self._text
        match card:
            case BasicCard():
                fields = [text(card.front), text(card.back)]
            case ClozeCard():
                fields = [text_html(card.text, mode, cloze_literal), text(card.back) if card.back else ""]
            case ChoiceCard():
                fields = [text(card.front), _choices_html(card, mode), LETTERS[card.answer]]
            case TrueFalseCard():
                fields = [text(card.statement), self._prompt, self._verdicts[card.answer]]
            case _:  # pragma: no cover - the loader builds only the four kinds
                raise TypeError(f"unknown card kind {card.kind}")
        if self.typed and isinstance(card, (BasicCard, ClozeCard)):
            fields.append(typed_answer(card, mode))
        fields.append(text(card.explain) if card.explain else "")
        cites = card.cite
        fields.append(self._cite(cites[0]) if len(cites) == 1 else "".join([self._cite(c) for c in cites]))
        fields.append(self._id + literal(card.id))
        return fields

    def _cite(self, cite: Citation) -> str:
        """One citation's block (as `citation_html` writes it)."""
        interview, link = self._sources.get(cite.source, _NO_SOURCE)
        section = cite.section
        if section is None:
            middle = ""
        else:  # a deck's cards share a few sections
            key = (section.en, section.zh, section.plain)
            middle = self._sections.get(key) or self._sections.setdefault(
                key, _row(self.mode, "section", text_html(section, self.mode, inline=True)))
        if anchor := cite.anchor:
            middle += f"{self._anchor}{anchor if _special(anchor) is None else anchor.translate(_ESCAPE)}”</div>"
        return f'<div class="aq-cite">{interview}{middle}{link}</div>'

    def tags(self, card: AnyCard) -> str:
        """The note's tags (`card_tags`) as Anki stores them: space-separated, a space at each end."""
        if card.tags:
            return f"{self._tags}{' '.join(card.tags)} kind::{card.kind.value} "
        return f"{self._tags}kind::{card.kind.value} "


def _text_en(text: Text) -> str:
    """`text_html(text, LangMode.EN)`, the usual case first."""
    if (en := text.en) is not None:
        return f'<span lang="en">{en if _special(en) is None else en.translate(_ESCAPE)}</span>'
    return text_html(text, LangMode.EN)


def _text_zh(text: Text) -> str:
    """`text_html(text, LangMode.ZH)`, the usual case first."""
    if (zh := text.zh) is not None:
        return f'<span lang="zh-Hans">{zh if _special(zh) is None else zh.translate(_ESCAPE)}</span>'
    return text_html(text, LangMode.ZH)


def _text_both(text: Text) -> str:
    """`text_html(text, LangMode.BOTH)`."""
    return text_html(text, LangMode.BOTH)


_TEXT: dict[LangMode, Callable[[Text], str]] = {LangMode.EN: _text_en, LangMode.ZH: _text_zh,
                                                LangMode.BOTH: _text_both}


def card_tags(deck: Deck, card: AnyCard) -> list[str]:
    """The note's tags: `aiquiz::<deck>`, the card's topic tags, `kind::<kind>`."""
    return [f"aiquiz::{deck.id}", *card.tags, f"kind::{card.kind.value}"]
