"""Lenient judging of drill answers: width, case, punctuation, accept lists, traditional vs simplified."""

from __future__ import annotations

import pytest

from aiquiz.drill.grading import (Reply, choice_index, judge, matches, normalize, overrule, truefalse_value)
from aiquiz.progress.scheduler import Rating
from aiquiz.model import BasicCard, ChoiceCard, ClozeCard, Text, TrueFalseCard

BASIC = BasicCard(id="b", front=Text(en="Who?", zh="谁？"),
                  back=Text(en="Harry Stebbings", zh="哈里·斯特宾斯"), accept=("Stebbings", "20VC host"))
CLOZE = ClozeCard(id="c", text=Text(en="Focus on {{c1::reasoning}} models, {{c2::10x}} growth.",
                                    zh="专注{{c1::推理}}模型，{{c2::10 倍}}增长。"), accept=("reasoning models",))
CHOICE = ChoiceCard(id="ch", front=Text(en="Pick"), choices=(Text(en="a"), Text(en="b"), Text(en="c")), answer=1)
TRUE = TrueFalseCard(id="t", statement=Text(en="Yes"), answer=True)


@pytest.mark.parametrize("typed, expected", [
    ("Ｈａｒｒｙ　Ｓｔｅｂｂｉｎｇｓ", "harrystebbings"),  # full width letters and space
    ("harry-stebbings!!", "harrystebbings"),
    ("  HARRY,  Stebbings. ", "harrystebbings"),
    ("發現新的科學。", "发现新的科学"),  # traditional -> simplified, full stop dropped
    ("１０ 倍", "10倍"),
    ("", ""),
])
def test_normalize(typed: str, expected: str) -> None:
    assert normalize(typed) == expected


@pytest.mark.parametrize("typed", ["harry stebbings", "HARRY STEBBINGS.", "ｈａｒｒｙ ｓｔｅｂｂｉｎｇｓ",
                                   "stebbings", "20VC-host", "哈里·斯特宾斯", "哈里斯特賓斯"])
def test_basic_right_answers_propose_good(typed: str) -> None:
    judgement = judge(BASIC, Reply(text=typed))
    assert (judgement.correct, judgement.proposal, judgement.auto) == (True, Rating.GOOD, False)


def test_basic_first_sentence_of_the_back_is_enough() -> None:
    card = BasicCard(id="b", front=Text(en="What?"), back=Text(en="Reasoning models. OpenAI wants 1.5x more.",
                                                              zh="推理模型。OpenAI 想全面改进。"))
    for typed in ("reasoning models", "推理模型", "reasoning models. openai wants 1.5x more"):
        assert judge(card, Reply(text=typed)).correct is True
    assert judge(card, Reply(text="OpenAI wants 1")).correct is None
    aside = BasicCard(id="b", front=Text(zh="谁？"), back=Text(zh="Harry Stebbings（20VC 播客主持人）。"))
    assert judge(aside, Reply(text="harry stebbings")).correct is True


@pytest.mark.parametrize("typed", ["harry", "Sam Altman", "   "])
def test_basic_other_answers_leave_the_rating_to_the_learner(typed: str) -> None:
    judgement = judge(BASIC, Reply(text=typed))
    assert judgement.correct is None and judgement.proposal is None


def test_empty_answer_never_matches_even_an_all_punctuation_expectation() -> None:
    assert not matches("", ["..."])
    assert not matches("!!", ["?"])


@pytest.mark.parametrize("gaps, right", [
    ({1: "Reasoning", 2: "10X"}, True),
    ({1: "推理", 2: "１０倍"}, True),  # Chinese answers count in any display language
    ({1: "推理", 2: "10 倍"}, True),
    ({1: "reasoning models", 2: "10x"}, True),  # the accept list
    ({1: "reasoning"}, False),  # a gap left empty
    ({1: "reason", 2: "10x"}, False),
    ({1: "10x", 2: "reasoning"}, False),
])
def test_cloze_every_gap_must_match(gaps: dict[int, str], right: bool) -> None:
    judgement = judge(CLOZE, Reply(gaps=tuple(gaps.items())))
    assert judgement.correct is right
    assert judgement.proposal is (Rating.GOOD if right else Rating.AGAIN)


def test_traditional_and_simplified_are_alike() -> None:
    card = ClozeCard(id="c", text=Text(zh="他说这个词已经{{c1::贬值}}了。"))
    assert judge(card, Reply(gaps=((1, "貶值"),))).correct is True
    assert judge(card, Reply(gaps=((1, "升值"),))).correct is False


@pytest.mark.parametrize("key, index", [("a", 0), ("B", 1), ("ｃ", 2), ("c)", 2), ("d", None), ("1", None), ("", None)])
def test_choice_keys(key: str, index: int | None) -> None:
    assert choice_index(key, 3) == index


def test_choice_and_truefalse_propose_from_the_verdict() -> None:
    assert judge(CHOICE, Reply(choice=1)).proposal is Rating.GOOD
    assert judge(CHOICE, Reply(choice=0)).proposal is Rating.AGAIN
    assert judge(TRUE, Reply(value=True)).correct is True
    assert judge(TRUE, Reply(value=False)).proposal is Rating.AGAIN


@pytest.mark.parametrize("key, value", [("t", True), ("T", True), ("ｔ", True), ("对", True), ("是", True),
                                        ("f", False), ("False", False), ("錯", False), ("x", None)])
def test_truefalse_keys(key: str, value: bool | None) -> None:
    assert truefalse_value(key) is value


def test_overrule_flips_the_verdict_and_the_proposal() -> None:
    wrong = judge(CHOICE, Reply(choice=0))
    assert overrule(wrong).correct is True and overrule(wrong).proposal is Rating.GOOD
    assert overrule(overrule(wrong)) == wrong


def test_a_reply_missing_what_the_kind_needs_is_refused() -> None:
    with pytest.raises(ValueError):
        judge(CHOICE, Reply(text="b"))
