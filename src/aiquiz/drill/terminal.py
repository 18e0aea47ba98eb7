"""The drill in a terminal: keys, prompts and the screen (rich), or plain lines when stdin is not a terminal.

In a terminal a choice, true/false or rating is one key press; typed answers are edited lines. Without
a terminal every answer is one line of stdin and the output is plain text, so a drill can be scripted.
Ctrl-C, Ctrl-D, `q`, a closed terminal (SIGHUP) or SIGTERM end the drill; every rated card is already
saved, only the card on screen is not.
"""

from __future__ import annotations

import errno
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import IO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from aiquiz.drill import summary_view, view
from aiquiz.drill.grading import Judgement, Reply, choice_index, overrule, truefalse_value
from aiquiz.drill.runner import Action, Control, DrillOptions, DrillResult, Shown, run_drill
from aiquiz.errors import UsageError
from aiquiz.i18n import _
from aiquiz.loader.library import Library
from aiquiz.model import ChoiceCard, ClozeCard, Deck, TrueFalseCard, cloze_gaps
from aiquiz.progress.scheduler import Rating
from aiquiz.progress.settings import from_rows
from aiquiz.progress.store import Store
from aiquiz.select import Selected

QUIT = "q"
EOF_KEY = "\x04"
ASK_CONTROLS = {Action.UNDO.value: Action.UNDO, Action.SKIP.value: Action.SKIP}
RATE_CONTROLS = {a.value: a for a in (Action.UNDO, Action.SKIP, Action.BURY, Action.SUSPEND, Action.FLAG)}


class Hangup(Exception):
    """The terminal went away (SIGHUP) or the drill was asked to stop (SIGTERM)."""


class KeyReader:
    """Reads one key at a time from a terminal (cbreak mode: no Enter needed, Ctrl-C still works)."""

    def __init__(self, stream: IO[str], echo: Callable[[str], None]) -> None:
        self._fd = stream.fileno()
        self._echo = echo
        self._pending: list[str] = []  # keys typed ahead (two keys can arrive in one read)
        _typing_shown(self._fd)

    def key(self, prompt: str, valid: Callable[[str], bool]) -> str | None:
        """Wait for a key `valid` accepts (Enter is ""); None on Ctrl-D or a closed terminal."""
        import termios
        import tty

        self._echo(prompt + " ")
        saved = termios.tcgetattr(self._fd)
        try:
            tty.setcbreak(self._fd)
            while True:
                if not self._pending:
                    data = os.read(self._fd, 64)
                    if not data:
                        return None
                    text = data.decode("utf-8", "ignore")
                    if not text.startswith("\x1b"):  # arrows and other escape sequences are ignored
                        self._pending = list(text)
                    continue
                char = self._pending.pop(0)
                if char == EOF_KEY:
                    return None
                key = "" if char in "\r\n" else char.strip()
                if (key or char in "\r\n") and valid(key):
                    self._echo((key or "⏎") + "\n")
                    return key
        finally:
            termios.tcsetattr(self._fd, termios.TCSADRAIN, saved)

    def line(self, prompt: str) -> str | None:
        """An edited line of text; None on Ctrl-D or a closed terminal."""
        import readline  # noqa: F401  (line editing for input())

        try:
            return input(prompt)
        except EOFError:
            return None


def _typing_shown(fd: int) -> None:
    """Turn the terminal's echo and line editing back on when they are off: a drill killed while it waited
    for a key (kill -9: no clean-up) leaves them off, and a shell run through a wrapper (faketime, a script)
    does not restore them, so typed answers would not show."""
    import termios

    try:
        attrs = termios.tcgetattr(fd)
        if attrs[3] & (termios.ECHO | termios.ICANON) != termios.ECHO | termios.ICANON:
            attrs[3] |= termios.ECHO | termios.ICANON
            termios.tcsetattr(fd, termios.TCSADRAIN, attrs)
    except termios.error:  # not a terminal after all: nothing to restore
        pass


class LineReader:
    """Reads answers line by line from a non-terminal stdin (scripted drills)."""

    def __init__(self, stream: IO[str], echo: Callable[[str], None]) -> None:
        self._stream = stream
        self._echo = echo

    def key(self, prompt: str, valid: Callable[[str], bool]) -> str | None:
        """The next line that `valid` accepts (stripped); None at the end of input."""
        while True:
            got = self.line(prompt + " ")
            if got is None:
                return None
            if valid(got.strip()):
                return got.strip()
            self._echo(_("? not understood: {typed!r}").format(typed=got.strip()) + "\n")

    def line(self, prompt: str) -> str | None:
        """The next line of input without its newline; None at the end of input."""
        self._echo(prompt)
        got = self._stream.readline()
        if not got:
            self._echo("\n")
            return None
        got = got.rstrip("\r\n")
        self._echo(got + "\n")  # the transcript shows what was answered
        return got


