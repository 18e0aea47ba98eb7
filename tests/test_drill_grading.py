"""Lenient judging of drill answers: width, case, punctuation, accept lists, traditional vs simplified."""

from __future__ import annotations

import pytest

from aiquiz.drill.grading import Reply, choice_index, judge, matches, overrule, truefalse_value
from aiquiz.judge import normalize
from aiquiz.model import BasicCard, ChoiceCard, ClozeCard, Text, TrueFalseCard
from aiquiz.progress.scheduler import Rating

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


# --- fair grading: per-gap alternatives, near misses, numbers, diffs ---------------------------------

from hypothesis import assume, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from aiquiz.drill import view  # noqa: E402
from aiquiz.drill.grading import gap_alternatives, judge_gap  # noqa: E402
from aiquiz.judge import Match, Segment, SegmentKind, canonical_numbers, char_diff, comparable, judge_text, plain_diff  # noqa: E402
from aiquiz.judge.numbers import zh_value  # noqa: E402

TEN_X = ClozeCard(id="ten-x", text=Text(en="Grow {{c1::10x}}, not just {{c2::10%}}.",
                                        zh="增长 {{c1::10 倍}}，而不只是 {{c2::10%}}。"),
                  accept_gaps=((1, ("tenfold",)), (2, ("a tenth",))))
MISUSE = ClozeCard(id="misuse", text=Text(en="Avoid {{c1::accidental}} and {{c2::deliberate}} misuse.",
                                          zh="避免{{c1::意外}}误用和{{c2::故意}}误用。"),
                   accept_gaps=((1, ("by accident", "无意")), (2, ("intentional", "有意"))))
LEGACY = ClozeCard(id="legacy", text=Text(en="{{c1::energy}} and {{c2::intelligence}}"),
                   accept=("energy", "power", "intelligence", "智能"))


def gaps(*typed: str) -> Reply:
    return Reply(gaps=tuple(enumerate(typed, 1)))


@pytest.mark.parametrize("card, typed, right", [
    (TEN_X, ("10x", "10%"), True),
    (TEN_X, ("10%", "10x"), False),  # swapped
    (TEN_X, ("10%", "10%"), False),  # one gap's answer twice
    (TEN_X, ("10x", "10x"), False),
    (TEN_X, ("tenfold", "a tenth"), True),  # each gap's own alternative
    (TEN_X, ("a tenth", "tenfold"), False),  # alternatives only in their own gap
    (TEN_X, ("10 倍", "10%"), True),
    (TEN_X, ("百分之十", "十倍"), False),  # swapped, in Chinese
    (TEN_X, ("十倍", "百分之十"), True),
    (MISUSE, ("accidental", "deliberate"), True),
    (MISUSE, ("deliberate", "accidental"), False),
    (MISUSE, ("by accident", "intentional"), True),
    (MISUSE, ("intentional", "by accident"), False),
    (MISUSE, ("意外", "故意"), True),
    (MISUSE, ("故意", "意外"), False),
    (MISUSE, ("無意", "有意"), True),  # traditional for simplified
    (MISUSE, ("有意", "无意"), False),
    (LEGACY, ("power", "intelligence"), True),  # a list on a multi-gap card: entries that fit no other gap
    (LEGACY, ("intelligence", "energy"), False),  # ... but never another gap's answer
    (LEGACY, ("energy", "energy"), False),
])
def test_each_gap_is_judged_on_its_own(card: ClozeCard, typed: tuple[str, ...], right: bool) -> None:
    judgement = judge(card, gaps(*typed))
    assert judgement.correct is right
    assert judgement.proposal is (Rating.GOOD if right else Rating.AGAIN)
    assert [g.number for g in judgement.gaps] == [1, 2] and [g.typed for g in judgement.gaps] == list(typed)


def test_a_list_entry_counts_only_where_it_fits_no_other_gap() -> None:
    assert gap_alternatives(LEGACY, 1) == ("energy", "power", "智能")
    assert gap_alternatives(LEGACY, 2) == ("power", "intelligence", "智能")
    assert gap_alternatives(TEN_X, 1) == ("tenfold",) and gap_alternatives(TEN_X, 2) == ("a tenth",)


STEBBINGS = BasicCard(id="s", front=Text(en="Who?"), back=Text(en="Harry Stebbings", zh="哈里·斯特宾斯"))
GENE = ClozeCard(id="g", text=Text(en="a {{c1::genetic drift}} of sorts", zh="某种{{c1::基因漂移}}"))
SHORT = ClozeCard(id="short", text=Text(en="{{c1::cat}} or {{c2::dog}}", zh="{{c1::猫}}或{{c2::狗}}"))


