"""Build the course book: static HTML from the notebooks listed in ``book.toml``.

Command line::

    python -m course_utils.authoring.book build [--out _build/html] [--book book.toml]
    python -m course_utils.authoring.book bench-maths [--html _build/html]   # time-to-typeset per page
    python -m course_utils.authoring.book format [--check | --write]         # code cells fit the code column

The chapter list, order, parts, titles and objectives come from ``book.toml`` (through
:func:`course_utils.authoring.course.load_course`); nothing here repeats them. The build

1. copies the listed notebooks into a temporary Sphinx source folder, adapting the copies for a
   static page (see :func:`prepare_notebook`): solutions and model answers collapsed behind
   the same kind of toggle, each widget replaced in place by the figure it showed when the
   notebook was executed (stored in the notebook's widget state);
2. writes a landing page ``index.md`` (title, description, every chapter with its objectives)
   and one hidden toctree per ``part``, in book order;
3. runs Sphinx (MyST-NB, sphinx-book-theme) through its Python API with the
   configuration from :func:`sphinx_config`, stored outputs only, warnings as errors;
4. typesets every formula at build time with KaTeX (:mod:`course_utils.authoring.book_katex`, KaTeX from
   npm in ``_build/book-node``, see :mod:`course_utils.authoring.webassets`): pages carry finished maths,
   so nothing is typeset in the reader's browser and nothing moves; it works offline.
"""
from __future__ import annotations

import argparse
import copy
import html
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from course_utils.authoring import book_katex
from course_utils.authoring.course import (
    MODEL_ANSWER,
    SOLUTION,
    WIDGET,
    BookFileError,
    Course,
    cell_tags,
    find_root,
    load_course,
    objectives_markdown,
)

__all__ = ["DEFAULT_OUT", "STATIC", "WIDGET_VIEW", "WIDGET_STATE", "WIDGET_NOTE", "WIDGET_CAPTION",
           "MODEL_ANSWER_OPEN", "MODEL_ANSWER_CLOSE", "ANSWERS", "CODE_COLUMN", "TALL_CELL", "rules_to_html",
           "prepare_notebook", "widget_outputs", "landing_page", "sphinx_config", "read_notebook", "write_source",
           "readable", "fix_landing_title", "lighten_pages", "build", "code_lines", "too_wide", "too_tall",
           "format_notebooks", "main"]

DEFAULT_OUT = Path("_build") / "html"
STATIC = Path(__file__).resolve().parent / "book_static"  # book.css

# Cell tags the book reacts to (defined once in course.py, read with course.cell_tags): SOLUTION
# (code) collapsed behind "Show solution", MODEL_ANSWER (markdown) behind "Show model answer",
# WIDGET: the widget view dropped, the fallback figure kept.
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_NOTE = ("*Interactive widget: open this notebook in JupyterLab (or use the launch "
               "button above) to move the sliders.*")
WIDGET_CAPTION = ("*Above: the interactive explorer as it first draws. Open this notebook in "
                  "JupyterLab (or use the launch button above) to move its sliders.*")
MODEL_ANSWER_PREFIX = re.compile(r"^\s*\*\*Model answer\.?\*\*\s*")
# A model answer gets the markup MyST-NB gives a collapsed solution (same toggle, same look);
# the Markdown between the two HTML blocks is parsed as usual (maths, code, links).
MODEL_ANSWER_OPEN = """<div class="cell docutils container tag_model-answer">
<details class="admonition hide above-input">
<summary aria-label="Toggle hidden content">
<p class="collapsed admonition-title">Show model answer</p>
<p class="expanded admonition-title">Hide model answer</p>
</summary>
"""
MODEL_ANSWER_CLOSE = "</details>\n</div>\n"
ANSWERS = ("collapse", "omit")  # prepare_notebook: the book collapses answers, the PDF omits them

