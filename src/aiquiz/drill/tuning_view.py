"""What `aiquiz optimize` prints: the fit's scores and decision, the adopted sets, the retention table."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from aiquiz.drill.view import verdict_reason
from aiquiz.progress.optimize import FitOutcome, Scores
from aiquiz.progress.retention import RetentionAdvice
from aiquiz.progress.tuning import Optimized, ParameterSet


def _scores(name: str, scores: Scores | None) -> str:
    if scores is None:
        return f"  {name:<8} —"
    return f"  {name:<8} log loss {scores.log_loss:.4f} · RMSE(bins) {scores.rmse_bins:.4f}"


def fit_lines(done: Optimized, dry_run: bool) -> list[str]:
    """The held-out scores of the current and the fitted parameters, and what was decided."""
    o: FitOutcome = done.outcome
    scope = "all decks" if not done.scope else f"deck {done.scope}"
    lines = [f"Reviews: {o.reviews} of {o.cards} cards ({scope}); {o.usable_reviews} on a later day than the "
             f"card's previous review (a fit needs {o.needed})."]
    if o.current_scores is not None:
        held = o.current_scores.reviews
        lines.append(f"Held-out evaluation (time-series split: trained on earlier reviews, tested on {held} later):")
        lines.append(_scores("current", o.current_scores))
        lines.append(_scores("fitted", o.fitted_scores))
        if o.auc is not None:
            lines.append(f"  fitted predictions separate remembered from forgotten: AUC {o.auc:.3f}")
    if o.adopt:
        verb = "Would adopt" if dry_run else "Adopted"
        lines.append(f"{verb} the fitted parameters: they predict your memory better." + (
            "" if dry_run else f" {done.rebuilt} cards rescheduled under them (set #{done.adopted})."))
    else:
        lines.append(f"Kept the current parameters: {verdict_reason(o)}.")
    if dry_run:
        lines.append("Dry run: nothing was written.")
    return lines


def history_lines(sets: Sequence[ParameterSet]) -> list[str]:
    """`aiquiz optimize --history`: every adopted set with its date, reviews and scores."""
    if not sets:
        return ["No parameter set adopted yet: FSRS's defaults are in use."]
    lines = []
    for entry in sets:
        r = entry.record
        scope = "all decks" if not entry.scope else f"deck {entry.scope}"
        state = "reverted" if entry.reverted else "in use" if entry is _latest(sets, entry.scope) else "replaced"
        lines.append(f"#{entry.id}  {r.adopted_at.astimezone().strftime('%Y-%m-%d %H:%M')}  {scope}  "
                     f"{r.reviews} reviews  log loss {r.previous_scores.log_loss:.4f} -> {r.scores.log_loss:.4f}"
                     f"  RMSE(bins) {r.previous_scores.rmse_bins:.4f} -> {r.scores.rmse_bins:.4f}  {state}")
    return lines


def _latest(sets: Sequence[ParameterSet], scope: str) -> ParameterSet | None:
    live = [s for s in sets if s.scope == scope and not s.reverted]
    return live[-1] if live else None


def advice_lines(advice: RetentionAdvice, current: float) -> list[str]:
    """`aiquiz optimize --retention`: the simulated workload per desired retention, and the recommendation."""
    lines = [f"Simulated {advice.days} days of {advice.deck_size} cards, {advice.new_per_day} new a day, with your "
             "own answer times and ratings:",
             f"  {'retention':>9} {'reviews/day':>12} {'minutes/day':>12} {'remembered':>11}"]
    for row in advice.rows:
        mark = "  <- recommended" if row.retention == advice.recommended else (
            "  (now)" if abs(row.retention - current) < 1e-9 else "")
        lines.append(f"  {row.retention:>9.2f} {row.reviews_per_day:>12.1f} {row.minutes_per_day:>12.1f} "
                     f"{row.memorized:>11.0f}{mark}")
    lines.append(f"Recommended: {advice.recommended:.2f} (now {current:.2f}); "
                 f"apply it with: aiquiz config retention {advice.recommended:.2f}")
    return lines


def when(moment: datetime) -> str:
    """A local date and time."""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")
