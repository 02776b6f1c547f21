"""The student edition: every chapter with its solutions replaced by stubs.

Built with nbconvert preprocessors, applied in this order to each chapter notebook:

0. tags are normalised first (:func:`course_utils.authoring.course.normalise_tag`): ``Solution``, `` solution ``,
   ``MODEL_ANSWER`` or ``Model Answer`` count as ``solution`` / ``model-answer``, so a
   mis-spelt tag can neither ship a solution nor hide it from :func:`leaks`;
1. :class:`AnswerCellsPreprocessor` replaces every ``model-answer`` cell (the answer to an
   "explain" exercise) by an empty-looking markdown cell tagged ``answer`` for the learner to
   write in (:data:`ANSWER_CELL`); ``TagRemovePreprocessor`` drops cells tagged ``instructor``;
2. :class:`StubSolutionsPreprocessor` rewrites each cell tagged ``solution`` with :func:`stub_source`:
   a function keeps its ``def`` line(s) (decorators and signature: the interface) and its body
   becomes ``raise NotImplementedError("Exercise N.k: your code here")``. Its docstring is NOT
   kept, nor any comment between the signature and the body: a solution's docstring often
   states the formula the exercise asks for. The stub's docstring is ``"Exercise N.k: see the
   instructions above."``, or the text an author puts in the cell's metadata as
   ``"stub_docstring"`` (reviewed to state the interface, never the answer). A value such as
   ``answer = 0.25`` becomes ``answer = ...  # your prediction``; imports are kept; anything
   else is dropped. The cell's ``solution`` tag becomes ``exercise``;
3. ``ClearOutputPreprocessor`` removes outputs, execution counts and run metadata, and
   :func:`clear_widget_state` removes the widget state an author's run leaves in the
   notebook's metadata (``metadata.widgets``: sliders, progress bars, plots in Output widgets);
4. a chapter with ``breaks`` in ``book.toml`` (where a long chapter is split into sittings) gets a
   short markdown cell, :func:`stop_cell_text`, before the heading of each break.

``N.k`` comes from the ``### Exercise N.k — title`` heading above the cell. Guides
(``kind = "guide"`` in ``book.toml``) are for instructors and are left out. The edition mirrors
the repository layout (``notebooks/``, ``notebooks/data/``, ``book.toml``), so the notebooks find
their data and objectives exactly as in the full course. Use it via
``python -m course_utils.authoring.workshop student``.

Re-running the build never destroys a learner's work: every file it writes is listed with its
SHA-256 in the folder's marker file (:data:`MARKER`). On the next build a file whose content
still matches the list is replaced; a file the learner changed is kept as it is and the new
version is written next to it as ``<name>.new<suffix>`` (the summary lists both); files the
learner added are never touched.

:func:`leaks` finds hidden lines left in the edition; :func:`giveaways` finds, in the ORIGINAL
chapter, what the edition cannot hide: a solution's code visible in an ordinary cell before
its exercise, and prompts that send the learner to a model answer the edition removes.
"""
from __future__ import annotations

import ast
import copy
import hashlib
import io
import json
import re
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbconvert.preprocessors import ClearOutputPreprocessor, Preprocessor, TagRemovePreprocessor
from traitlets import Unicode

from course_utils.authoring.course import (
    ANSWER,
    BOOK_FILE,
    EXERCISE,
    EXERCISE_HEADING,
    HIDDEN_FROM_LEARNERS,
    INSTRUCTOR,
    MODEL_ANSWER,
    SOLUTION,
    WIDGET,
    Chapter,
    Course,
    cell_tags,
    check_output_folder,
    load_course,
    sitting_starts,
)

