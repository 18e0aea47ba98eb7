"""The study commands of the CLI: drill, stats, due, card, undo, config, unsuspend, flags, leeches.

Each parses options, calls `progress/` or `drill/`, and prints; `cli.py` registers them on the app.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal, Optional

import typer

from aiquiz.cli_common import (
    DeckOpt,
    PathsArg,
    StoreOpt,
    StudyLangOpt,
    TagOpt,
    UiLangOpt,
    _errors,
    interface,
    learner_now,
    load,
    load_library,
)
from aiquiz.i18n import _

KeyArg = Annotated[str, typer.Argument(help="The card: deck/card, e.g. devday-2024/agent-definition.",
                                       show_default=False)]


def _now() -> datetime:
    return learner_now()


def _path(store: Path | None) -> Path:
    from aiquiz.progress.store import store_path

    return store_path(store, os.environ)


def _settings(path: Path) -> Any:
    """The saved settings (the defaults when there is no store yet)."""
    from aiquiz.progress.settings import from_rows

    return from_rows(_setting_rows(path))


def drill(paths: PathsArg = None, deck: DeckOpt = None, tag: TagOpt = None,
          new: Annotated[Optional[int], typer.Option(
              min=0, help="At most N new cards in this session (never more than the day's new-per-day).",
              show_default=False)] = None,
          limit: Annotated[Optional[int], typer.Option(min=1, help="At most this many cards.")] = None,
          lang: StudyLangOpt = "en",
          cram: Annotated[bool, typer.Option("--cram", help="Study ahead: every selected card, due or not; "
                                             "the day's limits do not apply.")] = False,
          store: StoreOpt = None,
          retention: Annotated[Optional[float], typer.Option(
              help="Desired retention for this session, 0.70-0.99 (aiquiz config retention X keeps one).",
              show_default=False)] = None) -> None:
    """Study in the terminal: due cards first, then the day's new ones; u undoes, q quits."""
    interface(lang)
    with _errors():
        from aiquiz.drill.runner import DrillOptions
        from aiquiz.drill.terminal import drill_in_terminal
        from aiquiz.errors import UsageError
        from aiquiz.model import LangMode
        from aiquiz.progress.scheduler import RETENTION_RANGE
        from aiquiz.select import Filters, select_refs

        if retention is not None and not RETENTION_RANGE[0] <= retention <= RETENTION_RANGE[1]:
            raise UsageError(_("--retention must be between {low} and {high}, not {value}").format(
                low=RETENTION_RANGE[0], high=RETENTION_RANGE[1], value=retention))
        options = DrillOptions(LangMode(lang), 10**9 if new is None else new, limit, cram, retention)
        library = load_library(paths)
        picked = select_refs(library.indexes, Filters(decks=tuple(deck or ()), tags=tuple(tag or ())))
        code = drill_in_terminal(library, picked, options, _path(store), clock=_now)
    raise typer.Exit(code)


def stats(paths: PathsArg = None, store: StoreOpt = None, lang: UiLangOpt = None) -> None:
    """Progress per deck, reviews today, 30-day retention, a 14-day due forecast and your streak."""
    interface(lang)
    with _errors():
        from rich.console import Console

        from aiquiz.drill.stats_view import load_stats, render_stats

        path = _path(store)
        Console(highlight=False).print(render_stats(load_stats(load_library(paths).indexes, path, _now())))
        typer.echo(_("Progress store: {path}").format(path=path))


def due(store: StoreOpt = None,
        format: Annotated[Literal["text", "json"], typer.Option(help="text: a line per deck; json.")] = "text",
        lang: UiLangOpt = None) -> None:
    """Cards due now and later today, per deck and in total (fast: for a shell prompt or status bar)."""
    interface(lang)
    with _errors():
        from aiquiz.drill.due_view import due_json, due_lines
        from aiquiz.progress.due import due as due_now
        from aiquiz.progress.settings import from_rows
        from aiquiz.progress.store import Store

        path = _path(store)
        lines = []
        if path.exists():
            with Store.open(path, check=False) as opened:
                lines = due_now(opened, _now(), from_rows(opened.setting_rows()).day_starts_at)
        typer.echo(due_json(lines) if format == "json" else "\n".join(due_lines(lines)))


def card(key: KeyArg, paths: PathsArg = None, store: StoreOpt = None, lang: StudyLangOpt = "both") -> None:
    """One card: its text and citation, every review, stability, difficulty, recall now and when it is due."""
    interface(lang)
    with _errors():
        from aiquiz.drill.reports import card_lines, places
        from aiquiz.errors import UsageError
        from aiquiz.model import LangMode
        from aiquiz.progress.history import card_history
        from aiquiz.progress.store import Store

        shown = load_library(paths).card(key)  # only this card is read (its deck narrowed to it)
        found = places([shown[0]] if shown is not None else [])
        path = _path(store)
        if not path.exists():
            if key not in found:
                raise UsageError(_("no card {key} in the decks (keys look like devday-2024/agent-definition)")
                                 .format(key=key))
            typer.echo("\n".join(card_lines(_empty_history(key), found, _now(), LangMode(lang))))
            return
        with Store.open(path, check=False) as opened:  # only reads: a damaged page still fails as StoreCorrupt
            history = card_history(opened, key, _now())
        if key not in found and not history.reviews:
            raise UsageError(_("no card {key} in the decks or the progress store "
                               "(keys look like devday-2024/agent-definition)").format(key=key))
        typer.echo("\n".join(card_lines(history, found, _now(), LangMode(lang))))


def _empty_history(key: str) -> Any:
    from aiquiz.progress.history import CardHistory
    from aiquiz.progress.records import Marks

    return CardHistory(key, None, None, (), Marks(key), 0)


