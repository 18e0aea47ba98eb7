"""Numbers written freely, compared exactly: "$100 million" = "100M" = "1亿美元" = "一亿美元".

`canonical_numbers` rewrites every number in a folded text (NFKC, case-folded, simplified Chinese) into
one token per value, `⌗100000000⌗`, so two answers that say the same number in different spellings
compare equal and two that say different numbers never do. What it understands:

- digits with separators: 1,000 / 1 000 / 1000 / 1.5
- scales: k, m/mn, b/bn, t/tn, hundred, thousand, million, billion, trillion, 百, 千, 万, 亿 (and
  combinations: 千亿, 万亿, "hundred thousand")
- currency, dropped: $, US$, USD, ¥, RMB, €, £, dollars, 美元, 元, 人民币
- percent, kept as a unit: %, percent, per cent, pct, 百分之十
- multipliers, kept as a unit: 10x, 10×, "10 times", "10-fold", 10倍
- simple Chinese numerals: 十, 十五, 五十, 一百, 两千, 五万, 一千亿, 三亿五千万
- simple English number words: ten, twelve, fifty, twenty-five, three hundred
- ranges: 15-20, 15~20, 15 to 20, 15至20, 6到9 are one spelling

Chinese numerals are read only where they clearly are numbers: runs of two or more numeral characters,
a run starting with 十, or a single digit that is the whole answer or is followed by 倍 or %; so 一些,
统一 and 万一 stay words. Currency is dropped because learners leave it out ("100M" for "$100 million");
percent and "times" are kept because 10% and 10x are different answers.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

MARK = "⌗"  # a symbol (category So): survives the removal of punctuation and spaces
POINT = "∙"  # the decimal point in a token (category Sm): "." is punctuation, dropped when comparing

_ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9}
_ZH_SMALL = {"十": 10, "百": 100, "千": 1000}
_ZH_BIG = {"万": 10**4, "亿": 10**8}
_ZH_RUN = re.compile("[" + "".join([*_ZH_DIGITS, *_ZH_SMALL, *_ZH_BIG]) + "]+")
_ZH_PERCENT = re.compile(r"百分之\s*([0-9][0-9.,]*|[" + "".join([*_ZH_DIGITS, *_ZH_SMALL, *_ZH_BIG]) + "]+)")

_EN_UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
             "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_EN_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_EN_VALUES = {**{w: i for i, w in enumerate(_EN_UNITS)}, **{w: 20 + 10 * i for i, w in enumerate(_EN_TENS)}}
_EN_WORD = "(?:" + "|".join(sorted(_EN_VALUES, key=len, reverse=True)) + ")"
_EN_RUN = re.compile(rf"\b{_EN_WORD}(?:(?:\s+|-)(?:{_EN_WORD}|hundred))*\b")

_SCALES = {"k": 10**3, "thousand": 10**3, "m": 10**6, "mn": 10**6, "million": 10**6, "b": 10**9,
           "bn": 10**9, "billion": 10**9, "t": 10**12, "tn": 10**12, "trillion": 10**12, "hundred": 100,
           "百": 100, "千": 1000, "万": 10**4, "亿": 10**8}
_SCALE = r"(?:thousand|million|billion|trillion|hundred|mn|bn|tn|[kmbt])(?![a-z])|[百千万亿]"
_NUMBER = re.compile(
    r"(?<![0-9.,])(?:(?:us\$|usd|rmb|\$|¥|€|£)\s*)?"
    r"(?P<num>[0-9]{1,3}(?:[, ][0-9]{3})+(?![0-9])|[0-9]+)(?P<frac>\.[0-9]+)?"
    rf"(?P<scales>(?:\s*(?:{_SCALE}))*)"
    r"(?:\s*(?:usd|rmb|dollars?|bucks|美元|人民币|元)(?![a-z]))?"
    r"(?:\s*(?P<unit>%|percent|per\s*cent|pct|×|x(?![a-z])|times|-?fold|倍))?"
)
_SCALE_WORD = re.compile(_SCALE)
_A_SCALE = re.compile(r"\ban? (hundred|thousand|million|billion|trillion)\b")
_RANGE = re.compile(MARK + r"\s*(?:-|–|—|~|至|到|to)\s*" + MARK)


def canonical_numbers(folded: str) -> str:
    """`folded` with every number it writes as one `⌗value[unit]⌗` token.

    Args:
        folded: Text already NFKC-normalised, case-folded and in simplified Chinese.

    Returns:
        The text with numbers replaced: "$100 million" -> "⌗100000000⌗", "10 倍" -> "⌗10x⌗",
        "百分之十" -> "⌗10pct⌗". Text without numbers is returned unchanged.
    """
    text = _A_SCALE.sub(r"one \1", folded)  # "a hundred", "a million" = one hundred, one million
    text = _ZH_PERCENT.sub(lambda m: m.group(1) + "%", text)
    text = _ZH_RUN.sub(lambda m: _zh_run(m, text), text)
    text = _EN_RUN.sub(lambda m: str(_en_value(m.group(0))), text)
    text = _NUMBER.sub(_token, text)
    return _RANGE.sub(MARK + "~" + MARK, text)


def has_number(canonical: str) -> bool:
    """True when a text returned by `canonical_numbers` holds a number."""
    return MARK in canonical


def _token(m: re.Match[str]) -> str:
    try:
        value = Decimal(m.group("num").replace(",", "").replace(" ", "") + (m.group("frac") or ""))
    except InvalidOperation:  # pragma: no cover - the pattern only matches digits
        return m.group(0)
    for scale in _SCALE_WORD.findall(m.group("scales") or ""):
        value *= _SCALES[scale]
    unit = m.group("unit") or ""
    code = "pct" if unit[:1] in ("%", "p") else ("x" if unit else "")
    shown = format(value.normalize(), "f")
    shown = shown.rstrip("0").rstrip(".") if "." in shown else shown
    return f"{MARK}{shown.replace('.', POINT)}{code}{MARK}"


def _zh_run(m: re.Match[str], text: str) -> str:
    run = m.group(0)
    after = text[m.end():m.end() + 1]
    whole = not text[:m.start()].strip() and not text[m.end():].strip()
    simple = len(run) >= 2 or run == "十" or whole or (run in _ZH_DIGITS and after in ("倍", "%"))
    if not simple or run[0] in _ZH_BIG or run[0] in "百千":
        return run
    value = zh_value(run)
    return run if value is None else str(value)


def zh_value(run: str) -> int | None:
    """The value of a simple Chinese numeral: "五十" -> 50, "一千亿" -> 100000000000; None if not simple.

    Two digits in a row (一一, 三五) are not a number but a phrase or a range, so they give None.
    """
    total_yi = total_wan = section = 0
    digit: int | None = None
    for ch in run:
        if ch in _ZH_DIGITS:
            if digit is not None and digit != 0 and _ZH_DIGITS[ch] != 0:
                return None
            digit = _ZH_DIGITS[ch]
        elif ch in _ZH_SMALL:
            section += (1 if digit is None else digit) * _ZH_SMALL[ch]
            digit = None
        elif ch == "万":
            total_wan = (total_wan + section + (digit or 0)) * _ZH_BIG[ch]
            section, digit = 0, None
        else:
            total_yi = (total_yi + total_wan + section + (digit or 0)) * _ZH_BIG[ch]
            total_wan = section = 0
            digit = None
    return total_yi + total_wan + section + (digit or 0)


def _en_value(run: str) -> int:
    value = 0
    for word in re.split(r"\s+|-", run):
        value = (value or 1) * 100 if word == "hundred" else value + _EN_VALUES[word]
    return value
