"""The checks across one card's fields (gaps, accept, choice range, cite sources), as pure functions.

Both the careful reader (which words each problem at its node) and the fast path (which hands any card
with a problem to the careful reader) use `cross_check`, so they cannot disagree about what is wrong.
"""

from __future__ import annotations

from typing import Any

from aiquiz.model import Kind, Text, cloze_gaps

# A problem found by cross_check: (field name, index of the item in a list field or 0, message).
Finding = tuple[str, int, str]


def cross_check(kind: Kind, read: dict[str, Any], source_ids: set[str] | None) -> list[Finding]:
    """What is wrong across the read fields of one card; moves a per-gap `accept` to `accept_gaps`."""
    found: list[Finding] = []
    if kind is Kind.CLOZE and "text" in read:
        found += [("text", 0, message) for message in _gap_problems(read["text"])]
    found += _accept_problems(kind, read)
    if kind is Kind.CHOICE and "choices" in read and "answer" in read and read["answer"] >= len(read["choices"]):
        found.append(("answer", 0, f"'answer' is {read['answer']} but there are only "
                      f"{len(read['choices'])} choices (0 is the first)"))
    for index, cite in enumerate(read.get("cite", ())):
        if source_ids is not None and cite.source is not None and cite.source not in source_ids:
            found.append(("cite", index, f"cite source '{cite.source}' is not one of the deck's sources "
                          f"({', '.join(sorted(source_ids))})"))
    return found


def _gap_problems(text: Text) -> list[str]:
    """Every language of a cloze text has a gap, and the same gap numbers."""
    out = []
    gaps = {lang: cloze_gaps(getattr(text, lang)) for lang in ("en", "zh", "plain")
            if getattr(text, lang) is not None}
    for lang, found in gaps.items():
        if not found:
            where = "" if lang == "plain" else f" ({lang})"
            out.append(f"cloze text{where} has no {{{{c1::...}}}} gap")
    if len({g for g in gaps.values() if g}) > 1:
        out.append("cloze gaps differ between languages: "
                   + ", ".join(f"{k} c{'/c'.join(map(str, v))}" for k, v in gaps.items()))
    return out


def _accept_problems(kind: Kind, read: dict[str, Any]) -> list[Finding]:
    """A per-gap `accept` only on a cloze card and only for its gaps; a list only on a one-gap cloze."""
    accept = read.get("accept")
    gaps = set(cloze_gaps(read["text"].get("en"))) if kind is Kind.CLOZE and "text" in read else set()
    out: list[Finding] = []
    if isinstance(accept, dict):
        read["accept"] = ()
        if kind is not Kind.CLOZE:
            out.append(("accept", 0, "'accept' by gap number is only for cloze cards; use a list"))
        elif "text" in read:
            for number in sorted(set(accept) - gaps):
                out.append(("accept", 0, f"'accept' names gap {number}, but the text has no "
                            f"{{{{c{number}::...}}}}"))
            read["accept_gaps"] = tuple(sorted(accept.items()))
    elif accept and len(gaps) > 1:
        out.append(("accept", 0, f"'accept' is a list, but the text has {len(gaps)} gaps and an "
                    f"alternative counts only in its own gap; give each gap its list: {accept_hint(gaps)}"))
    return out


def accept_hint(gaps: set[int] | tuple[int, ...]) -> str:
    """The mapping form of `accept` for a cloze card's gaps: `accept: {1: [...], 2: [...]}`."""
    return "accept: {" + ", ".join(f"{n}: [...]" for n in sorted(gaps)) + "}"
