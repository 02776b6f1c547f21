"""book.toml is the single source of the chapter list; bad files fail with clear messages."""
from pathlib import Path

import nbformat
import pytest

from course_utils.authoring.course import BookFileError, load_course, parse_course

ROOT = Path(__file__).resolve().parents[1]

GOOD = '''
title = "T"
authors = ["A"]
description = "D"
repository = "https://example.org/r"
[[chapters]]
notebook = "notebooks/00_a.ipynb"
title = "A"
minutes = 10
objectives = ["one", "two"]
[[chapters]]
notebook = "notebooks/01_b.ipynb"
title = "B"
minutes = 20
objectives = ["one", "two", "three"]
'''


def parse(text):
    return parse_course(text, Path("."), "book.toml")


def test_the_repository_book_toml_is_valid_and_matches_the_notebooks_folder():
    course = load_course(ROOT)
    assert course.chapters[0].id == "00_introduction"
    course.check_notebooks()


def test_chapters_keep_their_order_and_numbers():
    course = parse(GOOD)
    assert [c.id for c in course.chapters] == ["00_a", "01_b"]
    assert [c.number for c in course.chapters] == [0, 1]
    assert course.chapter("01_b").minutes == 20


@pytest.mark.parametrize("broken, message", [
    (GOOD.replace('title = "T"\n', ""), "missing required key 'title'"),
    (GOOD.replace("minutes = 10", 'minutes = "10"'), "key 'minutes' should be a int"),
    (GOOD.replace("minutes = 10", "minutes = 0"), "minutes should be a positive integer"),
    (GOOD.replace('objectives = ["one", "two"]', 'objectives = ["one"]'), "objectives should be 2 to 4"),
    (GOOD.replace("notebooks/01_b.ipynb", "notebooks/00_a.ipynb"), "repeats notebook"),
    (GOOD.replace('title = "B"', 'title = "A"'), "repeats title"),
    (GOOD.replace('minutes = 20', 'minutes = 20\ncolour = "red"'), "unknown key 'colour'"),
    (GOOD.replace("notebooks/00_a.ipynb", "notebooks/00_a.md"), "ending in .ipynb"),
    (GOOD + "[[chapters\n", "not valid TOML"),
    (GOOD.split("[[chapters]]")[0], "no [[chapters]] listed"),
])
def test_malformed_book_toml_names_the_problem(broken, message):
    with pytest.raises(BookFileError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse(broken)


def test_errors_name_the_chapter():
    with pytest.raises(BookFileError, match=r"chapters\[1\] \('B'\)"):
        parse(GOOD.replace("minutes = 20", "minutes = -1"))


def _write_notebook(path, error=False, counts=(1, 2)):
    cells = []
    for n in counts:
        cell = nbformat.v4.new_code_cell("1 + 1", execution_count=n)
        cells.append(cell)
    if error:
        cells[-1].outputs = [nbformat.v4.new_output("error", ename="ValueError", evalue="boom", traceback=[])]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)


def test_missing_unlisted_and_error_notebooks_are_reported(tmp_path):
    (tmp_path / "book.toml").write_text(GOOD)
    _write_notebook(tmp_path / "notebooks" / "00_a.ipynb", error=True)
    _write_notebook(tmp_path / "notebooks" / "99_extra.ipynb", counts=(2, 1))
    with pytest.raises(BookFileError) as info:
        load_course(tmp_path).check_notebooks()
    text = str(info.value)
    assert "notebooks/01_b.ipynb: listed in book.toml" in text and "file is missing" in text
    assert "notebooks/99_extra.ipynb: notebook exists but is not listed" in text
    assert "notebooks/00_a.ipynb: code cell 2 stores an error output (ValueError: boom)" in text


def test_out_of_order_execution_counts_are_reported(tmp_path):
    (tmp_path / "book.toml").write_text(GOOD)
    _write_notebook(tmp_path / "notebooks" / "00_a.ipynb", counts=(3, 1))
    _write_notebook(tmp_path / "notebooks" / "01_b.ipynb")
    with pytest.raises(BookFileError, match="00_a.ipynb: execution counts"):
        load_course(tmp_path).check_notebooks()


