"""The course as an nbgrader course: collect and grade the exercises with nbgrader.

``python -m course_utils.authoring.workshop nbgrader --out DIR [--chapters 01 05 ...]`` writes::

    DIR/nbgrader_config.py            course id, code stub, execution timeout
    DIR/book.toml, DIR/notebooks/data the course's structure and data (found from every nbgrader folder)
    DIR/source/<chapter id>/<chapter id>.ipynb   one assignment per chapter

Each source notebook is the chapter with nbgrader's cell metadata (``metadata.nbgrader``):

- a ``solution`` cell becomes an autograded-answer cell (``solution: true``); the answer code sits
  between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` (a function keeps its ``def`` line and an
  author-reviewed ``stub_docstring`` outside the markers, its body inside), so
  ``nbgrader generate_assignment`` releases the same interface as the student edition;
- the check cell after it becomes a read-only autograded test cell (``grade: true, locked: true``)
  worth :data:`POINTS_PER_CHECK` point(s): ``book.toml`` has no points field, so every exercise
  check cell is worth one point. The checker's feedback is printed, then the cell asserts that it
  passed (a check cell alone only prints: a test cell must fail for a wrong answer);
- a ``model-answer`` cell (an "explain" exercise) becomes a manually graded Markdown answer cell
  (the model answer between the markers, released as "YOUR ANSWER HERE"), worth
  :data:`POINTS_PER_EXPLAIN` points: it is collected for the instructor's comments, not scored;
  ``instructor`` cells are left out, as in the student edition.

The folder is never written over graded work: if it holds ``gradebook.db``, ``autograded/``,
``feedback/`` or ``submitted/``, the export refuses and changes nothing.
"""
from __future__ import annotations

import ast
import json
import re
import shutil
from pathlib import Path

import nbformat

from course_utils.authoring.course import (
    EXERCISE_HEADING,
    INSTRUCTOR,
    MODEL_ANSWER,
    SOLUTION,
    Course,
    cell_tags,
    load_course,
    normalise_tag,
    resolve_chapters,
)

__all__ = ["POINTS_PER_CHECK", "POINTS_PER_EXPLAIN", "BEGIN", "END", "GRADED_WORK", "CHECK_CALL", "SCHEMA",
           "CONFIG", "mark_solution", "graded_check", "source_notebook", "graded_work", "export",
           "add_subcommand"]

POINTS_PER_CHECK = 1
POINTS_PER_EXPLAIN = 0  # a written answer: collected and graded by hand (nbgrader needs points; book.toml has none)
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
GRADED_WORK = ("gradebook.db", "autograded", "feedback", "submitted")
CHECK_CALL = re.compile(r"\bcheck\.\w+\(")
SCHEMA = 3
CONFIG = '''\
# nbgrader configuration written by `python -m course_utils.authoring.workshop nbgrader`
import os

c = get_config()  # noqa
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.course_id = {course_id!r}
c.ClearSolutions.code_stub = {{"python": "# YOUR CODE HERE\\nraise NotImplementedError()"}}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
c.Execute.timeout = {timeout}   # seconds per cell when autograding
'''


def _meta(grade_id: str, *, solution: bool, grade: bool, locked: bool, points: int | None = None,
          task: bool = False) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": SCHEMA,
            "solution": solution, "task": task}
    if grade:
        meta["points"] = float(points)
    return meta


def mark_solution(source: str, stub_docstring: str | None = None) -> str:
    """``source`` with nbgrader's solution markers: imports stay visible; a top-level function
    keeps its decorators and ``def`` line(s) (and ``stub_docstring``, when the author wrote one)
    and its body goes between the markers; any other statement goes between markers whole. Raises
    ValueError for a function written on one line (``def f(x): return x``): no body line to mark."""
    lines = source.splitlines()
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return "\n".join([BEGIN, *lines, END])
    out: list[str] = []
    pending: list[str] = []  # consecutive plain statements: one marked region

    def flush():
        if pending:
            out.extend([BEGIN, *pending, END])
            pending.clear()

    for node in tree.body:
        start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])]) - 1
        chunk = lines[start:node.end_lineno]
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            flush()
            out.extend(chunk)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            flush()
            body_start = node.body[0].lineno - 1
            header = lines[start:body_start]
            if body_start == node.lineno - 1:  # `def f(x): return x` on one line
                raise ValueError(f"cannot mark the one-line function {node.name!r}: write its body on its own lines")
            indent = re.match(r"\s*", lines[body_start]).group(0)
            out.extend(header)
            if stub_docstring:
                out.append(f'{indent}"""{stub_docstring}"""')
            out.extend([indent + BEGIN, *lines[body_start:node.end_lineno], indent + END])
        else:
            pending.extend(chunk)
    flush()
    return "\n".join(out)


