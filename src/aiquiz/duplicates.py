"""Near-duplicate cards across decks: two cards that ask nearly the same thing.

Each card is reduced to what it says, in English (or its only language): a basic card's front and back,
a choice card's front and right option, a truefalse statement, a cloze text with its gaps filled. So
"the same sentence as a cloze and as a choice" compares alike. The words are folded (NFKC, case),
punctuation becomes space, the words are sorted (order is ignored), and every pair is scored with
rapidfuzz's normalised Indel similarity (`fuzz.ratio`, 0-100; on sorted words this is
`token_sort_ratio`). rapidfuzz scores the pairs in C: the shipped 424 cards take well under 0.1 s.

Thresholds, measured on the shipped decks (2026-12): every pair scoring 70 or more is one the content
review lists as a cluster to merge (a cloze and a choice on one sentence, one question asked in two
decks); from 60 to 70 a third of the pairs are only cards on one topic. Separately, two questions alike
at 95 or more (the same front asked in two decks) are reported even when the answers differ.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from aiquiz.model import AnyCard, BasicCard, ChoiceCard, ClozeCard, Deck, TrueFalseCard, cloze_render
from aiquiz.select import Picked

THRESHOLD = 70.0  # question and answer together
SAME_QUESTION = 95.0  # the question alone
MIN_WORDS = 4  # shorter texts ("Who?") are alike without being duplicates

_PUNCT = re.compile(r"[^\w]+")


@dataclass(frozen=True)
class DuplicatePair:
    """Two cards that ask nearly the same; `second` comes later in the loaded decks."""

    first: Picked
    second: Picked
    score: float


def card_texts(card: AnyCard) -> tuple[str, str]:
    """The card's question, and its question with its answer, in English or its only language."""
    match card:
        case ClozeCard():
            text = cloze_render(card.text.get("en"), reveal=True)
            return text, text
        case TrueFalseCard():
            return card.statement.get("en"), card.statement.get("en")
        case ChoiceCard():
            return card.front.get("en"), f"{card.front.get('en')} {card.choices[card.answer].get('en')}"
        case BasicCard():
            return card.front.get("en"), f"{card.front.get('en')} {card.back.get('en')}"
    raise AssertionError(card)  # pragma: no cover - every kind is handled above


def comparable_words(text: str) -> str:
    """The words rapidfuzz compares: NFKC, case-folded, punctuation as spaces, sorted (word order ignored).

    Chinese is not converted to simplified here: deck text is simplified already, and the conversion
    table costs more to load than the whole comparison.
    """
    return " ".join(sorted(_PUNCT.sub(" ", unicodedata.normalize("NFKC", text).casefold()).split()))


def near_duplicates(decks: Sequence[Deck], threshold: float = THRESHOLD,
                    same_question: float = SAME_QUESTION) -> list[DuplicatePair]:
    """Every pair of cards of `decks` that say nearly the same.

    Args:
        decks: The loaded decks.
        threshold: The least score (0-100) of question and answer together.
        same_question: The least score of the question alone.

    Returns:
        The pairs, in the order of their second card, then their first; each with its higher score.
    """
    from rapidfuzz import fuzz, process

    picked = [Picked(deck, card) for deck in decks for card in deck.cards]
    texts = [tuple(comparable_words(t) for t in card_texts(p.card)) for p in picked]
    short = [len(q.split()) < MIN_WORDS and not re.search(r"[\u3400-\u9fff]{8}", q) for q, _ in texts]
    columns = ([q for q, _ in texts], [qa for _, qa in texts])
    pairs = []
    for j in range(1, len(picked)):
        if short[j]:
            continue
        scores: dict[int, float] = {}
        for part, least in ((1, threshold), (0, same_question)):
            for _, score, i in process.extract(texts[j][part], columns[part][:j], scorer=fuzz.ratio,
                                               processor=None, score_cutoff=least, limit=None):
                if not short[i]:
                    scores[i] = max(score, scores.get(i, 0.0))
        pairs += [DuplicatePair(picked[i], picked[j], scores[i]) for i in sorted(scores)]
    return pairs
