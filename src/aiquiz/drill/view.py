"""What the drill screen says, as rich `Text` rows: the card, the verdict, the answer, the citation, notices.

Pure: nothing here reads keys or prints. The terminal draws these rows with colours; line mode prints
their plain text. The lines at the end of a drill are in `summary_view`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text

from aiquiz.drill.grading import Judgement, Reply
from aiquiz.drill.runner import Shown
from aiquiz.drill.session import Plan
from aiquiz.i18n import N_, _, ngettext
from aiquiz.model import (
    CLOZE_GAP,
    BasicCard,
    ChoiceCard,
    ClozeCard,
    LangMode,
    ResolvedCitation,
    TrueFalseCard,
    cloze_gaps,
    resolve_citations,
)
from aiquiz.model import Text as CardText
from aiquiz.progress.scheduler import Rating

if TYPE_CHECKING:
    from aiquiz.judge import Segment

KIND_LABEL = {"basic": N_("question"), "cloze": N_("fill the gap"), "choice": N_("choose"),
              "truefalse": N_("true or false")}
RATING_LABEL = {Rating.AGAIN: N_("Again"), Rating.HARD: N_("Hard"), Rating.GOOD: N_("Good"), Rating.EASY: N_("Easy")}
ZH_STYLE = "cyan"


@dataclass(frozen=True)
class Row:
    """One row of the screen: a short label (may be empty) and its text."""

    label: str
    text: Text


def rating_label(rating: Rating) -> str:
    """A rating's name in the interface language: Again/重来, Hard/困难, Good/良好, Easy/简单 (Anki's words)."""
    return _(RATING_LABEL[rating])


def letter(index: int) -> str:
    """The key of a choice: 0 -> "a"."""
    return chr(ord("a") + index)


def _parts(text: CardText | None, lang: LangMode, style: str = "") -> Text:
    """A card text in the mode's language(s): both as two lines, the Chinese one coloured."""
    if text is None:
        return Text("")
    parts = text.parts(lang)
    out = Text()
    for i, part in enumerate(parts):
        if i:
            out.append("\n")
        out.append(part, style=ZH_STYLE if (i and len(parts) > 1) else style)
    return out


def gap_text(text: str) -> str:
    """A cloze text with its gaps as blanks: "[...]" (one gap), "[1]", "[2]" (several), or the hint."""
    numbered = len(cloze_gaps(text)) > 1

    def one(m: re.Match[str]) -> str:
        number, hint = int(m.group(1)), m.group(3)
        label = f"{number}" if numbered else "..."
        return f"[{label}: {hint}]" if hint and numbered else f"[{hint or label}]"

    return CLOZE_GAP.sub(one, text)


def _cloze(text: CardText, lang: LangMode, reveal: bool) -> Text:
    """A cloze text in the mode's language(s), blanks asked or (revealed) the gap answers highlighted."""
    out = Text()
    for i, part in enumerate(text.parts(lang)):
        if i:
            out.append("\n")
        style = ZH_STYLE if i else ""
        if not reveal:
            out.append(gap_text(part), style=style)
            continue
        at = 0
        for m in CLOZE_GAP.finditer(part):
            out.append(part[at:m.start()], style=style)
            out.append(m.group(2), style="bold green")
            at = m.end()
        out.append(part[at:], style=style)
    return out


def header(shown: Shown, now: datetime) -> Text:
    """The top line: card n of m, reviews and new cards left, the deck, and how the last card went."""
    p = shown.progress
    out = Text(_("card {number} of {total}").format(number=p.number, total=p.total), style="bold")
    out.append(_(" · {due} due · {new} new left · {deck}").format(due=p.due_left, new=p.new_left,
                                                                  deck=shown.picked.deck.id))
    if shown.new:
        out.append(_("  NEW"), style="bold magenta")
    if shown.last is not None:
        rating, memory = shown.last
        out.append(_("   last: {rating}, again {when}").format(rating=rating_label(rating),
                                                               when=when(memory.due, now)), style="dim")
    return out


def question(shown: Shown) -> list[Row]:
    """The card as asked: its kind, its text, and the choices of a choice card."""
    card, lang = shown.picked.card, shown.lang
    rows = [Row("", Text(_(KIND_LABEL[card.kind.value]), style="bold yellow"))]
    match card:
        case BasicCard():
            rows.append(Row("", _parts(card.front, lang, "bold")))
        case ClozeCard():
            rows.append(Row("", _cloze(card.text, lang, reveal=False)))
        case ChoiceCard():
            rows.append(Row("", _parts(card.front, lang, "bold")))
            rows += [Row(f"{letter(i)})", _parts(c, lang)) for i, c in enumerate(card.choices)]
        case TrueFalseCard():
            rows.append(Row("", _parts(card.statement, lang, "bold")))
    return rows


def prompt(shown: Shown) -> str:
    """What the learner is asked to press or type."""
    match shown.picked.card:
        case ChoiceCard() as card:
            ask = _("Press a-{last}").format(last=letter(len(card.choices) - 1))
        case TrueFalseCard():
            ask = _("Press t (true) or f (false)")
        case ClozeCard():
            ask = _("Type the missing words, then Enter")
        case _:
            ask = _("Type your answer, or just Enter to reveal it")
    return f"{ask} · {_(ASK_KEYS)}"


