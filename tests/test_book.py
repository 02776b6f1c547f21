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

from course_utils.authoring import book, course
from course_utils.authoring.course import BookFileError, load_course

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
        assert 'class="math notranslate' in body and '<span class="katex">' in body, \
            f"{page.name}: the notebook has maths but the page has no KaTeX markup"
        assert "\\(" not in body and "katex-error" not in body, f"{page.name}: maths left untypeset"
    if notebook_has(chapter, "figure"):
        images = re.findall(r'<img[^>]+src="([^"]+)"', body)
        assert images, f"{page.name}: the notebook has figures but the page has no <img>"
        for src in images:
            assert (page.parent / src).resolve().is_file(), f"{page.name}: image {src} missing"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[ch.id for ch in CHAPTERS])
def test_answers_are_collapsed_and_widgets_leave_no_view(book_html, chapter):
    body = article(page_path(book_html, chapter).read_text(encoding="utf-8"))
    if notebook_has(chapter, course.SOLUTION):
        assert "Show solution" in body and '<details class="admonition hide above-input">' in body
    if notebook_has(chapter, course.MODEL_ANSWER):
        assert '<div class="cell docutils container tag_model-answer">\n<details class="admonition hide' in body
        assert "Show model answer" in body
    if notebook_has(chapter, course.WIDGET):  # the widget's figure, in the widget cell's place
        cells = re.findall(r'<div class="cell [^"]*tag_widget[^"]*">.*?(?=<div class="cell |<section|</section)',
                           body, re.S)
        assert cells, f"{chapter.notebook}: no widget cell on the page"
        for cell in cells:
            assert "<img" in cell and "as it first draws" in cell, f"{chapter.notebook}: widget cell without its figure"
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


def test_maths_is_typeset_at_build_time_with_katex_served_from_the_book(book_html):
    katex = book_html / "_static" / "katex"
    assert (katex / "katex.min.css").is_file() and list((katex / "fonts").glob("KaTeX_Main-Regular.woff2"))
    pages = sorted(book_html.rglob("*.html"))
    for page in pages:
        markup = page.read_text(encoding="utf-8")
        hits = CDN_PATTERN.findall(markup)
        assert not hits, f"{page.relative_to(book_html)} loads from a CDN: {hits}"
        scripts = re.findall(r'<script[^>]+src="([^"]*(?:mathjax|katex)[^"]*)"', markup, re.I)
        assert not scripts, f"{page.name}: a maths script is loaded: {scripts}"
    with_math = [p for p in pages if '<span class="katex">' in p.read_text(encoding="utf-8")]
    assert with_math and all("_static/katex/katex.min.css" in p.read_text(encoding="utf-8") for p in with_math)


def test_landing_page_tab_title_is_not_doubled_and_has_one_search_box(book_html):
    markup = (book_html / "index.html").read_text(encoding="utf-8")
    assert re.search(r"<title>(.*?)</title>", markup).group(1) == html.escape(COURSE.title, quote=False)
    assert markup.count("search-button-field") == 1  # the sidebar's (the theme also put one in the header)


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
    assert md.startswith(book.MODEL_ANSWER_OPEN) and md.endswith(book.MODEL_ANSWER_CLOSE)
    assert "**Model answer.**" not in md and "\nBecause\n\n```python\nx = 1\n```\n\n</details>" in md
    assert [o.data for o in out.cells[2].outputs] == [{"text/markdown": book.WIDGET_NOTE}]  # no state: a note
    assert [o.output_type for o in out.cells[3].outputs] == ["stream"]
    assert out.cells[4] == teacher
    omitted = book.prepare_notebook(nb, answers="omit")
    assert [c.source for c in omitted.cells] == [c.source for c in (widget, progress, teacher)]
    with pytest.raises(ValueError, match="answers must be one of"):
        book.prepare_notebook(nb, answers="appendix")


def test_a_widget_is_replaced_in_place_by_the_figure_its_state_stored():
    figure = {"output_type": "display_data", "data": {"image/png": "iVBOR", "text/plain": "<Figure>"},
              "metadata": {"image/png": {"width": 600, "height": 350}}}
    state = {"box": {"model_name": "VBoxModel", "state": {"children": ["IPY_MODEL_slider", "IPY_MODEL_out"]}},
             "slider": {"model_name": "FloatSliderModel", "state": {"value": 0.9}},
             "out": {"model_name": "OutputModel", "state": {"outputs": [figure]}}}
    view = new_output("execute_result", data={book.WIDGET_VIEW: {"model_id": "box"}, "text/plain": "VBox()"},
                      execution_count=1)
    nb = new_notebook(cells=[new_markdown_cell("before"), _tagged(new_code_cell("explorer", outputs=[view]), "widget"),
                             new_markdown_cell("after")])
    nb.metadata["widgets"] = {book.WIDGET_STATE: {"state": state, "version_major": 2, "version_minor": 0}}
    out = book.prepare_notebook(nb)
    outputs = out.cells[1].outputs
    assert outputs[0].data["image/png"] == "iVBOR" and outputs[0].metadata["image/png"]["width"] == 600
    assert outputs[1].data == {"text/markdown": book.WIDGET_CAPTION}
    assert [c.source for c in out.cells] == ["before", "explorer", "after"] and "widgets" not in out.metadata
    assert book.widget_outputs(state, "missing") == [] and book.widget_outputs(state, "slider") == []


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
    assert config["html_math_renderer"] == "katex_prerender" and "course_utils.authoring.book_katex" in config["extensions"]
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


