"""The `aiquiz` command line: parse options, call one library function, print the result.

Only Typer is imported at start-up; each command imports what it needs, so `aiquiz --help` stays fast.
Errors become `Error: ...` on stderr with exit code 1 (bad deck or failed work) or 2 (usage).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal, Optional

import typer

if TYPE_CHECKING:
    from aiquiz.model import Deck, Kind

app = typer.Typer(
    name="aiquiz",
    help="Study what Sam Altman said in four interviews: Anki decks, printable quizzes, a terminal drill.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

EXIT_INVALID = 1
EXIT_USAGE = 2

PathsArg = Annotated[
    Optional[list[Path]],
    typer.Argument(help="Deck files or directories (default: ./decks, else the bundled decks).",
                   show_default=False),
]
DeckOpt = Annotated[Optional[list[str]], typer.Option("--deck", help="Only this deck id (repeatable).")]
TagOpt = Annotated[Optional[list[str]], typer.Option("--tag", help="Only cards with this tag (repeatable).")]
LangOpt = Annotated[Literal["en", "zh", "both"], typer.Option(help="Language shown; both: en with zh beneath.")]


def _err(message: str) -> None:
    typer.echo(message, err=True)


@contextmanager
def _errors() -> Iterator[None]:
    """Turn aiquiz's typed errors into messages and exit codes; never a traceback."""
    from aiquiz.errors import AiquizError, DeckError, UsageError

    try:
        yield
    except DeckError as err:
        for problem in err.problems:
            _err(f"Error: {problem}")
        files = len({p.path for p in err.problems})
        _err(f"{len(err.problems)} problem(s) in {files} file(s); nothing was written.")
        raise typer.Exit(EXIT_INVALID) from None
    except UsageError as err:
        _err(f"Error: {err}")
        raise typer.Exit(EXIT_USAGE) from None
    except AiquizError as err:
        _err(f"Error: {err}")
        raise typer.Exit(EXIT_INVALID) from None
    except KeyboardInterrupt:
        _err("Interrupted.")
        raise typer.Exit(130) from None


def _progress(done: int, total: int, path: Path) -> None:
    """Show which deck file is being read, on one line of the terminal (long loads only)."""
    if total > 3:
        sys.stderr.write(f"\r\033[KReading decks {done + 1}/{total}: {path.name}")
        sys.stderr.flush()


def load(paths: list[Path] | None) -> list[Deck]:
    """Load the decks a command works on (inside `_errors()`)."""
    import gc

    from aiquiz.loader import load_decks
    from aiquiz.locate import deck_paths

    # Parsing makes many objects and no reference cycles; the cyclic collector would rescan the growing
    # model again and again (time growing faster than the decks). The decks live as long as the command.
    gc.disable()
    try:
        decks = load_decks(deck_paths(paths), progress=_progress if sys.stderr.isatty() else None)
    finally:
        gc.enable()
        if sys.stderr.isatty():
            sys.stderr.write("\r\033[K")
    gc.freeze()
    return decks


def _source_line(deck: Deck) -> str:
    if len(deck.sources) > 1:
        return "sources " + ", ".join(s.id for s in deck.sources)
    src = deck.sources[0]
    who = " / ".join(x for x in (src.interviewer, src.occasion, src.date) if x)
    return f"source {src.id}" + (f" ({who})" if who else "")


@app.command()
def validate(paths: PathsArg = None) -> None:
    """Check deck files; print a line per deck, or every problem with its file and line."""
    with _errors():
        decks = load(paths)
        for deck in decks:
            counts = ", ".join(f"{k.value} {n}" for k, n in deck.kind_counts().items() if n)
            typer.echo(f"{deck.path}: {deck.id}: {len(deck.cards)} cards ({counts}); "
                       f"languages {'+'.join(deck.langs)}")
        typer.echo(f"OK: {len(decks)} deck(s), {sum(len(d.cards) for d in decks)} cards.")


@app.command("list")
def list_decks(paths: PathsArg = None) -> None:
    """List decks with title, source and card counts."""
    with _errors():
        for deck in load(paths):
            counts = " ".join(f"{k.value}:{n}" for k, n in deck.kind_counts().items())
            typer.echo(f"{deck.id:<20} {len(deck.cards):>4} cards  {deck.title.get('en')}")
            typer.echo(f"{'':<20}       {_source_line(deck)}; {counts}")


def _kinds(values: list[str] | None) -> tuple[Kind, ...]:
    """Card kinds named on the command line (inside `_errors()`)."""
    from aiquiz.errors import UsageError
    from aiquiz.model import Kind

    known = [k.value for k in Kind]
    for value in values or ():
        if value not in known:
            raise UsageError(f"unknown --kind '{value}' (one of: {', '.join(known)})")
    return tuple(Kind(v) for v in values or ())


