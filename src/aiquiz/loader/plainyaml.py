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
        root, lines = _read(text)
    except _Bail:
        return None
    return Plain(root, lines) if root.__class__ is dict else None


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


def _read(text: str) -> tuple[Any, dict[int, int]]:
    """The root value and the line of each mapping in a block list, in one pass over the lines.

    Block mappings and lists by indentation, as YAML reads them: the blocks still open are a stack of
    (column, container); a line closes every block to its right, and must then continue the innermost one
    left (a key in a mapping at its column, an item in a list at its column; a key at a list's column ends
    a list written at its key's column). A key with nothing after it opens the block on the next line, which
    must be further right, or a list at the key's own column. Anything else raises _Bail.
    """
    lines: dict[int, int] = {}
    stack: list[tuple[int, Any]] = []
    pending: tuple[dict[str, Any], str, int] | None = None  # a key whose value is the next lines' block
    root: Any = None
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
        if key is None:
            if dash is None:
                if rest:
                    raise _Bail  # a bare value on its own line
                continue  # blank or a comment
            if not rest or rest[0] == "-":
                raise _Bail  # an item on the next lines, or a list in a list
        col = len(indent)
        if pending is not None:  # the block of the key above: further right, or a list at its column
            owner, name, key_col = pending
            pending = None
            if not (col > key_col or (col == key_col and dash is not None)):
                raise _Bail  # an empty value
            block: Any = [] if dash is not None else {}
            owner[name] = block
            stack.append((col, block))
        else:
            while stack and stack[-1][0] > col:
                stack.pop()
            if not stack:
                if root is not None:
                    raise _Bail  # more after the root block
                root = [] if dash is not None else {}
                stack.append((col, root))
            elif stack[-1][0] < col:
                raise _Bail  # odd indentation
            elif dash is None and stack[-1][1].__class__ is list:
                stack.pop()  # a list written at its key's column ends at the next key
                outer = stack[-1] if stack else None
                if outer is None or outer[0] != col or outer[1].__class__ is not dict:
                    raise _Bail
            elif dash is not None and stack[-1][1].__class__ is not list:
                raise _Bail  # an item where a mapping goes on
        container = stack[-1][1]
        if dash is not None:
            if key is None:
                item = value if value is not None else _scalar(rest)
                if item.__class__ is dict:
                    lines[id(item)] = number
                container.append(item)
                continue
            container = {}  # `- key: ...`: a mapping item, its keys at the column after the dash
            stack[-1][1].append(container)
            lines[id(container)] = number
            col += len(dash)
            stack.append((col, container))
        if key in container:
            raise _Bail  # a key twice
        if rest:
            container[key] = value if value is not None else _scalar(rest)
        else:
            pending = (container, key, col)
    if pending is not None:
        raise _Bail  # an empty value at the end
    return root, lines
