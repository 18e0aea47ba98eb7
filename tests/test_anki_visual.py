"""What a learner sees: cards rendered by the real Anki backend, laid out by headless Chromium.

Every note type, front and back, light and three night modes (Anki desktop: nightMode and night_mode on
the body; AnkiDroid: night_mode; AnkiMobile-style: nightMode on an element around the .card), at 360 px
and 1024 px. Each case is the HTML Anki's reviewer shows (`card.question()` / `card.answer()`, which
carry the note type's CSS, inside a body with the reviewer's classes; a `[[type:...]]` replaced with the
input box / comparison as the reviewer does), and is checked on computed styles:

- a cloze card's gap (`.cloze`) stands out, and no other text is styled like it;
- every text has WCAG AA contrast (at least 4.5:1) against its effective background;
- nothing overflows horizontally.

One Chromium process renders every case over the DevTools protocol on a pipe (no extra dependency) and
keeps a PNG of each under tests/artifacts/anki-visual/ (git-ignored) for a human to look at.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from aiquiz.anki.notetypes import CONTRACT
from aiquiz.loader import load_decks
from aiquiz.model import LangMode

anki_collection = pytest.importorskip("anki.collection")

from test_anki import T0, col_from, deck_dir  # noqa: E402,F401  (deck_dir is a fixture)

ARTIFACTS = Path(__file__).resolve().parent / "artifacts" / "anki-visual"
TYPE_IN = re.compile(r"\[\[type:(.+?)\]\]")
WIDTHS = (360, 1024)
# theme -> (classes of <html>, classes of <body>, whether the body is the .card)
THEMES = {
    "light": ("", "card card{n}", True),
    "night-desktop": ("", "card card{n} isLin nightMode night_mode", True),
    "night-ankidroid": ("", "card card{n} night_mode", True),
    "night-around": ("nightMode", "", False),
}
# Anki's reviewer styles the type-in comparison itself (aqt's reviewer stylesheet), not the note type.
REVIEWER_CSS = """
.typeGood { color: black; background: #afa; } .typeBad { color: black; background: #faa; }
.typeMissed { color: black; background: #ccc; }
"""

MEASURE = r"""
(async () => {
  await document.fonts.ready;
  const rgba = s => { const m = /rgba?\(([^)]+)\)/.exec(s); if (!m) return [0, 0, 0, 0];
    const p = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const over = (top, under) => [0, 1, 2].map(i => top[i] * top[3] + under[i] * (1 - top[3]));
  const background = el => { const chain = []; for (let e = el; e; e = e.parentElement) chain.unshift(e);
    let c = [255, 255, 255]; for (const e of chain) c = over(rgba(getComputedStyle(e).backgroundColor), c); return c; };
  const lum = c => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
  const contrast = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const gaps = [...document.querySelectorAll('span.cloze')].map(e => {
    const s = getComputedStyle(e); return {color: s.color, weight: s.fontWeight, text: e.textContent}; });
  const texts = []; const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement; if (!n.textContent.trim() || el.closest('style,script')) continue;
    const s = getComputedStyle(el); const bg = background(el);
    texts.push({text: n.textContent.trim().slice(0, 50), color: s.color, weight: s.fontWeight,
                gap: !!el.closest('span.cloze'), contrast: contrast(over(rgba(s.color), bg), bg)});
  }
  const root = document.scrollingElement; const wide = [];
  for (const el of document.body.querySelectorAll('*')) { const r = el.getBoundingClientRect();
    if (r.width && (r.right > innerWidth + 0.5 || r.left < -0.5)) wide.push(el.tagName + '.' + el.className); }
  return {gaps, texts, wide, scrollWidth: root.scrollWidth, clientWidth: root.clientWidth,
          height: Math.ceil(root.scrollHeight)};
})()
"""


@dataclass(frozen=True)
class Case:
    """One card side in one theme at one width."""

    name: str
    html: str
    width: int
    notetype: str


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        if found := shutil.which(name):
            return found
    reason = "no Chromium on PATH (Debian: apt-get install chromium); the visual tests need a real browser"
    if os.environ.get("AIQUIZ_REQUIRE_BROWSER") == "1":
        pytest.fail(f"AIQUIZ_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


class Browser:
    """Headless Chromium driven over the DevTools protocol on a pipe (fds 3 and 4, NUL-separated JSON)."""

    def __init__(self, profile: Path) -> None:
        to_child, self._writer = os.pipe()
        self._reader, from_child = os.pipe()
        command = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                   "--disable-background-networking", "--disable-component-update", "--disable-sync",
                   "--hide-scrollbars", "--remote-debugging-pipe", f"--user-data-dir={profile}", "about:blank"]

        def wire() -> None:  # in the child: its fd 3 reads our commands, fd 4 carries the replies
            high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_child, from_child)]
            os.dup2(high[0], 3)
            os.dup2(high[1], 4)

        # 3 and 4 are kept too: subprocess closes the child's other descriptors after preexec_fn
        self._proc = subprocess.Popen(command, pass_fds=(3, 4, to_child, from_child), preexec_fn=wire,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_child)
        os.close(from_child)
        self._buffer = b""
        self._next = 0
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self._session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        self._width = 0

    def call(self, method: str, session: bool = False, **params: object) -> dict:
        """Send one command and wait for its reply (events in between are dropped)."""
        self._next += 1
        message = {"id": self._next, "method": method, "params": params}
        if session:
            message["sessionId"] = self._session
        os.write(self._writer, json.dumps(message).encode() + b"\0")
        while True:
            while b"\0" not in self._buffer:
                chunk = os.read(self._reader, 1 << 20)
                assert chunk, "Chromium closed the DevTools pipe"
                self._buffer += chunk
            raw, self._buffer = self._buffer.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("id") == self._next:
                assert "error" not in reply, reply
                return reply["result"]

    def render(self, case: Case, shot: Path) -> dict:
        """Lay a case out at its width; return the measurements and write its screenshot."""
        if case.width != self._width:
            self.call("Emulation.setDeviceMetricsOverride", session=True, width=case.width, height=700,
                      deviceScaleFactor=1, mobile=case.width < 480)
            self._width = case.width
        # Replacing the document in place is ~5x faster than navigating to a file per case.
        script = f"document.open(); document.write({json.dumps(case.html)}); document.close();\n{MEASURE}"
        result = self.call("Runtime.evaluate", session=True, expression=script, awaitPromise=True,
                           returnByValue=True)
        assert "exceptionDetails" not in result, result
        found = result["result"]["value"]
        png = self.call("Page.captureScreenshot", session=True, format="png", captureBeyondViewport=True,
                        clip={"x": 0, "y": 0, "width": case.width, "height": max(found["height"], 1), "scale": 1})
        shot.write_bytes(base64.b64decode(png["data"]))
        return found

    def close(self) -> None:
        """End the browser (it is this test's own process)."""
        os.close(self._writer)
        os.close(self._reader)
        self._proc.terminate()
        self._proc.wait(timeout=30)


def reviewer_page(col, card, side: str, theme: str) -> str:
    """A card side as Anki's reviewer shows it: its HTML inside a body with the reviewer's classes."""
    page = card.question() if side == "front" else card.answer()
    if not page.startswith("<style>"):
        page = f"<style>{card.note_type()['css']}</style>{page}"
    if match := TYPE_IN.search(page):  # the reviewer swaps the marker for the input box / comparison
        field = match.group(1)
        expected = card.note()[field.removeprefix("cloze:")]
        if field.startswith("cloze:"):
            expected = col.extract_cloze_for_typing(expected, card.ord + 1)
        shown = ('<center><input type=text id=typeans></center>' if side == "front"
                 else f"<div>{col.compare_answer(expected, 'a typo')}</div>")
        page = TYPE_IN.sub(lambda _: shown, page)
    html_class, body_class, body_is_card = THEMES[theme]
    body_class = body_class.format(n=card.ord + 1)
    inner = f'<div id="qa">{page}</div>' if body_is_card else f'<div class="card card{card.ord + 1}">{page}</div>'
    return (f'<!doctype html><html class="{html_class}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{REVIEWER_CSS}</style>'
            f'</head><body class="{body_class}">{inner}</body></html>')


# The card shown for each note type: the richest or trickiest one of the test decks.
SHOWN = {"aiquiz basic v1": ("edge/nasty", 0), "aiquiz cloze v1": ("sample/cloze-one", 0),
         "aiquiz choice v1": ("edge/six", 0), "aiquiz truefalse v1": ("sample/truefalse-one", 0),
         "aiquiz basic typed v1": ("sample/basic-one", 0), "aiquiz cloze typed v1": ("edge/hinted", 1)}


def cases_for(col, notetypes: list[str]) -> list[Case]:
    """The SHOWN card of each of these note types: both sides, every theme and width."""
    found = []
    for notetype in notetypes:
        key, ord_ = SHOWN[notetype]
        nids = col.find_notes(f'"note:{notetype}" "Id:{key}"')
        card = next(c for c in col.get_note(nids[0]).cards() if c.ord == ord_)
        for side in ("front", "back"):
            for theme in THEMES:
                html = reviewer_page(col, card, side, theme)
                for width in WIDTHS:
                    name = f"{notetype.replace(' ', '-')}-{side}-{theme}-{width}"
                    found.append(Case(name, html, width, notetype))
    return found


def problems(case: Case, found: dict) -> list[str]:
    """What is wrong with a rendered case (empty when it looks right)."""
    wrong = []
    cloze = CONTRACT[case.notetype].cloze
    if cloze and not found["gaps"]:
        wrong.append("a cloze card without a gap")
    for gap in found["gaps"]:
        for text in found["texts"]:
            if not text["gap"] and (text["color"], text["weight"]) == (gap["color"], gap["weight"]):
                wrong.append(f"{text['text']!r} is styled like the gap ({gap['color']}, weight {gap['weight']})")
    for text in found["texts"]:
        if text["contrast"] < 4.5:
            wrong.append(f"{text['text']!r}: contrast {text['contrast']:.2f} < 4.5 ({text['color']})")
    if found["scrollWidth"] > found["clientWidth"] or found["wide"]:
        wrong.append(f"overflows: scrollWidth {found['scrollWidth']} > {found['clientWidth']}: {found['wide'][:3]}")
    return wrong


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """One headless Chromium for the module's tests (the screenshots of an earlier run are removed)."""
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    opened = Browser(tmp_path_factory.mktemp("chromium-profile"))
    yield opened
    opened.close()


def render_all(browser: Browser, cases: list[Case]) -> dict[str, list[str]]:
    """Render every case, keep its PNG under ARTIFACTS, and return the problems of the failing ones."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots: {ARTIFACTS}")
    failing = {}
    for case in sorted(cases, key=lambda c: c.width):
        found = browser.render(case, ARTIFACTS / f"{case.name}.png")
        if wrong := problems(case, found):
            failing[case.name] = wrong
    return failing


def test_every_note_type_looks_right_in_every_theme_and_width(tmp_path, deck_dir, browser):
    from aiquiz.anki import build_apkg

    decks = load_decks([deck_dir])
    cases = []
    for typed in (False, True):
        package = build_apkg(decks, tmp_path / f"{typed}.apkg", lang=LangMode.BOTH, build_time=T0,
                             type_answers=typed).path
        col = col_from(package, tmp_path / f"col-{typed}")
        try:
            cases += cases_for(col, [n for n in SHOWN if ("typed" in n) == typed])
        finally:
            col.close()
    assert {c.notetype for c in cases} == set(SHOWN)
    assert len(cases) == len(SHOWN) * 2 * len(THEMES) * len(WIDTHS)
    failing = render_all(browser, cases)
    assert not failing, json.dumps(failing, indent=1, ensure_ascii=False)[:4000]


BROKEN = """<!doctype html><html><head><meta charset="utf-8"></head><body class="card card1 nightMode">
<style>.card { color: #222; background: #fff; } .cloze { font-weight: 700; color: #0969da; }
.nightMode .pale { color: #777; } .nightMode.card { background: #1c1f24; }</style>
<div class="kind cloze"><div>There are <span class="cloze">[...]</span> things.</div>
<div class="pale">grey on near-black</div><div style="width: 500px">too wide for a phone</div></div></body></html>"""


def test_the_checks_catch_what_went_wrong_before(browser):
    # The cloze card as it was: a wrapper matching Anki's .cloze made all of its text look like the gap.
    found = browser.render(Case("broken", BROKEN, 360, "aiquiz cloze v1"), ARTIFACTS / "self-test-broken.png")
    wrong = "\n".join(problems(Case("broken", BROKEN, 360, "aiquiz cloze v1"), found))
    assert "'There are' is styled like the gap" in wrong
    assert "'grey on near-black': contrast" in wrong
    assert "overflows" in wrong
