"""The study day, the day's limits, related-card burying and settings, as pure functions (the clock is an argument)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aiquiz.drill import session
from aiquiz.errors import UsageError
from aiquiz.loader import load_decks
from aiquiz.progress.days import Allowance, Today, allowance, day_start, next_day_start, study_day
from aiquiz.progress.related import hold_back, related_map
from aiquiz.progress.scheduler import Rating, review
from aiquiz.progress.settings import LeechAction, Settings, check_deck, from_rows, parse_value
from aiquiz.select import Filters, select_cards

from conftest import DECKS, FIXTURES

TOKYO = timezone(timedelta(hours=9))
BERLIN = ZoneInfo("Europe/Berlin")  # 2027: CET -> CEST on Sunday 28 March, CEST -> CET on Sunday 31 October


@pytest.mark.parametrize(("local", "hour", "day"), [
    ("2026-12-02T03:59", 4, "2026-12-01"),  # before 04:00 still counts to the evening before
    ("2026-12-02T04:00", 4, "2026-12-02"),
    ("2026-12-02T23:59", 4, "2026-12-02"),
    ("2026-12-02T00:00", 0, "2026-12-02"),
    ("2026-12-02T22:30", 23, "2026-12-01"),
])
def test_study_day_starts_at_the_configured_hour(local: str, hour: int, day: str) -> None:
    when = datetime.fromisoformat(local).replace(tzinfo=TOKYO)
    assert study_day(when, when, hour).isoformat() == day
    assert study_day(when.astimezone(UTC), when, hour).isoformat() == day  # the zone of `now` counts
    start = day_start(when, hour)
    assert start <= when < next_day_start(when, hour) == start + timedelta(days=1)
    assert (start.hour, start.tzinfo) == (hour, TOKYO)


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)), st.integers(0, 23))
def test_every_moment_lies_in_exactly_one_study_day(naive: datetime, hour: int) -> None:
    now = naive.replace(tzinfo=TOKYO)
    start = day_start(now, hour)
    assert start <= now < start + timedelta(days=1)
    assert study_day(start, now, hour) == study_day(now, now, hour) != study_day(start - timedelta(microseconds=1), now, hour)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(("local", "hour", "start", "next_start"), [
    # The study day before the spring change is 23 hours: 04:00 CET to 04:00 CEST.
    ("2027-03-27T22:00", 4, "2027-03-27T03:00", "2027-03-28T02:00"),
    ("2027-03-28T03:30", 4, "2027-03-27T03:00", "2027-03-28T02:00"),  # just after the change, still that day
    # The study day before the autumn change is 25 hours: 04:00 CEST to 04:00 CET.
    ("2027-10-30T22:00", 4, "2027-10-30T02:00", "2027-10-31T03:00"),
    # A day starting at 02:00, an hour the clocks skip on 28 March: it starts when the gap ends (03:00 CEST);
    # on 31 October 02:00 comes twice: the first one (CEST).
    ("2027-03-27T22:00", 2, "2027-03-27T01:00", "2027-03-28T01:00"),
    ("2027-10-30T22:00", 2, "2027-10-30T00:00", "2027-10-31T00:00"),
])
def test_a_study_day_across_a_dst_change_starts_at_the_local_hour(local: str, hour: int, start: str,
                                                                   next_start: str) -> None:
    now = datetime.fromisoformat(local).replace(tzinfo=BERLIN)
    fixed = now.astimezone(timezone(now.utcoffset() or timedelta()))  # what datetime.now().astimezone() gives
    for when, zone in ((now, None), (fixed, BERLIN), (now.astimezone(UTC), BERLIN)):
        assert next_day_start(when, hour, zone).astimezone(UTC) == utc(next_start), (when, zone)
        assert day_start(when, hour, zone).astimezone(UTC) == utc(start), (when, zone)
        assert next_day_start(when, hour, zone).utcoffset() == next_day_start(now, hour).utcoffset()


@given(st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(BERLIN),
                    allow_imaginary=False), st.integers(0, 23))
def test_in_a_zone_with_dst_study_days_follow_each_other_at_the_local_hour(now: datetime, hour: int) -> None:
    start, end = day_start(now, hour).astimezone(UTC), next_day_start(now, hour).astimezone(UTC)
    assert start <= now.astimezone(UTC) < end  # in UTC: Python compares one zone's times by the wall clock
    # in UTC too: Python never finds a time in the autumn's repeated hour equal to one in another zone (PEP 495)
    assert day_start(end, hour, BERLIN).astimezone(UTC) == end == next_day_start(start, hour, BERLIN).astimezone(UTC)
    assert end - start in (timedelta(hours=23), timedelta(hours=24), timedelta(hours=25))
    local = end.astimezone(BERLIN)
    assert local.hour == hour or (hour == 2 and local.hour == 3 and local.month == 3)  # 02:00 skipped in March


def test_allowance_subtracts_what_was_studied_today_and_deck_limits_narrow() -> None:
    today = Today(new_by_deck={"a": 3, "b": 4}, reviews=150, studied=frozenset())
    left = allowance(today, new_per_day=10, reviews_per_day=200, deck_new_limits={"a": 5, "c": 2})
    assert (left.new, left.reviews) == (3, 50)
    assert left.new_for("a") == 2 and left.new_for("b") == 3 and left.new_for("c") == 2
    spent = allowance(Today({"a": 12}, 300, frozenset()), 10, 200, {})
    assert (spent.new, spent.reviews) == (0, 0)


def picked_daily():  # the six-card daily fixture
    decks = load_decks([FIXTURES / "daily"])
    return decks, select_cards(decks, Filters())


T0 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def day(new: int = 10, reviews: int = 200, hidden: frozenset[str] = frozenset(), studied: frozenset[str] = frozenset(),
        related: bool = True, decks=None) -> session.Day:
    return session.Day(Allowance(new, {}, reviews, new), hidden,
                       related_map(decks) if related and decks else {}, studied)


def test_the_day_new_allowance_caps_the_session_and_says_so() -> None:
    decks, picked = picked_daily()
    plan = session.build_queue(picked, {}, T0, day(new=2, decks=decks), new=10)
    assert [q.key for q in plan.queue] == ["daily/one", "daily/two"] and plan.new_last and not plan.new_used_up
    narrower = session.build_queue(picked, {}, T0, day(new=4, decks=decks), new=1)
    assert [q.key for q in narrower.queue] == ["daily/one"]  # --new narrows only
    assert not narrower.new_used_up and not narrower.new_last
    none_left = session.build_queue(picked, {}, T0, day(new=0, decks=decks), new=10)
    assert none_left.queue == () and none_left.new_used_up and not none_left.new_last


def test_related_cards_are_not_both_shown_on_one_day() -> None:
    decks, picked = picked_daily()
    plan = session.build_queue(picked, {}, T0, day(decks=decks), new=10)
    keys = [q.key for q in plan.queue]
    assert "daily/one" in keys and "daily/one-again" not in keys and plan.held_related == 1
    later = session.build_queue(picked, {}, T0, day(studied=frozenset({"daily/one"}), decks=decks,
                                                    hidden=frozenset({"daily/one"})), new=10)
    assert "daily/one-again" not in [q.key for q in later.queue]  # one was studied today
    off = session.build_queue(picked, {}, T0, day(related=False, decks=decks), new=10)
    assert "daily/one-again" in [q.key for q in off.queue]


def test_shipped_across_cards_are_related_to_the_single_interview_cards_citing_the_same_passage() -> None:
    related = related_map(load_decks([DECKS]))
    across = [k for k in related if k.startswith("across-interviews/")]
    assert across, "some across-interviews card cites a passage a single-interview card cites"
    assert any(not other.startswith("across-interviews/") for k in across for other in related[k])


def test_hold_back_keeps_queue_order() -> None:
    related = {"a": frozenset({"b"}), "b": frozenset({"a", "c"}), "c": frozenset({"b"})}
    assert hold_back(["a", "b", "c", "d"], related, []) == (["a", "c", "d"], ["b"])
    assert hold_back(["a", "b", "c"], related, ["c"]) == (["a", "c"], ["b"])  # b waits: c was studied today
    assert hold_back(["b", "a", "c"], related, ["x"]) == (["b"], ["a", "c"])


def test_reviews_over_the_day_limit_wait_and_learning_cards_never_do() -> None:
    decks, picked = picked_daily()
    memories = {}
    for p in picked[:4]:  # four cards in review, due now
        m = None
        for rating, at in ((Rating.GOOD, T0 - timedelta(days=9)), (Rating.GOOD, T0 - timedelta(days=9, minutes=-15))):
            m = review(m, p.key, rating, at)
        memories[p.key] = m
    learning = review(None, picked[5].key, Rating.AGAIN, T0 - timedelta(minutes=5))
    memories[picked[5].key] = learning
    plan = session.build_queue(picked, memories, T0 + timedelta(days=30), day(new=0, reviews=2, decks=decks))
    assert [q.key for q in plan.queue][0] == picked[5].key and len(plan.queue) == 3 and plan.reviews_capped == 2


def test_hidden_cards_stay_out_even_when_cramming_suspended() -> None:
    decks, picked = picked_daily()
    plan = session.build_queue(picked, {}, T0, day(hidden=frozenset({"daily/two"}), decks=decks), new=10, cram=True)
    assert "daily/two" not in [q.key for q in plan.queue] and len(plan.queue) == 5


def test_settings_from_rows_and_per_deck_values() -> None:
    got = from_rows([("", "new-per-day", "15"), ("", "leech-action", "tag"), ("devday-2024", "retention", "0.8"),
                     ("", "unknown", "1"), ("", "retention", "5")])
    assert got.new_per_day == 15 and got.leech_action is LeechAction.TAG and got.retention == 0.9
    assert got.retention_for("devday-2024") == 0.8 and got.retention_for("other") == 0.9
    assert Settings().bury_related and parse_value("bury-related", "false") is False


@pytest.mark.parametrize(("name", "value", "message"), [
    ("new-per-day", "-1", "new-per-day must be a whole number from 0 to 9999"),
    ("retention", "0.5", "retention must be a number from 0.7 to 0.99"),
    ("day-starts-at", "24", "from 0 to 23"),
    ("leech-action", "delete", "suspend or tag"),
    ("bury-related", "maybe", "true or false"),
    ("colour", "red", "unknown setting 'colour'"),
])
def test_bad_setting_values_name_the_allowed_range(name: str, value: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        parse_value(name, value)


def test_a_deck_setting_needs_a_known_deck_and_a_typo_gets_the_closest_id() -> None:
    known = ["harvard-2024", "devday-2024", "greylock-2022"]
    check_deck("devday-2024", known)
    with pytest.raises(UsageError) as typo:
        check_deck("devday-2042", known)
    assert str(typo.value) == ("no deck with id 'devday-2042': did you mean 'devday-2024'? "
                               "(loaded: devday-2024, greylock-2022, harvard-2024)")
    with pytest.raises(UsageError) as unlike:
        check_deck("xyz", known)
    assert str(unlike.value) == "no deck with id 'xyz' (loaded: devday-2024, greylock-2022, harvard-2024)"


def test_stats_count_study_days_and_leave_suspended_cards_out_of_due() -> None:
    from aiquiz.progress.records import ReviewRecord
    from aiquiz.progress.scheduler import Phase
    from aiquiz.progress.stats import compute_stats

    decks, picked = picked_daily()
    now = datetime(2026, 12, 2, 2, 30, tzinfo=UTC)  # 02:30: still the study day of 1 December
    memories = {p.key: review(None, p.key, Rating.AGAIN, now - timedelta(hours=2)) for p in picked[:3]}
    log = [ReviewRecord(i, p.key, 1, Rating.AGAIN, now - timedelta(hours=2), None, Phase.NEW)
           for i, p in enumerate(picked[:3])]
    stats = compute_stats(decks, memories, log, now, hidden=frozenset({picked[0].key}), day_starts_at=4)
    assert stats.decks[0].due == 2 and stats.reviews_today == 1 * 3 and stats.streak == 1
    assert stats.forecast[0] == (datetime(2026, 12, 1).date(), 2)
    calendar = compute_stats(decks, memories, log, now)
    assert calendar.decks[0].due == 3 and calendar.forecast[0][0] == datetime(2026, 12, 2).date()
