"""Deck text and deck files: parse one file's text, find and read files, load a run's decks."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

from aiquiz import spec
from aiquiz.errors import DeckError, Problem, UsageError
from aiquiz.loader.cache import DeckCache, content_hash
from aiquiz.model import Deck


def parse_deck(text: str, path: str = "<deck>", fast: bool = True) -> Deck:
    """Parse one deck file's text.

    Args:
        text: The YAML text of the file.
        path: The name to use in error messages.
        fast: Read cards written as expected in one tight pass (the same decks and errors either way;
            False is for tests that compare the two).

    Returns:
        The deck.

    Raises:
        DeckError: with every problem found in the file (file, line, card id, message).
    """
    from aiquiz.loader.cards import DeckReader  # the YAML reader: not imported when every deck is cached
    from aiquiz.loader.yamlsafe import check_graph, compose

    root = compose(text, path)
    reader = DeckReader(path, fast)
    try:
        if "&" in text:  # without an anchor there can be no alias to expand
            check_graph(root, path)
        deck = reader.deck(root)
    except RecursionError:
        raise DeckError.single(path, None, "YAML nested too deeply") from None
    if reader.problems or deck is None:
        problems = sorted(reader.problems, key=lambda p: p.line or 0)
        raise DeckError(problems or [Problem(path, 1, "invalid deck")])
    return deck


def deck_files(paths: Iterable[str | Path]) -> list[Path]:
    """The deck files named by `paths`: files as given, directories searched for *.yaml / *.yml.

    Raises:
        UsageError: a path does not exist, or a directory holds no deck files.
    """
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
            if not found:
                raise UsageError(f"no deck files (*.yaml) in {path}")
            out.extend(found)
        elif path.exists():
            out.append(path)
        else:
            raise UsageError(f"no such file or directory: {path}")
    return out


def read_deck_file(path: Path, cache: DeckCache | None = None) -> Deck:
    """Read and parse one deck file, refusing oversized and non-UTF-8 files.

    Args:
        path: The deck file.
        cache: Where validated decks are kept by content hash (None: always parse). Only a valid deck
            is stored; an invalid file is parsed every time, so its errors are always the same.

    Raises:
        DeckError: the file cannot be read or is not a valid deck.
    """
    name = str(path)
    data = read_bytes(path)
    digest = content_hash(data) if cache is not None else b""
    if cache is not None:
        hit = cache.get(name, digest)
        if hit is not None:
            return hit
    return parse_bytes(name, data, digest, cache)


def read_bytes(path: Path) -> bytes:
    """The bytes of a deck file, refusing oversized files.

    Raises:
        DeckError: the file cannot be read or is too large.
    """
    name = str(path)
    try:
        size = path.stat().st_size
        if size > spec.MAX_FILE_BYTES:
            raise DeckError.single(name, None, f"file is larger than {spec.MAX_FILE_BYTES // 2**20} MB "
                                   f"({size} bytes); split it")
        return path.read_bytes()
    except OSError as err:
        raise DeckError.single(name, None, f"cannot read: {err.strerror or err}") from None


def parse_bytes(name: str, data: bytes, digest: bytes, cache: DeckCache | None) -> Deck:
    """Parse a deck file's bytes (UTF-8) and store the valid deck in `cache` under `digest`.

    Raises:
        DeckError: the bytes are not UTF-8 or not a valid deck.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise DeckError.single(name, line, f"not UTF-8 text (byte {err.start})") from None
    deck = parse_deck(text, name)
    if cache is not None:
        cache.put(name, digest, deck)
    return deck


def load_decks(paths: Iterable[str | Path],
               progress: Callable[[int, int, Path], None] | None = None,
               cache: DeckCache | None = None) -> list[Deck]:
    """Load every deck file under `paths`, checking deck ids are unique across files.

    Args:
        paths: Deck files and directories.
        progress: Called as `progress(done, total, path)` before each file is read.
        cache: The compiled cache of validated decks (None: parse every file); see `read_deck_file`.

    Returns:
        The decks, in file order.

    Raises:
        UsageError: a path does not exist or holds no deck files.
        DeckError: with every problem of every file.
    """
    return read_all(paths, lambda path: read_deck_file(path, cache), lambda deck: (deck.id, deck.path), progress)


T = TypeVar("T")


def read_all(paths: Iterable[str | Path], read: Callable[[Path], T], identity: Callable[[T], tuple[str, str]],
             progress: Callable[[int, int, Path], None] | None = None) -> list[T]:
    """Read every deck file under `paths` with `read`, collecting every file's problems and refusing a deck
    id used twice (`identity` gives a result's deck id and path): what `load_decks` and `load_library` share.

    Raises:
        UsageError: a path does not exist or holds no deck files.
        DeckError: with every problem of every file.
    """
    problems: list[Problem] = []
    found: list[T] = []
    first: dict[str, str] = {}
    files = deck_files(paths)
    for number, path in enumerate(files):
        if progress is not None:
            progress(number, len(files), path)
        try:
            item = read(path)
        except DeckError as err:
            problems.extend(err.problems)
            continue
        deck_id, deck_path = identity(item)
        if deck_id in first:
            problems.append(Problem(deck_path, deck_line(deck_path),
                                    f"deck id '{deck_id}' is already used by {first[deck_id]}"))
        else:
            first[deck_id] = deck_path
            found.append(item)
    if problems:
        raise DeckError(problems)
    return found


def deck_line(path: str) -> int | None:
    try:
        for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
            if line.startswith("deck:"):
                return number
    except OSError:
        pass
    return None
