"""The deck index agrees with the decks: selection, related cards, the drill's queue, stats and orphans
computed from indexes (what a warm start reads from the cache) equal those computed from the decks."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest.mock import patch

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from aiquiz.deckindex import index_deck
from aiquiz.drill import session
from aiquiz.dump import dump_deck
from aiquiz.errors import DeckError
from aiquiz.loader import load_decks
from aiquiz.loader.cache import DeckCache
from aiquiz.loader.library import Library, load_library
from aiquiz.model import BasicCard, Citation, Deck, Kind, Source, Text, TrueFalseCard, cited_passages
from aiquiz.progress import related
from aiquiz.progress.days import Allowance
from aiquiz.progress.related import related_map
from aiquiz.progress.scheduler import Phase, Rating, review
from aiquiz.progress.stats import DeckCounts, compute_stats, orphans
from aiquiz.select import Filters, Picked, select_cards, select_refs, shuffled

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


# --- the straightforward versions, card by card (as they were before the warm-start work): the oracles ----

def reference_related(decks: list[Deck]) -> dict[str, frozenset[str]]:
    """Cards citing a common passage, from every card's citations."""
    by_passage: dict[tuple[str, str], list[str]] = {}
    for deck in decks:
        for card in deck.cards:
            for passage in set(cited_passages(deck, card)):
                by_passage.setdefault(passage, []).append(f"{deck.id}/{card.id}")
    out: dict[str, set[str]] = {}
    for keys in by_passage.values():
        for key in keys:
            if len(keys) > 1:
                out.setdefault(key, set()).update(k for k in keys if k != key)
    return {k: frozenset(v) for k, v in out.items()}


def reference_queue(picked: list[Picked], memories: dict, now: datetime, day: session.Day, new: int,
                    limit: int | None, cram: bool) -> session.Plan:
    """The drill's queue, walking every selected card."""
    visible = [p for p in picked if p.key not in day.hidden]
    if cram:
        order = shuffled(visible, seed=f"cram:{now.date().isoformat()}")
        queue = [session.Queued(p.key, p.key not in memories) for p in order]
        return session.Plan(tuple(queue if limit is None else queue[:max(limit, 0)]))
    due = sorted((memories[p.key].due, p.key) for p in visible if p.key in memories and memories[p.key].due <= now)
    learning = [k for _, k in due if memories[k].phase is not Phase.REVIEW]
    taken, held = set(day.studied) | set(learning), 0

    def keep(key: str) -> bool:
        nonlocal held
        if day.related.get(key, frozenset()) & taken:
            held += 1
            return False
        taken.add(key)
        return True

    reviews = [k for _, k in due if memories[k].phase is Phase.REVIEW and keep(k)]
    shown = reviews[:day.allowance.reviews]
    unseen = sorted((p for p in visible if p.key not in memories), key=lambda p: p.comparing)
    wanted, fresh, by_deck, waiting = min(max(new, 0), day.allowance.new), [], {}, False
    for p in unseen:
        left = day.allowance.new_for(p.deck_id) - by_deck.get(p.deck_id, 0)
        if len(fresh) >= wanted or left <= 0:
            if not waiting and len(fresh) < max(new, 0) and not day.related.get(p.key, frozenset()) & taken:
                waiting = True
            if len(fresh) >= wanted and (waiting or len(fresh) >= max(new, 0)):
                break
            continue
        if keep(p.key):
            fresh.append(p.key)
            by_deck[p.deck_id] = by_deck.get(p.deck_id, 0) + 1
    queue = [session.Queued(k, False) for k in learning + shown] + [session.Queued(k, True) for k in fresh]
    return session.Plan(tuple(queue if limit is None else queue[:max(limit, 0)]), new_used_up=waiting and not fresh,
                        reviews_capped=len(reviews) - len(shown), held_related=held, new_last=waiting and bool(fresh))


def reference_orphans(stored: list[str], decks: list[Deck]) -> tuple[str, ...]:
    existing = {f"{d.id}/{c.id}" for d in decks for c in d.cards}
    return tuple(sorted(k for k in stored if k.split("/", 1)[0] in {d.id for d in decks} and k not in existing))


def reference_counts(deck: Deck, memories: dict, now: datetime, hidden: frozenset[str],
                     suspended: frozenset[str] = frozenset()) -> DeckCounts:
    keys = [f"{deck.id}/{c.id}" for c in deck.cards]
    active = [memories[k] for k in keys if k in memories and k not in suspended]
    return DeckCounts(deck.id, len(keys), new=sum(k not in memories and k not in suspended for k in keys),
                      learning=sum(m.phase in (Phase.LEARNING, Phase.RELEARNING) for m in active),
                      due=sum(memories[k].due <= now and k not in hidden for k in keys if k in memories),
                      mature=sum(m.mature for m in active),
                      young=sum(m.phase is Phase.REVIEW and not m.mature for m in active),
                      suspended=sum(k in suspended for k in keys))


