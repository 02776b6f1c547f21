"""The built book in a real browser, offline: every page is loaded in headless Chromium from a
local HTTP server while every request to another host is blocked. A page fails on a console
error, a blocked request, maths left untypeset (or typeset with an error), an image that did not
load, or a same-site link (or #anchor) that does not resolve. A screenshot of each page is saved
under ``_build/screenshots/`` at the repository root.

Needs /usr/bin/chromium (Debian package ``chromium``); skipped where it is absent.
"""
from __future__ import annotations

import functools
import http.server
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from test_book import CHAPTERS, book_html, page_path  # noqa: F401  (book_html is a fixture)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "_build" / "screenshots"
MATHJAX_TIMEOUT_MS = 30_000
PAGE_TIMEOUT_MS = 30_000
UNTYPESET = re.compile(r"\$[^$\n]+\$|\\\(|\\\[")

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not installed (apt-get install chromium)"),
    pytest.mark.filterwarnings("ignore:.*Check CHANGES for Sphinx API modifications"),
]

# Text a reader sees: the article without code, maths already typeset, or scripts.
VISIBLE_PROSE_JS = """() => {
  const copy = document.querySelector('article').cloneNode(true);
  copy.querySelectorAll('pre, code, script, style, .MathJax, .MathJax_Display, .MathJax_Preview, '
                        + '.MJX_Assistive_MathML').forEach(e => e.remove());
  return copy.textContent;
}"""
MATH_REPORT_JS = """() => ({  // .math.notranslate: Sphinx's maths (MathJax adds spans of class math)
  sources: document.querySelectorAll('.math.notranslate').length,
  typeset: Array.from(document.querySelectorAll('.math.notranslate'))
                .filter(e => e.querySelector('.MathJax, .MathJax_Display')).length,
  errors: Array.from(document.querySelectorAll('.MathJax .merror, .MathJax_Error'))
               .map(e => e.textContent),
})"""
# Display maths wider than the column must scroll, not be cut off. (MathJax 2 positions its
# glyphs itself, so widths are measured from the boxes of the typeset spans.)
CLIPPED_MATHS_JS = """() => Array.from(document.querySelectorAll('div.math')).filter(div => {
    const box = div.querySelector('.MathJax_Display') || div;
    const right = Math.max(0, ...Array.from(box.querySelectorAll('span'), s => s.getBoundingClientRect().right));
    const scrolls = ['auto', 'scroll'].includes(getComputedStyle(box).overflowX) && box.scrollWidth > box.clientWidth;
    return right > box.getBoundingClientRect().right + 1 && !scrolls;
  }).map(div => (div.querySelector('script') || div).textContent.trim().slice(0, 80))"""
# Solutions (<details> from MyST-NB's hide-input) and model answers (sphinx-togglebutton
# dropdowns) must start collapsed: report the first words of any answer that shows.
VISIBLE_ANSWERS_JS = """() => [
  ...Array.from(document.querySelectorAll('details.hide .cell_input')),
  ...Array.from(document.querySelectorAll('div.admonition.dropdown > :not(.admonition-title)')),
].filter(e => e.checkVisibility({visibilityProperty: true, opacityProperty: true})).map(e => e.textContent.trim().slice(0, 60))"""
BROKEN_IMAGES_JS = """() => Array.from(document.images)
  .filter(img => !img.complete || img.naturalWidth === 0).map(img => img.src)"""
LINKS_JS = """() => Array.from(document.querySelectorAll('a[href]')).map(a => a.href)"""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class _QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # e.g. the browser closing a connection early; a missing page shows as a 404 anyway


