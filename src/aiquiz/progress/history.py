"""Questions about the learner's history, answered from the store: today's counts, one card's reviews,
leeches, flags and what is due. Pure functions of an open store and the time passed in."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from aiquiz.progress.days import Today, day_start
from aiquiz.progress.records import Marks, ReviewRecord
from aiquiz.progress.scheduler import Memory, Parameters, Phase, Rating, retrievability
from aiquiz.progress.store import Store
from aiquiz.select import deck_of


def today(store: Store, now: datetime, day_starts_at: int) -> Today:
    """What was studied since the study day containing `now` began."""
    first, reviews, studied = store.studied_since(day_start(now, day_starts_at))
    return Today(new_by_deck=dict(Counter(deck_of(k) for k in first)), reviews=reviews, studied=studied)


def hidden(marks: dict[str, Marks], now: datetime) -> frozenset[str]:
    """The cards not to show at `now`: suspended, or buried until later."""
    return frozenset(key for key, mark in marks.items() if mark.hidden(now))


@dataclass(frozen=True)
class CardHistory:
    """Everything the store knows of one card: its state, recall probability now, reviews and marks."""

    key: str
    memory: Memory | None
    retrievability: float | None
    reviews: tuple[ReviewRecord, ...]
    marks: Marks
    lapses: int


def card_history(store: Store, key: str, now: datetime, parameters: Parameters | None = None) -> CardHistory:
    """The history of card `key` (it may be new, or no longer in any deck)."""
    memory = store.memory(key)
    reviews = tuple(store.reviews(key=key))
    return CardHistory(key=key, memory=memory,
                       retrievability=None if memory is None else retrievability(memory, now, parameters),
                       reviews=reviews, marks=store.marks().get(key, Marks(key)), lapses=lapses(reviews))


def lapses(reviews: tuple[ReviewRecord, ...] | list[ReviewRecord]) -> int:
    """How often a learned card (phase Review) was rated Again."""
    return sum(r.rating is Rating.AGAIN and r.phase is Phase.REVIEW for r in reviews)


@dataclass(frozen=True)
class Leech:
    """A leech: its key, lapses, and what the learner typed when wrong (newest last)."""

    key: str
    lapses: int
    wrong_answers: tuple[str, ...]
    suspended: bool


def leeches(store: Store) -> list[Leech]:
    """Every card marked a leech, with its lapses and the learner's wrong typed answers."""
    out = []
    for key, mark in sorted(store.marks().items()):
        if mark.leech:
            reviews = store.reviews(key=key)
            wrong = tuple(r.typed for r in reviews if r.rating is Rating.AGAIN and r.typed)
            out.append(Leech(key, lapses(reviews), wrong, mark.suspended))
    return out


def flags(store: Store) -> list[Marks]:
    """Every flagged card, oldest flag first."""
    found = [m for m in store.marks().values() if m.flag is not None]
    return sorted(found, key=lambda m: ("" if m.flagged_at is None else m.flagged_at.isoformat(), m.key))