__all__ = ["MARKER", "PREDICTION", "LEAK_MIN_CHARS", "ANSWER_CELL", "STUB_DOCSTRING_KEY", "stub_source",
           "StubSolutionsPreprocessor", "NormaliseTagsPreprocessor", "AnswerCellsPreprocessor",
           "clear_widget_state", "preprocessors", "stop_cell_text", "add_stop_cells", "student_notebook", "chapter_student_notebook", "Edition", "build", "leaks",
           "giveaways", "WIDGET_CELL_TIMEOUT", "execute"]

MARKER = ".student-edition"  # marks a folder made by this module; holds the manifest of what it wrote
PREDICTION = "...  # your prediction"
LEAK_MIN_CHARS = 12  # shorter lines (`return h, c`, `else:`) are too generic to reveal a solution
ANSWER_CELL = "**Your answer.** *(Double-click this cell and write your explanation here.)*"
STUB_DOCSTRING_KEY = "stub_docstring"  # cell metadata: an author-reviewed docstring for the stub


def _header_lines(node, lines: list[str]) -> list[str]:
    """Decorators and the signature, up to the line ending with its colon; comments dropped."""
    start = min([d.lineno for d in node.decorator_list] + [node.lineno])
    last = node.lineno
    for part in [*node.args.args, *node.args.posonlyargs, *node.args.kwonlyargs, node.args.vararg,
                 node.args.kwarg, node.returns, *node.args.defaults, *node.args.kw_defaults]:
        if part is not None:
            last = max(last, part.end_lineno)
    while last < node.body[0].lineno and not re.sub(r"#.*$", "", lines[last - 1]).rstrip().endswith(":"):
        last += 1
    head = lines[start - 1:last]
    try:  # drop every comment (a comment on the signature may state the answer)
        comments = [tok for tok in tokenize.generate_tokens(io.StringIO("\n".join(head) + "\n").readline)
                    if tok.type == tokenize.COMMENT]
    except (tokenize.TokenError, SyntaxError):  # pragma: no cover - the cell parsed, so should its header
        comments = []
    for tok in reversed(comments):
        row, col = tok.start
        head[row - 1] = head[row - 1][:col].rstrip()
    return [line for line in head if line.strip()]


def _docstring_lines(text: str, indent: int) -> list[str]:
    if not text.strip():
        return []
    pad = " " * indent
    body = [line.rstrip() for line in text.strip().splitlines()] or [""]
    body = [body[0]] + [(pad + line.strip()) if line.strip() else "" for line in body[1:]]
    if len(body) == 1:
        return [f'{pad}"""{body[0]}"""']
    return [f'{pad}"""{body[0]}'] + body[1:] + [f'{pad}"""']


def _stub_function(node, lines: list[str], label: str, docstring: str | None = None) -> list[str]:
    """``def`` line(s) (with decorators), a neutral docstring, then ``raise NotImplementedError``.

    The solution's own docstring and comments are dropped (they may state the answer).
    """
    first = node.body[0]
    raise_line = f'raise NotImplementedError("Exercise {label}: your code here")'
    doc = docstring if docstring is not None else f"Exercise {label}: see the instructions above."
    if first.lineno == node.lineno:  # one-line function: rebuild it from the syntax tree
        node.body = ast.parse(raise_line).body
        node.decorator_list = list(node.decorator_list)
        return ast.unparse(node).splitlines()
    indent = first.col_offset
    return _header_lines(node, lines) + _docstring_lines(doc, indent) + [" " * indent + raise_line]


