"""The compiled deck cache and the loader's fast path: the same decks and the same errors as without them.

Every cache entry that is not exactly what aiquiz wrote for these bytes (changed file, truncated or
corrupt entry, another file's entry, a payload that is not a deck, a file others can write) is ignored
and rewritten; two processes writing one entry at once leave a sound entry.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import tempfile
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_loader import decks as deck_values
from test_loader import yaml_fragments

from aiquiz.deckindex import COLUMNS, cited_table, index_deck
from aiquiz.dump import dump_deck
from aiquiz.errors import DeckError
from aiquiz.loader import cache as deck_cache
from aiquiz.loader import load_decks, parse_deck
from aiquiz.loader.cache import DeckCache, cache_dir, cache_disabled, content_hash, decode
from aiquiz.loader.library import load_library
from aiquiz.model import Deck, cited_passages
from aiquiz.progress.related import related_map

from conftest import DECKS, FIXTURES, ROOT

INVALID = sorted((FIXTURES / "invalid").glob("*.yaml"))
GOOD = "deck: {id}\ntitle: T\nsource: {{id: s}}\ncards:\n  - {{id: c, kind: truefalse, statement: S, answer: true}}\n"


def outcome(paths: list[Path], cache: DeckCache | None) -> tuple[object, ...]:
    """What a load gives, in full: decks with their paths and card lines, or every error line."""
    try:
        decks = load_decks(paths, cache=cache)
    except DeckError as err:
        return ("error", tuple(str(p) for p in err.problems))
    return ("ok", tuple(decks), tuple((d.path, tuple(c.line for c in d.cards)) for d in decks))


def test_a_cached_load_gives_the_same_decks_without_parsing(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    cache = DeckCache(tmp_path / "cache")
    fresh = outcome([DECKS], None)
    assert outcome([DECKS], cache) == fresh  # writes the entries
    monkeypatch.setattr("aiquiz.loader.files.parse_deck", lambda *a, **k: pytest.fail("parsed again"))
    assert outcome([DECKS], cache) == fresh


def test_an_invalid_file_is_never_cached_and_gives_the_same_errors(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    cache = DeckCache(tmp_path / "cache")
    monkeypatch.chdir(ROOT)
    for path in INVALID:
        rel = path.relative_to(ROOT)
        assert outcome([rel], cache) == outcome([rel], None) == outcome([rel], cache)
        assert outcome([rel], cache)[0] == "error"
    assert not list((tmp_path / "cache").rglob("*.deck"))


# --- any sequence of edits: the same decks and errors with and without the cache ----------------

def _variants() -> st.SearchStrategy[str]:
    valid = deck_values.map(dump_deck)
    invalid = st.sampled_from([p.read_text(encoding="utf-8", errors="replace") for p in INVALID])
    fragments = st.lists(yaml_fragments, max_size=12).map("".join)
    same_id = st.sampled_from([GOOD.format(id="same"), GOOD.format(id="other")])
    return st.one_of(valid, invalid, fragments, same_id)


edits = st.lists(st.tuples(st.integers(0, 2), st.one_of(_variants(), st.none())), min_size=1, max_size=6)


@given(edits)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_sequence_of_edits_loads_the_same_with_and_without_the_cache(steps: list[tuple[int, str | None]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder, cache = Path(tmp) / "decks", DeckCache(Path(tmp) / "cache")
        folder.mkdir()
        (folder / "d0.yaml").write_text(GOOD.format(id="start"), encoding="utf-8")
        for index, text in steps:
            path = folder / f"d{index}.yaml"
            if text is None:  # truncate the file to half instead of replacing it
                if path.exists():
                    data = path.read_bytes()
                    path.write_bytes(data[: len(data) // 2])
            else:
                path.write_text(text, encoding="utf-8")
            assert outcome([folder], cache) == outcome([folder], None)
            assert outcome([folder], cache) == outcome([folder], None)  # second time: from the cache


# --- entries that must not be trusted ----------------------------------------------------------

@pytest.fixture
def cached(tmp_path: Path, sample_path: Path) -> tuple[DeckCache, str, bytes, Path]:
    """A cache holding the sample deck's entry: (cache, path, content hash, entry file)."""
    cache = DeckCache(tmp_path / "cache")
    name = str(sample_path)
    load_decks([sample_path], cache=cache)
    digest = content_hash(sample_path.read_bytes())
    entry = cache.entry(name, digest)
    assert cache.get(name, digest) == parse_deck(sample_path.read_text(encoding="utf-8"), name)
    return cache, name, digest, entry


