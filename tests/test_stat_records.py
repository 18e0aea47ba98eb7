"""The deck cache's stat records: an unchanged deck file is not read again, and no change goes unseen.

A stat record vouches for a deck file's content hash while its device, inode, size, mtime and ctime are
those recorded. Only a file that has settled gets one; editing a file (even to the same size, with its
mtime put back) changes its ctime, so the edit is seen.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from aiquiz.errors import DeckError
from aiquiz.loader import files, load_decks
from aiquiz.loader.cache import SETTLED_NS, DeckCache
from aiquiz.loader.library import load_library

from conftest import FIXTURES

DECK = "deck: d\ntitle: T\nsource: {{id: s}}\ncards:\n  - {{id: c, kind: truefalse, statement: {text}, answer: true}}\n"


@pytest.fixture
def later(monkeypatch: pytest.MonkeyPatch) -> None:
    """The clock moved past the settling time, as if every file had been written long ago."""
    real = files._now_ns
    monkeypatch.setattr(files, "_now_ns", lambda: real() + 2 * SETTLED_NS)


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The deck files read (their bytes), in order."""
    seen: list[str] = []
    real = files.read_bytes

    def counting(path: Path) -> bytes:
        seen.append(Path(path).name)
        return real(path)

    monkeypatch.setattr(files, "read_bytes", counting)
    return seen


def statement(path: Path, cache: DeckCache) -> str:
    (deck,) = load_decks([path], cache=cache)
    return str(deck.cards[0].statement.get("en"))  # type: ignore[union-attr]


def test_a_settled_unchanged_file_is_not_read_again(tmp_path: Path, later: None, reads: list[str]) -> None:
    path, cache = tmp_path / "d.yaml", DeckCache(tmp_path / "cache")
    path.write_text(DECK.format(text="First"), encoding="utf-8")
    assert statement(path, cache) == "First"  # parsed, cached
    assert statement(path, cache) == "First"  # read, hashed, found sound: recorded
    assert reads == ["d.yaml", "d.yaml"]
    assert statement(path, cache) == "First"
    library = load_library([path], cache=cache)
    assert [c.id for c in library.decks()[0].cards] == ["c"]
    assert reads == ["d.yaml", "d.yaml"]  # vouched for by the record twice


def test_a_file_edited_to_the_same_size_with_its_mtime_put_back_is_read(tmp_path: Path, later: None,
                                                                       reads: list[str]) -> None:
    path, cache = tmp_path / "d.yaml", DeckCache(tmp_path / "cache")
    path.write_text(DECK.format(text="First"), encoding="utf-8")
    statement(path, cache), statement(path, cache)
    before = path.stat()
    path.write_text(DECK.format(text="Other"), encoding="utf-8")  # same size
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (before.st_size, before.st_mtime_ns, before.st_ino)
    assert statement(path, cache) == "Other"
    assert reads[-1] == "d.yaml" and len(reads) == 3


def test_a_file_replaced_by_another_is_read(tmp_path: Path, later: None) -> None:
    path, cache = tmp_path / "d.yaml", DeckCache(tmp_path / "cache")
    path.write_text(DECK.format(text="First"), encoding="utf-8")
    statement(path, cache), statement(path, cache)
    other = tmp_path / "new.yaml"
    other.write_text(DECK.format(text="Other"), encoding="utf-8")
    os.replace(other, path)
    assert statement(path, cache) == "Other"


def test_a_file_that_has_not_settled_gets_no_record(tmp_path: Path, reads: list[str]) -> None:
    path, cache = tmp_path / "d.yaml", DeckCache(tmp_path / "cache")
    path.write_text(DECK.format(text="First"), encoding="utf-8")
    for _ in range(3):
        assert statement(path, cache) == "First"
    assert reads == ["d.yaml"] * 3
    assert not list((tmp_path / "cache").rglob("*.stat"))


@pytest.mark.parametrize("damage", ["truncated", "other magic", "writable by others", "another file's"])
def test_a_record_that_is_not_sound_is_ignored(tmp_path: Path, later: None, reads: list[str], damage: str) -> None:
    path, cache = tmp_path / "d.yaml", DeckCache(tmp_path / "cache")
    path.write_text(DECK.format(text="First"), encoding="utf-8")
    statement(path, cache), statement(path, cache)
    (record,) = (tmp_path / "cache").rglob("*.stat")
    blob = record.read_bytes()
    if damage == "truncated":
        record.write_bytes(blob[:-1])
    elif damage == "other magic":
        record.write_bytes(b"X" + blob[1:])
    elif damage == "writable by others":
        record.chmod(record.stat().st_mode | stat.S_IWOTH)
    else:  # the record of another file, whose deck says something else
        twin = tmp_path / "twin.yaml"
        twin.write_text(DECK.format(text="Other"), encoding="utf-8")
        statement(twin, cache), statement(twin, cache)
        (theirs,) = [r for r in (tmp_path / "cache").rglob("*.stat") if r != record]
        record.write_bytes(theirs.read_bytes())
    reads.clear()
    assert statement(path, cache) == "First"
    assert reads == ["d.yaml"]


