"""Checks for deck authors beyond validity: cues that give answers away, gap overlaps, duplicates.

`lint(decks)` returns findings and never prints; `aiquiz lint` prints them. Every finding names the
file, the card's line, the card id (or the deck id), the rule and one line of why. The rules:

- `accept-fits-other-gap`: an alternative that counts in one gap of a cloze card resembles another
  gap's answer (a near miss of it, contains it or is contained in it, or shares most words with it).
- `accept-equals-other-gap`: an alternative that counts in one gap equals another gap's answer.
  A list `accept` on a card with several gaps counts in every gap, so its entries are checked against
  every gap's answer.
- `length-cue`: the right option of a choice card is longer than every other by more than 1.3x, in
  English or in Chinese.
- `longest-share`: more than a third of a deck's choice cards (of at least 3) have the right option
  longest.
- `distractor-equals-answer`: a wrong option equal to the right one after normalisation.
- `near-duplicate`: two cards of the loaded decks ask nearly the same (see `duplicates`).
- `false-by-attribution`: a false truefalse statement that names another interview or its host
  (see `ATTRIBUTION`): such a card is false only because of who said it and teaches the wrong thing.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from aiquiz.model import AnyCard, ChoiceCard, ClozeCard, Deck, Text, TrueFalseCard, cloze_answers, cloze_gaps

LENGTH_CUE_RATIO = 1.3
LONGEST_SHARE_MAX = 1 / 3
LONGEST_SHARE_MIN_CARDS = 3
WORD_OVERLAP = 80  # rapidfuzz token_sort_ratio (0-100) from which two answers share "most words"

# Words that name an interview or its host, by the start of the source id. A statement naming one of
# these in a deck (or a card citing sources) without that interview is about who said something.
ATTRIBUTION: dict[str, tuple[str, ...]] = {
    "devday": ("Stebbings", "20VC", "DevDay", "斯特宾斯", "开发者日"),
    "greylock": ("Hoffman", "Greylock", "霍夫曼"),
    "harvard": ("Harvard", "HBS", "哈佛"),
    "stratechery": ("Thompson", "Stratechery", "汤普森"),
}


class Rule(StrEnum):
    """The lint rules, by the name a finding shows."""

    ACCEPT_FITS_OTHER_GAP = "accept-fits-other-gap"
    ACCEPT_EQUALS_OTHER_GAP = "accept-equals-other-gap"
    LENGTH_CUE = "length-cue"
    LONGEST_SHARE = "longest-share"
    DISTRACTOR_EQUALS_ANSWER = "distractor-equals-answer"
    NEAR_DUPLICATE = "near-duplicate"
    FALSE_BY_ATTRIBUTION = "false-by-attribution"


@dataclass(frozen=True)
class Finding:
    """One thing a deck author may want to fix."""

    path: str
    line: int | None
    card: str
    rule: Rule
    message: str

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.card}: {self.rule.value}: {self.message}"


def lint(decks: Sequence[Deck]) -> list[Finding]:
    """Every finding of every rule on the decks, in file and line order (near duplicates across decks too).

    Args:
        decks: The loaded decks.

    Returns:
        The findings, sorted by file, line and rule.
    """
    from aiquiz.duplicates import near_duplicates

    findings: list[Finding] = []
    for deck in decks:
        for card in deck.cards:
            findings.extend(_card_findings(deck, card))
        findings.extend(_longest_share(deck))
    for pair in near_duplicates(decks):
        findings.append(Finding(pair.second.deck.path, pair.second.card.line, pair.second.card.id,
                                Rule.NEAR_DUPLICATE,
                                f"asks nearly what {pair.first.key} asks ({pair.first.deck.path}:"
                                f"{pair.first.card.line}; {pair.score:.0f}% alike)"))
    return sorted(findings, key=lambda f: (f.path, f.line or 0, list(Rule).index(f.rule)))


def counts(findings: Iterable[Finding]) -> dict[Rule, int]:
    """Findings per rule, every rule included, in the order of `Rule`."""
    found = Counter(f.rule for f in findings)
    return {rule: found[rule] for rule in Rule}


def _card_findings(deck: Deck, card: AnyCard) -> Iterator[Finding]:
    def finding(rule: Rule, message: str) -> Finding:
        return Finding(deck.path, card.line, card.id, rule, message)

    match card:
        case ClozeCard():
            for rule, message in cloze_problems(card):
                yield finding(rule, message)
        case ChoiceCard():
            for rule, message in choice_problems(card):
                yield finding(rule, message)
        case TrueFalseCard():
            names = attribution_names(deck, card)
            if names:
                yield finding(Rule.FALSE_BY_ATTRIBUTION, "false, and seemingly because of who said it "
                              f"({'; '.join(names)}); test what was said, not who said it")


def cloze_problems(card: ClozeCard) -> Iterator[tuple[Rule, str]]:
    """The accept rules on a cloze card: list on several gaps, alternatives equal to or fitting another gap."""
    from aiquiz.judge import comparable, judge_text

    answers = _gap_answers(card)
    if len(answers) < 2:
        return
    for number, entry in _alternatives(card, answers):
        others = [(m, words) for m, words in answers.items() if m != number]
        where = "the list counts in every gap" if number == 0 else f"it is an alternative of gap {number}"
        equal = [m for m, words in others if any(comparable(entry) == comparable(w) for w in words)]
        fits = [(m, words) for m, words in others
                if judge_text(entry, words).right or any(_resembles(entry, w) for w in words)]
        if equal:
            yield (Rule.ACCEPT_EQUALS_OTHER_GAP, f"accept {entry!r} is gap {equal[0]}'s answer, but {where}")
        elif fits:
            yield (Rule.ACCEPT_FITS_OTHER_GAP, f"accept {entry!r} resembles gap {fits[0][0]}'s answer "
                   f"{fits[0][1][0]!r}, but {where}")


def _gap_answers(card: ClozeCard) -> dict[int, tuple[str, ...]]:
    found: dict[int, list[str]] = {}
    for text in card.text.parts("both"):
        for number, words in cloze_answers(text).items():
            found.setdefault(number, []).extend(words)
    return {n: tuple(w) for n, w in found.items() if n in cloze_gaps(card.text.get("en"))}


def _alternatives(card: ClozeCard, answers: dict[int, tuple[str, ...]]) -> Iterator[tuple[int, str]]:
    """(gap, entry) for every per-gap entry, and (0, entry) for a list entry (it counts in every gap)."""
    for number, entries in card.accept_gaps:
        for entry in entries:
            yield number, entry
    for entry in card.accept:
        yield 0, entry


def _resembles(entry: str, answer: str) -> bool:
    """One contains the other, or they share most words (rapidfuzz token_sort_ratio on folded text)."""
    from rapidfuzz import fuzz

    from aiquiz.judge import comparable
    from aiquiz.judge.numbers import has_number
    from aiquiz.judge.text import fold

    a, b = comparable(entry), comparable(answer)
    if has_number(a) or has_number(b):  # numbers are exact: 1 billion does not resemble 100 million
        return False
    if min(len(a), len(b)) >= 2 and (a in b or b in a):
        return True
    return fuzz.token_sort_ratio(fold(entry), fold(answer), score_cutoff=WORD_OVERLAP) > 0


def choice_problems(card: ChoiceCard) -> Iterator[tuple[Rule, str]]:
    """The length cue and a distractor equal to the answer, on a choice card."""
    from aiquiz.judge import comparable

    right = card.choices[card.answer]
    for lang in ("en", "zh"):
        ratio = length_ratio(card.choices, card.answer, lang)
        if ratio is not None and ratio > LENGTH_CUE_RATIO:
            yield (Rule.LENGTH_CUE, f"the right option ({_letter(card.answer)}) is {ratio:.2f}x as long as the "
                   f"longest other in {lang}; learners pick the longest")
            break
    mine = {comparable(t) for t in right.parts("both")} - {""}
    for index, choice in enumerate(card.choices):
        if index != card.answer and mine & {comparable(t) for t in choice.parts("both")}:
            yield (Rule.DISTRACTOR_EQUALS_ANSWER, f"option {_letter(index)} is the right option "
                   f"({_letter(card.answer)}) written again")


def length_ratio(choices: tuple[Text, ...], answer: int, lang: str) -> float | None:
    """How many times longer the right option is than the longest other, in `lang` (None: not written)."""
    texts = [getattr(c, lang) or c.plain for c in choices]
    if any(t is None for t in texts):
        return None
    lengths = [len(t) for t in texts if t is not None]
    others = max(n for i, n in enumerate(lengths) if i != answer)
    return lengths[answer] / max(others, 1)


def _longest_share(deck: Deck) -> Iterator[Finding]:
    choice = [c for c in deck.cards if isinstance(c, ChoiceCard)]
    longest = sum(1 for c in choice if any((length_ratio(c.choices, c.answer, lang) or 0) > 1 for lang in ("en", "zh")))
    if len(choice) >= LONGEST_SHARE_MIN_CARDS and longest / len(choice) > LONGEST_SHARE_MAX:
        first = min(c.line for c in choice)
        yield Finding(deck.path, first, deck.id, Rule.LONGEST_SHARE,
                      f"in {longest} of {len(choice)} choice cards ({longest / len(choice):.0%}) the right "
                      f"option is the longest; keep it at most a third ({int(len(choice) * LONGEST_SHARE_MAX)})")


def attribution_names(deck: Deck, card: TrueFalseCard) -> tuple[str, ...]:
    """Why a false statement looks false only because of who said it (empty when it does not, or is true).

    Two signs, either is enough: the statement names another interview or its host (`ATTRIBUTION`
    words of a source that is not the card's: its cited sources, or the deck's when it cites none); or
    the first sentence of its English `explain` gives the words to someone else ("is Thompson's", "the
    editor's note", "is from DevDay 2024", "his wording at Harvard", "the host relays").
    """
    if card.answer:
        return ()
    own = {c.source for c in card.cite if c.source} or {s.id for s in deck.sources}
    others = [n for prefix, names in ATTRIBUTION.items() if not any(s.startswith(prefix) for s in own)
              for n in names]
    text = " ".join(card.statement.parts("both"))
    found = [n for n in others if re.search(rf"(?<![A-Za-z]){re.escape(n)}(?![A-Za-z])", text)]
    explain = card.explain.get("en") if card.explain is not None else ""
    first = re.split(r"(?<=[.!?])\s", explain, maxsplit=1)[0]
    match = _someone_else(tuple(others)).search(first)
    if match:
        found.append(f"explain: {match.group(0)!r}")
    return tuple(found)


_WHO = (r"(?:the |APPSO )*(?:editor|host|skeptics|article|Masayoshi Son|Ben Thompson|Thompson|Reid Hoffman|"
        r"Hoffman|Stebbings)")
_WHOSE = r"(?:note|gloss|commentary|position|claim|remark|question|proposal|argument|account|idea|summary|wording)"


@lru_cache(maxsize=16)
def _someone_else(other_interviews: tuple[str, ...]) -> re.Pattern[str]:
    where = "|".join(re.escape(n) for n in other_interviews) or "(?!)"
    return re.compile(
        rf"\b(?:is|are|was) {_WHO}(?:'s|')?(?![a-z])"
        rf"|{_WHO}(?:'s|') {_WHOSE}"
        rf"|{_WHO} (?:raised|introduced|relays|put|supplied|added)"
        rf"|\b(?:written by|added by) {_WHO}|\bbiography\b|\barticle's introduction"
        rf"|\b(?:is|are|comes|come) from (?:the |his )?(?:\d{{4}} )?(?:{where})"
        rf"|\b(?:wording|said|says) at (?:{where})")
def _letter(index: int) -> str:
    return chr(ord("a") + index)
