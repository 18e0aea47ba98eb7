"""Reading what Anki exports: an `.apkg` or `.colpkg` unpacked, safely, into a read-only collection.

Anki writes three kinds of file, all zip archives (rslib `import_export/package`):

- an `.apkg` of the current format: a `meta` entry (protobuf `PackageMetadata`, field 1 `version`: 3)
  and the collection as `collection.anki21b`, zstd-compressed inside the (stored) zip entry;
- a legacy `.apkg` (Anki ≤ 2.1.49, or "Support older Anki versions"): `meta` version 2 (or no `meta`)
  and `collection.anki21` (or, older still, version 1 / `collection.anki2`), deflated by the zip;
- a `.colpkg` backup of the whole collection: the same layout.

Current packages also hold a `collection.anki2` with a single "please update Anki" note for old
clients, so the collection to read is the one `meta` names. The collection's schema (`col.ver`) is 11
in legacy files and 18 in current ones; note types are JSON in `col.models` up to schema 14 and a
`notetypes` table from 15 on. Anything newer is refused, as is anything that is not such a zip. The
collection is unpacked into a scratch folder with a ceiling on its size and on its compression ratio, so
a zip bomb stops early; the file is only read, and the store is not touched unless all of it was read.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from aiquiz.anki.notetypes import CONTRACT
from aiquiz.errors import AiquizError
from aiquiz.i18n import N_, _

# meta `version` -> the collection entry and whether it is zstd-compressed
_COLLECTIONS = {1: ("collection.anki2", False), 2: ("collection.anki21", False), 3: ("collection.anki21b", True)}
_FORMATS = {1: N_("legacy (collection.anki2)"), 2: N_("legacy (collection.anki21)"),
            3: N_("current (collection.anki21b)")}  # translated where shown
SCHEMAS = range(11, 19)  # the collection schema versions this reads: Anki 2.1's legacy 11 to today's 18
_SQLITE_MAGIC = b"SQLite format 3\x00"
_CHUNK = 1 << 20


class PackageError(AiquizError):
    """The file is not an Anki package or backup that aiquiz can read; nothing was written."""


@dataclass(frozen=True)
class Limits:
    """How big an unpacked collection may be: at most `max_bytes`, and (past `ratio_from` bytes) at most
    `max_ratio` times its compressed size."""

    max_bytes: int = 8 * 2**30
    max_ratio: float = 200.0
    ratio_from: int = 64 * 2**20


@dataclass(frozen=True, slots=True)
class AnkiNote:
    """A note of the package: its GUID, its note type's name, and its `Id` field when it has one."""

    guid: str
    notetype: str
    id_field: str | None


@dataclass(frozen=True, slots=True)
class AnkiReview:
    """A revlog row with its card's note: GUID, time (ms), ease, duration (ms), type and factor."""

    guid: str
    at_ms: int
    ease: int
    duration_ms: int
    kind: int
    factor: int


class AnkiPackage:
    """An unpacked collection, open read-only; use `open_package`."""

    def __init__(self, conn: sqlite3.Connection, format: str, schema: int) -> None:
        self._conn = conn
        self.format = format
        self.schema = schema

    def notetypes(self) -> dict[int, str]:
        """Note type names by id."""
        if self.schema < 15:
            (models,) = self._conn.execute("select models from col").fetchone()
            return {int(mid): str(m.get("name", "")) for mid, m in json.loads(models or "{}").items()}
        return {int(i): str(n) for i, n in self._conn.execute("select id, name from notetypes")}

    def notes(self) -> list[AnkiNote]:
        """Every note: GUID, note type name, and the `Id` field of notes of an aiquiz note type."""
        names = self.notetypes()
        id_index = {name: spec.fields.index("Id") for name, spec in CONTRACT.items()}
        out = []
        for guid, mid, flds in self._conn.execute("select guid, mid, flds from notes"):
            name = names.get(int(mid), "")
            fields = str(flds).split("\x1f") if name in id_index else []
            index = id_index.get(name)
            out.append(AnkiNote(str(guid), name, fields[index] if index is not None and index < len(fields)
                                else None))
        return out

    def reviews(self) -> Iterator[AnkiReview]:
        """Every revlog row whose card still exists, with its note's GUID (streamed)."""
        yield from (AnkiReview(*row) for row in self._conn.execute(
            "select n.guid, r.id, r.ease, r.time, r.type, r.factor from revlog r"
            " join cards c on c.id = r.cid join notes n on n.id = c.nid"))

    def has_scheduling(self) -> bool:
        """True when any card is not new or any review is logged (an export "with scheduling")."""
        return bool(self._conn.execute("select exists(select 1 from revlog) or exists(select 1 from cards"
                                       " where type != 0)").fetchone()[0])


def meta_version(data: bytes) -> int:
    """The `version` (field 1, a varint) of a package's protobuf `meta` entry.

    Raises:
        PackageError: the entry is not such a message.
    """
    if not data or data[0] != 0x08:
        raise PackageError(_("its meta entry is not an Anki package header"))
    value, shift = 0, 0
    for byte in data[1:11]:
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value
        shift += 7
    raise PackageError(_("its meta entry is not an Anki package header"))


