"""A reveal.js slide deck per chapter, for instructors (``make slides``).

Command line::

    python -m course_utils.authoring.slides [--out _build/slides] [--book book.toml] [--check]

Each chapter of ``book.toml`` goes through :func:`course_utils.authoring.book.prepare_notebook` with
``answers="omit"`` (solutions and model answers hidden; each widget replaced by the figure it
drew) and then nbconvert's ``SlidesExporter``. Slide boundaries come from the chapter's headings,
never from hand-set tags (:func:`assign_slides`): a ``#`` or ``##`` heading starts a new slide,
a ``###`` heading a sub-slide (reveal.js's vertical stack), and a slide that grows past
:data:`MAX_LINES` lines of source continues on a sub-slide at the next cell. The template
(``slides_template/``) loads reveal.js and KaTeX (which typesets the maths when a deck opens)
from the deck's folder, copied from npm (:mod:`course_utils.authoring.webassets`): the decks work offline.
``--check`` opens every deck in headless Chromium, offline, and fails on a blocked request, a
console error, untypeset maths or a deck with no slides.
"""
from __future__ import annotations

import argparse
import re
import shutil
import sys
import time
from pathlib import Path

import nbformat

from course_utils._checks import positive_int
from course_utils.authoring import book, headless, webassets
from course_utils.authoring.course import BookFileError, Course, load_course

__all__ = ["DEFAULT_OUT", "TEMPLATE_DIR", "REVEAL_FOLDER", "MAX_LINES", "assign_slides", "exporter",
           "build_slides", "check_slides", "main"]

DEFAULT_OUT = Path("_build") / "slides"
TEMPLATE_DIR = Path(__file__).resolve().parent / "slides_template"
REVEAL_FOLDER = "reveal.js"
MAX_LINES = 22  # lines of cell source on one slide before the next cell starts a sub-slide
_HEADING = re.compile(r"^(#{1,6})\s")


def _heading_level(cell) -> int | None:
    if cell.cell_type != "markdown":
        return None
    first = cell.source.lstrip("\n").split("\n", 1)[0]
    match = _HEADING.match(first)
    return len(match.group(1)) if match else None


def assign_slides(nb: nbformat.NotebookNode, max_lines: int = MAX_LINES) -> nbformat.NotebookNode:
    """Set every cell's ``metadata.slideshow.slide_type`` from the headings (see the module
    docstring), replacing any set by hand; returns ``nb``, changed in place. Raises TypeError when
    ``max_lines`` is not an integer, ValueError when it is below 1."""
    max_lines = positive_int(max_lines, "max_lines")
    lines = 0
    for index, cell in enumerate(nb.cells):
        level = _heading_level(cell)
        size = len(cell.source.splitlines()) + sum(
            len(o.get("text", "").splitlines()) + (12 if "image/png" in o.get("data", {}) else 0)
            for o in cell.get("outputs", []))
        if index == 0 or (level is not None and level <= 2):
            kind, lines = "slide", 0
        elif level == 3 or (lines and lines + size > max_lines):
            kind, lines = "subslide", 0
        else:
            kind = "-"
        lines += size
        cell.metadata["slideshow"] = {"slide_type": kind}
    return nb


def exporter():
    """nbconvert's ``SlidesExporter`` configured for the course: this package's template
    (``slides_template/``), reveal.js from the deck's own folder, white theme, no transitions, slide
    numbers, 1280x800, no prompts, and cells tagged ``remove-input`` / ``remove-cell`` stripped."""
    from nbconvert import SlidesExporter
    from traitlets.config import Config

    config = Config()
    config.SlidesExporter.reveal_url_prefix = REVEAL_FOLDER
    config.SlidesExporter.reveal_theme = "white"
    config.SlidesExporter.reveal_transition = "none"
    config.SlidesExporter.reveal_number = "c/t"
    config.SlidesExporter.reveal_width = "1280"
    config.SlidesExporter.reveal_height = "800"
    config.SlidesExporter.exclude_input_prompt = True
    config.SlidesExporter.exclude_output_prompt = True
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_input_tags = {"remove-input"}
    config.TagRemovePreprocessor.remove_cell_tags = {"remove-cell"}
    return SlidesExporter(config=config, template_file="index.html.j2", extra_template_basedirs=[str(TEMPLATE_DIR.parent)],
                          template_name=TEMPLATE_DIR.name)


