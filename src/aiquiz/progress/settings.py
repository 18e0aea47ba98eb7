"""The learner's settings, kept in the progress store: names, defaults, allowed values, per-deck overrides.

`aiquiz config` lists and sets them. A value is stored as text under a scope: "" for the global value, a
deck id for a deck's own value (only `new-per-day` and `retention` have those). Reading turns the rows
into one frozen `Settings`; a bad value is refused with the allowed range when it is set.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any

from aiquiz.errors import UsageError
from aiquiz.i18n import N_, _

GLOBAL = ""


class LeechAction(Enum):
    """What happens to a card that became a leech."""

    SUSPEND = "suspend"
    TAG = "tag"


@dataclass(frozen=True)
class Setting:
    """One setting: its name on the command line, type, default, allowed range and what it does."""

    name: str
    attr: str
    type: type
    default: Any
    doc: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    per_deck: bool = False

    def allowed(self) -> str:
        """The allowed values, as an error message names them."""
        if self.type is bool:
            return _("either true or false")
        if self.choices:
            return _(" or ").join(self.choices)
        if self.type is int:
            return _("a whole number from {low} to {high}").format(low=int(self.low or 0), high=int(self.high or 0))
        return _("a number from {low:g} to {high:g}").format(low=self.low, high=self.high)


SETTINGS: tuple[Setting, ...] = (
    Setting("new-per-day", "new_per_day", int, 10, N_("New cards introduced per study day, over all sessions."),
            0, 9999, per_deck=True),
    Setting("reviews-per-day", "reviews_per_day", int, 200, N_("Reviews of learned cards per study day."), 0, 99999),
    Setting("retention", "retention", float, 0.9, N_("Desired retention: the chance of recall when a card is due."),
            0.70, 0.99, per_deck=True),
    Setting("day-starts-at", "day_starts_at", int, 4, N_("The local hour a new study day starts (as in Anki)."), 0, 23),
    Setting("leech-threshold", "leech_threshold", int, 8,
            N_("A learned card rated Again this many times becomes a leech."), 1, 999),
    Setting("leech-action", "leech_action", LeechAction, LeechAction.SUSPEND,
            N_("What a leech gets: suspended, or only tagged."), choices=tuple(a.value for a in LeechAction)),
    Setting("bury-related", "bury_related", bool, True,
            N_("Hold back cards that cite the same passage as a card studied that day.")),
    Setting("refit-every", "refit_every", int, 500,
            N_("Re-fit FSRS to your reviews after this many new ones (0: never)."), 0, 1_000_000),
)
BY_NAME: Mapping[str, Setting] = {s.name: s for s in SETTINGS}


@dataclass(frozen=True)
class Settings:
    """Every setting's value; `deck_values` holds per-deck overrides as ((deck, name), value) pairs."""

    new_per_day: int = 10
    reviews_per_day: int = 200
    retention: float = 0.9
    day_starts_at: int = 4
    leech_threshold: int = 8
    leech_action: LeechAction = LeechAction.SUSPEND
    bury_related: bool = True
    refit_every: int = 500
    deck_values: tuple[tuple[tuple[str, str], Any], ...] = field(default=())

    def for_deck(self, deck: str, name: str) -> Any:
        """A setting's value for a deck: the deck's own value, else the global one."""
        own = dict(self.deck_values).get((deck, name))
        return own if own is not None else getattr(self, BY_NAME[name].attr)

    def retention_for(self, deck: str) -> float:
        """The desired retention of a deck's cards."""
        return float(self.for_deck(deck, "retention"))

    def deck_new_limits(self) -> dict[str, int]:
        """The decks with a new-per-day of their own, and that limit."""
        return {deck: int(v) for (deck, name), v in self.deck_values if name == "new-per-day"}


def setting(name: str) -> Setting:
    """The setting called `name`.

    Raises:
        UsageError: there is no such setting (the message lists them).
    """
    if name not in BY_NAME:
        raise UsageError(_("unknown setting '{name}' (one of: {names})").format(name=name, names=", ".join(BY_NAME)))
    return BY_NAME[name]


def parse_value(name: str, text: str, deck: str | None = None) -> Any:
    """The value `text` means for setting `name`.

    Raises:
        UsageError: the setting is unknown, has no per-deck value, or `text` is not allowed (the message
            names the allowed range).
    """
    spec = setting(name)
    if deck is not None and not spec.per_deck:
        per_deck = ", ".join(s.name for s in SETTINGS if s.per_deck)
        raise UsageError(_("'{name}' has no per-deck value (only {names} do)").format(name=name, names=per_deck))
    value = _convert(spec, text.strip())
    if value is None:
        raise UsageError(_("{name} must be {allowed}, not '{text}'").format(name=name, allowed=spec.allowed(),
                                                                            text=text))
    return value


def check_deck(deck: str, known: Iterable[str]) -> None:
    """Refuse a deck's own value for a deck id that is not `known` (a typo would keep a value no deck uses).

    Args:
        deck: The id given with `--deck`.
        known: The ids of the loaded decks.

    Raises:
        UsageError: `deck` is not known (the message suggests the closest id and lists them all).
    """
    ids = sorted(set(known))
    if deck in ids:
        return
    close = difflib.get_close_matches(deck, ids, n=1)
    if close:
        raise UsageError(_("no deck with id '{deck}': did you mean '{close}'? (loaded: {known})").format(
            deck=deck, close=close[0], known=", ".join(ids)))
    raise UsageError(_("no deck with id '{deck}' (loaded: {known})").format(deck=deck, known=", ".join(ids)))


def _convert(spec: Setting, text: str) -> Any:
    lowered = text.lower()
    if spec.type is bool:
        return {"true": True, "yes": True, "on": True, "1": True,
                "false": False, "no": False, "off": False, "0": False}.get(lowered)
    if spec.choices:
        return spec.type(lowered) if lowered in spec.choices else None
    try:
        number = int(text) if spec.type is int else float(text)
    except ValueError:
        return None
    if spec.low is not None and spec.high is not None and not spec.low <= number <= spec.high:
        return None
    return number


def format_value(value: Any) -> str:
    """A value as `aiquiz config` shows and the store keeps it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return str(value.value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def from_rows(rows: Iterable[tuple[str, str, str]]) -> Settings:
    """Settings from stored (scope, name, text) rows; unknown or damaged rows are ignored (defaults apply)."""
    values: dict[str, Any] = {}
    decks: dict[tuple[str, str], Any] = {}
    for scope, name, text in rows:
        try:
            value = parse_value(name, text, scope or None)
        except UsageError:
            continue  # written by a newer aiquiz, or edited by hand: the default applies
        if scope == GLOBAL:
            values[BY_NAME[name].attr] = value
        else:
            decks[(scope, name)] = value
    return replace(Settings(**values), deck_values=tuple(sorted(decks.items())))