def undo(store: StoreOpt = None, lang: UiLangOpt = None) -> None:
    """Undo the most recent review in the progress store, also after the drill has ended."""
    interface(lang)
    with _errors():
        from aiquiz.drill.reports import undone_line
        from aiquiz.progress.store import Store

        path = _path(store)
        if not path.exists():
            typer.echo(_("Nothing to undo: no progress store yet."))
            return
        with Store.open(path) as opened:
            typer.echo(undone_line(opened.undo(), _now()))


def config(name: Annotated[Optional[str], typer.Argument(help="A setting (all are listed without one).",
                                                         show_default=False)] = None,
           value: Annotated[Optional[str], typer.Argument(help="Its new value, or 'default' to unset it.",
                                                          show_default=False)] = None,
           paths: PathsArg = None,
           deck: Annotated[Optional[str], typer.Option("--deck", help="This deck's own value (new-per-day, "
                                                       "retention): the id of a loaded deck.",
                                                       show_default=False)] = None,
           store: StoreOpt = None, lang: UiLangOpt = None) -> None:
    """List the settings, or set one: aiquiz config new-per-day 20 [--deck ID]."""
    interface(lang)
    with _errors():
        from aiquiz.drill.reports import config_lines, scope_name
        from aiquiz.progress.settings import GLOBAL, check_deck, format_value, parse_value, setting
        from aiquiz.progress.store import Store

        path = _path(store)
        if name is None or value is None:
            lines = config_lines(_settings(path))
            if name is not None:
                setting(name)
                lines = [line for i, line in enumerate(lines) if _belongs(lines, i, name)]
            typer.echo("\n".join(lines))
            return
        scope = GLOBAL if deck is None else deck
        text = None if value == "default" else format_value(parse_value(name, value, deck))
        if value == "default":
            setting(name)
        if deck is not None:  # unsetting also reaches a deck no longer loaded that still has a value
            stored = {row[0] for row in _setting_rows(path) if row[1] == name} if text is None else set()
            check_deck(deck, {d.id for d in load_library(paths).indexes} | stored)
        with Store.open(path) as opened:
            opened.put_setting(scope, name, text)
        shown = _("the default") if text is None else text
        typer.echo(_("{name} = {value} ({scope}); saved in {path}").format(name=name, value=shown,
                                                                           scope=scope_name(scope), path=path))


def _setting_rows(path: Path) -> list[tuple[str, str, str]]:
    """The stored settings rows (none when there is no store yet)."""
    from aiquiz.progress.store import Store

    if not path.exists():
        return []
    with Store.open(path) as store:
        return store.setting_rows()


def _belongs(lines: list[str], index: int, name: str) -> bool:
    """True when line `index` of the config listing is part of setting `name`'s block."""
    start = next(i for i in range(index, -1, -1) if not lines[i].startswith(" "))
    return lines[start].split()[0] == name


def unsuspend(key: KeyArg, store: StoreOpt = None, lang: UiLangOpt = None) -> None:
    """Bring a suspended card (or a suspended leech) back into the drill."""
    interface(lang)
    with _errors():
        from aiquiz.errors import AiquizError
        from aiquiz.progress.store import Store

        path = _path(store)
        if not path.exists():
            raise AiquizError(_("{key} is not suspended").format(key=key))
        with Store.open(path) as opened:
            before = opened.change_marks(key, suspended=False)
        if not before.suspended:
            raise AiquizError(_("{key} is not suspended").format(key=key))
        typer.echo(_("Unsuspended {key}: it is back in the drill.").format(key=key))


def flags(paths: PathsArg = None, store: StoreOpt = None,
          clear: Annotated[Optional[str], typer.Option(help="Remove the flag of this card (deck/card).",
                                                       show_default=False)] = None,
          lang: UiLangOpt = None) -> None:
    """Cards flagged during the drill, with deck file:line and the note, for the decks' curators."""
    interface(lang)
    with _errors():
        from aiquiz.drill.reports import flag_lines, places
        from aiquiz.progress.history import flags as flagged
        from aiquiz.progress.store import Store

        path = _path(store)
        if clear is not None:
            from aiquiz.errors import AiquizError

            before = None
            if path.exists():
                with Store.open(path) as opened:
                    before = opened.change_marks(clear, flag=None, flagged_at=None)
            if before is None or before.flag is None:
                raise AiquizError(_("{key} has no flag").format(key=clear))
            typer.echo(_("Cleared the flag of {key}.").format(key=clear))
            return
        found = places(load(paths))
        if not path.exists():
            typer.echo(_("No flagged cards."))
            return
        with Store.open(path) as opened:
            typer.echo("\n".join(flag_lines(flagged(opened), found, _now())))


def leeches(paths: PathsArg = None, store: StoreOpt = None, lang: UiLangOpt = None) -> None:
    """Cards you keep forgetting, with deck file:line, lapses and your wrong answers."""
    interface(lang)
    with _errors():
        from aiquiz.drill.reports import leech_lines, places
        from aiquiz.progress.history import leeches as found_leeches
        from aiquiz.progress.store import Store

        path = _path(store)
        found = places(load(paths))
        if not path.exists():
            typer.echo(_("No leeches."))
            return
        with Store.open(path) as opened:
            typer.echo("\n".join(leech_lines(found_leeches(opened), found)))


@dataclass(frozen=True)
class Command:
    """A command to register: the function and `app.command()` options."""

    function: Callable[..., None]
    options: dict[str, Any] = field(default_factory=dict)


COMMANDS = (Command(drill), Command(stats), Command(due), Command(card), Command(undo), Command(config),
            Command(unsuspend), Command(flags), Command(leeches))