@pytest.mark.parametrize("card, typed, match, shown", [
    (STEBBINGS, "Harry Stebings", Match.NEAR, "Harry Steb[-b]ings"),  # one letter left out
    (STEBBINGS, "harry stebbnigs", Match.NEAR, "harry stebb[-i]n[+i]gs"),  # a swap is one edit
    (STEBBINGS, "Hary Stebings", Match.NEAR, "Har[-r]y Ste[-b]bings"),  # 14 letters: two edits
    (STEBBINGS, "Hary Stebins", Match.WRONG, ""),  # three edits
    (STEBBINGS, "哈里斯特賓斯", Match.EXACT, ""),  # traditional, punctuation dropped
    (STEBBINGS, "哈里斯特兵斯", Match.NEAR, "哈里斯特[+兵][-宾]斯"),  # one character in six
    (GENE, "genetic drfit", Match.NEAR, "genetic dr[-i]f[+i]t"),
    (GENE, "基因漂变", Match.NEAR, "基因漂[+变][-移]"),  # one character in four
    (SHORT, "cat", Match.EXACT, ""),
    (SHORT, "bat", Match.WRONG, ""),  # three letters: exact only
    (SHORT, "狗", Match.WRONG, ""),
])
def test_near_misses_propose_hard_and_show_the_difference(card: BasicCard | ClozeCard, typed: str,
                                                          match: Match, shown: str) -> None:
    if isinstance(card, BasicCard):
        judgement = judge(card, Reply(text=typed))
        diff = judgement.diff
    else:
        judgement = judge(card, gaps(typed, "dog") if card is SHORT else gaps(typed))
        diff = judgement.gaps[0].verdict.diff
    assert judgement.near_miss is (match is Match.NEAR)
    if match is Match.NEAR:
        assert judgement.correct is True and judgement.proposal is Rating.HARD
        assert plain_diff(diff) == shown
        assert view.verdict(judgement, Reply(text=typed)).plain.endswith(shown)
    elif match is Match.EXACT:
        assert judgement.correct is True and judgement.proposal is Rating.GOOD
    else:
        assert not judgement.correct and judgement.proposal is not Rating.GOOD


def test_a_near_miss_never_turns_into_another_gaps_answer() -> None:
    card = ClozeCard(id="c", text=Text(en="{{c1::stebbings}} met {{c2::stebbins}}"))
    assert judge_gap(card, 1, "stebbings").match is Match.EXACT
    assert judge_gap(card, 2, "stebbings").match is Match.WRONG  # near gap 2, but gap 1's answer
    assert judge(card, gaps("stebbings", "stebbings")).correct is False


def test_the_diff_segments_spell_the_typed_answer() -> None:
    segments = char_diff("Zuckerburg", "Zuckerberg")
    assert segments == (Segment("Zuckerb", SegmentKind.SAME), Segment("u", SegmentKind.TYPED_WRONG),
                        Segment("e", SegmentKind.MISSING), Segment("rg", SegmentKind.SAME))
    assert "".join(s.text for s in segments if s.kind is not SegmentKind.MISSING) == "Zuckerburg"
    assert plain_diff(char_diff("moore law", "Moore's law")) == "moore[-s] law"  # apostrophe not marked


MONEY_100M = ["$100 million", "100M", "100 m", "US$100 million", "USD 100M", "100,000,000", "100 000 000",
              "1亿美元", "1 亿", "一亿美元", "一億美元", "100 million dollars", "$100mn", "one hundred million",
              "a hundred million"]
NUMBERS = [
    (MONEY_100M, ["$1 billion", "10M", "100", "$101 million", "100B"]),
    (["$1 billion", "1B", "$1B", "1bn", "1 billion", "US$1,000,000,000", "十亿", "10亿美元", "1000M"],
     ["$100 million", "1 trillion", "1M"]),
    (["100B", "$100 billion", "100 bn", "一千亿", "1000亿", "100,000,000,000"], ["10B", "1000B"]),
    (["$1 trillion", "1T", "一万亿", "1万亿", "1 trillion dollars"], ["$1 billion"]),
    (["50,000", "50k", "50K", "五万", "5万", "fifty thousand", "50 000"], ["5,000", "500k", "五千"]),
    (["10x", "10X", "10 times", "10倍", "10 倍", "十倍", "１０倍", "ten times", "10×", "10-fold"],
     ["10%", "10", "100x", "1x"]),
    (["10%", "10 percent", "10 per cent", "百分之十", "百分之10", "１０％", "ten percent"], ["10x", "10", "1%"]),
    (["50", "五十", "fifty", "５０"], ["15", "500", "5"]),
    (["10", "十", "ten"], ["100", "1"]),
    (["300", "three hundred", "三百"], ["30", "3000"]),
    (["1.5x", "1.5 times", "1.5倍"], ["15x", "1.5%"]),
    (["¥300", "300元", "300 元", "RMB 300"], ["3000元"]),
    (["15-20", "15~20", "15 to 20", "15至20", "15到20"], ["15-25", "15"]),
]


@pytest.mark.parametrize("same, different", NUMBERS, ids=[s[0] for s, _ in NUMBERS])
def test_numbers_written_freely_are_equal_and_different_numbers_are_wrong(same: list[str],
                                                                           different: list[str]) -> None:
    forms = {spelling: comparable(spelling) for spelling in same}
    assert len(set(forms.values())) == 1, forms
    for spelling in same:
        assert judge_text(spelling, [same[0]]).match is Match.EXACT
    for spelling in different:
        assert judge_text(spelling, same).match is Match.WRONG, spelling  # never a near miss


