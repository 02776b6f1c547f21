"""The published student edition (``student/``), its Colab and Binder links, and the set-up cell
that opens every chapter, run for real in a clean virtual environment."""
from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

import nbformat
import pytest

from course_utils.authoring import publish
from course_utils.authoring.course import load_course, parse_course

COURSE = load_course()
CHAPTERS = [ch for ch in COURSE.chapters if ch.kind == "chapter"]


def test_every_chapter_opens_with_the_setup_cell():
    assert publish.setup_cell_problems(COURSE) == []


def test_published_student_edition_is_up_to_date():
    """`python -m course_utils.authoring.publish` was run after the last change to a chapter."""
    assert publish.stale_notebooks(COURSE) == []


def test_published_notebooks_hold_no_solutions_or_outputs():
    for path, nb in publish.published_notebooks(COURSE).items():
        tags = [t.lower() for cell in nb.cells for t in cell.metadata.get("tags", [])]
        assert "solution" not in tags and "model-answer" not in tags, path.name
        assert all(not cell.get("outputs") for cell in nb.cells if cell.cell_type == "code"), path.name


def test_links_point_at_the_published_notebooks():
    chapter = CHAPTERS[1]
    slug = publish.github_slug(COURSE.repository)
    assert publish.colab_url(COURSE, chapter) == (
        f"https://colab.research.google.com/github/{slug}/blob/{COURSE.branch}/student/01_vanilla_rnn.ipynb")
    assert publish.binder_url(COURSE, chapter) == (
        f"https://mybinder.org/v2/gh/{slug}/{COURSE.branch}?urlpath=lab%2Ftree%2Fstudent%2F01_vanilla_rnn.ipynb")
    for ch in CHAPTERS:
        assert (COURSE.root / publish.published_path(ch)).is_file()


@pytest.mark.parametrize("bad", ["https://gitlab.com/a/b", "github.com/a/b", "", "https://github.com/a"])
def test_a_repository_that_is_not_on_github_is_refused(bad):
    with pytest.raises(ValueError, match=f"repository must be a GitHub URL .*got {bad!r}"):
        publish.github_slug(bad)


def _git(folder: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=folder, check=True,
                   capture_output=True)


def test_publish_never_overwrites_uncommitted_edits(tmp_path):
    (tmp_path / "notebooks").mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["solution"]})])
    nbformat.write(nb, tmp_path / "notebooks" / "00_a.ipynb")
    text = ('title = "t"\nauthors = ["a"]\ndescription = "d"\nrepository = "https://github.com/o/r"\n'
            '[[chapters]]\nnotebook = "notebooks/00_a.ipynb"\ntitle = "A"\nminutes = 5\nobjectives = ["o", "p"]\n')
    (tmp_path / "book.toml").write_text(text, encoding="utf-8")
    course = parse_course(text, tmp_path)
    _git(tmp_path, "init", "-q")
    written = publish.publish(course)
    assert [p.name for p in written] == ["00_a.ipynb"]
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-q", "-m", "published")
    edited = tmp_path / "student" / "00_a.ipynb"
    work = nbformat.read(edited, as_version=4)
    work.cells.append(nbformat.v4.new_code_cell("my_answer = 2"))  # a learner's edit
    nbformat.write(work, edited)
    with pytest.raises(FileExistsError, match="student/ has uncommitted changes .*00_a.ipynb"):
        publish.publish(course)
    assert "my_answer = 2" in edited.read_text()  # the edit is still there
    publish.publish(course, force=True)
    assert "my_answer = 2" not in edited.read_text()


def test_setup_cell_installs_the_course_without_touching_pytorch(tmp_path):
    """In a clean virtual environment (no course, no PyTorch), the set-up cell fetches the course
    (here: this repository, cloned from disk) and makes `course_utils` importable in the same
    process; it installs nothing else."""
    env_dir = tmp_path / "env"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    source = publish.SETUP_CELL.format(repository=COURSE.root.as_uri())
    check = source + ("\nimport course_utils, importlib.metadata as m\n"
                      "print(course_utils.__file__)\n"
                      "print(sorted(d.metadata['Name'].lower() for d in m.distributions()))\n")
    result = subprocess.run([str(python), "-c", check], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    where, installed = result.stdout.strip().splitlines()[-2:]
    assert where.startswith(str(tmp_path / "rnn-course"))
    assert "course-utils" in installed and "torch" not in installed and "numpy" not in installed
    # a second run (the chapter re-executed) does nothing
    again = subprocess.run([str(python), "-c", source], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert again.returncode == 0 and again.stdout == ""


def test_readme_chapter_table_matches_book_toml():
    """The README's chapter table is `python -m course_utils.authoring.publish --readme-table`, verbatim."""
    readme = (COURSE.root / "README.md").read_text(encoding="utf-8")
    assert publish.chapters_markdown(COURSE) in readme