@pytest.mark.parametrize("damage", ["flip", "truncate", "empty", "magic", "format", "code", "append"])
def test_a_damaged_entry_is_ignored_and_rebuilt(cached: tuple[DeckCache, str, bytes, Path], damage: str,
                                                sample_path: Path) -> None:
    cache, name, digest, entry = cached
    blob = bytearray(entry.read_bytes())
    head = deck_cache._HEAD.size
    match damage:
        case "flip":
            blob[head + len(blob[head:]) // 2] ^= 0x40
        case "truncate":
            del blob[len(blob) - 7:]
        case "empty":
            blob = bytearray()
        case "magic":
            blob[0:8] = b"NOTADECK"
        case "format":
            blob[9] ^= 1
        case "code":
            blob[10] ^= 1
        case "append":
            blob += b"\0"
    entry.write_bytes(bytes(blob))
    assert cache.get(name, digest) is None
    assert outcome([sample_path], cache) == outcome([sample_path], None)
    assert cache.get(name, digest) is not None  # rewritten by the load


def test_an_entry_for_other_bytes_is_ignored(cached: tuple[DeckCache, str, bytes, Path], tmp_path: Path) -> None:
    cache, name, digest, entry = cached
    other = tmp_path / "other.yaml"
    other.write_text(GOOD.format(id="other"), encoding="utf-8")
    other_digest = content_hash(other.read_bytes())
    cache.entry(str(other), other_digest).write_bytes(entry.read_bytes())  # the sample's entry, foreign here
    assert cache.get(str(other), other_digest) is None
    assert cache.get(name, content_hash(b"changed" + b"bytes")) is None  # the file changed since
    assert outcome([other], cache) == outcome([other], None)


class _Boom:
    def __reduce__(self) -> tuple[object, ...]:
        return (os.system, ("echo pwned > /dev/null",))


def test_a_sound_entry_that_is_not_a_deck_is_refused(cached: tuple[DeckCache, str, bytes, Path]) -> None:
    """Even an entry with a correct header and hash can build nothing but aiquiz's deck model."""
    cache, name, digest, entry = cached
    deck = cache.get(name, digest)
    assert deck is not None
    index = deck_cache.encode_index(deck)
    for payload in (_Boom(), {"not": "a deck"}, [1, 2]):
        blob = deck_cache.pack(index, pickle.dumps(payload, protocol=5), digest)
        entry.write_bytes(blob)
        assert decode(blob, digest) is None
        assert cache.get(name, digest) is None
    columns = (pickle.dumps(b"x", protocol=5),) * len(COLUMNS)
    for hostile in (_Boom(), ("deck", 1, (), ()), [1, 2], ("deck", 1, 1, ("a",) * len(COLUMNS)),
                    ("deck", -1, 1, columns), ("deck", 1, 1, columns[1:]), (1, 1, 1, columns)):
        entry.write_bytes(deck_cache.pack(pickle.dumps(hostile, protocol=5), pickle.dumps(deck, protocol=5), digest))
        assert cache.get_entry(name, digest) is None  # an index that is not an index's plain values


@pytest.mark.parametrize("name", COLUMNS)
@pytest.mark.parametrize("bad", [_Boom(), ("too", "short"), (1.5,) * 5, [1, 2], None, b"bytes"])
def test_an_index_column_that_is_not_sound_is_read_from_the_deck(cached: tuple[DeckCache, str, bytes, Path],
                                                                  sample_path: Path, name: str, bad: object) -> None:
    """A column is checked when it is first used; one that is not what `encode` wrote (another shape, or a
    pickle that would build something) is never used: the library takes it from the deck file instead."""
    cache, path, digest, entry = cached
    deck = parse_deck(sample_path.read_text(encoding="utf-8"), path)
    hostile = pickle.dumps(bad, protocol=5)
    entry.write_bytes(deck_cache.pack(deck_cache.encode_index(deck, {name: hostile}), pickle.dumps(deck, protocol=5),
                                      digest))
    found = cache.get_entry(path, digest)
    assert found is not None and found.column(name) is None
    assert all(found.column(other) is not None for other in COLUMNS if other != name)
    library = load_library([sample_path], cache=cache)
    assert list(library.indexes) == [index_deck(deck)] and library.decks() == [deck]


def test_a_cited_table_can_only_point_at_cards_that_cite_the_passage(cached: tuple[DeckCache, str, bytes, Path],
                                                                     sample_path: Path) -> None:
    """Each card a `cited` table points at is checked against the card's own passages: a table naming every
    position for every passage (and positions past the last card) gives exactly the related cards."""
    cache, path, digest, entry = cached
    deck = parse_deck(sample_path.read_text(encoding="utf-8"), path)
    passages = [cited_passages(deck, c) for c in deck.cards]
    every = [[p for cited in passages for p in cited]] * (len(deck.cards) + 3)
    hostile = pickle.dumps(cited_table(every), protocol=5)
    entry.write_bytes(deck_cache.pack(deck_cache.encode_index(deck, {"cited": hostile}), deck_cache.encode_deck(deck),
                                      digest))
    index = load_library([sample_path], cache=cache).indexes[0]
    assert index.cited != index_deck(deck).cited
    assert [[index.citing(p) for p in cited] for cited in passages] == \
        [[index_deck(deck).citing(p) for p in cited] for cited in passages]
    assert dict(related_map([index])) == dict(related_map([deck]))


def _bench_deck(cards: int) -> Deck:
    import importlib.util

    spec = importlib.util.spec_from_file_location("gen_decks", ROOT / "bench" / "gen_decks.py")
    gen = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(gen)  # type: ignore[union-attr]
    text = "deck: b\ntitle: T\nsource: {id: bench}\ncards:\n" + "".join(gen.card_yaml(n) for n in range(cards))
    return parse_deck(text, "b.yaml")


def test_a_card_is_read_alone_from_its_chunk() -> None:
    deck = _bench_deck(2 * deck_cache.CHUNK + 5)
    digest = content_hash(b"b")
    entry = deck_cache.Entry.decode(deck_cache.encode(deck, digest), digest, "b.yaml")
    assert entry is not None and entry.head() == replace(deck, cards=())
    assert [entry.card(i) for i in range(len(deck.cards))] == list(deck.cards)
    assert entry.card(-1) is None and entry.card(len(deck.cards)) is None
    assert entry.deck() == deck and [c.line for c in entry.deck().cards] == [c.line for c in deck.cards]


@pytest.mark.parametrize("damage", ["short chunk", "a deck in a chunk", "a chunk too few", "cards in the head",
                                    "not a pair"])
def test_a_deck_part_that_is_not_sound_is_read_from_the_file(tmp_path: Path, damage: str) -> None:
    deck = replace(_bench_deck(deck_cache.CHUNK + 3), path=str(tmp_path / "b.yaml"))
    (tmp_path / "b.yaml").write_text(dump_deck(deck), encoding="utf-8")
    deck = load_decks([tmp_path / "b.yaml"])[0]
    cache, digest = DeckCache(tmp_path / "cache"), content_hash((tmp_path / "b.yaml").read_bytes())
    head = pickle.dumps(replace(deck, cards=()), protocol=5)
    chunks = [pickle.dumps(deck.cards[:deck_cache.CHUNK], protocol=5),
              pickle.dumps(deck.cards[deck_cache.CHUNK:], protocol=5)]
    match damage:
        case "short chunk":
            chunks[1] = pickle.dumps(deck.cards[deck_cache.CHUNK:-1], protocol=5)
        case "a deck in a chunk":
            chunks[0] = head
        case "a chunk too few":
            chunks = chunks[:1]
        case "cards in the head":
            head = pickle.dumps(deck, protocol=5)
    payload = pickle.dumps((head, tuple(chunks)) if damage != "not a pair" else (head,), protocol=5)
    cache.entry(deck.path, digest).parent.mkdir(parents=True, mode=0o700)
    cache.entry(deck.path, digest).write_bytes(deck_cache.pack(deck_cache.encode_index(deck), payload, digest))
    entry = cache.get_entry(deck.path, digest)
    assert entry is not None and entry.deck() is None
    library = load_library([tmp_path / "b.yaml"], cache=cache)
    assert library.card(f"b/{deck.cards[-1].id}") == (replace(deck, cards=deck.cards[-1:]), deck.cards[-1])
    assert library.decks() == [deck]


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX file ownership")
def test_an_entry_others_can_write_is_ignored(cached: tuple[DeckCache, str, bytes, Path]) -> None:
    cache, name, digest, entry = cached
    entry.chmod(0o666)
    assert cache.get(name, digest) is None
    entry.chmod(0o600)
    assert cache.get(name, digest) is not None


def _write_many(folder: str, name: str, digest: bytes, deck: Deck, times: int) -> None:
    cache = DeckCache(Path(folder))
    for _ in range(times):
        cache.put(name, digest, deck)


def test_two_processes_writing_one_entry_leave_a_sound_one(tmp_path: Path, sample_path: Path) -> None:
    name = str(sample_path)
    deck = parse_deck(sample_path.read_text(encoding="utf-8"), name)
    digest = content_hash(sample_path.read_bytes())
    cache = DeckCache(tmp_path / "cache")
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_write_many, args=(str(tmp_path / "cache"), name, digest, deck, 150))
               for _ in range(2)]
    for worker in workers:
        worker.start()
    seen = 0
    while any(w.is_alive() for w in workers):
        got = cache.get(name, digest)
        assert got is None or got == deck  # never a mix of two writes
        seen += got is not None
    for worker in workers:
        worker.join()
        assert worker.exitcode == 0
    assert cache.get(name, digest) == deck
    assert not [p for p in cache.entry(name, digest).parent.iterdir() if p.suffix == ".tmp"]


