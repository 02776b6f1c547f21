"""Build the course book: static HTML from the notebooks listed in ``book.toml``.

Command line::

    python -m course_utils.book build [--out _build/html] [--book book.toml]

The chapter list, order, parts, titles and objectives come from ``book.toml`` (through
:func:`course_utils.course.load_course`); nothing here repeats them. The build

1. copies the listed notebooks into a temporary Sphinx source folder, adapting the copies for a
   static page (see :func:`prepare_notebook`): solutions and model answers collapsed, widget
   views dropped (each widget cell stores a static fallback figure next to it);
2. writes a landing page ``index.md`` (title, description, every chapter with its objectives)
   and one hidden toctree per ``part``, in book order;
3. runs Sphinx (MyST-NB, sphinx-book-theme, sphinx-togglebutton) through its Python API with the
   configuration from :func:`sphinx_config`, stored outputs only, warnings as errors;
4. copies MathJax 2.7 from the ``jupyter-server-mathjax`` package into ``_static/mathjax`` so
   the maths renders without internet access.
"""
from __future__ import annotations

import argparse
import copy
import io
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from .course import BookFileError, Course, find_root, load_course, objectives_markdown

DEFAULT_OUT = Path("_build") / "html"
STATIC = Path(__file__).resolve().parent / "book_static"  # book.css

# Cell tags the book reacts to (see the team contract's notebook conventions).
TAG_SOLUTION = "solution"          # exercise answer (code): collapsed behind "Show solution"
TAG_MODEL_ANSWER = "model-answer"  # exercise answer (markdown): collapsed dropdown admonition
TAG_WIDGET = "widget"              # interactive cell: widget view dropped, fallback figure kept
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_NOTE = ("*Interactive widget: open this notebook in JupyterLab (or use the launch "
               "button above) to move the sliders.*")
MODEL_ANSWER_PREFIX = re.compile(r"^\s*\*\*Model answer\.?\*\*\s*")

# MathJax 2.7 as shipped by jupyter-server-mathjax (fonts: STIX-Web only, so say so).
MATHJAX_FOLDER = "mathjax"
MATHJAX_PATH = f"{MATHJAX_FOLDER}/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full"
# Web fonts MathJax declares but this copy does not ship (TeX otf fonts) or that Chrome refuses
# with a console error (its zero-width probe font at url('about:blank')) get a local() source,
# which fails silently: MathJax then measures against the default font, as on Safari.
_NO_FONT = "local('MathJax_Blank')"
MATHJAX2_CONFIG = {
    # MyST's dollarmath already turned $...$ / $$...$$ into \(...\) / \[...\] inside
    # class="math" elements: MathJax needs only those delimiters, never "$".
    "tex2jax": {"inlineMath": [["\\(", "\\)"]], "displayMath": [["\\[", "\\]"]]},
    "HTML-CSS": {"availableFonts": [], "webFont": "STIX-Web", "imageFont": None,
                 "styles": {"@font-face": {"font-family": "MathJax_Blank", "src": _NO_FONT}}},
    # Fonts for the hidden MathML copy read by screen readers; their files are not shipped.
    "NativeMML": {"styles": {f"@font-face /*{i}*/": {"src": _NO_FONT} for i in range(1, 7)}},
    "messageStyle": "none",
}

# Warning categories silenced (Sphinx's suppress_warnings); every other warning fails the build.
# None is needed: the notebook outputs that would warn (ipywidgets views, an unknown mime type
# to MyST-NB) are removed by prepare_notebook, and anything else deserves a look.
SUPPRESS_WARNINGS: list[str] = []


