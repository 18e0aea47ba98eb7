"""Composing YAML safely: no implicit typing, no tags, bounded aliases.

The YAML is composed into nodes with *no* implicit typing, so every scalar is the text written
(`no`, `300`, `2024-10-16` stay strings); numbers and booleans are read only where the format
(`aiquiz.spec`) expects them.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from aiquiz import spec
from aiquiz.errors import DeckError

_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
STR_TAG = "tag:yaml.org,2002:str"
SEQ_TAG = "tag:yaml.org,2002:seq"
MAP_TAG = "tag:yaml.org,2002:map"


class _TextLoader(_BaseLoader):  # type: ignore[misc]
    """A safe loader that resolves no implicit types: every plain scalar is a string.

    `resolve` is only asked about nodes written without a tag, so explicit tags stay visible.
    """

    yaml_implicit_resolvers: dict[str, Any] = {}
    _DEFAULT_TAGS = {ScalarNode: STR_TAG, SequenceNode: SEQ_TAG, MappingNode: MAP_TAG}

    def resolve(self, kind: type[Node], value: Any, implicit: Any) -> str:
        return self._DEFAULT_TAGS[kind]

    # The composer calls these for every node to track path resolvers, which this loader has none of.
    # Builtins (not bound as methods) cost a fraction of a Python method call: get(parent, index), tuple().
    descend_resolver = {}.get  # type: ignore[var-annotated]
    ascend_resolver = tuple


def line_of(node: Node) -> int:
    """The 1-based line where a node starts."""
    return int(node.start_mark.line) + 1


def compose(text: str, path: str) -> Node:
    """The node tree of a deck file's text.

    Args:
        text: The YAML text.
        path: The file name for error messages.

    Returns:
        The root node.

    Raises:
        DeckError: the text is too large, not valid YAML, nested too deeply or empty.
    """
    check_size(text, path)
    try:
        root = yaml.compose(text, Loader=_TextLoader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark else None
        raise DeckError.single(path, line, f"not valid YAML: {err.problem or err.context}") from None
    except yaml.YAMLError as err:
        raise DeckError.single(path, None, f"not valid YAML: {err}") from None
    except RecursionError:
        raise DeckError.single(path, None, "YAML nested too deeply") from None
    if root is None:
        raise DeckError.single(path, 1, "the file is empty; a deck needs 'deck', 'title', 'source' and 'cards'")
    return root


def check_size(text: str, path: str) -> None:
    """Refuse a file over the size limit (before any parsing).

    Raises:
        DeckError: the text is larger than `spec.MAX_FILE_BYTES` in UTF-8.
    """
    if len(text) > spec.MAX_FILE_BYTES or len(text.encode("utf-8", "surrogatepass")) > spec.MAX_FILE_BYTES:
        raise DeckError.single(path, None, f"file is larger than {spec.MAX_FILE_BYTES // 2**20} MB; split it")


def check_graph(root: Node, path: str) -> None:
    """Refuse recursive aliases and alias expansion past the bound (a "billion laughs" file).

    Raises:
        DeckError: an alias refers to a node containing it, or aliases expand past the bound.
    """
    seen: set[int] = set()
    visits = 0
    stack: list[tuple[Node, bool]] = [(root, False)]
    on_path: set[int] = set()
    while stack:
        node, leaving = stack.pop()
        if leaving:
            on_path.discard(id(node))
            continue
        if id(node) in on_path:
            raise DeckError.single(path, line_of(node), "recursive YAML alias")
        visits += 1
        if id(node) in seen and visits - len(seen) > spec.MAX_ALIAS_EXPANSION:
            raise DeckError.single(
                path, line_of(node),
                f"YAML aliases expand past {spec.MAX_ALIAS_EXPANSION} nodes; write the values out")
        seen.add(id(node))
        if isinstance(node, ScalarNode):
            continue
        on_path.add(id(node))
        stack.append((node, True))
        children = node.value if isinstance(node, SequenceNode) else [
            n for pair in node.value for n in pair]
        stack.extend((child, False) for child in reversed(children))
