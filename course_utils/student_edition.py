"""The student edition: every chapter with its solutions replaced by stubs.

Built with nbconvert preprocessors, applied in this order to each chapter notebook:

1. ``TagRemovePreprocessor`` drops cells tagged ``model-answer`` and ``instructor``;
2. :class:`StubSolutionsPreprocessor` rewrites each cell tagged ``solution`` with :func:`stub_source`:
   a function keeps its ``def`` line(s) and docstring and its body becomes
   ``raise NotImplementedError("Exercise N.k: your code here")``; a value such as
   ``answer = 0.25`` becomes ``answer = ...  # your prediction``; imports are kept; anything
   else is dropped. The cell's ``solution`` tag becomes ``exercise``;
3. ``ClearOutputPreprocessor`` removes outputs, execution counts and run metadata.

``N.k`` comes from the ``### Exercise N.k — title`` heading above the cell. Guides
(``kind = "guide"`` in ``book.toml``) are for instructors and are left out. The edition mirrors
the repository layout (``notebooks/``, ``notebooks/data/``, ``book.toml``), so the notebooks find
their data and objectives exactly as in the full course. Use it via
``python -m course_utils.workshop student``.
"""
from __future__ import annotations

import ast
import copy
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbconvert.preprocessors import ClearOutputPreprocessor, Preprocessor, TagRemovePreprocessor
from traitlets import Unicode

from .course import BOOK_FILE, Course, load_course
from .workshop import EXERCISE, EXERCISE_HEADING, INSTRUCTOR, MODEL_ANSWER, SOLUTION, tags

MARKER = ".student-edition"  # marks a folder this module may wipe and rebuild
PREDICTION = "...  # your prediction"
LEAK_MIN_CHARS = 12  # shorter lines (`return h, c`, `else:`) are too generic to reveal a solution


def _stub_function(node, lines: list[str], label: str) -> list[str]:
    """``def`` line(s) (with decorators) + docstring, then ``raise NotImplementedError``."""
    first = node.body[0]
    has_doc = (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
               and isinstance(first.value.value, str))
    raise_line = f'raise NotImplementedError("Exercise {label}: your code here")'
    if first.lineno == node.lineno:  # one-line function: rebuild it from the syntax tree
        stub = ast.parse(raise_line).body
        node.body = ([first] if has_doc else []) + stub
        return ast.unparse(node).splitlines()
    start = min([d.lineno for d in node.decorator_list] + [node.lineno])
    head = lines[start - 1:node.lineno]  # decorators and the first line of the signature
    rest = lines[node.lineno:first.end_lineno if has_doc else first.lineno - 1]
    if not has_doc:  # comments between the signature and the body belong to the solution
        rest = [line for line in rest if not line.strip().startswith("#")]
    return head + rest + [" " * first.col_offset + raise_line]


