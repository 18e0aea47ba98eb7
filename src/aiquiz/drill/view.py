"""What the drill screen says, as rich `Text` rows: the card, the verdict, the answer, the citation, the summary.

Pure: nothing here reads keys or prints. The terminal draws these rows with colours; line mode prints
their plain text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from rich.style import Style
from rich.text import Text

from aiquiz.drill.grading import Judgement, Reply
from aiquiz.drill.runner import DrillResult, Shown
from aiquiz.drill.session import Plan
from aiquiz.progress.optimize import FitOutcome
from aiquiz.progress.tuning import Optimized
from aiquiz.judge import Match, Segment, SegmentKind
from aiquiz.progress.scheduler import Rating
from aiquiz.model import (CLOZE_GAP, BasicCard, ChoiceCard, ClozeCard, LangMode, ResolvedCitation, Text as CardText,
                          TrueFalseCard, cloze_gaps, resolve_citations)

KIND_LABEL = {"basic": "question", "cloze": "fill the gap", "choice": "choose", "truefalse": "true or false"}
ZH_STYLE = "cyan"


@dataclass(frozen=True)
class Row:
    """One row of the screen: a short label (may be empty) and its text."""

    label: str
    text: Text


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
    out = Text(f"card {p.number} of {p.total}", style="bold")
    out.append(f" · {p.due_left} due · {p.new_left} new left · {shown.picked.deck.id}")
    if shown.new:
        out.append("  NEW", style="bold magenta")
    if shown.last is not None:
        rating, memory = shown.last
        out.append(f"   last: {rating.label}, again {when(memory.due, now)}", style="dim")
    return out


def question(shown: Shown) -> list[Row]:
    """The card as asked: its kind, its text, and the choices of a choice card."""
    card, lang = shown.picked.card, shown.lang
    rows = [Row("", Text(KIND_LABEL[card.kind.value], style="bold yellow"))]
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
            return f"Press a-{letter(len(card.choices) - 1)} · {ASK_KEYS}"
        case TrueFalseCard():
            return f"Press t (true) or f (false) · {ASK_KEYS}"
        case ClozeCard():
            return f"Type the missing words, then Enter · {ASK_KEYS}"
    return f"Type your answer, or just Enter to reveal it · {ASK_KEYS}"


ASK_KEYS = "u undo · s skip · q quits"
RATE_KEYS = "u undo · s skip · b bury · x suspend · f flag · q quits"


def notice(event: str, key: str, detail: str) -> Text:
    """The line telling what a control or the scheduler did."""
    match event:
        case "undone":
            return Text(f"↶ Undid {detail} on {key}: the card is back as it was before that answer.", style="yellow")
        case "nothing-to-undo":
            return Text("Nothing to undo in this session (aiquiz undo takes back an earlier review).", style="yellow")
        case "undo-refused":
            return Text(f"Cannot undo: {detail}", style="yellow")
        case "buried":
            return Text(f"Buried {key} until the next study day.", style="yellow")
        case "suspended":
            return Text(f"Suspended {key} (aiquiz unsuspend {key} brings it back).", style="yellow")
        case "flagged":
            note = f": {detail}" if detail else ""
            return Text(f"Flagged {key}{note} (aiquiz flags lists flagged cards).", style="yellow")
        case "leech":
            lapses, action = detail.split(":")
            return Text(f"Leech: {key} was forgotten {lapses} times after it was learned; it is now {action}"
                        " (aiquiz leeches lists leeches; the card may be ambiguous: f flags it).", style="bold red")
    return Text(f"{event} {key} {detail}")


def day_note(shown_plan: Plan | None, summary: bool = False) -> Text | None:
    """What the day's rules left out of this session, for the header and the summary, or None."""
    if shown_plan is None:
        return None
    parts = []
    if shown_plan.new_used_up:
        parts.append("today's new cards are used up (aiquiz config new-per-day N; --cram studies ahead)")
    elif shown_plan.new_last and summary:
        parts.append("that was the last of today's new cards: more tomorrow, or --cram to study ahead")
    if shown_plan.reviews_capped:
        parts.append(f"{shown_plan.reviews_capped} reviews over today's limit wait")
    if shown_plan.held_related:
        parts.append(f"{shown_plan.held_related} related cards wait for another day")
    return Text(" · ".join(parts), style="dim") if parts else None


