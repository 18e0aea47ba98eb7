"""`aiquiz stats` on a big store reads only what it needs, and shows the same numbers as reading it all.

The fast routes (a card's standing from the indexed columns, the review log of the retention window, the
streak asked of the log day by day through its time index, and the moments only near a day tested for
their study day) are compared with the plain definitions: hypothesis over moments around daylight-saving
changes, and a store filled through `Store.record` over weeks across one.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from aiquiz.drill.stats_view import load_stats
from aiquiz.loader import load_decks
from aiquiz.progress.scheduler import Phase, Rating
from aiquiz.progress.stats import compute_stats, forecast, local_day, reviews_on, streak, streak_of
from aiquiz.progress.store import ReviewRecord, Store

from conftest import FIXTURES

ZONES = ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "America/St_Johns", "UTC"]
# Around the 2026 changes in Europe and North America, and Lord Howe's half-hour one.
MOMENTS = st.datetimes(min_value=datetime(2026, 3, 1), max_value=datetime(2026, 11, 15))


class Due:
    def __init__(self, due: datetime) -> None:
        self.due = due
        self.phase = Phase.REVIEW
        self.mature = False


def plain_forecast(dues: list[datetime], now: datetime, days: int, hour: int) -> tuple[tuple[date, int], ...]:
    today = local_day(now, now, hour)
    counts = {today + timedelta(days=i): 0 for i in range(days)}
    for due in dues:
        day = max(local_day(due, now, hour), today)
        if day in counts:
            counts[day] += 1
    return tuple(counts.items())


def near(now: datetime) -> st.SearchStrategy[datetime]:
    """Moments within a few days of `now`, in UTC (as the store gives them)."""
    return st.integers(-5 * 86400, 20 * 86400).map(lambda s: (now + timedelta(seconds=s)).astimezone(ZoneInfo("UTC")))


@settings(max_examples=300, deadline=None)
@given(zone=st.sampled_from(ZONES), naive=MOMENTS, hour=st.integers(0, 23), days=st.integers(0, 15),
       data=st.data())
def test_forecast_and_reviews_on_are_the_plain_definitions(zone: str, naive: datetime, hour: int, days: int,
                                                          data: st.DataObject) -> None:
    now = naive.replace(tzinfo=ZoneInfo(zone))
    moments = data.draw(st.lists(near(now), max_size=40))
    assert forecast([Due(m) for m in moments], now, days, hour) == plain_forecast(moments, now, days, hour)
    log = [ReviewRecord(i, "d/c", 1, Rating.GOOD, m, None, Phase.REVIEW) for i, m in enumerate(moments)]
    for day in {local_day(m, now, hour) for m in moments} | {local_day(now, now, hour)}:
        assert reviews_on(log, day, now, hour) == sum(local_day(m, now, hour) == day for m in moments)


def test_a_big_store_gives_the_numbers_of_reading_it_all(tmp_path: Path) -> None:
    decks = load_decks([FIXTURES / "daily"])
    keys = [f"{deck.id}/{card.id}" for deck in decks for card in deck.cards]
    berlin = ZoneInfo("Europe/Berlin")
    path = tmp_path / "progress.sqlite3"
    with Store.open(path) as store:
        store.put_setting("", "day-starts-at", "4")
        start = datetime(2026, 10, 1, 3, 0, tzinfo=berlin)  # the change back to CET is on 25 October
        for gap in (0, 4, 15, 45, 100):  # one card answered Good further and further apart: mature
            store.record(keys[0], Rating.GOOD, start - timedelta(days=160 - gap))
        for n in range(40 * 24 // 5):  # every 5 hours, some days at their first and last hours: 40 days
            if n % 11 == 3:
                continue  # a gap, so some days have no review and the streak is not the whole span
            when = start + timedelta(hours=5 * n, minutes=n % 7)
            store.record(keys[n % len(keys)], Rating.AGAIN if n % 4 == 0 else Rating.GOOD, when)
        store.record("other-deck/c", Rating.GOOD, start + timedelta(days=40))  # not a loaded deck
    for offset in (timedelta(days=40, hours=1), timedelta(days=40, hours=23), timedelta(days=24, hours=22),
                   timedelta(days=60), -timedelta(days=59)):
        now = start + offset
        fast = load_stats(decks, path, now)
        with Store.open(path) as store:
            everything = compute_stats(decks, store.memories(), store.reviews(), now,
                                       day_starts_at=4)
        assert fast == everything, offset
    latest = load_stats(decks, path, start + timedelta(days=39, hours=20))
    assert latest.streak > 1 and latest.reviews_today > 0 and latest.retention_reviews > 0
    assert sum(d.mature for d in latest.decks) >= 1


def test_streak_of_asks_day_by_day_and_stops_at_the_first_day_without() -> None:
    now = datetime(2026, 12, 1, 12, tzinfo=ZoneInfo("UTC"))
    asked: list[date] = []
    studied = {date(2026, 11, 30), date(2026, 11, 29), date(2026, 11, 27)}

    def reviewed_on(day: date) -> bool:
        asked.append(day)
        return day in studied

    assert streak_of(reviewed_on, now) == 2
    assert asked == [date(2026, 12, 1), date(2026, 11, 30), date(2026, 11, 29), date(2026, 11, 28)]
    log = [ReviewRecord(i, "d/c", 1, Rating.GOOD, datetime.combine(d, datetime.min.time(), now.tzinfo), None,
                        Phase.REVIEW) for i, d in enumerate(studied)]
    assert streak(log, now) == 2


def test_a_damaged_stored_state_is_reported_as_damage(tmp_path: Path) -> None:
    import sqlite3

    import pytest

    from aiquiz.progress.store import StoreCorrupt

    decks = load_decks([FIXTURES / "daily"])
    path = tmp_path / "progress.sqlite3"
    with Store.open(path) as store:
        store.record(f"{decks[0].id}/{decks[0].cards[0].id}", Rating.GOOD, datetime(2026, 11, 1, tzinfo=ZoneInfo("UTC")))
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE cards SET memory = '{not json'")
    with pytest.raises(StoreCorrupt, match="damaged"):
        load_stats(decks, path, datetime(2026, 11, 2, tzinfo=ZoneInfo("UTC")))
