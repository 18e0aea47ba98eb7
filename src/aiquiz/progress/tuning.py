"""FSRS parameters and the store: which set is in use, fitting and adopting one, reverting, advice.

`optimize.py` decides (pure); this module reads the review log, keeps adopted sets in the store with their
date, review count and scores, and rebuilds every card's state under the parameters in use so due dates
follow at once. A set may be global or fitted to one deck (`scope`); a deck's own set wins for its cards.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aiquiz.progress.records import ReviewRecord
from aiquiz.progress.scheduler import Parameters, replayer
from aiquiz.progress.settings import Settings
from aiquiz.progress.store import Store
from aiquiz.select import deck_of

if TYPE_CHECKING:  # the optimizer (and fsrs-rs) is imported when a set is read or a fit runs, not by every drill
    from aiquiz.progress.optimize import FitOutcome
    from aiquiz.progress.params import AdoptedSet, ReviewEvent

GLOBAL = ""
LAST_FIT = ("~state", "last-fit-reviews")  # the review count at the last evaluated fit (not a setting)



@dataclass(frozen=True)
class ParameterSet:
    """An adopted set as stored: its id, scope ("" or a deck id), the record, and whether it was reverted."""

    id: int
    scope: str
    record: AdoptedSet
    reverted: bool


def parameter_sets(store: Store) -> list[ParameterSet]:
    """Every adopted set, oldest first (damaged records are skipped: the defaults apply)."""
    rows = store.parameter_sets()
    if not rows:
        return []
    from aiquiz.progress.params import AdoptedSet

    out = []
    for sid, data, reverted in rows:
        try:
            out.append(ParameterSet(sid, str(data.get("scope", GLOBAL)), AdoptedSet.from_dict(data), reverted))
        except ValueError:
            continue
    return out


def parameters_in_use(store: Store) -> dict[str, Parameters]:
    """The parameters in use, by scope ("" for every deck without its own set)."""
    live: dict[str, Parameters] = {}
    for entry in parameter_sets(store):
        if not entry.reverted:
            live[entry.scope] = entry.record.params.values
    return live


def parameters_for(in_use: dict[str, Parameters]) -> Callable[[str], Parameters | None]:
    """The parameters of a card key: its deck's own set, else the global one, else None (the defaults)."""
    return lambda key: in_use.get(deck_of(key), in_use.get(GLOBAL))


def events(records: list[ReviewRecord]) -> list[ReviewEvent]:
    """The review log as the optimizer reads it."""
    from aiquiz.progress.params import ReviewEvent

    return [ReviewEvent(r.key, int(r.rating), r.at, r.duration_ms) for r in records]


@dataclass(frozen=True)
class Optimized:
    """What `optimize` did: the fit's outcome, the id of the set adopted (None: kept), and cards rebuilt."""

    outcome: FitOutcome
    scope: str
    adopted: int | None
    rebuilt: int


def optimize(store: Store, settings: Settings, now: datetime, *, deck: str | None = None,
             dry_run: bool = False, min_reviews: int | None = None) -> Optimized:
    """Fit FSRS to the learner's reviews (of one deck, or all), adopt the set when it predicts better on
    held-out reviews, keep it in the store and rebuild every card's state under it.

    Args:
        store: The open progress store.
        settings: The learner's settings (day start, retention per deck).
        now: The time of the fit (timezone-aware, the learner's zone).
        deck: Fit this deck's reviews only; an adopted set then applies to that deck.
        dry_run: Evaluate and report, write nothing.
        min_reviews: Override the day-separated reviews a fit needs (tests, benchmarks).
    """
    from aiquiz.progress.optimize import fit
    from aiquiz.progress.params import DayClock, Params

    scope = deck or GLOBAL
    records = store.reviews()
    log = events([r for r in records if deck is None or deck_of(r.key) == deck])
    in_use = parameters_in_use(store)
    current = Params(in_use[scope]) if scope in in_use else (
        Params(in_use[GLOBAL]) if GLOBAL in in_use else Params.default())
    clock = DayClock(now.tzinfo or DayClock().tz, settings.day_starts_at)
    extra: dict[str, Any] = {} if min_reviews is None else {"min_reviews": min_reviews}
    outcome = fit(log, current, now=now, clock=clock, **extra)
    if dry_run:
        return Optimized(outcome, scope, None, 0)
    store.put_setting(*LAST_FIT, str(len(records)))
    record = outcome.record()
    if record is None:
        return Optimized(outcome, scope, None, 0)
    with store.batch():  # the set and the cards rescheduled under it: both, or neither
        sid = store.add_parameter_set({**record.to_dict(), "scope": scope}, now, record.reviews)
        rebuilt = rebuild(store, settings, [e.key for e in log])
    return Optimized(outcome, scope, sid, rebuilt)


def rebuild(store: Store, settings: Settings, keys: list[str] | None = None) -> int:
    """Recompute card states from their reviews under the parameters now in use (fuzzing stays off)."""
    chosen = sorted(set(keys if keys is not None else store.reviewed_keys()))
    replay = replayer(lambda key: settings.retention_for(deck_of(key)), parameters_for(parameters_in_use(store)))
    return store.rebuild(chosen, replay)


def revert(store: Store, settings: Settings, deck: str | None = None) -> tuple[int | None, int]:
    """Go back one parameter set of a scope (the previous one, or the defaults) and rebuild the cards, in
    one transaction.

    Args:
        deck: Revert this deck's own set (None: the set for all decks).

    Returns:
        (the id of the set reverted or None when the scope's defaults were in use, cards rebuilt).
    """
    scope = deck or GLOBAL
    live = [s for s in parameter_sets(store) if s.scope == scope and not s.reverted]
    if not live:
        return None, 0
    with store.batch():
        store.revert_parameter_set(live[-1].id)
        rebuilt = rebuild(store, settings, None if scope == GLOBAL else
                          [k for k in store.reviewed_keys() if deck_of(k) == scope])
    return live[-1].id, rebuilt


def refit_due(store: Store, settings: Settings) -> bool:
    """True when `refit-every` new reviews were given since the last evaluated fit (0: never)."""
    if settings.refit_every <= 0:
        return False
    last = dict(((scope, name), value) for scope, name, value in store.setting_rows()).get(LAST_FIT, "0")
    total = store.review_count()
    return total - int(last or 0) >= settings.refit_every


__all__ = ["GLOBAL", "Optimized", "ParameterSet", "events", "optimize", "parameter_sets", "parameters_for",
           "parameters_in_use", "rebuild", "refit_due", "revert"]