def verdict(judgement: Judgement, reply: Reply) -> Text | None:
    """Right (nearly, with the difference), wrong (with what was chosen or which gap), "compare yourself"
    for a typed basic answer, or None when the answer was revealed."""
    if judgement.correct is True:
        out = Text("✓ Right", style="bold green")
        if judgement.near_miss:
            out.append(", nearly: ", style="bold yellow").append_text(near_miss_text(judgement))
        return out
    if judgement.correct is False:
        return Text("✗ Wrong", style="bold red").append_text(wrong_detail(judgement, reply))
    if reply.text.strip():
        return Text("? Your answer is not one aiquiz knows: compare it with the answer", style="bold yellow")
    return None


DIFF_STYLES = {SegmentKind.SAME: "", SegmentKind.TYPED_WRONG: "bold red", SegmentKind.MISSING: "bold green underline"}
DIFF_MARKS = {SegmentKind.SAME: ("", ""), SegmentKind.TYPED_WRONG: ("[+", "]"), SegmentKind.MISSING: ("[-", "]")}


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
        return Text(f": you chose {letter(reply.choice)})")
    if reply.value is not None:
        return Text(f": you said {'true' if reply.value else 'false'}")
    wrong = [g.number for g in judgement.gaps if not g.right]
    if len(judgement.gaps) > 1 and wrong:
        return Text(f" in gap {', '.join(map(str, wrong))}")
    return Text("")


def answer_rows(shown: Shown, reply: Reply) -> list[Row]:
    """The right answer (with what was typed, when it was typed), `explain`, and the citations."""
    card, lang = shown.picked.card, shown.lang
    rows: list[Row] = []
    match card:
        case BasicCard():
            if reply.text.strip():
                rows.append(Row("you", Text(reply.text)))
            rows.append(Row("answer", _parts(card.back, lang, "bold green")))
        case ClozeCard():
            if reply.gaps:
                rows.append(Row("you", Text(" · ".join(t or "-" for _, t in reply.gaps))))
            rows.append(Row("answer", _cloze(card.text, lang, reveal=True)))
            if card.back is not None:
                rows.append(Row("note", _parts(card.back, lang)))
        case ChoiceCard():
            rows.append(Row("answer", Text(f"{letter(card.answer)}) ").append(_parts(card.choices[card.answer], lang))))
        case TrueFalseCard():
            word = ("true", "对") if card.answer else ("false", "错")
            rows.append(Row("answer", Text(word[0] if lang is LangMode.EN else " / ".join(word), style="bold")))
    if card.explain is not None:
        rows.append(Row("why", _parts(card.explain, lang)))
    rows += citation_rows(resolve_citations(shown.picked.deck, card), lang)
    return rows


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
        rows.append(Row("source", line))
    return rows


def rate_prompt(judgement: Judgement) -> str:
    """The rating keys, with the proposal Enter takes and the overrule key when there is a verdict."""
    keys = "  ".join(f"{int(r)} {r.label}" for r in Rating)
    extra = []
    if judgement.proposal is not None:
        extra.append(f"Enter = {judgement.proposal.label}")
    if judgement.correct is not None:
        extra.append("o = I was " + ("wrong" if judgement.correct else "right"))
    return f"Rate: {keys}" + "".join(f" · {e}" for e in extra) + f" · {RATE_KEYS}"


