"""`aiquiz optimize`: FSRS fitted to the learner's own reviews, adopted only when it predicts better.

Parses options, calls `progress.tuning` (and `progress.retention` for `--retention`), prints the lines
`drill.tuning_view` makes; `cli.py` registers it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Optional

import typer

from aiquiz.cli_common import PathsArg, StoreOpt, UiLangOpt, _errors, interface, learner_now, load
from aiquiz.cli_study import Command


def optimize(paths: PathsArg = None, store: StoreOpt = None,
             deck: Annotated[Optional[str], typer.Option(
                 "--deck", help="Fit to this deck's reviews; an adopted set applies to that deck.",
                 show_default=False)] = None,
             dry_run: Annotated[bool, typer.Option("--dry-run", help="Evaluate and report; write nothing.")] = False,
             history: Annotated[bool, typer.Option("--history", help="List the adopted parameter sets.")] = False,
             revert: Annotated[bool, typer.Option("--revert", help="Go back one parameter set.")] = False,
             retention: Annotated[bool, typer.Option(
                 "--retention", help="Simulate your workload for desired retentions 0.70-0.97; recommend one.")
                 ] = False, lang: UiLangOpt = None) -> None:
    """Fit FSRS to your reviews; adopt the fitted parameters only when they predict your memory better."""
    interface(lang)
    with _errors():
        from aiquiz.drill import tuning_view
        from aiquiz.errors import UsageError
        from aiquiz.i18n import _
        from aiquiz.progress import tuning
        from aiquiz.progress.settings import from_rows
        from aiquiz.progress.store import Store, store_path

        if sum((history, revert, retention)) > 1:
            raise UsageError(_("choose one of --history, --revert, --retention"))
        path: Path = store_path(store, os.environ)
        if not path.exists():
            typer.echo(_("No reviews yet: study with aiquiz drill first (the fit needs your review history)."))
            return
        now = learner_now()  # day numbers follow the learner's zone, as the drill's own re-fit
        with Store.open(path) as opened:
            settings = from_rows(opened.setting_rows())
            if history:
                lines = tuning_view.history_lines(tuning.parameter_sets(opened))
            elif revert:
                sid, rebuilt = tuning.revert(opened, settings, deck)
                lines = ([_("Nothing to revert: FSRS's defaults are in use.")] if sid is None else
                         [_("Reverted parameter set #{id}; {cards} cards rescheduled.").format(id=sid, cards=rebuilt)])
            elif retention:
                lines = _advice(opened, settings, paths, deck)
            else:
                lines = tuning_view.fit_lines(tuning.optimize(opened, settings, now, deck=deck, dry_run=dry_run),
                                              dry_run)
        typer.echo("\n".join(lines))


def _advice(opened: object, settings: object, paths: list[Path] | None, deck: str | None) -> list[str]:
    from aiquiz.drill import tuning_view
    from aiquiz.progress import tuning
    from aiquiz.progress.params import Params
    from aiquiz.progress.retention import retention_advice
    from aiquiz.progress.settings import Settings
    from aiquiz.progress.store import Store

    assert isinstance(opened, Store) and isinstance(settings, Settings)
    decks = [d for d in load(paths) if deck is None or d.id == deck]
    size = sum(len(d.cards) for d in decks) or 1
    in_use = tuning.parameters_in_use(opened)
    params = Params(in_use.get(deck or "", in_use.get("", Params.default().values)))
    records = [r for r in opened.reviews() if deck is None or r.key.split("/", 1)[0] == deck]
    advice = retention_advice(tuning.events(records), params, deck_size=size,
                              new_per_day=max(settings.new_per_day, 1))
    current = settings.retention_for(deck) if deck else settings.retention
    return tuning_view.advice_lines(advice, current)


COMMANDS = (Command(optimize),)
