"""One drill from start to summary, independent of the screen: the loop that joins session, grading and store.

The screen is a `DrillUI` (the terminal's, or a test's); time comes from a `clock`. Each answer is
committed to the store before the next card is asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from aiquiz.drill import session
from aiquiz.drill.grading import Judgement, Reply, judge
from aiquiz.drill.scheduler import DEFAULT_RETENTION, Memory, Rating
from aiquiz.drill.store import Store
from aiquiz.model import Deck, LangMode
from aiquiz.select import Picked


@dataclass(frozen=True)
class DrillOptions:
    """How to drill: language(s) shown, new cards, the size cap, cramming, desired retention."""

    lang: LangMode = LangMode.BOTH
    new: int = session.DEFAULT_NEW
    limit: int | None = None
    cram: bool = False
    retention: float = DEFAULT_RETENTION


@dataclass(frozen=True)
class Shown:
    """A card on screen: the card with its deck, the header numbers, and whether it is new."""

    picked: Picked
    progress: session.Progress
    new: bool
    lang: LangMode
    last: tuple[Rating, Memory] | None = None


@dataclass(frozen=True)
class DrillResult:
    """How a drill ended: its summary, how many cards were queued, and whether Ctrl-C stopped it."""

    summary: session.Summary
    queued: int
    interrupted: bool = False


class DrillUI(Protocol):
    """The screen a drill talks to. `ask` and `rate` return None when the learner quits."""

    def notice_removed(self, keys: Sequence[str]) -> None:
        """Tell that stored cards are gone from their decks (their history is kept)."""

    def ask(self, shown: Shown) -> Reply | None:
        """Show the card and read the answer."""

    def rate(self, shown: Shown, reply: Reply, judgement: Judgement) -> Rating | None:
        """Show the verdict, the answer, `explain` and the citation; read the rating."""


def run_drill(decks: Sequence[Deck], picked: Sequence[Picked], store: Store, ui: DrillUI,
              clock: Callable[[], datetime], options: DrillOptions = DrillOptions()) -> DrillResult:
    """Drill the selected cards until the queue is empty, the learner quits, or Ctrl-C.

    Args:
        decks: Every loaded deck (to report stored cards that were removed from them).
        picked: The selected cards.
        store: The open progress store; each answer is committed before the next card shows.
        ui: The screen.
        clock: The current time (timezone-aware), read at the start, per card and at the end.
        options: Language, new-card count, limit, cram, retention.

    Returns:
        The summary; a Ctrl-C ends the drill with `interrupted` set (the card on screen is not saved).

    Raises:
        StoreError: the store could not be read or an answer could not be committed.
    """
    memories = store.memories()
    removed = session.orphans(memories, decks)
    if removed:
        ui.notice_removed(removed)
    now = clock()
    queue = session.build_queue(picked, memories, now, options.new, options.limit, options.cram)
    state = session.start(queue, now)
    by_key = {p.key: p for p in picked}
    last: tuple[Rating, Memory] | None = None
    interrupted = False
    try:
        while (step := _step(state, by_key, store, ui, clock, options, last)) is not None:
            state, last = step  # the state is kept after every commit: a Ctrl-C summary counts them all
    except KeyboardInterrupt:
        interrupted = True
    summary = session.summarize(state, store.memories(), [p.key for p in picked], clock())
    return DrillResult(summary, len(queue), interrupted)


def _step(state: session.SessionState, by_key: dict[str, Picked], store: Store, ui: DrillUI,
          clock: Callable[[], datetime], options: DrillOptions, last: tuple[Rating, Memory] | None,
          ) -> tuple[session.SessionState, tuple[Rating, Memory]] | None:
    """Show one card, read the answer and rating, commit; None when the queue is empty or the learner quits."""
    item = session.current(state, clock())
    if item is None:
        return None
    shown = Shown(by_key[item.key], session.progress(state, clock()), item.new, options.lang, last)
    started = clock()
    reply = ui.ask(shown)
    if reply is None:
        return None
    rating = ui.rate(shown, reply, judge(shown.picked.card, reply))
    if rating is None:
        return None
    now = clock()
    millis = int((now - started).total_seconds() * 1000)
    memory = store.record(item.key, rating, now, millis, options.retention)
    return session.answer(state, item.key, rating, memory, now), (rating, memory)
