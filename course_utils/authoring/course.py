"""The course's structure, read from ``book.toml``.

``book.toml`` is the single source of chapter order, titles, workshop minutes and learning
objectives. Everything that needs the chapter list (the book builder, the student edition, the
workshop schedule, the tests, the notebooks' objective boxes) calls :func:`load_course`.

A chapter longer than one sitting (``course_utils.authoring.timing.SITTING_MINUTES`` by the timing model)
lists its optional ``breaks``: where a learner stops and comes back, each a section number
(``"4.5"``) or an exercise (``"Exercise 4.3"``) of that chapter, in notebook order
(``python -m course_utils.authoring.timing breaks`` proposes them). The objectives box names them and the
student edition puts a "good place to stop" cell before each.

Command line::

    python -m course_utils.authoring.course --list-notebooks   # one path per line, in book order
    python -m course_utils.authoring.course --check            # validate book.toml and the notebooks
"""
from __future__ import annotations

import argparse
import ast
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

try:  # Python 3.11+
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from course_utils._paths import BOOK_FILE, BookFileError, find_root  # shared with data/ and learning/

__all__ = ["BOOK_FILE", "KINDS", "TOP_REQUIRED", "TOP_OPTIONAL", "CHAPTER_REQUIRED", "CHAPTER_OPTIONAL",
           "OBJECTIVES_RANGE", "NOTEBOOK_FOLDER", "NOTEBOOK_PATTERN", "SOLUTION", "MODEL_ANSWER",
           "INSTRUCTOR", "EXERCISE", "ANSWER", "SETUP", "WIDGET", "NBVAL_IGNORE_OUTPUT", "RAISES_EXCEPTION",
           "HIDDEN_FROM_LEARNERS", "EXERCISE_HEADING", "SECTION_HEADING", "BREAK_LABEL", "normalise_tag", "cell_tags", "BookFileError",
           "Chapter", "Course", "sitting_starts", "break_problems", "break_name", "notebook_problems", "check_output_folder", "find_root", "parse_course",
           "book_file", "read_book_text", "load_course", "resolve_chapters", "Exercise", "exercises",
           "objectives_markdown", "show_objectives",
           "course_map_markdown", "show_course_map", "main"]

KINDS = ("chapter", "guide")
TOP_REQUIRED = {"title": str, "authors": list, "description": str, "repository": str}
TOP_OPTIONAL = {"subtitle": str, "branch": str, "chapters": list}
CHAPTER_REQUIRED = {"notebook": str, "title": str, "minutes": int, "objectives": list}
CHAPTER_OPTIONAL = {"part": str, "kind": str, "breaks": list}
OBJECTIVES_RANGE = (2, 4)
NOTEBOOK_FOLDER = "notebooks"
# a chapter's notebook: notebooks/<name>.ipynb, written exactly so (no ./, .., \\, absolute path or subfolder)
NOTEBOOK_PATTERN = re.compile(r"notebooks/[A-Za-z0-9][A-Za-z0-9_.-]*\.ipynb")

# --- cell tags: the one definition (README, "Cell tags"); read them with cell_tags() --------------
SOLUTION = "solution"          # an exercise's answer (code): a stub in the student edition, collapsed in the book
MODEL_ANSWER = "model-answer"  # the answer to an "explain" exercise (markdown): removed from the student edition
INSTRUCTOR = "instructor"      # for instructors only: removed from the student edition, not timed
EXERCISE = "exercise"          # what a solution cell becomes in the student edition
ANSWER = "answer"              # the learner's empty answer cell that replaces a model answer
SETUP = "setup"                # a published chapter's first cell: fetches the course on Colab
WIDGET = "widget"              # an interactive explorer; the book shows the figure stored next to it
NBVAL_IGNORE_OUTPUT = "nbval-ignore-output"  # output varies by machine: strict nbval does not compare it
RAISES_EXCEPTION = "raises-exception"        # the cell's error output is intended
HIDDEN_FROM_LEARNERS = frozenset({SOLUTION, MODEL_ANSWER, INSTRUCTOR})  # never shown in the student edition
# "### Exercise 4.2 — title" (or ## / ####, with an en dash, hyphen or colon): group 1 the number, 2 the title
EXERCISE_HEADING = re.compile(r"^#{2,4}\s*Exercise\s+(\d+\.\d+)\s*(?:[—–:-]+\s*(.*))?$", re.MULTILINE)
# "## 4.5 Why the gradient survives" (level 2 exactly): group 1 the section number
SECTION_HEADING = re.compile(r"^##[ \t]+(\d+\.\d+)\b", re.MULTILINE)
EXERCISES_HEADING = re.compile(r"^##[ \t]+Exercises\b", re.MULTILINE)
# a sitting break of book.toml: a section number ("4.5") or an exercise ("Exercise 4.3"): group 2 the number
BREAK_LABEL = re.compile(r"(Exercise )?(\d+)\.\d+")


