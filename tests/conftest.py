"""Shared fixtures: paths to the repo, the shipped decks and the test decks, and a CLI runner."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
DECKS = ROOT / "decks"

# The tests read the English interface unless they ask for another: a developer's own AIQUIZ_LANG must not
# leak into the commands they run (tests/test_i18n.py sets it where it tests it).
os.environ.pop("AIQUIZ_LANG", None)


@pytest.fixture(autouse=True)
def _private_deck_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test (and every CLI it runs) keeps its compiled deck cache in a temporary folder."""
    monkeypatch.setenv("AIQUIZ_CACHE_DIR", str(tmp_path_factory.mktemp("deck-cache")))


@pytest.fixture
def sample_path() -> Path:
    """A small valid deck with every kind and every optional field."""
    return FIXTURES / "valid" / "sample.yaml"


def run_cli(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None,
            stdin: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run `python -m aiquiz ARGS` in a subprocess, as a user would, and capture its output."""
    full_env = {**os.environ, "PYTHONIOENCODING": "utf-8", "COLUMNS": "120", **(env or {})}
    return subprocess.run([sys.executable, "-m", "aiquiz", *args], cwd=cwd, env=full_env,
                          input=stdin, capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def cli():
    """The `run_cli` helper."""
    return run_cli
