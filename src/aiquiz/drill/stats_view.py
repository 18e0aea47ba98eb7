"""Drawing `aiquiz stats` with rich: a table per deck, the headline numbers and a 14-day due bar chart.

`load_stats` reads the store (without creating it); `render_stats` turns the numbers into a renderable.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from aiquiz.deckindex import DeckIndex
from aiquiz.i18n import N_, _, ngettext
from aiquiz.model import Deck
from aiquiz.progress.history import hidden
from aiquiz.progress.settings import from_rows
from aiquiz.progress.stats import RETENTION_DAYS, Stats, compute_stats, day_windows, local_day
from aiquiz.progress.store import Store

BAR_WIDTH = 40
WEEKDAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))
MONTHS = (N_("Jan"), N_("Feb"), N_("Mar"), N_("Apr"), N_("May"), N_("Jun"), N_("Jul"), N_("Aug"), N_("Sep"),
          N_("Oct"), N_("Nov"), N_("Dec"))


def load_stats(decks: Sequence[Deck | DeckIndex], path: Path, now: datetime) -> Stats:
    """The stats of `decks` from the store at `path` (all cards new when there is no store yet).

    Raises:
        StoreError: the store exists but cannot be used.
    """
    if not path.exists():
        return compute_stats(decks, {}, [], now)
    with Store.open(path, check=False) as store:  # only reads: a damaged page still fails as StoreCorrupt
        starts_at = from_rows(store.setting_rows()).day_starts_at
        ids = [d.id for d in decks]

        def reviewed_on(day: date) -> bool:  # the streak: an indexed range of the log per day, not all of it
            return any(store.reviewed_between(start, end, ids, lambda at: local_day(at, now, starts_at) == day)
                       for start, end in day_windows(day, now, starts_at))

        recent = store.reviews(since=now - timedelta(days=RETENTION_DAYS + 2))  # today and the retention window
        marks = store.marks()
        return compute_stats(decks, store.standings(), recent, now, hidden(marks, now), starts_at, reviewed_on,
                             frozenset(k for k, m in marks.items() if m.suspended))


def deck_table(stats: Stats) -> Table:
    """Per deck: total, then new, learning, young, mature and suspended (which add up to it), and due now."""
    table = Table(title=_("Cards"), title_justify="left", title_style="bold", box=box.SIMPLE_HEAD, pad_edge=False,
                  collapse_padding=True)
    table.add_column(_("deck"), no_wrap=True)  # the deck id whole; the headers of the counts wrap first
    columns = (("total", _("cards"), ""), ("new", _("new"), "blue"), ("learning", _("learning"), "yellow"),
               ("young", _("young"), "cyan"), ("mature", _("mature"), "green"),
               ("suspended", _("suspended"), "dim"), ("due", _("due now"), "red"))
    for _field, name, style in columns:
        table.add_column(name, justify="right", style=style)
    for d in stats.decks:
        table.add_row(d.deck, *(str(getattr(d, f)) for f, _name, _style in columns))
    if len(stats.decks) > 1:
        sums = [sum(getattr(d, f) for d in stats.decks) for f, _name, _style in columns]
        table.add_row(Text(_("all"), style="bold"), *(Text(str(n), style="bold") for n in sums))
    return table


def forecast_chart(stats: Stats, width: int = BAR_WIDTH) -> Table:
    """The next 14 days' due counts as horizontal bars, today first (today includes overdue cards)."""
    top = max((n for _day, n in stats.forecast), default=0)
    chart = Table.grid(padding=(0, 1))
    chart.add_column(style="dim")
    chart.add_column()
    chart.add_column(justify="right")
    for i, (day, count) in enumerate(stats.forecast):
        label = _("today") if i == 0 else _("tomorrow") if i == 1 else day_label(day)
        bar = "█" * (round(count / top * width) if top else 0) or ("▏" if count else "")
        chart.add_row(label, Text(bar, style="cyan"), str(count))
    return chart


def day_label(day: date) -> str:
    """A day of the forecast: "Mon 06 Jan" (as strftime's "%a %d %b" in the C locale), "1月06日 周一"."""
    return _("{weekday} {day} {month}").format(weekday=_(WEEKDAYS[day.weekday()]), day=f"{day.day:02d}",
                                               month=_(MONTHS[day.month - 1]))


def headline(stats: Stats) -> Text:
    """Reviews today, 30-day retention, streak."""
    rate = "—" if stats.retention is None else _("{rate:.0%} of {count} reviews").format(
        rate=stats.retention, count=stats.retention_reviews)
    out = Text()
    out.append(_("Reviews today "), style="dim").append(str(stats.reviews_today), style="bold")
    out.append(_("   Retention (30 days) "), style="dim").append(rate, style="bold")
    out.append(_("   Streak "), style="dim").append(
        ngettext("{count} day", "{count} days", stats.streak).format(count=stats.streak), style="bold")
    return out


def render_stats(stats: Stats) -> RenderableType:
    """Everything `aiquiz stats` shows, ready for `Console.print`."""
    parts: list[RenderableType] = [deck_table(stats), headline(stats),
                                   Text("\n" + _("Due in the next 14 days"), style="bold"), forecast_chart(stats)]
    if stats.removed:
        listed = ", ".join(stats.removed[:5]) + (" ..." if len(stats.removed) > 5 else "")
        parts.append(Text("\n" + _("{count} studied card(s) are no longer in their decks (history kept): {keys}")
                          .format(count=len(stats.removed), keys=listed), style="yellow"))
    return Group(*parts)