def graded_check(source: str, label: str) -> str:
    """A check cell that prints the checker's feedback and fails when it is not ``passed``. Raises
    ValueError naming the exercise ``label`` when ``source`` calls no checker, SyntaxError when it is
    not Python."""
    tree = ast.parse(source)
    lines = source.splitlines()
    out, names = [], []
    for node in tree.body:
        chunk = lines[node.lineno - 1:node.end_lineno]
        text = "\n".join(chunk)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and CHECK_CALL.search(text):
            name = f"_feedback_{len(names) + 1}"
            names.append(name)
            out.append(f"{name} = " + text)
            out.append(f"print({name})")
        else:
            out.extend(chunk)
    if not names:
        raise ValueError(f"Exercise {label}: the check cell calls no checker (check.<name>(...)): {source[:80]!r}")
    out += [f"assert {name}.passed, 'Exercise {label}: not correct yet (the feedback above says why)'" for name in names]
    return "\n".join(out)


def source_notebook(nb: nbformat.NotebookNode, chapter_id: str) -> tuple[nbformat.NotebookNode, dict]:
    """The nbgrader source version of a chapter notebook; returns it and a summary (points, cells).
    Raises ValueError for a one-line solution function or a check cell that calls no checker."""
    cells, label, waiting, summary = [], None, None, {"solutions": 0, "checks": 0, "answers": 0, "points": 0}
    used_ids: set[str] = set()

    def grade_id(base: str) -> str:
        gid, k = base, 2
        while gid in used_ids:
            gid, k = f"{base}_{k}", k + 1
        used_ids.add(gid)
        return gid

    for cell in nb.cells:
        tags = cell_tags(cell)
        cell = nbformat.from_dict(json.loads(json.dumps(cell)))
        if INSTRUCTOR in tags:
            continue
        if cell.cell_type == "markdown":
            heading = EXERCISE_HEADING.search(cell.source)
            if heading:
                label = heading.group(1)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        ex = (label or "x").replace(".", "_")
        if SOLUTION in tags and cell.cell_type == "code":
            cell.source = mark_solution(cell.source, cell.metadata.get("stub_docstring"))
            cell.metadata["nbgrader"] = _meta(grade_id(f"ex_{ex}_answer"), solution=True, grade=False, locked=False)
            waiting, summary["solutions"] = label, summary["solutions"] + 1
        elif MODEL_ANSWER in tags:
            text = cell.source if cell.cell_type == "markdown" else f"```python\n{cell.source}\n```"
            cell = nbformat.v4.new_markdown_cell("\n".join([BEGIN, text, END]), metadata=dict(cell.metadata))
            cell.metadata["nbgrader"] = _meta(grade_id(f"ex_{ex}_explain"), solution=True, grade=True, locked=False,
                                              points=POINTS_PER_EXPLAIN)
            summary["answers"] += 1
        elif cell.cell_type == "code" and waiting is not None and CHECK_CALL.search(cell.source):
            cell.source = graded_check(cell.source, waiting)
            cell.metadata["nbgrader"] = _meta(grade_id(f"ex_{ex}_check"), solution=False, grade=True, locked=True,
                                              points=POINTS_PER_CHECK)
            waiting = None
            summary["checks"] += 1
            summary["points"] += POINTS_PER_CHECK
        if "tags" in cell.metadata:  # nbgrader does not read them; the student edition's tags stay out
            cell.metadata["tags"] = [t for t in cell.metadata["tags"] if normalise_tag(t)
                                     not in (SOLUTION, MODEL_ANSWER)]
        cell.metadata.pop("stub_docstring", None)
        cells.append(cell)
    out = nbformat.v4.new_notebook(metadata=dict(nb.metadata))
    out.metadata.pop("widgets", None)
    out.cells = cells
    return out, summary


