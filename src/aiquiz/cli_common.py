"""What every command shares: the option types, loading decks, and turning errors into exit codes.

Only Typer is imported at start-up; commands import what they need, so `aiquiz --help` stays fast.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, Optional, TypeVar

import typer

from aiquiz.i18n import _, from_environment, set_language

if TYPE_CHECKING:
    from aiquiz.loader.library import Library
    from aiquiz.model import Deck

T = TypeVar("T")
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
StudyLangOpt = Annotated[Literal["en", "zh", "both"], typer.Option(
    help="Language shown; both: en with zh beneath. The interface follows: zh Chinese, en English, "
         "both $AIQUIZ_LANG (else English).")]
UiLangOpt = Annotated[Optional[Literal["en", "zh"]], typer.Option(
    "--lang", help="Interface language: en or zh (default: $AIQUIZ_LANG, else en).", show_default=False)]


def interface(lang: str | None) -> None:
    """Choose the interface language for this command: `--lang en` or `zh` if given (a card language of
    `both` does not decide), else $AIQUIZ_LANG (en or zh), else English."""
    chosen = lang if lang in ("en", "zh") else None
    set_language(chosen or from_environment(os.environ) or "en")


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
            _err(_("Error: {message}").format(message=problem))
        files = len({p.path for p in err.problems})
        _err(_("{problems} problem(s) in {files} file(s); nothing was written.").format(problems=len(err.problems),
                                                                                         files=files))
        raise typer.Exit(EXIT_INVALID) from None
    except UsageError as err:
        _err(_("Error: {message}").format(message=err))
        raise typer.Exit(EXIT_USAGE) from None
    except AiquizError as err:
        _err(_("Error: {message}").format(message=err))
        raise typer.Exit(EXIT_INVALID) from None
    except KeyboardInterrupt:
        _err(_("Interrupted."))
        raise typer.Exit(130) from None


def _progress(done: int, total: int, path: Path) -> None:
    """Show which deck file is being read, on one line of the terminal (long loads only)."""
    if total > 3:
        sys.stderr.write("\r\033[K" + _("Reading decks {done}/{total}: {name}").format(done=done + 1, total=total,
                                                                                        name=path.name))
        sys.stderr.flush()


def load(paths: list[Path] | None) -> list[Deck]:
    """Load the decks a command works on (inside `_errors()`), through the compiled deck cache.

    The cache (`aiquiz.loader.cache`) is skipped when AIQUIZ_NO_CACHE is set (the global `--no-cache`
    option sets it); AIQUIZ_CACHE_DIR moves it.
    """
    from aiquiz.loader import load_decks

    return _loading(lambda cache, progress, files: load_decks(files, progress=progress, cache=cache,
                                                                   workers=_workers()), paths)


def load_library(paths: list[Path] | None) -> Library:
    """Load the decks a command works on lazily (inside `_errors()`): every deck's index from the cache,
    a deck's cards only when the command asks for them (`aiquiz.loader.library`)."""
    from aiquiz.loader.library import load_library as load_lazily

    return _loading(lambda cache, progress, files: load_lazily(files, progress=progress, cache=cache,
                                                                     workers=_workers()), paths)


def _workers() -> int | None:
    """Worker processes for parsing: AIQUIZ_WORKERS, else one per CPU when there is enough to parse."""
    from aiquiz.loader.workers import workers_wanted

    return workers_wanted(os.environ)


def _loading(how: Callable[[Any, Any, list[Path]], T], paths: list[Path] | None) -> T:
    """Run a deck loader `how(cache, progress, files)` with the cache settings, the progress line and the
    collector paused."""
    import gc

    from aiquiz.loader.cache import DeckCache, cache_dir, cache_disabled
    from aiquiz.locate import deck_paths

    # Parsing makes many objects and no reference cycles; the cyclic collector would rescan the growing
    # model again and again (time growing faster than the decks). The decks live as long as the command.
    # Freezing before the collector is back on keeps it from scanning the whole model once more (a
    # full collection over 100k cards costs more than reading them from the cache).
    gc.disable()
    try:
        cache = None if cache_disabled(os.environ) else DeckCache(cache_dir(os.environ))
        decks = how(cache, _progress if sys.stderr.isatty() else None, deck_paths(paths))
    finally:
        gc.freeze()
        gc.enable()
        if sys.stderr.isatty():
            sys.stderr.write("\r\033[K")
    return decks


def local_zone(environ: Mapping[str, str], localtime: Path = Path("/etc/localtime")) -> tzinfo:
    """The learner's time zone, a real one where the system names it, so study days follow daylight saving.

    $TZ when it names a zone (`Europe/Berlin`, `:Europe/Berlin`, or a zone file's path); else the system's
    zone file (`localtime`). When neither can be read as a zone (a POSIX rule in $TZ, Windows without
    tzdata), the current UTC offset: right until the next change. Every call makes a new tzinfo object
    (see `learner_now`).
    """
    from zoneinfo import ZoneInfo

    name = environ.get("TZ", "").removeprefix(":")
    try:
        if name and not name.startswith("/"):
            return ZoneInfo.no_cache(name)
        path = Path(name or localtime)
        key = str(path.resolve()).partition("/zoneinfo/")[2]  # /usr/share/zoneinfo/Europe/Berlin: its name
        with path.open("rb") as handle:
            return ZoneInfo.no_cache(key) if key else ZoneInfo.from_file(handle, key=str(path))
    except (KeyError, ValueError, OSError):  # not a zone (ZoneInfoNotFoundError is a KeyError), or no file
        return datetime.now().astimezone().tzinfo or UTC


def learner_now() -> datetime:
    """The time now in the learner's time zone (`local_zone`): the study commands' clock.

    Each reading has a tzinfo object of its own. Python subtracts and compares two datetimes that share
    one tzinfo object by their wall clocks, an hour off across a daylight-saving change (an answer timed
    across it); with two objects it goes by UTC, as it did for the fixed UTC offsets read before.
    """
    return datetime.now(local_zone(os.environ))


StoreOpt = Annotated[Optional[Path], typer.Option(
    "--store", help="Progress store file (default: $AIQUIZ_HOME/progress.sqlite3, else the user data folder).",
    show_default=False)]


