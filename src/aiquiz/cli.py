"""The `aiquiz` command line: parse options, call one library function, print the result.

Only Typer is imported at start-up; each command imports what it needs, so `aiquiz --help` stays fast.
Errors become `Error: ...` on stderr with exit code 1 (bad deck or failed work) or 2 (usage).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal, Optional

import typer

from aiquiz.cli_common import (
    EXIT_INVALID,
    DeckOpt,
    LangOpt,
    PathsArg,
    StoreOpt,
    TagOpt,
    _err,
    _errors,
    interface,
    learner_now,
    load,
    load_library,
)

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


def _print_version(value: bool) -> None:
    """`aiquiz --version`: the installed distribution's version (importlib.metadata, no heavy import)."""
    if not value:
        return
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("aiquiz")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree that is not installed
        from aiquiz import __version__ as found
    typer.echo(f"aiquiz {found}")
    raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_print_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Parse every deck file, without the compiled "
                                           "deck cache (as AIQUIZ_NO_CACHE=1 does).")] = False,
) -> None:
    # No docstring: Typer would show it instead of the app's help. The options act before any command.
    if no_cache:  # the loader reads the environment (cli_common.load), as for AIQUIZ_NO_CACHE=1
        import os

        os.environ["AIQUIZ_NO_CACHE"] = "1"


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
        decks = load_library(paths).indexes  # what is printed is in each deck's index: no card is unpickled
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
def lint(paths: PathsArg = None,
         strict: Annotated[bool, typer.Option("--strict", help="Exit 1 when there is any finding.")] = False) -> None:
    """Check decks for authors: answer cues, gap overlaps, near duplicates, attribution-only falsehoods."""
    with _errors():
        from aiquiz.lint import counts
        from aiquiz.lint import lint as lint_decks

        decks = load(paths)
        findings = lint_decks(decks)
        for finding in findings:
            typer.echo(str(finding))
        per_rule = ", ".join(f"{rule.value} {n}" for rule, n in counts(findings).items() if n)
        typer.echo(f"{len(findings)} finding(s) in {len(decks)} deck(s)" + (f": {per_rule}" if per_rule else "."))
    if strict and findings:
        raise typer.Exit(EXIT_INVALID)


@app.command()
def quiz(
    out: Annotated[Path, typer.Option("--out", "-o", help="The file to write: .html, or .pdf for a PDF.",
                                      show_default=False)],
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
                   typer.Option(help="Answer key: at the end, in FILE-key.html (.pdf), or none.")] = "end",
    title: Annotated[Optional[str], typer.Option(help="Quiz title (default: the deck's title).")] = None,
    paper: Annotated[Literal["a4", "letter"], typer.Option(help="Paper size for printing.")] = "a4",
    all_if_fewer: Annotated[bool, typer.Option("--all-if-fewer",
                                               help="Take every card when --count is more than match.")] = False,
    pdf: Annotated[bool, typer.Option("--pdf", help="Write a PDF (as does an --out ending in .pdf); "
                                      "needs pip install 'aiquiz[pdf]'.")] = False,
    from_progress: Annotated[Optional[Literal["weakest", "due-soon"]], typer.Option(
        "--from-progress", help="Ask your studied cards: the weakest now (lowest recall), or those due soon.",
        show_default=False)] = None,
    days: Annotated[int, typer.Option(min=1, help="With --from-progress due-soon: due within N days.")] = 7,
    store: StoreOpt = None,
) -> None:
    """Write a printable quiz (HTML, or PDF with --pdf) with seeded versions and an answer key."""
    import os
    import secrets

    from aiquiz.errors import UsageError
    from aiquiz.quiz import DEFAULT_COUNT, plan_quiz, render_paged, render_quiz, write_quiz
    from aiquiz.select import Filters

    with _errors():
        as_pdf = pdf or out.suffix.lower() == ".pdf"
        if pdf and out.suffix.lower() in (".html", ".htm"):
            raise UsageError(f"--pdf writes a PDF: give --out a .pdf name, not {out}")
        decks = load(paths)
        seed = secrets.randbelow(1_000_000) if seed is None else seed
        filters = Filters(tuple(deck or ()), tuple(tag or ()), _kinds(kind), tuple(difficulty or ()))
        only = None
        if from_progress is not None:
            only, title = _weak_spots(decks, filters, from_progress, count or DEFAULT_COUNT, days, store,
                                      all_if_fewer, title, lang)
        plan = plan_quiz(decks, filters=filters, count=len(only) if only else count or DEFAULT_COUNT, seed=seed,
                         versions=versions, take_all=all_if_fewer or count is None, only=only, title=title)
        output = (render_paged if as_pdf else render_quiz)(plan, lang=lang, key_mode=key, paper=paper)
        build_time = None
        if as_pdf:  # the PDF's date, as the Anki package's: SOURCE_DATE_EPOCH, else the newest deck file
            from aiquiz.anki.build import default_build_time

            build_time = default_build_time(decks, os.environ)
        for path in write_quiz(output, out, build_time=build_time):
            typer.echo(f"Wrote {path}")
        typer.echo(f"{len(plan.chosen)} questions, {versions} version(s), seed {seed}")


