"""Running the course as a workshop: schedules, the student edition, and the instructor guide's content.

Command line::

    python -m course_utils.authoring.workshop student [--out _build/student] [--execute]   # what `make student` runs
    python -m course_utils.authoring.workshop schedule --minutes 210 [--start 09:00]
    python -m course_utils.authoring.workshop links --hub URL [--chapters 01 05] [--no-check]   # nbgitpuller links (hub.py)
    python -m course_utils.authoring.workshop size --learners 4 [--chapters 06]    # deploy/sizing.json (hub.py)
    python -m course_utils.authoring.workshop nbgrader --out DIR [--chapters 00]   # an nbgrader course (nbgrader_export.py)

Everything the instructor guide shows is generated here from ``book.toml`` (timings, objectives,
repository links), from the checkers (the mistakes they recognise) and from the chapter notebooks
(exercises and the model answers of "explain" exercises), so the guide stays in sync after a
re-execution.
"""
from __future__ import annotations

import argparse
import re
import sys
import time
from dataclasses import dataclass, field

from course_utils._checks import check_int, check_str
from course_utils.authoring.course import (
    Chapter,
    Course,
    check_output_folder,
    exercises,
    load_course,
)

__all__ = ["HALF_DAY", "FULL_DAY", "BLOCK", "BREAK", "LUNCH", "LUNCH_AFTER", "Slot", "Schedule",
           "course_lookup", "schedule", "exercises_markdown",
           "model_answers_markdown", "pitfalls_markdown", "run_options_markdown", "show", "main"]

HALF_DAY, FULL_DAY = 210, 390  # minutes of teaching plus short breaks (lunch not counted)
BLOCK, BREAK, LUNCH = 100, 15, 60  # teach at most BLOCK minutes between breaks
LUNCH_AFTER = 0.45  # a full day takes lunch at the first pause after this share of the day


# --- schedules ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Slot:
    """One row of a :class:`Schedule`: a chapter, a break or lunch, with its start and length."""

    start: int  # minutes after midnight
    minutes: int
    title: str
    kind: str  # "chapter", "break" or "lunch"


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass
class Schedule:
    """Slots in order and the chapters that did not fit; displays as a Markdown table in Jupyter."""

    budget: int
    slots: list[Slot]
    left_out: list[Chapter] = field(default_factory=list)

    def minutes(self, kind: str) -> int:
        """The minutes of every slot of ``kind`` (``"chapter"``, ``"break"`` or ``"lunch"``), added up."""
        return sum(s.minutes for s in self.slots if s.kind == kind)

    @property
    def chapters(self) -> list[str]:
        """The titles of the chapters that fit, in order."""
        return [s.title for s in self.slots if s.kind == "chapter"]

    def _footer(self) -> str:
        end = self.slots[-1].start + self.slots[-1].minutes if self.slots else 0
        lunch = self.minutes("lunch")
        text = (f"{self.minutes('chapter')} minutes of teaching and {self.minutes('break')} of breaks"
                + (f", plus {lunch} for lunch" if lunch else "") + f" (budget {self.budget}); ends at {_clock(end)}.")
        if self.left_out:
            text += " Left for self-study: " + "; ".join(ch.title for ch in self.left_out) + "."
        return text

    def markdown(self) -> str:
        """The schedule as a Markdown table, with a footer on the minutes and what did not fit."""
        rows = ["| Time | Session | Minutes |", "|---|---|---|"]
        for s in self.slots:
            title = s.title if s.kind == "chapter" else f"*{s.title}*"
            rows.append(f"| {_clock(s.start)}–{_clock(s.start + s.minutes)} | {title} | {s.minutes} |")
        return "\n".join(rows + ["", self._footer()])

    def _repr_markdown_(self) -> str:
        return self.markdown()

    def __repr__(self) -> str:
        lines = [f"{_clock(s.start)}-{_clock(s.start + s.minutes)}  {s.title} ({s.minutes} min)" for s in self.slots]
        return "\n".join(lines + [self._footer()])


def course_lookup(course: Course, chapter_id: str) -> Chapter | None:
    """The chapter with this id, notebook path or file name, or None."""
    try:
        return course.chapter(chapter_id)
    except KeyError:
        return None