def graded_work(folder: Path) -> list[str]:
    """What in ``folder`` shows nbgrader has collected or graded work there."""
    return [name for name in GRADED_WORK if (Path(folder) / name).exists()]


def export(out: str | Path, chapters=None, course: Course | None = None, *, timeout: int = 300) -> dict:
    """Write the nbgrader course into ``out`` (see the module docstring); returns a summary per
    chapter. Raises, writing nothing, FileExistsError when ``out`` already holds graded work,
    ValueError when ``out`` is not a folder path or would mix with the course sources, TypeError or
    ValueError for a bad ``chapters`` list, and ValueError for a notebook :func:`source_notebook`
    cannot mark."""
    course = course or load_course()
    if not isinstance(out, (str, Path)) or not str(out).strip():
        raise ValueError(f"--out must be a folder path, got {out!r}")
    target = Path(out).expanduser().resolve()
    root = Path(course.root).resolve()
    if target == root or root.is_relative_to(target) or target.is_relative_to(root / "notebooks"):
        raise ValueError(f"--out {str(out)!r} resolves to {target}, which would mix nbgrader's folders with the "
                         "course sources: expected a separate folder such as _build/nbgrader")
    if target.exists() and not target.is_dir():
        raise ValueError(f"--out {str(out)!r} is a file, expected a folder")
    found = graded_work(target) if target.is_dir() else []
    if found:
        raise FileExistsError(f"--out {str(out)!r} already holds graded work ({', '.join(found)}): nbgrader's "
                              "gradebook and submissions are never overwritten; export into a new folder")
    selected = resolve_chapters(chapters, course)
    notebooks = {ch: source_notebook(nbformat.read(course.root / ch.notebook, as_version=4), ch.id) for ch in selected}
    target.mkdir(parents=True, exist_ok=True)
    (target / "nbgrader_config.py").write_text(CONFIG.format(course_id=course.repository.rstrip("/").rsplit("/", 1)[-1]
                                                             .removesuffix(".git"), timeout=int(timeout)))
    shutil.copy2(course.root / "book.toml", target / "book.toml")
    data = course.root / "notebooks" / "data"
    if data.is_dir():
        shutil.copytree(data, target / "notebooks" / "data", dirs_exist_ok=True)
    summary = {}
    for ch, (nb, counts) in notebooks.items():
        folder = target / "source" / ch.id
        folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, folder / f"{ch.id}.ipynb")
        summary[ch.id] = counts
    return summary


def _nbgrader(args, parser) -> int:
    try:
        summary = export(args.out, args.chapters)
    except (ValueError, TypeError, FileExistsError) as exc:
        parser.error(str(exc))
    for chapter, counts in summary.items():
        print(f"{chapter}: {counts['solutions']} answer cells, {counts['checks']} autograded checks "
              f"({counts['points']} points), {counts['answers']} written answers")
    total = sum(c["points"] for c in summary.values())
    print(f"wrote {len(summary)} assignments ({total} points: {POINTS_PER_CHECK} per exercise check) under "
          f"{Path(args.out) / 'source'}; next: cd {args.out} && nbgrader generate_assignment <chapter id>")
    return 0


def add_subcommand(sub) -> None:
    """Add the ``nbgrader`` command to the workshop's command line (``sub`` is its subparsers)."""
    grade = sub.add_parser("nbgrader", help="export the course as an nbgrader course (one assignment per chapter)")
    grade.add_argument("--out", required=True, help="the nbgrader course folder to write (never one with graded work)")
    grade.add_argument("--chapters", nargs="+", metavar="N", help="chapter numbers or ids (default: all)")
    grade.set_defaults(run=_nbgrader)
