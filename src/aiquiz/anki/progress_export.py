"""Terminal → Anki: the drill's progress written into a package, in the form Anki's importer reads.

genanki writes every card new and no review log (genanki #147). With `aiquiz anki --with-progress` the
build then updates the scratch collection before zipping it: each card of a studied note gets the drill
card's scheduling, and the note's first card (lowest ord) gets the review log. Importing with "Import any
learning progress" (the backend's `with_scheduling`) copies cards and revlog as they are, so Anki goes on
where the drill left off.

What Anki reads (rslib `card`, `revlog`, `scheduler/timing.rs`, `import_export/package/apkg/import`):

- `cards.type` 0 new, 1 learning, 2 review, 3 relearning; `queue` 0 new, 1 (re)learning due within a
  day, 2 review, -1 suspended. `due`: a new card's position; a learning card's due time in epoch
  seconds; a review card's day number (days since the collection's creation day, a day starting at the
  rollover hour). `ivl` days; `factor` the SM-2 ease in permille (kept at Anki's 2500: FSRS ignores
  it); `left` the (re)learning steps still to go; `data` JSON with the FSRS memory state
  `{"s": stability, "d": difficulty, "dr": desired retention, "decay": w20, "lrt": last review secs}`
  and `pos`, the new-card position to restore on "Forget".
- `revlog`: `id` the answer's time in ms (unique), `cid`, `usn`, `ease` 1-4, `ivl` the interval given
  (days, or negative seconds for a learning step), `lastIvl` the one before, `factor` FSRS difficulty
  as Anki logs it (`((d - 1) / 9 + 0.1) * 1000`), `time` the answer's duration in ms, `type` 0 learn,
  1 review, 2 relearn (the card's phase before the answer).
- Day numbers are relative to the collection: on import Anki shifts a review card's `due` by the
  difference between the package's day count today and the learner's, so a package whose days follow
  the learner's clock (creation date and day-start hour in their zone) lands on the same calendar days.
  The package says so in `col.conf`: `schedVer` 2, `rollover` (the drill's `day-starts-at`) and
  `creationOffset` (the zone, minutes west of UTC); being on scheduler v2 also keeps Anki from
  "upgrading" the package's cards on import.
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from aiquiz.anki.notetypes import note_guid
from aiquiz.anki.preset import PRESET
from aiquiz.progress.exchange import CardProgress, Step, card_progress, millis
from aiquiz.progress.scheduler import Memory, Phase, phase_of
from aiquiz.progress.settings import Settings
from aiquiz.progress.store import Store

GENANKI_CRT = 1411124400  # the collection creation time genanki writes
SM2_EASE = 2500
_INT32 = 2**31 - 1


@dataclass(frozen=True)
class AnkiDays:
    """Anki's day numbers in a collection created at `crt`, in zone `tz`, a day starting at `rollover`."""

    tz: tzinfo
    rollover: int
    crt: int = GENANKI_CRT

    @property
    def created(self) -> date:
        """The collection's creation date in the learner's zone (day number 0)."""
        return datetime.fromtimestamp(self.crt, self.tz).date()

    def number(self, when: datetime) -> int:
        """The day number of `when`: study days since the creation date (Anki's `days_elapsed`)."""
        local = when.astimezone(self.tz) - timedelta(hours=self.rollover)
        return (local.date() - self.created).days

    def conf(self) -> dict[str, int]:
        """The `col.conf` keys that make Anki count days this way (scheduler v2, new cutoff handling)."""
        offset = datetime.fromtimestamp(self.crt, self.tz).utcoffset() or timedelta()
        return {"schedVer": 2, "rollover": self.rollover, "creationOffset": -int(offset.total_seconds()) // 60}


@dataclass(frozen=True)
class RevlogRow:
    """One row of Anki's review log (without the card id, which the package decides)."""

    id: int
    ease: int
    ivl: int
    last_ivl: int
    factor: int
    time: int
    kind: int


@dataclass(frozen=True)
class CardSchedule:
    """A drill card's scheduling as every Anki card of its note gets it, and its review log."""

    ctype: int
    queue: int
    due: int
    ivl: int
    factor: int
    reps: int
    lapses: int
    left: int
    memory: Mapping[str, float | int]
    revlog: tuple[RevlogRow, ...]

    def data(self, position: int | None) -> str:
        """The card's `data` JSON, with the new-card position it had in the package."""
        fields = dict(self.memory) if position is None else {"pos": position, **self.memory}
        return json.dumps(fields, separators=(",", ":"))


@dataclass(frozen=True)
class ProgressExport:
    """The schedules to write into a package, by card key, and the day numbering they use."""

    schedules: Mapping[str, CardSchedule]
    days: AnkiDays


@dataclass(frozen=True)
class ExportSummary:
    """What `write_progress` wrote: studied notes and their Anki cards, revlog rows, and studied cards the
    package does not hold (not selected, or no longer in the decks)."""

    notes: int
    cards: int
    reviews: int
    not_in_package: int


def difficulty_factor(difficulty: float | None) -> int:
    """FSRS difficulty (1-10) as Anki logs it in `revlog.factor`: ((d - 1) / 9 + 0.1) * 1000, truncated."""
    return 0 if difficulty is None else int(((difficulty - 1.0) / 9.0 + 0.1) * 1000)


def fsrs_interval(stability: float, retention: float, decay: float) -> int:
    """The days after which recall falls to `retention` (FSRS-6 forgetting curve), at least 1."""
    factor = 0.9 ** (-1.0 / decay) - 1.0
    return max(1, round(float(stability / factor * (retention ** (-1.0 / decay) - 1.0))))


def _interval(memory: Memory | None, at: datetime | None) -> int:
    """A state's interval as the revlog writes it: days in review, minus the seconds of a learning step."""
    if memory is None:
        return 0
    start = at or memory.last_review or memory.due
    if memory.phase is Phase.REVIEW:
        return max(1, round((memory.due - start) / timedelta(days=1)))
    return -max(0, min(_INT32, int((memory.due - start).total_seconds())))


_KIND = {Phase.NEW: 0, Phase.LEARNING: 0, Phase.REVIEW: 1, Phase.RELEARNING: 2}


def revlog_rows(steps: Sequence[Step]) -> tuple[RevlogRow, ...]:
    """A card's replayed history as revlog rows (ids are the answers' times; `write_progress` makes them unique)."""
    rows = []
    for step in steps:
        rows.append(RevlogRow(id=millis(step.at), ease=int(step.rating), ivl=_interval(step.after, step.at),
                              last_ivl=_interval(step.before, None), factor=difficulty_factor(step.after.difficulty),
                              time=max(0, min(_INT32, step.duration_ms or 0)), kind=_KIND[phase_of(step.before)]))
    return tuple(rows)


def card_schedule(card: CardProgress, days: AnkiDays) -> CardSchedule:
    """The Anki scheduling of one studied drill card.

    Args:
        card: The card's state, replayed history and deck options.
        days: The package's day numbering.

    Returns:
        The schedule: learning and relearning cards are due at their step's time (queue 1), review cards
        on the day number of their due date (queue 2); a suspended card keeps its type in queue -1.
    """
    memory = card.memory
    learning_left = len(PRESET.learning_steps) - (memory.step or 0)
    relearning_left = len(PRESET.relearning_steps) - (memory.step or 0)
    seconds = max(0, math.floor(memory.due.timestamp()))
    match memory.phase:
        case Phase.REVIEW:
            ctype, queue, due, ivl, left = 2, 2, days.number(memory.due), _interval(memory, None), 0
        case Phase.RELEARNING:
            ivl = fsrs_interval(memory.stability or 1.0, card.retention, card.decay)
            ctype, queue, due, left = 3, 1, seconds, max(relearning_left, 1)
        case _:
            ctype, queue, due, ivl, left = 1, 1, seconds, 0, max(learning_left, 1)
    state: dict[str, float | int] = {}
    if memory.stability is not None and memory.difficulty is not None:
        state = {"s": round(memory.stability, 4), "d": round(memory.difficulty, 3), "dr": card.retention,
                 "decay": round(card.decay, 4)}
    if memory.last_review is not None:
        state["lrt"] = math.floor(memory.last_review.timestamp())
    return CardSchedule(ctype=ctype, queue=-1 if card.suspended else queue, due=due, ivl=ivl, factor=SM2_EASE,
                        reps=len(card.steps), lapses=card.lapses, left=left, memory=state,
                        revlog=revlog_rows(card.steps))


def plan_export(cards: Sequence[CardProgress], days: AnkiDays) -> ProgressExport:
    """The schedules of every studied card (pure: the store was read by the caller)."""
    return ProgressExport({c.key: card_schedule(c, days) for c in cards}, days)


def progress_export(store: Store, settings: Settings, tz: tzinfo) -> ProgressExport:
    """Read the store and plan the export of its progress.

    Args:
        store: The open progress `Store`.
        settings: The learner's `Settings` (retention per deck, day-start hour).
        tz: The learner's time zone (day numbers follow their clock).

    Returns:
        The ProgressExport to hand to `build_apkg(progress=...)`.
    """
    return plan_export(card_progress(store, settings), AnkiDays(tz, settings.day_starts_at))


def write_progress(conn: sqlite3.Connection, export: ProgressExport) -> ExportSummary:
    """Give the cards of a freshly written package collection their drill state, and add the review log.

    Every card of a studied note gets the drill card's state; the note's first card (lowest ord) gets the
    reviews, so Anki's statistics count each review once. Revlog ids that clash move up by a millisecond.

    Args:
        conn: The package's collection (genanki's tables, every card new).
        export: What to write.

    Returns:
        What was written.
    """
    by_guid = {note_guid(*key.split("/", 1)): key for key in export.schedules}
    rows = conn.execute("select n.guid, c.id, c.due from notes n join cards c on c.nid = n.id"
                        " order by n.id, c.ord").fetchall()
    used: set[int] = set()
    notes: set[str] = set()
    cards = reviews = 0
    for guid, cid, position in rows:
        key = by_guid.get(guid)
        if key is None:
            continue
        plan = export.schedules[key]
        conn.execute("update cards set type = ?, queue = ?, due = ?, ivl = ?, factor = ?, reps = ?, lapses = ?,"
                     " left = ?, data = ? where id = ?", (plan.ctype, plan.queue, plan.due, plan.ivl, plan.factor,
                                                         plan.reps, plan.lapses, plan.left, plan.data(position), cid))
        cards += 1
        if key in notes:
            continue
        notes.add(key)
        for row in plan.revlog:
            rid = row.id
            while rid in used:
                rid += 1
            used.add(rid)
            conn.execute("insert into revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type)"
                         " values (?, ?, 0, ?, ?, ?, ?, ?, ?)",
                         (rid, cid, row.ease, row.ivl, row.last_ivl, row.factor, row.time, row.kind))
            reviews += 1
    (conf_json,) = conn.execute("select conf from col").fetchone()
    conf = {**json.loads(conf_json), **export.days.conf()}
    conn.execute("update col set crt = ?, conf = ?", (export.days.crt, json.dumps(conf)))
    return ExportSummary(len(notes), cards, reviews, len(set(export.schedules) - notes))