def _stub_class(node, lines: list[str], label: str, docstring: str | None = None) -> list[str]:
    first = node.body[0]
    start = min([d.lineno for d in node.decorator_list] + [node.lineno])
    out = [line for line in lines[start - 1:first.lineno - 1] if not line.strip().startswith("#")]
    out += _docstring_lines(docstring if docstring is not None else f"Exercise {label}: see the instructions above.",
                            first.col_offset)
    methods = [n for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    for method in methods:
        out += [""] + _stub_function(method, lines, label, docstring="")
    return out


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


def stub_source(source: str, label: str, docstring: str | None = None) -> str:
    """The student version of a solution cell's code (see the module docstring).

    ``docstring`` replaces the neutral docstring of a stubbed function (an author's reviewed
    text, from the cell metadata ``stub_docstring``).
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:  # e.g. IPython magics: nothing to keep
        return f"# Exercise {label}: your code here\n"
    lines, blocks = source.splitlines(), []
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            blocks.append(lines[node.lineno - 1:node.end_lineno])
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            blocks.append(_stub_function(node, lines, label, docstring))
        elif isinstance(node, ast.ClassDef):
            blocks.append(_stub_class(node, lines, label, docstring))
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
        """Stub every code cell tagged ``solution`` (see :func:`stub_source`) and retag it ``exercise``."""
        label, count = None, 0
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                found = EXERCISE_HEADING.findall(cell.source)
                label = found[-1][0] if found else label
            elif cell.cell_type == "code" and self.solution_tag in cell_tags(cell):
                count += 1
                exercise = label or f"{resources.get('chapter_number', 0)}.{count}"
                docstring = cell.metadata.pop(STUB_DOCSTRING_KEY, None)
                cell.source = stub_source(cell.source, exercise, docstring).rstrip("\n")
                cell.metadata["tags"] = [t if t != self.solution_tag else self.stub_tag for t in cell_tags(cell)]
                resources.setdefault("stubbed", []).append(exercise)
        return nb, resources


class NormaliseTagsPreprocessor(Preprocessor):
    """Rewrite every cell's tags with :func:`~course_utils.authoring.course.normalise_tag` (``Solution`` -> ``solution``)."""

    def preprocess(self, nb, resources):
        """Normalise every cell's tags, dropping duplicates."""
        for cell in nb.cells:
            if cell_tags(cell):
                cell.metadata["tags"] = list(dict.fromkeys(cell_tags(cell)))
        return nb, resources


class AnswerCellsPreprocessor(Preprocessor):
    """Replace each ``model-answer`` cell by an answer cell (:data:`ANSWER_CELL`) for the learner."""

    def preprocess(self, nb, resources):
        """Replace each run of ``model-answer`` cells by one answer cell for the learner."""
        cells = []
        for cell in nb.cells:
            if MODEL_ANSWER in cell_tags(cell):
                if not (cells and ANSWER in cell_tags(cells[-1])):  # one answer cell per exercise
                    answer = nbformat.v4.new_markdown_cell(ANSWER_CELL)
                    answer.metadata["tags"] = [ANSWER]
                    if "id" in cell:  # a stable id: rebuilding gives the same file
                        answer["id"] = f"answer-{cell['id']}"[:64]
                    else:
                        answer.pop("id", None)
                    cells.append(answer)
                    resources.setdefault("answer_cells", 0)
                    resources["answer_cells"] += 1
                continue
            cells.append(cell)
        nb.cells = cells
        return nb, resources


def clear_widget_state(nb) -> None:
    """Remove what an author's run leaves besides outputs: widget state and per-cell run metadata."""
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        for key in ("widgets", "execution", "collapsed", "scrolled"):
            cell.metadata.pop(key, None)


def preprocessors() -> list[Preprocessor]:
    """The preprocessors of the student edition, in the order the module docstring gives."""
    return [NormaliseTagsPreprocessor(),
            AnswerCellsPreprocessor(),
            TagRemovePreprocessor(remove_cell_tags={INSTRUCTOR}, enabled=True),
            StubSolutionsPreprocessor(),
            ClearOutputPreprocessor(remove_metadata_fields={"collapsed", "scrolled", "execution"})]


def stop_cell_text(sitting: int, sittings: int) -> str:
    """The markdown of the cell that ends sitting ``sitting`` (1-based) of ``sittings``."""
    return (f"**A good place to stop** (the end of sitting {sitting} of {sittings} of this chapter). When you "
            "come back, run every cell above this one first (in JupyterLab: *Run ▸ Run All Above Selected "
            "Cell*), so that the code below finds what it needs.")


def add_stop_cells(nb, breaks) -> list[str]:
    """Insert a :func:`stop_cell_text` cell before the heading of each label of ``breaks`` (``"4.5"``,
    ``"Exercise 4.3"``, see :func:`course_utils.authoring.course.sitting_starts`); returns the labels done.
    Raises TypeError when ``breaks`` is not a list or tuple, ValueError for a label that names no section
    or exercise after the notebook's start."""
    if isinstance(breaks, str) or not isinstance(breaks, (list, tuple)):
        raise TypeError(f"breaks: expected a list of labels such as ['4.5', 'Exercise 4.3'], got {breaks!r}")
    starts = dict(sitting_starts(nb.cells))
    for label in breaks:
        if label not in starts or starts[label] == 0:
            raise ValueError(f"breaks: {label!r} names no section or exercise after the start of this "
                             f"notebook; its units are {', '.join(starts) or 'none'}")
    positions = sorted(starts[label] for label in breaks)
    for k, index in reversed(list(enumerate(positions, start=1))):
        cell = nbformat.v4.new_markdown_cell(stop_cell_text(k, len(positions) + 1))
        if "id" in nb.cells[index]:   # a stable id: rebuilding gives the same file
            cell["id"] = f"sitting-break-{k}"
        else:
            cell.pop("id", None)
        nb.cells.insert(index, cell)
    return list(breaks)


def student_notebook(nb, chapter_number: int | None = None, breaks=()) -> tuple[nbformat.NotebookNode, dict]:
    """A student copy of ``nb`` (the original is not changed) and the resources (``stubbed``: labels,
    ``answer_cells``: how many "explain" exercises got a cell to write in, ``breaks``: where a
    "good place to stop" cell was put, from ``book.toml``'s ``breaks`` of the chapter). Raises TypeError
    or ValueError for ``breaks`` that is not a list of this notebook's section or exercise labels."""
    nb = copy.deepcopy(nb)
    resources = {"chapter_number": chapter_number, "stubbed": [], "answer_cells": 0}
    for pre in preprocessors():
        nb, resources = pre.preprocess(nb, resources)
    clear_widget_state(nb)
    resources["breaks"] = add_stop_cells(nb, breaks)
    return nb, resources


@dataclass
class Edition:
    """What a build of the student edition wrote: the notebooks, the number of exercises, the files it
    skipped or kept."""

    out: Path
    notebooks: list[Path] = field(default_factory=list)
    exercises: int = 0
    missing: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)       # learner-edited files left as they were
    answer_cells: int = 0

    def summary(self) -> str:
        """A few lines for the terminal: what was written where, and every learner-edited file kept."""
        where = self.out / "notebooks"
        where = where.relative_to(Path.cwd()) if where.is_relative_to(Path.cwd()) else where
        text = f"Student edition: {len(self.notebooks)} notebooks with {self.exercises} exercises in {where}"
        text += "".join(f"\n  skipped (file missing): {m}" for m in self.missing)
        for rel in self.kept:
            fresh = _fresh_name(rel)
            text += (f"\n  kept your edited {rel} unchanged; this build's version is {fresh} "
                     f"(delete or rename yours and rebuild to get it under its own name)")
        return text


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _fresh_name(rel: str) -> str:
    path = Path(rel)
    return str(path.with_name(f"{path.stem}.new{path.suffix}"))