def normalise_tag(tag) -> str:
    """A tag as the course reads it: ``"Solution "`` -> ``"solution"``, ``"Model_Answer"`` ->
    ``"model-answer"`` (lower case, runs of spaces and underscores made one hyphen), so a
    mis-spelt tag can neither ship a solution nor hide it."""
    return re.sub(r"[\s_]+", "-", str(tag).strip().lower())


def cell_tags(cell) -> list[str]:
    """The tags of a notebook cell (an ``nbformat`` node or a plain dict), normalised with
    :func:`normalise_tag`, in their stored order; ``[]`` when it has none."""
    return [normalise_tag(t) for t in cell.get("metadata", {}).get("tags", [])]


@dataclass(frozen=True)
class Chapter:
    """One entry of ``[[chapters]]``; ``id`` is the notebook's file stem, e.g. ``01_vanilla_rnn``."""

    notebook: str
    title: str
    minutes: int
    objectives: tuple[str, ...]
    part: str = ""
    kind: str = "chapter"
    number: int | None = None  # position among kind == "chapter" entries (0 = introduction)
    breaks: tuple[str, ...] = ()  # where a learner stops and comes back: "4.5" (a section), "Exercise 4.3"

    @property
    def id(self) -> str:
        """The notebook's file stem, e.g. ``01_vanilla_rnn``."""
        return Path(self.notebook).stem


@dataclass(frozen=True)
class Course:
    """The whole of ``book.toml``: the course's metadata and its chapters in book order (see
    :func:`load_course`)."""

    title: str
    authors: tuple[str, ...]
    description: str
    repository: str
    root: Path
    subtitle: str = ""
    branch: str = "main"
    chapters: tuple[Chapter, ...] = field(default_factory=tuple)
    source: str = BOOK_FILE  # the file that was read (its full path when loaded from disk)

    def chapter(self, chapter_id: str) -> Chapter:
        """The chapter whose notebook stem (or path) is ``chapter_id``. Raises KeyError, listing the
        known ids, when there is none."""
        for ch in self.chapters:
            if chapter_id in (ch.id, ch.notebook, Path(ch.notebook).name):
                return ch
        known = ", ".join(ch.id for ch in self.chapters)
        raise KeyError(f"no chapter {chapter_id!r} in {self.source}; known: {known}")

    def notebook_paths(self) -> list[Path]:
        """Absolute notebook paths in book order."""
        return [self.root / ch.notebook for ch in self.chapters]

    def check_notebooks(self) -> None:
        """Raises :class:`BookFileError`, listing every problem, when a listed notebook is missing or
        leads outside the course, one in ``notebooks/`` is not listed, or one stores an error output,
        out-of-order execution counts or ``breaks`` that do not match its headings."""
        problems = []
        for ch in self.chapters:       # parse_course checked the spelling; a link may still lead outside
            problem = _escapes(self.root, ch.notebook)
            if problem:
                problems.append(f"{ch.notebook}: {problem} (in {self.source})")
        if problems:
            raise BookFileError("\n".join(problems))
        problems = [f"{ch.notebook}: listed in {BOOK_FILE} (chapter {ch.title!r}) but the file is missing"
                    for ch in self.chapters if not (self.root / ch.notebook).is_file()]
        listed = {(self.root / ch.notebook).resolve() for ch in self.chapters}
        for path in sorted((self.root / NOTEBOOK_FOLDER).glob("*.ipynb")):
            if path.resolve() not in listed:
                problems.append(f"{path.relative_to(self.root)}: notebook exists but is not listed in {BOOK_FILE}")
        for ch in self.chapters:
            if (self.root / ch.notebook).is_file():
                problems += notebook_problems(self.root / ch.notebook, ch.notebook)
                if ch.breaks:
                    cells = json.loads((self.root / ch.notebook).read_text(encoding="utf-8")).get("cells", [])
                    problems += break_problems(cells, ch)
        if problems:
            raise BookFileError("\n".join(problems))


