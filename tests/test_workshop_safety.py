"""The authoring commands never write over the sources: book.toml paths are confined to notebooks/,
and the student edition refuses an output folder that is, holds or sits inside the sources."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from course_utils.authoring.course import BookFileError, load_course
from course_utils.authoring.workshop import check_output_folder, main, schedule

BOOK = '''title = "T"
authors = ["A"]
description = "D"
repository = "https://github.com/o/r"
[[chapters]]
notebook = "{path}"
title = "One"
minutes = 10
objectives = ["a", "b"]
'''


def _repo(tmp_path, path="notebooks/01_one.ipynb"):
    repo = tmp_path / "repo"
    (repo / "notebooks").mkdir(parents=True)
    cell = nbformat.v4.new_code_cell("def f():\n    return 42  # the answer", execution_count=1)
    cell.metadata["tags"] = ["solution"]
    nbformat.write(nbformat.v4.new_notebook(cells=[cell]), repo / "notebooks" / "01_one.ipynb")
    (repo / "book.toml").write_text(BOOK.format(path=path))
    return repo


def _digest(folder: Path) -> dict:
    return {p.relative_to(folder): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("out", [".", "notebooks", "notebooks/", "notebooks/student", "./notebooks/../",
                                 "..", "notebooks/01_one.ipynb/.."])
def test_output_folder_over_the_sources_is_refused(tmp_path, out):
    repo = _repo(tmp_path)
    with pytest.raises(ValueError, match=r"out=.* resolves to .*: expected"):
        check_output_folder(out, load_course(repo))


def test_output_folder_through_a_link_into_the_sources_is_refused(tmp_path):
    repo = _repo(tmp_path)
    (tmp_path / "link").symlink_to(repo / "notebooks")
    with pytest.raises(ValueError, match="inside the source folder"):
        check_output_folder(tmp_path / "link", load_course(repo))
    assert check_output_folder("_build/student", load_course(repo)) == (repo / "_build" / "student").resolve()


@pytest.mark.parametrize("path", ["/tmp/x/notebooks/01_one.ipynb", "../01_one.ipynb", "notebooks/./01_one.ipynb"])
def test_a_book_toml_path_outside_notebooks_never_reaches_the_edition(tmp_path, path):
    repo = _repo(tmp_path, path)
    with pytest.raises(BookFileError, match="notebook should be a relative path"):
        load_course(repo)


def _cli(repo, *args):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "course_utils.authoring.workshop", *args], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=300)


def test_student_command_refuses_the_repository_and_leaves_every_file_as_it_was(tmp_path):
    repo = _repo(tmp_path)
    (repo / ".student-edition").write_text("planted marker: the edition must still not wipe the repository")
    before = _digest(repo)
    for out in (".", "notebooks", str(repo), str(repo / "notebooks" / "sub")):
        result = _cli(repo, "student", "--out", out)
        assert result.returncode == 2, result.stderr
        assert "workshop student: out=" in result.stderr and "Traceback" not in result.stderr
    assert _digest(repo) == before


def test_student_command_with_an_absolute_chapter_path_writes_nothing(tmp_path):
    repo = _repo(tmp_path, str(tmp_path / "repo" / "notebooks" / "01_one.ipynb"))
    before = _digest(repo)
    result = _cli(repo, "student")
    assert result.returncode != 0 and "notebook should be a relative path" in result.stderr
    assert _digest(repo) == before and not (repo / "_build").exists()


@pytest.mark.parametrize("kwargs,error,match", [
    ({"total_minutes": True}, TypeError, "total_minutes must be an integer"),
    ({"total_minutes": -5}, ValueError, "total_minutes must be a non-negative integer"),
    ({"start": "9am"}, ValueError, "start must be a time HH:MM"),
    ({"start": 900}, TypeError, "start must be a string"),
    ({"block": 0}, ValueError, "block must be a positive integer"),
    ({"chapters": "01_one"}, TypeError, "chapters must be a list of chapter ids"),
])
def test_schedule_arguments_are_checked(tmp_path, kwargs, error, match):
    course = load_course(_repo(tmp_path))
    with pytest.raises(error, match=match):
        schedule(**{"total_minutes": 60, **kwargs, "course": course})


def test_schedule_command_reports_a_bad_start_time(capsys):
    with pytest.raises(SystemExit):
        main(["schedule", "--start", "25:99"])
    assert "start must be a time HH:MM" in capsys.readouterr().err


@pytest.mark.parametrize("out", [".git/student", "book.toml", "notebooks/01_one.ipynb"])
def test_output_folder_in_git_or_on_a_file_is_refused(tmp_path, out):
    repo = _repo(tmp_path)
    (repo / ".git").mkdir()
    with pytest.raises(ValueError, match=r"out=.* resolves to .*: expected"):
        check_output_folder(out, load_course(repo))


@pytest.mark.parametrize("out", ["notebooks", ".", "notebooks/sub"])
def test_build_called_directly_refuses_the_sources(out):
    """student_edition.build guards its output folder itself, not only the command line does."""
    from course_utils.authoring import student_edition
    from course_utils.authoring.course import load_course

    course = load_course()
    before = {p: p.read_bytes() for p in (course.root / "notebooks").glob("*.ipynb")}
    with pytest.raises(ValueError, match=f"out={out!r} resolves to"):
        student_edition.build(out, course)
    assert {p: p.read_bytes() for p in (course.root / "notebooks").glob("*.ipynb")} == before