def schedule(total_minutes: int, *, start: str = "09:00", chapters: list[str] | None = None,
             block: int = BLOCK, break_minutes: int = BREAK, lunch_minutes: int = 0,
             course: Course | None = None) -> Schedule:
    """Fit chapters, in book order, into ``total_minutes`` of teaching plus breaks.

    A break comes before a chapter that would make the current block longer than ``block``
    minutes. With ``lunch_minutes`` > 0 the first such pause after 45% of the day is a lunch
    (not counted in ``total_minutes``). Chapters stay in order: once one does not fit, it and
    the rest are left out. ``chapters``: ids (``"04_lstm"``) to pick a track; default all chapters.

    Raises TypeError when a minute count is not an integer, ``start`` not a string or ``chapters``
    not a list of strings; ValueError when a minute count is too small (``block`` below 1, the
    others below 0), ``start`` is not a time HH:MM or ``chapters`` names a chapter not in the course.
    """
    check_int(total_minutes, "total_minutes", minimum=0)
    check_int(block, "block", minimum=1)
    check_int(break_minutes, "break_minutes", minimum=0)
    check_int(lunch_minutes, "lunch_minutes", minimum=0)
    check_str(start, "start")
    found = re.fullmatch(r"(\d{1,2}):(\d{2})", start.strip())
    if not found or int(found.group(1)) > 23 or int(found.group(2)) > 59:
        raise ValueError(f"start must be a time HH:MM between 00:00 and 23:59, got {start!r}")
    if chapters is not None and (isinstance(chapters, str) or not all(isinstance(c, str) for c in chapters)):
        raise TypeError(f"chapters must be a list of chapter ids such as ['04_lstm'], got {chapters!r}")
    course = course or load_course()
    pool = [ch for ch in course.chapters if ch.kind == "chapter"]
    if chapters is not None:
        known = {ch.id for ch in course.chapters}
        unknown = [c for c in chapters if c not in known and course_lookup(course, c) is None]
        if unknown:
            raise ValueError(f"chapters contains {unknown[0]!r}, which is not in {course.source}: expected ids "
                             f"such as {', '.join(sorted(known)[:3])}, ...")
        pool = [course.chapter(c) for c in chapters]
    clock = int(found.group(1)) * 60 + int(found.group(2))
    used, since_break, lunch_due = 0, 0, lunch_minutes > 0
    slots: list[Slot] = []
    for i, ch in enumerate(pool):
        pause = None
        if since_break and since_break + ch.minutes > block:
            pause = "lunch" if lunch_due and used >= LUNCH_AFTER * total_minutes else "break"
        cost = ch.minutes + (break_minutes if pause == "break" else 0)
        if used + cost > total_minutes:
            return Schedule(total_minutes, slots, pool[i:])
        if pause:
            length = lunch_minutes if pause == "lunch" else break_minutes
            slots.append(Slot(clock, length, "Lunch" if pause == "lunch" else "Break", pause))
            clock, since_break, lunch_due = clock + length, 0, lunch_due and pause != "lunch"
        slots.append(Slot(clock, ch.minutes, ch.title, "chapter"))
        clock, used, since_break = clock + ch.minutes, used + cost, since_break + ch.minutes
    return Schedule(total_minutes, slots, [])


# --- what the chapter notebooks contain ----------------------------------------------------------

def exercises_markdown(course: Course | None = None) -> str:
    """Every exercise of the course, one table row each (chapter, number and title, kind)."""
    found = exercises(course)
    if not found:
        return "No chapter notebook has exercises yet."
    rows = ["| Chapter | Exercise | Kind |", "|---|---|---|"]
    rows += [f"| {e.chapter} | {e.label} {e.title} | {', '.join(e.kinds) or '–'} |" for e in found]
    return "\n".join(rows)


def model_answers_markdown(course: Course | None = None) -> str:
    """The prompt and model answer of every "explain" exercise, as Markdown (no headings)."""
    parts = []
    for e in exercises(course):
        for answer in e.answers:
            quoted = "\n".join("> " + line if line else ">" for line in e.prompt.splitlines())
            parts.append(f"**Exercise {e.label} — {e.title}** ({e.chapter})\n\n{quoted}\n\n{answer}")
    return "\n\n---\n\n".join(parts) if parts else "No chapter notebook has an \"explain\" exercise yet."


def _escape(text: str) -> str:
    """Markdown-safe prose: ``*``, ``_`` and ``<`` escaped outside `code` spans (h_t**2 stays literal)."""
    parts = text.split("`")
    for i in range(0, len(parts), 2):
        parts[i] = re.sub(r"([*_<])", r"\\\1", parts[i])
    return "`".join(parts)


def pitfalls_markdown() -> str:
    """The hint of every Mistake the checkers recognise, grouped by checker module."""
    from course_utils.exercises.check import registered_mistakes    # imports torch: only when asked

    groups = registered_mistakes()
    if not groups:
        return "No checker module has registered any mistakes yet."
    parts = []
    for module, mistakes in groups.items():
        doc = (sys.modules[module].__doc__ or "").strip().splitlines()
        heading = f"**`{module.removeprefix('course_utils.exercises.')}`**" + (f" — {doc[0]}" if doc else "")
        parts.append(heading + "\n\n" + "\n".join(f"- {_escape(m.hint)}" for m in mistakes))
    return "\n\n".join(parts)