# --- switches ------------------------------------------------------------------------------------

def test_cache_folder_and_switches() -> None:
    assert cache_dir({"AIQUIZ_CACHE_DIR": "/x/y"}) == Path("/x/y")
    assert cache_dir({}).name.lower() == "aiquiz"
    assert [cache_disabled({"AIQUIZ_NO_CACHE": v}) for v in ("1", "yes", "", "0", "false")] == \
        [True, True, False, False, False]
    assert not cache_disabled({})


@pytest.mark.parametrize("how", ["env", "option"])
def test_no_cache_bypasses_the_cache(cli, tmp_path: Path, sample_path: Path, how: str) -> None:
    folder = tmp_path / "cache"
    env = {"AIQUIZ_CACHE_DIR": str(folder)}
    args = ["validate", str(sample_path)]
    if how == "env":
        env["AIQUIZ_NO_CACHE"] = "1"
    else:
        args.insert(0, "--no-cache")
    result = cli(*args, env=env)
    assert result.returncode == 0, result.stderr
    assert not list(folder.rglob("*.deck"))
    assert cli("validate", str(sample_path), env={"AIQUIZ_CACHE_DIR": str(folder)}).stdout == result.stdout
    assert len(list(folder.rglob("*.deck"))) == 1


# --- the fast path reads exactly what the careful reader reads -----------------------------------

