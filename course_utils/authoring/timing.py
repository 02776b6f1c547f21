"""How long a chapter takes, computed from what it holds (the ``minutes`` of ``book.toml``).

A chapter's minutes are the sum of three parts, each computed from the notebook:

1. **Reading.** The prose of its markdown cells at ``WORDS_PER_MINUTE`` (200 words a minute),
   plus a fixed time per line of display mathematics, per line of code the learner reads (every
   code cell except exercise solutions), per printed output word and per figure. The rates are
   the module constants below, stated with their source or marked as the course's own choice.
   ``instructor`` cells (not in the student edition) and model answers are not read here.
2. **Running.** The seconds its cells take, from a stored measurement
   (``notebooks/data/chapter_run_seconds.json``, written by ``python -m course_utils.authoring.timing
   measure``, which runs every chapter once in a fresh kernel and records the machine).
3. **Exercises.** Minutes per exercise by kind, the kind read from the notebook: an exercise whose
   section holds a ``model-answer`` cell is *explain*; one whose heading says "Predict" is
   *predict-then-verify*; any other exercise with a ``solution`` code cell is *write code*.
   Writing code costs a base time plus a time per line of the reference solution, so a backward
   pass costs more than a one-line formula; explaining costs a base time plus reading the model
   answer.

``book.toml``'s minutes are the total rounded to 5; ``tests/test_timing.py`` fails when they differ
from the model by more than 25 %.

**Sittings.** A chapter is also timed unit by unit: each numbered section (``## 4.5 ...``, with the
title and objectives before the first one) and each exercise (from the ``## Exercises`` heading for
the first), as :func:`course_utils.authoring.course.sitting_starts` cuts it. The units' minutes sum to the
chapter's. A chapter longer than ``SITTING_MINUTES`` lists in ``book.toml`` the ``breaks`` where a
learner stops and comes back; :func:`propose_breaks` proposes the fewest sittings of at most
``SITTING_MINUTES`` each (the longest as short as it can be), cut between units.

Command line::

    python -m course_utils.authoring.timing table      # the per-chapter and per-exercise tables (markdown)
    python -m course_utils.authoring.timing breaks     # the proposed breaks of every chapter, against book.toml's
    python -m course_utils.authoring.timing measure    # time every chapter once, rewrite the JSON
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import math
import os
import platform
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from course_utils._checks import check_number, check_str
from course_utils.authoring.course import (
    INSTRUCTOR,
    MODEL_ANSWER,
    SOLUTION,
    Chapter,
    Course,
    break_name,
    break_problems,
    cell_tags,
    load_course,
    sitting_starts,
)

__all__ = ["RUN_TIMES_FILE", "WORDS_PER_MINUTE", "INLINE_MATH_WORDS", "SECONDS_PER_EQUATION_LINE",
           "CODE_LINES_PER_MINUTE", "CODE_CHARS_PER_LINE", "SECONDS_PER_FIGURE", "OUTPUT_WORDS_PER_MINUTE",
           "EXERCISE_MINUTES", "WRITE_CODE_MINUTES_PER_LINE", "ROUND_TO", "TOLERANCE", "machine",
           "measure_chapter", "measure", "SKIPPED_TAGS", "count_words", "Prose", "read_markdown",
           "code_lines", "solution_lines", "output_words_and_figures", "Exercise", "exercises_of",
           "ChapterTime", "chapter_time", "load_run_times", "run_seconds", "course_times", "deviation",
           "parameters_markdown", "timing_markdown", "show_timing", "main", "SITTING_MINUTES", "Unit",
           "run_shares", "chapter_units", "sitting_minutes", "propose_breaks", "Sittings", "chapter_sittings",
           "course_sittings", "sittings_markdown"]

RUN_TIMES_FILE = "notebooks/data/chapter_run_seconds.json"

# --- the model's parameters ---------------------------------------------------------------------

WORDS_PER_MINUTE = 200
"""Prose. Brysbaert (2019), "How many words do we read per minute? A review and meta-analysis of
reading rate", *Journal of Memory and Language* 109, 104047, estimates 238 words a minute for adults'
silent reading of English non-fiction, most adults between 175 and 300, and lower rates for readers
of English as a second language. The course takes 200 for its technical prose."""
INLINE_MATH_WORDS = 3
"""An inline formula ``$...$`` counts as this many words (the course's choice)."""
SECONDS_PER_EQUATION_LINE = 20
"""A line of display mathematics (``$$ ... $$``, lines split at ``\\\\``) (the course's choice)."""
CODE_LINES_PER_MINUTE = 15
"""Code the learner reads (every code cell that is not an exercise solution, comments included),
in lines of ``CODE_CHARS_PER_LINE`` characters (the course's choice: about four seconds a line)."""
CODE_CHARS_PER_LINE = 50
"""Code is measured in characters other than whitespace, 50 to a line: the average of the course's
code cells (50.1 over chapters 0-5 and 7-11 at commit 0428a3b). Characters, unlike lines, do not
change when a formatter wraps a long line into several."""
SECONDS_PER_FIGURE = 30
"""Looking at a figure (each image output) (the course's choice)."""
OUTPUT_WORDS_PER_MINUTE = WORDS_PER_MINUTE
"""Printed output (text outputs of code cells), read as prose."""

EXERCISE_MINUTES = {
    "write code": 5.0,           # read the prompt, run the check, fix what it reports; plus per line
    "predict-then-verify": 6.0,  # work the number out on paper, type it in, run the check
    "explain": 6.0,              # write a few sentences; plus reading the model answer
}
"""Minutes per exercise by kind (the course's choice). *Write code* adds
``WRITE_CODE_MINUTES_PER_LINE`` per line of the reference solution; *explain* adds the time to
read the model answer at ``WORDS_PER_MINUTE``."""
WRITE_CODE_MINUTES_PER_LINE = 1.0
"""Minutes per line a learner writes (a non-blank, non-comment line of the reference solution,
without each function's ``def`` line and docstring, which the student edition gives) (the course's
choice)."""
ROUND_TO = 5
"""``book.toml`` minutes are the model's total rounded to this many minutes."""
TOLERANCE = 0.25
"""``book.toml`` minutes may differ from the model by this fraction of the model's total."""
SITTING_MINUTES = 60
"""The longest sitting the course plans for (the course's choice): one focused hour, the usual length
of a lecture slot. A longer chapter is taken in several sittings, split at its ``breaks``; a sitting
may run over by at most ``TOLERANCE`` (the model's own margin) before a test asks for a new proposal."""


# --- measuring run times ------------------------------------------------------------------------

_USAGE_CELL = """\
import json as _json, resource as _resource
_s, _c = _resource.getrusage(_resource.RUSAGE_SELF), _resource.getrusage(_resource.RUSAGE_CHILDREN)
print(_json.dumps({"cpu_s": _s.ru_utime + _s.ru_stime + _c.ru_utime + _c.ru_stime}))
"""


def machine() -> dict:
    """What a measurement ran on: CPU model, cores, load average, Python, date (UTC)."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return {"cpu": model, "cores": os.cpu_count(), "load_average_1min": round(load, 1),
            "python": platform.python_version(),
            "date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}


def measure_chapter(chapter: Chapter, root: Path, timeout: int = 300, source: str | Path | None = None) -> dict:
    """Run one chapter top to bottom in a fresh kernel (``OMP_NUM_THREADS=1``) and return its
    wall seconds and the kernel's CPU seconds (user + system, children included). ``source``: read
    the notebook from this file instead (e.g. a committed version), still run from ``notebooks/``."""
    import nbformat
    from nbclient import NotebookClient

    path = root / chapter.notebook
    nb = nbformat.read(source or path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(_USAGE_CELL))
    saved = os.environ.get("OMP_NUM_THREADS")
    os.environ["OMP_NUM_THREADS"] = "1"                  # the kernel inherits it
    try:
        start = time.perf_counter()
        NotebookClient(nb, timeout=timeout, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        wall = time.perf_counter() - start
    finally:
        if saved is None:
            os.environ.pop("OMP_NUM_THREADS", None)
        else:
            os.environ["OMP_NUM_THREADS"] = saved
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.get("output_type") == "stream")
    cpu = json.loads(text.strip().splitlines()[-1])["cpu_s"]
    return {"wall_s": round(wall, 1), "cpu_s": round(cpu, 1),
            "code_cells": sum(c.cell_type == "code" for c in nb.cells) - 1}


def measure(course: Course | None = None, chapters: list[str] | None = None, progress=print,
            timeout: int = 300) -> dict:
    """Time every chapter once (or those in ``chapters``), one after the other; ``timeout``: seconds
    allowed per cell. A failed run is retried once; raises the second failure's error (nbclient's
    CellExecutionError for a failing cell, its timeout error for a cell over ``timeout``)."""
    course = course or load_course()
    facts = {"machine": machine(), "method": (
        "each notebook run once, top to bottom, in a fresh python3 kernel started by nbclient, "
        "OMP_NUM_THREADS=1; cpu_s = user + system seconds of the kernel (and its children), "
        "kernel start included; wall_s = wall-clock seconds of the whole run"), "chapters": {}}
    for ch in course.chapters:
        if chapters and ch.id not in chapters:
            continue
        progress(f"timing {ch.id} ...")
        for attempt in (1, 2):      # a kernel that lost its connection (e.g. a port taken meanwhile): retry once
            try:
                row = measure_chapter(ch, course.root, timeout=timeout)
                break
            except Exception as error:  # noqa: BLE001 - report and retry, then give up
                progress(f"  attempt {attempt} failed: {type(error).__name__}: {error}")
                if attempt == 2:
                    raise
        facts["chapters"][ch.id] = row
        progress(f"  {row}")
    facts["machine_after"] = machine()
    return facts


# --- reading a notebook -------------------------------------------------------------------------

_EXERCISE = re.compile(r"^(#{2,4})\s+Exercise\s+([\w.]+)\s*[—–-]+\s*(.*?)\s*$", re.M)
_DISPLAY_MATH = re.compile(r"\$\$(.+?)\$\$", re.S)
_INLINE_MATH = re.compile(r"(?<![\\$])\$(?!\$)(.+?)(?<![\\$])\$")
_WORD = re.compile(r"[A-Za-z0-9À-ɏ]+(?:['’.-][A-Za-z0-9À-ɏ]+)*")
SKIPPED_TAGS = (INSTRUCTOR,)
"""Cells with these tags are not part of a learner's chapter (the student edition removes them)."""


