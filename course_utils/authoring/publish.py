"""Where learners open the course online: the published student edition and its links.

Colab opens a notebook straight from a GitHub path and Binder serves a repository as it is, so
the student edition is published in the repository itself, at a stable path::

    student/01_vanilla_rnn.ipynb   (one per chapter; solutions stubbed, outputs cleared)

``python -m course_utils.authoring.publish`` rewrites that folder from the chapters, and a test fails when
it is out of date. The notebooks hold no data: from ``student/`` the course's ``book.toml`` and
``notebooks/data/`` are found in the parent folder, as they are in a clone, on Binder, or on
Colab after the set-up cell (``SETUP_CELL``) that opens every chapter has fetched the repository.

Links (``book.toml``'s ``repository`` and ``branch``)::

    colab_url(course, chapter)   -> https://colab.research.google.com/github/OWNER/REPO/blob/BRANCH/student/NAME
    binder_url(course, chapter)  -> https://mybinder.org/v2/gh/OWNER/REPO/BRANCH?urlpath=lab/tree/student/NAME
"""
from __future__ import annotations

import argparse
import re
import subprocess
from pathlib import Path
from urllib.parse import quote

import nbformat

from course_utils.authoring.course import SETUP, Chapter, Course, cell_tags, load_course

__all__ = ["PUBLISHED_DIR", "SETUP_CELL", "github_slug", "published_path", "colab_url", "binder_url",
           "chapters_markdown", "setup_source", "setup_cell_problems", "write_setup_cells",
           "published_notebooks", "stale_notebooks", "uncommitted_edits", "publish", "main"]

PUBLISHED_DIR = "student"
SETUP_CELL = '''\
# Set-up for Google Colab, or any Python without the course installed: fetch
# the course and its helper package (PyTorch, NumPy, matplotlib are kept).
import importlib.util, subprocess, sys

if importlib.util.find_spec("course_utils") is None:
    repo = "{repository}"
    clone = ["git", "clone", "--quiet", "--depth", "1", repo, "rnn-course"]
    subprocess.run(clone, check=True)
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "-e"]
    subprocess.run([*pip, "rnn-course"], check=True)
    sys.path.insert(0, "rnn-course")  # this kernel started before the install'''


def github_slug(repository: str) -> str:
    """``owner/name`` of a GitHub repository URL. Raises ValueError for anything else."""
    found = re.fullmatch(r"https://github\.com/([\w.-]+/[\w.-]+?)(?:\.git)?/?", repository or "")
    if not found:
        raise ValueError(f"repository must be a GitHub URL like https://github.com/OWNER/NAME, got {repository!r}")
    return found.group(1)


def published_path(chapter: Chapter) -> str:
    """The chapter's student notebook, relative to the repository root."""
    return f"{PUBLISHED_DIR}/{Path(chapter.notebook).name}"


def colab_url(course: Course, chapter: Chapter) -> str:
    """The link that opens ``chapter``'s published student edition on Google Colab. Raises ValueError
    when the course's repository is not a GitHub URL."""
    slug = github_slug(course.repository)
    return f"https://colab.research.google.com/github/{slug}/blob/{quote(course.branch)}/{published_path(chapter)}"


def binder_url(course: Course, chapter: Chapter) -> str:
    """The link that opens ``chapter``'s published student edition in JupyterLab on Binder. Raises
    ValueError when the course's repository is not a GitHub URL."""
    slug = github_slug(course.repository)
    return (f"https://mybinder.org/v2/gh/{slug}/{quote(course.branch)}"
            f"?urlpath={quote('lab/tree/' + published_path(chapter), safe='')}")


def chapters_markdown(course: Course | None = None) -> str:
    """The README's chapter table: number, title, minutes (from book.toml), Colab and Binder links
    to the published student edition. A test keeps the README's copy equal to this. Raises ValueError
    when the course's repository is not a GitHub URL."""
    course = course or load_course()
    rows = ["| # | Chapter | Minutes | Open online |", "|---|---|---|---|"]
    for ch in course.chapters:
        if ch.kind == "chapter":
            rows.append(f"| {ch.number} | {ch.title} | {ch.minutes} | "
                        f"[Colab]({colab_url(course, ch)}) · [Binder]({binder_url(course, ch)}) |")
    total = sum(ch.minutes for ch in course.chapters if ch.kind == "chapter")
    rows.append(f"| | **All chapters** | **{total}** | |")
    return "\n".join(rows)


def setup_source(course: Course) -> str:
    """The first code cell of every chapter (see the module docstring)."""
    return SETUP_CELL.format(repository=course.repository)


def setup_cell_problems(course: Course | None = None) -> list[str]:
    """Chapters whose first code cell is not the set-up cell for this course's repository."""
    course = course or load_course()
    expected, problems = setup_source(course), []
    for chapter in course.chapters:
        if chapter.kind != "chapter":
            continue
        cells = nbformat.read(course.root / chapter.notebook, as_version=4).cells
        first = next((c for c in cells if c.cell_type == "code"), None)
        if first is None or first.source != expected or SETUP not in cell_tags(first):
            problems.append(f"{chapter.notebook}: the first code cell is not the set-up cell tagged {SETUP!r} "
                            "(python -m course_utils.authoring.publish --setup-cells writes it)")
    return problems


