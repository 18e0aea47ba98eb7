"""One drill from start to summary, independent of the screen: the loop that joins session, grading and store.

The screen is a `DrillUI` (the terminal's, or a test's); time comes from a `clock`. Each answer is
committed to the store before the next card is asked for. Besides answers, the learner can undo the last
answer, skip a card (later in this session), bury it (until the next study day), suspend it, or flag it
with a note; the day's limits, burying and settings come from `progress/`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Protocol

from aiquiz.deckindex import DeckIndex
from aiquiz.drill import session
from aiquiz.drill.grading import Judgement, Reply, judge
from aiquiz.loader.library import Library
from aiquiz.model import Deck, LangMode
from aiquiz.progress import history, tuning
from aiquiz.progress.days import allowance, next_day_start
from aiquiz.progress.records import LeechRule, Recorded, Undone, UndoRefused
from aiquiz.progress.related import related_map
from aiquiz.progress.scheduler import Memory, Parameters, Rating, Scheduled
from aiquiz.progress.settings import LeechAction, Settings
from aiquiz.progress.stats import orphans
from aiquiz.progress.store import Store
from aiquiz.select import Picked, Selected, Selection


@dataclass(frozen=True)
class DrillOptions:
    """How to drill: language(s) shown, this session's new-card cap and size cap, cramming, and a retention
    for this session only (None: the saved setting)."""

    lang: LangMode = LangMode.BOTH
    new: int = session.DEFAULT_NEW
    limit: int | None = None
    cram: bool = False
    retention: float | None = None


class Action(Enum):
    """What the learner can do at a prompt besides answering."""

    UNDO = "u"
    SKIP = "s"
    BURY = "b"
    SUSPEND = "x"
    FLAG = "f"
    QUIT = "q"


@dataclass(frozen=True)
class Control:
    """A card control chosen at a prompt; `note` is the flag's one-line note."""

    action: Action
    note: str = ""


@dataclass(frozen=True)
class Shown:
    """A card on screen: the card with its deck, the header numbers, whether it is new, the previous rating
    with the state it gave, and the session's plan (what the day's rules left out)."""

    picked: Picked
    progress: session.Progress
    new: bool
    lang: LangMode
    last: tuple[Rating, Memory] | None = None
    plan: session.Plan | None = field(default=None, compare=False)


@dataclass(frozen=True)
class DrillResult:
    """How a drill ended: its summary, how many cards were queued, whether Ctrl-C stopped it, and what the
    day's rules left out (new cards used up, reviews over the day's limit, related cards held back)."""

    summary: session.Summary
    queued: int
    interrupted: bool = False
    plan: session.Plan | None = None
    leeches: tuple[str, ...] = ()
    refit: tuning.Optimized | None = None
    new_left: int = 0
    new_set_aside: int = 0  # new cards buried or suspended in this drill: they leave the day's new cards unused


class DrillUI(Protocol):
    """The screen a drill talks to. `ask` and `rate` return None when the learner quits."""

    def notice_removed(self, keys: Sequence[str]) -> None:
        """Tell that stored cards are gone from their decks (their history is kept)."""

    def ask(self, shown: Shown) -> Reply | Control | None:
        """Show the card and read the answer, or a control (undo, skip)."""

    def rate(self, shown: Shown, reply: Reply, judgement: Judgement) -> Rating | Control | None:
        """Show the verdict, the answer, `explain` and the citation; read the rating or a control."""

    def notice(self, event: str, key: str, detail: str = "") -> None:
        """Tell what a control or the scheduler did: undone, nothing-to-undo, buried, suspended, flagged, leech."""


@dataclass
class _Loop:
    """The mutable part of one drill: the session state, and the states to go back to on undo."""

    state: session.SessionState
    undo: list[tuple[session.SessionState, Recorded]] = field(default_factory=list)
    last: tuple[Rating, Memory] | None = None
    leeches: list[str] = field(default_factory=list)
    dropped: set[str] = field(default_factory=set)  # buried or suspended in this session: gone after an undo too
    parameters: Callable[[str], Parameters | None] = lambda key: None