class TerminalUI:
    """The drill screen (a `DrillUI`): rich with colours in a terminal, plain text otherwise."""

    def __init__(self, console: Console, reader: KeyReader | LineReader, interactive: bool,
                 clock: Callable[[], datetime]) -> None:
        self.console = console
        self.reader = reader
        self.interactive = interactive
        self.clock = clock
        self._answer_shown = False
        self._judged: Judgement | None = None  # this card's verdict, as overruled: it stands across a flag
        self._notices: list[Text] = []  # shown under the next card's header (the screen is cleared first)

    def show(self, rows: Sequence[view.Row]) -> None:
        """Print rows: a two-column grid in a terminal, `label: text` lines otherwise."""
        if self.interactive:
            grid = Table.grid(padding=(0, 1))
            grid.add_column(style="dim", no_wrap=True)
            grid.add_column(overflow="fold")  # CJK text and links wrap whole, never cut with "…"
            for row in rows:
                grid.add_row(row.label, row.text)
            self.console.print(grid)
        else:
            for row in rows:
                lead = row.label + ("" if row.label.endswith(")") else ":") + " " if row.label else ""
                self.line(Text(lead + row.text.plain.replace("\n", "\n    ")))

    def line(self, text: Text) -> None:
        """Print one line (plain text when not in a terminal)."""
        if self.interactive:
            self.console.print(text)
        else:
            self.console.file.write(text.plain + "\n")
            self.console.file.flush()

    def notice_removed(self, keys: Sequence[str]) -> None:
        """Tell that stored cards are gone from their decks."""
        self.line(view.removed_text(list(keys)))

    def ask(self, shown: Shown) -> Reply | Control | None:
        """Show the card and read the answer, or undo/skip (None: the learner quits)."""
        self._answer_shown = False
        if self.interactive:
            self.console.clear()
            self.console.rule(view.header(shown, self.clock()), align="left")
        else:
            self.line(Text("--- ").append_text(view.header(shown, self.clock())))
        self._flush_notices()
        note = view.day_note(shown.plan)
        if note is not None and shown.progress.number == 1:
            self.line(note)
        self.show(view.question(shown))
        match shown.picked.card:
            case ChoiceCard() as card:
                count = len(card.choices)
                key = self._key(view.prompt(shown), lambda k: choice_index(k, count) is not None, ASK_CONTROLS)
                return key if not isinstance(key, str) else Reply(choice=choice_index(key, count))
            case TrueFalseCard():
                key = self._key(view.prompt(shown), lambda k: truefalse_value(k) is not None, ASK_CONTROLS)
                return key if not isinstance(key, str) else Reply(value=truefalse_value(key))
            case ClozeCard() as card:
                return self._gaps(shown, cloze_gaps(card.text.get(shown.lang)))
        self.line(Text(view.prompt(shown), style="dim"))
        typed = self._typed("> ")
        return typed if not isinstance(typed, str) else Reply(text=typed)

    def _key(self, prompt: str, valid: Callable[[str], bool],
             controls: dict[str, Action]) -> str | Control | None:
        """A key `valid` accepts, a control key, or None (quit)."""
        key = self.reader.key(prompt, lambda k: k == QUIT or k in controls or valid(k))
        if key is None or key == QUIT:
            return None
        return Control(controls[key]) if key in controls else key

    def _typed(self, prompt: str) -> str | Control | None:
        """A typed line; the single letters u (undo) and s (skip) are controls, q quits."""
        got = self.reader.line(prompt)
        if got is None or got.strip() == QUIT:
            return None
        return Control(ASK_CONTROLS[got.strip()]) if got.strip() in ASK_CONTROLS else got

    def _gaps(self, shown: Shown, numbers: tuple[int, ...]) -> Reply | Control | None:
        self.line(Text(view.prompt(shown), style="dim"))
        typed: list[tuple[int, str]] = []
        for number in numbers:
            got = self._typed(f"[{number}]> " if len(numbers) > 1 else "> ")
            if not isinstance(got, str):
                return got
            typed.append((number, got))
        return Reply(gaps=tuple(typed))

    def notice(self, event: str, key: str, detail: str = "") -> None:
        """Tell what a control or the scheduler did (in a terminal: under the next card's header)."""
        text = view.notice(event, key, detail)
        if self.interactive and event != "flagged":
            self._notices.append(text)
        else:
            self.line(text)

    def _flush_notices(self) -> None:
        for text in self._notices:
            self.line(text)
        self._notices.clear()

    def rate(self, shown: Shown, reply: Reply, judgement: Judgement) -> Rating | Control | None:
        """Show the verdict, answer, explain and citation, then read a rating or a control (None: quit)."""
        if not self._answer_shown:  # shown once per card, not again after a flag
            self._answer_shown = True
            self._judged = judgement
            verdict = view.verdict(judgement, reply)
            if verdict is not None:
                self.line(verdict)
            self.show(view.answer_rows(shown, reply))
        judgement = self._judged or judgement  # a flag leaves this call: an overrule before it still stands
        while True:
            keys = {"1", "2", "3", "4", "o"} | ({""} if judgement.proposal is not None else set())
            key = self._key(view.rate_prompt(judgement), _rating_keys(keys, judgement.correct is not None),
                            RATE_CONTROLS)
            if not isinstance(key, str):
                if isinstance(key, Control) and key.action is Action.FLAG:
                    note = self.reader.line(_("Flag note (what is wrong or ambiguous; Enter for none): "))
                    return Control(Action.FLAG, (note or "").strip())
                return key
            if key == "o":
                judgement = self._judged = overrule(judgement)
                said = _("Overruled: counted as right") if judgement.correct else _("Overruled: counted as wrong")
                self.line(Text(said, style="yellow"))
                continue
            return judgement.proposal if key == "" else Rating(int(key))

    def summary(self, result: DrillResult) -> None:
        """Print the end-of-drill summary."""
        if self.interactive:
            if result.interrupted:
                self.console.line()  # Ctrl-C came in the middle of a prompt line
            self.console.rule(_("summary"), align="left")
        self._flush_notices()
        for text in summary_view.summary_rows(result, self.clock()):
            self.line(text)


