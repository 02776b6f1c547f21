"""The HTML book: built once per session from the repository's book.toml, then checked page by
page against the notebooks (titles, maths, figures, collapsed answers) and the landing page
against book.toml (chapter order, objectives). Bad input must fail with a message naming the file.

The build fixture ``book_html`` is shared with tests/test_browser.py (same module object).
"""
from __future__ import annotations

import html
import os
import re
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from course_utils import book
from course_utils.course import BookFileError, load_course

# COURSE_BOOK=/path/to/book.toml tests another book (e.g. a partial one while chapters are written)
COURSE = load_course(os.environ.get("COURSE_BOOK"))
CHAPTERS = COURSE.chapters
CDN_PATTERN = re.compile(r"https?://[^\"' ]*(mathjax|katex|jsdelivr|cdnjs|unpkg)", re.I)
MATH_SOURCE = re.compile(r"\$[^$\n]+\$|\\begin\{")
_BUILT: dict[str, Path] = {}
# MyST-Parser still uses a Sphinx attribute deprecated for Sphinx 11: not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:.*Check CHANGES for Sphinx API modifications")


def _build_once(tmp_path_factory) -> Path:
    if "html" not in _BUILT:
        _BUILT["html"] = book.build(tmp_path_factory.mktemp("book") / "html", COURSE.root, quiet=True)
    return _BUILT["html"]


@pytest.fixture(scope="session")
def book_html(tmp_path_factory) -> Path:
    """The book built from the repository's book.toml into a temporary folder."""
    return _build_once(tmp_path_factory)


def page_path(root: Path, chapter) -> Path:
    return root / Path(chapter.notebook).with_suffix(".html")