# --- paths are confined to notebooks/; the file read is named ---------------------------------------

@pytest.mark.parametrize("path", [
    "/tmp/evil.ipynb", "../outside.ipynb", "notebooks/../book.ipynb", "notebooks/./00_a.ipynb",
    "notebooks//00_a.ipynb", "notebooks\\00_a.ipynb", "other/00_a.ipynb", "notebooks/sub/00_a.ipynb",
    "./notebooks/00_a.ipynb", "notebooks/.ipynb", "C:/notebooks/00_a.ipynb", "notebooks/a\n.ipynb",
])
def test_notebook_paths_outside_notebooks_are_refused(path):
    with pytest.raises(BookFileError, match="notebook should be a relative path written as notebooks/"):
        parse(GOOD.replace('"notebooks/01_b.ipynb"', repr(path).replace("'", '"')
                           if "\\" not in path else '"notebooks\\\\00_a.ipynb"'))


def test_a_duplicate_differing_only_in_case_is_refused():
    with pytest.raises(BookFileError, match="repeats notebook"):
        parse(GOOD.replace("notebooks/01_b.ipynb", "notebooks/00_A.ipynb"))


def test_a_link_leading_out_of_notebooks_is_refused(tmp_path):
    outside = tmp_path / "outside.ipynb"
    _write_notebook(outside)
    (tmp_path / "repo" / "notebooks").mkdir(parents=True)
    (tmp_path / "repo" / "notebooks" / "01_b.ipynb").symlink_to(outside)
    (tmp_path / "repo" / "book.toml").write_text(GOOD)
    with pytest.raises(BookFileError, match="outside .*notebooks: expected a notebook inside"):
        load_course(tmp_path / "repo")


def test_non_utf8_book_toml_is_named(tmp_path):
    (tmp_path / "book.toml").write_bytes(GOOD.replace('"T"', '"caf\xe9"').encode("latin-1"))
    with pytest.raises(BookFileError, match=rf"{tmp_path / 'book.toml'}: not UTF-8 text \(byte 0xe9"):
        load_course(tmp_path)


def test_utf8_byte_order_mark_is_accepted(tmp_path):
    (tmp_path / "book.toml").write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    assert load_course(tmp_path).title == "T"


def test_errors_name_the_full_path_of_the_file_read(tmp_path):
    (tmp_path / "book.toml").write_text(GOOD.replace("minutes = 20", "minutes = 0"))
    with pytest.raises(BookFileError, match=rf"^{tmp_path / 'book.toml'}: chapters\[1\]"):
        load_course(tmp_path)
    (tmp_path / "book.toml").write_text(GOOD)
    assert load_course(tmp_path).source == str(tmp_path / "book.toml")


def test_a_missing_path_is_an_error_not_a_search_elsewhere(tmp_path):
    with pytest.raises(BookFileError, match="no such file or folder"):
        load_course(tmp_path / "nothing here")


def test_cli_says_which_file_it_read_when_found_in_a_parent_folder(tmp_path, monkeypatch, capsys):
    from course_utils.authoring.course import main
    (tmp_path / "book.toml").write_text(GOOD)
    for name in ("00_a", "01_b"):
        _write_notebook(tmp_path / "notebooks" / f"{name}.ipynb")
    monkeypatch.chdir(tmp_path / "notebooks")
    assert main(["--check"]) == 0
    err = capsys.readouterr().err
    assert f"reading {tmp_path / 'book.toml'} (not in the current folder)" in err
    (tmp_path / "book.toml").write_text(GOOD.replace("notebooks/01_b.ipynb", "/etc/passwd.ipynb"))
    assert main(["--check"]) == 1
    assert f"{tmp_path / 'book.toml'}: chapters[1]" in capsys.readouterr().err


