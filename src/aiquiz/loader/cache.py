"""A compiled cache of validated decks, so a run on unchanged deck files skips the YAML entirely.

One entry per deck file, named by the file's path and keyed by the SHA-256 of its bytes. An entry is
used only when every check passes, else it is ignored (and rewritten after the file is parsed again):

- the magic, the entry format and the *code fingerprint* (aiquiz's version and a hash of the modules
  that define the deck model and the loader, so a changed model never meets an old entry) match;
- the content hash recorded in the entry is the hash of the deck file's bytes read now;
- the payload has the recorded length and SHA-256 (a truncated or corrupt entry fails here);
- on POSIX, the entry is a regular file owned by the current user and not writable by others;
- the payload unpickles with an unpickler that can build nothing but `aiquiz.model` values.

Only valid decks are cached: an invalid file is parsed every time, so its errors are exactly those of
a run without the cache. Entries are written to a temporary file and renamed into place, so two
processes writing the same entry at once leave one whole entry, never a mix.
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
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from aiquiz import model
from aiquiz.model import Deck, DeckIndex, index_deck

FORMAT = 3
MAGIC = b"AIQZDECK"
NO_CACHE_ENV = "AIQUIZ_NO_CACHE"
CACHE_DIR_ENV = "AIQUIZ_CACHE_DIR"
# magic, format, code fingerprint, content hash, then the size and SHA-256 of the index and of the deck
_HEAD = struct.Struct(">8sH32s32sQ32sQ32s")
_ALLOWED = frozenset({"Deck", "Source", "Citation", "Text", "BasicCard", "ClozeCard", "ChoiceCard",
                      "TrueFalseCard"})
# The modules whose source decides what a cached deck is: a change to any of them retires every entry.
_CODE = ("model.py", "spec.py", "loader/cards.py", "loader/nodes.py", "loader/yamlsafe.py", "loader/files.py",
         "loader/fast.py", "loader/plainyaml.py", "loader/checks.py", "loader/cache.py")


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

    digest = hashlib.sha256(f"aiquiz {__version__} format {FORMAT} python {sys.version_info[:2]}".encode())
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
        """The sound entry of file `path` whose bytes hash to `digest` (its index read, its deck not yet)."""
        try:
            blob = _read_own(self.entry(path, digest))
        except OSError:
            return None
        return Entry.decode(blob, digest, path)

    def put(self, path: str, digest: bytes, deck: Deck) -> None:
        """Store `deck` (parsed from bytes hashing to `digest`); a cache that cannot be written is skipped."""
        self.put_bytes(path, digest, encode(deck, digest))

    def put_bytes(self, path: str, digest: bytes, blob: bytes) -> None:
        """Store an entry's bytes (`encode`'s) for file `path`; a cache that cannot be written is skipped."""
        target = self.entry(path, digest)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        try:
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(blob)
            os.replace(tmp, target)  # atomic: a reader sees the old entry or the new one, never a mix
        except OSError:
            tmp.unlink(missing_ok=True)


@dataclass(frozen=True)
class Entry:
    """A sound cache entry: the deck's index, read; the deck itself is unpickled only when asked for."""

    index: DeckIndex
    path: str
    payload: memoryview = dataclasses.field(repr=False)
    payload_hash: bytes = dataclasses.field(repr=False)

    @classmethod
    def decode(cls, blob: bytes, digest: bytes, path: str) -> Entry | None:
        """The entry in `blob`, or None when its header, hashes or index are not as `encode` wrote them."""
        if len(blob) < _HEAD.size:
            return None
        magic, form, code, content, index_size, index_hash, size, payload_hash = _HEAD.unpack_from(blob)
        view = memoryview(blob)
        if (magic, form, code, content) != (MAGIC, FORMAT, code_fingerprint(), digest):
            return None
        if _HEAD.size + index_size + size != len(blob):
            return None
        index_bytes = view[_HEAD.size:_HEAD.size + index_size]
        if hashlib.sha256(index_bytes).digest() != index_hash:
            return None
        try:
            value = _PlainUnpickler(io.BytesIO(index_bytes)).load()
        except Exception:  # a sound hash over bytes we cannot read: written by another build; rebuild it
            return None
        index = _index(value, path)
        if index is None:
            return None
        return cls(index, path, view[_HEAD.size + index_size:], payload_hash)

    def deck(self) -> Deck | None:
        """The deck, unpickled now (None when its bytes are not sound: the caller parses the file)."""
        if hashlib.sha256(self.payload).digest() != self.payload_hash:
            return None
        try:
            deck = _ModelUnpickler(io.BytesIO(self.payload)).load()
        except Exception:
            return None
        if not isinstance(deck, Deck):
            return None
        return deck if deck.path == self.path or not self.path else dataclasses.replace(deck, path=self.path)


def _index(value: object, path: str) -> DeckIndex | None:
    """The index from its stored tuple, or None when the tuple does not have an index's shape."""
    if not (isinstance(value, tuple) and len(value) == 8 and isinstance(value[0], str)
            and isinstance(value[1], int) and all(isinstance(v, tuple) for v in value[2:])):
        return None
    if len({len(v) for v in value[2:7]}) != 1 or not all(isinstance(lang, str) for lang in value[7]):
        return None
    return DeckIndex.from_tuple(value, path)


def encode(deck: Deck, digest: bytes) -> bytes:
    """An entry's bytes: the header (magic, format, code fingerprint, content hash, the index's and the deck's
    sizes and hashes), the index (plain tuples) and the deck."""
    return pack(pickle.dumps(index_deck(deck).to_tuple(), protocol=5), pickle.dumps(deck, protocol=5), digest)


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


def _read_own(entry: Path) -> bytes:
    """The bytes of a cache entry that is a regular file of ours, not writable by others."""
    with open(entry, "rb") as src:
        if hasattr(os, "getuid"):
            info = os.fstat(src.fileno())
            import stat

            if not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o022:
                raise OSError(f"{entry} is not a private cache entry")
        return src.read()


def content_hash(data: bytes) -> bytes:
    """The key of a deck file's content: SHA-256 of its bytes."""
    return hashlib.sha256(data).digest()