# Warning categories silenced (Sphinx's suppress_warnings); every other warning fails the build.
# Only the re-registration notices that a second build in the same Python process prints (docutils
# keeps node classes and directives process-wide: the tests build the book and then the PDF's
# one-page edition in one process). Notebook outputs that would warn (ipywidgets views, an unknown
# mime type to MyST-NB) are removed by prepare_notebook, and anything else deserves a look.
SUPPRESS_WARNINGS: list[str] = ["app.add_node", "app.add_directive", "app.add_role"]


def _tags(cell) -> set[str]:
    return set(cell_tags(cell))


_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_RULE = re.compile(r"^ {0,3}([-*_])( *\1){2,} *$")


def rules_to_html(markdown: str) -> str:
    """Thematic breaks (``---`` after a blank line, outside code fences) as raw ``<hr>``:
    docutils allows no transition inside a cell's output, where Markdown outputs are placed."""
    lines, fence, previous = [], None, ""
    for line in markdown.splitlines():
        match = _FENCE.match(line)
        if match and (fence is None or match.group(1).startswith(fence)):
            fence = match.group(1)[:3] if fence is None else None
        elif fence is None and not previous.strip() and _RULE.match(line):
            line = "<hr>\n"  # an HTML block ends at a blank line
        lines.append(line)
        previous = line
    return "\n".join(lines)


