"""The drill's pure core: the fsrs adapter, the session queue and state, the summary, and the stats numbers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import fsrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiquiz.drill import session
from aiquiz.errors import UsageError
from aiquiz.model import BasicCard, Deck, Source, Text
from aiquiz.progress.scheduler import Memory, Phase, Rating, check_retention, fsrs_card_id, new_memory, review
from aiquiz.progress.stats import compute_stats, forecast, orphans, retention, streak
from aiquiz.progress.store import ReviewRecord
from aiquiz.select import Picked, select_cards

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def make_deck(deck_id: str = "d", count: int = 5) -> Deck:
    cards = tuple(BasicCard(id=f"c{i}", front=Text(en=f"q{i}"), back=Text(en=f"a{i}")) for i in range(count))
    return Deck(id=deck_id, title=Text(en="T"), sources=(Source(id="s"),), cards=cards)


def studied(key: str, *ratings: Rating, at: datetime = T0) -> Memory:
    memory = None
    for i, rating in enumerate(ratings):
        memory = review(memory, key, rating, at + timedelta(minutes=10 * i))
    assert memory is not None
    return memory


# --- the fsrs adapter ---

def test_card_id_is_stable_and_from_sha256() -> None:
    assert fsrs_card_id("devday-2024/agents") == fsrs_card_id("devday-2024/agents")
    assert fsrs_card_id("devday-2024/agents") != fsrs_card_id("devday-2024/agent")
    # Fixed value: a change of derivation would orphan every learner's fsrs ids.
    assert fsrs_card_id("d/c") == 958308626309230825
    assert 0 < fsrs_card_id("x/y") < 2 ** 63


def test_review_is_fsrs_review_card() -> None:
    memory = review(None, "d/c", Rating.GOOD, T0)
    card, _ = fsrs.Scheduler(enable_fuzzing=False).review_card(
        fsrs.Card(card_id=fsrs_card_id("d/c"), due=T0), fsrs.Rating.Good, review_datetime=T0)
    assert (memory.phase, memory.step, memory.stability, memory.due) == (
        Phase(int(card.state)), card.step, card.stability, card.due)
    assert memory.due == T0 + timedelta(minutes=10)


def test_review_leaves_its_input_unchanged_and_accepts_local_times() -> None:
    before = new_memory("d/c", T0)
    local = T0.astimezone(timezone(timedelta(hours=8)))
    after = review(before, "d/c", Rating.EASY, local)
    assert before.last_review is None and after.last_review == T0
    assert after.phase is Phase.REVIEW and after.due > T0 + timedelta(days=1)


def test_higher_retention_schedules_sooner() -> None:
    graduated = studied("d/c", Rating.GOOD, Rating.GOOD)
    later = graduated.due + timedelta(days=1)
    assert review(graduated, "d/c", Rating.GOOD, later, retention=0.97).due < \
        review(graduated, "d/c", Rating.GOOD, later, retention=0.8).due


@pytest.mark.parametrize("bad", [0.5, 1.0, 0.995])
def test_retention_out_of_range_is_a_usage_error(bad: float) -> None:
    with pytest.raises(UsageError, match="retention must be between 0.7 and 0.99"):
        check_retention(bad)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(list(Rating)), min_size=1, max_size=8),
       st.lists(st.integers(min_value=0, max_value=60 * 24 * 40), min_size=8, max_size=8))
def test_memory_dict_round_trip(ratings: list[Rating], gaps: list[int]) -> None:
    memory, at = None, T0
    for rating, gap in zip(ratings, gaps, strict=False):
        at += timedelta(minutes=gap)
        memory = review(memory, "d/c", rating, at)
        assert Memory.from_dict(memory.to_dict()) == memory


def test_memory_from_an_unknown_format_is_refused() -> None:
    data = studied("d/c", Rating.GOOD).to_dict()
    with pytest.raises(ValueError, match="format"):
        Memory.from_dict({**data, "format": 99})


# --- the queue and the session ---

def test_queue_due_first_most_overdue_first_then_new_in_deck_order() -> None:
    deck = make_deck(count=6)
    picked = select_cards([deck])
    memories = {"d/c3": studied("d/c3", Rating.GOOD), "d/c1": studied("d/c1", Rating.AGAIN, at=T0 - timedelta(hours=1)),
                "d/c5": review(None, "d/c5", Rating.EASY, T0)}  # c5 is not due for days
    now = T0 + timedelta(hours=1)
    queue = session.build_queue(picked, memories, now, new=2).queue
    assert [(q.key, q.new) for q in queue] == [("d/c1", False), ("d/c3", False), ("d/c0", True), ("d/c2", True)]
    assert [q.key for q in session.build_queue(picked, memories, now, new=0).queue] == ["d/c1", "d/c3"]
    assert len(session.build_queue(picked, memories, now, new=10, limit=3).queue) == 3


def test_new_cards_from_a_deck_on_several_interviews_come_after_the_others() -> None:
    across = Deck(id="across", title=Text(en="A"), sources=(Source(id="s"), Source(id="t")), source_is_list=True,
                  cards=(BasicCard(id="x", front=Text(en="q"), back=Text(en="a")),))
    picked = select_cards([across, make_deck(count=2)])
    queue = session.build_queue(picked, {}, T0, new=3).queue
    assert [q.key for q in queue] == ["d/c0", "d/c1", "across/x"]
    assert [q.key for q in session.build_queue(picked, {}, T0, new=1).queue] == ["d/c0"]


def test_cram_takes_every_card_due_or_not_in_a_seeded_order() -> None:
    picked = select_cards([make_deck(count=8)])
    memories = {"d/c5": review(None, "d/c5", Rating.EASY, T0)}
    queue = session.build_queue(picked, memories, T0, new=1, cram=True).queue
    assert sorted(q.key for q in queue) == sorted(p.key for p in picked)
    assert [q.key for q in queue] == [q.key for q in session.build_queue(picked, memories, T0, cram=True).queue]
    assert {q.key for q in queue if not q.new} == {"d/c5"}


def test_answer_moves_on_and_brings_learning_cards_back_when_due() -> None:
    picked = select_cards([make_deck(count=2)])
    state = session.start(session.build_queue(picked, {}, T0).queue, T0)
    assert session.current(state, T0).key == "d/c0"
    assert session.progress(state, T0) == session.Progress(number=1, total=2, due_left=0, new_left=2)
    memory = review(None, "d/c0", Rating.AGAIN, T0)  # due again in 1 minute
    state = session.answer(state, "d/c0", Rating.AGAIN, memory, T0)
    assert session.current(state, T0).key == "d/c1"  # not due yet: the queue goes first
    assert session.current(state, T0 + timedelta(minutes=2)).key == "d/c0"  # due: it comes back first
    assert session.progress(state, T0) == session.Progress(number=2, total=3, due_left=1, new_left=1)
    later = review(None, "d/c1", Rating.GOOD, T0)  # a learning step: due again in 10 minutes
    state = session.answer(state, "d/c1", Rating.GOOD, later, T0)
    assert session.current(state, T0).key == "d/c0"  # a wrong answer is retried before the end
    state = session.answer(state, "d/c0", Rating.EASY, review(memory, "d/c0", Rating.EASY, T0), T0)
    assert session.current(state, T0) is None  # d/c1 waits for its time: never asked twice in a row
    assert session.progress(state, T0).total == 3
    assert session.current(state, T0 + timedelta(minutes=10)).key == "d/c1"  # unless the drill goes on
    assert len(state.answers) == 3


def test_summary_counts_cards_accuracy_time_and_next_due() -> None:
    picked = select_cards([make_deck(count=3)])
    state = session.start(session.build_queue(picked, {}, T0).queue, T0)
    memories: dict[str, Memory] = {}
    for key, rating in (("d/c0", Rating.GOOD), ("d/c1", Rating.AGAIN), ("d/c1", Rating.GOOD)):
        memories[key] = review(memories.get(key), key, rating, T0)
        state = session.answer(state, key, rating, memories[key], T0)
    summary = session.summarize(state, memories, [p.key for p in picked], T0 + timedelta(minutes=5))
    assert (summary.cards, summary.reviews, summary.right, summary.new_waiting) == (2, 3, 2, 1)
    assert summary.accuracy == pytest.approx(2 / 3)
    assert summary.spent == timedelta(minutes=5)
    assert summary.next_due == min(m.due for m in memories.values())


def test_orphans_are_stored_cards_gone_from_a_loaded_deck() -> None:
    deck = make_deck(count=2)
    stored = ["d/c0", "d/gone", "other-deck/c9"]
    assert orphans(stored, [deck]) == ("d/gone",)


# --- stats numbers ---

def record(i: int, key: str, rating: Rating, at: datetime, phase: Phase) -> ReviewRecord:
    return ReviewRecord(i, key, fsrs_card_id(key), rating, at, 1000, phase)


def test_retention_counts_reviews_of_learned_cards_in_the_last_30_days() -> None:
    now = T0
    reviews = [record(1, "d/c0", Rating.GOOD, now - timedelta(days=1), Phase.REVIEW),
               record(2, "d/c1", Rating.AGAIN, now - timedelta(days=2), Phase.REVIEW),
               record(3, "d/c2", Rating.AGAIN, now - timedelta(days=3), Phase.LEARNING),  # a learning step
               record(4, "d/c3", Rating.AGAIN, now - timedelta(days=31), Phase.REVIEW)]  # too old
    assert retention(reviews, now) == (0.5, 2)
    assert retention([], now) == (None, 0)


def test_streak_counts_consecutive_local_days() -> None:
    tz = timezone(timedelta(hours=-5))
    now = datetime(2025, 3, 10, 12, 0, tzinfo=tz)
    days = [now - timedelta(days=d) for d in (1, 2, 3, 5)]
    reviews = [record(i, "d/c0", Rating.GOOD, d.astimezone(UTC), Phase.REVIEW) for i, d in enumerate(days)]
    assert streak(reviews, now) == 3  # yesterday, and the two days before; none today yet
    assert streak(reviews + [record(9, "d/c0", Rating.GOOD, now, Phase.REVIEW)], now) == 4
    assert streak([], now) == 0


def test_forecast_puts_overdue_cards_on_today() -> None:
    now = T0
    memories = [studied("d/c0", Rating.GOOD, at=now - timedelta(days=5)),  # overdue
                review(None, "d/c1", Rating.EASY, now)]
    chart = forecast(memories, now)
    assert len(chart) == 14 and chart[0] == (now.date(), 1)
    assert sum(n for _, n in chart) == 2


def test_compute_stats_per_deck() -> None:
    deck = make_deck(count=4)
    now = T0 + timedelta(days=60)
    mature = studied("d/c0", Rating.EASY)
    for _step in range(4):  # review it on time until its interval passes 21 days
        mature = review(mature, "d/c0", Rating.EASY, mature.due)
    memories = {"d/c0": mature, "d/c1": review(None, "d/c1", Rating.AGAIN, now),
                "d/c2": studied("d/c2", Rating.GOOD, Rating.GOOD), "d/gone": review(None, "d/gone", Rating.GOOD, now)}
    stats = compute_stats([deck], memories, [], max(now, mature.last_review or now))
    counts = stats.decks[0]
    assert mature.mature
    assert (counts.total, counts.new, counts.learning, counts.mature) == (4, 1, 1, 1)
    assert stats.removed == ("d/gone",)
    assert stats.streak == 0 and stats.reviews_today == 0


def test_picked_key_is_deck_slash_card() -> None:
    deck = make_deck(count=1)
    assert Picked(deck, deck.cards[0]).key == "d/c0"


def test_a_card_another_drill_buried_meanwhile_is_not_shown(tmp_path) -> None:
    # Two drills on one store: what the other one buries or suspends after this one planned its day is
    # checked again before each card shows.
    from aiquiz.drill.grading import Reply
    from aiquiz.drill.runner import DrillOptions, run_drill
    from aiquiz.progress.store import Store

    deck = make_deck("d", 3)
    picked = select_cards([deck])
    asked: list[str] = []

    class OneAnswer:
        def notice_removed(self, keys: object) -> None:
            pass

        def notice(self, event: str, key: str, detail: str = "") -> None:
            pass

        def ask(self, shown: object) -> Reply:
            key = shown.picked.key  # type: ignore[attr-defined]
            asked.append(key)
            if key == "d/c0":  # meanwhile the other drill buries the next card and suspends the third
                with Store.open(tmp_path / "p.sqlite3") as other:
                    other.change_marks("d/c1", buried_until=T0 + timedelta(days=1))
                    other.change_marks("d/c2", suspended=True)
            return Reply(text="")

        def rate(self, shown: object, reply: object, judgement: object) -> Rating:
            return Rating.GOOD

    with Store.open(tmp_path / "p.sqlite3") as store:
        result = run_drill([deck], picked, store, OneAnswer(), lambda: T0, DrillOptions(new=3))
        assert [r.key for r in store.reviews()] == ["d/c0"]
    assert asked == ["d/c0"] and result.summary.reviews == 1
    assert result.new_set_aside == 2  # the day's new cards are not all studied: the summary must not say so


def test_the_days_notes_count_in_the_right_number() -> None:
    from aiquiz.drill.view import day_note, notice
    from aiquiz.i18n import set_language

    set_language("en")
    one = day_note(session.Plan(queue=(), reviews_capped=1, held_related=1))
    two = day_note(session.Plan(queue=(), reviews_capped=2, held_related=3))
    assert one is not None and one.plain == "1 review over today's limit waits · 1 related card waits for another day"
    assert two is not None and two.plain == "2 reviews over today's limit wait · 3 related cards wait for another day"
    assert "forgotten 1 time after" in notice("leech", "d/a", "1:suspended").plain
    assert "forgotten 4 times after" in notice("leech", "d/a", "4:tagged").plain
