"""`aiquiz lint`: one fixture deck per rule with its exact finding, the CLI, the multi-gap list rule, speed."""

from __future__ import annotations

from pathlib import Path

import pytest

from aiquiz.errors import DeckError
from aiquiz.lint import Finding, Rule, counts, lint
from aiquiz.loader import load_decks

from conftest import DECKS, FIXTURES, ROOT

LINT = sorted((FIXTURES / "lint").glob("*.yaml"))


@pytest.mark.parametrize("path", LINT, ids=[p.stem for p in LINT])
def test_each_rule_fixture_gives_its_exact_finding(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    findings = lint(load_decks([path.relative_to(ROOT)]))
    assert [str(f) for f in findings] == path.with_suffix(".expected").read_text(encoding="utf-8").splitlines()
    assert [f.rule.value for f in findings] == [path.stem]


def test_every_rule_has_a_fixture() -> None:
    assert {p.stem for p in LINT} == {rule.value for rule in Rule}


def test_a_finding_reads_file_line_card_rule_why() -> None:
    finding = Finding("decks/d.yaml", 12, "ten-x", Rule.LENGTH_CUE, "why")
    assert str(finding) == "decks/d.yaml:12: ten-x: length-cue: why"


def test_a_list_on_several_gaps_is_a_loader_error_with_the_mapping_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    path = (FIXTURES / "invalid" / "accept-list-multi-gap.yaml").relative_to(ROOT)
    with pytest.raises(DeckError) as err:
        load_decks([path])
    assert [str(p) for p in err.value.problems] == [
        f"{path}:8: card energy: 'accept' is a list, but the text has 2 gaps and an alternative counts only "
        "in its own gap; give each gap its list: accept: {1: [...], 2: [...]}"]


def test_a_list_on_a_single_gap_stays_valid() -> None:
    from aiquiz.loader import parse_deck

    deck = parse_deck('deck: d\ntitle: T\nsource: {id: s}\ncards:\n  - id: c\n    kind: cloze\n'
                      '    text: "{{c1::300}} calls"\n    accept: ["three hundred"]\n', "d.yaml")
    assert deck.cards[0].accept == ("three hundred",)


def test_the_shipped_decks_are_lint_clean_and_every_finding_names_its_place() -> None:
    assert [str(f) for f in lint(load_decks([DECKS]))] == []  # the second edition's promise (issue 12)
    findings = lint(load_decks(LINT))
    assert findings and all(f.line and f.path.endswith(".yaml") and f.card for f in findings)
    assert sum(counts(findings).values()) == len(findings)


def test_cli_warns_and_strict_fails(cli) -> None:  # type: ignore[no-untyped-def]
    path = str((FIXTURES / "lint" / "length-cue.yaml").relative_to(ROOT))
    result = cli("lint", path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "1 finding(s) in 1 deck(s): length-cue 1"
    assert cli("lint", "--strict", path).returncode == 1
    clean = str((FIXTURES / "valid" / "sample.yaml").relative_to(ROOT))
    assert cli("lint", "--strict", clean).returncode == 0