def when(due: datetime, now: datetime) -> str:
    """A due time in words: "now", "in 10 min", "in 3 h", "tomorrow", "in 4 days (2025-01-05)"."""
    gap = due - now
    if gap <= timedelta(seconds=30):
        return "now"
    if gap < timedelta(hours=1):
        return f"in {max(1, round(gap.total_seconds() / 60))} min"
    if gap < timedelta(hours=20):
        return f"in {round(gap.total_seconds() / 3600)} h"
    days = (due.astimezone(now.tzinfo).date() - now.date()).days
    return "tomorrow" if days <= 1 else f"in {days} days ({due.astimezone(now.tzinfo).date().isoformat()})"


def duration(spent: timedelta) -> str:
    """A session length in words: "45 s", "6 min 12 s", "1 h 5 min"."""
    seconds = int(spent.total_seconds())
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"


def plural(count: int, noun: str) -> str:
    """ "1 card", "2 cards"."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def summary_rows(result: DrillResult, now: datetime) -> list[Text]:
    """The lines shown when the drill ends."""
    s = result.summary
    lines: list[Text] = []
    if result.interrupted:
        lines.append(Text("Interrupted: every answer before this card is saved.", style="yellow"))
    if result.queued == 0:
        lines.append(Text("Nothing to study now.", style="bold"))
    else:
        acc = "" if s.accuracy is None else f" · {s.right} right ({s.accuracy:.0%})"
        lines.append(Text(f"Studied {plural(s.cards, 'card')} ({plural(s.reviews, 'answer')}){acc}"
                          f" · {duration(s.spent)}", style="bold"))
    nxt = "No card studied yet." if s.next_due is None else f"Next card due {when(s.next_due, now)}."
    if s.new_waiting:
        nxt += f" {plural(s.new_waiting, 'new card')} waiting."
    lines.append(Text(nxt))
    if result.refit is not None:
        lines.append(refit_text(result.refit))
    if result.leeches:
        lines.append(Text(f"New leeches: {', '.join(result.leeches)} (aiquiz leeches)", style="red"))
    note = day_note(result.plan, summary=result.new_left == 0)
    if note is not None:
        lines.append(note)
    elif result.queued == 0:
        lines.append(Text("Use --new N for more new cards, or --cram to study without waiting.", style="dim"))
    return lines


def refit_text(refit: Optimized) -> Text:
    """The summary line of the automatic re-fit of FSRS to the learner's reviews."""
    outcome = refit.outcome
    if refit.adopted is not None:
        return Text(f"FSRS re-fitted to your {outcome.reviews} reviews: the new parameters predict your memory "
                    f"better on reviews the fit never saw, so they are in use ({refit.rebuilt} cards "
                    "rescheduled; aiquiz optimize --history, --revert).", style="green")
    return Text(f"FSRS re-fit on your {outcome.reviews} reviews: kept the current parameters "
                f"({verdict_reason(outcome)}).", style="dim")


def verdict_reason(outcome: FitOutcome) -> str:
    """Why a fit was not adopted, in words."""
    match outcome.verdict.name:
        case "NOT_ENOUGH_HISTORY":
            return (f"{outcome.usable_reviews} reviews on a later day than the card's previous one; "
                    f"a fit needs {outcome.needed}")
        case "NOT_BETTER":
            return "the fitted set did not predict better on held-out reviews"
        case "WORSE_RMSE":
            return "the fitted set was worse calibrated on held-out reviews"
        case "NO_MEMORY_SIGNAL":
            return "your answers show no pattern of memory for a fit to learn"
    return "adopted"


def removed_text(keys: tuple[str, ...] | list[str]) -> Text:
    """The notice for stored cards no longer in their decks."""
    shown = ", ".join(list(keys)[:5]) + (" ..." if len(keys) > 5 else "")
    are = "card is no longer in its deck; its" if len(keys) == 1 else "cards are no longer in their decks; their"
    return Text(f"{len(keys)} studied {are} history is kept: {shown}", style="yellow")
