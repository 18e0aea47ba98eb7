"""The plain-YAML reader (`aiquiz.loader.plainyaml`) against libyaml, the oracle.

Whenever `read_plain` accepts a text, composing the same text with libyaml (aiquiz's loader: no implicit
types) must give the very same values -- including which quoted scalars look like numbers -- and the same
line for every mapping in a block list. Texts come from a grammar of block and flow YAML with awkward
characters in every place, then mutated line by line, so both the accepted and the refused side are hit.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from yaml.nodes import MappingNode, Node, SequenceNode

from aiquiz.loader.fast import plain_of
from aiquiz.loader.plainyaml import Quoted, read_plain
from aiquiz.loader.yamlsafe import _TextLoader

ROOT = Path(__file__).resolve().parent.parent

CHARS = list("ab z09-_.:#,'\"\\{}[]&*!|>%@`?~/()$+") + [" ", "\t", "é", "中", "\u2028", "\x85", "\r"]
SAFE = list("ab z09-_./()$+") + ["é", "中"]
NORMAL_KEYS = st.sampled_from(["a", "b", "en", "zh", "id", "k-1", "1", "true"])
KEYS = st.one_of(*[NORMAL_KEYS] * 12, st.sampled_from(["x y", "a:b", "-a", "#c", "'q'", "a "]))
scalar_text = st.one_of(*[st.text(st.sampled_from(SAFE), max_size=8)] * 6, st.text(st.sampled_from(CHARS), max_size=8))
typed_text = st.sampled_from(["1", "-2", "+3", "01", "true", "False", "TRUE", "yes", "1.0", "0x1", "1\n"])


CLEAN = st.text(st.sampled_from(SAFE[:-4]), min_size=1, max_size=8).map(lambda t: "w" + t.strip())


@st.composite
def scalars(draw: st.DrawFn, clean: bool = False) -> str:
    text = draw(st.one_of(CLEAN, CLEAN, typed_text) if clean else st.one_of(scalar_text, scalar_text, typed_text))
    style = draw(st.sampled_from(["plain", "plain", "double", "single"]))
    if style == "double":
        return '"' + text.replace("\n", "\\n") + '"'
    if style == "single":
        return "'" + text.replace("\n", " ") + "'"
    return text.replace("\n", " ")


def _sep(draw: st.DrawFn) -> str:
    return draw(st.sampled_from([", ", ",", " , ", ",  "]))


@st.composite
def flows(draw: st.DrawFn, depth: int = 0, clean: bool = False) -> str:
    if depth >= 2 or draw(st.booleans()):
        return draw(scalars(clean))
    items = draw(st.lists(flows(depth + 1, clean), max_size=3))
    if draw(st.booleans()):
        return "[" + _sep(draw).join(items) + "]"
    keys = draw(st.lists(NORMAL_KEYS if clean else KEYS, min_size=len(items), max_size=len(items)))
    colon = draw(st.sampled_from([": ", ":  ", " : "] if clean else [": ", ":  ", ":", " : "]))
    return "{" + _sep(draw).join(f"{k}{colon}{v}" for k, v in zip(keys, items, strict=True)) + "}"


@st.composite
def blocks(draw: st.DrawFn, indent: int = 0, depth: int = 0, clean: bool = False) -> list[str]:
    """A block mapping at `indent`, as lines (`clean`: nothing the plain reader refuses, mostly)."""
    lines: list[str] = []
    for key in draw(st.lists(NORMAL_KEYS if clean else KEYS, min_size=1, max_size=4, unique=clean)):
        pad = " " * indent
        form = draw(st.sampled_from(["value", "value", "nested", "list", "compact-list"] if depth < 2 else ["value"]))
        if form == "value":
            comment = draw(st.sampled_from(["", "", "  # note", " #x"] + ([] if clean else ["#y"])))
            lines.append(f"{pad}{key}: {draw(flows(clean=clean))}{comment}")
        elif form == "nested":
            lines.append(f"{pad}{key}:")
            lines += draw(blocks(indent + draw(st.sampled_from([1, 2, 4])), depth + 1, clean))
        else:
            lines.append(f"{pad}{key}:")
            at = indent if form == "compact-list" else indent + 2
            for _ in range(draw(st.integers(1, 3))):
                if draw(st.booleans()):
                    inner = draw(blocks(at + 2, depth + 1, clean))
                    lines.append(" " * at + "- " + inner[0].lstrip(" "))
                    lines += inner[1:]
                else:
                    lines.append(" " * at + "- " + draw(flows(clean=clean)))
        if draw(st.integers(0, 5)) == 0:
            lines.append(draw(st.sampled_from(["", "# a comment", "   ", "  # indented comment"])))
    return lines


@st.composite
def texts(draw: st.DrawFn) -> str:
    clean = draw(st.booleans())
    lines = draw(blocks(clean=clean))
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2]))):
        at = draw(st.integers(0, len(lines) - 1))
        change = draw(st.sampled_from(["indent", "dedent", "char", "drop", "dup"]))
        if change == "indent":
            lines[at] = " " + lines[at]
        elif change == "dedent":
            lines[at] = lines[at][1:]
        elif change == "char":
            pos = draw(st.integers(0, len(lines[at])))
            lines[at] = lines[at][:pos] + draw(st.sampled_from(CHARS)) + lines[at][pos:]
        elif change == "drop":
            del lines[at]
            if not lines:
                lines = ["a: b"]
        else:
            lines.insert(at, lines[at])
    return "\n".join(lines) + draw(st.sampled_from(["\n", "", "\n\n"]))


def _tagged(value: Any) -> Any:
    """Values with the scalar classes spelled out (a Quoted equals its str, so == alone cannot tell)."""
    if isinstance(value, dict):
        return ("map", [(_tagged(k), _tagged(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("seq", [_tagged(v) for v in value])
    return (type(value).__name__, value)


def _node_lines(node: Node, plain: Any, out: dict[int, int]) -> None:
    """The line of each mapping that is an item of a list, by the id of its plain counterpart."""
    if isinstance(node, SequenceNode):
        for item, value in zip(node.value, plain, strict=True):
            if isinstance(item, MappingNode):
                out[id(value)] = item.start_mark.line + 1
            _node_lines(item, value, out)
    elif isinstance(node, MappingNode):
        for (_, item), value in zip(node.value, plain.values(), strict=True):
            _node_lines(item, value, out)


def _check(text: str) -> bool:
    """Compare read_plain with libyaml on `text`; True when read_plain accepted it."""
    got = read_plain(text)
    if got is None:
        return False
    node = yaml.compose(text, Loader=_TextLoader)  # raises if read_plain accepted something libyaml refuses
    assert _tagged(plain_of(node)) == _tagged(got.root), text
    expected: dict[int, int] = {}
    _node_lines(node, got.root, expected)
    assert {k: v for k, v in expected.items() if k in got.lines} == got.lines, text
    return True


@given(texts())
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_read_plain_gives_libyamls_values_and_lines_or_nothing(text: str) -> None:
    _check(text)


def test_the_grammar_reaches_both_sides() -> None:
    """The generated texts are accepted often enough, and refused often enough, for the test to mean much."""
    accepted = refused = 0

    @given(texts())
    @settings(max_examples=150, deadline=None, database=None, derandomize=True,  # the same texts every run
              suppress_health_check=[HealthCheck.too_slow])
    def count(text: str) -> None:
        nonlocal accepted, refused
        if _check(text):
            accepted += 1
        else:
            refused += 1

    count()
    assert accepted > 20 and refused > 20, (accepted, refused)


@pytest.mark.parametrize("text, expected", [
    ('a: "2"\nb: 2\nc: \'true\'\n', {"a": Quoted("2"), "b": "2", "c": Quoted("true")}),
    ("a: [x, 'y', \"1\"]  # c\n", {"a": ["x", "y", Quoted("1")]}),
    ("a:\n- {en: \"E\", zh: \"中\"}\n- b: c\n  d: e\n", {"a": [{"en": "E", "zh": "中"}, {"b": "c", "d": "e"}]}),
])
def test_read_plain_values(text: str, expected: dict[str, Any]) -> None:
    got = read_plain(text)
    assert got is not None and _tagged(got.root) == _tagged(expected)
    assert _check(text)


@pytest.mark.parametrize("text", [
    "a: b\na: c\n",  # a key twice (libyaml keeps both; the careful reader reports it)
    "a: 'it''s'\n", 'a: "x\\ty"\n', "a: |\n  x\n", "a: &x b\nc: *x\n", "a: !!str b\n", "a:\tb\n",
    "a: b\n  c\n", "a:\n", "- a\n", "a: {b: c,\n  d: e}\n", "---\na: b\n", "a: b # c\nb: x:y\n", "\ufeffa: b\n",
    "a: b\r\n", "a: [b, ]\n", "a: {b}\n",
])
def test_read_plain_leaves_anything_else_to_libyaml(text: str) -> None:
    assert read_plain(text) is None


@pytest.mark.parametrize("name", ["devday-2024", "harvard-2024", "stratechery-2025", "across-interviews"])
def test_the_shipped_decks_take_the_plain_route(name: str) -> None:
    """The route exists for decks as people write them: the shipped ones (greylock has an escape: libyaml)."""
    assert _check((ROOT / "decks" / f"{name}.yaml").read_text(encoding="utf-8"))