def prepare_notebook(nb: nbformat.NotebookNode, answers: str = "collapse") -> nbformat.NotebookNode:
    """The book's copy of a chapter notebook (the original is not modified).

    - code cells tagged ``solution`` get MyST-NB's ``hide-input`` tag ("Show solution" toggle);
    - markdown cells tagged ``model-answer`` get the same toggle ("Show model answer");
    - with ``answers="omit"`` (the PDF) both kinds of cell are left out instead;
    - outputs holding an ipywidgets view are dropped (a static page has no kernel to drive
      them). In cells tagged ``widget`` the view is replaced, in place, by the outputs the widget
      showed when the notebook ran (its figure, read from the notebook's widget state by
      :func:`widget_outputs`) and a one-line caption, or by a one-line note when the state holds
      none; progress bars just go. The widget state is then dropped, so MyST-NB adds no widget
      JavaScript (which it would fetch from a CDN);
    - thematic breaks in Markdown outputs become ``<hr>`` (:func:`rules_to_html`);
    - cells tagged ``instructor`` are kept as they are;
    - the ``show_objectives(...)`` call shows its output (the objectives) without its code.

    Raises ValueError when ``answers`` is not one of :data:`ANSWERS`.
    """
    if answers not in ANSWERS:
        raise ValueError(f"answers must be one of {ANSWERS}, got {answers!r}")
    nb = copy.deepcopy(nb)
    if answers == "omit":
        nb.cells = [c for c in nb.cells if not {SOLUTION, MODEL_ANSWER} & _tags(c)]
    state = nb.metadata.pop("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    for cell in nb.cells:
        tags = _tags(cell)
        if cell.cell_type == "code" and "show_objectives(" in cell.source:
            cell.metadata["tags"] = sorted(tags | {"remove-input"})  # readers see the list only
        if cell.cell_type == "code" and SOLUTION in tags:
            cell.metadata["tags"] = sorted(tags | {"hide-input"})
            cell.metadata.setdefault("mystnb", {}).update(
                code_prompt_show="Show solution", code_prompt_hide="Hide solution")
        elif cell.cell_type == "markdown" and MODEL_ANSWER in tags:
            body = MODEL_ANSWER_PREFIX.sub("", cell.source, count=1).strip()
            cell.source = f"{MODEL_ANSWER_OPEN}\n{body}\n\n{MODEL_ANSWER_CLOSE}"
        if cell.cell_type == "code":
            outputs = []
            for output in cell.get("outputs", []):
                view = output.get("data", {}).get(WIDGET_VIEW)
                if view is None:
                    outputs.append(output)
                elif WIDGET in tags:
                    shown = widget_outputs(state, view.get("model_id", ""))
                    caption = WIDGET_CAPTION if shown else WIDGET_NOTE
                    outputs += [*shown, nbformat.v4.new_output("display_data", data={"text/markdown": caption})]
            for output in outputs:
                if "text/markdown" in output.get("data", {}):
                    output.data["text/markdown"] = rules_to_html(output.data["text/markdown"])
            cell.outputs = outputs
    return nb


def widget_outputs(state: dict, model_id: str) -> list:
    """The outputs (figures, text) that widget ``model_id`` and its children displayed when the
    notebook was executed, in order: the ``outputs`` of every ``OutputModel`` found by walking the
    ``children`` of the widget state (``IPY_MODEL_<id>`` references). Empty when there are none."""
    found, seen = [], set()

    def walk(mid: str) -> None:
        if mid in seen or mid not in state:
            return
        seen.add(mid)
        model = state[mid]
        fields = model.get("state", {})
        if model.get("model_name") == "OutputModel":
            found.extend(nbformat.from_dict(o) for o in fields.get("outputs", []))
        for child in fields.get("children", []):
            if isinstance(child, str):
                walk(child.removeprefix("IPY_MODEL_"))

    walk(model_id)
    return found


def landing_page(course: Course, docnames: dict[str, str], inline: bool = False) -> str:
    """``index.md``: title, description, each part's chapters with their objectives, and the
    (hidden) toctrees that make the sidebar, one per part, in ``book.toml`` order.

    ``inline=True`` (the one-page edition the PDF is printed from): no chapter list, and the
    toctrees are visible, so that Sphinx's ``singlehtml`` builder puts the chapters in their place
    (it leaves hidden toctrees out)."""
    lines = [f"# {course.title}", ""]
    if course.subtitle:
        lines += [f"*{course.subtitle}*", ""]
    lines += [course.description, "", f"By {', '.join(course.authors)}.", ""]
    parts: dict[str, list] = {}
    for ch in course.chapters:
        parts.setdefault(ch.part, []).append(ch)
    for part, chapters in parts.items() if not inline else []:
        if part:
            lines += [f"## {part}", ""]
        level = "###" if part else "##"
        for ch in chapters:
            label = f"{ch.number}. " if ch.number is not None else ""
            lines += [f"{level} [{label}{ch.title}]({docnames[ch.notebook]}.ipynb)", "",
                      objectives_markdown(ch.id, course), ""]
    for part, chapters in parts.items():
        lines += ["```{toctree}", *([] if inline else [":hidden:"]), ":maxdepth: 1"]
        if part:
            lines.append(f":caption: {part}")
        lines += ["", *(docnames[ch.notebook] for ch in chapters), "```", ""]
    return "\n".join(lines)


def sphinx_config(course: Course) -> dict:
    """Sphinx configuration (given as ``confoverrides``; there is no ``conf.py``)."""
    return {
        "project": course.title,
        "author": ", ".join(course.authors),
        "copyright": ", ".join(course.authors),
        "extensions": ["myst_nb", "course_utils.authoring.book_katex"],  # book_katex: maths typeset at build time
        "exclude_patterns": ["**.ipynb_checkpoints"],
        "suppress_warnings": SUPPRESS_WARNINGS,
        # notebooks: stored outputs only (widget views were removed by prepare_notebook)
        "nb_execution_mode": "off",
        "nb_ipywidgets_js": {},
        "nb_render_markdown_format": "myst",  # so $...$ in Markdown outputs is maths too
        # maths: $...$, $$...$$ (labels, {eq} references), amsmath environments; typeset by
        # KaTeX when the book is built (course_utils.authoring.book_katex), so no maths script runs in the page
        "myst_enable_extensions": ["amsmath", "dollarmath", "colon_fence"],
        "myst_dmath_double_inline": True,  # $$...$$ inside a paragraph, as Jupyter renders it
        "myst_heading_anchors": 3,
        "myst_update_mathjax": False,  # no MathJax in the pages
        "math_numfig": True,
        "html_math_renderer": book_katex.RENDERER,
        # theme
        "html_theme": "sphinx_book_theme",
        "html_title": course.title,
        "html_context": {"default_mode": "light"},  # figures have white backgrounds
        "html_static_path": [str(STATIC)],
        "html_css_files": ["book.css"],
        "html_theme_options": {
            "repository_url": course.repository,
            "repository_branch": course.branch,
            "path_to_docs": "",
            "use_repository_button": True,
            "use_download_button": True,
            "home_page_in_toc": True,
            "navbar_persistent": [],  # one search box (the sidebar's), not a second in the header
            "search_as_you_type": False,  # lighten_pages removes the scripts it would need
            "launch_buttons": {
                "binderhub_url": "https://mybinder.org",  # Binder builds environment.yml
                "colab_url": "https://colab.research.google.com",
                "notebook_interface": "jupyterlab",
            },
        },
    }


def read_notebook(path: Path) -> nbformat.NotebookNode:
    """The notebook at ``path`` as nbformat version 4. Raises
    :class:`~course_utils.authoring.course.BookFileError` naming the path when it is missing, not JSON
    or not a valid notebook."""
    try:
        return nbformat.read(path, as_version=4)
    except Exception as exc:  # nbformat raises several types for broken JSON / schema
        raise BookFileError(f"{path}: not a readable notebook: {exc}") from None


def write_source(course: Course, srcdir: Path, answers: str = "collapse", inline: bool = False) -> dict[str, str]:
    """Fill ``srcdir`` with the prepared notebooks and ``index.md``; return notebook -> docname.
    Raises BookFileError when a notebook of ``course`` is missing or unreadable, ValueError when
    ``answers`` is not one of :data:`ANSWERS`."""
    missing = [ch for ch in course.chapters if not (course.root / ch.notebook).is_file()]
    if missing:
        raise BookFileError("\n".join(
            f"book.toml lists {ch.notebook} (chapter {ch.title!r}) but the file "
            f"{course.root / ch.notebook} is missing" for ch in missing))
    docnames = {}
    for ch in course.chapters:
        nb = prepare_notebook(read_notebook(course.root / ch.notebook), answers)
        target = srcdir / ch.notebook
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target)
        docnames[ch.notebook] = Path(ch.notebook).with_suffix("").as_posix()
    (srcdir / "index.md").write_text(landing_page(course, docnames, inline), encoding="utf-8")
    return docnames