# --- maths, code, figures (issue 19) ------------------------------------------------------------

def test_katex_renders_inline_and_display_maths_and_reports_what_it_cannot_parse():
    from course_utils.authoring import webassets

    inline, display, broken = webassets.render_katex([("h_t = \\tanh(W_h h_{t-1})", False),
                                                      ("\\begin{aligned} a &= b \\\\ c &= d \\end{aligned}", True),
                                                      ("\\frac{1}{", False)])
    assert inline["html"].startswith('<span class="katex">') and "katex-display" not in inline["html"]
    assert 'class="katex-display"' in display["html"] and "<math" in display["html"]  # MathML for screen readers
    assert "error" in broken and "parse error" in broken["error"]
    with pytest.raises(TypeError, match="items must be a list of"):
        webassets.render_katex(["x"])


def test_display_maths_is_wrapped_as_sphinx_wraps_it():
    from docutils import nodes

    from course_utils.authoring.book_katex import display_tex

    assert display_tex(nodes.math_block("a = b", "a = b", nowrap=False)) == "a = b"
    assert display_tex(nodes.math_block("", "a \\\\ b", nowrap=False)) == "\\begin{split}a \\\\ b\\end{split}"
    assert display_tex(nodes.math_block("", "a\n\nb", nowrap=False)) == "\\begin{aligned}a\\\\b\\end{aligned}"
    assert display_tex(nodes.math_block("", "\\begin{align}x\\end{align}", nowrap=True)) == "\\begin{align}x\\end{align}"


def test_page_fonts_are_the_katex_fonts_the_markup_selects():
    from course_utils.authoring.book_katex import font_rules, page_fonts

    css = (".katex{font:normal 1.21em KaTeX_Main,serif}.katex .mathnormal{font-family:KaTeX_Math;font-style:italic}"
           ".katex .mathbf{font-family:KaTeX_Main;font-weight:700}"
           ".katex .delimsizing.size2{font-family:KaTeX_Size2}.katex .amsrm,.katex .mathbb{font-family:KaTeX_AMS}")
    rules = font_rules(css)
    assert ([frozenset({"mathnormal"})], "KaTeX_Math-Italic.woff2") in rules
    assert ([frozenset({"delimsizing", "size2"})], "KaTeX_Size2-Regular.woff2") in rules
    body = ('<span class="katex"><span class="mord mathnormal">h</span><span class="mord mathbb">R</span>'
            '<span class="sizing size2">x</span><span class="delimsizing">(</span></span>')
    # size2 and delimsizing are on different elements: no KaTeX_Size2; no mathbf: no bold
    assert page_fonts(body, rules) == ["KaTeX_AMS-Regular.woff2", "KaTeX_Main-Regular.woff2", "KaTeX_Math-Italic.woff2"]
    assert page_fonts('<span class="delimsizing size2">(</span><span class="katex">', rules) == [
        "KaTeX_Main-Regular.woff2", "KaTeX_Size2-Regular.woff2"]
    assert page_fonts("<p>no maths</p>", rules) == []


def test_pages_preload_their_katex_fonts_and_load_no_unused_script(book_html):
    fonts = book_html / "_static" / "katex" / "fonts"
    for page in sorted(book_html.rglob("*.html")):
        markup = page.read_text(encoding="utf-8")
        name = page.relative_to(book_html)
        preloads = re.findall(r'<link rel="preload" href="([^"]+)" as="font" type="font/woff2" crossorigin', markup)
        if '<span class="katex">' in markup:
            assert any(p.endswith("KaTeX_Main-Regular.woff2") for p in preloads), f"{name}: main font not preloaded"
            assert markup.index(preloads[0]) < markup.index("katex.min.css"), f"{name}: preload after the stylesheet"
        for href in preloads:
            assert (page.parent / href).resolve().parent == fonts.resolve() and (page.parent / href).is_file(), href
        assert "fontawesome.js" not in markup, f"{name}: loads Font Awesome's script (the CSS draws the icons)"
        if name != Path("search.html"):
            assert "searchindex.js" not in markup and "searchtools.js" not in markup, f"{name}: loads the search index"
    assert "searchindex.js" in (book_html / "search.html").read_text(encoding="utf-8")


