"""The progress-exchange commands of the CLI: `aiquiz import FILE` (Anki → the drill's store), and the lines
`aiquiz anki --with-progress` prints. `cli.py` registers the commands; each parses, calls one library
function and prints.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from aiquiz.cli_common import PathsArg, StoreOpt, _errors, load
from aiquiz.cli_study import Command

if TYPE_CHECKING:
    from aiquiz.anki.build import BuildReport
    from aiquiz.anki.progress_export import ProgressExport
    from aiquiz.anki.progress_import import ImportReport


def _store_path(store: Path | None) -> Path:
    from aiquiz.progress.store import store_path

    return store_path(store, os.environ)


def import_(file: Annotated[Path, typer.Argument(help="An .apkg exported from Anki with scheduling, or a .colpkg "
                                                 "backup.", show_default=False)],
            paths: PathsArg = None, store: StoreOpt = None,
            dry_run: Annotated[bool, typer.Option("--dry-run", help="Report what would be imported; write "
                                                  "nothing.")] = False) -> None:
    """Bring your Anki reviews of aiquiz cards into the drill's progress store (importing twice adds nothing)."""
    with _errors():
        from aiquiz.anki.progress_import import apply_import, read_package
        from aiquiz.progress.settings import Settings, from_rows
        from aiquiz.progress.store import Store

        read = read_package(file, load(paths))  # all of it, before the store is opened
        path = _store_path(store)
        if dry_run and not path.exists():
            report = apply_import(read, None, Settings(), dry_run=True)
        else:
            with Store.open(path) as opened:
                report = apply_import(read, opened, from_rows(opened.setting_rows()), dry_run=dry_run)
        typer.echo("\n".join(import_lines(report, path)))


def import_lines(report: ImportReport, store: Path) -> list[str]:
    """What `aiquiz import` prints."""
    m, merged = report.read.matched, report.merged
    added, rebuilt = ("to add", "to rebuild") if report.dry_run else ("added", "rebuilt")
    lines = [f"Read {report.read.path} ({report.read.format}): {len(m.reviews)} reviews of {m.cards} aiquiz cards, "
             f"{m.notes} aiquiz notes."]
    if not report.read.scheduling:
        lines.append("It holds no review history: in Anki, export with \"Include scheduling information\".")
    lines.append(f"Reviews: {merged.added} {added}, {merged.present} already in the store; {merged.cards} "
                 f"card(s) {rebuilt}.")
    lines.append(f"Notes not from aiquiz (ignored): {m.ignored_notes}. aiquiz cards no longer in the decks "
                 f"(kept): {len(m.removed)}.")
    if m.skipped:
        lines.append(f"Skipped {m.skipped} revlog row(s) that are not answers (rescheduled, reset, cramming).")
    lines.append("Dry run: nothing was written." if report.dry_run else f"Progress store: {store}")
    return lines


def load_progress(store: Path | None) -> ProgressExport:
    """The progress `aiquiz anki --with-progress` writes into the package (inside `_errors()`).

    Raises:
        UsageError: there is no progress store yet.
    """
    from datetime import datetime

    from aiquiz.anki.progress_export import progress_export
    from aiquiz.errors import UsageError
    from aiquiz.progress.settings import from_rows
    from aiquiz.progress.store import Store

    path = _store_path(store)
    if not path.exists():
        raise UsageError(f"--with-progress: no progress store at {path} (study with aiquiz drill first, "
                         "or name one with --store)")
    tz: Any = datetime.now().astimezone().tzinfo  # the learner's clock: Anki's days follow it
    with Store.open(path) as opened:
        return progress_export(opened, from_rows(opened.setting_rows()), tz)


def progress_lines(report: BuildReport) -> list[str]:
    """What `aiquiz anki --with-progress` adds to its summary."""
    sent = report.progress
    if sent is None:
        return []
    lines = [f"With progress: {sent.notes} studied note(s) on {sent.cards} Anki card(s), {sent.reviews} review(s). "
             "Import with \"Import any learning progress\" ticked."]
    if sent.not_in_package:
        lines.append(f"{sent.not_in_package} studied card(s) are not in this package (not selected, or no longer "
                     "in the decks).")
    return lines


COMMANDS = (Command(import_, {"name": "import"}),)