def readable(warnings: str, srcdir: Path) -> str:
    """Sphinx warnings without colour codes, with paths relative to the repository and MyST-NB's
    line numbers (``(cell + 1) * 10000 + line``) spelled out as cell and line."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", warnings).replace(f"{srcdir}{os.sep}", "")
    return re.sub(r"\.ipynb:(\d{5,})", lambda m: f".ipynb, cell {int(m.group(1)) // 10000} "
                  f"(counting from 1), line {int(m.group(1)) % 10000}", text)


def fix_landing_title(outdir: Path, course: Course) -> None:
    """The landing page's tab title is the course title once: its heading is the course title,
    and Sphinx's template appends the book's title (the same text) to every page's."""
    index = outdir / "index.html"
    markup = index.read_text(encoding="utf-8")
    title = html.escape(course.title, quote=False)
    index.write_text(markup.replace(f"<title>{title} &#8212; {title}</title>", f"<title>{title}</title>", 1),
                     encoding="utf-8")


# Scripts the theme puts in every page that a page of this book does not use, removed after the
# build (:func:`lighten_pages`): Font Awesome's SVG script (1.5 MB; the theme's stylesheet draws
# the same icons from Font Awesome's web fonts) and, outside search.html, Sphinx's search scripts
# and index (loaded for the theme's search-as-you-type, which this book leaves off: the search
# box opens search.html, which loads them itself).
FONTAWESOME_JS = re.compile(r'[ \t]*<script defer src="[^"]*_static/scripts/fontawesome\.js[^"]*"></script>\n?')
SEARCH_JS = re.compile(r'[ \t]*<script src="[^"]*(?:_static/searchtools|_static/language_data|searchindex)\.js[^"]*">'
                       r'</script>\n?')


