"""A fast reader for the plain YAML that deck files are written in, or nothing.

Deck files are written in a small part of YAML: block mappings and lists, one value per line, and
values that are a plain word or phrase, a quoted string without escapes, or a one-line flow mapping or
list of those (`{en: "...", zh: "..."}`, `[agents, agi]`). `read_plain` reads exactly that part, as
plain Python values, about five times faster than composing nodes with libyaml. At the first thing
outside it (a tab, an escape, a block scalar, an anchor, a tag, a key written twice, a value that goes
on to the next line, odd indentation...) it returns None and the file is composed the careful way,
which also words every error with its line. So this reader never decides what is an error; it only
has to give the same values as the careful route for the files it accepts (a hypothesis test compares
the two on generated and mutated files).

Values: a mapping is a dict, a list a list, a scalar a str. A quoted scalar whose text could be read as
a number or a boolean (`"2"`, `"true"`) is a `Quoted`, so fields that must be written unquoted can tell
(the careful reader refuses `difficulty: "2"`). The line where each mapping in a block list starts is
kept in `Plain.lines` (by the mapping's id), so cards keep their line; a mapping in a flow list has none
(the caller takes the careful route for it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


class Quoted(str):
    """A quoted scalar whose text looks like a number or a boolean: text, never a number."""

    __slots__ = ()


@dataclass(frozen=True)
class Plain:
    """A file read by `read_plain`: the root mapping, and the line of each mapping in a block list."""

    root: dict[str, Any]
    lines: dict[int, int]


class _Bail(Exception):
    """Outside the plain part of YAML: the careful route reads the file."""


# Anything PyYAML treats specially or refuses, anywhere in the text: tabs, carriage returns and the
# other line breaks YAML 1.1 knows, a byte-order mark, and non-printable characters.
_ODD = re.compile("[\t\r\x85\u2028\u2029\ufeff\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f"
                  "\ud800-\udfff\ufffe\uffff]")
# A plain scalar, conservatively: letters (any script), digits and a few signs that mean nothing to YAML,
# in words separated by spaces; a leading - . or + only before such a character.
_CH = "A-Za-z0-9_$(/\u00a1-\U0010ffff"
_WORD = f"[-.+]?[{_CH}][{_CH}.+-]*(?: +[{_CH}.+-]+)*"
_END = r"(?: +(?:#.*)?)?$"  # trailing spaces and a comment after a space
_BILINGUAL_ONLY = '\\{en: "([^"\\\\]*)", zh: "([^"\\\\]*)"\\}'
# A line: indentation, a list item's dash, a key, then the value when it is of the two usual kinds (an
# {en, zh} mapping of quoted strings, en and zh; a plain word or phrase), else the rest of the line.
_LINE = re.compile(f"( *)(- +)?(?:([A-Za-z0-9_][A-Za-z0-9_-]*):(?: +|$))?"
                   f"(?:{_BILINGUAL_ONLY}{_END}|({_WORD}){_END}|(.*))")
_PLAIN = re.compile(f"({_WORD}){_END}")
_DOUBLE = re.compile(f'"([^"\\\\]*)"{_END}')
_SINGLE = re.compile(f"'([^']*)'{_END}")
_BILINGUAL = re.compile(_BILINGUAL_ONLY + _END)
# The flow values that nearly every line holds, read by one regex each: a citation, a list of words, a
# list of double-quoted strings (anything else goes through `_flow`).
_Q = r'"([^"\\]*)"'
_CITE = re.compile(f"\\{{section: \\{{en: {_Q}, zh: {_Q}\\}}, anchor: {_Q}\\}}{_END}")
_WORDS = re.compile(f"\\[({_WORD}(?: *, *{_WORD})*)\\]{_END}")
_STRINGS = re.compile(f'\\[("[^"\\\\]*"(?: *, *"[^"\\\\]*")*)\\]{_END}')
_IN_QUOTES = re.compile(_Q)
_TOKEN = re.compile(f' *(?:([][{{}},])|"([^"\\\\]*)"|\'([^\']*)\'|({_WORD}))')
_COLON = re.compile(" *: +")
_REST = re.compile(_END)
# Matches at least what the readers take as a whole number (`^[-+]?[0-9]+$`) or a boolean.
_TYPED_START = frozenset("+-0123456789tTfF")
_LOOKS_TYPED = re.compile(r"[-+]?[0-9]+$|(?:true|True|TRUE|false|False|FALSE)$")


def read_plain(text: str) -> Plain | None:
    """The values of a deck file written in plain YAML, or None when it is written any other way."""
    if _ODD.search(text):
        return None
    try:
        reader = _Reader(_lines(text))
        root = reader.node(0)
        if reader.at < len(reader.toks) or not isinstance(root, dict):
            return None
        return Plain(root, reader.lines)
    except _Bail:
        return None


def quoted(text: str) -> str:
    """A quoted scalar's text as a plain value: a `Quoted` when it looks like a number or a boolean."""
    return Quoted(text) if text[:1] in _TYPED_START and _LOOKS_TYPED.match(text) else text