def plan_day(decks: Sequence[Deck | DeckIndex], picked: Sequence[Selected], store: Store, settings: Settings,
             now: datetime, options: DrillOptions, schedules: Mapping[str, Scheduled] | None = None) -> session.Plan:
    """The session's queue under the day's limits, marks and related-card burying (`schedules`: the store's,
    when already read)."""
    marks = store.marks()
    today = history.today(store, now, settings.day_starts_at)
    day = session.Day(
        allowance=allowance(today, settings.new_per_day, settings.reviews_per_day, settings.deck_new_limits()),
        hidden=history.hidden(marks, now) if not options.cram else frozenset(
            k for k, m in marks.items() if m.suspended),
        related=related_map(decks) if settings.bury_related else {}, studied=today.studied)
    return session.build_queue(picked, store.schedules() if schedules is None else schedules, now, day, options.new,
                               options.limit, options.cram)


def run_drill(decks: Sequence[Deck] | Library, picked: Sequence[Selected], store: Store, ui: DrillUI,
              clock: Callable[[], datetime], options: DrillOptions = DrillOptions(),
              settings: Settings = Settings()) -> DrillResult:
    """Drill the selected cards until the queue is empty, the learner quits, or Ctrl-C.

    Args:
        decks: Every loaded deck, or the run's `Library` (to report stored cards that were removed from them,
            related cards, and the text of the cards shown: a library reads only the decks shown).
        picked: The selected cards (`Picked`, or `Ref`s of the library's decks).
        store: The open progress store; each answer is committed before the next card shows.
        ui: The screen.
        clock: The current time (timezone-aware), read at the start, per card and at the end.
        options: Language, new-card cap, limit, cram, a retention for this session.
        settings: The learner's saved settings.

    Returns:
        The summary; a Ctrl-C ends the drill with `interrupted` set (the card on screen is not saved).

    Raises:
        StoreError: the store could not be read or an answer could not be committed.
    """
    library = decks if isinstance(decks, Library) else Library.of(decks)
    schedules = store.schedules()
    removed = orphans(schedules, library.indexes)
    if removed:
        ui.notice_removed(removed)
    now = clock()
    plan = plan_day(library.indexes, picked, store, settings, now, options, schedules)
    loop = _Loop(session.start(plan.queue, now), parameters=tuning.parameters_for(tuning.parameters_in_use(store)))
    by_key = _Cards(library, picked)
    interrupted = False
    try:
        while _step(loop, by_key, store, ui, clock, options, settings, plan):
            pass  # the state is kept after every commit: a Ctrl-C summary counts them all
    except KeyboardInterrupt:
        interrupted = True
    refit = None
    if loop.undo and not interrupted and tuning.refit_due(store, settings):
        refit = tuning.optimize(store, settings, clock())  # the evaluated fit; adopts only a better set
    keys, end = _keys(picked), clock()
    marks = store.marks()
    suspended = {k for k, m in marks.items() if m.suspended}
    if suspended:  # not waiting: "N new cards waiting" leaves them out
        keys = set(keys) - suspended
    summary = session.summarize(loop.state, store.schedules(), keys, end, history.hidden(marks, end))
    answered = {a.key for a in loop.state.answers}  # a new card answered, then buried: its new slot is used
    return DrillResult(summary, len(plan.queue), interrupted, plan, tuple(loop.leeches), refit,
                       new_left=sum(q.new for q in loop.state.queue),
                       new_set_aside=len((loop.dropped - answered) & {q.key for q in plan.queue if q.new}))


class _Cards:
    """The `Picked` card of a queued key: as selected, or read from the library when first shown."""

    def __init__(self, library: Library, picked: Sequence[Selected]) -> None:
        self._library = library
        self._known = {} if isinstance(picked, Selection) else {p.key: p for p in picked if isinstance(p, Picked)}

    def __getitem__(self, key: str) -> Picked:
        if key not in self._known:
            found = self._library.card(key)  # only the card is read; its deck comes narrowed to it
            if found is None:
                raise KeyError(key)
            self._known[key] = Picked(*found)
        return self._known[key]