def build_slides(out: str | Path | None = None, book_toml: str | Path | None = None) -> list[Path]:
    """Write one ``<chapter>.slides.html`` per chapter into ``out``, with reveal.js and KaTeX. Raises
    BookFileError for a missing or bad ``book.toml`` or notebook, RuntimeError when npm is missing or
    installing reveal.js and KaTeX fails."""
    course: Course = load_course(book_toml)
    out = Path(out) if out is not None else course.root / DEFAULT_OUT
    out.mkdir(parents=True, exist_ok=True)
    modules = webassets.ensure()
    reveal = modules / "reveal.js"
    for part in ("dist", "plugin/notes"):
        shutil.copytree(reveal / part, out / REVEAL_FOLDER / part, dirs_exist_ok=True)
    webassets.copy_katex(out / "katex")
    export = exporter()
    decks = []
    for ch in course.chapters:
        nb = assign_slides(book.prepare_notebook(book.read_notebook(course.root / ch.notebook), answers="omit"))
        nb.metadata["title"] = ch.title
        body, resources = export.from_notebook_node(nb, resources={"metadata": {"name": ch.title}})
        target = out / (Path(ch.notebook).stem + ".slides.html")
        target.write_text(body, encoding="utf-8")
        for name, data in resources.get("outputs", {}).items():
            (out / name).write_bytes(data)
        decks.append(target)
    return decks


CHECK_JS = """() => ({
  slides: document.querySelectorAll('.reveal .slides > section').length,
  ready: !!(window.Reveal && Reveal.isReady()),
  maths: document.querySelectorAll('.katex').length,
  errors: Array.from(document.querySelectorAll('.katex-error')).map(e => e.textContent.slice(0, 80)),
  raw: (() => { const c = document.querySelector('.reveal .slides').cloneNode(true);
                c.querySelectorAll('pre, code, .katex, script, style').forEach(e => e.remove());
                return (c.textContent.match(/\\$[^$\\n]+\\$|\\\\\\(|\\\\\\[/g) || []).slice(0, 5); })(),
})"""


def check_slides(out: Path, decks: list[Path], screenshots: Path | None = None) -> list[str]:
    """Open each deck in headless Chromium, offline; return the problems found (empty: all good)."""
    problems = []
    with headless.serve(out) as site, headless.browser() as chromium:
        for deck in decks:
            page = headless.offline_page(chromium, site, timeout_ms=120_000)
            page.goto(site + deck.name, wait_until="load")
            page.wait_for_function("() => window.Reveal && Reveal.isReady()")
            report = page.evaluate(CHECK_JS)
            if screenshots is not None:
                screenshots.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(screenshots / (deck.stem + ".png")))
            found = list(page.problems)
            if report["slides"] < 2:
                found.append(f"only {report['slides']} slides")
            found += [f"KaTeX error: {e}" for e in report["errors"]]
            if report["raw"]:
                found.append(f"untypeset maths: {report['raw']}")
            problems += [f"{deck.name}: {p}" for p in found]
            page.close()
    return problems


def main(argv: list[str] | None = None) -> int:
    """Command line: build every chapter's deck (``--out``, ``--book``) and with ``--check`` open them in
    headless Chromium; returns 0, or 1 with the reason (or the check's problems) on stderr when
    book.toml, a notebook, npm or Chromium is missing or broken. Raises SystemExit (status 2, argparse)
    for bad arguments."""
    parser = argparse.ArgumentParser(prog="python -m course_utils.authoring.slides", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=None, help=f"output folder (default: {DEFAULT_OUT})")
    parser.add_argument("--book", type=Path, default=None, help="book.toml (default: the repository's)")
    parser.add_argument("--check", action="store_true", help="open every deck in headless Chromium, offline")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        decks = build_slides(args.out, args.book)
        out = decks[0].parent if decks else Path(args.out or DEFAULT_OUT)
        if args.check:
            problems = check_slides(out, decks)
            if problems:
                print("slides check failed:\n" + "\n".join(problems), file=sys.stderr)
                return 1
    except (BookFileError, RuntimeError) as exc:
        print(f"slides build failed: {exc}", file=sys.stderr)
        return 1
    print(f"{len(decks)} decks written to {out} in {time.perf_counter() - start:.0f} s"
          + (" and checked in Chromium" if args.check else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