def visible_text(markup: str) -> str:
    """Tags stripped, entities decoded, Sphinx's smart quotes undone, whitespace collapsed."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", markup))
    text = text.translate(str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'}))
    return " ".join(text.split())


def article(markup: str) -> str:
    start, end = markup.index("<article"), markup.index("</article>")
    return markup[start:end]


def notebook_has(chapter, what: str) -> bool:
    nb = nbformat.read(COURSE.root / chapter.notebook, as_version=4)
    if what == "math":
        return any(MATH_SOURCE.search(c.source) for c in nb.cells if c.cell_type == "markdown")
    if what == "figure":
        return any("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code"
                   for o in c.outputs)
    return any(what in c.metadata.get("tags", []) for c in nb.cells)


# --- the built book ------------------------------------------------------------------------------

@pytest.mark.parametrize("chapter", CHAPTERS, ids=[ch.id for ch in CHAPTERS])
def test_chapter_page_shows_title_maths_and_figures(book_html, chapter):
    page = page_path(book_html, chapter)
    assert page.is_file(), f"{chapter.notebook} produced no page {page.name}"
    body = article(page.read_text(encoding="utf-8"))
    h1 = re.search(r"<h1>(.*?)<a class=\"headerlink\"", body, re.S)
    assert h1 and chapter.title in visible_text(h1.group(1)), f"{page.name}: first heading is not {chapter.title!r}"
    if notebook_has(chapter, "math"):
        assert 'class="math notranslate' in body and ("\\(" in body or "\\[" in body), \
            f"{page.name}: the notebook has maths but the page has no MathJax markup"
    if notebook_has(chapter, "figure"):
        images = re.findall(r'<img[^>]+src="([^"]+)"', body)
        assert images, f"{page.name}: the notebook has figures but the page has no <img>"
        for src in images:
            assert (page.parent / src).resolve().is_file(), f"{page.name}: image {src} missing"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[ch.id for ch in CHAPTERS])
def test_answers_are_collapsed_and_widgets_leave_no_view(book_html, chapter):
    body = article(page_path(book_html, chapter).read_text(encoding="utf-8"))
    if notebook_has(chapter, book.TAG_SOLUTION):
        assert "Show solution" in body and '<details class="admonition hide above-input">' in body
    if notebook_has(chapter, book.TAG_MODEL_ANSWER):
        assert '<div class="dropdown admonition">' in body and "Model answer" in body
    if notebook_has(chapter, book.TAG_WIDGET):
        assert "Interactive widget" in body
    assert "widget-view+json" not in body and "widget-state+json" not in body


def test_landing_page_lists_chapters_in_book_order_with_objectives(book_html):
    text = visible_text(article((book_html / "index.html").read_text(encoding="utf-8")))
    assert COURSE.title in text
    position = 0
    for ch in CHAPTERS:
        found = text.find(ch.title, position)
        assert found >= 0, f"landing page: {ch.title!r} missing or out of book.toml order"
        for objective in ch.objectives:
            assert objective in text[found:], f"landing page: objective of {ch.id} missing: {objective!r}"
        position = found + len(ch.title)
    for part in dict.fromkeys(ch.part for ch in CHAPTERS if ch.part):
        assert part in text


def test_navigation_follows_book_order(book_html):
    markup = (book_html / "index.html").read_text(encoding="utf-8")
    nav = markup[markup.index("bd-docs-nav"):]
    links = [m for m in re.findall(r'href="(notebooks/[^"#]+\.html)"', nav)]
    expected = [Path(ch.notebook).with_suffix(".html").as_posix() for ch in CHAPTERS]
    assert list(dict.fromkeys(links)) == expected


def test_mathjax_is_served_from_the_book_and_no_page_uses_a_cdn(book_html):
    assert (book_html / "_static" / "mathjax" / "MathJax.js").is_file()
    assert (book_html / "_static" / "mathjax" / "config" / "TeX-AMS-MML_HTMLorMML-full.js").is_file()
    pages = sorted(book_html.rglob("*.html"))
    for page in pages:
        hits = CDN_PATTERN.findall(page.read_text(encoding="utf-8"))
        assert not hits, f"{page.relative_to(book_html)} loads from a CDN: {hits}"
    with_math = [p for p in pages if "MathJax.js" in p.read_text(encoding="utf-8")]
    assert with_math, "no page loads MathJax at all"


def test_chapter_pages_offer_download_and_launch_buttons(book_html):
    chapter = next(ch for ch in CHAPTERS if ch.kind == "chapter")
    markup = page_path(book_html, chapter).read_text(encoding="utf-8")
    repo = COURSE.repository.removeprefix("https://github.com/")
    assert f"https://mybinder.org/v2/gh/{repo}/{COURSE.branch}?urlpath=lab/tree/{chapter.notebook}" in markup
    assert f"https://colab.research.google.com/github/{repo}/blob/{COURSE.branch}/{chapter.notebook}" in markup
    assert f"_sources/{chapter.notebook}" in markup  # the download button offers the .ipynb ...
    downloaded = (book_html / "_sources" / chapter.notebook).read_bytes()
    assert downloaded == (COURSE.root / chapter.notebook).read_bytes()  # ... as written, not the book's copy
    assert (book_html / "search.html").is_file() and (book_html / "searchindex.js").is_file()


# --- preparing notebooks (no Sphinx) -------------------------------------------------------------

def _tagged(cell, *tags):
    cell.metadata["tags"] = list(tags)
    return cell


def _widget_output():
    return new_output("display_data", data={book.WIDGET_VIEW: {"model_id": "abc", "version_major": 2,
                                                               "version_minor": 0},
                                            "text/plain": "interactive(children=(FloatSlider(...),))"})


def test_prepare_notebook_collapses_answers_and_drops_widget_views():
    solution = _tagged(new_code_cell("def f(x):\n    return x"), "solution")
    answer = _tagged(new_markdown_cell("**Model answer.** Because\n\n```python\nx = 1\n```"), "model-answer")
    widget = _tagged(new_code_cell("interact(f)", outputs=[_widget_output()]), "widget")
    progress = new_code_cell("train()", outputs=[_widget_output(), new_output("stream", text="done\n")])
    teacher = _tagged(new_code_cell("print('note')"), "instructor")
    nb = new_notebook(cells=[solution, answer, widget, progress, teacher])
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    original = nbformat.writes(nb)

    out = book.prepare_notebook(nb)

    assert nbformat.writes(nb) == original, "prepare_notebook modified its input"
    assert "widgets" not in out.metadata
    assert {"solution", "hide-input"} <= set(out.cells[0].metadata["tags"])
    assert out.cells[0].metadata["mystnb"]["code_prompt_show"] == "Show solution"
    md = out.cells[1].source
    assert md.startswith("````{admonition} Model answer\n:class: dropdown\n") and md.rstrip().endswith("````")
    assert "**Model answer.**" not in md and "```python\nx = 1\n```" in md
    assert [o.data for o in out.cells[2].outputs] == [{"text/markdown": book.WIDGET_NOTE}]
    assert [o.output_type for o in out.cells[3].outputs] == ["stream"]
    assert out.cells[4] == teacher


def test_landing_page_groups_chapters_by_part_in_hidden_toctrees():
    docnames = {ch.notebook: Path(ch.notebook).with_suffix("").as_posix() for ch in CHAPTERS}
    text = book.landing_page(COURSE, docnames)
    parts = list(dict.fromkeys(ch.part for ch in CHAPTERS))
    captions = re.findall(r":caption: (.+)", text)
    assert captions == parts
    assert text.count(":hidden:") == len(parts)
    toctree_entries = re.findall(r"^(notebooks/\S+)$", text, re.M)
    assert toctree_entries == [docnames[ch.notebook] for ch in CHAPTERS]


def test_sphinx_config_is_offline_and_strict():
    config = book.sphinx_config(COURSE)
    assert config["nb_execution_mode"] == "off"
    assert not config["mathjax_path"].startswith(("http:", "https:", "//"))
    assert {"amsmath", "dollarmath"} <= set(config["myst_enable_extensions"])
    assert config["html_theme_options"]["repository_url"] == COURSE.repository
    assert config["html_theme_options"]["repository_branch"] == COURSE.branch
    assert config["nb_ipywidgets_js"] == {}


# --- bad input -----------------------------------------------------------------------------------

BOOK_TOML = """
title = "T"
authors = ["A"]
description = "D"
repository = "https://github.com/o/r"
[[chapters]]
notebook = "notebooks/{name}.ipynb"
title = "One"
minutes = 5
objectives = ["first", "second"]
"""


def test_build_fails_naming_a_listed_notebook_that_is_missing(tmp_path, capsys):
    (tmp_path / "book.toml").write_text(BOOK_TOML.format(name="01_missing"), encoding="utf-8")
    with pytest.raises(BookFileError, match=r"notebooks/01_missing\.ipynb.*missing"):
        book.build(tmp_path / "html", tmp_path / "book.toml")
    assert book.main(["build", "--book", str(tmp_path / "book.toml"), "--out", str(tmp_path / "html")]) == 1
    assert "notebooks/01_missing.ipynb" in capsys.readouterr().err


def test_build_fails_naming_an_unreadable_notebook(tmp_path):
    (tmp_path / "book.toml").write_text(BOOK_TOML.format(name="01_broken"), encoding="utf-8")
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "01_broken.ipynb").write_text("{ not json", encoding="utf-8")
    with pytest.raises(BookFileError, match=r"01_broken\.ipynb: not a readable notebook"):
        book.build(tmp_path / "html", tmp_path / "book.toml")


def test_a_sphinx_warning_fails_the_build_naming_notebook_and_cell(tmp_path):
    (tmp_path / "book.toml").write_text(BOOK_TOML.format(name="01_bad_ref"), encoding="utf-8")
    (tmp_path / "notebooks").mkdir()
    cells = [new_markdown_cell("# One"), new_markdown_cell("See equation {eq}`eq-nowhere`.")]
    nbformat.write(new_notebook(cells=cells), tmp_path / "notebooks" / "01_bad_ref.ipynb")
    with pytest.raises(RuntimeError) as failure:
        book.build(tmp_path / "html", tmp_path / "book.toml", quiet=True)
    message = str(failure.value)
    assert "notebooks/01_bad_ref.ipynb, cell 2 (counting from 1)" in message
    assert "eq-nowhere" in message and "\x1b[" not in message


def test_horizontal_rules_in_markdown_outputs_become_html_outside_code():
    text = "a\n\n---\nb\n\n```\n\n---\n```\nHeading\n---\n\n***"
    assert book.rules_to_html(text) == "a\n\n<hr>\n\nb\n\n```\n\n---\n```\nHeading\n---\n\n<hr>\n"


def test_build_fails_naming_a_malformed_book_toml(tmp_path):
    (tmp_path / "book.toml").write_text('title = "unterminated\n', encoding="utf-8")
    with pytest.raises(BookFileError, match=r"book\.toml: not valid TOML"):
        book.build(tmp_path / "html", tmp_path / "book.toml")
