"""The course PDF (``make pdf``), built once per module by :func:`course_utils.authoring.pdf.build_pdf` and
read back with pypdf: contents page, every chapter title on the page the contents give, maths
(KaTeX's fonts embedded), figures, no missing glyph, solutions omitted.

Slow (it builds the one-page book and prints it twice): every test shares one build, and by
default that build holds the first ``COURSE_PDF_CHAPTERS=3`` chapters of book.toml (about 40
pages; the whole course takes several minutes to print on a 2-core machine). Set
``COURSE_PDF_CHAPTERS=0`` to test the PDF of the whole course. Needs /usr/bin/chromium; skipped
where it is absent.
"""
from __future__ import annotations

import os
import re
import shutil

import nbformat
import pytest
import tomllib
from test_book import COURSE

from course_utils.authoring import book, course, headless
from course_utils.authoring.course import load_course

pypdf = pytest.importorskip("pypdf")
pytestmark = [
    pytest.mark.skipif(not headless.CHROMIUM.exists(), reason=f"{headless.CHROMIUM} not installed"),
    pytest.mark.filterwarnings("ignore:.*Check CHANGES for Sphinx API modifications"),
]


PDF_CHAPTERS = int(os.environ.get("COURSE_PDF_CHAPTERS", "3"))


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    """The course (or its first PDF_CHAPTERS chapters: a copy of book.toml and the notebooks)."""
    if not PDF_CHAPTERS:
        return COURSE
    root = tmp_path_factory.mktemp("course")
    text = (COURSE.root / "book.toml").read_text(encoding="utf-8")
    head = text.split("[[chapters]]")[0]
    chosen = text.split("[[chapters]]")[1:PDF_CHAPTERS + 1]
    (root / "book.toml").write_text(head + "".join("[[chapters]]" + c for c in chosen), encoding="utf-8")
    course = load_course(root / "book.toml")
    for ch in course.chapters:
        (root / ch.notebook).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(COURSE.root / ch.notebook, root / ch.notebook)
    assert len(tomllib.loads((root / "book.toml").read_text(encoding="utf-8"))["chapters"]) == PDF_CHAPTERS
    return course


@pytest.fixture(scope="module")
def course_pdf(tmp_path_factory, printed):
    from course_utils.authoring import pdf

    path = pdf.build_pdf(tmp_path_factory.mktemp("pdf") / "course.pdf", printed.root / "book.toml")
    reader = pypdf.PdfReader(str(path))
    texts = [pdf.plain(page.extract_text()) for page in reader.pages]
    return path, reader, texts


def test_contents_page_lists_every_chapter_on_the_page_where_it_starts(course_pdf, printed):
    from course_utils.authoring import pdf

    path, reader, texts = course_pdf
    assert len(reader.pages) >= 3 * len(printed.chapters), f"only {len(reader.pages)} pages"
    contents = next(i for i, text in enumerate(texts) if text.startswith("Contents"))
    titles = [f"{ch.number}. {ch.title}" if ch.number is not None else ch.title for ch in printed.chapters]
    pages = pdf.chapter_pages(path, titles)
    assert None not in pages, f"chapter titles not found at the top of a page: {dict(zip(titles, pages))}"
    assert pages == sorted(pages) and pages[0] > contents + 1, pages
    for title, page in zip(titles, pages):
        listed = re.search(re.escape(pdf.plain(title)) + r"\s*(\d+)", texts[contents])
        assert listed and int(listed.group(1)) == page, f"contents give {listed and listed.group(1)} for {title!r}, page {page}"
    def titles_in(items):
        for item in items:
            yield from titles_in(item) if isinstance(item, list) else [item.title]

    outline = list(titles_in(reader.outline))
    assert any(pdf.plain(printed.chapters[1].title) in pdf.plain(title) for title in outline), outline  # bookmarks


def _fonts(page) -> dict:
    resources = page.get("/Resources") or {}
    fonts = resources.get("/Font") or {}
    return {name: ref.get_object() for name, ref in fonts.items()}


def test_no_missing_glyphs_and_maths_uses_katex_fonts(course_pdf):
    """Chromium writes every font as a Type0 font with Identity-H encoding, so a shown string is
    a run of 2-byte glyph ids; glyph 0 is .notdef, the box drawn for a missing character."""
    from pypdf.generic import ContentStream

    _, reader, texts = course_pdf
    missing, names = [], set()
    for number, page in enumerate(reader.pages, 1):
        fonts = _fonts(page)
        names |= {str(f.get("/BaseFont")) for f in fonts.values()}
        font = None
        for operands, operator in ContentStream(page.get_contents(), reader).operations:
            if operator == b"Tf":
                font = fonts.get(operands[0])
            elif operator in (b"Tj", b"TJ") and font is not None and font.get("/Subtype") == "/Type0":
                strings = operands[0] if operator == b"TJ" else [operands[0]]
                for s in strings:
                    if isinstance(s, (bytes, str)) or hasattr(s, "original_bytes"):
                        data = s.original_bytes if hasattr(s, "original_bytes") else bytes(s, "latin-1")
                        if any(data[i:i + 2] == b"\x00\x00" for i in range(0, len(data) - 1, 2)):
                            missing.append(f"page {number}, font {font.get('/BaseFont')}")
        assert "\ufffd" not in texts[number - 1], f"page {number}: replacement character in the text"
    assert not missing, f"glyph 0 (.notdef) shown: {sorted(set(missing))[:10]}"
    assert any("KaTeX_Main" in n for n in names) and any("KaTeX_Math" in n for n in names), sorted(names)


def test_every_figure_is_printed(course_pdf, printed):
    _, reader, _ = course_pdf
    images = sum(len(page.images) for page in reader.pages)
    expected = 0
    for ch in printed.chapters:
        nb = book.prepare_notebook(nbformat.read(printed.root / ch.notebook, as_version=4), answers="omit")
        expected += sum("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert images >= expected > 0, f"{images} images in the PDF, {expected} figures in the chapters"


def test_solutions_and_model_answers_are_omitted(course_pdf, printed):
    _, _, texts = course_pdf
    whole = " ".join(texts)
    assert "Show solution" not in whole and "Show model answer" not in whole
    checked = 0
    for ch in printed.chapters:
        nb = nbformat.read(printed.root / ch.notebook, as_version=4)
        others = "\n".join(c.source for c in nb.cells if not {course.SOLUTION, course.MODEL_ANSWER} & set(c.metadata.get("tags", [])))
        for cell in nb.cells:
            if course.SOLUTION in cell.metadata.get("tags", []):
                lines = [line.strip() for line in cell.source.splitlines()
                         if len(line.strip()) > 30 and line.strip() not in others and "#" not in line]
                for line in lines[:1]:
                    assert " ".join(line.split()) not in whole, f"{ch.notebook}: solution line printed: {line!r}"
                    checked += 1
    assert checked, "no solution line was checked"
