"""What `aiquiz optimize` prints: the fit's scores and decision, the adopted sets, the retention table (and
why a fit was not adopted, also for the drill's summary)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from aiquiz.i18n import _
from aiquiz.progress.tuning import Optimized, ParameterSet

if TYPE_CHECKING:  # the optimizer (and fsrs-rs) is imported when a fit runs, not when a drill's summary is shown
    from aiquiz.progress.optimize import FitOutcome
    from aiquiz.progress.params import Scores
    from aiquiz.progress.retention import RetentionAdvice


def verdict_reason(outcome: FitOutcome) -> str:
    """Why a fit was not adopted, in words."""
    match outcome.verdict.name:
        case "NOT_ENOUGH_HISTORY":
            return _("{usable} reviews on a later day than the card's previous one; a fit needs {needed}").format(
                usable=outcome.usable_reviews, needed=outcome.needed)
        case "NOT_BETTER":
            return _("the fitted set did not predict better on held-out reviews")
        case "WORSE_RMSE":
            return _("the fitted set was worse calibrated on held-out reviews")
        case "NO_MEMORY_SIGNAL":
            return _("your answers show no pattern of memory for a fit to learn")
    return _("adopted")


def _scores(name: str, scores: Scores | None) -> str:
    if scores is None:
        return f"  {name:<8} —"
    return "  " + _("{name}: log loss {loss} · RMSE(bins) {rmse}").format(
        name=name, loss=f"{scores.log_loss:.4f}", rmse=f"{scores.rmse_bins:.4f}")


def fit_lines(done: Optimized, dry_run: bool) -> list[str]:
    """The held-out scores of the current and the fitted parameters, and what was decided."""
    o: FitOutcome = done.outcome
    scope = _("all decks") if not done.scope else _("deck {deck}").format(deck=done.scope)
    lines = [_("Reviews: {reviews} of {cards} cards ({scope}); {usable} on a later day than the card's previous "
               "review (a fit needs {needed}).").format(reviews=o.reviews, cards=o.cards, scope=scope,
                                                        usable=o.usable_reviews, needed=o.needed)]
    if o.current_scores is not None:
        held = o.current_scores.reviews
        lines.append(_("Held-out evaluation (time-series split: trained on earlier reviews, tested on {held} "
                       "later):").format(held=held))
        lines.append(_scores(_("current"), o.current_scores))
        lines.append(_scores(_("fitted"), o.fitted_scores))
        if o.auc is not None:
            lines.append("  " + _("fitted predictions separate remembered from forgotten: AUC {auc}").format(
                auc=f"{o.auc:.3f}"))
    if o.adopt:
        if dry_run:
            lines.append(_("Would adopt the fitted parameters: they predict your memory better."))
        else:
            lines.append(_("Adopted the fitted parameters: they predict your memory better. {cards} cards "
                           "rescheduled under them (set #{id}).").format(cards=done.rebuilt, id=done.adopted))
    else:
        lines.append(_("Kept the current parameters: {reason}.").format(reason=verdict_reason(o)))
    if dry_run:
        lines.append(_("Dry run: nothing was written."))
    return lines


def history_lines(sets: Sequence[ParameterSet]) -> list[str]:
    """`aiquiz optimize --history`: every adopted set with its date, reviews and scores."""
    if not sets:
        return [_("No parameter set adopted yet: FSRS's defaults are in use.")]
    lines = []
    for entry in sets:
        r = entry.record
        scope = _("all decks") if not entry.scope else _("deck {deck}").format(deck=entry.scope)
        state = _("reverted") if entry.reverted else (
            _("in use") if entry is _latest(sets, entry.scope) else _("replaced"))
        lines.append(_("#{id}  {when}  {scope}  {reviews} reviews  log loss {old_loss} -> {loss}  RMSE(bins) "
                       "{old_rmse} -> {rmse}  {state}").format(
            id=entry.id, when=when(r.adopted_at), scope=scope, reviews=r.reviews,
            old_loss=f"{r.previous_scores.log_loss:.4f}", loss=f"{r.scores.log_loss:.4f}",
            old_rmse=f"{r.previous_scores.rmse_bins:.4f}", rmse=f"{r.scores.rmse_bins:.4f}", state=state))
    return lines


def _latest(sets: Sequence[ParameterSet], scope: str) -> ParameterSet | None:
    live = [s for s in sets if s.scope == scope and not s.reverted]
    return live[-1] if live else None


def advice_lines(advice: RetentionAdvice, current: float) -> list[str]:
    """`aiquiz optimize --retention`: the simulated workload per desired retention, and the recommendation."""
    lines = [_("Simulated {days} days of {cards} cards, {new} new a day, with your own answer times and "
               "ratings:").format(days=advice.days, cards=advice.deck_size, new=advice.new_per_day),
             f"  {_('retention'):>9} {_('reviews/day'):>12} {_('minutes/day'):>12} {_('remembered'):>11}"]
    for row in advice.rows:
        mark = "  <- " + _("recommended") if row.retention == advice.recommended else (
            "  " + _("(now)") if abs(row.retention - current) < 1e-9 else "")
        lines.append(f"  {row.retention:>9.2f} {row.reviews_per_day:>12.1f} {row.minutes_per_day:>12.1f} "
                     f"{row.memorized:>11.0f}{mark}")
    lines.append(_("Recommended: {best} (now {now}); apply it with: aiquiz config retention {best}").format(
        best=f"{advice.recommended:.2f}", now=f"{current:.2f}"))
    return lines


def when(moment: datetime) -> str:
    """A local date and time."""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")