def test_a_formula_katex_cannot_parse_fails_the_build_naming_the_notebook(tmp_path):
    (tmp_path / "book.toml").write_text(BOOK_TOML.format(name="01_bad_tex"), encoding="utf-8")
    (tmp_path / "notebooks").mkdir()
    cells = [new_markdown_cell("# One"), new_markdown_cell("Broken: $\\frac{1}{$ here.")]
    nbformat.write(new_notebook(cells=cells), tmp_path / "notebooks" / "01_bad_tex.ipynb")
    with pytest.raises(RuntimeError, match=r"(?s)01_bad_tex\.ipynb.*KaTeX cannot typeset"):
        book.build(tmp_path / "html", tmp_path / "book.toml", quiet=True)


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[ch.id for ch in CHAPTERS])
def test_code_cells_fit_the_code_column(chapter):
    """Fails until `python -m course_utils.authoring.book format --write` has run (and the long strings
    and comments it lists are broken by hand)."""
    one = type(COURSE)(**{**COURSE.__dict__, "chapters": [chapter]})
    wide = book.too_wide(one)
    assert not wide, (f"{len(wide)} code lines wider than the book's code column ({book.CODE_COLUMN}); "
                      f"run python -m course_utils.authoring.book format --write:\n" + "\n".join(wide[:20]))


def test_too_wide_and_too_tall_name_notebook_cell_and_line(tmp_path):
    (tmp_path / "book.toml").write_text(BOOK_TOML.format(name="01_code"), encoding="utf-8")
    (tmp_path / "notebooks").mkdir()
    tall = "\n".join(f"x{i} = {i}" for i in range(book.TALL_CELL + 1))
    cells = [new_markdown_cell("# One"), new_code_cell("ok = 1\n" + "y" * (book.CODE_COLUMN + 1)), new_code_cell(tall)]
    nbformat.write(new_notebook(cells=cells), tmp_path / "notebooks" / "01_code.ipynb")
    course = load_course(tmp_path / "book.toml")
    assert book.too_wide(course) == [f"notebooks/01_code.ipynb, cell 2, line 2: {book.CODE_COLUMN + 1} characters"]
    assert book.too_tall(course) == [f"notebooks/01_code.ipynb, cell 3: {book.TALL_CELL + 1} lines"]


# Each chapter notebook (stored with its outputs) stays under this size: figures are PNGs at
# twice their display size, and a chapter holds at most a dozen of them.
NOTEBOOK_BUDGET_BYTES = 1_500_000


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[ch.id for ch in CHAPTERS])
def test_notebook_is_within_its_size_budget(chapter):
    size = (COURSE.root / chapter.notebook).stat().st_size
    assert size <= NOTEBOOK_BUDGET_BYTES, f"{chapter.notebook}: {size:,} bytes > budget {NOTEBOOK_BUDGET_BYTES:,}"


def _png_width(b64: str) -> int:
    import base64
    import struct

    head = base64.b64decode(b64[:64])
    assert head[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">I", head[16:20])[0]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[ch.id for ch in CHAPTERS])
def test_figures_are_stored_at_twice_their_display_width(chapter):
    """Crisp at the column width: every PNG output carries its display width (the inline
    backend's "retina" format, set by plots.setup()) and has twice as many pixels. Fails for a
    chapter executed before plots.setup() switched to it, until it is re-executed."""
    from course_utils.figures import plots

    nb = nbformat.read(COURSE.root / chapter.notebook, as_version=4)
    blurry = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if "image/png" in output.get("data", {}):
                shown = output.get("metadata", {}).get("image/png", {}).get("width")
                pixels = _png_width(output.data["image/png"])
                if not shown or pixels < plots.PIXEL_DENSITY * shown - 2:
                    blurry.append(f"cell {index + 1}: {pixels} px shown at {shown or pixels} px")
    assert not blurry, f"{chapter.notebook}: figures at single density:\n" + "\n".join(blurry)


def test_plot_style_text_is_at_least_10_pixels_on_screen():
    import matplotlib
    from matplotlib.font_manager import FontProperties

    from course_utils.figures import plots

    with matplotlib.rc_context():
        plots.setup()
        rc = matplotlib.rcParams
        sizes = {key: FontProperties(size=rc[key]).get_size_in_points()
                 for key in ("font.size", "xtick.labelsize", "ytick.labelsize", "legend.fontsize",
                             "axes.labelsize", "axes.titlesize")}
        pixels = {key: points * rc["figure.dpi"] / 72 for key, points in sizes.items()}
        assert min(pixels.values()) >= 10, pixels
        assert rc["figure.figsize"][0] * rc["figure.dpi"] <= 700  # fits the chapter column (684 px)


def test_bench_maths_checks_repeat_before_starting_a_browser(tmp_path, capsys):
    import numpy as np

    from course_utils.authoring import book_bench

    with pytest.raises(ValueError, match="repeat must be a positive integer, got 0"):
        book_bench.bench(tmp_path, repeat=0)
    with pytest.raises(TypeError, match="repeat must be an integer, got float 2.0"):
        book_bench.bench(tmp_path, repeat=2.0)
    with pytest.raises(ValueError, match="no page with maths under"):  # a NumPy count passes the check
        book_bench.bench(tmp_path, repeat=np.int64(2))
    assert book_bench.main(tmp_path, 0, as_json=False) == 1
    assert "bench-maths: repeat must be a positive integer, got 0" in capsys.readouterr().err