def sitting_starts(cells) -> list[tuple[str, int]]:
    """Where a sitting may start in a chapter's cells: ``(label, cell index)`` in notebook order, one per
    numbered section (``"4.5"``: its ``## 4.5`` heading cell) and one per exercise (``"Exercise 4.3"``:
    its heading cell; the first exercise starts at the ``## Exercises`` heading when that comes
    before it). The first entry starts at cell 0: what precedes the first section (title,
    objectives) is read with it; in a chapter without numbered sections the first entry is
    ``("start", 0)``, all that comes before the exercises. These labels (but the first) are what
    ``breaks`` in ``book.toml`` may name."""
    starts, exercises_cell = [], None
    for index, cell in enumerate(cells):
        if cell.get("cell_type") != "markdown":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        for line in source.splitlines():
            section, exercise = SECTION_HEADING.match(line), EXERCISE_HEADING.match(line)
            if EXERCISES_HEADING.match(line) and exercises_cell is None:
                exercises_cell = index
            elif section:
                starts.append((section.group(1), index))
            elif exercise:
                first = exercises_cell is not None and not any(s.startswith("Exercise ") for s, _ in starts)
                starts.append((f"Exercise {exercise.group(1)}", exercises_cell if first else index))
    if starts and starts[0][0].startswith("Exercise ") and starts[0][1] > 0:
        starts.insert(0, ("start", 0))       # no numbered section: the prose before the exercises is one unit
    elif starts:
        starts[0] = (starts[0][0], 0)
    return starts


def break_name(label: str) -> str:
    """How prose names a break: ``"4.5"`` -> ``"§4.5"``; ``"Exercise 4.3"`` stays as it is."""
    return label if label.startswith("Exercise ") else f"§{label}"


def break_problems(cells, chapter: Chapter) -> list[str]:
    """What is wrong with ``chapter.breaks`` for its notebook's ``cells``: a label naming no section or
    exercise of it, the chapter's first one (nothing before it to stop after), or breaks out of
    notebook order."""
    starts = dict(sitting_starts(cells))
    problems, last = [], -1
    for label in chapter.breaks:
        if label not in starts:
            known = ", ".join(starts) or "none"
            problems.append(f"{chapter.notebook}: breaks names {label!r}, which is no numbered section "
                            f"(## N.k) or exercise (### Exercise N.k) of the chapter; known: {known}")
        elif starts[label] == 0:
            problems.append(f"{chapter.notebook}: breaks names {label!r}, where the chapter starts: "
                            "a break goes before a later section or exercise")
        elif starts[label] <= last:
            problems.append(f"{chapter.notebook}: breaks should follow the notebook's order; {label!r} "
                            f"comes before the break listed ahead of it ({list(chapter.breaks)!r})")
        else:
            last = starts[label]
    return problems


def notebook_problems(path: Path, label: str) -> list[str]:
    """Stored-output problems of one notebook: error outputs (unless the cell is tagged
    ``raises-exception``) and execution counts that are not 1..n (not run top to bottom)."""
    import nbformat

    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:  # nbformat raises several types for unreadable files
        return [f"{label}: cannot be read as a notebook ({exc})"]
    problems = []
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    counts = [c.get("execution_count") for c in code_cells]
    if counts != list(range(1, len(counts) + 1)):
        problems.append(f"{label}: execution counts are {counts[:6]}..., not 1..{len(counts)}; "
                        "re-run it top to bottom in a fresh kernel")
    for index, cell in enumerate(code_cells, start=1):
        tags = cell_tags(cell)
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error" and RAISES_EXCEPTION not in tags:
                problems.append(f"{label}: code cell {index} stores an error output "
                                f"({out.get('ename')}: {out.get('evalue')})")
    return problems