@given(deck_lists(), filters, st.data())
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_index_based_selection_queue_and_stats_equal_deck_based(decks: list[Deck], chosen: Filters,
                                                                data: st.DataObject) -> None:
    indexes = [index_deck(d) for d in decks]
    picked = select_cards(decks, chosen)
    refs = select_refs(indexes, chosen)
    assert [(r.key, r.deck_id, r.comparing) for r in refs] == [(p.key, p.deck_id, p.comparing) for p in picked]
    assert len(refs) == len(picked) and [r.key for r in refs[::-1]] == [p.key for p in picked[::-1]]
    assert all(refs[i] == refs[i - len(refs)] and refs[i].key == picked[i].key for i in range(len(refs)))
    every = [f"{d.id}/{c.id}" for d in decks for c in d.cards] + ["d1/zz", "zz/c1", "d1", ""]
    assert [refs.has(k) for k in every] == [k in {p.key for p in picked} for k in every]
    assert set(refs.key_set()) == {p.key for p in picked} and len(refs.key_set()) == len(picked)
    assert dict(related_map(indexes)) == dict(related_map(decks)) == reference_related(decks)
    assert all(related_map(indexes).get(k) == reference_related(decks).get(k) for k in every)
    with patch.object(related, "BISECTIONS", data.draw(st.integers(0, 3))):  # the decks' tables joined
        joined = related_map([index_deck(d) for d in decks])
        assert all(joined.get(k) == reference_related(decks).get(k) for k in every + every[::-1])
    keys = [p.key for p in picked]
    studied = data.draw(st.lists(st.sampled_from(keys), unique=True) if keys else st.just([]))
    ratings = data.draw(st.lists(st.sampled_from(list(Rating)), min_size=len(studied), max_size=len(studied)))
    memories = {k: review(None, k, r, T0 - timedelta(days=i)) for i, (k, r) in enumerate(zip(studied, ratings,
                                                                                              strict=True))}
    memories |= {k: review(None, k, Rating.GOOD, T0) for k in data.draw(st.lists(st.sampled_from(every[-4:])))}
    day = session.Day(Allowance(new=data.draw(st.integers(0, 5)), new_by_deck={"d1": 1}, reviews=3, new_limit=5),
                      hidden=frozenset(data.draw(st.lists(st.sampled_from(keys))) if keys else ()),
                      related=related_map(data.draw(st.sampled_from([decks, indexes]))),
                      studied=frozenset(studied[:data.draw(st.integers(0, 2))]))
    now = T0 + timedelta(days=data.draw(st.integers(0, 30)))
    new, cram, limit = data.draw(st.integers(0, 8)), data.draw(st.booleans()), data.draw(st.none() | st.integers(0, 6))
    expected = reference_queue(picked, memories, now, day, new, limit, cram)
    assert session.build_queue(refs, memories, now, day, new, limit, cram) == expected
    assert session.build_queue(picked, memories, now, day, new, limit, cram) == expected
    suspended = frozenset(k for k in day.hidden if data.draw(st.booleans()))
    stats = compute_stats(indexes, memories, [], now, day.hidden, suspended=suspended)
    assert stats == compute_stats(decks, memories, [], now, day.hidden, suspended=suspended)
    assert stats.decks == tuple(reference_counts(d, memories, now, day.hidden, suspended) for d in decks)
    assert all(c.new + c.learning + c.young + c.mature + c.suspended == c.total for c in stats.decks)
    stored = [*memories, "d1/gone", "zz/other"]
    assert orphans(stored, indexes) == orphans(stored, decks) == reference_orphans(stored, decks)
    state = session.start((), T0)
    assert session.summarize(state, memories, refs.key_set(), now) == session.summarize(state, memories, keys, now)
    assert session.summarize(state, memories, keys, now).new_waiting == sum(k not in memories for k in keys)


def test_a_library_finds_each_card_and_reads_only_the_deck_asked_for() -> None:
    decks = [Deck(id=i, title=Text(en="T"), sources=(Source(id="s"),),
                  cards=(TrueFalseCard(id="c", statement=Text(en=i), answer=True),)) for i in ("a", "ab")]
    library = Library.of(decks)
    assert library.find("ab/c") == (decks[1], decks[1].cards[0])
    assert library.find("a/c") == (decks[0], decks[0].cards[0])
    assert library.find("a/x") is None and library.find("b/c") is None
    assert library.decks_for("ab/c") == [decks[1]]
    assert library.card("ab/c") == (decks[1], decks[1].cards[0]) and library.card("a/x") is None
    assert library.card("b/c") is None and library.card("abc") is None
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
            cards = {f"{d.id}/{c.id}": (replace(d, cards=(c,)), c) for d in loaded for c in d.cards}
            assert {k: library.card(k) for k in cards} == cards  # one card read alone, its deck narrowed to it
            assert [(d.path, c.line) for d, c in map(library.card, cards)] == [(d.path, c.line) for d, c in cards.values()]
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
