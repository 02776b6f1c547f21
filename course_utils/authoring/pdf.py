"""One PDF of the whole course, printed by Chromium from the book's one-page edition.

Command line (``make pdf``)::

    python -m course_utils.authoring.pdf [--out _build/pdf/course.pdf] [--book book.toml]

Built from the same sources as the HTML book: :func:`course_utils.authoring.book.build` writes Sphinx's
``singlehtml`` edition (every chapter of ``book.toml`` on one page, maths typeset by KaTeX at
build time, figures, code) with **solutions and model answers omitted** (the HTML book and the
notebooks have them); headless Chromium (Debian's ``/usr/bin/chromium`` through Playwright)
prints it to A4 with a print stylesheet (``book_static/print.css``): each chapter starts on a
new page, code is set small enough for ``book.CODE_COLUMN`` characters to fit the text width,
pages are numbered in the footer. A contents page lists every chapter with its page number: the
page is printed once, the page on which each chapter's title lands is read back from the PDF
(pypdf), and the page is printed again with those numbers. The PDF's outline (bookmarks)
follows the headings.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

from course_utils.authoring import book, headless
from course_utils.authoring.course import BookFileError, Course, load_course

__all__ = ["DEFAULT_OUT", "PRINT_CSS", "FOOTER", "MARGIN", "plain", "chapter_pages", "print_pdf", "build_pdf",
           "print_site", "main"]

DEFAULT_OUT = Path("_build") / "pdf" / "course.pdf"
PRINT_CSS = book.STATIC / "print.css"
FOOTER = ('<div style="width:100%; font-size:8px; color:#555; text-align:center; font-family:sans-serif">'
          '<span class="pageNumber"></span></div>')
MARGIN = {"top": "16mm", "bottom": "16mm", "left": "16mm", "right": "16mm"}

# Adds the contents page (chapter titles, links, and page numbers once known) before the first
# chapter, and a class on each chapter's section so the print stylesheet starts it on a new page.
CONTENTS_JS = r"""(numbers) => {
  document.querySelectorAll('#course-contents').forEach(e => e.remove());
  // singlehtml marks where each document starts with <span id="document-NAME">
  const chapters = Array.from(document.querySelectorAll('span[id^="document-"]'))
    .map(marker => marker.nextElementSibling).filter(e => e && e.tagName === 'SECTION');
  const titleOf = section => section.querySelector(':scope > h1, :scope > h2').textContent.replace(/[#¶]\s*$/, '').trim();
  const box = document.createElement('nav');
  box.id = 'course-contents';
  box.innerHTML = '<h2>Contents</h2>';
  const list = document.createElement('ol');
  chapters.forEach((section, i) => {
    section.classList.add('course-chapter');
    const item = document.createElement('li');
    item.innerHTML = `<a href="#${section.id}"></a><span class="page">${numbers[i] ?? ''}</span>`;
    item.querySelector('a').textContent = titleOf(section);
    list.appendChild(item);
  });
  box.appendChild(list);
  if (chapters.length) {
    const wrapper = chapters[0].closest('.toctree-wrapper') || chapters[0];
    wrapper.parentNode.insertBefore(box, wrapper);
  }
  return chapters.map(titleOf);
}"""


_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})


def plain(text: str) -> str:
    """Whitespace collapsed, ligatures (the PDF's "ﬁ") and Sphinx's typographic quotes undone:
    text from the page and text read back from the PDF compare equal."""
    return " ".join(unicodedata.normalize("NFKC", text).translate(_QUOTES).split())


# The page's chrome (header, sidebars, buttons, footer) goes; the article is all that is printed.
ARTICLE_ONLY_JS = """() => {
  const article = document.querySelector('article.bd-article') || document.querySelector('article');
  if (!article) throw new Error('no <article> in the one-page edition');
  document.body.replaceChildren(article);
}"""


def chapter_pages(pdf_path: Path, titles: list[str]) -> list[int | None]:
    """1-based page on which each title (in order) first appears as the start of a page's text,
    searching after the previous title's page."""
    from pypdf import PdfReader

    reader = PdfReader(str(pdf_path))
    texts = [plain(page.extract_text()) for page in reader.pages]
    found, start = [], 0
    for title in titles:
        want = plain(title)
        page = next((i for i in range(start, len(texts)) if texts[i].startswith(want)), None)
        if page is None:  # a footer or a running header may come first in the extracted text
            page = next((i for i in range(start, len(texts)) if want in texts[i][:len(want) + 40]), None)
        found.append(None if page is None else page + 1)
        start = page + 1 if page is not None else start
    return found


def print_pdf(page, out: Path) -> None:
    """Print the Playwright ``page`` (already laid out for print) to the file ``out``: A4, :data:`MARGIN`
    on every side, backgrounds kept, an outline of the headings, tagged PDF, the page number in the
    footer (:data:`FOOTER`). Chromium's errors propagate."""
    page.pdf(path=str(out), format="A4", margin=MARGIN, print_background=True, outline=True, tagged=True,
             display_header_footer=True, header_template="<div></div>", footer_template=FOOTER)


def build_pdf(out: str | Path | None = None, book_toml: str | Path | None = None, quiet: bool = True) -> Path:
    """Build the one-page edition and print it to ``out``; returns the PDF's path. Raises
    BookFileError for a missing or bad ``book.toml`` or notebook, RuntimeError when Sphinx warns or
    printing fails (see :func:`print_site`)."""
    course: Course = load_course(book_toml)
    out = Path(out) if out is not None else course.root / DEFAULT_OUT
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="course-pdf-") as tmp:
        site_dir = book.build(Path(tmp) / "singlehtml", course.root / "book.toml" if book_toml is None else book_toml,
                              quiet=quiet, builder="singlehtml", answers="omit")
        print_site(site_dir, out, course)
    return out


def print_site(site_dir: Path, out: Path, course: Course) -> Path:
    """Print the one-page edition in ``site_dir`` (its ``index.html``) to ``out``. Raises RuntimeError
    when Chromium is missing, a chapter title is missing from the page or from the top of every PDF
    page, the page reports problems (blocked requests, console errors), or the page numbers move once
    the contents are filled in; FileNotFoundError when ``site_dir`` is not a folder."""
    with tempfile.TemporaryDirectory(prefix="course-pdf-") as tmp:
        with headless.serve(site_dir) as site, headless.browser() as chromium:
            page = headless.offline_page(chromium, site, viewport={"width": 800, "height": 1100},
                                         timeout_ms=120_000)
            page.goto(site + "index.html", wait_until="load")
            page.evaluate(ARTICLE_ONLY_JS)
            page.add_style_tag(content=PRINT_CSS.read_text(encoding="utf-8"))
            page.emulate_media(media="print")
            page.evaluate("() => document.fonts.ready.then(() => true)")
            titles = page.evaluate(CONTENTS_JS, [])
            missing = [ch.title for ch in course.chapters if not any(plain(ch.title) in plain(t) for t in titles)]
            if missing:
                raise RuntimeError(f"the one-page edition lacks chapter titles {missing} (found {titles})")
            draft = Path(tmp) / "draft.pdf"
            print_pdf(page, draft)
            numbers = chapter_pages(draft, titles)
            page.evaluate(CONTENTS_JS, numbers)
            print_pdf(page, out)
            # The theme asks every page for the search index, which singlehtml does not write.
            problems = [p for p in page.problems if "searchindex.js" not in p]
            if any("searchindex.js" in p for p in page.problems):
                problems = [p for p in problems if not p.startswith("console error: Failed to load resource")]
            if problems:
                raise RuntimeError("printing the course:\n" + "\n".join(problems))
        again = chapter_pages(out, titles)
        if None in numbers:
            lost = [title for title, number in zip(titles, numbers) if number is None]
            raise RuntimeError(f"chapter titles not found at the top of any page of the PDF: {lost}")
        if again != numbers:
            raise RuntimeError(f"page numbers moved after the contents were filled in: {numbers} -> {again}")
    return out


def main(argv: list[str] | None = None) -> int:
    """Command line: build the PDF (``--out``, ``--book``) and print its page count and size; returns 0,
    or 1 with the reason on stderr when book.toml, Chromium or a built page is missing. Raises
    SystemExit (status 2, argparse) for bad arguments."""
    parser = argparse.ArgumentParser(prog="python -m course_utils.authoring.pdf", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=None, help=f"the PDF to write (default: {DEFAULT_OUT})")
    parser.add_argument("--book", type=Path, default=None, help="book.toml (default: the repository's)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        out = build_pdf(args.out, args.book, quiet=True)
    except (BookFileError, RuntimeError, FileNotFoundError) as exc:
        print(f"pdf build failed: {exc}", file=sys.stderr)
        return 1
    from pypdf import PdfReader

    pages = len(PdfReader(str(out)).pages)
    print(f"PDF written to {out}: {pages} pages, {out.stat().st_size / 1e6:.1f} MB, "
          f"in {time.perf_counter() - start:.0f} s (solutions and model answers omitted)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
