"""The built book in a real browser, offline: every page is loaded in headless Chromium from a
local HTTP server while every request to another host is blocked. A page fails on a console
error, a blocked request, maths left untypeset (or typeset with an error), an answer shown
uncollapsed, an image that did not load, or a same-site link (or #anchor) that does not
resolve. Maths is typeset when the book is built (KaTeX), so it must be finished as soon as the
document is parsed, before any script runs; every KaTeX font the page uses is preloaded by its
``<head>``, and the theme's icons are drawn from Font Awesome's web fonts. A screenshot of each page is saved
under ``_build/screenshots/`` at the repository root.

Needs /usr/bin/chromium (Debian package ``chromium``); skipped where it is absent.
"""
from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from test_book import CHAPTERS, book_html, page_path  # noqa: F401  (book_html is a fixture)

from course_utils.authoring import book, headless

CHROMIUM = headless.CHROMIUM
SCREENSHOTS = Path(__file__).resolve().parents[1] / "_build" / "screenshots"
PAGE_TIMEOUT_MS = 60_000
UNTYPESET = re.compile(r"\$[^$\n]+\$|\\\(|\\\[")

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not installed (apt-get install chromium)"),
    pytest.mark.filterwarnings("ignore:.*Check CHANGES for Sphinx API modifications"),
]

# Text a reader sees: the article without code, typeset maths (KaTeX's MathML copy holds the
# TeX as an annotation), or scripts.
VISIBLE_PROSE_JS = """() => {
  const copy = document.querySelector('article').cloneNode(true);
  copy.querySelectorAll('pre, code, script, style, .katex').forEach(e => e.remove());
  return copy.textContent;
}"""
# Run as soon as the document is parsed (DOMContentLoaded), before the page's deferred scripts.
MATH_REPORT_JS = """() => ({  // .math.notranslate: Sphinx's maths elements
  sources: document.querySelectorAll('.math.notranslate').length,
  typeset: Array.from(document.querySelectorAll('.math.notranslate')).filter(e => e.querySelector('.katex')).length,
  errors: Array.from(document.querySelectorAll('.katex-error')).map(e => e.textContent),
  scripts: Array.from(document.scripts).map(s => s.src).filter(src => /mathjax|katex/i.test(src)),
})"""
# Display maths wider than the column must scroll, not be cut off.
CLIPPED_MATHS_JS = """() => Array.from(document.querySelectorAll('div.math')).filter(div => {
    const scrolls = ['auto', 'scroll'].includes(getComputedStyle(div).overflowX);
    return div.scrollWidth > div.clientWidth + 1 && !scrolls;
  }).map(div => div.textContent.trim().slice(0, 80))"""
# Solutions and model answers (both MyST-NB's <details class="hide">) must start collapsed:
# report the first words of any answer that shows.
VISIBLE_ANSWERS_JS = """() => Array.from(document.querySelectorAll('details.hide > :not(summary)'))
  .filter(e => e.checkVisibility({visibilityProperty: true, opacityProperty: true}))
  .map(e => e.textContent.trim().slice(0, 60))"""
# How many characters of the code font fit a code cell's column without scrolling.
CODE_COLUMN_JS = """() => {
  const pre = document.querySelector('div.cell_input pre');
  const probe = document.createElement('span');
  probe.textContent = 'x'.repeat(200);
  pre.appendChild(probe);
  const char = probe.getBoundingClientRect().width / 200;
  probe.remove();
  const style = getComputedStyle(pre);
  return (pre.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight)) / char;
}"""
SCROLLING_CODE_JS = """() => Array.from(document.querySelectorAll('div.cell_input pre'))
  .filter(pre => pre.scrollWidth > pre.clientWidth + 1).length"""
BROKEN_IMAGES_JS = """() => Array.from(document.images)
  .filter(img => !img.complete || img.naturalWidth === 0).map(img => img.src)"""