def check_output_folder(out, course: Course) -> Path:
    """The student edition's output folder, resolved (relative paths count from the course root).
    Raises ValueError when ``out`` is not a path or is a file, or when writing there could touch the
    sources: the repository root or a folder holding it, ``.git``, the ``notebooks/`` folder, a folder
    inside it, or one holding a chapter notebook."""
    if not isinstance(out, (str, Path)) or not str(out).strip():
        raise ValueError(f"out must be a folder path, got {out!r}")
    root = Path(course.root).resolve()
    target = (Path(out) if Path(out).is_absolute() else root / out).resolve()
    notebooks = root / NOTEBOOK_FOLDER
    sources = [(root / ch.notebook).resolve() for ch in course.chapters]
    if target.exists() and not target.is_dir():
        raise ValueError(f"out={str(out)!r} resolves to {target}, which is a file: expected a folder")
    if target.is_relative_to(root / ".git"):
        raise ValueError(f"out={str(out)!r} resolves to {target}, inside the repository's .git folder: "
                         "expected a folder such as _build/student")
    if root.is_relative_to(target):
        raise ValueError(f"out={str(out)!r} resolves to {target}, which is or holds the course repository "
                         f"{root}: expected a new folder such as _build/student (the edition replaces its contents)")
    if target.is_relative_to(notebooks.resolve()):
        raise ValueError(f"out={str(out)!r} resolves to {target}, inside the source folder {notebooks}: "
                         "expected a folder outside notebooks/, such as _build/student")
    held = [p for p in sources if p.is_relative_to(target)]
    if held:
        raise ValueError(f"out={str(out)!r} resolves to {target}, which holds the source notebook {held[0]}: "
                         "expected a folder without course sources, such as _build/student")
    return target


def _escapes(root: Path, notebook: str) -> str | None:
    """Why ``root / notebook`` is not a file inside ``root/notebooks`` once links are followed (None if it is)."""
    folder = (Path(root) / NOTEBOOK_FOLDER).resolve()
    target = (Path(root) / notebook).resolve()
    if not target.is_relative_to(folder) or target == folder:
        return f"resolves to {target}, outside {folder}: expected a notebook inside the {NOTEBOOK_FOLDER}/ folder"
    return None


def _check_types(table: dict, required: dict, optional: dict, where: str) -> None:
    for key, typ in required.items():
        if key not in table:
            raise BookFileError(f"{where}: missing required key {key!r}")
    for key, value in table.items():
        if key not in required and key not in optional:
            allowed = ", ".join(sorted({**required, **optional}))
            raise BookFileError(f"{where}: unknown key {key!r} (allowed: {allowed})")
        typ = {**required, **optional}[key]
        if not isinstance(value, typ) or (typ is int and isinstance(value, bool)):  # TOML: True is no int
            raise BookFileError(f"{where}: key {key!r} should be a {typ.__name__}, "
                                f"got {type(value).__name__} {value!r}")


