"""The house reads from its folder names: model -> deckindex -> loader -> select/lint -> {anki, quiz, drill} over progress
-> cli. Imports only run down that list; `progress/` (the learner's memory) never imports a front end."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from conftest import ROOT

SRC = ROOT / "src" / "aiquiz"
LAYERS = {  # a module may import only from its own layer or the ones listed
    "progress": {"errors", "i18n", "model", "deckindex", "select", "progress"},
    "judge": {"errors", "i18n", "judge"},
    "loader": {"errors", "model", "deckindex", "spec", "loader"},
    "model": {"errors", "model"},
    "deckindex": {"errors", "model", "deckindex"},
    "select": {"errors", "i18n", "model", "deckindex", "select"},
    "lint": {"errors", "model", "spec", "loader", "judge", "duplicates", "lint", "select"},
}


def imports(path: Path) -> set[str]:
    """The top-level aiquiz modules or packages a file imports (also inside functions)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else (
            [a.name for a in node.names] if isinstance(node, ast.Import) else [])
        found |= {n.split(".")[1] for n in names if n.startswith("aiquiz.") and n.count(".") >= 1}
    return found


def layer_of(path: Path) -> str:
    part = path.relative_to(SRC).parts[0]
    return part.removesuffix(".py")


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_imports_only_run_down_the_layers(layer: str) -> None:
    files = [p for p in SRC.rglob("*.py") if layer_of(p) == layer]
    assert files, layer
    wrong = {str(p.relative_to(SRC)): sorted(imports(p) - LAYERS[layer]) for p in files}
    assert not {k: v for k, v in wrong.items() if v}


def test_the_only_sqlite3_user_of_the_learner_memory_is_the_store() -> None:
    users = {str(p.relative_to(SRC)) for p in (SRC / "progress").rglob("*.py") if "import sqlite3" in p.read_text()}
    assert users == {"progress/database.py"}


def test_modules_stay_under_the_size_guideline() -> None:
    """STYLE.md: modules under ~400 lines; a module that grows past it is split along a seam."""
    sizes = {str(p.relative_to(SRC)): len(p.read_text(encoding="utf-8").splitlines()) for p in SRC.rglob("*.py")}
    assert not {path: n for path, n in sizes.items() if n > 400}
