"""Deck text and deck files: parse one file's text, find and read files, load a run's decks."""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

from aiquiz import spec
from aiquiz.errors import DeckError, Problem, UsageError
from aiquiz.loader.cache import DeckCache, Entry, Signature, content_hash, signature
from aiquiz.model import Deck


def parse_deck(text: str, path: str = "<deck>", fast: bool = True) -> Deck:
    """Parse one deck file's text.

    Args:
        text: The YAML text of the file.
        path: The name to use in error messages.
        fast: Read a file written in plain YAML without composing nodes (`plainyaml`), and cards written
            as expected in one tight pass (`fast`): the same decks and errors either way; False is for
            tests that compare the routes.

    Returns:
        The deck.

    Raises:
        DeckError: with every problem found in the file (file, line, card id, message).
    """
    from aiquiz.loader.cards import DeckReader  # the readers: not imported when every deck is cached
    from aiquiz.loader.plainyaml import read_plain
    from aiquiz.loader.yamlsafe import check_graph, check_size, compose

    check_size(text, path)
    if fast:  # most files are plain YAML: read them without composing nodes
        plain = read_plain(text)
        quick = DeckReader(path).plain_deck(plain) if plain is not None else None
        if quick is not None:
            return quick
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
               cache: DeckCache | None = None, workers: int | None = 1) -> list[Deck]:
    """Load every deck file under `paths`, checking deck ids are unique across files.

    Args:
        paths: Deck files and directories.
        progress: Called as `progress(done, total, path)` as files are read.
        cache: The compiled cache of validated decks (None: parse every file); see `read_deck_file`.
        workers: Processes to parse files in (`aiquiz.loader.workers`); None: one per CPU when there
            is enough to parse. The decks and errors are the same either way.

    Returns:
        The decks, in file order.

    Raises:
        UsageError: a path does not exist or holds no deck files.
        DeckError: with every problem of every file.
    """
    return read_all(paths, lambda opened: opened.deck(cache), lambda deck: (deck.id, deck.path), progress,
                    cache, workers)


@dataclass(frozen=True)
class Opened:
    """One deck file: its bytes (None when the cache's stat record vouched for its content hash and there is
    a sound entry: then it was not read), its content hash, and its cache entry when there is a sound one
    (or a worker compiled it)."""

    name: str
    data: bytes | None
    digest: bytes
    entry: Entry | None = None

    def content(self) -> tuple[bytes, bytes]:
        """The file's bytes and their hash: as read, or read now (the entry turned out unsound)."""
        if self.data is not None:
            return self.data, self.digest
        data = read_bytes(Path(self.name))
        return data, content_hash(data)

    def deck(self, cache: DeckCache | None) -> Deck:
        """The deck: from the entry, else parsed (and stored in `cache`)."""
        found = self.entry.deck() if self.entry is not None else None
        if found is not None:
            return found
        data, digest = self.content()
        return parse_bytes(self.name, data, digest, cache)


T = TypeVar("T")


def read_all(paths: Iterable[str | Path], read: Callable[[Opened], T], identity: Callable[[T], tuple[str, str]],
             progress: Callable[[int, int, Path], None] | None = None, cache: DeckCache | None = None,
             workers: int | None = 1) -> list[T]:
    """Read every deck file under `paths` with `read`, collecting every file's problems and refusing a deck
    id used twice (`identity` gives a result's deck id and path): what `load_decks` and `load_library` share.
    Files not in `cache` are parsed in `workers` processes first when that pays (see `load_decks`).

    Raises:
        UsageError: a path does not exist or holds no deck files.
        DeckError: with every problem of every file.
    """
    problems: list[Problem] = []
    found: list[T] = []
    first: dict[str, str] = {}
    files = deck_files(paths)
    opened = open_files(files, cache, workers, progress)
    for number, path in enumerate(files):
        if progress is not None:
            progress(number, len(files), path)
        try:
            got = opened[path]
            if isinstance(got, DeckError):
                raise got
            item = read(got)
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


def open_files(files: list[Path], cache: DeckCache | None, workers: int | None,
               progress: Callable[[int, int, Path], None] | None = None) -> dict[Path, Opened | DeckError]:
    """Read each file and find its cache entry; parse the files not in the cache in worker processes
    when `worker_count` says it pays. A file that cannot be read is its DeckError."""
    out: dict[Path, Opened | DeckError] = {}
    for path in files:
        before = _signature(path) if cache is not None else None
        vouched = _vouched(path, cache, before) if cache is not None else None
        if vouched is not None:
            out[path] = vouched
            continue
        try:
            data = read_bytes(path)
        except DeckError as err:
            out[path] = err
            continue
        digest = content_hash(data)
        entry = cache.get_entry(str(path), digest) if cache else None
        if cache is not None and entry is not None and before is not None and _signature(path) == before:
            cache.remember(str(path), before, digest, _now_ns())  # unchanged while it was read
        out[path] = Opened(str(path), data, digest, entry)
    if all(not isinstance(o, Opened) or o.entry is not None for o in out.values()):
        return out  # everything is cached (or unreadable): nothing to parse
    from aiquiz.loader.workers import Job, compile_files, worker_count

    misses = list({o.name: Job(o.name, *o.content()) for o in out.values()
                   if isinstance(o, Opened) and o.entry is None}.values())
    count = worker_count(misses, workers)
    if count <= 1:
        return out
    finished = iter(range(len(files)))
    compiled = compile_files(misses, count, None if progress is None else
                             lambda job: progress(next(finished), len(files), Path(job.name)))
    for path, got in out.items():
        result = compiled.get(got.name) if isinstance(got, Opened) else None
        if isinstance(got, Opened) and isinstance(result, bytes):
            entry = Entry.decode(result, got.digest, got.name)
            if entry is not None and cache is not None:
                cache.put_bytes(got.name, got.digest, result)
            out[path] = replace(got, entry=entry)
        elif result is not None:
            out[path] = DeckError(result)  # type: ignore[arg-type]
    return out


def _now_ns() -> int:
    """The clock a stat record's settling is judged by (tests move it)."""
    return time.time_ns()


def _signature(path: Path) -> Signature | None:
    """The file's stat signature for the cache's stat records (None: it cannot be opened). The file is opened
    and its descriptor stat'ed: on a network filesystem opening it fetches fresh attributes (close-to-open),
    where a `stat` of the path may answer from a cache for up to a minute."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None  # records are for regular files; opening a named pipe would take what it holds
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        return signature(info) if stat.S_ISREG(info.st_mode) else None
    except OSError:
        return None
    finally:
        os.close(fd)


def _vouched(path: Path, cache: DeckCache, before: Signature | None) -> Opened | None:
    """The file unread, when the cache's stat record gives its content hash and that hash's entry is sound."""
    if before is None or before[2] > spec.MAX_FILE_BYTES:
        return None  # read_bytes words the error
    digest = cache.known_digest(str(path), before)
    entry = cache.get_entry(str(path), digest) if digest is not None else None
    return None if entry is None or digest is None else Opened(str(path), None, digest, entry)


def deck_line(path: str) -> int | None:
    try:
        for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
            if line.startswith("deck:"):
                return number
    except OSError:
        pass
    return None
