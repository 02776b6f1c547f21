"""Headless Chromium for the book's tools: a local HTTP server and an offline browser page.

Used by the maths benchmark (``python -m course_utils.authoring.book bench-maths``), the PDF builder
(:mod:`course_utils.authoring.pdf`), the slides check (:mod:`course_utils.authoring.slides`) and the browser tests.
The browser is Debian's ``/usr/bin/chromium`` driven by Playwright (Playwright's own browser
download needs the internet); every request to another host is blocked and recorded.
"""
from __future__ import annotations

import contextlib
import functools
import http.server
import os
import threading
from pathlib import Path

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "VIEWPORT", "serve", "require_chromium", "browser", "offline_page"]

CHROMIUM = Path(os.environ.get("COURSE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
VIEWPORT = {"width": 1280, "height": 900}


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class _QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # e.g. the browser closing a connection early; a missing page shows as a 404 anyway


@contextlib.contextmanager
def serve(folder: str | Path):
    """Serve ``folder`` on 127.0.0.1 (a free port); yields the base URL ending in ``/``.
    Raises FileNotFoundError when ``folder`` is not a folder."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"serve: folder {folder} does not exist (build it first)")
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = _QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def require_chromium() -> Path:
    """The Chromium binary (:data:`CHROMIUM`, settable with ``COURSE_CHROMIUM``). Raises RuntimeError,
    saying how to install it, when the file does not exist."""
    if not CHROMIUM.exists():
        raise RuntimeError(f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium) "
                           "or set COURSE_CHROMIUM to a Chromium binary")
    return CHROMIUM


@contextlib.contextmanager
def browser():
    """A headless Chromium (Playwright ``Browser``), closed on exit. Raises RuntimeError when
    Chromium is missing (:func:`require_chromium`), ImportError when Playwright is not installed."""
    from playwright.sync_api import sync_playwright

    executable = require_chromium()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(executable), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def offline_page(chromium, site: str, *, viewport: dict | None = None, timeout_ms: int = 30_000):
    """A new page that may only talk to ``site``. ``page.problems`` collects blocked requests to
    other hosts, console errors, uncaught exceptions and failed local requests."""
    page = chromium.new_page(viewport=viewport or VIEWPORT)
    page.set_default_timeout(timeout_ms)
    page.problems = []

    def only_local(route):
        if route.request.url.startswith(site) or route.request.url.startswith("data:"):
            route.continue_()
        else:
            page.problems.append(f"blocked request to another host: {route.request.url}")
            route.abort()

    page.route("**/*", only_local)
    page.on("console", lambda msg: msg.type == "error" and page.problems.append(f"console error: {msg.text}"))
    page.on("pageerror", lambda exc: page.problems.append(f"uncaught exception: {exc}"))
    page.on("requestfailed", lambda req: req.url.startswith(site) and page.problems.append(
        f"request failed: {req.url} ({req.failure})"))
    return page