# --- breaks: where a long chapter is split into sittings -----------------------------------------

def _cells(*sources):
    return [nbformat.v4.new_markdown_cell(s) if s.startswith("#") else nbformat.v4.new_code_cell(s) for s in sources]


def test_sitting_starts_are_numbered_sections_and_exercises():
    from course_utils.authoring.course import sitting_starts
    cells = _cells("# 1. Title", "x = 1", "## 1.1 First", "### A subsection", "## 1.2 Second", "y = 2",
                   "## Summary\n\nDone.", "## Exercises\n\nIntro.", "### Exercise 1.1 — One", "z = 3",
                   "### Exercise 1.2 — Two", "## References")
    # the title joins 1.1; the first exercise starts at "## Exercises"; subsections and Summary start nothing
    assert sitting_starts(cells) == [("1.1", 0), ("1.2", 4), ("Exercise 1.1", 7), ("Exercise 1.2", 10)]
    unnumbered = _cells("# 1. Title", "## Why", "## Exercises\n### Exercise 1.1 — One", "x = 1")
    assert sitting_starts(unnumbered) == [("start", 0), ("Exercise 1.1", 2)]


@pytest.mark.parametrize("breaks, message", [
    ('breaks = "1.2"', "key 'breaks' should be a list"),
    ("breaks = [2]", "each of breaks should be a section number"),
    ('breaks = ["Section 1.2"]', "each of breaks should be a section number"),
    ('breaks = ["1.2", "1.2"]', "lists a label twice"),
    ('breaks = ["2.1"]', r"breaks names '2.1', which is not in chapter 1"),
    ('breaks = ["Exercise 0.1"]', r"which is not in chapter 1"),
    ('breaks = ["1.2"]\nkind = "guide"', "breaks are for kind = 'chapter'"),
])
def test_malformed_breaks_name_the_problem(breaks, message):
    with pytest.raises(BookFileError, match=r"chapters\[1\] \('B'\).*" + message):
        parse(GOOD.replace("minutes = 20", f"minutes = 20\n{breaks}"))


def test_breaks_are_read_and_shown_in_the_objectives_box():
    from course_utils.authoring.course import objectives_markdown
    course = parse(GOOD.replace("minutes = 20", 'minutes = 20\nbreaks = ["1.3", "Exercise 1.2"]'))
    assert course.chapter("01_b").breaks == ("1.3", "Exercise 1.2") and course.chapter("00_a").breaks == ()
    box = objectives_markdown("01_b", course)
    assert box.startswith("**Learning objectives** (about 20 minutes, in 3 sittings: stop before §1.3 "
                          "and Exercise 1.2)")
    assert objectives_markdown("00_a", course).startswith("**Learning objectives** (about 10 minutes)")
    one = parse(GOOD.replace("minutes = 20", 'minutes = 20\nbreaks = ["1.3"]'))
    assert "in 2 sittings: stop before §1.3)" in objectives_markdown("01_b", one)


def test_check_reports_breaks_the_notebook_does_not_have_or_out_of_order(tmp_path):
    (tmp_path / "book.toml").write_text(GOOD.replace("minutes = 20", 'minutes = 20\nbreaks = ["1.3", "1.2", "1.9", "1.1"]'))
    _write_notebook(tmp_path / "notebooks" / "00_a.ipynb")
    nb = nbformat.v4.new_notebook(cells=_cells("# 1. B", "## 1.1 One", "## 1.2 Two", "## 1.3 Three"))
    nbformat.write(nb, tmp_path / "notebooks" / "01_b.ipynb")
    with pytest.raises(BookFileError) as info:
        load_course(tmp_path).check_notebooks()
    text = str(info.value)
    assert "breaks should follow the notebook's order; '1.2' comes before" in text
    assert "breaks names '1.9', which is no numbered section (## N.k) or exercise" in text
    assert "known: 1.1, 1.2, 1.3" in text
    assert "breaks names '1.1', where the chapter starts" in text
