"""The progress-exchange commands of the CLI: `aiquiz import FILE` (Anki → the drill's store), and the lines
`aiquiz anki --with-progress` prints. `cli.py` registers the commands; each parses, calls one library
function and prints.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from aiquiz.cli_common import PathsArg, StoreOpt, UiLangOpt, _errors, interface, load, local_zone
from aiquiz.cli_study import Command
from aiquiz.i18n import _

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
                                                  "nothing.")] = False,
            lang: UiLangOpt = None) -> None:
    """Bring your Anki reviews of aiquiz cards into the drill's progress store (importing twice adds nothing)."""
    interface(lang)
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
    """What `aiquiz import` prints (in the interface language)."""
    m, merged = report.read.matched, report.merged
    lines = [_("Read {path} ({format}): {reviews} reviews of {cards} aiquiz cards, {notes} aiquiz notes.").format(
        path=report.read.path, format=_(report.read.format), reviews=len(m.reviews), cards=m.cards, notes=m.notes)]
    if not report.read.scheduling:
        lines.append(_("It holds no review history: in Anki, export with \"Include scheduling information\"."))
    reviews = (_("Reviews: {added} to add, {present} already in the store; {cards} card(s) to rebuild.")
               if report.dry_run else
               _("Reviews: {added} added, {present} already in the store; {cards} card(s) rebuilt."))
    lines.append(reviews.format(added=merged.added, present=merged.present, cards=merged.cards))
    lines.append(_("Notes not from aiquiz (ignored): {ignored}. aiquiz cards no longer in the decks (kept): "
                   "{removed}.").format(ignored=m.ignored_notes, removed=len(m.removed)))
    if m.skipped:
        lines.append(_("Skipped {count} revlog row(s) that are not answers (rescheduled, reset, cramming).")
                     .format(count=m.skipped))
    lines.append(_("Dry run: nothing was written.") if report.dry_run
                 else _("Progress store: {path}").format(path=store))
    return lines


def load_progress(store: Path | None, lang: str) -> ProgressExport:
    """The progress `aiquiz anki --with-progress` writes into the package (inside `_errors()`).

    Its messages speak Chinese for a package in Chinese (`--lang zh`), else as $AIQUIZ_LANG says: the
    package's language is not the terminal's, so `anki`'s default `--lang en` does not choose English.

    Raises:
        UsageError: there is no progress store yet.
    """
    from aiquiz.anki.progress_export import progress_export
    from aiquiz.errors import UsageError
    from aiquiz.progress.settings import from_rows
    from aiquiz.progress.store import Store

    interface(lang if lang == "zh" else None)
    path = _store_path(store)
    if not path.exists():
        raise UsageError(_("--with-progress: no progress store at {path} (study with aiquiz drill first, "
                           "or name one with --store)").format(path=path))
    with Store.open(path) as opened:  # Anki's days follow the learner's clock
        return progress_export(opened, from_rows(opened.setting_rows()), local_zone(os.environ))


def progress_lines(report: BuildReport) -> list[str]:
    """What `aiquiz anki --with-progress` adds to its summary (in the interface language)."""
    sent = report.progress
    if sent is None:
        return []
    lines = [_("With progress: {notes} studied note(s) on {cards} Anki card(s), {reviews} review(s). "
               "Import with \"Import any learning progress\" ticked.").format(notes=sent.notes, cards=sent.cards,
                                                                             reviews=sent.reviews)]
    if sent.not_in_package:
        lines.append(_("{count} studied card(s) are not in this package (not selected, or no longer in the "
                       "decks).").format(count=sent.not_in_package))
    return lines


COMMANDS = (Command(import_, {"name": "import"}),)
