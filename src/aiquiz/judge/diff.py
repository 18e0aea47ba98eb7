"""The difference between a typed answer and the expected one, character by character (as Anki shows it).

`char_diff` is pure and returns segments; the drill's view styles them, and `plain_diff` writes them
with visible marks for a screen without colours: `Harry Steb[-b]ings` (b was missing),
`Harry Steb[+x]bings` (x was typed but is not in the answer).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from aiquiz.judge.text import fold, ignorable


class SegmentKind(StrEnum):
    """What a stretch of a diff is."""

    SAME = "same"  # typed as in the answer
    TYPED_WRONG = "typed-wrong"  # typed, but not in the answer
    MISSING = "missing"  # in the answer, but not typed


@dataclass(frozen=True)
class Segment:
    """A stretch of text of one kind."""

    text: str
    kind: SegmentKind


def char_diff(typed: str, expected: str) -> tuple[Segment, ...]:
    """The typed answer as segments against the expected one, ignoring case, width and script variant.

    Differences in punctuation and spaces alone are not marked (they are never compared): a typed one
    counts as same, a missing one is left out.

    Args:
        typed: What the learner typed.
        expected: The answer it is compared with.

    Returns:
        Segments in reading order; their SAME and TYPED_WRONG texts spell `typed` (stripped) in order.
    """
    from rapidfuzz.distance import Levenshtein  # imported when an answer is judged, not by every command

    typed, expected = typed.strip(), expected.strip()
    keys_a, keys_b = [fold(ch) for ch in typed], [fold(ch) for ch in expected]
    out: list[Segment] = []
    for op in Levenshtein.opcodes(keys_a, keys_b):
        if op.tag == "equal":
            _add(out, typed[op.src_start:op.src_end], SegmentKind.SAME)
            continue
        if op.tag in ("replace", "delete"):
            for ch in typed[op.src_start:op.src_end]:
                _add(out, ch, SegmentKind.SAME if ignorable(ch) else SegmentKind.TYPED_WRONG)
        if op.tag in ("replace", "insert"):
            for ch in expected[op.dest_start:op.dest_end]:
                if not ignorable(ch):
                    _add(out, ch, SegmentKind.MISSING)
    return tuple(out)


def _add(out: list[Segment], text: str, kind: SegmentKind) -> None:
    if not text:
        return
    if out and out[-1].kind is kind:
        out[-1] = Segment(out[-1].text + text, kind)
    else:
        out.append(Segment(text, kind))


def plain_diff(segments: tuple[Segment, ...]) -> str:
    """Segments as plain text with visible marks: `[-b]` missing, `[+x]` typed but wrong."""
    marks = {SegmentKind.SAME: "{}", SegmentKind.TYPED_WRONG: "[+{}]", SegmentKind.MISSING: "[-{}]"}
    return "".join(marks[s.kind].format(s.text) for s in segments)