class _Writer:
    """Writes the edition's files without ever overwriting a learner's edits (see the module docstring)."""

    def __init__(self, out: Path):
        self.out, self.previous, self.written, self.kept = out, self._read_manifest(out), {}, []

    @staticmethod
    def _read_manifest(out: Path) -> dict[str, str]:
        marker = out / MARKER
        if not marker.is_file():
            return {}
        try:
            return dict(json.loads(marker.read_text()).get("files", {}))
        except (ValueError, AttributeError):  # a marker written before manifests existed
            return {}

    def _learners(self, rel: str, data: bytes) -> bool:
        """A file is there, this module did not write it as it is now, and it differs from ``data``."""
        target = self.out / rel
        if not target.is_file():
            return False
        current = target.read_bytes()
        return self.previous.get(rel) != _sha256(current) and current != data

    def write(self, rel: str, data: bytes) -> None:
        if self._learners(rel, data):  # the learner's version: keep it, write ours beside it
            self.kept.append(rel)
            rel = _fresh_name(rel)
            while self._learners(rel, data):  # the learner edited the fresh copy too
                rel = _fresh_name(rel)
        target = self.out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        self.written[rel] = _sha256(data)

    def finish(self) -> None:
        """Remove files the previous build wrote, that this one did not, and nobody changed."""
        for rel, digest in self.previous.items():
            path = self.out / rel
            if rel not in self.written and path.is_file() and _sha256(path.read_bytes()) == digest:
                path.unlink()
        manifest = {"made_by": "python -m course_utils.authoring.workshop student",
                    "note": "files this build wrote, with their SHA-256; a file you change is never overwritten",
                    "files": dict(sorted(self.written.items()))}
        (self.out / MARKER).write_text(json.dumps(manifest, indent=1) + "\n")