def write_setup_cells(course: Course | None = None) -> list[str]:
    """Make the set-up cell the first code cell of every chapter (replacing an older one); returns
    the notebooks changed. Re-execute them afterwards: their execution counts shift."""
    course = course or load_course()
    changed = []
    for chapter in course.chapters:
        if chapter.kind != "chapter":
            continue
        path = course.root / chapter.notebook
        nb = nbformat.read(path, as_version=4)
        nb.cells = [c for c in nb.cells if SETUP not in cell_tags(c)]
        cell = nbformat.v4.new_code_cell(setup_source(course), metadata={"tags": [SETUP]})
        first_code = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
        nb.cells.insert(first_code, cell)
        nbformat.write(nb, path)
        changed.append(chapter.notebook)
    return changed


def _comparable(nb) -> list:
    """A notebook's cells without their random ids, for comparing two builds."""
    return [{k: v for k, v in cell.items() if k != "id"} for cell in nb.cells]


def published_notebooks(course: Course | None = None) -> dict[Path, nbformat.NotebookNode]:
    """What ``student/`` must hold: target path -> student notebook, for every chapter."""
    from course_utils.authoring.student_edition import chapter_student_notebook

    course = course or load_course()
    out = {}
    for chapter in course.chapters:
        if chapter.kind == "chapter":
            nb, _ = chapter_student_notebook(course, chapter)
            out[course.root / published_path(chapter)] = nb
    return out


def stale_notebooks(course: Course | None = None) -> list[str]:
    """Published student notebooks that are missing, differ from a fresh build, or are left over."""
    course = course or load_course()
    expected = published_notebooks(course)
    problems = []
    for path, nb in expected.items():
        if not path.is_file():
            problems.append(f"{path.relative_to(course.root)}: missing")
        elif _comparable(nbformat.read(path, as_version=4)) != _comparable(nb):
            problems.append(f"{path.relative_to(course.root)}: differs from its chapter's student edition")
    folder = course.root / PUBLISHED_DIR
    extra = sorted(set(folder.glob("*.ipynb")) - set(expected)) if folder.is_dir() else []
    problems += [f"{path.relative_to(course.root)}: no chapter in book.toml makes it" for path in extra]
    return problems


def uncommitted_edits(root: Path) -> list[str]:
    """Files under ``student/`` that differ from git's last commit (someone edited them by hand).
    Raises RuntimeError when ``root`` is not a git checkout."""
    result = subprocess.run(["git", "status", "--porcelain", "--", PUBLISHED_DIR], cwd=root,
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{root} is not a git checkout ({result.stderr.strip()}): publishing rewrites "
                           f"{PUBLISHED_DIR}/, which is only safe where git can restore it")
    return [line[3:] for line in result.stdout.splitlines()]


def publish(course: Course | None = None, force: bool = False) -> list[Path]:
    """Rewrite ``student/`` from the chapters; returns the files written. ``student/`` holds
    generated files only (learners work in their own copy: Colab, Binder or ``_build/student``),
    but hand edits there are never overwritten silently: uncommitted changes make this raise
    FileExistsError unless ``force``. Raises RuntimeError when the course is not a git checkout."""
    course = course or load_course()
    edited = uncommitted_edits(course.root)
    if edited and not force:
        raise FileExistsError(f"{PUBLISHED_DIR}/ has uncommitted changes ({', '.join(edited)}): commit or "
                              "discard them first, or pass force=True (--force) to overwrite them")
    expected = published_notebooks(course)
    folder = course.root / PUBLISHED_DIR
    folder.mkdir(exist_ok=True)
    for path in set(folder.glob("*.ipynb")) - set(expected):
        path.unlink()
    for path, nb in expected.items():
        nbformat.write(nb, path)
    return sorted(expected)


def main(argv: list[str] | None = None) -> int:
    """The command line (see the module docstring); returns the exit status (1 when ``student/`` has
    uncommitted edits or is not in a git checkout). Raises SystemExit (status 2, argparse) for bad
    arguments, BookFileError for a bad ``book.toml``, ValueError for ``--readme-table`` when the
    repository is not on GitHub."""
    parser = argparse.ArgumentParser(prog="python -m course_utils.authoring.publish", description=__doc__.split("\n")[0])
    parser.add_argument("--setup-cells", action="store_true",
                        help="first write the set-up cell into every chapter (then re-execute them)")
    parser.add_argument("--check", action="store_true", help="only report what is out of date (exit 1 if any)")
    parser.add_argument("--readme-table", action="store_true", help="print the README's chapter table")
    parser.add_argument("--force", action="store_true", help="overwrite uncommitted edits in student/")
    args = parser.parse_args(argv)
    course = load_course()
    if args.readme_table:
        print(chapters_markdown(course))
        return 0
    if args.check:
        problems = setup_cell_problems(course) + stale_notebooks(course)
        print("\n".join(problems) or f"{PUBLISHED_DIR}/ is up to date")
        return 1 if problems else 0
    if args.setup_cells:
        print(f"set-up cell written into {len(write_setup_cells(course))} chapters: re-execute them")
    try:
        written = publish(course, force=args.force)
    except (FileExistsError, RuntimeError) as exc:
        print(f"error: {exc}")
        return 1
    print(f"published {len(written)} student notebooks in {PUBLISHED_DIR}/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