def _tags(cell) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def _fence_for(text: str) -> str:
    """A backtick fence longer than any backtick run inside ``text`` (so nesting is safe)."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


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


def prepare_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The book's copy of a chapter notebook (the original is not modified).

    - code cells tagged ``solution`` get MyST-NB's ``hide-input`` tag ("Show solution" toggle);
    - markdown cells tagged ``model-answer`` become a collapsed ``{admonition}`` dropdown;
    - outputs holding an ipywidgets view are dropped (a static page has no kernel to drive
      them), replaced by a one-line note in cells tagged ``widget`` (progress bars just go);
      the notebook's widget state is dropped too, so MyST-NB adds no widget JavaScript (which
      it would fetch from a CDN);
    - thematic breaks in Markdown outputs become ``<hr>`` (:func:`rules_to_html`);
    - cells tagged ``instructor`` are kept as they are;
    - the ``show_objectives(...)`` call shows its output (the objectives) without its code.
    """
    nb = copy.deepcopy(nb)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        tags = _tags(cell)
        if cell.cell_type == "code" and "show_objectives(" in cell.source:
            cell.metadata["tags"] = sorted(tags | {"remove-input"})  # readers see the list only
        if cell.cell_type == "code" and TAG_SOLUTION in tags:
            cell.metadata["tags"] = sorted(tags | {"hide-input"})
            cell.metadata.setdefault("mystnb", {}).update(
                code_prompt_show="Show solution", code_prompt_hide="Hide solution")
        elif cell.cell_type == "markdown" and TAG_MODEL_ANSWER in tags:
            body = MODEL_ANSWER_PREFIX.sub("", cell.source, count=1)
            fence = _fence_for(body)
            cell.source = f"{fence}{{admonition}} Model answer\n:class: dropdown\n\n{body}\n{fence}\n"
        if cell.cell_type == "code":
            outputs = [o for o in cell.get("outputs", []) if WIDGET_VIEW not in o.get("data", {})]
            if len(outputs) < len(cell.outputs) and TAG_WIDGET in tags:
                outputs.insert(0, nbformat.v4.new_output("display_data", data={"text/markdown": WIDGET_NOTE}))
            for output in outputs:
                if "text/markdown" in output.get("data", {}):
                    output.data["text/markdown"] = rules_to_html(output.data["text/markdown"])
            cell.outputs = outputs
    return nb


def landing_page(course: Course, docnames: dict[str, str]) -> str:
    """``index.md``: title, description, each part's chapters with their objectives, and the
    (hidden) toctrees that make the sidebar, one per part, in ``book.toml`` order."""
    lines = [f"# {course.title}", ""]
    if course.subtitle:
        lines += [f"*{course.subtitle}*", ""]
    lines += [course.description, "", f"By {', '.join(course.authors)}.", ""]
    parts: dict[str, list] = {}
    for ch in course.chapters:
        parts.setdefault(ch.part, []).append(ch)
    for part, chapters in parts.items():
        if part:
            lines += [f"## {part}", ""]
        level = "###" if part else "##"
        for ch in chapters:
            label = f"{ch.number}. " if ch.number is not None else ""
            lines += [f"{level} [{label}{ch.title}]({docnames[ch.notebook]}.ipynb)", "",
                      objectives_markdown(ch.id, course), ""]
    for part, chapters in parts.items():
        lines += ["```{toctree}", ":hidden:", ":maxdepth: 1"]
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
        "extensions": ["myst_nb", "sphinx_togglebutton"],
        "exclude_patterns": ["**.ipynb_checkpoints"],
        "suppress_warnings": SUPPRESS_WARNINGS,
        # notebooks: stored outputs only (widget views were removed by prepare_notebook)
        "nb_execution_mode": "off",
        "nb_ipywidgets_js": {},
        "nb_render_markdown_format": "myst",  # so $...$ in Markdown outputs is maths too
        # maths: $...$, $$...$$ (labels, {eq} references), amsmath environments; local MathJax 2
        "myst_enable_extensions": ["amsmath", "dollarmath", "colon_fence"],
        "myst_dmath_double_inline": True,  # $$...$$ inside a paragraph, as Jupyter renders it
        "myst_heading_anchors": 3,
        "myst_update_mathjax": False,  # its option targets MathJax 3/4; ours is configured below
        "math_numfig": True,
        "mathjax_path": MATHJAX_PATH,
        "mathjax2_config": MATHJAX2_CONFIG,
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
            "launch_buttons": {
                "binderhub_url": "https://mybinder.org",  # Binder builds environment.yml
                "colab_url": "https://colab.research.google.com",
                "notebook_interface": "jupyterlab",
            },
        },
    }