def _damage_deck_part(cache_folder: Path) -> None:
    """Change the last byte of the one entry: its header and index stay sound, its deck part no longer is."""
    (entry,) = cache_folder.rglob("*.deck")
    blob = bytearray(entry.read_bytes())
    blob[-1] ^= 0xFF
    entry.write_bytes(bytes(blob))


def test_a_vouched_file_whose_deck_part_breaks_is_parsed_from_its_bytes(tmp_path: Path, later: None,
                                                                       reads: list[str]) -> None:
    path, cache = tmp_path / "d.yaml", DeckCache(tmp_path / "cache")
    path.write_text(DECK.format(text="First"), encoding="utf-8")
    statement(path, cache), statement(path, cache)
    _damage_deck_part(tmp_path / "cache")
    reads.clear()
    library = load_library([path], cache=cache)
    assert reads == []  # vouched for: the index was read from the entry, the file not at all
    assert str(library.decks()[0].cards[0].statement.get("en")) == "First"  # type: ignore[union-attr]
    assert reads == ["d.yaml"]  # the deck part was unsound: the file, read now
    assert statement(path, cache) == "First"


def test_a_vouched_file_changed_before_its_cards_are_read_is_an_error_not_a_mix(tmp_path: Path, later: None,
                                                                               reads: list[str]) -> None:
    path, cache = tmp_path / "d.yaml", DeckCache(tmp_path / "cache")
    path.write_text(DECK.format(text="First"), encoding="utf-8")
    statement(path, cache), statement(path, cache)
    library = load_library([path], cache=cache)  # the index of "First", the file not read
    assert reads == ["d.yaml", "d.yaml"]
    with path.open("r+", encoding="utf-8") as f:  # edited in place while the command runs
        f.write(DECK.format(text="Other"))
    _damage_deck_part(tmp_path / "cache")  # (another command rewrote the entry, say)
    with pytest.raises(DeckError) as err:
        library.decks()
    assert "changed on disk while this command ran" in str(err.value.problems[0])


def test_a_stat_signature_of_any_width_is_recorded(tmp_path: Path) -> None:
    cache = DeckCache(tmp_path / "cache")
    wide = (2**70, 2**127 + 5, 120, 10**18, 10**18)  # Windows reports 128-bit file ids on some volumes
    cache.remember("/d.yaml", wide, b"h" * 32, 10**18 + 2 * SETTLED_NS)
    assert cache.known_digest("/d.yaml", wide) == b"h" * 32
    assert cache.known_digest("/d.yaml", (*wide[:4], wide[4] + 1)) is None


def test_a_file_that_became_invalid_reports_its_error(tmp_path: Path, later: None) -> None:
    path, cache = tmp_path / "d.yaml", DeckCache(tmp_path / "cache")
    path.write_text(DECK.format(text="First"), encoding="utf-8")
    statement(path, cache), statement(path, cache)
    path.write_text(DECK.format(text="First").replace("answer: true", "answer: maybe"), encoding="utf-8")
    with pytest.raises(DeckError) as err:
        statement(path, cache)
    assert str(path) in str(err.value.problems[0])


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_deck_read_from_a_named_pipe_is_never_waited_on_for_its_stat_record(tmp_path: Path) -> None:
    # Taking a file's signature opens it: a named pipe must not block there (no writer is left once it was
    # read), and a pipe gets no stat record at all.
    import subprocess
    import sys
    import threading

    pipe = tmp_path / "piped.yaml"
    os.mkfifo(pipe)
    text = (FIXTURES / "valid" / "sample.yaml").read_text(encoding="utf-8")
    for _ in range(2):  # the second run finds the cache entry the first one wrote
        writer = threading.Thread(target=pipe.write_text, args=(text,), kwargs={"encoding": "utf-8"})
        writer.start()
        out = subprocess.run([sys.executable, "-m", "aiquiz", "validate", str(pipe)], capture_output=True,
                             text=True, timeout=60, env={**os.environ, "AIQUIZ_CACHE_DIR": str(tmp_path / "c")})
        writer.join(timeout=5)
        assert out.returncode == 0 and "OK: 1 deck(s)" in out.stdout, out.stderr
    assert not list((tmp_path / "c").rglob("*.stat"))
