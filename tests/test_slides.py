"""The instructors' slide decks (``make slides``): slide boundaries from headings, solutions
hidden, every asset local; two decks (the one with the most maths and one with a widget) are
opened in headless Chromium, offline (``make slides`` checks them all).
"""
from __future__ import annotations

import re

import nbformat
import numpy as np
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from test_book import COURSE

from course_utils.authoring import course, headless, slides


def test_slide_boundaries_come_from_headings_and_long_slides_continue_below():
    cells = [new_markdown_cell("# 1. Title"), new_markdown_cell("intro"), new_markdown_cell("## Section"),
             new_code_cell("x = 1"), new_markdown_cell("### Detail"), new_markdown_cell("text"),
             new_markdown_cell("## Long"), new_code_cell("\n".join(["y = 2"] * 15)),
             new_code_cell("z = 3", outputs=[new_output("stream", text="a\n" * 10)])]
    cells[1].metadata["slideshow"] = {"slide_type": "skip"}  # set by hand: replaced
    nb = slides.assign_slides(new_notebook(cells=cells), max_lines=20)
    kinds = [c.metadata["slideshow"]["slide_type"] for c in nb.cells]
    assert kinds == ["slide", "-", "slide", "-", "subslide", "-", "slide", "-", "subslide"]
    with pytest.raises(ValueError, match="max_lines must be a positive integer, got 0"):
        slides.assign_slides(nb, max_lines=0)
    with pytest.raises(TypeError, match="max_lines must be an integer, got float 20.0"):
        slides.assign_slides(nb, max_lines=20.0)
    again = slides.assign_slides(nb, max_lines=np.int64(20))  # a NumPy integer is a count too
    assert [c.metadata["slideshow"]["slide_type"] for c in again.cells] == kinds


@pytest.fixture(scope="module")
def decks(tmp_path_factory):
    out = tmp_path_factory.mktemp("slides")
    return out, slides.build_slides(out, COURSE.root / "book.toml")


def test_a_deck_per_chapter_with_local_assets_and_no_solutions(decks):
    out, built = decks
    assert [d.name for d in built] == [f"{ch.id}.slides.html" for ch in COURSE.chapters]
    assert (out / "reveal.js" / "dist" / "reveal.js").is_file() and (out / "katex" / "katex.min.js").is_file()
    for deck, ch in zip(built, COURSE.chapters):
        markup = deck.read_text(encoding="utf-8")
        external = re.findall(r'<(?:script|link)[^>]+(?:src|href)="(https?:[^"]+)"', markup)
        assert not external, f"{deck.name} loads {external}"
        assert markup.count("<section") > 2, f"{deck.name}: no slides"
        nb = nbformat.read(COURSE.root / ch.notebook, as_version=4)
        for cell in nb.cells:
            if course.SOLUTION in cell.metadata.get("tags", []):
                body = [line for line in cell.source.splitlines() if len(line.strip()) > 30]
                others = "\n".join(c.source for c in nb.cells if c is not cell)
                unique = [line for line in body if line not in others]
                assert not any(line.strip() in markup for line in unique[:1]), f"{deck.name}: a solution shows"


@pytest.mark.skipif(not headless.CHROMIUM.exists(), reason=f"{headless.CHROMIUM} not installed")
def test_decks_render_offline_with_maths_typeset(decks):
    out, built = decks
    maths = {d: d.read_text(encoding="utf-8").count("$") for d in built}
    chosen = {max(maths, key=maths.get)}
    widget = [d for d, ch in zip(built, COURSE.chapters) if any(
        course.WIDGET in c.metadata.get("tags", []) for c in nbformat.read(COURSE.root / ch.notebook, as_version=4).cells)]
    chosen |= set(widget[:1])
    problems = slides.check_slides(out, sorted(chosen), screenshots=COURSE.root / "_build" / "screenshots" / "slides")
    assert not problems, "\n".join(problems)
