"""Parsing many deck files at once on several CPUs: worker processes that hand back cache entries.

A cold run over big decks is bound by parsing, one file after another on one CPU. When several files
need parsing and there is enough to parse, `compile_files` parses them in a pool of worker processes
(one per CPU, at most one per file). A worker parses a file exactly as `parse_bytes` does and sends
back either the deck as a cache entry (`cache.encode`: the index and the pickled deck, with their
hashes) or the file's problems; the parent checks each entry as it checks one read from the cache, so
nothing a worker sends is trusted more than the cache is. Decks, errors and their order are those of
parsing in one process (the callers keep file order).

The command line asks for one worker per CPU; `AIQUIZ_WORKERS` sets the number (1: parse in the
calling process). Library callers parse in their own process unless they pass `workers`.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiquiz.errors import DeckError, Problem
from aiquiz.loader.cache import code_fingerprint, encode

if TYPE_CHECKING:
    import multiprocessing.context

WORKERS_ENV = "AIQUIZ_WORKERS"
MIN_BYTES = 1 << 20  # below this much YAML, starting processes costs more than it saves


@dataclass(frozen=True)
class Job:
    """One deck file to parse: its name (for messages), bytes and content hash."""

    name: str
    data: bytes
    digest: bytes


def workers_wanted(environ: Mapping[str, str]) -> int | None:
    """The number of workers `AIQUIZ_WORKERS` asks for, or None (decide by CPUs and size)."""
    wanted = environ.get(WORKERS_ENV, "").strip()
    return int(wanted) if wanted.isdigit() and int(wanted) >= 1 else None


def worker_count(jobs: Sequence[Job], wanted: int | None) -> int:
    """How many worker processes to parse `jobs` with (1: parse here); `wanted` None: one per CPU, when
    there is enough to parse."""
    if wanted is not None:
        cpus = wanted
    else:
        if sum(len(job.data) for job in jobs) < MIN_BYTES:
            return 1
        affinity = getattr(os, "sched_getaffinity", None)
        cpus = len(affinity(0)) if affinity is not None else (os.cpu_count() or 1)
    return max(1, min(cpus, len(jobs)))


def compile_files(jobs: Sequence[Job], workers: int,
                  done: Callable[[Job], None] | None = None) -> dict[str, bytes | list[Problem]]:
    """Parse `jobs` in `workers` processes: by file name, its cache entry's bytes or its problems.

    `done(job)` is called as each file is finished. Interrupting (Ctrl-C) stops the workers at once.
    """
    code_fingerprint()  # computed once here, so forked workers do not read the sources again
    by_name = {job.name: job for job in jobs}
    order = sorted(jobs, key=lambda job: -len(job.data))  # largest first: the pool ends together
    out: dict[str, bytes | list[Problem]] = {}
    with _signals_held():  # a Ctrl-C now waits until the workers ignore it; then only the parent gets it
        pool = _context().Pool(workers, initializer=_quiet)
    with pool:  # leaving (also by Ctrl-C) terminates the workers
        for name, result in pool.imap_unordered(_compile, order):
            out[name] = result
            if done is not None:
                done(by_name[name])
    return out


def _context() -> multiprocessing.context.BaseContext:
    """Fork where it is safe and cheap (Linux: the workers start with aiquiz already imported)."""
    import multiprocessing  # here: a warm run, which parses nothing, does not import it

    if sys.platform == "linux":
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


@contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT (and SIGTERM) back while workers start: they inherit the mask, so none of them can be
    interrupted before `_quiet` has made it ignore Ctrl-C."""
    held = {signal.SIGINT, signal.SIGTERM}
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def _quiet() -> None:
    """In a worker: leave Ctrl-C to the parent (which stops the pool), and no cyclic collector."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})
    import gc

    gc.disable()


def _compile(job: Job) -> tuple[str, bytes | list[Problem]]:
    """In a worker: one file's cache entry, or its problems."""
    from aiquiz.loader.files import parse_bytes

    try:
        deck = parse_bytes(job.name, job.data, job.digest, None)
    except DeckError as err:
        return job.name, list(err.problems)
    return job.name, encode(deck, job.digest)