def _keys(picked: Sequence[Selected]) -> Collection[str]:
    """The keys of the selected cards, as a set."""
    return picked.key_set() if isinstance(picked, Selection) else {p.key for p in picked}


def _step(loop: _Loop, by_key: _Cards, store: Store, ui: DrillUI, clock: Callable[[], datetime],
          options: DrillOptions, settings: Settings, plan: session.Plan) -> bool:
    """Show one card and act on what the learner does; False when the drill is over."""
    item = session.current(loop.state, clock())
    if item is None:
        return False
    marks = store.marks_of(item.key)  # another drill on the same store may have buried or suspended it since
    if marks.suspended or (not options.cram and marks.hidden(clock())):
        loop.state = session.drop(loop.state, item.key)
        loop.dropped.add(item.key)  # as if buried here: gone after an undo too, and not a new card studied
        return True
    shown = Shown(by_key[item.key], session.progress(loop.state, clock()), item.new, options.lang, loop.last,
                  plan)
    started = clock()
    reply = ui.ask(shown)
    if isinstance(reply, Control) or reply is None:
        return _control(loop, item.key, reply, store, ui, clock, settings)
    judgement = judge(shown.picked.card, reply)
    while True:
        rating = ui.rate(shown, reply, judgement)
        if isinstance(rating, Control) and rating.action is Action.FLAG:
            store.change_marks(item.key, flag=rating.note or "flagged", flagged_at=clock())
            ui.notice("flagged", item.key, rating.note)
            continue  # flagging does not answer the card
        break
    if isinstance(rating, Control) or rating is None:
        return _control(loop, item.key, rating, store, ui, clock, settings)
    now = clock()
    deck = shown.picked.deck.id
    retention = options.retention if options.retention is not None else settings.retention_for(deck)
    rule = LeechRule(settings.leech_threshold, settings.leech_action is LeechAction.SUSPEND)
    recorded = store.record(item.key, rating, now, int((now - started).total_seconds() * 1000), retention,
                            typed=_typed(reply), parameters=loop.parameters(item.key), leech=rule)
    loop.undo.append((loop.state, recorded))
    loop.state = session.answer(loop.state, item.key, rating, recorded.memory, now)
    loop.last = (rating, recorded.memory)
    if recorded.leech:
        loop.leeches.append(item.key)
        loop.state = session.drop(loop.state, item.key) if rule.suspend else loop.state
        ui.notice("leech", item.key, f"{recorded.lapses}:{'suspended' if rule.suspend else 'tagged'}")
    return True


def _control(loop: _Loop, key: str, control: Control | None, store: Store, ui: DrillUI,
             clock: Callable[[], datetime], settings: Settings) -> bool:
    """Carry out a control; False when the learner quits."""
    if control is None or control.action is Action.QUIT:
        return False
    match control.action:
        case Action.UNDO:
            if not loop.undo:
                ui.notice("nothing-to-undo", key)
                return True
            state, recorded = loop.undo[-1]
            try:
                undone: Undone | None = store.undo(recorded.review_id)
            except UndoRefused as err:
                ui.notice("undo-refused", key, str(err))
                return True
            loop.undo.pop()
            loop.state, loop.last = state, None
            for gone in loop.dropped:
                loop.state = session.drop(loop.state, gone)
            if undone is not None:
                if undone.key in loop.leeches:
                    loop.leeches.remove(undone.key)
                ui.notice("undone", undone.key, undone.rating.label)
        case Action.SKIP:
            loop.state = session.skip(loop.state, key)
        case Action.BURY:
            until = next_day_start(clock(), settings.day_starts_at)
            store.change_marks(key, buried_until=until)
            loop.state = session.drop(loop.state, key)
            loop.dropped.add(key)
            ui.notice("buried", key, until.isoformat(timespec="minutes"))
        case Action.SUSPEND:
            store.change_marks(key, suspended=True)
            loop.state = session.drop(loop.state, key)
            loop.dropped.add(key)
            ui.notice("suspended", key)
    return True


def _typed(reply: Reply) -> str | None:
    """What the learner typed, as the review log keeps it (gaps joined with " | ")."""
    if reply.gaps:
        return " | ".join(text for _, text in reply.gaps)
    return reply.text or None