def _prepare(out: Path) -> None:
    if out.exists() and any(out.iterdir()) and not (out / MARKER).exists():
        raise FileExistsError(f"{out} is not empty and is not a student edition: expected an empty or "
                              f"new folder, or one made by this command (with a {MARKER} file)")
    out.mkdir(parents=True, exist_ok=True)


def chapter_student_notebook(course: Course, chapter: Chapter) -> tuple[nbformat.NotebookNode, dict]:
    """The student edition of one chapter of ``course``, built in memory from its notebook: solutions
    stubbed and ``book.toml``'s breaks marked (:func:`student_notebook`). Returns (notebook, resources).
    Raises FileNotFoundError when the chapter's notebook is missing."""
    nb = nbformat.read(course.root / chapter.notebook, as_version=4)
    return student_notebook(nb, chapter.number, chapter.breaks)


def build(out: str | Path = "_build/student", course: Course | None = None) -> Edition:
    """Write the student edition of every chapter (not guides) under ``out``, mirroring the repo.

    Never deletes or overwrites a file the learner changed or added (see the module docstring).
    Raises ValueError when ``out`` could touch the sources (see
    :func:`~course_utils.authoring.course.check_output_folder`) or a chapter's ``breaks`` do not match
    its notebook, FileExistsError when ``out`` is neither empty nor a student edition.
    """
    course = course or load_course()
    out = check_output_folder(out, course)  # never the sources: not notebooks/, not the repository root
    _prepare(out)
    writer, edition = _Writer(out), Edition(out)
    for chapter in course.chapters:
        source = course.root / chapter.notebook
        if chapter.kind != "chapter":
            continue
        if not source.is_file():
            edition.missing.append(chapter.notebook)
            continue
        nb, resources = chapter_student_notebook(course, chapter)
        nbformat.validate(nb)
        writer.write(chapter.notebook, nbformat.writes(nb).encode("utf-8"))
        edition.notebooks.append(out / chapter.notebook)
        edition.exercises += len(resources["stubbed"])
        edition.answer_cells += resources["answer_cells"]
    for folder in sorted({Path(ch.notebook).parent for ch in course.chapters}):
        data = course.root / folder / "data"
        if data.is_dir():
            for path in sorted(p for p in data.rglob("*") if p.is_file()):
                writer.write(str(folder / "data" / path.relative_to(data)), path.read_bytes())
    writer.write(BOOK_FILE, (course.root / BOOK_FILE).read_bytes())
    writer.finish()
    edition.kept = writer.kept
    return edition


