"""The deck index agrees with the decks: selection, related cards, the drill's queue, stats and orphans
computed from indexes (what a warm start reads from the cache) equal those computed from the decks."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from aiquiz.drill import session
from aiquiz.dump import dump_deck
from aiquiz.errors import DeckError
from aiquiz.loader import load_decks
from aiquiz.loader.cache import DeckCache
from aiquiz.loader.library import Library, load_library
from aiquiz.model import BasicCard, Citation, Deck, Kind, Source, Text, TrueFalseCard, index_deck
from aiquiz.progress.days import Allowance
from aiquiz.progress.related import related_map
from aiquiz.progress.scheduler import Rating, review
from aiquiz.progress.stats import compute_stats, orphans
from aiquiz.select import Filters, Picked, select_cards, select_refs

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
small = st.sampled_from(["a", "b", "c"])
cites = st.lists(st.builds(Citation, anchor=st.none() | small, source=st.none() | st.sampled_from(["s", "t", "u"])),
                 max_size=2).map(tuple)
common = {"tags": st.lists(small, max_size=2, unique=True).map(tuple), "difficulty": st.none() | st.integers(1, 3),
          "cite": cites}
card_ids = st.sampled_from([f"c{i}" for i in range(8)])
cards = st.one_of(st.builds(BasicCard, id=card_ids, front=st.just(Text(en="F")), back=st.just(Text(en="B")), **common),
                  st.builds(TrueFalseCard, id=card_ids, statement=st.just(Text(en="S")), answer=st.booleans(),
                            **common))


@st.composite
def deck_lists(draw: st.DrawFn) -> list[Deck]:
    ids = draw(st.lists(st.sampled_from(["d1", "d2", "d3", "d4"]), min_size=1, max_size=4, unique=True))
    out = []
    for deck_id in ids:
        sources = tuple(Source(id=s) for s in draw(st.lists(st.sampled_from(["s", "t", "u"]), min_size=1,
                                                                max_size=2, unique=True)))
        chosen = tuple(draw(st.lists(cards, min_size=1, max_size=6, unique_by=lambda c: c.id)))
        out.append(Deck(id=deck_id, title=Text(en="T"), sources=sources, cards=chosen))
    return out


filters = st.builds(Filters, tags=st.lists(small, max_size=2).map(tuple),
                    kinds=st.lists(st.sampled_from([Kind.BASIC, Kind.TRUEFALSE]), max_size=1).map(tuple),
                    difficulties=st.lists(st.integers(1, 3), max_size=2).map(tuple))


@given(deck_lists(), filters, st.data())
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_index_based_selection_queue_and_stats_equal_deck_based(decks: list[Deck], chosen: Filters,
                                                                data: st.DataObject) -> None:
    indexes = [index_deck(d) for d in decks]
    picked = select_cards(decks, chosen)
    refs = select_refs(indexes, chosen)
    assert [(r.key, r.deck_id, r.comparing) for r in refs] == [(p.key, p.deck_id, p.comparing) for p in picked]
    assert dict(related_map(indexes)) == dict(related_map(decks))
    keys = [p.key for p in picked]
    studied = data.draw(st.lists(st.sampled_from(keys), unique=True) if keys else st.just([]))
    ratings = data.draw(st.lists(st.sampled_from(list(Rating)), min_size=len(studied), max_size=len(studied)))
    memories = {k: review(None, k, r, T0 - timedelta(days=i)) for i, (k, r) in enumerate(zip(studied, ratings,
                                                                                              strict=True))}
    day = session.Day(Allowance(new=data.draw(st.integers(0, 5)), new_by_deck={"d1": 1}, reviews=3, new_limit=5),
                      hidden=frozenset(data.draw(st.lists(st.sampled_from(keys))) if keys else ()),
                      related=related_map(decks), studied=frozenset(studied[:1]))
    now = T0 + timedelta(days=data.draw(st.integers(0, 30)))
    new, cram = data.draw(st.integers(0, 8)), data.draw(st.booleans())
    assert session.build_queue(refs, memories, now, day, new, None, cram) == \
        session.build_queue(picked, memories, now, day, new, None, cram)
    assert compute_stats(indexes, memories, [], now) == compute_stats(decks, memories, [], now)
    stored = [*memories, "d1/gone", "zz/other"]
    assert orphans(stored, indexes) == orphans(stored, decks)


def test_a_library_finds_each_card_and_reads_only_the_deck_asked_for() -> None:
    decks = [Deck(id=i, title=Text(en="T"), sources=(Source(id="s"),),
                  cards=(TrueFalseCard(id="c", statement=Text(en=i), answer=True),)) for i in ("a", "ab")]
    library = Library.of(decks)
    assert library.find("ab/c") == (decks[1], decks[1].cards[0])
    assert library.find("a/c") == (decks[0], decks[0].cards[0])
    assert library.find("a/x") is None and library.find("b/c") is None
    assert library.decks_for("ab/c") == [decks[1]]
    assert Picked(*library.find("a/c") or (decks[1], decks[1].cards[0])).key == "a/c"


def _write(folder: Path, decks: list[Deck]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for deck in decks:
        (folder / f"{deck.id}.yaml").write_text(dump_deck(deck), encoding="utf-8")


@given(deck_lists())
@settings(max_examples=30, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_a_library_from_the_cache_equals_the_loaded_decks(decks: list[Deck]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder, cache = Path(tmp) / "decks", DeckCache(Path(tmp) / "cache")
        _write(folder, decks)
        try:
            loaded = load_decks([folder])
        except DeckError:
            assume(False)  # a citation of a source the deck does not have: not a valid deck file
            return
        for _ in range(2):  # cold (parsed, cached), then warm (indexes from the cache, decks unpickled lazily)
            library = load_library([folder], cache=cache)
            assert list(library.indexes) == [index_deck(d) for d in loaded]
            assert [i.path for i in library.indexes] == [d.path for d in loaded]
            assert library.decks() == loaded and [d.path for d in library.decks()] == [d.path for d in loaded]
        assert load_library([folder]).decks() == loaded  # without the cache


def test_a_library_reports_the_errors_load_decks_reports(tmp_path: Path) -> None:
    good = "deck: {id}\ntitle: T\nsource: {{id: s}}\ncards:\n  - {{id: c, kind: truefalse, statement: S, answer: true}}\n"
    (tmp_path / "a.yaml").write_text(good.format(id="same"))
    (tmp_path / "b.yaml").write_text(good.format(id="same"))
    (tmp_path / "c.yaml").write_text("deck: broken\ncards: 3\n")
    cache = DeckCache(tmp_path / "cache")
    errors = []
    for load in (lambda: load_decks([tmp_path]), lambda: load_library([tmp_path], cache=cache),
                 lambda: load_library([tmp_path], cache=cache), lambda: load_library([tmp_path])):
        try:
            load()
        except DeckError as err:
            errors.append([str(p) for p in err.problems])
    assert len(errors) == 4 and all(e == errors[0] for e in errors) and len(errors[0]) >= 2
