"""Time-to-typeset of the book's maths, per page, in headless Chromium.

Command line (after ``python -m course_utils.authoring.book build``)::

    python -m course_utils.authoring.book bench-maths [--html _build/html] [--repeat 3] [--json]

Each page is loaded from a local HTTP server, offline (requests to other hosts are blocked),
in a fresh browser context (empty cache, as a first visit). A script installed before the
page's own scripts polls every 5 ms and records ``performance.now()`` (milliseconds from the
start of navigation) at the first moment when every maths element (Sphinx's
``.math.notranslate``) holds typeset output (KaTeX's ``.katex`` or MathJax 2's ``.MathJax``),
no MathJax job is queued or running, no raw TeX delimiter is left in the page's prose, and the
page's fonts have loaded. It also sums the page's layout shifts (Chromium's Layout Instability
API, the cumulative layout shift of web-vitals without session windows) over the load. The
median over ``--repeat`` loads is reported per page, next to the moments the HTML was parsed
(``DOMContentLoaded``) and the page loaded (``load``: images, fonts, scripts), for scale: maths
typeset at build time is ready when the page's fonts are, whatever the machine's speed.
"""
from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

from course_utils._checks import positive_int
from course_utils.authoring import headless

__all__ = ["POLL_JS", "pages_with_maths", "bench", "report", "main"]

POLL_JS = r"""(() => {
  window.__course = {typesetAt: null, shift: 0};
  new PerformanceObserver(list => {
    for (const e of list.getEntries()) if (!e.hadRecentInput) window.__course.shift += e.value;
  }).observe({type: 'layout-shift', buffered: true});
  const raw = /\\\(|\\\[|\$\$/;
  const ready = () => {
    if (document.readyState === 'loading' || !document.body) return false;
    const maths = Array.from(document.querySelectorAll('.math.notranslate'));
    if (!maths.every(e => e.querySelector('.katex, .MathJax, .MathJax_Display, .MathJax_SVG'))) return false;
    const hub = window.MathJax && window.MathJax.Hub;
    if (document.querySelector('script[src*="MathJax.js"]')) {
      if (!hub || !window.MathJax.isReady || hub.queue.running || hub.queue.pending) return false;
    }
    if (document.fonts.status !== 'loaded') return false;  // cheap tests first: the copy below costs
    const article = document.querySelector('article') || document.body;
    const copy = article.cloneNode(true);
    copy.querySelectorAll('pre, code, script, style, .katex, .MathJax, .MathJax_Display, .MathJax_Preview, '
                          + '.MJX_Assistive_MathML').forEach(e => e.remove());
    return !raw.test(copy.textContent);
  };
  const poll = () => {
    if (window.__course.typesetAt === null && ready()) { window.__course.typesetAt = performance.now(); return; }
    setTimeout(poll, 5);
  };
  poll();
})();"""


def pages_with_maths(html: Path) -> list[str]:
    """Pages (relative paths) whose HTML holds at least one maths element, index first."""
    found = []
    for page in sorted(html.rglob("*.html")):
        rel = page.relative_to(html).as_posix()
        if rel.startswith(("_", "genindex", "search")):
            continue
        if 'class="math notranslate' in page.read_text(encoding="utf-8"):
            found.append(rel)
    return sorted(found, key=lambda p: (p != "index.html", p))


def bench(html: str | Path, pages: list[str] | None = None, repeat: int = 3,
          timeout_ms: int = 60_000) -> list[dict]:
    """Median time-to-typeset (ms) and layout shift per page; see the module docstring.

    ``pages``: paths relative to ``html`` (default: :func:`pages_with_maths`); ``repeat``: loads per page.
    Returns one dict per page with ``page``, ``typeset_ms``, ``runs_ms`` (every load), ``parsed_ms``,
    ``loaded_ms``, ``layout_shift`` and ``blocked_requests``.

    Raises TypeError when ``repeat`` is not an integer, ValueError when it is below 1 or no page has
    maths, FileNotFoundError when ``html`` is not a folder, RuntimeError when Chromium is missing, and
    Playwright's TimeoutError when a page does not typeset within ``timeout_ms``."""
    html = Path(html)
    repeat = positive_int(repeat, "repeat")
    pages = pages_with_maths(html) if pages is None else pages
    if not pages:
        raise ValueError(f"no page with maths under {html}: build the book first")
    results = []
    with headless.serve(html) as site, headless.browser() as chromium:
        for rel in pages:
            times, shifts, problems, parsed, loaded = [], [], [], [], []
            for _ in range(repeat):
                context = chromium.new_context(viewport=headless.VIEWPORT)
                context.add_init_script(POLL_JS)
                page = context.new_page()
                page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(site)
                           else (problems.append(route.request.url), route.abort()))
                page.goto(site + rel, wait_until="load", timeout=timeout_ms)
                page.wait_for_function("() => window.__course.typesetAt !== null", timeout=timeout_ms)
                state = page.evaluate("() => window.__course")
                nav = page.evaluate("() => { const n = performance.getEntriesByType('navigation')[0]; "
                                    "return [n.domContentLoadedEventEnd, n.loadEventEnd]; }")
                times.append(state["typesetAt"])
                shifts.append(state["shift"])
                parsed.append(nav[0])
                loaded.append(nav[1])
                context.close()
            results.append({"page": rel, "typeset_ms": statistics.median(times), "runs_ms": times,
                            "parsed_ms": statistics.median(parsed), "loaded_ms": statistics.median(loaded),
                            "layout_shift": statistics.median(shifts),
                            "blocked_requests": sorted(set(problems))})
    return results


def report(results: list[dict]) -> str:
    """A plain-text table of :func:`bench`'s results (one row per page: typeset, parsed and loaded times
    in ms, layout shift, blocked requests if any) and a last line naming the slowest page."""
    lines = [f"{'page':40s} {'typeset (ms)':>12s} {'parsed (ms)':>11s} {'loaded (ms)':>11s} {'layout shift':>12s}"]
    for r in results:
        lines.append(f"{r['page']:40s} {r['typeset_ms']:12.0f} {r['parsed_ms']:11.0f} {r['loaded_ms']:11.0f} "
                     f"{r['layout_shift']:12.3f}"
                     + (f"  blocked: {r['blocked_requests']}" if r["blocked_requests"] else ""))
    slowest = max(results, key=lambda r: r["typeset_ms"])
    lines.append(f"slowest: {slowest['page']} {slowest['typeset_ms']:.0f} ms")
    return "\n".join(lines)


def main(html: Path, repeat: int, as_json: bool) -> int:
    """``book bench-maths``: benchmark the built book in ``html`` and print :func:`report`'s table (or the
    results as JSON); returns 0, or 1 with the reason on stderr (bad ``repeat``, no book, no Chromium).
    Raises Playwright's TimeoutError, which it does not catch, when a page does not typeset in time."""
    try:
        results = bench(html, repeat=repeat)
    except (TypeError, ValueError, FileNotFoundError, RuntimeError) as exc:
        print(f"bench-maths: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(results, indent=1) if as_json else report(results))
    return 0