def _weak_spots(decks: list[Deck], filters: object, kind: str, count: int, days: int, store: Path | None,
                take_all: bool, title: str | None, lang: str) -> tuple[list[str], str]:
    """The keys of `aiquiz quiz --from-progress` and its title (inside `_errors()`)."""
    import os

    from aiquiz.errors import UsageError
    from aiquiz.progress import tuning
    from aiquiz.progress.store import Store, store_path
    from aiquiz.progress.weak import WeakSpots, weak_spots
    from aiquiz.select import Filters, select_cards

    assert isinstance(filters, Filters)
    interface(lang)
    path = store_path(store, os.environ)
    if not path.exists():
        raise UsageError(f"no progress store at {path}: study with aiquiz drill first (or give --store)")
    keys = [p.key for p in select_cards(decks, filters)]
    now = learner_now()  # in the learner's zone, as the drill reads it
    with Store.open(path) as opened:
        chosen = weak_spots(opened.memories(), keys, now, WeakSpots(kind), count, days=days, take_all=take_all,
                            parameters_for=tuning.parameters_for(tuning.parameters_in_use(opened)))
    if title is None:
        en = ("Your weakest cards now" if kind == "weakest" else f"Your cards due in the next {days} days")
        zh = ("你现在最薄弱的卡片" if kind == "weakest" else f"未来 {days} 天内到期的卡片")
        title = {"en": en, "zh": zh}.get(lang, f"{en} · {zh}")
    return chosen, title


@app.command()
def anki(paths: PathsArg = None, deck: DeckOpt = None, tag: TagOpt = None,
         lang: LangOpt = "en",
         out: Annotated[Path, typer.Option(help="The .apkg to write.")] = Path("dist/aiquiz.apkg"),
         type_answers: Annotated[bool, typer.Option(
             "--type-answers", help="Basic and cloze cards ask you to type the answer (Anki compares it).")] = False,
         with_progress: Annotated[bool, typer.Option(
             "--with-progress", help="Carry your drill progress (scheduling, review log) for Anki's "
                                     "\"Import any learning progress\".")] = False,
         store: StoreOpt = None,
         ) -> None:
    """Export an Anki package (.apkg); re-importing it updates notes in place and keeps your reviews."""
    import gc
    import os

    with _errors():
        from aiquiz.anki import build_apkg, default_build_time
        from aiquiz.model import LangMode
        from aiquiz.select import Filters

        decks = load(paths)
        progress = None
        if with_progress:
            from aiquiz.cli_sync import load_progress

            progress = load_progress(store, lang)
        # The package being replaced is the record of what was last imported: changed notes get newer.
        # The build makes a few objects per note and no reference cycles: the collector would only
        # rescan what is alive (0.15-0.2 s at 100k notes).
        gc.disable()
        try:
            report = build_apkg(decks, out, filters=Filters(decks=tuple(deck or ()), tags=tuple(tag or ())),
                                lang=LangMode(lang), build_time=default_build_time(decks, os.environ),
                                type_answers=type_answers, previous=out, progress=progress)
        finally:
            gc.enable()
        for d in report.decks:
            kinds = ", ".join(f"{k.value} {n}" for k, n in d.notes if n)
            typer.echo(f"{d.id}: {d.note_count} notes ({kinds}), {d.cards} cards -> {d.name}")
        typer.echo(f"Wrote {report.path}: {len(report.decks)} deck(s), {report.notes} notes, {report.cards} cards.")
        if report.since is not None and report.since.new < report.notes:  # there was a previous package
            typer.echo(f"Since the previous package: {report.since.changed} changed, {report.since.new} new, "
                       f"{report.since.unchanged} unchanged.")
        if progress is not None:
            from aiquiz.cli_sync import progress_lines

            typer.echo("\n".join(progress_lines(report)))


@app.command(hidden=True)
def schema() -> None:
    """Print the deck format's JSON Schema (the source of schema/deck.schema.json)."""
    import json

    from aiquiz.spec import json_schema

    typer.echo(json.dumps(json_schema(), indent=2, ensure_ascii=False))


def _register() -> None:
    """Add the study commands (drill, stats, due, card, undo, config, ...) defined in cli_study."""
    from aiquiz import cli_study, cli_sync, cli_tuning

    for command in (*cli_study.COMMANDS, *cli_tuning.COMMANDS, *cli_sync.COMMANDS):
        app.command(**command.options)(command.function)


_register()


def _only(args: list[str]) -> typer.Typer:
    """The app as Typer runs it for `args`: with only the command they name, when they name one.

    Typer builds every registered command's options on each run (~10 ms for 17 commands, paid before the
    first card of a drill); a run of one command needs only that one. Without a known command name (no
    arguments, `--help`, a typo) the whole app runs, so help and "No such command" are Typer's own.
    """
    from typer.main import get_command_name

    before = 0
    while before < len(args) and args[before] == "--no-cache":  # the one root option that goes on to a command
        before += 1
    name = args[before] if before < len(args) else None  # `--help drill`: the whole app's help
    found = [c for c in app.registered_commands
             if name is not None and (c.name or get_command_name(c.callback.__name__)) == name]  # type: ignore[union-attr]
    if len(found) != 1:
        return app
    narrow = typer.Typer(add_completion=False)
    narrow.__dict__.update(vars(app), registered_commands=found)
    return narrow


def main() -> None:
    """Entry point of the `aiquiz` console script."""
    try:
        _only(sys.argv[1:])()
    except KeyboardInterrupt:  # pragma: no cover - Ctrl-C outside a command body
        _err("Interrupted.")
        sys.exit(130)