def _scalar(rest: str) -> Any:
    """The value written after `key: ` or `- ` on one line."""
    first = rest[0]
    if first == "{":
        m = _BILINGUAL.match(rest)
        if m:
            return {"en": quoted(m.group(1)), "zh": quoted(m.group(2))}
        m = _CITE.match(rest)
        if m:
            return {"section": {"en": quoted(m.group(1)), "zh": quoted(m.group(2))}, "anchor": quoted(m.group(3))}
    elif first == "[":
        m = _WORDS.match(rest)
        if m:
            return [word.strip(" ") for word in m.group(1).split(",")]
        m = _STRINGS.match(rest)
        if m:
            return [quoted(text) for text in _IN_QUOTES.findall(m.group(1))]
    if first in "{[":
        value, at = _flow(rest, 0)
        if not _REST.match(rest, at):
            raise _Bail
        return value
    m = (_DOUBLE if first == '"' else _SINGLE if first == "'" else _PLAIN).match(rest)
    if m is None:
        raise _Bail
    return m.group(1) if first not in "\"'" else quoted(m.group(1))


def _flow(text: str, at: int) -> tuple[Any, int]:
    """A flow value starting at `at` (after any spaces), and where it ends."""
    m = _TOKEN.match(text, at)
    if m is None:
        raise _Bail
    at = m.end()
    bracket, double, single, word = m.groups()
    if bracket is None:
        return (word if word is not None else quoted(double if double is not None else single)), at
    if bracket == "[":
        items: list[Any] = []
        if text.startswith("]", at):
            return items, at + 1
        while True:
            item, at = _flow(text, at)
            items.append(item)
            m = _TOKEN.match(text, at)
            if m is None or m.group(1) not in (",", "]"):
                raise _Bail
            at = m.end()
            if m.group(1) == "]":
                return items, at
    if bracket == "{":
        pairs: dict[str, Any] = {}
        if text.startswith("}", at):
            return pairs, at + 1
        while True:
            m = _TOKEN.match(text, at)
            if m is None or m.group(4) is None or m.group(4) in pairs:
                raise _Bail
            key = m.group(4)
            colon = _COLON.match(text, m.end())
            if colon is None:
                raise _Bail
            pairs[key], at = _flow(text, colon.end())
            m = _TOKEN.match(text, at)
            if m is None or m.group(1) not in (",", "}"):
                raise _Bail
            at = m.end()
            if m.group(1) == "}":
                return pairs, at
    raise _Bail  # a closing bracket or a comma where a value belongs


# A line as the block reader sees it: (line number, column, is a list item, key or None, value text, and
# the value itself when the line regex has read it already, else None).
_Tok = tuple[int, int, bool, "str | None", str, Any]


def _lines(text: str) -> list[_Tok]:
    """The block structure of the text, one token per line that holds something (two for `- key: v`)."""
    toks: list[_Tok] = []
    match = _LINE.match
    for number, line in enumerate(text.split("\n"), 1):
        indent, dash, key, en, zh, word, rest = match(line).groups()  # type: ignore[union-attr]  # any line
        if en is not None:
            value: Any = {"en": quoted(en), "zh": quoted(zh)}
            rest = "{"
        elif word is not None:
            value = rest = word
        else:
            value = None
            if rest[:1] == "#":
                rest = ""
        if dash is None:
            if key is None and not rest:
                continue  # blank or a comment
            toks.append((number, len(indent), False, key, rest, value))
            continue
        if key is None and (not rest or rest[0] == "-"):
            raise _Bail  # an item on the next lines, or a list in a list
        col = len(indent)
        toks.append((number, col, True, None, "", None))
        toks.append((number, col + len(dash), False, key, rest, value))
    return toks


class _Reader:
    """Block mappings and lists from the line tokens, by indentation, as YAML reads them."""

    def __init__(self, toks: list[_Tok]) -> None:
        self.toks = toks
        self.at = 0
        self.lines: dict[int, int] = {}

    def node(self, min_col: int) -> Any:
        """The block value starting at the current token, which must be at column >= min_col."""
        if self.at >= len(self.toks):
            raise _Bail
        _, col, dash, key, _, _ = self.toks[self.at]
        if col < min_col:
            raise _Bail
        if dash:
            return self.block_list(col)
        if key is not None:
            return self.block_mapping(col)
        raise _Bail  # a bare value on its own line

    def block_list(self, col: int) -> list[Any]:
        items: list[Any] = []
        toks = self.toks
        while self.at < len(toks) and toks[self.at][1] == col and toks[self.at][2]:
            self.at += 1
            number, item_col, _, key, rest, value = toks[self.at]
            if key is not None:
                item: Any = self.block_mapping(item_col)
            else:
                item = value if value is not None else _scalar(rest)
                self.at += 1
            if item.__class__ is dict:
                self.lines[id(item)] = number
            items.append(item)
        self.end_of_block(col)
        return items

    def block_mapping(self, col: int) -> dict[str, Any]:
        pairs: dict[str, Any] = {}
        toks = self.toks
        while self.at < len(toks) and toks[self.at][1] == col and not toks[self.at][2]:
            _, _, _, key, rest, value = toks[self.at]
            if key is None or key in pairs:
                raise _Bail
            self.at += 1
            if rest:
                pairs[key] = value if value is not None else _scalar(rest)
            elif self.at < len(toks) and (toks[self.at][1] > col or (toks[self.at][1] == col and toks[self.at][2])):
                pairs[key] = self.node(col)  # a nested block, or a list at the key's own column
            else:
                raise _Bail  # an empty value
        self.end_of_block(col)
        return pairs

    def end_of_block(self, col: int) -> None:
        """A block ends at a line further left (or the end); anything else is odd indentation."""
        if self.at < len(self.toks) and self.toks[self.at][1] > col:
            raise _Bail