def _both(text: str) -> tuple[object, object]:
    def one(fast: bool) -> object:
        try:
            deck = parse_deck(text, "f.yaml", fast=fast)
        except DeckError as err:
            return [str(p) for p in err.problems]
        return deck, [c.line for c in deck.cards]
    return one(True), one(False)


TRICKY_VALUES = [
    "yes", "True", "TRUE", "tRuE", "false", "0x1", "0o1", "+1", "01", "1", "3", "4", "-1", "1.0", "'1'", "~", "null",
    "a" * 40, "a" * 41, "a b", "A", "ok-id", "Bad_Id", "{}", "[]", "[a]", "[a, b]", "[a, '']", "{en: x}",
    "{en: x, zh: y}", "{en: x, fr: y}", "{en: ''}", "{1: [a]}", "{anchor: a}", "{anchor: " + "b" * 41 + "}",
    "{section: S, anchor: a, source: s}", "{source: Bad}", "[{anchor: a}, {anchor: b}]", "!!str x", "!!int 1",
    "'{{c1::x}}'", "'{{c1::x}} {{c2::y}}'", "[' ', b]", "[[a]]",
]
TRICKY = st.sampled_from(TRICKY_VALUES)


def _mutate(text: str, data: st.DataObject) -> str:
    lines = text.splitlines(keepends=True)
    for _ in range(data.draw(st.integers(0, 3))):
        if not lines:
            break
        at = data.draw(st.integers(0, len(lines) - 1))
        change = data.draw(st.sampled_from(["drop", "fragment", "dup", "tag", "quote", "blank", "value", "value"]))
        line = lines[at]
        if change == "drop":
            del lines[at]
        elif change == "fragment":
            lines[at] = line[: len(line) - len(line.lstrip())] + data.draw(yaml_fragments)
        elif change == "dup":
            lines.insert(at, line)
        elif change == "tag" and ": " in line:
            lines[at] = line.replace(": ", ": !!str ", 1) if data.draw(st.booleans()) else line.replace(": ", ": !x ", 1)
        elif change == "quote" and ": " in line:
            key, value = line.rstrip("\n").split(": ", 1)
            lines[at] = f"{key}: \"{value.strip()}\"\n"
        elif change == "value" and ": " in line:
            lines[at] = line.split(": ", 1)[0] + ": " + data.draw(TRICKY) + "\n"
        elif change == "blank" and ": " in line:
            lines[at] = line.split(": ", 1)[0] + ": ' '\n"
    return "".join(lines)