def _stub_class(node, lines: list[str], label: str) -> list[str]:
    first = node.body[0]
    start = min([d.lineno for d in node.decorator_list] + [node.lineno])
    out = [line for line in lines[start - 1:first.lineno - 1] if not line.strip().startswith("#")]
    has_doc = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(
        first.value.value, str)
    if has_doc:
        out += lines[first.lineno - 1:first.end_lineno]
    methods = [n for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    for i, method in enumerate(methods):
        out += ([""] if i else []) + _stub_function(method, lines, label)
    return out if methods or has_doc else out + [" " * first.col_offset + "pass"]


def _target_text(target) -> str | None:
    if isinstance(target, ast.Name):
        return target.id
    if isinstance(target, (ast.Tuple, ast.List)) and all(isinstance(e, ast.Name) for e in target.elts):
        return ", ".join(e.id for e in target.elts)
    return None


def _stub_assignment(node, source: str) -> list[str]:
    if isinstance(node, ast.AnnAssign):
        name = _target_text(node.target)
        annotation = ast.get_source_segment(source, node.annotation)
        return [f"{name}: {annotation} = {PREDICTION}"] if name and node.simple else []
    names = [_target_text(t) for t in node.targets]
    if not all(names):
        return []
    widths = {len(t.elts) for t in node.targets if isinstance(t, (ast.Tuple, ast.List))}
    value = ", ".join(["..."] * widths.pop()) + "  # your prediction" if len(widths) == 1 else PREDICTION
    return [" = ".join(names) + " = " + value]


def stub_source(source: str, label: str) -> str:
    """The student version of a solution cell's code (see the module docstring)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:  # e.g. IPython magics: nothing to keep
        return f"# Exercise {label}: your code here\n"
    lines, blocks = source.splitlines(), []
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            blocks.append(lines[node.lineno - 1:node.end_lineno])
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            blocks.append(_stub_function(node, lines, label))
        elif isinstance(node, ast.ClassDef):
            blocks.append(_stub_class(node, lines, label))
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            blocks.append(_stub_assignment(node, source))
    blocks = [b for b in blocks if b]
    if not blocks:
        return f"# Exercise {label}: your code here\n"
    text = ""
    for i, block in enumerate(blocks):
        separate = i > 0 and (len(block) > 1 or len(blocks[i - 1]) > 1)
        text += ("\n\n" if separate else "") + "\n".join(block) + "\n"
    return text


class StubSolutionsPreprocessor(Preprocessor):
    """Replace every ``solution`` cell by :func:`stub_source`; retag it ``exercise``."""

    solution_tag = Unicode(SOLUTION).tag(config=True)
    stub_tag = Unicode(EXERCISE).tag(config=True)

    def preprocess(self, nb, resources):
        label, count = None, 0
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                found = EXERCISE_HEADING.findall(cell.source)
                label = found[-1][0] if found else label
            elif cell.cell_type == "code" and self.solution_tag in tags(cell):
                count += 1
                exercise = label or f"{resources.get('chapter_number', 0)}.{count}"
                cell.source = stub_source(cell.source, exercise).rstrip("\n")
                cell.metadata["tags"] = [t if t != self.solution_tag else self.stub_tag for t in tags(cell)]
                resources.setdefault("stubbed", []).append(exercise)
        return nb, resources


def preprocessors() -> list[Preprocessor]:
    return [TagRemovePreprocessor(remove_cell_tags={MODEL_ANSWER, INSTRUCTOR}, enabled=True),
            StubSolutionsPreprocessor(),
            ClearOutputPreprocessor(remove_metadata_fields={"collapsed", "scrolled", "execution"})]


def student_notebook(nb, chapter_number: int | None = None) -> tuple[nbformat.NotebookNode, dict]:
    """A student copy of ``nb`` (the original is not changed) and the resources (``stubbed``: labels)."""
    nb = copy.deepcopy(nb)
    resources = {"chapter_number": chapter_number, "stubbed": []}
    for pre in preprocessors():
        nb, resources = pre.preprocess(nb, resources)
    return nb, resources


@dataclass
class Edition:
    out: Path
    notebooks: list[Path] = field(default_factory=list)
    exercises: int = 0
    missing: list[str] = field(default_factory=list)

    def summary(self) -> str:
        where = self.out / "notebooks"
        where = where.relative_to(Path.cwd()) if where.is_relative_to(Path.cwd()) else where
        text = f"Student edition: {len(self.notebooks)} notebooks with {self.exercises} exercises in {where}"
        return text + "".join(f"\n  skipped (file missing): {m}" for m in self.missing)


def _prepare(out: Path) -> None:
    if out.exists() and any(out.iterdir()):
        if not (out / MARKER).exists():
            raise FileExistsError(f"{out} is not empty and is not a student edition: expected an empty or "
                                  f"new folder, or one made by this command (with a {MARKER} file)")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("Made by `python -m course_utils.workshop student`; rebuilt on every run.\n")


def build(out: str | Path = "_build/student", course: Course | None = None) -> Edition:
    """Write the student edition of every chapter (not guides) under ``out``, mirroring the repo."""
    course = course or load_course()
    out = Path(out) if Path(out).is_absolute() else course.root / out
    _prepare(out)
    edition = Edition(out)
    for chapter in course.chapters:
        source = course.root / chapter.notebook
        if chapter.kind != "chapter":
            continue
        if not source.is_file():
            edition.missing.append(chapter.notebook)
            continue
        nb, resources = student_notebook(nbformat.read(source, as_version=4), chapter.number)
        nbformat.validate(nb)
        target = out / chapter.notebook
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target)
        edition.notebooks.append(target)
        edition.exercises += len(resources["stubbed"])
    for folder in sorted({Path(ch.notebook).parent for ch in course.chapters}):
        if (course.root / folder / "data").is_dir():
            shutil.copytree(course.root / folder / "data", out / folder / "data", dirs_exist_ok=True)
    shutil.copy2(course.root / BOOK_FILE, out / BOOK_FILE)
    return edition


def _text(nb, keep) -> str:
    return "\n".join(cell.source for cell in nb.cells if keep(cell))


def leaks(original, student, min_chars: int = LEAK_MIN_CHARS) -> list[str]:
    """Lines of hidden cells (solutions, model answers, instructor notes) found in ``student``.

    A line counts when, stripped, it has at least ``min_chars`` characters, is not part of the
    stub that replaced it (signature, docstring, imports) and does not also appear in a visible
    cell of the original (then the edition did not reveal it).
    """
    hidden = {SOLUTION, MODEL_ANSWER, INSTRUCTOR}
    visible = _text(original, lambda cell: not hidden & set(tags(cell)))
    shown = _text(student, lambda cell: True)
    found = []
    for cell in original.cells:
        if not hidden & set(tags(cell)):
            continue
        kept = set()
        if SOLUTION in tags(cell) and cell.cell_type == "code":
            kept = {line.strip() for line in stub_source(cell.source, "0.0").splitlines()}
        for line in (line.strip() for line in cell.source.splitlines()):
            if len(line) >= min_chars and line not in kept and line not in visible and line in shown:
                found.append(line)
    return found


def execute(path: str | Path, timeout: int = 300) -> nbformat.NotebookNode:
    """Run a notebook top to bottom in a fresh ``python3`` kernel, in its own folder; return it.

    Raises ``nbclient.exceptions.CellExecutionError`` if a cell fails.
    """
    import os

    from nbclient import NotebookClient

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute(env={**os.environ, "OMP_NUM_THREADS": "1"})
    return nb
