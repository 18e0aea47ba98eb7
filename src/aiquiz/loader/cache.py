"""A compiled cache of validated decks, so a run on unchanged deck files skips the YAML entirely.

One entry per deck file, named by the file's path and keyed by the SHA-256 of its bytes. An entry is
used only when every check passes, else it is ignored (and rewritten after the file is parsed again):

- the magic, the entry format and the *code fingerprint* (aiquiz's version and a hash of the modules
  that define the deck model and the loader, so a changed model never meets an old entry) match;
- the content hash recorded in the entry is the hash of the deck file's bytes read now;
- the payload has the recorded length and SHA-256 (a truncated or corrupt entry fails here);
- on POSIX, the entry is a regular file owned by the current user and not writable by others;
- the payload unpickles with an unpickler that can build nothing but `aiquiz.model` values.

Reading and hashing every deck file is most of a warm run at 100k cards (46 MB), so each entry has a
*stat record* beside it (`remember`, `known_digest`): the deck file's device, inode, size, modification
and change times, and the content hash they went with. A file whose `os.stat` gives exactly those values
is taken to have that hash without being read -- the rule git's index and make rely on. The change time
cannot be set back by a program (writing, `touch -d` and renaming all set it to now), and a record is
written only for a file last changed over `SETTLED_NS` before (so an edit within the clock's resolution
of the recorded one cannot look the same). A record that does not match, or is not ours, is ignored. No
records on Windows, whose `st_ctime` is the creation time.

Only valid decks are cached: an invalid file is parsed every time, so its errors are exactly those of
a run without the cache. Entries are written to a temporary file and renamed into place, so two
processes writing the same entry at once leave one whole entry, never a mix.

An entry (format 4) is the header, then the deck's index, then the deck. The index is a plain tuple —
deck id, number of sources, number of cards, and each column of `DeckIndex` pickled on its own — read with
an unpickler that can build no class; its hash is checked when the entry is read, and a column is unpickled
(the same way) and its shape checked only when a command first uses it (`Entry.column`). The deck is read
from the file only when asked for (its hash checked then): the deck without its cards, and its cards in
chunks of `CHUNK`, each pickled on its own, so one card can be read without the other thousands.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import pickle
import secrets
import struct
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from aiquiz import model
from aiquiz.deckindex import COLUMNS, DeckIndex, index_deck
from aiquiz.model import CARD_CLASSES, AnyCard, Deck

FORMAT = 4
SETTLED_NS = 2_000_000_000  # a deck file gets a stat record once it has not changed for this long
CHUNK = 64  # cards per separately pickled chunk of a deck
MAGIC = b"AIQZDECK"
NO_CACHE_ENV = "AIQUIZ_NO_CACHE"
CACHE_DIR_ENV = "AIQUIZ_CACHE_DIR"
# magic, format, code fingerprint, content hash, then the size and SHA-256 of the index and of the deck
_HEAD = struct.Struct(">8sH32s32sQ32sQ32s")
# a stat record: magic, the deck file's device, inode, size, mtime and ctime (ns), and its content hash
_STAT = struct.Struct(">8s32s32s")  # a stat record: magic, the SHA-256 of the stat signature, the content hash
_STAT_MAGIC = b"AIQZSTA2"
# Windows reports the creation time as st_ctime (a write leaves it alone): no stat records there.
STAT_RECORDS = os.name != "nt"
Signature = tuple[int, int, int, int, int]  # device, inode, size, mtime ns, ctime ns
_ALLOWED = frozenset({"Deck", "Source", "Citation", "Text", "BasicCard", "ClozeCard", "ChoiceCard",
                      "TrueFalseCard"})
# The types of the items of each per-card index column.
_ITEMS: dict[str, set[type]] = {"cards": {str}, "kinds": {str}, "tags": {tuple}, "difficulties": {int, type(None)},
                                "passages": {tuple}}
_CARDS: set[type] = set(CARD_CLASSES.values())
_LANGS = frozenset({"en", "zh", "plain"})  # the values of `Text.langs`
# The modules whose source decides what a cached deck is: a change to any of them retires every entry.
_CODE = ("model.py", "deckindex.py", "spec.py", "loader/cards.py", "loader/nodes.py", "loader/yamlsafe.py",
         "loader/files.py", "loader/fast.py", "loader/plainyaml.py", "loader/checks.py", "loader/cache.py")


class _ModelUnpickler(pickle.Unpickler):
    """An unpickler that can build aiquiz's deck model and nothing else (no other class or function)."""

    def find_class(self, module: str, name: str) -> Any:
        if module == "aiquiz.model" and name in _ALLOWED:
            return getattr(model, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not part of a cached deck")


class _PlainUnpickler(pickle.Unpickler):
    """An unpickler for plain values (tuples, strings, numbers): it can build no class and call nothing."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"{module}.{name} is not part of a deck index")


@cache
def code_fingerprint() -> bytes:
    """SHA-256 of aiquiz's version and the source of the model and loader modules (computed once)."""
    from aiquiz import __version__

    digest = hashlib.sha256(f"aiquiz {__version__} format {FORMAT} python {sys.version_info[:2]} "
                            f"{sys.byteorder}".encode())  # the index's `cited` table is in native byte order
    root = Path(model.__file__).parent
    for name in _CODE:
        try:
            digest.update(name.encode() + b"\0" + (root / name).read_bytes())
        except OSError:
            digest.update(name.encode() + b"\0missing")
    return digest.digest()


def cache_dir(environ: Mapping[str, str]) -> Path:
    """The cache folder: $AIQUIZ_CACHE_DIR when set, else the user cache folder (platformdirs)."""
    given = environ.get(CACHE_DIR_ENV, "").strip()
    if given:
        return Path(given)
    import platformdirs

    return Path(platformdirs.user_cache_path("aiquiz"))


def cache_disabled(environ: Mapping[str, str]) -> bool:
    """True when $AIQUIZ_NO_CACHE is set to anything but empty, 0, false or no."""
    return environ.get(NO_CACHE_ENV, "").strip().lower() not in ("", "0", "false", "no")


@dataclass(frozen=True)
class DeckCache:
    """The cache's folder; `get` and `put` read and write the entry of one deck file."""

    folder: Path

    def entry(self, path: str, digest: bytes) -> Path:
        """Where the entry of deck file `path` with content hash `digest` lives."""
        name = hashlib.sha256(os.path.abspath(path).encode("utf-8", "surrogatepass")).hexdigest()[:24]
        return self.folder / f"decks-{FORMAT}" / f"{name}.deck"

    def get(self, path: str, digest: bytes) -> Deck | None:
        """The cached deck of file `path` whose bytes hash to `digest`, or None when there is no sound entry."""
        found = self.get_entry(path, digest)
        return None if found is None else found.deck()

    def get_entry(self, path: str, digest: bytes) -> Entry | None:
        """The sound entry of file `path` whose bytes hash to `digest` (its header and index read, not yet its
        columns or its deck)."""
        where = self.entry(path, digest)
        try:
            start, total = _read_own(where, 0, None)
        except OSError:
            return None
        return Entry.decode(start, digest, path, total, lambda at, size: _read_own(where, at, size)[0])

    def put(self, path: str, digest: bytes, deck: Deck) -> None:
        """Store `deck` (parsed from bytes hashing to `digest`); a cache that cannot be written is skipped."""
        self.put_bytes(path, digest, encode(deck, digest))

    def put_bytes(self, path: str, digest: bytes, blob: bytes) -> None:
        """Store an entry's bytes (`encode`'s) for file `path`; a cache that cannot be written is skipped."""
        _write_private(self.entry(path, digest), blob)


    def known_digest(self, path: str, signature: Signature) -> bytes | None:
        """The content hash of deck file `path` when its stat `signature` is the one recorded with it, else None."""
        if not STAT_RECORDS:
            return None
        try:
            blob, _ = _read_own(self._stat_record(path), 0, _STAT.size)
        except OSError:
            return None
        if len(blob) != _STAT.size:
            return None
        magic, recorded, digest = _STAT.unpack(blob)
        return digest if magic == _STAT_MAGIC and recorded == _signed(signature) else None

    def remember(self, path: str, signature: Signature, digest: bytes, now_ns: int) -> None:
        """Record that deck file `path` with stat `signature` hashes to `digest`, once it has settled (not
        changed for `SETTLED_NS` before `now_ns`); a cache that cannot be written is skipped."""
        if not STAT_RECORDS or now_ns - max(signature[3], signature[4]) < SETTLED_NS:
            return
        _write_private(self._stat_record(path), _STAT.pack(_STAT_MAGIC, _signed(signature), digest))

    def _stat_record(self, path: str) -> Path:
        entry = self.entry(path, b"")
        return entry.with_suffix(".stat")


def _signed(signature: Signature) -> bytes:
    """A stat signature as a fixed-size value, whatever the width of its numbers (Windows has 128-bit inodes)."""
    return hashlib.sha256(repr(tuple(int(n) for n in signature)).encode()).digest()


def signature(info: os.stat_result) -> Signature:
    """What a stat record compares: device, inode, size, modification and change time (ns)."""
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


def _write_private(target: Path, blob: bytes) -> None:
    """Write `blob` to `target` through a private temporary file renamed into place; skipped on any OSError."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(blob)
        os.replace(tmp, target)  # atomic: a reader sees the old file or the new one, never a mix
    except OSError:
        tmp.unlink(missing_ok=True)


class Entry:
    """A sound cache entry: its index's header read; each column, and the deck, read only when asked for."""

    def __init__(self, head: tuple[str, int, int, tuple[bytes, ...]], path: str, payload: Callable[[], bytes],
                 payload_hash: bytes) -> None:
        self.deck_id, self.sources, self.size, self.columns = head
        self.path = path
        self._payload = payload
        self._payload_hash = payload_hash
        self._parts: tuple[bytes, tuple[bytes, ...]] | None = None
        self._chunks: dict[int, tuple[AnyCard, ...] | None] = {}

    @classmethod
    def decode(cls, blob: bytes, digest: bytes, path: str, total: int | None = None,
               read: Callable[[int, int], bytes] | None = None) -> Entry | None:
        """The entry whose bytes start with `blob` (the whole entry; or its header and index, with the entry's
        size `total` and `read(offset, size)` to read the rest), or None when its header, hashes or index are
        not as `encode` wrote them."""
        if len(blob) < _HEAD.size:
            return None
        magic, form, code, content, index_size, index_hash, size, payload_hash = _HEAD.unpack_from(blob)
        if (magic, form, code, content) != (MAGIC, FORMAT, code_fingerprint(), digest):
            return None
        start = _HEAD.size + index_size
        if start + size != (len(blob) if total is None else total) or len(blob) < start:
            return None
        view = memoryview(blob)
        index_bytes = view[_HEAD.size:start]
        if hashlib.sha256(index_bytes).digest() != index_hash:
            return None
        value = _plain(index_bytes)
        if not (isinstance(value, tuple) and len(value) == 4 and isinstance(value[0], str)
                and all(type(v) is int and v >= 0 for v in value[1:3]) and isinstance(value[3], tuple)
                and len(value[3]) == len(COLUMNS) and all(isinstance(c, bytes) for c in value[3])):
            return None
        payload = (lambda: read(start, size)) if read is not None else (lambda: view[start:start + size])
        return cls(value, path, payload, payload_hash)  # type: ignore[arg-type]

    def index(self, column: Callable[[str], Any] | None = None) -> DeckIndex:
        """The deck's index; its columns come from `column(name)` (default: `self.column`, which may give
        None for a column that is not sound — a library falls back to the parsed file instead)."""
        return DeckIndex(self.deck_id, self.sources, self.size, column or self.column, self.path)

    def column(self, name: str) -> Any:
        """Index column `name`, unpickled now, or None when it does not have the column's shape."""
        value = _plain(self.columns[COLUMNS.index(name)])
        if name == "cited":  # a table of 64-bit hashes and positions (each match is checked where it is used)
            return value if type(value) is bytes and len(value) % 16 == 0 else None
        if name == "langs":  # the deck's, not one per card: sorted, each once
            return value if type(value) is tuple and value == tuple(sorted(_LANGS.intersection(value))) else None
        if not (type(value) is tuple and len(value) == self.size):
            return None
        return value if set(map(type, value)) <= _ITEMS[name] else None

    def deck(self) -> Deck | None:
        """The deck, read now (None when its bytes are not sound: the caller parses the file)."""
        head = self.head()
        chunks = [self.chunk(i) for i in range(-(-self.size // CHUNK))]
        if head is None or any(c is None for c in chunks):
            return None
        return dataclasses.replace(head, cards=tuple(card for chunk in chunks for card in chunk or ()))

    def card(self, at: int) -> AnyCard | None:
        """The card at position `at` (None when the entry's bytes for it are not sound)."""
        chunk = self.chunk(at // CHUNK) if 0 <= at < self.size else None
        return None if chunk is None else chunk[at % CHUNK]

    def head(self) -> Deck | None:
        """The deck without its cards (`cards` is empty), or None when its bytes are not sound."""
        parts = self._read()
        deck = None if parts is None else _model(parts[0])
        if not (isinstance(deck, Deck) and deck.cards == ()):
            return None
        return deck if deck.path == self.path or not self.path else dataclasses.replace(deck, path=self.path)

    def chunk(self, number: int) -> tuple[AnyCard, ...] | None:
        """The cards of chunk `number` (positions CHUNK * number on), or None when its bytes are not sound."""
        if number not in self._chunks:
            parts = self._read()
            cards = _model(parts[1][number]) if parts is not None and 0 <= number < len(parts[1]) else None
            sound = (type(cards) is tuple and len(cards) == min(CHUNK, self.size - CHUNK * number)
                     and set(map(type, cards)) <= _CARDS)
            self._chunks[number] = cards if sound else None  # type: ignore[assignment]
        return self._chunks[number]

    def _read(self) -> tuple[bytes, tuple[bytes, ...]] | None:
        """The deck's bytes read (and their hash checked) on first use: the deck without cards, and the chunks."""
        if self._parts is None:
            try:
                payload = self._payload()
            except OSError:
                return None
            if hashlib.sha256(payload).digest() != self._payload_hash:
                return None
            value = _plain(payload)
            if not (type(value) is tuple and len(value) == 2 and type(value[0]) is bytes and type(value[1]) is tuple
                    and len(value[1]) == -(-self.size // CHUNK) and all(type(c) is bytes for c in value[1])):
                return None
            self._parts = value
        return self._parts


def _model(data: bytes) -> object:
    """Deck model values unpickled with an unpickler that builds nothing else (None when it cannot)."""
    try:
        return _ModelUnpickler(io.BytesIO(data)).load()
    except Exception:
        return None


def _plain(data: bytes | memoryview) -> object:
    """Plain values (tuples, strings, numbers, dicts) unpickled with an unpickler that builds no class (None
    when the bytes are not such a pickle)."""
    try:
        return _PlainUnpickler(io.BytesIO(data)).load()
    except Exception:  # a sound hash over bytes we cannot read: written by another build; rebuild it
        return None


def encode(deck: Deck, digest: bytes) -> bytes:
    """An entry's bytes: the header (magic, format, code fingerprint, content hash, the index's and the deck's
    sizes and hashes), the index (plain values) and the deck."""
    return pack(encode_index(deck), encode_deck(deck), digest)


def encode_deck(deck: Deck) -> bytes:
    """The deck part of an entry: the deck without its cards, and its cards in chunks, each pickled."""
    chunks = tuple(pickle.dumps(deck.cards[at:at + CHUNK], protocol=5) for at in range(0, len(deck.cards), CHUNK))
    return pickle.dumps((pickle.dumps(dataclasses.replace(deck, cards=()), protocol=5), chunks), protocol=5)


def encode_index(deck: Deck, columns: Mapping[str, bytes] | None = None) -> bytes:
    """The index part of a deck's entry: deck id, number of sources and of cards, and each column pickled
    (`columns` replaces some of them with other bytes: for tests of entries that must not be trusted)."""
    index = index_deck(deck)
    pickled = tuple((columns or {}).get(name) or pickle.dumps(index.column(name), protocol=5) for name in COLUMNS)
    return pickle.dumps((deck.id, len(deck.sources), len(deck.cards), pickled), protocol=5)


def pack(index: bytes, payload: bytes, digest: bytes) -> bytes:
    """An entry's bytes from its pickled index and deck (`encode` is the way to write a deck)."""
    head = _HEAD.pack(MAGIC, FORMAT, code_fingerprint(), digest, len(index), hashlib.sha256(index).digest(),
                      len(payload), hashlib.sha256(payload).digest())
    return head + index + payload


def decode(blob: bytes, digest: bytes, path: str = "") -> Deck | None:
    """The deck in an entry's bytes, or None when anything about them is not as `encode` wrote them."""
    found = Entry.decode(blob, digest, path)
    if found is None:
        return None
    return found.deck()


def _read_own(entry: Path, start: int, size: int | None) -> tuple[bytes, int]:
    """Part of a cache entry that is a regular file of ours, not writable by others, and the file's size.

    From `start`, `size` bytes; with `size` None, the header and the index (their size is in the header).
    """
    with open(entry, "rb") as src:
        info = os.fstat(src.fileno())
        if hasattr(os, "getuid"):
            import stat

            if not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o022:
                raise OSError(f"{entry} is not a private cache entry")
        src.seek(start)
        if size is not None:
            return src.read(size), info.st_size
        head = src.read(_HEAD.size)
        index_size = _HEAD.unpack(head)[4] if len(head) == _HEAD.size else 0
        return head + src.read(min(index_size, info.st_size)), info.st_size


def content_hash(data: bytes) -> bytes:
    """The key of a deck file's content: SHA-256 of its bytes."""
    return hashlib.sha256(data).digest()