@app.command()
def quiz(
    out: Annotated[Path, typer.Option("--out", "-o", help="The HTML file to write.", show_default=False)],
    paths: PathsArg = None, deck: DeckOpt = None, tag: TagOpt = None,
    kind: Annotated[Optional[list[str]],
                    typer.Option(help="Only basic, cloze, choice or truefalse cards (repeatable).")] = None,
    difficulty: Annotated[Optional[list[int]],
                          typer.Option(min=1, max=3, help="Only this difficulty (repeatable).")] = None,
    count: Annotated[Optional[int],
                     typer.Option(min=1, help="Questions to ask (default: 20, or all if fewer match).")] = None,
    seed: Annotated[Optional[int], typer.Option(help="Random seed (default: a new one, printed on the quiz).")] = None,
    versions: Annotated[int, typer.Option(min=1, max=26, help="Versions A, B, ...: same questions, shuffled.")] = 1,
    lang: LangOpt = "en",
    key: Annotated[Literal["end", "separate", "none"],
                   typer.Option(help="Answer key: at the end, in FILE-key.html, or none.")] = "end",
    title: Annotated[Optional[str], typer.Option(help="Quiz title (default: the deck's title).")] = None,
    paper: Annotated[Literal["a4", "letter"], typer.Option(help="Paper size for printing.")] = "a4",
    all_if_fewer: Annotated[bool, typer.Option("--all-if-fewer",
                                               help="Take every card when --count is more than match.")] = False,
) -> None:
    """Write a printable HTML quiz with seeded versions and an answer key."""
    import secrets

    from aiquiz.quiz import DEFAULT_COUNT, build_quiz, write_quiz
    from aiquiz.select import Filters

    with _errors():
        decks = load(paths)
        seed = secrets.randbelow(1_000_000) if seed is None else seed
        filters = Filters(tuple(deck or ()), tuple(tag or ()), _kinds(kind), tuple(difficulty or ()))
        output = build_quiz(decks, filters=filters, count=count or DEFAULT_COUNT, seed=seed, versions=versions,
                            lang=lang, key_mode=key, title=title, paper=paper,
                            take_all=all_if_fewer or count is None)
        for path in write_quiz(output, out):
            typer.echo(f"Wrote {path}")
        typer.echo(f"{len(output.plan.chosen)} questions, {versions} version(s), seed {seed}")


@app.command()
def anki(paths: PathsArg = None, deck: DeckOpt = None, tag: TagOpt = None,
         lang: LangOpt = "en",
         out: Annotated[Path, typer.Option(help="The .apkg to write.")] = Path("dist/aiquiz.apkg"),
         type_answers: Annotated[bool, typer.Option(
             "--type-answers", help="Basic and cloze cards ask you to type the answer (Anki compares it).")] = False,
         ) -> None:
    """Export an Anki package (.apkg); re-importing it updates notes in place and keeps your reviews."""
    import os

    with _errors():
        from aiquiz.anki import build_apkg, default_build_time
        from aiquiz.model import LangMode
        from aiquiz.select import Filters

        decks = load(paths)
        # The package being replaced is the record of what was last imported: changed notes get newer.
        report = build_apkg(decks, out, filters=Filters(decks=tuple(deck or ()), tags=tuple(tag or ())),
                            lang=LangMode(lang), build_time=default_build_time(decks, os.environ),
                            type_answers=type_answers, previous=out)
        for d in report.decks:
            kinds = ", ".join(f"{k.value} {n}" for k, n in d.notes if n)
            typer.echo(f"{d.id}: {d.note_count} notes ({kinds}), {d.cards} cards -> {d.name}")
        typer.echo(f"Wrote {report.path}: {len(report.decks)} deck(s), {report.notes} notes, {report.cards} cards.")
        if report.since is not None and report.since.new < report.notes:  # there was a previous package
            typer.echo(f"Since the previous package: {report.since.changed} changed, {report.since.new} new, "
                       f"{report.since.unchanged} unchanged.")


StoreOpt = Annotated[Optional[Path], typer.Option(
    "--store", help="Progress store file (default: $AIQUIZ_HOME/progress.sqlite3, else the user data folder).",
    show_default=False)]


@app.command()
def drill(paths: PathsArg = None, deck: DeckOpt = None, tag: TagOpt = None,
          new: Annotated[int, typer.Option(min=0, help="New cards per session, after the due ones.")] = 10,
          limit: Annotated[Optional[int], typer.Option(min=1, help="At most this many cards.")] = None,
          lang: LangOpt = "en",
          cram: Annotated[bool, typer.Option("--cram", help="Every selected card, due or not.")] = False,
          store: StoreOpt = None,
          retention: Annotated[float, typer.Option(help="Desired retention, 0.70-0.99.")] = 0.9) -> None:
    """Study in the terminal with spaced repetition: due cards first, then new ones; q quits."""
    import os
    from datetime import datetime

    with _errors():
        from aiquiz.drill.runner import DrillOptions
        from aiquiz.drill.scheduler import check_retention
        from aiquiz.drill.store import store_path
        from aiquiz.drill.terminal import drill_in_terminal
        from aiquiz.model import LangMode
        from aiquiz.select import Filters, select_cards

        options = DrillOptions(LangMode(lang), new, limit, cram, check_retention(retention))
        decks = load(paths)
        picked = select_cards(decks, Filters(decks=tuple(deck or ()), tags=tuple(tag or ())))
        code = drill_in_terminal(decks, picked, options, store_path(store, os.environ),
                                 clock=lambda: datetime.now().astimezone())
    raise typer.Exit(code)


@app.command()
def stats(paths: PathsArg = None, store: StoreOpt = None) -> None:
    """Progress per deck, reviews today, 30-day retention, a 14-day due forecast and your streak."""
    import os
    from datetime import datetime

    with _errors():
        from rich.console import Console

        from aiquiz.drill.stats_view import load_stats, render_stats
        from aiquiz.drill.store import store_path

        path = store_path(store, os.environ)
        Console(highlight=False).print(render_stats(load_stats(load(paths), path, datetime.now().astimezone())))
        typer.echo(f"Progress store: {path}")


@app.command(hidden=True)
def schema() -> None:
    """Print the deck format's JSON Schema (the source of schema/deck.schema.json)."""
    import json

    from aiquiz.spec import json_schema

    typer.echo(json.dumps(json_schema(), indent=2, ensure_ascii=False))


def main() -> None:
    """Entry point of the `aiquiz` console script."""
    try:
        app()
    except KeyboardInterrupt:  # pragma: no cover - Ctrl-C outside a command body
        _err("Interrupted.")
        sys.exit(130)