# --- how to run it --------------------------------------------------------------------------------

def run_options_markdown(course: Course | None = None) -> str:
    """Local, Binder and Colab instructions; the online links open the published student edition
    (``student/`` in the repository, see :mod:`course_utils.authoring.publish`)."""
    from course_utils.authoring import publish

    course = course or load_course()
    repo = course.repository
    name = repo.rstrip("/").removesuffix(".git").rsplit("/", 1)[-1]
    lines = ["**Local (laptops).** Clone the repository and run `python3 -m course_utils lab` (or `make lab`; "
             "on Windows `py -m course_utils lab`): it builds `.venv` from `pyproject.toml` (PyTorch's CPU "
             "build on Linux) and opens JupyterLab on the student edition, with `--full` for the chapters "
             "with solutions.", "",
             f"```\ngit clone {repo}\ncd {name}\npython3 -m course_utils lab\n```", ""]
    try:
        chapters = [ch for ch in course.chapters if ch.kind == "chapter"]
        links = [(ch, publish.colab_url(course, ch), publish.binder_url(course, ch)) for ch in chapters]
    except ValueError:
        return "\n".join(lines + [f"Binder and Colab links need a GitHub repository; `{repo}` is not one."])
    lines += ["**Binder or Colab (nothing to install).** Each link opens one chapter's student edition. "
              "Binder builds the environment from `environment.yml`; the first launch takes several minutes, "
              "so open a link once before the workshop to warm it up. On Colab the chapter's first cell "
              "fetches the course and leaves Colab's PyTorch as it is. Idle online sessions are shut down "
              "and their files lost: learners download the notebooks they want to keep.", ""]
    lines += [f"- {ch.number}. {ch.title}: [Colab]({colab}) · [Binder]({binder})" for ch, colab, binder in links]
    return "\n".join(lines)


def show(markdown: str) -> None:
    """Display Markdown in Jupyter (guide cells call this with the functions above)."""
    from IPython.display import Markdown, display
    display(Markdown(markdown))


# --- command line -----------------------------------------------------------------------------------

def _student(args) -> int:
    from course_utils.authoring import student_edition

    started = time.perf_counter()
    try:
        course = load_course()
        out = check_output_folder(args.out, course)
    except ValueError as exc:
        print(f"workshop student: {exc}", file=sys.stderr)
        return 2
    print(f"course read from {course.source}")
    edition = student_edition.build(out)
    print(edition.summary())
    for path in edition.notebooks if args.execute else []:
        student_edition.execute(path)
        print(f"  ran {path.name} without errors")
    print(f"done in {time.perf_counter() - started:.0f} s")
    return 0


def main(argv: list[str] | None = None) -> int:
    """The command line (see the module docstring); returns the exit status. Raises SystemExit (status 2,
    argparse's message) for bad arguments, a bad schedule or a bad ``links``/``size``/``nbgrader``
    request; ``student`` raises FileExistsError for an ``--out`` holding other files and, with
    ``--execute``, nbclient's CellExecutionError for a failing cell; ``size`` raises what
    :func:`~course_utils.authoring.hub.measure_sizing` raises (RuntimeError when a learner fails)."""
    parser = argparse.ArgumentParser(prog="python -m course_utils.authoring.workshop", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    student = sub.add_parser("student", help="write the student edition (solutions replaced by stubs)")
    student.add_argument("--out", default="_build/student", help="output folder (default: %(default)s)")
    student.add_argument("--execute", action="store_true", help="also run every student notebook")
    plan = sub.add_parser("schedule", help="print a workshop schedule")
    plan.add_argument("--minutes", type=int, default=HALF_DAY)
    plan.add_argument("--start", default="09:00")
    plan.add_argument("--lunch", type=int, default=0, help="lunch minutes (0: none)")
    from course_utils.authoring import hub, nbgrader_export
    hub.add_subcommands(sub)
    nbgrader_export.add_subcommand(sub)
    args = parser.parse_args(argv)
    if args.command == "student":
        return _student(args)
    if args.command in ("links", "size", "nbgrader"):
        return args.run(args, parser)
    try:
        plan = schedule(args.minutes, start=args.start, lunch_minutes=args.lunch)
    except (ValueError, TypeError, KeyError) as exc:
        parser.error(str(exc))
    print(repr(plan))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