@given(deck_values, st.data())
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_fast_path_gives_the_careful_readers_decks_and_errors(deck: Deck, data: st.DataObject) -> None:
    fast, careful = _both(_mutate(dump_deck(deck), data))
    assert fast == careful


@pytest.mark.parametrize("path", INVALID + [FIXTURES / "valid" / "sample.yaml"], ids=lambda p: p.stem)
def test_fast_path_on_the_fixtures(path: Path) -> None:
    fast, careful = _both(path.read_text(encoding="utf-8", errors="replace"))
    assert fast == careful


def test_fast_path_reads_the_bench_style_cards() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("gen_decks", ROOT / "bench" / "gen_decks.py")
    gen = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(gen)  # type: ignore[union-attr]
    text = "deck: b\ntitle: T\nsource: {id: bench}\ncards:\n" + "".join(gen.card_yaml(n) for n in range(40))
    fast, careful = _both(text)
    assert fast == careful and isinstance(fast, tuple)



def test_fast_path_on_every_tricky_value_in_every_field(sample_path: Path) -> None:
    """Each value of the sample deck's cards, and each key, replaced in turn by each tricky value."""
    lines = sample_path.read_text(encoding="utf-8").splitlines(keepends=True)
    first_card = next(i for i, line in enumerate(lines) if line.startswith("cards:"))
    checked = 0
    for at in range(first_card + 1, len(lines)):
        if ": " not in lines[at]:
            continue
        key = lines[at].split(": ", 1)[0]
        variants = [f"{key}: {value}\n" for value in TRICKY_VALUES]
        variants += [lines[at].replace(key.strip(" -"), name, 1) for name in ("kind", "answer", "bogus", "id")]
        for changed in variants:
            text = "".join(lines[:at] + [changed] + lines[at + 1:])
            fast, careful = _both(text)
            assert fast == careful, changed
            checked += 1
    assert checked > 1000