def read_notebook(path: Path) -> nbformat.NotebookNode:
    try:
        return nbformat.read(path, as_version=4)
    except Exception as exc:  # nbformat raises several types for broken JSON / schema
        raise BookFileError(f"{path}: not a readable notebook: {exc}") from None


def write_source(course: Course, srcdir: Path) -> dict[str, str]:
    """Fill ``srcdir`` with the prepared notebooks and ``index.md``; return notebook -> docname."""
    missing = [ch for ch in course.chapters if not (course.root / ch.notebook).is_file()]
    if missing:
        raise BookFileError("\n".join(
            f"book.toml lists {ch.notebook} (chapter {ch.title!r}) but the file "
            f"{course.root / ch.notebook} is missing" for ch in missing))
    docnames = {}
    for ch in course.chapters:
        nb = prepare_notebook(read_notebook(course.root / ch.notebook))
        target = srcdir / ch.notebook
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target)
        docnames[ch.notebook] = Path(ch.notebook).with_suffix("").as_posix()
    (srcdir / "index.md").write_text(landing_page(course, docnames), encoding="utf-8")
    return docnames


def readable(warnings: str, srcdir: Path) -> str:
    """Sphinx warnings without colour codes, with paths relative to the repository and MyST-NB's
    line numbers (``(cell + 1) * 10000 + line``) spelled out as cell and line."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", warnings).replace(f"{srcdir}{os.sep}", "")
    return re.sub(r"\.ipynb:(\d{5,})", lambda m: f".ipynb, cell {int(m.group(1)) // 10000} "
                  f"(counting from 1), line {int(m.group(1)) % 10000}", text)


def copy_mathjax(outdir: Path) -> None:
    """Copy the MathJax 2.7 tree of ``jupyter-server-mathjax`` into ``outdir/_static``."""
    import jupyter_server_mathjax

    source = Path(jupyter_server_mathjax.__file__).parent / "static"
    if not (source / "MathJax.js").is_file():
        raise FileNotFoundError(f"{source / 'MathJax.js'} not found: reinstall jupyter-server-mathjax")
    shutil.copytree(source, outdir / "_static" / MATHJAX_FOLDER, dirs_exist_ok=True)


def build(out: str | Path | None = None, book: str | Path | None = None, quiet: bool = False) -> Path:
    """Build the HTML book into ``out`` (default ``_build/html`` next to ``book.toml``).

    Raises :class:`BookFileError` for a bad ``book.toml`` or a missing/unreadable notebook and
    :class:`RuntimeError` when Sphinx reports warnings (all listed in the message)."""
    from sphinx.application import Sphinx

    course = load_course(book)
    outdir = Path(out).resolve() if out is not None else course.root / DEFAULT_OUT
    warnings = io.StringIO()
    with tempfile.TemporaryDirectory(prefix="course-book-") as tmp:
        srcdir, doctrees = Path(tmp) / "src", Path(tmp) / "doctrees"
        srcdir.mkdir()
        write_source(course, srcdir)
        app = Sphinx(srcdir, None, outdir, doctrees, "html", confoverrides=sphinx_config(course),
                     status=None if quiet else sys.stdout, warning=warnings,
                     freshenv=True, warningiserror=True, keep_going=True)
        app.build(force_all=True)
    if app.statuscode or warnings.getvalue().strip():
        raise RuntimeError(f"Sphinx build of {outdir} failed:\n{readable(warnings.getvalue(), srcdir)}")
    copy_mathjax(outdir)
    for ch in course.chapters:  # the download button serves the notebook as written, not the book's copy
        shutil.copyfile(course.root / ch.notebook, outdir / "_sources" / ch.notebook)
    return outdir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course_utils.book", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    cmd = sub.add_parser("build", help="build the HTML book")
    cmd.add_argument("--out", type=Path, default=None, help=f"output folder (default: {DEFAULT_OUT})")
    cmd.add_argument("--book", type=Path, default=None, help="book.toml to build (default: the repository's)")
    cmd.add_argument("--quiet", action="store_true", help="print only warnings and errors")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        outdir = build(args.out, args.book or find_root(), quiet=args.quiet)
    except (BookFileError, RuntimeError) as exc:
        print(f"book build failed: {exc}", file=sys.stderr)
        return 1
    print(f"book written to {outdir / 'index.html'} in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