def lighten_pages(outdir: Path) -> None:
    """Remove :data:`FONTAWESOME_JS` from every page and :data:`SEARCH_JS` from every page but
    ``search.html``, so a page parses, runs and lays out less before its maths can be read."""
    for page in outdir.rglob("*.html"):
        markup = page.read_text(encoding="utf-8")
        lighter = FONTAWESOME_JS.sub("", markup)
        if page != outdir / "search.html":
            lighter = SEARCH_JS.sub("", lighter)
        if lighter != markup:
            page.write_text(lighter, encoding="utf-8")


def build(out: str | Path | None = None, book: str | Path | None = None, quiet: bool = False,
          builder: str = "html", answers: str = "collapse") -> Path:
    """Build the HTML book into ``out`` (default ``_build/html`` next to ``book.toml``).

    ``builder="singlehtml"`` with ``answers="omit"`` is the one-page edition the PDF is printed
    from (:mod:`course_utils.authoring.pdf`).

    Raises :class:`BookFileError` for a bad ``book.toml`` or a missing/unreadable notebook and
    :class:`RuntimeError` when Sphinx reports warnings (all listed in the message)."""
    from sphinx.application import Sphinx

    course = load_course(book)
    outdir = Path(out).resolve() if out is not None else course.root / DEFAULT_OUT
    warnings = io.StringIO()
    with tempfile.TemporaryDirectory(prefix="course-book-") as tmp:
        srcdir, doctrees = Path(tmp) / "src", Path(tmp) / "doctrees"
        srcdir.mkdir()
        write_source(course, srcdir, answers, inline=builder == "singlehtml")
        app = Sphinx(srcdir, None, outdir, doctrees, builder, confoverrides=sphinx_config(course),
                     status=None if quiet else sys.stdout, warning=warnings,
                     freshenv=True, warningiserror=True, keep_going=True)
        app.build(force_all=True)
    if app.statuscode or warnings.getvalue().strip():
        raise RuntimeError(f"Sphinx build of {outdir} failed:\n{readable(warnings.getvalue(), srcdir)}")
    fix_landing_title(outdir, course)
    lighten_pages(outdir)
    for ch in course.chapters if builder == "html" else []:  # the download button serves the notebook
        shutil.copyfile(course.root / ch.notebook, outdir / "_sources" / ch.notebook)
    return outdir


# The code column: characters of the book's code font that fit a chapter page's code cell in a
# 1280-pixel-wide window (measured in Chromium by tests/test_browser.py), and the longest cell
# the book shows without a reader losing its start (longer ones are split where the prose allows).
CODE_COLUMN = 84
TALL_CELL = 25


def code_lines(course: Course):
    """``(chapter, cell index, cell)`` for every code cell of every notebook of ``course``.
    Raises BookFileError, while iterating, for a notebook that is missing or unreadable."""
    for ch in course.chapters:
        nb = read_notebook(course.root / ch.notebook)
        for index, cell in enumerate(nb.cells):
            if cell.cell_type == "code":
                yield ch, index, cell


def too_wide(course: Course, limit: int = CODE_COLUMN) -> list[str]:
    """``notebook, cell N, line M: K characters`` for each code line longer than ``limit``.
    Raises BookFileError for a notebook that is missing or unreadable."""
    return [f"{ch.notebook}, cell {index + 1}, line {n}: {len(line)} characters"
            for ch, index, cell in code_lines(course)
            for n, line in enumerate(cell.source.splitlines(), 1) if len(line) > limit]


