"""The wheel a plain `pip install` user gets carries the decks, the templates and py.typed."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from conftest import DECKS, ROOT


def test_wheel_carries_decks_and_templates(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(tmp_path), str(ROOT)], check=True, capture_output=True)
    (wheel,) = tmp_path.glob("aiquiz-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for deck in DECKS.glob("*.yaml"):
        assert f"aiquiz/decks/{deck.name}" in names
    assert "aiquiz/py.typed" in names
    assert "aiquiz/locale/zh_CN/LC_MESSAGES/aiquiz.mo" in names  # the Chinese interface (stdlib gettext reads it)
    templates = ROOT / "src" / "aiquiz" / "templates"
    for template in templates.rglob("*"):
        if template.is_file():
            assert f"aiquiz/{template.relative_to(templates.parent).as_posix()}" in names
    assert any(n.endswith("entry_points.txt") for n in names)