@pytest.fixture(scope="module")
def site(book_html):
    """Base URL of ``book_html`` served by a threaded HTTP server on localhost."""
    handler = functools.partial(_QuietHandler, directory=str(book_html))
    server = _QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def offline_page(browser, site):
    """A page that may only talk to ``site``; collects console errors and blocked requests."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    page.problems = []

    def only_local(route):
        if route.request.url.startswith(site):
            route.continue_()
        else:
            page.problems.append(f"blocked request to another host: {route.request.url}")
            route.abort()

    page.route("**/*", only_local)
    page.on("console", lambda msg: msg.type == "error" and page.problems.append(f"console error: {msg.text}"))
    page.on("pageerror", lambda exc: page.problems.append(f"uncaught exception: {exc}"))
    page.on("requestfailed", lambda req: req.url.startswith(site) and page.problems.append(
        f"request failed: {req.url} ({req.failure})"))
    yield page
    page.close()


_FETCHED: dict[str, tuple[int, str]] = {}


def fetch(url: str) -> tuple[int, str]:
    """HTTP status and body of a same-site URL (cached: pages share their navigation links)."""
    if url not in _FETCHED:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                _FETCHED[url] = (response.status, response.read().decode("utf-8", "replace"))
        except urllib.error.HTTPError as exc:
            _FETCHED[url] = (exc.code, "")
    return _FETCHED[url]


def broken_links(links: list[str], site: str) -> list[str]:
    problems = []
    for link in sorted(set(links)):
        if not link.startswith(site):
            continue  # launch buttons, repository: other hosts are not this test's business
        target, _, fragment = link.partition("#")
        status, body = fetch(target)
        if status != 200:
            problems.append(f"{link}: HTTP {status}")
        elif fragment and target.endswith(".html"):
            anchor = re.escape(urllib.parse.unquote(fragment))
            if not re.search(rf'\b(id|name)="{anchor}"', body):
                problems.append(f"{link}: no element with id {fragment!r} on {target}")
    return problems


def wait_for_mathjax(page) -> None:
    if not page.locator("script[src*='MathJax.js']").count():
        return
    page.wait_for_function("() => window.MathJax && MathJax.isReady === true", timeout=MATHJAX_TIMEOUT_MS)
    page.evaluate("() => new Promise(done => MathJax.Hub.Queue(() => done(true)))")


PAGES = [("index", "index.html")] + [(ch.id, page_path(Path(), ch).as_posix()) for ch in CHAPTERS]


@pytest.mark.parametrize("name, path", PAGES, ids=[name for name, _ in PAGES])
def test_page_renders_offline_with_maths_images_and_working_links(offline_page, site, name, path):
    page = offline_page
    response = page.goto(site + path, wait_until="load")
    assert response and response.status == 200, f"{path}: HTTP {response and response.status}"
    wait_for_mathjax(page)
    page.wait_for_load_state("networkidle")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    problems = list(page.problems)
    maths = page.evaluate(MATH_REPORT_JS)
    if maths["typeset"] < maths["sources"]:
        problems.append(f"only {maths['typeset']} of {maths['sources']} maths elements were typeset")
    problems += [f"MathJax error: {text}" for text in maths["errors"]]
    leftover = UNTYPESET.findall(page.evaluate(VISIBLE_PROSE_JS))
    if leftover:
        problems.append(f"untypeset maths in the visible text: {leftover[:5]}")
    problems += [f"display maths cut off (wider than the column): {text!r}"
                 for text in page.evaluate(CLIPPED_MATHS_JS)]
    problems += [f"answer not collapsed: {text!r}" for text in page.evaluate(VISIBLE_ANSWERS_JS)]
    problems += [f"image did not load: {src}" for src in page.evaluate(BROKEN_IMAGES_JS)]
    problems += broken_links(page.evaluate(LINKS_JS), site)
    assert not problems, f"{path}:\n" + "\n".join(problems)


def test_search_finds_a_chapter(offline_page, site):
    chapter = next(ch for ch in CHAPTERS if ch.kind == "chapter" and ch.number)
    word = max(re.findall(r"[A-Za-z]{5,}", chapter.title), key=len)
    page = offline_page
    page.goto(site + "search.html?q=" + urllib.parse.quote(word), wait_until="load")
    page.wait_for_selector("#search-results li", timeout=PAGE_TIMEOUT_MS)
    hits = page.eval_on_selector_all("#search-results li a", "links => links.map(a => a.href)")
    assert any(page_path(Path(), chapter).as_posix() in hit for hit in hits), f"search for {word!r}: {hits}"
    assert not page.problems, "\n".join(page.problems)