def too_tall(course: Course, limit: int = TALL_CELL) -> list[str]:
    """``notebook, cell N: K lines`` for each code cell of ``course`` whose source has more than ``limit``
    lines (empty when every cell fits). Raises BookFileError for a notebook that is missing or unreadable."""
    return [f"{ch.notebook}, cell {index + 1}: {len(cell.source.splitlines())} lines"
            for ch, index, cell in code_lines(course) if len(cell.source.splitlines()) > limit]


def format_notebooks(course: Course, write: bool, limit: int = CODE_COLUMN) -> int:
    """Run ``ruff format --line-length limit`` on every notebook of the book (``--check`` unless
    ``write``); then list the lines still too wide (comments and strings, which a formatter
    does not break) and the cells over :data:`TALL_CELL` lines. Returns ruff's exit status, or 1
    when lines are still too wide. Raises RuntimeError when ruff is not installed, BookFileError for
    a notebook that is missing or unreadable."""
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        raise RuntimeError("ruff is not installed: python -m course_utils setup --dev (or pip install ruff)")
    paths = [str(course.root / ch.notebook) for ch in course.chapters]
    done = subprocess.run([ruff, "format", "--no-cache", "--line-length", str(limit),
                           *([] if write else ["--check"]), *paths])
    wide, tall = too_wide(course, limit), too_tall(course)
    if write:
        print("\n".join(["Lines still too wide (break these comments/strings by hand):", *wide])
              if wide else f"Every code line fits {limit} characters.")
    if tall:
        print("\n".join([f"Cells over {TALL_CELL} lines (split where the prose allows):", *tall]))
    return done.returncode or (1 if wide else 0)


def main(argv: list[str] | None = None) -> int:
    """Command line: ``build`` the HTML book, ``bench-maths`` (:func:`course_utils.authoring.book_bench.main`)
    or ``format`` the chapters' code cells. Returns the command's exit status: 0 when it succeeded, 1 with
    the reason on stderr when book.toml, a notebook or a tool is missing or broken (or lines are too wide).
    Raises SystemExit (status 2, with argparse's message) for bad arguments."""
    parser = argparse.ArgumentParser(prog="python -m course_utils.authoring.book", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    cmd = sub.add_parser("build", help="build the HTML book")
    cmd.add_argument("--out", type=Path, default=None, help=f"output folder (default: {DEFAULT_OUT})")
    cmd.add_argument("--book", type=Path, default=None, help="book.toml to build (default: the repository's)")
    cmd.add_argument("--quiet", action="store_true", help="print only warnings and errors")
    bench = sub.add_parser("bench-maths", help="time-to-typeset of each page's maths in headless Chromium")
    bench.add_argument("--html", type=Path, default=None, help=f"built book (default: {DEFAULT_OUT})")
    bench.add_argument("--repeat", type=int, default=3, help="loads per page; the median is printed")
    bench.add_argument("--json", action="store_true", help="print JSON instead of a table")
    fmt = sub.add_parser("format", help=f"ruff format the chapters' code cells to the code column ({CODE_COLUMN})")
    mode = fmt.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="only report (the default)")
    mode.add_argument("--write", action="store_true", help="rewrite the notebooks' code cells")
    for each in (bench, fmt):
        each.add_argument("--book", type=Path, default=None, help="book.toml (default: the repository's)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        if args.command == "bench-maths":
            from course_utils.authoring import book_bench

            html_dir = args.html or load_course(args.book).root / DEFAULT_OUT
            return book_bench.main(html_dir, args.repeat, args.json)
        if args.command == "format":
            return format_notebooks(load_course(args.book), write=args.write)
        outdir = build(args.out, args.book or find_root(), quiet=args.quiet)
    except (BookFileError, RuntimeError) as exc:
        print(f"book {args.command} failed: {exc}", file=sys.stderr)
        return 1
    print(f"book written to {outdir / 'index.html'} in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