def _source(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def count_words(text: str) -> int:
    """Words of plain text: runs of letters and digits (``don't``, ``3.5`` and ``e-mail`` count once)."""
    return len(_WORD.findall(text))


@dataclass
class Prose:
    """What a learner reads in some markdown: words, inline formulas and lines of display maths."""

    words: int = 0
    inline_math: int = 0
    equation_lines: int = 0

    def __iadd__(self, other: "Prose") -> "Prose":
        self.words += other.words
        self.inline_math += other.inline_math
        self.equation_lines += other.equation_lines
        return self

    @property
    def minutes(self) -> float:
        """Reading time of the prose: words (inline maths weighted) at the reading speed, plus time per
        equation line."""
        return ((self.words + INLINE_MATH_WORDS * self.inline_math) / WORDS_PER_MINUTE
                + SECONDS_PER_EQUATION_LINE * self.equation_lines / 60)


def read_markdown(text: str) -> Prose:
    """Count the words, inline formulas and display-equation lines of one markdown cell. Display
    maths (``$$...$$``) counts one line per ``\\\\``-separated row; link targets, HTML tags and table
    rules are not words. Raises TypeError when ``text`` is not a string."""
    check_str(text, "text")
    prose = Prose()
    for block in _DISPLAY_MATH.findall(text):
        rows = [r for r in re.split(r"\\\\", block) if re.search(r"[A-Za-z0-9]", r)]
        prose.equation_lines += max(1, len(rows))
    text = _DISPLAY_MATH.sub(" ", text)
    prose.inline_math = len(_INLINE_MATH.findall(text))
    text = _INLINE_MATH.sub(" ", text)
    text = re.sub(r"\]\([^)]*\)", "] ", text)             # [label](target): the label is read
    text = re.sub(r"<[^>]+>", " ", text)                   # HTML tags
    text = re.sub(r"^\s*\|?[\s:|-]+\|[\s:|-]*$", " ", text, flags=re.M)   # table rules |---|---|
    prose.words = count_words(text)
    return prose


def _line_equivalents(lines) -> float:
    return sum(len(re.sub(r"\s", "", line)) for line in lines) / CODE_CHARS_PER_LINE


def code_lines(text: str) -> float:
    """A code cell's size in lines of ``CODE_CHARS_PER_LINE`` non-whitespace characters (comments
    included: they are read too)."""
    return _line_equivalents(text.splitlines())


def solution_lines(text: str) -> float:
    """Lines a learner writes for a solution, in lines of ``CODE_CHARS_PER_LINE`` non-whitespace
    characters: comments, each function's ``def`` line and docstring (the student edition gives
    both) left out."""
    import ast

    lines = text.splitlines()
    keep = [bool(line.strip()) and not line.strip().startswith("#") for line in lines]
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return _line_equivalents(line for line, k in zip(lines, keep) if k)
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            first_body = node.body[0]
            for row in range(node.lineno, first_body.lineno):        # decorators excluded: def line(s)
                keep[row - 1] = False
            if (isinstance(first_body, ast.Expr) and isinstance(first_body.value, ast.Constant)
                    and isinstance(first_body.value.value, str)):
                for row in range(first_body.lineno, first_body.end_lineno + 1):
                    keep[row - 1] = False
    return _line_equivalents(line for line, k in zip(lines, keep) if k)


def output_words_and_figures(cell) -> tuple[int, int]:
    """Words of a code cell's printed output (its markdown or HTML rendering when it has one, else
    its plain text) and its number of figures (image outputs and interactive widgets). Raises TypeError
    for a malformed output whose ``text/markdown`` is neither a string nor a list of strings."""
    words = figures = 0
    for out in cell.get("outputs", []):
        kind = out.get("output_type")
        if kind == "stream":
            words += count_words(_source({"source": out.get("text", "")}))
        elif kind in ("execute_result", "display_data"):
            data = out.get("data", {})
            if any(key.startswith("image/") or key.endswith("widget-view+json") for key in data):
                figures += 1                            # a figure, or an interactive explorer's figure
            elif "text/markdown" in data:
                words += read_markdown(_source({"source": data["text/markdown"]})).words
            elif "text/html" in data:
                words += count_words(re.sub(r"<[^>]+>", " ", _source({"source": data["text/html"]})))
            elif "text/plain" in data:
                words += count_words(_source({"source": data["text/plain"]}))
    return words, figures


@dataclass
class Exercise:
    """One exercise of a chapter: its number, title, kind and minutes."""

    number: str
    title: str
    kind: str
    solution_lines: float = 0.0
    model_answer_words: int = 0

    @property
    def minutes(self) -> float:
        """The exercise's minutes: its kind's base time, plus time per solution line or per model-answer
        word."""
        base = EXERCISE_MINUTES[self.kind]
        if self.kind == "write code":
            return base + WRITE_CODE_MINUTES_PER_LINE * self.solution_lines
        if self.kind == "explain":
            return base + self.model_answer_words / WORDS_PER_MINUTE
        return base


def _exercise_kind(heading: str, cells: list) -> str:
    if any(MODEL_ANSWER in cell_tags(c) for c in cells):
        return "explain"
    if re.search(r"\bpredict\b", heading, re.I):
        return "predict-then-verify"
    if any(c.get("cell_type") == "code" and SOLUTION in cell_tags(c) for c in cells):
        return "write code"
    raise ValueError(f"exercise {heading!r} has no `solution` code cell, no `model-answer` cell and no "
                     "'Predict' in its heading, so its kind (write code / predict-then-verify / explain) "
                     "cannot be told")


def exercises_of(cells: list) -> list[tuple[int, int, Exercise]]:
    """The exercises of a notebook's cells: ``(first cell, end cell, Exercise)``. An exercise runs
    from its heading (``### Exercise 4.2 — title``) to the next heading of the same or a higher level.
    Raises ValueError for an exercise whose kind cannot be told (no ``solution`` code cell, no
    ``model-answer`` cell and no "Predict" in its heading)."""
    found = []
    for i, cell in enumerate(cells):
        if cell.get("cell_type") != "markdown":
            continue
        match = _EXERCISE.search(_source(cell))
        if not match:
            continue
        level = len(match.group(1))
        end = i + 1
        while end < len(cells):
            nxt = cells[end]
            if nxt.get("cell_type") == "markdown" and re.search(rf"^#{{1,{level}}}\s", _source(nxt), re.M):
                break
            end += 1
        section = cells[i + 1:end]
        heading = f"{match.group(2)} {match.group(3)}"
        kind = _exercise_kind(heading, section)
        ex = Exercise(number=match.group(2), title=match.group(3), kind=kind)
        ex.solution_lines = sum(solution_lines(_source(c)) for c in section
                                if c.get("cell_type") == "code" and SOLUTION in cell_tags(c))
        ex.model_answer_words = sum(read_markdown(_source(c)).words for c in section
                                    if MODEL_ANSWER in cell_tags(c))
        found.append((i, end, ex))
    return found


@dataclass
class ChapterTime:
    """The model's account of one chapter (minutes per part) and what it counted."""

    chapter: str
    prose: Prose = field(default_factory=Prose)
    code_lines: float = 0.0
    output_words: int = 0
    figures: int = 0
    run_seconds: float = 0.0
    exercises: list[Exercise] = field(default_factory=list)

    @property
    def reading_minutes(self) -> float:
        """Minutes to read the prose, the code, the printed output and the figures."""
        return (self.prose.minutes + self.code_lines / CODE_LINES_PER_MINUTE
                + self.output_words / OUTPUT_WORDS_PER_MINUTE + SECONDS_PER_FIGURE * self.figures / 60)

    @property
    def run_minutes(self) -> float:
        """Minutes the chapter's cells take to run (the measured seconds, over 60)."""
        return self.run_seconds / 60

    @property
    def exercise_minutes(self) -> float:
        """Minutes for all of the chapter's exercises."""
        return sum(ex.minutes for ex in self.exercises)

    @property
    def minutes(self) -> float:
        """The chapter's modelled minutes: reading, running and exercises."""
        return self.reading_minutes + self.run_minutes + self.exercise_minutes

    @property
    def rounded(self) -> int:
        """The total rounded to ``ROUND_TO`` minutes (at least ``ROUND_TO``)."""
        return max(ROUND_TO, ROUND_TO * int(math.floor(self.minutes / ROUND_TO + 0.5)))


def chapter_time(notebook, run_seconds: float, chapter: str = "") -> ChapterTime:
    """The model applied to one notebook (a path or a loaded notebook dict) with its measured
    ``run_seconds``. Exercise prompts count as prose; exercise solutions and model answers do not
    (the exercise minutes cover them); ``instructor`` cells are left out.

    Raises FileNotFoundError for a missing notebook file, TypeError for a ``notebook`` that is neither
    a path nor a notebook dict with a ``cells`` list or a ``run_seconds`` that is not a real number,
    ValueError for a negative or non-finite ``run_seconds`` or an exercise whose kind cannot be told."""
    notebook, chapter = _load_notebook(notebook, chapter)
    check_number(run_seconds, "run_seconds", low=0)
    cells = notebook["cells"]
    result = ChapterTime(chapter=chapter, run_seconds=float(run_seconds))
    result.exercises = [ex for _, _, ex in exercises_of(cells)]
    _read_cells(cells, result)
    return result


def _load_notebook(notebook, chapter: str) -> tuple[dict, str]:
    if isinstance(notebook, (str, Path)):
        path = Path(notebook)
        if not path.is_file():
            raise FileNotFoundError(f"notebook: no file {str(path)!r}")
        return json.loads(path.read_text(encoding="utf-8")), chapter or path.stem
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise TypeError(f"notebook: expected a path or a notebook dict with a 'cells' list, "
                        f"got {type(notebook).__name__}")
    return notebook, chapter


def _read_cells(cells: list, result: ChapterTime) -> None:
    """Add what a learner reads in ``cells`` (prose, code, outputs, figures) to ``result``."""
    for cell in cells:
        tags = cell_tags(cell)
        if any(t in tags for t in SKIPPED_TAGS) or MODEL_ANSWER in tags:
            continue
        if cell.get("cell_type") == "markdown":
            result.prose += read_markdown(_source(cell))
        elif cell.get("cell_type") == "code":
            if SOLUTION not in tags:
                result.code_lines += code_lines(_source(cell))
            words, figures = output_words_and_figures(cell)
            result.output_words += words
            result.figures += figures


# --- the whole course ---------------------------------------------------------------------------

def load_run_times(root: Path | None = None) -> dict:
    """The stored measurement (``RUN_TIMES_FILE``): ``{"machine": ..., "chapters": {id: {"cpu_s": ...}}}``.
    Raises FileNotFoundError, saying how to write it, when the file is missing."""
    path = Path(root or load_course().root) / RUN_TIMES_FILE
    if not path.is_file():
        raise FileNotFoundError(f"no run-time measurement at {RUN_TIMES_FILE}; write it with "
                                "`python -m course_utils.authoring.timing measure`")
    return json.loads(path.read_text(encoding="utf-8"))


def run_seconds(chapter_id: str, run_times: dict) -> float:
    """A chapter's measured run time: the kernel's CPU seconds (on the measuring machine, one
    thread, so close to the wall time on a quiet core whatever else ran beside it). Raises KeyError,
    saying how to measure it, when ``run_times`` has none for ``chapter_id``."""
    try:
        return float(run_times["chapters"][chapter_id]["cpu_s"])
    except KeyError:
        raise KeyError(f"chapter {chapter_id!r} has no measured run time in {RUN_TIMES_FILE}; run "
                       f"`python -m course_utils.authoring.timing measure --chapters {chapter_id}`") from None


def course_times(course: Course | None = None, kinds: tuple[str, ...] = ("chapter",),
                 run_times: dict | None = None) -> list[tuple[Chapter, ChapterTime]]:
    """The model for every entry of ``book.toml`` whose kind is in ``kinds``, in book order. Raises
    FileNotFoundError when the run times (``run_times`` None) or a notebook are missing, KeyError for a
    chapter without a measured run time, ValueError for an exercise whose kind cannot be told."""
    course = course or load_course()
    run_times = run_times if run_times is not None else load_run_times(course.root)
    return [(ch, chapter_time(course.root / ch.notebook, run_seconds(ch.id, run_times), ch.id))
            for ch in course.chapters if ch.kind in kinds]


def deviation(book_minutes: int, model: ChapterTime) -> float:
    """(book.toml minutes − model) / model."""
    return (book_minutes - model.minutes) / model.minutes


# --- sittings -----------------------------------------------------------------------------------

def _cell_seconds(cell) -> float | None:
    """The run time an executed cell stores (``metadata.execution``, written by nbclient), or None."""
    stamps = cell.get("metadata", {}).get("execution", {})
    try:
        start = _dt.datetime.fromisoformat(stamps["iopub.execute_input"].replace("Z", "+00:00"))
        end = _dt.datetime.fromisoformat(stamps["shell.execute_reply"].replace("Z", "+00:00"))
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    return max(0.0, (end - start).total_seconds())


def run_shares(cells: list) -> list[float]:
    """Each cell's share of the chapter's measured run time (shares sum to 1 when there is a code cell):
    in proportion to the run time each code cell stores from the author's last run when every code
    cell stores one, else equal shares of the code cells. Markdown cells get 0."""
    code = [i for i, c in enumerate(cells) if c.get("cell_type") == "code"]
    shares = [0.0] * len(cells)
    if not code:
        return shares
    stored = [_cell_seconds(cells[i]) for i in code]
    if all(s is not None for s in stored) and sum(stored) > 0:
        weights = stored
    else:
        weights = [1.0] * len(code)
    total = sum(weights)
    for i, w in zip(code, weights):
        shares[i] = w / total
    return shares


@dataclass
class Unit:
    """A piece of a chapter a sitting may start with: a numbered section or an exercise (see
    :func:`course_utils.authoring.course.sitting_starts`), with the model applied to its cells."""

    label: str
    first_cell: int
    end_cell: int
    time: ChapterTime

    @property
    def minutes(self) -> float:
        """The unit's modelled minutes (reading, its share of the run time, its exercise)."""
        return self.time.minutes


def chapter_units(notebook, run_seconds: float, chapter: str = "") -> list[Unit]:
    """The model applied unit by unit (a numbered section, or an exercise): every cell belongs to one
    unit, the run time is shared out with :func:`run_shares`, each exercise counts in the unit holding
    its heading, so the units' minutes sum to :func:`chapter_time`'s. A notebook without sections or
    exercises is one unit, ``"start"``. Raises what :func:`chapter_time` raises, for the same reasons."""
    notebook, chapter = _load_notebook(notebook, chapter)
    check_number(run_seconds, "run_seconds", low=0)
    cells = notebook["cells"]
    starts = sitting_starts(cells) or [("start", 0)]
    shares = run_shares(cells)
    exercises = exercises_of(cells)
    units = []
    for k, (label, first) in enumerate(starts):
        end = starts[k + 1][1] if k + 1 < len(starts) else len(cells)
        time = ChapterTime(chapter=chapter, run_seconds=float(run_seconds) * sum(shares[first:end]))
        time.exercises = [ex for i, _, ex in exercises if first <= i < end]
        _read_cells(cells[first:end], time)
        units.append(Unit(label=label, first_cell=first, end_cell=end, time=time))
    return units


def _check_minutes(minutes, name: str) -> list[float]:
    if not isinstance(minutes, (list, tuple)) or not minutes:
        raise TypeError(f"{name}: expected a non-empty list of minutes, got {minutes!r}")
    for m in minutes:
        check_number(m, name, low=0)
    return [float(m) for m in minutes]


def sitting_minutes(units: list[Unit], breaks) -> list[float]:
    """The minutes of each sitting when the chapter of ``units`` is cut before each label in
    ``breaks`` (``"4.5"``, ``"Exercise 4.3"``, in notebook order). Raises TypeError when ``breaks`` is
    not a list or tuple, ValueError for a label that is not a unit after the first, or labels out of
    notebook order or repeated."""
    labels = [u.label for u in units]
    if isinstance(breaks, str) or not isinstance(breaks, (list, tuple)):
        raise TypeError(f"breaks: expected a list of labels such as ['4.5', 'Exercise 4.3'], got {breaks!r}")
    cuts = []
    for label in breaks:
        if label not in labels[1:]:
            raise ValueError(f"breaks: {label!r} is not a unit after the chapter's first; the units are "
                             f"{', '.join(labels)}")
        cuts.append(labels.index(label))
    if cuts != sorted(set(cuts)):
        raise ValueError(f"breaks: expected labels in notebook order without repeats, got {list(breaks)!r}")
    bounds = [0, *cuts, len(units)]
    return [sum(u.minutes for u in units[a:b]) for a, b in zip(bounds, bounds[1:])]


def propose_breaks(minutes, limit: float = SITTING_MINUTES) -> list[int]:
    """Where to cut a chapter whose units take ``minutes`` (in order): the indices of the units that
    start a new sitting. The fewest sittings with each at most ``limit``, and among those the one
    whose longest sitting is shortest. A unit longer than ``limit`` cannot be cut: it is a sitting of
    its own (see :class:`Sittings` ``.too_long``). A small dynamic programme over (units so far,
    sittings so far). Raises TypeError when ``minutes`` is not a non-empty list of real numbers or
    ``limit`` not a real number, ValueError for a negative or non-finite minute count or a ``limit``
    that is not positive."""
    minutes = _check_minutes(minutes, "minutes")
    check_number(limit, "limit", low=0)
    if limit <= 0:
        raise ValueError(f"limit: expected a positive number of minutes, got {limit!r}")
    n = len(minutes)
    prefix = [0.0]
    for m in minutes:
        prefix.append(prefix[-1] + m)

    def allowed(a: int, b: int) -> bool:               # units a..b-1 as one sitting
        return b - a == 1 or prefix[b] - prefix[a] <= limit + 1e-9

    inf = float("inf")
    # best[j][b]: the smallest longest sitting for units 0..b-1 in j sittings; back[j][b]: where the last starts
    best = [[inf] * (n + 1) for _ in range(n + 1)]
    back = [[-1] * (n + 1) for _ in range(n + 1)]
    best[0][0] = 0.0
    for j in range(1, n + 1):
        for b in range(1, n + 1):
            for a in range(j - 1, b):
                if best[j - 1][a] < inf and allowed(a, b):
                    value = max(best[j - 1][a], prefix[b] - prefix[a])
                    if value < best[j][b] - 1e-12:
                        best[j][b], back[j][b] = value, a
        if best[j][n] < inf:
            cuts, b = [], n
            for k in range(j, 0, -1):
                b = back[k][b]
                cuts.append(b)
            return sorted(cuts)[1:]                       # the first sitting starts at unit 0
    raise AssertionError("unreachable: one unit per sitting is always allowed")


@dataclass
class Sittings:
    """A chapter's units, its ``book.toml`` breaks with their sittings, and the proposed breaks."""

    chapter: Chapter
    units: list[Unit]
    breaks: list[float]
    proposed: list[str]
    proposed_minutes: list[float]

    @property
    def total(self) -> float:
        """The chapter's modelled minutes (the sum of its units)."""
        return sum(u.minutes for u in self.units)

    @property
    def too_long(self) -> list[Unit]:
        """Units longer than ``SITTING_MINUTES`` on their own (no break can shorten them)."""
        return [u for u in self.units if u.minutes > SITTING_MINUTES]

    def problems(self) -> list[str]:
        """Each sitting by ``book.toml``'s breaks longer than ``SITTING_MINUTES`` × (1 + ``TOLERANCE``),
        with what to do about it; ``[]`` when every sitting fits."""
        limit = SITTING_MINUTES * (1 + TOLERANCE)
        labels = [u.label for u in self.units]
        bounds = [0, *(labels.index(b) for b in self.chapter.breaks), len(self.units)]
        found = []
        for k, (a, b) in enumerate(zip(bounds, bounds[1:]), start=1):
            minutes = self.breaks[k - 1]
            if minutes <= limit:
                continue
            where = f"{self.chapter.id}: sitting {k} of {len(bounds) - 1} ({labels[a]} to {labels[b - 1]}) takes " \
                    f"{minutes:.1f} min by the model, over {SITTING_MINUTES} min + {TOLERANCE:.0%}"
            if b - a == 1:
                found.append(f"{where}; it is one unit, which no break can shorten: trim or split {labels[a]}")
            else:
                found.append(f"{where}; run `python -m course_utils.authoring.timing breaks` and set breaks = "
                             f"{_toml_list(self.proposed)} in book.toml ({_minutes_list(self.proposed_minutes)} min)")
        return found


def chapter_sittings(chapter: Chapter, root: Path, run_times: dict) -> Sittings:
    """The sittings of one chapter of ``book.toml``: by its ``breaks`` and as :func:`propose_breaks`
    proposes. Raises ValueError, naming the chapter, for a break naming no unit of the notebook (or
    out of order), FileNotFoundError for a missing notebook, KeyError for a chapter without a measured
    run time."""
    path = Path(root) / chapter.notebook
    notebook, _ = _load_notebook(path, chapter.id)
    problems = break_problems(notebook["cells"], chapter)
    if problems:
        raise ValueError("\n".join(problems))
    units = chapter_units(notebook, run_seconds(chapter.id, run_times), chapter.id)
    cuts = propose_breaks([u.minutes for u in units])
    proposed = [units[i].label for i in cuts]
    return Sittings(chapter=chapter, units=units, breaks=sitting_minutes(units, list(chapter.breaks)),
                    proposed=proposed, proposed_minutes=sitting_minutes(units, proposed))


def course_sittings(course: Course | None = None, run_times: dict | None = None) -> list[Sittings]:
    """:func:`chapter_sittings` for every chapter (kind ``chapter``) in book order. Raises what that raises,
    and FileNotFoundError when ``run_times`` is None and the stored measurement is missing."""
    course = course or load_course()
    run_times = run_times if run_times is not None else load_run_times(course.root)
    return [chapter_sittings(ch, course.root, run_times) for ch in course.chapters if ch.kind == "chapter"]


def _toml_list(breaks) -> str:
    return "[" + ", ".join(f'"{b}"' for b in breaks) + "]"


def _minutes_list(minutes) -> str:
    return " + ".join(_fmt(m) for m in minutes)


def sittings_markdown(rows: list[Sittings]) -> str:
    """One row per chapter: its model total, ``book.toml``'s breaks and each sitting's minutes by the
    model, and the proposal when it differs."""
    lines = [f"**Sittings** (at most {SITTING_MINUTES} min each by the model, cut between sections and "
             "exercises; `breaks` in `book.toml`)", "",
             "| # | Chapter | model | breaks (stop before) | minutes per sitting | proposed |",
             "|---|---|---|---|---|---|"]
    for s in rows:
        breaks = ", ".join(break_name(b) for b in s.chapter.breaks) or "–"
        proposed = "same" if list(s.chapter.breaks) == s.proposed else \
            f"{', '.join(s.proposed) or 'none'} ({_minutes_list(s.proposed_minutes)})"
        lines.append(f"| {s.chapter.number} | {s.chapter.title} | {_fmt(s.total)} | {breaks} | "
                     f"{_minutes_list(s.breaks)} | {proposed} |")
    return "\n".join(lines)


def _fmt(x: float) -> str:
    return f"{x:.1f}"


def parameters_markdown() -> str:
    """The model's parameters as a markdown list."""
    kinds = EXERCISE_MINUTES
    return "\n".join([
        f"- prose: {WORDS_PER_MINUTE} words a minute (Brysbaert 2019 estimates 238 for adults' silent "
        "reading of English non-fiction, most adults between 175 and 300); an inline formula counts as "
        f"{INLINE_MATH_WORDS} words; a line of display maths {SECONDS_PER_EQUATION_LINE} s",
        f"- code read (every code cell but exercise solutions): {CODE_LINES_PER_MINUTE} lines a minute, a line "
        f"being {CODE_CHARS_PER_LINE} characters other than whitespace (the course's average); "
        f"printed output: {OUTPUT_WORDS_PER_MINUTE} words a minute; a figure: {SECONDS_PER_FIGURE} s",
        "- running the cells: the chapter's measured CPU seconds (kernel and worker processes, "
        "`OMP_NUM_THREADS=1`), about the wall time on a quiet core (an upper bound where a chapter "
        "spreads work over processes)",
        f"- write code: {kinds['write code']:g} min + {WRITE_CODE_MINUTES_PER_LINE:g} min per line of the "
        "reference solution (lines of the same size; without comments, `def` line and docstring)",
        f"- predict, then verify: {kinds['predict-then-verify']:g} min",
        f"- explain: {kinds['explain']:g} min + reading the model answer at {WORDS_PER_MINUTE} words a minute",
        f"- total rounded to {ROUND_TO} min; a test fails when `book.toml` differs from the model by more "
        f"than {TOLERANCE:.0%}",
        "- rates other than the reading rate are the course's own choices, not measurements",
    ])


def timing_markdown(course: Course | None = None, run_times: dict | None = None) -> str:
    """The model's tables for the instructor guide: its parameters, one row per chapter (reading,
    running, exercises, total, ``book.toml``), the sittings of each chapter (:func:`sittings_markdown`)
    and one row per exercise (kind, lines, minutes). Raises what :func:`course_times` and
    :func:`course_sittings` raise (FileNotFoundError, KeyError, ValueError)."""
    course = course or load_course()
    run_times = run_times if run_times is not None else load_run_times(course.root)
    rows = course_times(course, run_times=run_times)
    m = run_times.get("machine", {})
    lines = ["**How the minutes are computed** (`course_utils.authoring.timing`)", "", parameters_markdown(), "",
             f"Run times measured on {m.get('cpu', 'an unnamed CPU')} ({m.get('cores', '?')} cores, "
             f"load average {m.get('load_average_1min', '?')} at the start), {m.get('date', 'undated')}.", "",
             "| # | Chapter | reading | running | exercises | model | `book.toml` |",
             "|---|---|---|---|---|---|---|"]
    for ch, t in rows:
        lines.append(f"| {ch.number} | {ch.title} | {_fmt(t.reading_minutes)} | {_fmt(t.run_minutes)} | "
                     f"{_fmt(t.exercise_minutes)} | {_fmt(t.minutes)} | {ch.minutes} |")
    total_model = sum(t.minutes for _, t in rows)
    total_book = sum(ch.minutes for ch, _ in rows)
    lines += [f"| | **All chapters** | | | | **{_fmt(total_model)}** | **{total_book}** |", "",
              sittings_markdown(course_sittings(course, run_times)), "",
              "| Exercise | Kind | Lines to write | Minutes |", "|---|---|---|---|"]
    for ch, t in rows:
        for ex in t.exercises:
            written = f"{ex.solution_lines:.1f}" if ex.kind == "write code" else ""
            lines.append(f"| {ex.number} {ex.title} | {ex.kind} | {written} | {_fmt(ex.minutes)} |")
    return "\n".join(lines)


def show_timing() -> None:
    """Display :func:`timing_markdown` in a notebook. Raises what it raises (a missing measurement
    or notebook, an unmeasured chapter, a bad exercise or break)."""
    from IPython.display import Markdown, display

    display(Markdown(timing_markdown()))


def main(argv: list[str] | None = None) -> int:
    """The command line (see the module docstring); returns the exit status. Raises SystemExit (status 2,
    argparse) for bad arguments, BookFileError for a bad ``book.toml``, and what the command's function
    raises (:func:`timing_markdown`, :func:`course_sittings`, :func:`course_times`, :func:`measure`)."""
    parser = argparse.ArgumentParser(prog="python -m course_utils.authoring.timing", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("table", help="print the per-chapter and per-exercise tables (markdown)")
    sub.add_parser("check", help="compare book.toml's minutes with the model; exit 1 beyond the tolerance")
    sub.add_parser("breaks", help=f"propose where to split each chapter into sittings of at most "
                                  f"{SITTING_MINUTES} min, against book.toml's breaks; exit 1 where they fall short")
    measure_cmd = sub.add_parser("measure", help=f"time the chapters once and rewrite {RUN_TIMES_FILE}")
    measure_cmd.add_argument("--chapters", nargs="+", help="only these chapter ids (the others keep their values)")
    measure_cmd.add_argument("--timeout", type=int, default=300, help="seconds allowed per cell (default 300)")
    args = parser.parse_args(argv)
    course = load_course()
    if args.command == "table":
        print(timing_markdown(course))
        return 0
    if args.command == "breaks":
        bad = 0
        for s in course_sittings(course):
            print(f"{s.chapter.id:24s} model {s.total:6.1f}  proposed breaks = {_toml_list(s.proposed)} "
                  f"({_minutes_list(s.proposed_minutes)})  book.toml {_toml_list(s.chapter.breaks)} "
                  f"({_minutes_list(s.breaks)})")
            for u in s.too_long:
                print(f"    {u.label} alone takes {u.minutes:.1f} min, over {SITTING_MINUTES}: trim or split it")
            for problem in s.problems():
                print(f"    {problem}")
            bad += bool(s.problems())
        return 1 if bad else 0
    if args.command == "check":
        bad = 0
        for ch, t in course_times(course):
            dev = deviation(ch.minutes, t)
            flag = "" if abs(dev) <= TOLERANCE else "  <- beyond the tolerance"
            bad += bool(flag)
            print(f"{ch.id:28s} book.toml {ch.minutes:4d}  model {t.minutes:6.1f} (rounded {t.rounded:4d})  "
                  f"{dev:+.0%}{flag}")
        return 1 if bad else 0
    facts = measure(course, args.chapters, timeout=args.timeout)
    path = course.root / RUN_TIMES_FILE
    if args.chapters and path.is_file():
        old = json.loads(path.read_text(encoding="utf-8"))
        old["chapters"].update(facts["chapters"])
        old.setdefault("remeasured", []).append({"chapters": args.chapters, "machine": facts["machine"]})
        facts = old
    path.write_text(json.dumps(facts, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {RUN_TIMES_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
