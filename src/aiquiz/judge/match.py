"""Matching one typed answer against the answers a question allows: exact, near miss, or wrong.

Near misses are typing slips: a small edit distance (rapidfuzz's optimal string alignment, so a swap
of two neighbouring letters is one edit) relative to the length of the expected answer. A number is
never a near miss: when either side holds one, only the same value counts (see `numbers`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from aiquiz.judge.diff import Segment, char_diff
from aiquiz.judge.numbers import MARK, has_number
from aiquiz.judge.text import comparable, is_cjk

MIN_NEAR_LATIN = 4  # shorter words must be exact: one edit in "cat" gives "bat"
LONG_LATIN = 8  # up to this many letters one edit is a slip, beyond it two
CJK_CHARS_PER_EDIT = 4  # Chinese: one wrong character in four or more


class Match(StrEnum):
    """How a typed answer compares with what is expected."""

    EXACT = "exact"  # equal after normalisation
    NEAR = "near"  # a typing slip away
    WRONG = "wrong"
    EMPTY = "empty"  # nothing typed


@dataclass(frozen=True)
class Verdict:
    """The verdict on one typed answer.

    Attributes:
        match: Exact, near, wrong or empty.
        expected: The allowed answer it was matched with (None when wrong or empty).
        diff: For a near miss, the typed answer against `expected`, character by character.
    """

    match: Match
    expected: str | None = None
    diff: tuple[Segment, ...] = ()

    @property
    def right(self) -> bool:
        """True for an exact match or a near miss."""
        return self.match in (Match.EXACT, Match.NEAR)


_NUMBER_TOKEN = re.compile(f"{MARK}[^{MARK}]*{MARK}")


def allowed_edits(expected: str) -> int:
    """How many edits a near miss of `expected` (in comparable form) may have.

    Latin: none below 4 letters, one up to 8, two beyond. Chinese: one per four characters (len // 4).
    Numbers are never near: only the words around them are counted (a number alone: no edits).
    """
    if has_number(expected):
        expected = _NUMBER_TOKEN.sub("", expected)
    if is_cjk(expected):
        return len(expected) // CJK_CHARS_PER_EDIT
    if len(expected) < MIN_NEAR_LATIN:
        return 0
    return 1 if len(expected) <= LONG_LATIN else 2


def edits(typed: str, expected: str) -> int | None:
    """The edits from `typed` to `expected` (both comparable) if within `allowed_edits`, else None."""
    limit = allowed_edits(expected)
    if limit == 0 or _NUMBER_TOKEN.findall(typed) != _NUMBER_TOKEN.findall(expected):
        return 0 if typed == expected else None  # a different number is wrong, never a near miss
    from rapidfuzz.distance import OSA  # imported when an answer is judged, not by every command

    distance = OSA.distance(typed, expected, score_cutoff=limit)
    return distance if distance <= limit else None


def judge_text(typed: str, allowed: Iterable[str], near: bool = True) -> Verdict:
    """Match a typed answer with the answers allowed.

    Args:
        typed: What was typed.
        allowed: The answers that count (the expected text and its alternatives), as written.
        near: Whether near misses count (False: exact matches only).

    Returns:
        EXACT when one allowed answer is equal after normalisation, else NEAR with the closest one
        and the character diff, else WRONG; EMPTY when nothing comparable was typed.
    """
    mine = comparable(typed)
    if not mine:
        return Verdict(Match.EMPTY)
    best: tuple[int, str] | None = None
    for answer in allowed:
        theirs = comparable(answer)
        if not theirs:
            continue
        if mine == theirs:
            return Verdict(Match.EXACT, answer)
        distance = edits(mine, theirs) if near else None
        if distance is not None and (best is None or distance < best[0]):
            best = (distance, answer)
    if best is None:
        return Verdict(Match.WRONG)
    return Verdict(Match.NEAR, best[1], char_diff(typed, best[1]))


def near_any(typed: str, answers: Iterable[str]) -> bool:
    """True when `typed` is equal to or a near miss of one of `answers`."""
    return judge_text(typed, answers).right
