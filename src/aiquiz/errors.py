"""Typed errors. Library code raises these; only the CLI turns them into messages and exit codes."""

from __future__ import annotations

from dataclasses import dataclass


class AiquizError(Exception):
    """Base of every error aiquiz raises on purpose; its message is meant for the user."""


class UsageError(AiquizError):
    """The command was asked for something that cannot be done (a missing path, no cards selected)."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a deck file, with the place it was found."""

    path: str
    line: int | None
    message: str
    card: str | None = None

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        card = f"card {self.card}: " if self.card else ""
        return f"{where}: {card}{self.message}"


class DeckError(AiquizError):
    """One or more decks are invalid; `problems` lists every problem found in the run."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def single(cls, path: str, line: int | None, message: str, card: str | None = None) -> DeckError:
        """A DeckError with one problem."""
        return cls([Problem(path, line, message, card)])
