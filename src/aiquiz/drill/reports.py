"""What `aiquiz card`, `due`, `config`, `flags`, `leeches` and `undo` print, as plain lines.

Pure: each function turns values from `progress/` (and the decks, for file:line) into lines of text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from aiquiz.i18n import N_, _, ngettext
from aiquiz.model import AnyCard, Deck, LangMode
from aiquiz.progress.history import CardHistory, Leech
from aiquiz.progress.records import Marks, Undone
from aiquiz.progress.scheduler import Phase
from aiquiz.progress.settings import GLOBAL, SETTINGS, Settings, format_value
from aiquiz.select import card_key

Place = tuple[Deck, AnyCard]
PHASE_LABEL = {Phase.NEW: N_("new"), Phase.LEARNING: N_("learning"), Phase.REVIEW: N_("review"),
               Phase.RELEARNING: N_("relearning")}


def places(decks: Sequence[Deck]) -> dict[str, Place]:
    """Every loaded card by key, with its deck (for file:line and text)."""
    return {card_key(d.id, c.id): (d, c) for d in decks for c in d.cards}


def where(key: str, found: Mapping[str, Place]) -> str:
    """`file:line` of a card, or a note that it is no longer in the loaded decks."""
    if key not in found:
        return _("(no longer in the loaded decks)")
    deck, card = found[key]
    return f"{deck.path}:{card.line}"


def _local(when_: datetime, now: datetime) -> str:
    return when_.astimezone(now.tzinfo).strftime("%Y-%m-%d %H:%M")


def _gap(start: datetime, end: datetime) -> str:
    seconds = (end - start).total_seconds()
    if seconds < 3600:
        return _("{minutes} min").format(minutes=max(1, round(seconds / 60)))
    if seconds < 86400:
        return _("{hours} h").format(hours=round(seconds / 3600))
    return _("{days} d").format(days=round(seconds / 86400))


def card_lines(history: CardHistory, found: Mapping[str, Place], now: datetime, lang: LangMode) -> list[str]:
    """`aiquiz card KEY`: the card's text and citation, its state, and every review."""
    from aiquiz.drill.grading import Reply
    from aiquiz.drill.runner import Shown
    from aiquiz.drill.session import Progress
    from aiquiz.drill.view import answer_rows, question, rating_label, when
    from aiquiz.select import Picked

    lines = [f"{history.key}  {where(history.key, found)}"]
    if history.key in found:
        deck, card = found[history.key]
        shown = Shown(Picked(deck, card), Progress(1, 1, 0, 0), history.memory is None, lang)
        for row in question(shown) + answer_rows(shown, Reply()):
            text = row.text.plain.replace("\n", "\n    ")
            lines.append(f"  {row.label + ' ' if row.label else ''}{text}")
    memory, marks = history.memory, history.marks
    if memory is None:
        lines.append(_("State: new (never studied)"))
    else:
        lines.append(_("State: {phase} · stability {stability:.2f} d · difficulty {difficulty:.2f} · recall now "
                       "{recall:.0%} · due {due} ({when}) · lapses {lapses}").format(
            phase=_(PHASE_LABEL[memory.phase]), stability=memory.stability or 0, difficulty=memory.difficulty or 0,
            recall=history.retrievability or 0, due=_local(memory.due, now), when=when(memory.due, now),
            lapses=history.lapses))
    lines.append(_("Marks: {marks}").format(marks=mark_text(marks) or _("none")))
    if history.reviews:
        lines.append(_("Reviews ({count}):").format(count=len(history.reviews)))
        for r in history.reviews:
            given = "" if r.due_after is None else _(" · interval {gap}").format(gap=_gap(r.at, r.due_after))
            typed = "" if r.typed is None else _(" · typed {typed!r}").format(typed=r.typed)
            took = "" if r.duration_ms is None else _(" · {seconds:.0f} s").format(seconds=r.duration_ms / 1000)
            phase = "" if r.phase is None else f" ({_(PHASE_LABEL[r.phase])})"
            lines.append(f"  {_local(r.at, now)}  {rating_label(r.rating):<5}{phase}{given}{took}{typed}")
    return lines


def mark_text(marks: Marks) -> str:
    """A card's marks in words: "suspended · leech · flagged: note"."""
    parts = []
    if marks.suspended:
        parts.append(_("suspended"))
    if marks.buried_until is not None:
        parts.append(_("buried until {time}").format(time=marks.buried_until.astimezone().strftime('%Y-%m-%d %H:%M')))
    if marks.leech:
        parts.append(_("leech"))
    if marks.flag is not None:
        parts.append(_("flagged: {note}").format(note=marks.flag))
    return " · ".join(parts)


def config_lines(settings: Settings) -> list[str]:
    """`aiquiz config`: every setting with its value, default, allowed values, and per-deck values."""
    out = []
    for spec in SETTINGS:
        value = getattr(settings, spec.attr)
        changed = "" if value == spec.default else _("  (default {value})").format(value=format_value(spec.default))
        out.append(f"{spec.name:<16} {format_value(value):<8}{changed}")
        doc = _("{doc} Allowed: {allowed}.").format(doc=_(spec.doc), allowed=spec.allowed())
        out.append(f"{'':<16} {doc}" + (_(" Per deck: --deck ID.") if spec.per_deck else ""))
        for (deck, name), own in settings.deck_values:
            if name == spec.name:
                out.append(f"{'':<16} " + _("deck {deck}: {value}").format(deck=deck, value=format_value(own)))
    return out


def scope_name(scope: str) -> str:
    """"everywhere" for the global scope, else "deck ID"."""
    return _("everywhere") if scope == GLOBAL else _("deck {deck}").format(deck=scope)


def flag_lines(flagged: Sequence[Marks], found: Mapping[str, Place], now: datetime) -> list[str]:
    """`aiquiz flags`: file:line, key, when, and the note."""
    if not flagged:
        return [_("No flagged cards.")]
    out = []
    for m in flagged:
        at = "" if m.flagged_at is None else f" ({_local(m.flagged_at, now)})"
        out.append(f"{where(m.key, found)}: {m.key}{at}: {m.flag}")
    return out


def leech_lines(found_leeches: Sequence[Leech], found: Mapping[str, Place]) -> list[str]:
    """`aiquiz leeches`: file:line, key, lapses, suspended or not, and the wrong answers typed."""
    if not found_leeches:
        return [_("No leeches.")]
    out = []
    for leech in found_leeches:
        state = _("suspended") if leech.suspended else _("tagged")
        lapses = ngettext("{count} lapse", "{count} lapses", leech.lapses).format(count=leech.lapses)
        out.append(f"{where(leech.key, found)}: {leech.key}: {lapses}, {state}")
        if leech.wrong_answers:
            out.append("    " + _("wrong answers: {answers}").format(
                answers=" · ".join(repr(a) for a in leech.wrong_answers[-8:])))
    return out


def undone_line(undone: Undone | None, now: datetime) -> str:
    """`aiquiz undo`: which review was taken back and the card's state now."""
    from aiquiz.drill.view import rating_label

    if undone is None:
        return _("Nothing to undo: the progress store has no reviews.")
    if undone.restored is None:
        restored = _("new again")
    else:
        due = _local(undone.restored.due, now)
        restored = (_("in review, due {due}") if undone.restored.phase is Phase.REVIEW
                    else _("learning, due {due}")).format(due=due)
    return _("Undid {rating} on {key} (answered {when}); the card is back as it was: {restored}.").format(
        rating=rating_label(undone.rating), key=undone.key, when=_local(undone.at, now), restored=restored)
