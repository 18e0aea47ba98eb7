"""The progress store: every review and every card's FSRS state, in one SQLite file. The only sqlite3 user.

Cards are keyed by `deck/card`, so a reworded card keeps its progress and a removed one keeps its history.
Each answer is one transaction (card state + review row) committed, with the WAL synced, before the next
card shows. The card's state is re-read inside that write transaction (BEGIN IMMEDIATE), so two drills on
one store both keep all their reviews. A store that is corrupt, locked, newer or read-only raises a typed
error and is never overwritten or reset; so is any existing file that is not an SQLite database.

Each review row keeps what undo needs to be exact (the card's state and marks before the answer), what the
learner typed, and the due date it gave. Marks (suspended, buried, flagged, leech) and the learner's
settings live here too, so every front end shares them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime

from aiquiz.i18n import _
from aiquiz.progress.database import DEFAULT_TIMEOUT, MIGRATIONS, SCHEMA_VERSION, STORE_NAME, _translated, store_path
from aiquiz.progress.records import (
    LeechRule,
    Marks,
    NewReview,
    Recorded,
    ReviewRecord,
    StoreCorrupt,
    StoreError,
    StoreLocked,
    StoreNotWritable,
    StoreTooNew,
    Undone,
    UndoRefused,
    stamp,
)
from aiquiz.progress.scheduler import (
    DEFAULT_RETENTION,
    Memory,
    Parameters,
    Phase,
    Rating,
    Scheduled,
    Standing,
    fsrs_card_id,
    phase_of,
    review,
)
from aiquiz.progress.store_extras import StoreExtras

PHASES = {int(p): p for p in Phase}

Replay = Callable[[str, "Memory | None", Rating, datetime], Memory]

# `Store.due_counts`: each deck id in turn from the index on (deck id, due) (schema 5), and its cards due by
# :now and between :now and :until, each count an index range; then the few hidden cards are taken off.
_DECK = "substr(key, 1, instr(key, '/') - 1)"  # a key's deck id, as the index has it
DUE_SQL = (f"WITH RECURSIVE d(deck) AS (SELECT MIN({_DECK}) FROM cards UNION ALL SELECT (SELECT MIN({_DECK})"
           f" FROM cards WHERE {_DECK} > d.deck) FROM d WHERE d.deck IS NOT NULL)"
           f" SELECT deck, (SELECT COUNT(*) FROM cards WHERE {_DECK} = d.deck AND due <= :now),"
           f" (SELECT COUNT(*) FROM cards WHERE {_DECK} = d.deck AND due > :now AND due < :until)"
           " FROM d WHERE deck IS NOT NULL")
HIDDEN_DUE_SQL = ("SELECT c.key, c.due FROM marks m JOIN cards c ON c.key = m.key WHERE c.due < :until"
                  " AND (m.suspended OR COALESCE(m.buried_until, '') > :now)")

__all__ = ["DEFAULT_TIMEOUT", "MIGRATIONS", "SCHEMA_VERSION", "STORE_NAME", "LeechRule", "Marks", "NewReview",
           "Recorded", "ReviewRecord", "Store", "StoreCorrupt", "StoreError", "StoreLocked", "StoreNotWritable",
           "StoreTooNew", "Undone", "UndoRefused", "store_path"]


class Store(StoreExtras):
    """An open progress store; use `Store.open()` and close it (or use it as a context manager)."""

    def memories(self) -> dict[str, Memory]:
        """Every studied card's state, by key (cards no longer in any deck included).

        Raises:
            StoreError: the store cannot be read.
        """
        with _translated(self.path, self.timeout):
            rows = self._conn.execute("SELECT key, memory FROM cards").fetchall()
        return {key: self._parse(key, text) for key, text in rows}

    def schedules(self) -> dict[str, Scheduled]:
        """Every studied card's phase and due date, by key, from the indexed columns (no state parsing:
        fast enough to plan a session over 100k cards)."""
        parse = datetime.fromisoformat
        with _translated(self.path, self.timeout):
            rows = self._conn.execute("SELECT key, phase, due FROM cards").fetchall()
        return {key: Scheduled(PHASES[phase], parse(due)) for key, phase, due in rows}

    def standings(self) -> dict[str, Standing]:
        """Every studied card's phase, due date and last review, by key: what `aiquiz stats` needs, read from the
        indexed columns and the one field of the stored state (SQLite's JSON), not by parsing 100k states.

        Raises:
            StoreCorrupt: a stored state or due date is not readable.
            StoreError: the store cannot be read.
        """
        parse = datetime.fromisoformat
        try:
            with _translated(self.path, self.timeout):
                rows = self._conn.execute(
                    "SELECT key, phase, due, json_extract(memory, '$.last_review') FROM cards").fetchall()
        except StoreCorrupt:
            raise
        except StoreError as err:  # SQLite's "malformed JSON": a state that is not JSON
            if "JSON" not in str(err):
                raise
            raise StoreCorrupt(_("{path}: a stored card state is damaged ({reason}); the store was left "
                                 "untouched").format(path=self.path, reason="malformed JSON")) from None
        try:
            return {key: Standing(PHASES[phase], parse(due), None if last is None else parse(last))
                    for key, phase, due, last in rows}
        except (KeyError, ValueError, TypeError) as err:
            raise StoreCorrupt(_("{path}: a stored card state is damaged ({reason}); the store was left "
                                 "untouched").format(path=self.path, reason=err)) from None

    def reviewed_between(self, start: datetime, end: datetime, deck_ids: Iterable[str],
                         test: Callable[[datetime], bool]) -> bool:
        """Whether a review of a card of `deck_ids` was given from `start` to before `end` for which `test(its
        time)` holds (reviews are read in time order, through the time index, until one does)."""
        ids = list(dict.fromkeys(deck_ids))
        if not ids:
            return False
        query = ("SELECT reviewed_at FROM reviews WHERE reviewed_at >= ? AND reviewed_at < ?"
                 " AND (CASE instr(key, '/') WHEN 0 THEN key ELSE substr(key, 1, instr(key, '/') - 1) END)"
                 f" IN ({', '.join('?' * len(ids))}) ORDER BY reviewed_at")  # Python's key.split("/", 1)[0]
        parse = datetime.fromisoformat
        with _translated(self.path, self.timeout):
            cursor = self._conn.execute(query, (stamp(start), stamp(end), *ids))
            while rows := cursor.fetchmany(256):
                if any(test(parse(at)) for (at,) in rows):
                    return True
        return False

    def memory(self, key: str) -> Memory | None:
        """The stored state of card `key`, or None when it was never studied."""
        with _translated(self.path, self.timeout):
            return self._memory(key)

    def _memory(self, key: str) -> Memory | None:
        row = self._conn.execute("SELECT memory FROM cards WHERE key = ?", (key,)).fetchone()
        return None if row is None else self._parse(key, row[0])

    def _parse(self, key: str, text: str) -> Memory:
        try:
            return Memory.from_dict(json.loads(text))
        except (ValueError, TypeError) as err:
            raise StoreCorrupt(_("{path}: the stored state of card {key} is damaged ({reason}); "
                                 "the store was left untouched").format(path=self.path, key=key, reason=err)) from None

    def record(self, key: str, rating: Rating, now: datetime, duration_ms: int | None = None,
               retention: float = DEFAULT_RETENTION, *, typed: str | None = None,
               parameters: Parameters | None = None, leech: LeechRule | None = None) -> Recorded:
        """Review card `key` and commit its new state and the review row in one transaction.

        The card's state is read inside the write transaction, so a review committed meanwhile by
        another drill on the same store is built upon, never overwritten.

        Args:
            key: The card's key `deck/card`.
            rating: The rating given.
            now: When it was answered (timezone-aware).
            duration_ms: How long the answer took.
            retention: The desired retention for scheduling.
            typed: What the learner typed, kept in the review log (None: nothing typed).
            parameters: The FSRS weights (None: the defaults).
            leech: When given, an Again that brings the card's lapses to the threshold marks it a leech.

        Returns:
            The card's new state, the review's id, its lapses, and whether it just became a leech.

        Raises:
            StoreError: the review could not be committed (nothing of it was written).
        """
        with _translated(self.path, self.timeout), self._transaction():
            before = self._memory(key)
            after = review(before, key, rating, now, retention, parameters)
            self._conn.execute(
                "INSERT INTO cards (key, card_id, phase, due, memory, updated) VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (key) DO UPDATE SET card_id = excluded.card_id, phase = excluded.phase,"
                " due = excluded.due, memory = excluded.memory, updated = excluded.updated",
                (key, after.card_id, int(after.phase), stamp(after.due), json.dumps(after.to_dict()),
                 stamp(now)))
            phase = phase_of(before)
            lapses = self._lapses(key) + (rating is Rating.AGAIN and phase is Phase.REVIEW)
            marks = self._marks(key)
            leeched = (leech is not None and rating is Rating.AGAIN and phase is Phase.REVIEW
                       and lapses >= leech.threshold and not marks.leech)
            cursor = self._conn.execute(
                "INSERT INTO reviews (key, card_id, rating, reviewed_at, duration_ms, phase, typed, due_after,"
                " state_before, marks_before) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (key, after.card_id, int(rating), stamp(now), duration_ms, int(phase), typed, stamp(after.due),
                 json.dumps(None if before is None else before.to_dict()),
                 json.dumps(marks.to_dict()) if leeched else None))
            if leeched and leech is not None:
                self._put_marks(replace(marks, leech=True, suspended=marks.suspended or leech.suspend))
        return Recorded(after, int(cursor.lastrowid or 0), lapses, leeched)

    def _lapses(self, key: str) -> int:
        row = self._conn.execute("SELECT COUNT(*) FROM reviews WHERE key = ? AND rating = 1 AND phase = 2",
                                 (key,)).fetchone()
        return int(row[0])

    def undo(self, review_id: int | None = None) -> Undone | None:
        """Take back a review: the card gets exactly the state (and marks) it had before it.

        Args:
            review_id: The review to undo (None: the most recent review in the store, by the time it was
                given: an imported review from long ago is never "the most recent" because it came in last).

        Returns:
            What was undone, or None when there is no review to undo.

        Raises:
            UndoRefused: the card was reviewed again after that review (undo the later one first).
            StoreError: the store could not be changed (nothing was).
        """
        with _translated(self.path, self.timeout), self._transaction():
            where, args = ("WHERE id = ?", (review_id,)) if review_id is not None else ("", ())
            row = self._conn.execute(
                "SELECT id, key, rating, reviewed_at, state_before, marks_before FROM reviews "
                f"{where} ORDER BY reviewed_at DESC, id DESC LIMIT 1", args).fetchone()
            if row is None:
                return None
            rid, key, rating, at, state_text, marks_text = row
            later = self._conn.execute(  # a later review of the card (by time: imports come in out of order)
                "SELECT COUNT(*) FROM reviews WHERE key = ? AND (reviewed_at > ? OR (reviewed_at = ? AND id > ?))",
                (key, at, at, rid))
            if later.fetchone()[0]:
                raise UndoRefused(_("{key} was reviewed again after that answer; undo the later review first")
                                  .format(key=key))
            self._conn.execute("DELETE FROM reviews WHERE id = ?", (rid,))
            before = self._state_before(key, state_text)
            if before is None:
                self._conn.execute("DELETE FROM cards WHERE key = ?", (key,))
            else:
                self._conn.execute("UPDATE cards SET phase = ?, due = ?, memory = ?, card_id = ? WHERE key = ?",
                                   (int(before.phase), stamp(before.due), json.dumps(before.to_dict()),
                                    before.card_id, key))
            if marks_text is not None:
                self._put_marks(Marks.from_dict(key, json.loads(marks_text)))
        return Undone(key, Rating(rating), datetime.fromisoformat(at), before)

    def _state_before(self, key: str, text: str | None) -> Memory | None:
        """The state a review started from: stored since schema 3, else rebuilt by replaying the log."""
        if text is not None:
            data = json.loads(text)
            return None if data is None else Memory.from_dict(data)
        memory: Memory | None = None  # a review logged before schema 3: replay the card's remaining reviews
        for rating, at in self._conn.execute(
                "SELECT rating, reviewed_at FROM reviews WHERE key = ? ORDER BY id", (key,)).fetchall():
            memory = review(memory, key, Rating(rating), datetime.fromisoformat(at))
        return memory

    def reviews(self, since: datetime | None = None, key: str | None = None) -> list[ReviewRecord]:
        """The review log in the order it was written, from `since` on and of card `key` when given."""
        query = ("SELECT id, key, card_id, rating, reviewed_at, duration_ms, phase, typed, due_after FROM reviews")
        clauses, args = [], []
        if since is not None:
            clauses.append("reviewed_at >= ?")
            args.append(stamp(since))
        if key is not None:
            clauses.append("key = ?")
            args.append(key)
        if clauses:
            query += " WHERE " + " AND ".join(clauses)
        with _translated(self.path, self.timeout):
            rows = self._conn.execute(query + " ORDER BY id", args).fetchall()
        return [ReviewRecord(i, k, c, Rating(r), datetime.fromisoformat(at), d,
                             None if p is None else Phase(p), t, None if due is None else datetime.fromisoformat(due))
                for i, k, c, r, at, d, p, t, due in rows]

    def studied_since(self, since: datetime) -> tuple[list[str], int, frozenset[str]]:
        """Since `since`: the keys studied for the first time, the count of reviews of learned cards, and
        every key reviewed (what the day's limits and burying count)."""
        with _translated(self.path, self.timeout):
            rows = self._conn.execute("SELECT key, phase FROM reviews WHERE reviewed_at >= ?",
                                      (stamp(since),)).fetchall()
        first = [k for k, p in rows if p == Phase.NEW]
        return first, sum(p == Phase.REVIEW for _, p in rows), frozenset(k for k, _ in rows)

    def due_counts(self, now: datetime, until: datetime) -> list[tuple[str, int, int]]:
        """Per deck id: studied cards due by `now`, and due after it but before `until`; suspended cards and
        cards buried past `now` are not counted. A few index seeks per deck: fast enough for a shell prompt."""
        args = {"now": stamp(now), "until": stamp(until)}
        with _translated(self.path, self.timeout):
            counts = {deck: [int(n), int(later)] for deck, n, later in self._conn.execute(DUE_SQL, args)}
            hidden = self._conn.execute(HIDDEN_DUE_SQL, args).fetchall()
        for key, due in hidden:  # counted above: suspended, or buried past now
            counts[key.partition("/")[0] if "/" in key else ""][0 if due <= args["now"] else 1] -= 1
        return [(deck, n, later) for deck, (n, later) in counts.items() if n or later]

    # --- rebuilding states: imported reviews, new parameters ---------------------------------------

    def merge_reviews(self, rows: Iterable[NewReview], replay: Replay) -> tuple[int, int]:
        """Add reviews from elsewhere and rebuild the states of the cards they touch, in one transaction.

        A review already in the store (same card, same time to the microsecond) is not added again.

        Args:
            rows: The reviews to add, in any order.
            replay: How one review changes a card's state (key, state before, rating, time) -> state after.

        Returns:
            (reviews added, reviews already present).

        Raises:
            StoreError: nothing was written.
        """
        batch = [(row.key, fsrs_card_id(row.key), int(row.rating), stamp(row.at), row.duration_ms, row.origin)
                 for row in rows]
        with _translated(self.path, self.timeout), self._transaction():
            before = self._conn.total_changes
            self._conn.executemany(
                "INSERT INTO reviews (key, card_id, rating, reviewed_at, duration_ms, origin)"
                " SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE NOT EXISTS"
                " (SELECT 1 FROM reviews WHERE key = ?1 AND reviewed_at = ?4)", batch)
            added = self._conn.total_changes - before
            if added:
                for key in sorted({row[0] for row in batch}):
                    self._rebuild(key, replay)
        return added, len(batch) - added

    def rebuild(self, keys: Iterable[str], replay: Replay) -> int:
        """Recompute the states of cards `keys` from their reviews in time order (after new parameters), in
        one transaction; each review row gets the phase, state before and due date of the replay.

        Returns:
            How many cards were rebuilt.
        """
        count = 0
        with _translated(self.path, self.timeout), self._transaction():
            for key in keys:
                count += self._rebuild(key, replay)
        return count

    def _rebuild(self, key: str, replay: Replay) -> int:
        rows = self._conn.execute("SELECT id, rating, reviewed_at FROM reviews WHERE key = ?"
                                  " ORDER BY reviewed_at, id", (key,)).fetchall()
        memory: Memory | None = None
        updates = []
        for rid, rating, at in rows:
            before = memory
            memory = replay(key, before, Rating(rating), datetime.fromisoformat(at))
            updates.append((int(phase_of(before)), json.dumps(None if before is None else before.to_dict()),
                            stamp(memory.due), rid))
        self._conn.executemany("UPDATE reviews SET phase = ?, state_before = ?, due_after = ? WHERE id = ?", updates)
        if memory is None:
            return 0
        self._conn.execute(
            "INSERT INTO cards (key, card_id, phase, due, memory, updated) VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (key) DO UPDATE SET card_id = excluded.card_id, phase = excluded.phase,"
            " due = excluded.due, memory = excluded.memory, updated = excluded.updated",
            (key, memory.card_id, int(memory.phase), stamp(memory.due), json.dumps(memory.to_dict()),
             stamp(memory.last_review or memory.due)))
        return 1

    def review_count(self) -> int:
        """How many reviews the log holds."""
        with _translated(self.path, self.timeout):
            return int(self._conn.execute("SELECT COUNT(*) FROM reviews").fetchone()[0])

    def reviewed_keys(self) -> list[str]:
        """Every card key with at least one review."""
        with _translated(self.path, self.timeout):
            return [r[0] for r in self._conn.execute("SELECT DISTINCT key FROM reviews ORDER BY key")]

    def review_times(self) -> list[tuple[str, datetime, str | None]]:
        """Every review's card key, time and origin (None: the drill), in time order: the light view that
        matching reviews from elsewhere (an Anki export) against the log needs."""
        with _translated(self.path, self.timeout):
            rows = self._conn.execute("SELECT key, reviewed_at, origin FROM reviews ORDER BY reviewed_at, id")
            return [(key, datetime.fromisoformat(at), origin) for key, at, origin in rows]

