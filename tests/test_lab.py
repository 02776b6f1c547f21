"""The interactive figures work in JupyterLab: a real ``jupyter lab`` server (localhost, a token
of our own, a temporary copy of ``notebooks/``) is driven by headless Chromium. For each widget
notebook the cells up to and including the cell tagged ``widget`` are run by the kernel, the
first slider of the widget is dragged, and the figure in the widget's output must change.

Needs /usr/bin/chromium; a notebook that does not exist yet, or has no cell tagged ``widget``,
is skipped with the reason.
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import pytest

from course_utils.authoring.course import load_course
from test_browser import CHROMIUM, SCREENSHOTS, browser  # noqa: F401  (browser is a fixture)

NOTEBOOKS = load_course(os.environ.get("COURSE_BOOK")).root / "notebooks"
WIDGET_TAG = "widget"
WIDGET_NOTEBOOKS = ["03_vanishing_gradients.ipynb", "05_gru.ipynb"]
SERVER_START_S = 90
RUN_CELLS_MS = 120_000   # kernel start + every cell up to the widget (notebooks run in < 60 s)
REDRAW_MS = 60_000
DRAG_PX = 120
# JupyterLab settings for the test: every cell in the DOM, no news or update checks.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false", "checkForUpdates": False},
}

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not installed (apt-get install chromium)")


def widget_cell_index(notebook: Path) -> int:
    """Index of the first cell tagged ``widget``; skips the test if there is none (yet)."""
    if not notebook.is_file():
        pytest.skip(f"{notebook.name} does not exist yet")
    cells = nbformat.read(notebook, as_version=4).cells
    for i, cell in enumerate(cells):
        if cell.cell_type == "code" and WIDGET_TAG in cell.metadata.get("tags", []):
            return i
    pytest.skip(f"{notebook.name} has no code cell tagged {WIDGET_TAG!r}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A running JupyterLab; yields (base URL, token, root folder)."""
    tmp = tmp_path_factory.mktemp("lab")
    root = tmp / "notebooks"
    shutil.copytree(NOTEBOOKS, root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    settings = tmp / "settings"
    for name, values in LAB_SETTINGS.items():
        (settings / name).parent.mkdir(parents=True, exist_ok=True)
        (settings / name).write_text(json.dumps(values), encoding="utf-8")
    port, token = free_port(), secrets.token_hex(16)
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"), "JUPYTER_CONFIG_DIR": str(tmp / "config"),
           "IPYTHONDIR": str(tmp / "ipython"), "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
               f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
               f"--LabServerApp.user_settings_dir={settings}",
               f"--LabServerApp.workspaces_dir={tmp / 'workspaces'}",
               "--ServerApp.allow_root=True",  # CI runs as root
               "--ServerApp.terminals_enabled=False",
               "--LabApp.expose_app_in_browser=True",  # window.jupyterapp, to run commands
               "--LabApp.extension_manager=readonly",  # no PyPI queries
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    log = open(tmp / "lab.log", "w")
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_S
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=5):
                    break
            except (urllib.error.URLError, ConnectionError):
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"jupyter lab did not start:\n{(tmp / 'lab.log').read_text()[-3000:]}")
                time.sleep(0.5)
        yield base, token, root
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


# Runs in the page: mark the widget cell so the test finds it in the DOM, select it, and start
# running every cell above it, then the cell itself (the kernel really executes them; as with
# Shift+Enter). Returns at once: the test waits for the figure with a timeout.
RUN_UP_TO_JS = """async (index) => {
  const app = window.jupyterapp;
  const panel = app.shell.currentWidget;
  await panel.sessionContext.ready;
  const notebook = panel.content;
  notebook.widgets[index].node.setAttribute('data-test', 'widget-cell');
  notebook.activeCellIndex = index;
  app.commands.execute('notebook:run-all-above')
    .then(() => { notebook.activeCellIndex = index; return app.commands.execute('notebook:run-cell'); });
}"""
ERRORS_JS = """() => Array.from(document.querySelectorAll(
  '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.error"]')).map(e => e.textContent.slice(0, 500))"""
FIGURE = "[data-test=widget-cell] .jp-OutputArea-output .jupyter-widgets img"


@pytest.mark.parametrize("name", WIDGET_NOTEBOOKS)
def test_dragging_the_widget_slider_redraws_the_figure(lab, browser, name):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    base, token, root = lab
    index = widget_cell_index(root / name)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    problems = []
    page.on("pageerror", lambda exc: problems.append(f"uncaught exception: {exc}"))
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base) else route.abort())
    try:
        # a workspace of its own, reset: JupyterLab reopens no tab of an earlier test
        page.goto(f"{base}/lab/workspaces/{Path(name).stem}/tree/{name}?reset&token={token}", wait_until="load")
        page.wait_for_function("() => window.jupyterapp && jupyterapp.shell.currentWidget"
                               " && jupyterapp.shell.currentWidget.content"
                               " && jupyterapp.shell.currentWidget.content.widgets.length > 0",
                               timeout=RUN_CELLS_MS)
        page.evaluate(RUN_UP_TO_JS, index)
        figure = page.locator(FIGURE).first
        figure.wait_for(state="visible", timeout=RUN_CELLS_MS)
        assert not page.evaluate(ERRORS_JS), f"{name}: cells raised: {page.evaluate(ERRORS_JS)}"
        before = figure.get_attribute("src")

        handle = page.locator("[data-test=widget-cell] .widget-slider .noUi-handle").first
        handle.scroll_into_view_if_needed()
        box = handle.bounding_box()
        assert box, f"{name}: the widget has no slider handle"
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x + DRAG_PX, y, steps=8)
        page.mouse.up()

        try:
            page.wait_for_function(
                """([selector, before]) => { const img = document.querySelector(selector);
                                             return img && img.getAttribute('src') !== before; }""",
                arg=[FIGURE, before], timeout=REDRAW_MS)
        except PlaywrightTimeout:
            pytest.fail(f"{name}: the figure did not change within {REDRAW_MS // 1000} s of dragging the slider")
        after = page.locator(FIGURE).first.get_attribute("src")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"lab_{Path(name).stem}.png"))
        assert after != before and after.startswith("data:image/png"), f"{name}: figure did not change"
        assert not page.evaluate(ERRORS_JS), f"{name}: the redraw raised: {page.evaluate(ERRORS_JS)}"
        assert not problems, "\n".join(problems)
    finally:
        page.close()