ASK_KEYS = N_("u undo · s skip · q quits")
RATE_KEYS = N_("u undo · s skip · b bury · x suspend · f flag · q quits")


def notice(event: str, key: str, detail: str) -> Text:
    """The line telling what a control or the scheduler did."""
    match event:
        case "undone":
            rating = rating_label(Rating[detail.upper()]) if detail.upper() in Rating.__members__ else detail
            return Text(_("↶ Undid {rating} on {key}: the card is back as it was before that answer.").format(
                rating=rating, key=key), style="yellow")
        case "nothing-to-undo":
            return Text(_("Nothing to undo in this session (aiquiz undo takes back an earlier review)."),
                        style="yellow")
        case "undo-refused":
            return Text(_("Cannot undo: {reason}").format(reason=detail), style="yellow")
        case "buried":
            return Text(_("Buried {key} until the next study day.").format(key=key), style="yellow")
        case "suspended":
            return Text(_("Suspended {key} (aiquiz unsuspend {key} brings it back).").format(key=key), style="yellow")
        case "flagged":
            text = (_("Flagged {key}: {note} (aiquiz flags lists flagged cards).") if detail
                    else _("Flagged {key} (aiquiz flags lists flagged cards)."))
            return Text(text.format(key=key, note=detail), style="yellow")
        case "leech":
            lapses, action = detail.split(":")
            state = _("suspended") if action == "suspended" else _("tagged") if action == "tagged" else action
            return Text(ngettext("Leech: {key} was forgotten {lapses} time after it was learned; it is now {state}"
                                 " (aiquiz leeches lists leeches; the card may be ambiguous: f flags it).",
                                 "Leech: {key} was forgotten {lapses} times after it was learned; it is now {state}"
                                 " (aiquiz leeches lists leeches; the card may be ambiguous: f flags it).",
                                 int(lapses) if lapses.isdigit() else 2).format(
                key=key, lapses=lapses, state=state), style="bold red")
    return Text(f"{event} {key} {detail}")


def day_note(shown_plan: Plan | None, summary: bool = False) -> Text | None:
    """What the day's rules left out of this session, for the header and the summary, or None."""
    if shown_plan is None:
        return None
    parts = []
    if shown_plan.new_used_up:
        parts.append(_("today's new cards are used up (aiquiz config new-per-day N; --cram studies ahead)"))
    elif shown_plan.new_last and summary:
        parts.append(_("that was the last of today's new cards: more tomorrow, or --cram to study ahead"))
    if shown_plan.reviews_capped:
        parts.append(ngettext("{count} review over today's limit waits", "{count} reviews over today's limit wait",
                              shown_plan.reviews_capped).format(count=shown_plan.reviews_capped))
    if shown_plan.held_related:
        parts.append(ngettext("{count} related card waits for another day",
                              "{count} related cards wait for another day",
                              shown_plan.held_related).format(count=shown_plan.held_related))
    return Text(" · ".join(parts), style="dim") if parts else None


def verdict(judgement: Judgement, reply: Reply) -> Text | None:
    """Right (nearly, with the difference), wrong (with what was chosen or which gap), "compare yourself"
    for a typed basic answer, or None when the answer was revealed."""
    if judgement.correct is True:
        out = Text(_("✓ Right"), style="bold green")
        if judgement.near_miss:
            out.append(_(", nearly: "), style="bold yellow").append_text(near_miss_text(judgement))
        return out
    if judgement.correct is False:
        return Text(_("✗ Wrong"), style="bold red").append_text(wrong_detail(judgement, reply))
    if reply.text.strip():
        return Text(_("? Your answer is not one aiquiz knows: compare it with the answer"), style="bold yellow")
    return None


# By `SegmentKind` (a StrEnum) value: the judge is imported when an answer is judged, not to show a card.
DIFF_STYLES = {"same": "", "typed-wrong": "bold red", "missing": "bold green underline"}
DIFF_MARKS = {"same": ("", ""), "typed-wrong": ("[+", "]"), "missing": ("[-", "]")}


def diff_text(segments: tuple[Segment, ...]) -> Text:
    """A character diff: right parts plain, typed-but-wrong `[+x]` in red, missing `[-b]` in green.

    The marks are part of the text, so a screen without colours (line mode prints the plain text)
    shows them too: `Harry Steb[-b]ings`.
    """
    out = Text()
    for seg in segments:
        before, after = DIFF_MARKS[seg.kind]
        out.append(before, style="dim").append(seg.text, style=DIFF_STYLES[seg.kind]).append(after, style="dim")
    return out


def near_miss_text(judgement: Judgement) -> Text:
    """What was typed against what was nearly right: the diff, per gap `[n]` on a cloze with several gaps."""
    from aiquiz.judge import Match

    if not judgement.gaps:
        return diff_text(judgement.diff)
    numbered = len(judgement.gaps) > 1
    out = Text()
    for gap in judgement.gaps:
        if gap.verdict.match is not Match.NEAR:
            continue
        if len(out):
            out.append(" · ")
        out.append(f"[{gap.number}] " if numbered else "").append_text(diff_text(gap.verdict.diff))
    return out