def _parse_chapter(entry: object, index: int, source: str) -> Chapter:
    where = f"{source}: chapters[{index}]"
    if not isinstance(entry, dict):
        raise BookFileError(f"{where}: expected a [[chapters]] table, got {type(entry).__name__}")
    if "title" in entry:
        where += f" ({entry['title']!r})"
    _check_types(entry, CHAPTER_REQUIRED, CHAPTER_OPTIONAL, where)
    if not entry["notebook"].endswith(".ipynb"):
        raise BookFileError(f"{where}: notebook should be a path ending in .ipynb, got {entry['notebook']!r}")
    if not NOTEBOOK_PATTERN.fullmatch(entry["notebook"]):
        raise BookFileError(f"{where}: notebook should be a relative path written as "
                            f"{NOTEBOOK_FOLDER}/<name>.ipynb (letters, digits, _ . -; no absolute path, "
                            f"'..', './', backslash or subfolder), got {entry['notebook']!r}")
    if not entry["title"].strip():
        raise BookFileError(f"{where}: title should be a non-empty string, got {entry['title']!r}")
    if entry["minutes"] <= 0:
        raise BookFileError(f"{where}: minutes should be a positive integer, got {entry['minutes']}")
    objectives = entry["objectives"]
    low, high = OBJECTIVES_RANGE
    if not (low <= len(objectives) <= high) or not all(isinstance(o, str) and o.strip() for o in objectives):
        raise BookFileError(f"{where}: objectives should be {low} to {high} non-empty strings, "
                            f"got {objectives!r}")
    kind = entry.get("kind", "chapter")
    if kind not in KINDS:
        raise BookFileError(f"{where}: kind should be one of {KINDS}, got {kind!r}")
    breaks = entry.get("breaks", [])
    if breaks and kind != "chapter":
        raise BookFileError(f"{where}: breaks are for kind = 'chapter' entries, got them on kind {kind!r}")
    for label in breaks:
        if not isinstance(label, str) or not BREAK_LABEL.fullmatch(label):
            raise BookFileError(f"{where}: each of breaks should be a section number such as \"4.5\" or an "
                                f"exercise such as \"Exercise 4.3\", got {label!r}")
    if len(set(breaks)) != len(breaks):
        raise BookFileError(f"{where}: breaks lists a label twice: {breaks!r}")
    return Chapter(notebook=entry["notebook"], title=entry["title"], minutes=entry["minutes"],
                   objectives=tuple(objectives), part=entry.get("part", ""), kind=kind, breaks=tuple(breaks))


