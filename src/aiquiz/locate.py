"""Where the decks are: the paths given, else ./decks, else the decks bundled with the package."""

from __future__ import annotations

from pathlib import Path

from aiquiz.errors import UsageError
from aiquiz.i18n import _


def bundled_decks() -> Path | None:
    """The decks shipped inside the installed package (or the source checkout's decks/)."""
    packaged = Path(__file__).resolve().parent / "decks"  # the package's folder (importlib.resources: 1 ms more)
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / "decks"
    return checkout if checkout.is_dir() else None


def deck_paths(paths: list[Path] | None, cwd: Path | None = None) -> list[Path]:
    """The deck paths a command works on.

    Args:
        paths: Paths given on the command line, if any.
        cwd: The working directory (default: the process's).

    Returns:
        `paths` when given; else `./decks` when it exists; else the bundled decks.

    Raises:
        UsageError: nothing was given and no decks can be found.
    """
    if paths:
        return list(paths)
    local = Path("decks") if cwd is None else cwd / "decks"
    if local.is_dir():
        return [local]
    bundled = bundled_decks()
    if bundled is None:
        raise UsageError(_("no decks found: give deck files or directories, or run where ./decks exists"))
    return [bundled]