def _rating_keys(keys: set[str], overrulable: bool) -> Callable[[str], bool]:
    """Which keys the rating prompt takes: a rating, Enter for the proposal, `o` when there is a verdict."""
    return lambda key: key in keys and (key != "o" or overrulable)


@contextmanager
def _stop_signals() -> Iterator[None]:
    """SIGHUP (terminal closed) and SIGTERM raise Hangup, so the drill unwinds and closes the store."""

    def stop(signum: int, frame: object) -> None:
        raise Hangup(signal.Signals(signum).name)

    wanted = [s for s in (getattr(signal, "SIGHUP", None), signal.SIGTERM) if s is not None]
    saved = {s: signal.signal(s, stop) for s in wanted}
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


def drill_in_terminal(decks: Sequence[Deck] | Library, picked: Sequence[Selected], options: DrillOptions,
                      store_path: Path, clock: Callable[[], datetime], stdin: IO[str] | None = None,
                      stdout: IO[str] | None = None) -> int:
    """Run a drill on this terminal (or on piped stdin/stdout) and print its summary.

    Args:
        decks: Every loaded deck, or the run's library (see `run_drill`).
        picked: The selected cards (`Picked` or `Ref`).
        options: Language, new cards, limit, cram, retention.
        store_path: The progress store file.
        clock: The current time (timezone-aware).
        stdin: Where answers come from (default: sys.stdin).
        stdout: Where the screen goes (default: sys.stdout).

    Returns:
        The exit code: 0, 130 after Ctrl-C, 129 when the terminal went away.

    Raises:
        UsageError: no card is selected.
        StoreError: the progress store cannot be used.
    """
    if not picked:
        raise UsageError(_("no cards match the --deck/--tag filters"))
    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    interactive = stdin.isatty() and stdout.isatty()
    console = Console(file=stdout, highlight=False, emoji=False, markup=False)

    def echo(text: str) -> None:
        stdout.write(text)
        stdout.flush()

    reader = KeyReader(stdin, echo) if interactive else LineReader(stdin, echo)
    ui = TerminalUI(console, reader, interactive, clock)
    try:
        with _stop_signals(), Store.open(store_path) as store:
            result = run_drill(decks, picked, store, ui, clock, options, from_rows(store.setting_rows()))
            ui.summary(result)
    except Hangup:
        return 129
    except OSError as err:
        if err.errno not in (errno.EIO, errno.EPIPE):  # EIO/EPIPE: the terminal or the pipe is gone
            raise
        return 129
    return 130 if result.interrupted else 0
