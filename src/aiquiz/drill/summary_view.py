"""What the drill says when it ends, as rich `Text` lines: what was studied, when the next card is due,
the automatic re-fit of FSRS, new leeches and what the day's rules left for later.

Pure, as `view`: the terminal prints these lines.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from rich.text import Text

from aiquiz.drill.runner import DrillResult
from aiquiz.drill.tuning_view import verdict_reason
from aiquiz.drill.view import day_note, when
from aiquiz.i18n import _, ngettext
from aiquiz.progress.tuning import Optimized


def duration(spent: timedelta) -> str:
    """A session length in words: "45 s", "6 min 12 s", "1 h 5 min"."""
    seconds = int(spent.total_seconds())
    if seconds < 60:
        return _("{seconds} s").format(seconds=seconds)
    if seconds < 3600:
        return _("{minutes} min {seconds} s").format(minutes=seconds // 60, seconds=seconds % 60)
    return _("{hours} h {minutes} min").format(hours=seconds // 3600, minutes=seconds % 3600 // 60)


def summary_rows(result: DrillResult, now: datetime) -> list[Text]:
    """The lines shown when the drill ends."""
    s = result.summary
    lines: list[Text] = []
    if result.interrupted:
        lines.append(Text(_("Interrupted: every answer before this card is saved."), style="yellow"))
    if result.queued == 0:
        lines.append(Text(_("Nothing to study now."), style="bold"))
    else:
        acc = "" if s.accuracy is None else _(" · {right} right ({accuracy:.0%})").format(right=s.right,
                                                                                         accuracy=s.accuracy)
        cards = ngettext("{count} card", "{count} cards", s.cards).format(count=s.cards)
        answers = ngettext("{count} answer", "{count} answers", s.reviews).format(count=s.reviews)
        lines.append(Text(_("Studied {cards} ({answers})").format(cards=cards, answers=answers) + acc
                          + f" · {duration(s.spent)}", style="bold"))
    nxt = _("No card studied yet.") if s.next_due is None else _("Next card due {when}.").format(
        when=when(s.next_due, now))
    if s.new_waiting:
        nxt += " " + ngettext("{count} new card waiting.", "{count} new cards waiting.",
                              s.new_waiting).format(count=s.new_waiting)
    lines.append(Text(nxt))
    if result.refit is not None:
        lines.append(refit_text(result.refit))
    if result.leeches:
        lines.append(Text(_("New leeches: {keys} (aiquiz leeches)").format(keys=", ".join(result.leeches)),
                          style="red"))
    note = day_note(result.plan, summary=result.new_left == 0 and result.new_set_aside == 0)
    if note is not None:
        lines.append(note)
    elif result.queued == 0:
        lines.append(Text(_("Use --new N for more new cards, or --cram to study without waiting."), style="dim"))
    return lines


def refit_text(refit: Optimized) -> Text:
    """The summary line of the automatic re-fit of FSRS to the learner's reviews."""
    outcome = refit.outcome
    if refit.adopted is not None:
        return Text(_("FSRS re-fitted to your {reviews} reviews: the new parameters predict your memory better "
                      "on reviews the fit never saw, so they are in use ({cards} cards rescheduled; "
                      "aiquiz optimize --history, --revert).").format(reviews=outcome.reviews, cards=refit.rebuilt),
                    style="green")
    return Text(_("FSRS re-fit on your {reviews} reviews: kept the current parameters ({reason}).").format(
        reviews=outcome.reviews, reason=verdict_reason(outcome)), style="dim")