def parse_course(text: str, root: Path, source: str = BOOK_FILE) -> Course:
    """Validate the text of a ``book.toml`` and build a :class:`Course`. Raises :class:`BookFileError`,
    naming ``source`` and the entry, for invalid TOML, a missing or mistyped key, no chapters, a
    repeated notebook or title, a notebook path that leads outside ``root`` or a bad ``breaks``."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BookFileError(f"{source}: not valid TOML: {exc}") from None
    _check_types(data, TOP_REQUIRED, TOP_OPTIONAL, source)
    entries = data.get("chapters", [])
    if not entries:
        raise BookFileError(f"{source}: no [[chapters]] listed")
    chapters, seen = [], {}
    for i, entry in enumerate(entries):
        ch = _parse_chapter(entry, i, source)
        for key in ("notebook", "title"):
            value = getattr(ch, key)
            if key == "notebook":   # one file on a case-insensitive disk
                value = value.casefold()
            if (key, value) in seen:
                raise BookFileError(f"{source}: chapters[{i}] repeats {key} {value!r} "
                                    f"of chapters[{seen[(key, value)]}]")
            seen[(key, value)] = i
        chapters.append(ch)
    for i, ch in enumerate(chapters):
        problem = _escapes(root, ch.notebook)
        if problem:
            raise BookFileError(f"{source}: chapters[{i}] ({ch.title!r}): notebook {ch.notebook!r} {problem}")
    number = 0
    for i, ch in enumerate(chapters):
        if ch.kind == "chapter":
            chapters[i] = Chapter(**{**ch.__dict__, "number": number})
            for label in ch.breaks:
                if int(BREAK_LABEL.fullmatch(label).group(2)) != number:
                    raise BookFileError(f"{source}: chapters[{i}] ({ch.title!r}): breaks names {label!r}, "
                                        f"which is not in chapter {number}: expected \"{number}.k\" or "
                                        f"\"Exercise {number}.k\"")
            number += 1
    return Course(title=data["title"], authors=tuple(data["authors"]), description=data["description"].strip(),
                  repository=data["repository"], root=root, subtitle=data.get("subtitle", ""),
                  branch=data.get("branch", "main"), chapters=tuple(chapters), source=source)


def book_file(path: str | Path | None = None) -> Path:
    """The ``book.toml`` that :func:`load_course` reads for ``path`` (the file, a folder searched
    with its parents, or None: the current folder and its parents). Raises TypeError when ``path`` is
    not a str or Path, :class:`BookFileError` when it does not exist or no ``book.toml`` is found."""
    if path is not None:
        if not isinstance(path, (str, Path)):
            raise TypeError(f"path must be a str or pathlib.Path, got {type(path).__name__}")
        if not Path(path).exists():
            raise BookFileError(f"{path}: no such file or folder: expected {BOOK_FILE} or the folder holding it")
        if Path(path).is_file():
            return Path(path).resolve()
    return find_root(None if path is None else Path(path)) / BOOK_FILE


def read_book_text(file: Path) -> str:
    """The text of ``file``: UTF-8, with or without a byte-order mark. Raises :class:`BookFileError`
    naming the file when it cannot be read or is not UTF-8."""
    try:
        data = Path(file).read_bytes()
    except OSError as exc:
        raise BookFileError(f"{file}: cannot be read ({exc.strerror or exc})") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BookFileError(f"{file}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}): "
                            f"save it as UTF-8") from None


def load_course(path: str | Path | None = None) -> Course:
    """Load and validate ``book.toml`` (``path`` may be the file or its folder); ``Course.source``
    holds the full path of the file read. Raises TypeError for a ``path`` that is not a str or Path,
    :class:`BookFileError` (naming the file) when it is missing, unreadable or invalid."""
    file = book_file(path)
    return parse_course(read_book_text(file), file.parent, str(file))


# --- chapters by name, exercises in the notebooks -------------------------------------------

def resolve_chapters(ids, course: Course, argument: str = "--chapters") -> list[Chapter]:
    """Chapters named by number (``1``, ``01``), id (``01_vanilla_rnn``) or file name; None: all.
    Raises TypeError when ``ids`` is not a list of strings, ValueError naming ``argument`` and the
    known chapters when a name matches none."""
    chapters = [ch for ch in course.chapters if ch.kind == "chapter"]
    if ids is None:
        return chapters
    if isinstance(ids, str) or not all(isinstance(i, str) for i in ids):
        raise TypeError(f"{argument} must be a list of chapter numbers or ids such as ['01', '06'], got {ids!r}")
    found = []
    for given in ids:
        text = given.strip()
        match = [ch for ch in chapters if text in (ch.id, ch.notebook, Path(ch.notebook).name)
                 or (text.isdigit() and int(text) == ch.number)]
        if not match:
            known = ", ".join(f"{ch.number:02d} ({ch.id})" for ch in chapters)
            raise ValueError(f"{argument}: no chapter {given!r} in {course.source}; expected a number or id, one of: {known}")
        found.append(match[0])
    return found


@dataclass
class Exercise:
    """An exercise found in a chapter notebook: its number, title, prompt, kinds and model answers."""

    chapter: str
    label: str  # "4.2"
    title: str
    prompt: str
    kinds: list[str] = field(default_factory=list)  # "implement", "predict", "explain"
    answers: list[str] = field(default_factory=list)  # model answers (Markdown)


def _solution_kind(source: str) -> str:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return "implement"
    defines = any(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) for n in tree.body)
    return "implement" if defines else "predict"


def exercises(course: Course | None = None) -> list[Exercise]:
    """Every ``### Exercise N.k — title`` of the existing chapter notebooks, in book order. Raises
    :class:`BookFileError` when ``course`` is None and ``book.toml`` cannot be loaded, and nbformat's
    errors for a notebook that is not valid JSON."""
    import nbformat

    course = course or load_course()
    found: list[Exercise] = []
    for ch in course.chapters:
        path = course.root / ch.notebook
        if ch.kind != "chapter" or not path.is_file():
            continue
        current = None
        for cell in nbformat.read(path, as_version=4).cells:
            heading = EXERCISE_HEADING.search(cell.source) if cell.cell_type == "markdown" else None
            if heading:
                prompt = cell.source[heading.end():].strip()
                current = Exercise(ch.title, heading.group(1), (heading.group(2) or "").strip(), prompt)
                found.append(current)
            elif current is not None and SOLUTION in cell_tags(cell):
                predict = current.title.lower().startswith("predict")
                kind = "predict" if predict else _solution_kind(cell.source)
                current.kinds += [kind] if kind not in current.kinds else []
            elif current is not None and MODEL_ANSWER in cell_tags(cell):
                current.kinds += ["explain"] if "explain" not in current.kinds else []
                current.answers.append(cell.source.strip())
    return found


# --- what the notebooks display ---------------------------------------------------------------

def objectives_markdown(chapter_id: str, course: Course | None = None) -> str:
    """The learning objectives box of one chapter (Markdown), with its minutes and, for a chapter with
    ``breaks`` in ``book.toml``, its sittings and where each ends, as the chapter's first cells show it.
    Raises KeyError for an unknown ``chapter_id``, :class:`BookFileError` when ``course`` is None and
    ``book.toml`` cannot be loaded."""
    ch = (course or load_course()).chapter(chapter_id)
    sittings = ""
    if ch.breaks:
        stops = [break_name(b) for b in ch.breaks]
        listed = stops[0] if len(stops) == 1 else ", ".join(stops[:-1]) + " and " + stops[-1]
        sittings = f", in {len(ch.breaks) + 1} sittings: stop before {listed}"
    lines = [f"**Learning objectives** (about {ch.minutes} minutes{sittings})", ""]
    lines += [f"- {o}" for o in ch.objectives]
    return "\n".join(lines)


def show_objectives(chapter_id: str) -> None:
    """Display a chapter's objectives from ``book.toml`` as Markdown (used at the top of each notebook).
    Raises what :func:`objectives_markdown` raises."""
    from IPython.display import Markdown, display
    display(Markdown(objectives_markdown(chapter_id)))


def course_map_markdown(course: Course | None = None) -> str:
    """The table of every chapter (number, title, part, minutes, objectives) and the total teaching time, in
    Markdown. Raises :class:`BookFileError` when ``course`` is None and ``book.toml`` cannot be loaded."""
    course = course or load_course()
    rows = ["| # | Chapter | Part | Minutes | You will be able to |", "|---|---|---|---|---|"]
    for ch in course.chapters:
        label = str(ch.number) if ch.number is not None else "–"
        rows.append(f"| {label} | {ch.title} | {ch.part} | {ch.minutes} | {'<br>'.join(ch.objectives)} |")
    total = sum(ch.minutes for ch in course.chapters if ch.kind == "chapter")
    rows += ["", f"Total teaching time: {total} minutes ({total / 60:.1f} hours)."]
    return "\n".join(rows)


def show_course_map() -> None:
    """Display the chapter table built from ``book.toml``. Raises :class:`BookFileError` when it cannot
    be loaded."""
    from IPython.display import Markdown, display
    display(Markdown(course_map_markdown()))


def main(argv: list[str] | None = None) -> int:
    """The command line (see the module docstring); returns the exit status: 1, with the problem on
    stderr, for a bad ``book.toml`` or notebook. Raises SystemExit (status 2, argparse) for bad arguments."""
    parser = argparse.ArgumentParser(prog="python -m course_utils.authoring.course", description=__doc__.split("\n")[0])
    parser.add_argument("--list-notebooks", action="store_true", help="print notebook paths in book order")
    parser.add_argument("--check", action="store_true", help="validate book.toml and the notebooks folder")
    parser.add_argument("--json", action="store_true", help="print the course as JSON")
    args = parser.parse_args(argv)
    try:
        file = book_file()
        if file.parent != Path.cwd().resolve():   # found in a parent folder (or the package's repository)
            print(f"reading {file} (not in the current folder)", file=sys.stderr)
        course = load_course(file)
        if args.check:
            course.check_notebooks()
    except BookFileError as exc:
        where = f" in {file}" if "file" in locals() and str(file) not in str(exc) else ""
        print(f"book.toml problem{where}: {exc}", file=sys.stderr)
        return 1
    if args.check:
        print(f"{file}: {len(course.chapters)} notebooks listed, all present and clean", file=sys.stderr)
    if args.list_notebooks:
        print("\n".join(ch.notebook for ch in course.chapters))
    if args.json:
        print(json.dumps([ch.__dict__ for ch in course.chapters], indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