def _copy_limited(src: IO[bytes], dst: IO[bytes], packed: int, limits: Limits, name: str) -> None:
    """Copy `src` to `dst`, stopping as soon as the output breaks `limits` (a zip bomb)."""
    written = 0
    while chunk := src.read(_CHUNK):
        written += len(chunk)
        if written > limits.max_bytes or (written > limits.ratio_from and written > limits.max_ratio * max(packed, 1)):
            raise PackageError(_("its {name} unpacks to more than {size} from {packed}; refusing it as a possible "
                                 "zip bomb").format(name=name, size=_size(min(written, limits.max_bytes)),
                                                    packed=_size(packed)))
        dst.write(chunk)


def _size(n: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return _("{count:.0f} bytes").format(count=n) if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} bytes"  # pragma: no cover


def _unpack(archive: zipfile.ZipFile, target: Path, limits: Limits) -> str:
    """Write the package's collection to `target`; return a description of the format."""
    names = set(archive.namelist())
    version = meta_version(archive.read("meta")) if "meta" in names else (2 if "collection.anki21" in names else 1)
    if version not in _COLLECTIONS:
        raise PackageError(_("it was made by a newer Anki (package format {version}; this aiquiz reads up to "
                             "{known}): export it again with \"Support older Anki versions\", or update aiquiz")
                           .format(version=version, known=max(_COLLECTIONS)))
    name, zstd = _COLLECTIONS[version]
    if name not in names:
        raise PackageError(_("it holds no Anki collection (collection.anki21b, collection.anki21 or "
                             "collection.anki2)"))
    info = archive.getinfo(name)
    if info.file_size > limits.max_bytes or (
            info.file_size > limits.ratio_from and info.file_size > limits.max_ratio * max(info.compress_size, 1)):
        raise PackageError(_("its {name} would unpack to {size} from {packed}; refusing it as a possible zip "
                             "bomb").format(name=name, size=_size(info.file_size), packed=_size(info.compress_size)))
    with archive.open(info) as entry, target.open("wb") as out:
        if zstd:
            import zstandard

            with zstandard.ZstdDecompressor().stream_reader(entry) as reader:
                _copy_limited(reader, out, info.compress_size, limits, name)
        else:
            _copy_limited(entry, out, info.compress_size, limits, name)
    return _FORMATS[version]


@contextmanager
def open_package(path: Path, limits: Limits = Limits()) -> Iterator[AnkiPackage]:
    """Unpack an `.apkg` or `.colpkg` into a scratch folder and open its collection read-only.

    Args:
        path: The file Anki exported.
        limits: The ceiling on the unpacked collection.

    Yields:
        The open package (closed and deleted afterwards).

    Raises:
        PackageError: (its message says what "it" is wrong with) the file cannot be read, is not an Anki
            package, is damaged or truncated, holds no collection, is too big unpacked, or comes from a
            newer Anki.
    """
    import zstandard

    try:
        with tempfile.TemporaryDirectory(prefix="aiquiz-import-") as scratch:
            db = Path(scratch) / "collection.sqlite"
            try:
                with zipfile.ZipFile(path) as archive:
                    form = _unpack(archive, db, limits)
            except FileNotFoundError:
                raise PackageError(_("no such file")) from None
            except IsADirectoryError:
                raise PackageError(_("it is a folder, not a file")) from None
            except zipfile.BadZipFile as err:
                raise PackageError(_("it is not an Anki package: not a zip file, or a damaged one ({reason})")
                                   .format(reason=err)) from None
            except (zlib.error, EOFError, zstandard.ZstdError, ValueError) as err:
                raise PackageError(_("it is damaged or truncated ({reason})").format(
                    reason=err or type(err).__name__)) from None
            with db.open("rb") as head:
                if head.read(len(_SQLITE_MAGIC)) != _SQLITE_MAGIC:
                    raise PackageError(_("its collection is not an SQLite database (damaged or truncated)"))
            conn = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)
            conn.create_collation("unicase", lambda a, b: (a.casefold() > b.casefold()) - (a.casefold() < b.casefold()))
            try:
                yield AnkiPackage(conn, form, _schema(conn))
            finally:
                conn.close()
    except sqlite3.DatabaseError as err:
        raise PackageError(_("its collection is damaged or truncated ({reason})").format(reason=err)) from None
    except OSError as err:
        raise PackageError(_("cannot read it ({reason})").format(reason=err.strerror or err)) from None


def _schema(conn: sqlite3.Connection) -> int:
    """The collection's schema version; refuse one this reader does not know."""
    try:
        (version,) = conn.execute("select ver from col").fetchone()
    except (sqlite3.DatabaseError, TypeError):
        raise PackageError(_("its collection is not an Anki collection (no col table)")) from None
    if int(version) > SCHEMAS[-1]:
        raise PackageError(_("its collection was written by a newer Anki (schema {version}; this aiquiz reads up "
                             "to {known}): update aiquiz, or export with \"Support older Anki versions\"")
                           .format(version=version, known=SCHEMAS[-1]))
    if int(version) < SCHEMAS[0]:
        raise PackageError(_("its collection is from Anki 1 (schema {version}); open it in Anki 2 and export "
                             "again").format(version=version))
    return int(version)
