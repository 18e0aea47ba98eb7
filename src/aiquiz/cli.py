"""The `aiquiz` command line: parse options, call one library function, print the result.

Only Typer is imported at start-up; each command imports what it needs, so `aiquiz --help` stays fast.
Errors become `Error: ...` on stderr with exit code 1 (bad deck or failed work) or 2 (usage).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

if TYPE_CHECKING:
    from aiquiz.model import Deck

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


def load(paths: list[Path] | None) -> list[Deck]:
    """Load the decks a command works on (inside `_errors()`)."""
    from aiquiz.loader import load_decks
    from aiquiz.locate import deck_paths

    return load_decks(deck_paths(paths))


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