def _text(nb, keep) -> str:
    return "\n".join(cell.source for cell in nb.cells if keep(cell))


def leaks(original, student, min_chars: int = LEAK_MIN_CHARS) -> list[str]:
    """Lines of hidden cells (solutions, model answers, instructor notes) found in ``student``.

    A line counts when, stripped, it has at least ``min_chars`` characters, is not part of the
    stub that replaced it (signature, docstring, imports) and does not also appear in a visible
    cell of the original (then the edition did not reveal it).
    """
    hidden = HIDDEN_FROM_LEARNERS
    visible = _text(original, lambda cell: not hidden & set(cell_tags(cell)))
    shown = _text(student, lambda cell: True)
    found = []
    for cell in original.cells:
        if not hidden & set(cell_tags(cell)):
            continue
        kept = set()
        if SOLUTION in cell_tags(cell) and cell.cell_type == "code":
            kept = {line.strip() for line in stub_source(cell.source, "0.0").splitlines()}
        for line in (line.strip() for line in cell.source.splitlines()):
            if len(line) >= min_chars and line not in kept and line not in visible and line in shown:
                found.append(line)
    return found


def _code_lines(source: str) -> list[str]:
    """Code lines without comments, whitespace collapsed (imports and comment lines left out)."""
    lines = (" ".join(re.sub(r"\s+#[^'\"]*$", "", line).split()) for line in source.splitlines())
    return [line for line in lines if line and not line.startswith(("#", "import ", "from "))]


def giveaways(original, min_chars: int = LEAK_MIN_CHARS) -> list[str]:
    """What the student edition of ``original`` cannot hide, one sentence each.

    * a line of a solution's code (at least ``min_chars`` characters, not part of its stub,
      whitespace ignored) that already appears in an ordinary code cell ABOVE the exercise;
    * an ordinary markdown cell that sends the learner to a "model answer", which the edition
      removes.
    """
    found, seen, label = [], set(), None
    for cell in original.cells:
        tags = set(cell_tags(cell))
        if cell.cell_type == "markdown":
            headings = EXERCISE_HEADING.findall(cell.source)
            label = headings[-1][0] if headings else label
            prompt = bool(headings)  # an exercise's prompt (not the course's own description)
            if prompt and not tags & HIDDEN_FROM_LEARNERS and re.search(r"model[\s-]+answer", cell.source,
                                                                    re.IGNORECASE):
                where = f"Exercise {label}" if label else "a markdown cell"
                found.append(f"{where}: the prompt mentions a model answer, which the student edition removes.")
        if cell.cell_type != "code":
            continue
        if SOLUTION in tags:
            stub = set(_code_lines(stub_source(cell.source, "0.0")))
            for line in _code_lines(cell.source):
                if len(line) >= min_chars and line not in stub and line in seen:
                    found.append(f"Exercise {label}: `{line}` is visible above the exercise.")
        elif not tags & HIDDEN_FROM_LEARNERS:
            seen.update(_code_lines(cell.source))
    return found


WIDGET_CELL_TIMEOUT = 20  # seconds: see execute()


def execute(path: str | Path, timeout: int = 300) -> nbformat.NotebookNode:
    """Run a notebook top to bottom in a fresh ``python3`` kernel, in its own folder; return it.

    Raises ``nbclient.exceptions.CellExecutionError`` if a cell fails.
    """
    import os

    from nbclient import NotebookClient

    path = Path(path)
    nb = nbformat.read(path, as_version=4)

    def cell_timeout(cell) -> int:
        # nbclient waits for a widget cell's last message until the timeout, although the cell
        # has finished (nbclient issue #312); the explorers draw in about a second.
        return min(timeout, WIDGET_CELL_TIMEOUT) if WIDGET in cell_tags(cell) else timeout

    client = NotebookClient(nb, timeout=timeout, timeout_func=cell_timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute(env={**os.environ, "OMP_NUM_THREADS": "1"})
    return nb