@pytest.mark.parametrize("written, canonical", [
    ("$100 million", "⌗100000000⌗"), ("1亿美元", "⌗100000000⌗"), ("10 倍", "⌗10x⌗"), ("百分之十", "⌗10pct⌗"),
    ("grew 10x in 2024", "grew ⌗10x⌗ in ⌗2024⌗"), ("6到9个月", "⌗6⌗~⌗9⌗个月"), ("1.50", "⌗1∙5⌗"),
    ("一些", "一些"), ("统一", "统一"), ("万一", "万一"), ("一个", "一个"), ("三倍", "⌗3x⌗"),
    ("someone often", "someone often"), ("10 more minutes", "⌗10⌗ more minutes"),
])
def test_canonical_numbers(written: str, canonical: str) -> None:
    assert canonical_numbers(written) == canonical


@pytest.mark.parametrize("run, value", [("十", 10), ("十五", 15), ("五十", 50), ("一百", 100), ("两千", 2000),
                                        ("五万", 50000), ("一千亿", 10**11), ("三亿五千万", 350_000_000),
                                        ("一万亿", 10**12), ("一百零五", 105), ("三五", None)])
def test_chinese_numerals(run: str, value: int | None) -> None:
    assert zh_value(run) == value


def test_a_number_is_never_a_near_miss() -> None:
    card = ClozeCard(id="n", text=Text(en="It took {{c1::12 years}}."))
    assert judge(card, gaps("twelve years")).proposal is Rating.GOOD
    assert judge(card, gaps("13 years")).correct is False
    # The number must be the same; the words beside it may be a near miss (Hard), as any words may.
    assert judge(card, gaps("12 yaers")).proposal is Rating.HARD
    assert judge(card, gaps("13 yaers")).correct is False


def test_a_wrong_answer_shows_what_was_given() -> None:
    assert view.verdict(judge(CHOICE, Reply(choice=2)), Reply(choice=2)).plain == "✗ Wrong: you chose c)"
    tf = TrueFalseCard(id="t", statement=Text(en="No"), answer=False)
    assert view.verdict(judge(tf, Reply(value=True)), Reply(value=True)).plain == "✗ Wrong: you said true"
    assert view.verdict(judge(TEN_X, gaps("10%", "10%")), gaps("10%", "10%")).plain == "✗ Wrong in gap 1"


def test_the_diff_is_styled_in_a_terminal() -> None:
    text = view.diff_text(char_diff("Harry Stebings", "Harry Stebbings"))
    assert text.plain == "Harry Steb[-b]ings"
    styles = {text.plain[span.start:span.end]: str(span.style) for span in text.spans}
    assert styles["b"] == "bold green underline"


# --- properties ------------------------------------------------------------------------------------

words = st.text(st.sampled_from("abcdefgh xyz-1234567890$%倍十五万亿的了"), min_size=1, max_size=10).filter(
    lambda s: comparable(s) != "")


@st.composite
def cloze_cards(draw: st.DrawFn) -> ClozeCard:
    answers = draw(st.lists(words, min_size=1, max_size=3))
    alternatives = draw(st.lists(st.lists(words, max_size=2).map(tuple), min_size=len(answers),
                                 max_size=len(answers)))
    text = " and ".join(f"{{{{c{n}::{a}}}}}" for n, a in enumerate(answers, 1))
    per_gap = tuple((n, alts) for n, alts in enumerate(alternatives, 1) if alts)
    return ClozeCard(id="c", text=Text(en=text), accept_gaps=per_gap)


@given(cloze_cards(), st.data())
@settings(max_examples=300, deadline=None)
def test_a_gaps_own_text_is_right_in_that_gap(card: ClozeCard, data: st.DataObject) -> None:
    from aiquiz.drill.grading import cloze_expected

    expected = cloze_expected(card)
    number = data.draw(st.sampled_from(sorted(expected)))
    answer = expected[number][0]
    spelled = data.draw(st.sampled_from([answer, answer.upper(), f" {answer}. ", answer.replace(" ", "")]))
    assume(comparable(spelled) == comparable(answer))
    assert judge_gap(card, number, spelled).right


@given(cloze_cards(), words)
@settings(max_examples=300, deadline=None)
def test_no_string_is_right_in_two_gaps_with_different_answers(card: ClozeCard, typed: str) -> None:
    from aiquiz.drill.grading import cloze_expected

    expected = cloze_expected(card)
    for one in expected:
        for two in expected:
            if one >= two or {comparable(w) for w in expected[one]} & {comparable(w) for w in expected[two]}:
                continue
            if judge_gap(card, one, typed).right and judge_gap(card, two, typed).right:
                exactly = [any(comparable(typed) == comparable(a) for a in (*expected[n], *gap_alternatives(card, n)))
                           for n in (one, two)]
                assert all(exactly), (typed, card)
