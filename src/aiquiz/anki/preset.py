"""The "aiquiz" deck options preset that travels in the package.

Anki applies a package's presets only when the learner imports with deck presets (the import dialog's
"Import any deck presets", the backend's `with_deck_configs`); otherwise the decks get the learner's
Default preset, as before. The preset matches `aiquiz drill`'s defaults: 10 new cards a day, desired
retention 0.90, learning steps 1m 10m, relearning step 10m; and Anki's 200 reviews a day.

Packages written by genanki are legacy collections: presets live as JSON in the `col` row's `dconf`
(Anki's "schema 11" format) and a deck names its preset in its `conf` key. Anki adds a preset on import
only when the learner has none with its id, so a learner's own changes to it are kept.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from aiquiz.anki.notetypes import stable_id
from aiquiz.progress.settings import Settings

_DRILL = Settings()  # the drill's defaults: the preset matches them


@dataclass(frozen=True)
class StudyPreset:
    """Deck options: daily limits, FSRS desired retention, (re)learning steps in minutes."""

    name: str = "aiquiz"
    new_per_day: int = _DRILL.new_per_day
    reviews_per_day: int = _DRILL.reviews_per_day
    desired_retention: float = _DRILL.retention
    learning_steps: tuple[float, ...] = (1.0, 10.0)
    relearning_steps: tuple[float, ...] = (10.0,)

    @property
    def id(self) -> int:
        """The preset's fixed id (the same in every build, so a re-import finds the learner's copy)."""
        return stable_id("preset", self.name)


PRESET = StudyPreset()


def legacy_dconf(preset: StudyPreset) -> dict[str, Any]:
    """The preset as a schema-11 deck config: every key Anki requires, the rest at Anki's defaults.

    Args:
        preset: The options.

    Returns:
        The JSON object for the `col.dconf` map.
    """
    return {
        "id": preset.id, "mod": 0, "name": preset.name, "usn": 0, "maxTaken": 60, "autoplay": True,
        "timer": 0, "replayq": True, "dyn": False,
        "new": {"bury": False, "delays": list(preset.learning_steps), "initialFactor": 2500, "ints": [1, 4, 0],
                "order": 1, "perDay": preset.new_per_day},
        "rev": {"bury": False, "ease4": 1.3, "ivlFct": 1.0, "maxIvl": 36500, "perDay": preset.reviews_per_day,
                "hardFactor": 1.2},
        "lapse": {"delays": list(preset.relearning_steps), "leechAction": 1, "leechFails": 8, "minInt": 1,
                  "mult": 0.0},
        "desiredRetention": preset.desired_retention, "sm2Retention": 0.9,
    }


def install_preset(conn: sqlite3.Connection, preset: StudyPreset, deck_ids: Iterable[int]) -> None:
    """Add `preset` to a written collection and make it the preset of the given decks.

    Args:
        conn: The package's collection (genanki's `col` row already written).
        preset: The options.
        deck_ids: The decks to study with it.
    """
    dconf_json, decks_json = conn.execute("select dconf, decks from col").fetchone()
    dconf, decks = json.loads(dconf_json), json.loads(decks_json)
    dconf[str(preset.id)] = legacy_dconf(preset)
    for deck_id in deck_ids:
        decks[str(deck_id)]["conf"] = preset.id
    conn.execute("update col set dconf = ?, decks = ?", (json.dumps(dconf), json.dumps(decks)))
