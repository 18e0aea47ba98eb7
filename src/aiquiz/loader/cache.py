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
from aiquiz.model import Deck

FORMAT = 1
MAGIC = b"AIQZDECK"
NO_CACHE_ENV = "AIQUIZ_NO_CACHE"
CACHE_DIR_ENV = "AIQUIZ_CACHE_DIR"
_HEAD = struct.Struct(">8sH32s32sQ32s")  # magic, format, code fingerprint, content hash, payload size, payload hash
_ALLOWED = frozenset({"Deck", "Source", "Citation", "Text", "BasicCard", "ClozeCard", "ChoiceCard",
                      "TrueFalseCard"})
# The modules whose source decides what a cached deck is: a change to any of them retires every entry.
_CODE = ("model.py", "spec.py", "loader/cards.py", "loader/nodes.py", "loader/yamlsafe.py", "loader/files.py",
         "loader/fast.py", "loader/cache.py")


class _ModelUnpickler(pickle.Unpickler):
    """An unpickler that can build aiquiz's deck model and nothing else (no other class or function)."""

    def find_class(self, module: str, name: str) -> Any:
        if module == "aiquiz.model" and name in _ALLOWED:
            return getattr(model, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not part of a cached deck")


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
        try:
            blob = _read_own(self.entry(path, digest))
        except OSError:
            return None
        deck = decode(blob, digest)
        if deck is None:
            return None
        return deck if deck.path == path else dataclasses.replace(deck, path=path)

    def put(self, path: str, digest: bytes, deck: Deck) -> None:
        """Store `deck` (parsed from bytes hashing to `digest`); a cache that cannot be written is skipped."""
        target = self.entry(path, digest)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        try:
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(encode(deck, digest))
            os.replace(tmp, target)  # atomic: a reader sees the old entry or the new one, never a mix
        except OSError:
            tmp.unlink(missing_ok=True)


def encode(deck: Deck, digest: bytes) -> bytes:
    """An entry's bytes: the header (magic, format, code fingerprint, content hash, size, hash) and the deck."""
    payload = pickle.dumps(deck, protocol=5)
    head = _HEAD.pack(MAGIC, FORMAT, code_fingerprint(), digest, len(payload), hashlib.sha256(payload).digest())
    return head + payload


def decode(blob: bytes, digest: bytes) -> Deck | None:
    """The deck in an entry's bytes, or None when anything about them is not as `encode` wrote them."""
    if len(blob) < _HEAD.size:
        return None
    magic, form, code, content, size, payload_hash = _HEAD.unpack_from(blob)
    payload = memoryview(blob)[_HEAD.size:]
    if (magic, form, code, content, size) != (MAGIC, FORMAT, code_fingerprint(), digest, len(payload)):
        return None
    if hashlib.sha256(payload).digest() != payload_hash:
        return None
    stream = io.BytesIO(blob)  # shares the bytes (no copy); the payload starts after the header
    stream.seek(_HEAD.size)
    try:
        deck = _ModelUnpickler(stream).load()
    except Exception:  # a sound hash over bytes we cannot read: written by another build; rebuild it
        return None
    return deck if isinstance(deck, Deck) else None


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