def wrong_detail(judgement: Judgement, reply: Reply) -> Text:
    """After "✗ Wrong": the choice picked, the true/false said, or the gaps that were wrong."""
    if reply.choice is not None:
        return Text(_(": you chose {choice})").format(choice=letter(reply.choice)))
    if reply.value is not None:
        return Text(_(": you said true") if reply.value else _(": you said false"))
    wrong = [g.number for g in judgement.gaps if not g.right]
    if len(judgement.gaps) > 1 and wrong:
        return Text(_(" in gap {gaps}").format(gaps=", ".join(map(str, wrong))))
    return Text("")


def answer_rows(shown: Shown, reply: Reply) -> list[Row]:
    """The right answer (with what was typed, when it was typed), `explain`, and the citations."""
    card, lang = shown.picked.card, shown.lang
    rows: list[Row] = []
    match card:
        case BasicCard():
            if reply.text.strip():
                rows.append(Row(_("you"), Text(reply.text)))
            rows.append(Row(_("answer"), _parts(card.back, lang, "bold green")))
        case ClozeCard():
            if reply.gaps:
                rows.append(Row(_("you"), Text(" · ".join(t or "-" for _n, t in reply.gaps))))
            rows.append(Row(_("answer"), _cloze(card.text, lang, reveal=True)))
            if card.back is not None:
                rows.append(Row(_("note"), _parts(card.back, lang)))
        case ChoiceCard():
            rows.append(Row(_("answer"), Text(f"{letter(card.answer)}) ").append(_parts(card.choices[card.answer],
                                                                                        lang))))
        case TrueFalseCard():
            rows.append(Row(_("answer"), Text(truefalse_word(card.answer, lang), style="bold")))
    if card.explain is not None:
        rows.append(Row(_("why"), _parts(card.explain, lang)))
    rows += citation_rows(resolve_citations(shown.picked.deck, card), lang)
    return rows


def truefalse_word(value: bool, lang: LangMode) -> str:
    """A true/false answer in the card's language(s): "true", "对", or "true / 对"."""
    en, zh = ("true", "对") if value else ("false", "错")
    return {LangMode.EN: en, LangMode.ZH: zh}.get(lang, f"{en} / {zh}")


def citation_rows(citations: tuple[ResolvedCitation, ...], lang: LangMode) -> list[Row]:
    """Each citation: the interview, the section, the verbatim anchor and the link."""
    rows: list[Row] = []
    for cite in citations:
        src = cite.source
        where = [x for x in ((src.occasion, src.interviewer, src.date) if src else ()) if x]
        line = Text(" · ".join(where) or (src.id if src else ""), style="dim")
        if cite.section is not None:
            line.append(("\n" if len(line) else "") + " / ".join(cite.section.parts(lang)))
        if cite.anchor:
            line.append(f"\n“{cite.anchor}”", style="italic")
        if cite.url:
            line.append(f"\n{cite.url}", style=Style(color="blue", underline=True, link=cite.url))
        rows.append(Row(_("source"), line))
    return rows


def rate_prompt(judgement: Judgement) -> str:
    """The rating keys, with the proposal Enter takes and the overrule key when there is a verdict."""
    keys = "  ".join(f"{int(r)} {rating_label(r)}" for r in Rating)
    extra = []
    if judgement.proposal is not None:
        extra.append(_("Enter = {rating}").format(rating=rating_label(judgement.proposal)))
    if judgement.correct is not None:
        extra.append(_("o = I was wrong") if judgement.correct else _("o = I was right"))
    return _("Rate: {keys}").format(keys=keys) + "".join(f" · {e}" for e in extra) + f" · {_(RATE_KEYS)}"


def when(due: datetime, now: datetime) -> str:
    """A due time in words: "now", "in 10 min", "in 3 h", "tomorrow", "in 4 days (2025-01-05)"."""
    gap = due - now
    if gap <= timedelta(seconds=30):
        return _("now")
    if gap < timedelta(hours=1):
        return _("in {minutes} min").format(minutes=max(1, round(gap.total_seconds() / 60)))
    if gap < timedelta(hours=20):
        return _("in {hours} h").format(hours=round(gap.total_seconds() / 3600))
    days = (due.astimezone(now.tzinfo).date() - now.date()).days
    if days <= 1:
        return _("tomorrow")
    return _("in {days} days ({date})").format(days=days, date=due.astimezone(now.tzinfo).date().isoformat())


def removed_text(keys: tuple[str, ...] | list[str]) -> Text:
    """The notice for stored cards no longer in their decks."""
    shown = ", ".join(list(keys)[:5]) + (" ..." if len(keys) > 5 else "")
    text = ngettext("{count} studied card is no longer in its deck; its history is kept: {keys}",
                    "{count} studied cards are no longer in their decks; their history is kept: {keys}", len(keys))
    return Text(text.format(count=len(keys), keys=shown), style="yellow")
