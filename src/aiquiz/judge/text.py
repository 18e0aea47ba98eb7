"""Comparable forms of answers: width, case, punctuation, spaces, traditional/simplified, numbers."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from aiquiz.judge.numbers import canonical_numbers

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def fold(text: str) -> str:
    """NFKC, case-folded, and simplified Chinese when the text has Chinese characters."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _simplified(folded) if CJK.search(folded) else folded


def strip_ignorable(text: str) -> str:
    """`text` without punctuation, spaces and control characters."""
    return "".join(ch for ch in text if not ignorable(ch))


def ignorable(ch: str) -> bool:
    """True for punctuation, separators, spaces and control characters (never compared)."""
    return unicodedata.category(ch)[0] in "PZC" or ch.isspace()


def normalize(text: str) -> str:
    """The comparable form of a key or word: NFKC, case-folded, simplified Chinese, no punctuation or spaces.

    Examples: "Ｈｅｌｌｏ, World!" -> "helloworld"; "發現 新科學。" -> "发现新科学".
    """
    return strip_ignorable(fold(text))


@lru_cache(maxsize=4096)
def comparable(text: str) -> str:
    """The form two answers are compared in: `normalize` with every number as one token.

    "$100 million" and "1亿美元" both give "⌗100000000⌗"; "Harry Stebbings!" gives "harrystebbings".
    """
    return strip_ignorable(canonical_numbers(fold(text)))


def is_cjk(text: str) -> bool:
    """True when a text has Chinese characters."""
    return CJK.search(text) is not None


@lru_cache(maxsize=4096)
def _simplified(text: str) -> str:
    import zhconv  # loads its dictionary on first use: only when Chinese is typed or expected

    return str(zhconv.convert(text, "zh-hans"))
