"""Drawing `aiquiz stats` with rich: a table per deck, the headline numbers and a 14-day due bar chart.

`load_stats` reads the store (without creating it); `render_stats` turns the numbers into a renderable.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from aiquiz.progress.stats import Stats, compute_stats
from aiquiz.progress.store import Store
from aiquiz.model import Deck

BAR_WIDTH = 40


def load_stats(decks: Sequence[Deck], path: Path, now: datetime) -> Stats:
    """The stats of `decks` from the store at `path` (all cards new when there is no store yet).

    Raises:
        StoreError: the store exists but cannot be used.
    """
    if not path.exists():
        return compute_stats(decks, {}, [], now)
    with Store.open(path) as store:
        return compute_stats(decks, store.memories(), store.reviews(), now)


def deck_table(stats: Stats) -> Table:
    """Per deck: total, new, learning, due now, mature."""
    table = Table(title="Cards", title_justify="left", title_style="bold")
    table.add_column("deck")
    for name, style in (("cards", ""), ("new", "blue"), ("learning", "yellow"), ("due", "red"),
                        ("mature", "green")):
        table.add_column(name, justify="right", style=style)
    for d in stats.decks:
        table.add_row(d.deck, str(d.total), str(d.new), str(d.learning), str(d.due), str(d.mature))
    if len(stats.decks) > 1:
        sums = [sum(getattr(d, f) for d in stats.decks) for f in ("total", "new", "learning", "due", "mature")]
        table.add_row(Text("all", style="bold"), *(Text(str(n), style="bold") for n in sums))
    return table


def forecast_chart(stats: Stats, width: int = BAR_WIDTH) -> Table:
    """The next 14 days' due counts as horizontal bars, today first (today includes overdue cards)."""
    top = max((n for _, n in stats.forecast), default=0)
    chart = Table.grid(padding=(0, 1))
    chart.add_column(style="dim")
    chart.add_column()
    chart.add_column(justify="right")
    for i, (day, count) in enumerate(stats.forecast):
        label = "today" if i == 0 else "tomorrow" if i == 1 else day.strftime("%a %d %b")
        bar = "█" * (round(count / top * width) if top else 0) or ("▏" if count else "")
        chart.add_row(label, Text(bar, style="cyan"), str(count))
    return chart


def headline(stats: Stats) -> Text:
    """Reviews today, 30-day retention, streak."""
    rate = "—" if stats.retention is None else f"{stats.retention:.0%} of {stats.retention_reviews} reviews"
    out = Text()
    out.append("Reviews today ", style="dim").append(str(stats.reviews_today), style="bold")
    out.append("   Retention (30 days) ", style="dim").append(rate, style="bold")
    out.append("   Streak ", style="dim").append(f"{stats.streak} day{'' if stats.streak == 1 else 's'}",
                                                    style="bold")
    return out


def render_stats(stats: Stats) -> RenderableType:
    """Everything `aiquiz stats` shows, ready for `Console.print`."""
    parts: list[RenderableType] = [deck_table(stats), headline(stats), Text("\nDue in the next 14 days", style="bold"),
                                   forecast_chart(stats)]
    if stats.removed:
        listed = ", ".join(stats.removed[:5]) + (" ..." if len(stats.removed) > 5 else "")
        parts.append(Text(f"\n{len(stats.removed)} studied card(s) are no longer in their decks "
                          f"(history kept): {listed}", style="yellow"))
    return Group(*parts)
