"""Write synthetic decks for benchmarks: N cards of all four kinds, both languages, split into files
under the loader's 5 MB limit.

    python bench/gen_decks.py 10000 bench/out/decks-10k
"""

from __future__ import annotations

import sys
from pathlib import Path

CARDS_PER_FILE = 5000
KINDS = ("basic", "cloze", "choice", "truefalse")
TAGS = ("agents", "agi", "scaling", "reasoning", "business-model", "startups", "predictions")


def _text(en: str, zh: str) -> str:
    return f'{{en: "{en}", zh: "{zh}"}}'


def card_yaml(n: int) -> str:
    """One synthetic card (card n), as the YAML a deck file holds."""
    kind = KINDS[n % 4]
    head = [f"  - id: card-{n}", f"    kind: {kind}"]
    if kind == "basic":
        body = [f"    front: {_text(f'Question number {n} about scaling laws?', f'关于规模定律的第 {n} 个问题？')}",
                f"    back: {_text(f'Answer {n}: compute, data and parameters.', f'答案 {n}：算力、数据和参数。')}",
                f'    accept: ["answer {n}"]']
    elif kind == "cloze":
        body = [f"    text: {_text(f'Altman expects {{{{c1::{n} agents}}}} to work in parallel.', f'Altman 预计 {{{{c1::{n} 个代理}}}} 并行工作。')}"]
    elif kind == "choice":
        body = [f"    front: {_text(f'Which interview said thing {n}?', f'哪次访谈说了第 {n} 件事？')}",
                "    choices:",
                *(f"      - {_text(f'Option {c} for {n}', f'第 {n} 题选项 {c}')}" for c in "ABCD"),
                f"    answer: {n % 4}"]
    else:
        body = [f"    statement: {_text(f'Statement {n} is true.', f'第 {n} 个陈述为真。')}",
                f"    answer: {'true' if n % 2 else 'false'}"]
    tail = [f"    explain: {_text(f'Why card {n} matters, in context.', f'第 {n} 张卡为什么重要。')}",
            f"    tags: [{TAGS[n % len(TAGS)]}, {TAGS[(n + 3) % len(TAGS)]}]",
            f"    difficulty: {n % 3 + 1}",
            f'    cite: {{section: {_text("Section", "章节")}, anchor: "anchor {n}"}}']
    return "\n".join(head + body + tail) + "\n"


def write_decks(total: int, out: Path) -> list[Path]:
    """Write `total` cards into deck files under `out` (created). Returns the files."""
    out.mkdir(parents=True, exist_ok=True)
    files = []
    for index, start in enumerate(range(0, total, CARDS_PER_FILE)):
        path = out / f"bench-{index:03d}.yaml"
        header = (f"deck: bench-{index:03d}\ntitle: {_text(f'Bench deck {index}', f'基准卡组 {index}')}\n"
                  "source:\n  id: bench\n  speaker: \"Sam Altman\"\n  urls: [\"https://example.org/bench\"]\ncards:\n")
        cards = "".join(card_yaml(n) for n in range(start, min(total, start + CARDS_PER_FILE)))
        path.write_text(header + cards, encoding="utf-8")
        files.append(path)
    return files


if __name__ == "__main__":
    count, target = int(sys.argv[1]), Path(sys.argv[2])
    written = write_decks(count, target)
    print(f"{count} cards in {len(written)} files under {target}")