LINKS_JS = """() => Array.from(document.querySelectorAll('a[href]')).map(a => a.href)"""
# Web fonts the page fetched, and the fonts its <head> preloads (book_katex.preload_fonts).
FONTS_JS = """() => ({
  fetched: performance.getEntriesByType('resource').map(e => e.name.split('?')[0]).filter(u => u.endsWith('.woff2')),
  preloaded: Array.from(document.querySelectorAll('link[rel=preload][as=font]')).map(l => l.href),
})"""


@pytest.fixture(scope="module")
def site(book_html):
    """Base URL of ``book_html`` served by a threaded HTTP server on localhost."""
    with headless.serve(book_html) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with headless.browser() as chromium:
        yield chromium


@pytest.fixture
def offline_page(browser, site):
    """A page that may only talk to ``site``; collects console errors and blocked requests."""
    page = headless.offline_page(browser, site, timeout_ms=PAGE_TIMEOUT_MS)
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


PAGES = [("index", "index.html")] + [(ch.id, page_path(Path(), ch).as_posix()) for ch in CHAPTERS]


@pytest.mark.parametrize("name, path", PAGES, ids=[name for name, _ in PAGES])
def test_page_renders_offline_with_maths_images_and_working_links(offline_page, site, name, path):
    page = offline_page
    response = page.goto(site + path, wait_until="domcontentloaded")
    assert response and response.status == 200, f"{path}: HTTP {response and response.status}"
    maths = page.evaluate(MATH_REPORT_JS)  # before the page's scripts: nothing typesets it later
    page.wait_for_load_state("load")  # images and fonts
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    problems = list(page.problems)
    if maths["typeset"] < maths["sources"]:
        problems.append(f"only {maths['typeset']} of {maths['sources']} maths elements were typeset")
    problems += [f"KaTeX error: {text}" for text in maths["errors"]]
    problems += [f"a maths script is loaded: {src}" for src in maths["scripts"]]
    leftover = UNTYPESET.findall(page.evaluate(VISIBLE_PROSE_JS))
    if leftover:
        problems.append(f"untypeset maths in the visible text: {leftover[:5]}")
    problems += [f"display maths cut off (wider than the column): {text!r}"
                 for text in page.evaluate(CLIPPED_MATHS_JS)]
    problems += [f"answer not collapsed: {text!r}" for text in page.evaluate(VISIBLE_ANSWERS_JS)]
    problems += [f"image did not load: {src}" for src in page.evaluate(BROKEN_IMAGES_JS)]
    problems += broken_links(page.evaluate(LINKS_JS), site)
    fonts = page.evaluate(FONTS_JS)  # after the full-page screenshot: every formula has been drawn
    problems += [f"KaTeX font used but not preloaded: {url}" for url in fonts["fetched"]
                 if "/katex/fonts/" in url and url not in fonts["preloaded"]]
    if not any("/fontawesome/webfonts/" in url for url in fonts["fetched"]):
        problems.append("no Font Awesome web font loaded: the theme's icons are not drawn")
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


def test_the_code_column_holds_the_formatters_line_length(offline_page, site):
    """book.CODE_COLUMN characters of the code font fit a chapter's code cells (1280-px window)."""
    chapter = next(ch for ch in CHAPTERS if ch.kind == "chapter")
    offline_page.goto(site + page_path(Path(), chapter).as_posix(), wait_until="load")
    fits = offline_page.evaluate(CODE_COLUMN_JS)
    assert fits >= book.CODE_COLUMN, f"only {fits:.1f} characters fit the code column, not {book.CODE_COLUMN}"
    scrolling = offline_page.evaluate(SCROLLING_CODE_JS)
    wide = book.too_wide(type(book.load_course())(**{**book.load_course().__dict__, "chapters": [chapter]}))
    assert bool(scrolling) == bool(wide), f"{scrolling} code cells scroll sideways; lines over the limit: {wide[:3]}"
