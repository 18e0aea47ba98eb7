"""Judging typed answers, independent of any screen or scheduler.

Modules:
    text     comparable forms: width, case, punctuation, spaces, traditional/simplified Chinese
    numbers  numbers written freely ("$100 million" = "100M" = "1亿美元"), compared exactly
    match    one typed answer against the answers allowed: exact, near miss (rapidfuzz), wrong
    diff     the character diff of a near miss, as (text, kind) segments

The drill's `aiquiz.drill.grading.judge(card, reply)` is built on these, per card kind.
"""

from aiquiz.judge.diff import Segment, SegmentKind, char_diff, plain_diff
from aiquiz.judge.match import Match, Verdict, allowed_edits, judge_text
from aiquiz.judge.numbers import canonical_numbers
from aiquiz.judge.text import comparable, normalize

__all__ = ["Match", "Segment", "SegmentKind", "Verdict", "allowed_edits", "canonical_numbers",
           "char_diff", "comparable", "judge_text", "normalize", "plain_diff"]
