"""What `aiquiz card`, `due`, `config`, `flags`, `leeches` and `undo` print, as plain lines.

Pure: each function turns values from `progress/` (and the decks, for file:line) into lines of text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from aiquiz.drill.view import when
from aiquiz.model import AnyCard, Deck, LangMode
from aiquiz.progress.history import CardHistory, Leech
from aiquiz.progress.records import Marks, Undone
from aiquiz.progress.scheduler import Phase
from aiquiz.progress.settings import GLOBAL, SETTINGS, Settings, format_value
from aiquiz.select import card_key

Place = tuple[Deck, AnyCard]


def places(decks: Sequence[Deck]) -> dict[str, Place]:
    """Every loaded card by key, with its deck (for file:line and text)."""
    return {card_key(d.id, c.id): (d, c) for d in decks for c in d.cards}


def where(key: str, found: Mapping[str, Place]) -> str:
    """`file:line` of a card, or a note that it is no longer in the loaded decks."""
    if key not in found:
        return "(no longer in the loaded decks)"
    deck, card = found[key]
    return f"{deck.path}:{card.line}"


def _local(when_: datetime, now: datetime) -> str:
    return when_.astimezone(now.tzinfo).strftime("%Y-%m-%d %H:%M")


def _gap(start: datetime, end: datetime) -> str:
    seconds = (end - start).total_seconds()
    if seconds < 3600:
        return f"{max(1, round(seconds / 60))} min"
    if seconds < 86400:
        return f"{round(seconds / 3600)} h"
    return f"{round(seconds / 86400)} d"


def card_lines(history: CardHistory, found: Mapping[str, Place], now: datetime, lang: LangMode) -> list[str]:
    """`aiquiz card KEY`: the card's text and citation, its state, and every review."""
    from aiquiz.drill.view import answer_rows, question
    from aiquiz.drill.grading import Reply
    from aiquiz.drill.runner import Shown
    from aiquiz.drill.session import Progress
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
        lines.append("State: new (never studied)")
    else:
        phase = memory.phase.name.lower()
        lines.append(f"State: {phase} · stability {memory.stability or 0:.2f} d · difficulty "
                     f"{memory.difficulty or 0:.2f} · recall now {history.retrievability or 0:.0%} · "
                     f"due {_local(memory.due, now)} ({when(memory.due, now)}) · lapses {history.lapses}")
    lines.append("Marks: " + (mark_text(marks) or "none"))
    if history.reviews:
        lines.append(f"Reviews ({len(history.reviews)}):")
        for r in history.reviews:
            given = "" if r.due_after is None else f" · interval {_gap(r.at, r.due_after)}"
            typed = "" if r.typed is None else f" · typed {r.typed!r}"
            took = "" if r.duration_ms is None else f" · {r.duration_ms / 1000:.0f} s"
            phase = "" if r.phase is None else f" ({r.phase.name.lower()})"
            lines.append(f"  {_local(r.at, now)}  {r.rating.label:<5}{phase}{given}{took}{typed}")
    return lines


def mark_text(marks: Marks) -> str:
    """A card's marks in words: "suspended · leech · flagged: note"."""
    parts = []
    if marks.suspended:
        parts.append("suspended")
    if marks.buried_until is not None:
        parts.append(f"buried until {marks.buried_until.astimezone().strftime('%Y-%m-%d %H:%M')}")
    if marks.leech:
        parts.append("leech")
    if marks.flag is not None:
        parts.append(f"flagged: {marks.flag}")
    return " · ".join(parts)


def config_lines(settings: Settings) -> list[str]:
    """`aiquiz config`: every setting with its value, default, allowed values, and per-deck values."""
    out = []
    for spec in SETTINGS:
        value = getattr(settings, spec.attr)
        changed = "" if value == spec.default else f"  (default {format_value(spec.default)})"
        out.append(f"{spec.name:<16} {format_value(value):<8}{changed}")
        out.append(f"{'':<16} {spec.doc} Allowed: {spec.allowed()}." + (" Per deck: --deck ID." if spec.per_deck else ""))
        for (deck, name), own in settings.deck_values:
            if name == spec.name:
                out.append(f"{'':<16} deck {deck}: {format_value(own)}")
    return out


def scope_name(scope: str) -> str:
    """"everywhere" for the global scope, else "deck ID"."""
    return "everywhere" if scope == GLOBAL else f"deck {scope}"


def flag_lines(flagged: Sequence[Marks], found: Mapping[str, Place], now: datetime) -> list[str]:
    """`aiquiz flags`: file:line, key, when, and the note."""
    if not flagged:
        return ["No flagged cards."]
    out = []
    for m in flagged:
        at = "" if m.flagged_at is None else f" ({_local(m.flagged_at, now)})"
        out.append(f"{where(m.key, found)}: {m.key}{at}: {m.flag}")
    return out


def leech_lines(found_leeches: Sequence[Leech], found: Mapping[str, Place]) -> list[str]:
    """`aiquiz leeches`: file:line, key, lapses, suspended or not, and the wrong answers typed."""
    if not found_leeches:
        return ["No leeches."]
    out = []
    for leech in found_leeches:
        state = "suspended" if leech.suspended else "tagged"
        out.append(f"{where(leech.key, found)}: {leech.key}: {leech.lapses} lapses, {state}")
        if leech.wrong_answers:
            out.append("    wrong answers: " + " · ".join(repr(a) for a in leech.wrong_answers[-8:]))
    return out


def undone_line(undone: Undone | None, now: datetime) -> str:
    """`aiquiz undo`: which review was taken back and the card's state now."""
    if undone is None:
        return "Nothing to undo: the progress store has no reviews."
    restored = "new again" if undone.restored is None else (
        f"{'in review' if undone.restored.phase is Phase.REVIEW else 'learning'}, due "
        f"{_local(undone.restored.due, now)}")
    return (f"Undid {undone.rating.label} on {undone.key} (answered {_local(undone.at, now)}); "
            f"the card is back as it was: {restored}.")
