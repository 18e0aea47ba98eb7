"""The shipped decks: floors, both languages, explain and cite on every card, all kinds, true anchors,
source metadata from the interview index, the tag vocabulary, and no sentences copied from the articles."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
import yaml

from aiquiz.loader import load_decks
from aiquiz.model import Deck, Kind, card_texts

from conftest import DECKS, ROOT

SHARED = ROOT.parent / "shared"
SOURCES = SHARED / "sources"
FLOORS = {"devday-2024": 60, "greylock-2022": 40, "harvard-2024": 60, "stratechery-2025": 60,
          "across-interviews": 20}
VOCABULARY = set(re.findall(r"^\| `([a-z-]+)` \|", (ROOT / "docs" / "deck-format.md").read_text(encoding="utf-8"),
                            flags=re.MULTILINE))
COPY_RUN = 16  # characters in a row shared with an article (beyond the anchor) count as copying
COPY_HAN = 12  # ... when at least this many of them are Chinese characters (names and product terms are not copies)
HAN = re.compile(r"[\u4e00-\u9fff]")

needs_sources = pytest.mark.skipif(not SOURCES.is_dir(), reason="../shared/sources is not beside the project")


@pytest.fixture(scope="module")
def decks() -> dict[str, Deck]:
    return {d.id: d for d in load_decks([DECKS])}


def test_every_deck_is_shipped_and_meets_its_floor(decks: dict[str, Deck]) -> None:
    assert set(FLOORS) <= set(decks)
    for deck_id, floor in FLOORS.items():
        assert len(decks[deck_id].cards) >= floor, deck_id


def test_each_deck_uses_all_four_kinds(decks: dict[str, Deck]) -> None:
    for deck in decks.values():
        assert all(n > 0 for n in deck.kind_counts().values()), (deck.id, deck.kind_counts())


def test_every_card_is_bilingual_explained_cited_and_tagged(decks: dict[str, Deck]) -> None:
    assert len(VOCABULARY) >= 17
    for deck in decks.values():
        for card in deck.cards:
            where = f"{deck.id}/{card.id}"
            assert card.explain is not None, where
            for text in card_texts(card):
                assert text.en and text.zh, where
            assert card.cite and all(c.section and c.anchor for c in card.cite), where
            assert card.tags and set(card.tags) <= VOCABULARY, (where, card.tags)
            assert card.difficulty in (1, 2, 3), where


def test_across_interviews_cards_cite_two_interviews(decks: dict[str, Deck]) -> None:
    deck = decks["across-interviews"]
    assert {s.id for s in deck.sources} == set(FLOORS) - {"across-interviews"}
    for card in deck.cards:
        assert len({c.source for c in card.cite}) >= 2, card.id


def test_choice_answers_are_spread_over_positions(decks: dict[str, Deck]) -> None:
    for deck in decks.values():
        answers = [c.answer for c in deck.cards if c.kind is Kind.CHOICE]
        assert len(set(answers)) >= 3, (deck.id, answers)


@needs_sources
def test_source_metadata_matches_the_interview_index(decks: dict[str, Deck]) -> None:
    index = {s["id"]: s for s in yaml.safe_load((SOURCES / "index.yaml").read_text(encoding="utf-8"))}
    for deck in decks.values():
        for source in deck.sources:
            entry = index[source.id]
            assert source.speaker == entry["speaker"], deck.id
            assert source.interviewer == entry["interviewer"], deck.id
            assert source.occasion == entry["occasion"], deck.id
            assert set(source.urls) == set(entry["urls"]), deck.id


@needs_sources
def test_every_anchor_is_found_in_its_interview() -> None:
    result = subprocess.run([sys.executable, str(SHARED / "tools" / "check_anchors.py"), str(DECKS)],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().splitlines()[-1].startswith("OK")


def _squash(text: str) -> str:
    return re.sub(r"[\s*]", "", text)


@needs_sources
def test_no_card_copies_a_sentence_from_its_article(decks: dict[str, Deck]) -> None:
    """No run of 16 characters (12 of them Chinese) is shared with the cited article, compared in simplified
    script on both sides (OpenCC t2s): the Stratechery article is traditional Chinese, the cards simplified."""
    from opencc import OpenCC

    simplified = OpenCC("t2s").convert
    index = {s["id"]: s for s in yaml.safe_load((SOURCES / "index.yaml").read_text(encoding="utf-8"))}
    runs: dict[str, set[str]] = {}
    for sid, entry in index.items():
        article = _squash(simplified((SOURCES / entry["text"]).read_text(encoding="utf-8")))
        runs[sid] = {article[i:i + COPY_RUN] for i in range(len(article) - COPY_RUN + 1)}
    copies = []
    for deck in decks.values():
        for card in deck.cards:
            anchors = [simplified(c.anchor) for c in card.cite if c.anchor]
            sids = {c.source or deck.sources[0].id for c in card.cite}
            for text in card_texts(card):
                body = _squash(simplified(text.zh or ""))
                for anchor in anchors:
                    body = body.replace(_squash(anchor), "|")
                for sid in sids:
                    hits = [run for i in range(len(body) - COPY_RUN + 1)
                            if (run := body[i:i + COPY_RUN]) in runs[sid] and len(HAN.findall(run)) >= COPY_HAN]
                    if hits:
                        copies.append(f"{deck.id}/{card.id}: {hits[0]}")
    assert not copies, "\n".join(copies)
