"""Workshop tooling: solution stubs, the student edition, schedules and the instructor guide's content.

SLOW: ``test_slow_student_edition_of_chapter_runs_end_to_end`` executes the student edition of
every chapter listed in book.toml (each up to 60 s), two kernels at a time.
"""
from __future__ import annotations

import ast
import textwrap
from concurrent.futures import ThreadPoolExecutor

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from course_utils.authoring import student_edition, workshop
from course_utils.authoring.course import cell_tags, exercises, load_course, parse_course
from course_utils.authoring.student_edition import giveaways, leaks, stub_source

EXECUTION_TIMEOUT = 900  # seconds per cell: a crash guard, not a speed test (chapter 6 trains for a while)
POOL = 2  # notebooks executed at once (the machine has two cores)
NOT_ATTEMPTED = "not attempted yet"

SOLUTION = '''\
import numpy as np


def layer(x, W,
          b):
    """One tanh layer: h = tanh(x @ W.T + b).

    x: (B, D), W: (H, D), b: (H,) -> h: (B, H)
    """
    pre_activation = x @ W.T + b  # the affine part
    return np.tanh(pre_activation)
'''
CHECK = '''\
import numpy as np
from course_utils.exercises.harness import check_function, check_value
rng = np.random.default_rng(0)
cases = [((rng.normal(size=(2, 3)), rng.normal(size=(4, 3)), rng.normal(size=4)), {})]
check_function(layer, lambda x, W, b: np.tanh(x @ W.T + b), cases, name="layer")'''
ENDLESS = '''\
import threading
from course_utils.exercises.harness import check_function
def spin():
    while True:
        pass
print("main thread:", threading.current_thread() is threading.main_thread())
check_function(spin, lambda: 0, [((), {})], name="spin", time_limit=0.5)'''
MODEL_ANSWER = "**Model answer.** The state carries the past forward through every single step."
INSTRUCTOR_NOTE = "Instructor: give the room five minutes for this exercise before showing anything."


def tagged(cell, *tags):
    cell.metadata["tags"] = list(tags)
    return cell


def fixture_notebook(number: int, title: str):
    executed = new_code_cell("print('the rest of the chapter ran')", execution_count=3,
                             outputs=[new_output("stream", name="stdout", text="the rest of the chapter ran\n")])
    return new_notebook(cells=[
        new_markdown_cell(f"# {number}. {title}"),
        executed,
        tagged(new_markdown_cell(INSTRUCTOR_NOTE), "instructor"),
        new_markdown_cell("## Exercises"),
        new_markdown_cell(f"### Exercise {number}.1 — A tanh layer\n\nWrite `layer(x, W, b)`."),
        tagged(new_code_cell(SOLUTION), "solution"),
        new_code_cell(CHECK),
        new_markdown_cell(f"### Exercise {number}.2 — Predict\n\nWhat is tanh(0)?"),
        tagged(new_code_cell("answer = 0.0 + 0.0  # zero in, zero out"), "solution"),
        new_code_cell('from course_utils.exercises.harness import check_value\ncheck_value(answer, 0.0, name="answer")'),
        new_markdown_cell(f"### Exercise {number}.3 — Explain\n\nWhy does the RNN need a state?"),
        tagged(new_markdown_cell(MODEL_ANSWER), "model-answer"),
        new_markdown_cell("## References"),
        new_code_cell(ENDLESS),
        new_code_cell("print('the kernel survived')"),
    ])


BOOK = '''
title = "Fixture course"
authors = ["Tests"]
description = "A course made by the tests."
repository = "https://github.com/example/fixture-course"
branch = "trunk"
{chapters}
'''
CHAPTER = '''
[[chapters]]
notebook = "notebooks/{id}.ipynb"
title = "{title}"
minutes = {minutes}
objectives = ["First objective.", "Second objective."]
{extra}
'''
FIXTURE_CHAPTERS = [("00_intro", "Intro", 20, ""), ("01_first", "First steps", 45, ""),
                    ("02_missing", "Not written yet", 30, ""), ("guide", "Guide", 15, 'kind = "guide"')]


@pytest.fixture
def course(tmp_path):
    chapters = "".join(CHAPTER.format(id=i, title=t, minutes=m, extra=e) for i, t, m, e in FIXTURE_CHAPTERS)
    (tmp_path / "book.toml").write_text(BOOK.format(chapters=chapters))
    (tmp_path / "notebooks" / "data").mkdir(parents=True)
    (tmp_path / "notebooks" / "data" / "series.csv").write_text("t,y\n0,1\n")
    for number, (chapter_id, title, _, _) in enumerate(FIXTURE_CHAPTERS):
        if chapter_id != "02_missing":
            nbformat.write(fixture_notebook(number, title), tmp_path / "notebooks" / f"{chapter_id}.ipynb")
    return parse_course((tmp_path / "book.toml").read_text(), tmp_path)


# --- stubs ---------------------------------------------------------------------------------------

def test_stub_keeps_imports_and_signature_but_not_the_docstring_and_raises_with_the_exercise_label():
    stub = stub_source(SOLUTION, "4.1")
    assert stub == textwrap.dedent('''\
        import numpy as np


        def layer(x, W,
                  b):
            """Exercise 4.1: see the instructions above."""
            raise NotImplementedError("Exercise 4.1: your code here")
        ''')
    namespace = {}
    exec(stub, namespace)
    with pytest.raises(NotImplementedError, match="Exercise 4.1: your code here"):
        namespace["layer"](1, 2, 3)
    assert "tanh" not in stub


def test_stub_drops_comments_above_the_docstring_and_after_the_colon_and_takes_an_author_docstring():
    source = textwrap.dedent('''\
        def baseline(n, k,  # the K recalled steps cost log(n)
                     t):  # answer: k * log(n) / (2k + t)
            # blanks are free: K log(n) / (2K + T)
            """K log(n) / (2K + T) per step."""
            return k * math.log(n) / (2 * k + t)
        ''')
    stub = stub_source(source, "6.3")
    assert "log" not in stub and "blanks" not in stub, stub
    assert stub.splitlines()[:2] == ["def baseline(n, k,", "             t):"]
    ast.parse(stub)
    reviewed = stub_source(source, "6.3", docstring="n_symbols, length, delay -> float (nats per step).")
    assert '"""n_symbols, length, delay -> float (nats per step)."""' in reviewed


@pytest.mark.parametrize("source, expected", [
    ("answer = 0.25", "answer = ...  # your prediction\n"),
    ("a, b = 1, 2", "a, b = ..., ...  # your prediction\n"),
    ("c = d = 3 * 4", "c = d = ...  # your prediction\n"),
    ("n: int = 5", "n: int = ...  # your prediction\n"),
    ("x = 1\nprint(x)\nfor i in range(3):\n    x += i", "x = ...  # your prediction\n"),
    ("print('only an expression')", "# Exercise 1.2: your code here\n"),
    ("%timeit f()", "# Exercise 1.2: your code here\n"),
    ("def f(a): return a + 1", "def f(a):\n    raise NotImplementedError('Exercise 1.2: your code here')\n"),
    ("@cache\ndef f(a):\n    # the trick: double it\n    return 2 * a",
     '@cache\ndef f(a):\n    """Exercise 1.2: see the instructions above."""\n'
     '    raise NotImplementedError("Exercise 1.2: your code here")\n'),
])
def test_stub_of_values_one_liners_comments_and_magics(source, expected):
    assert stub_source(source, "1.2") == expected


def test_stub_of_a_class_keeps_its_docstring_and_stubs_every_method():
    source = textwrap.dedent('''\
        class Model:
            """A model."""
            size = 4

            def __init__(self, n):
                self.n = n * self.size

            def forward(self, x):
                """Run it."""
                return x * self.n
        ''')
    stub = stub_source(source, "7.1")
    tree = ast.parse(stub)
    assert "self.n = n * self.size" not in stub and "return x * self.n" not in stub and "Run it" not in stub
    assert [n.name for n in tree.body[0].body if isinstance(n, ast.FunctionDef)] == ["__init__", "forward"]
    namespace = {}
    exec(stub, namespace)
    with pytest.raises(NotImplementedError, match="Exercise 7.1"):
        namespace["Model"](3)


# --- the student edition -----------------------------------------------------------------------

def test_student_edition_stubs_solutions_removes_hidden_cells_and_clears_outputs(course, tmp_path):
    edition = student_edition.build(tmp_path / "student", course=course)
    assert [p.name for p in edition.notebooks] == ["00_intro.ipynb", "01_first.ipynb"]  # guide left out
    assert edition.missing == ["notebooks/02_missing.ipynb"] and edition.exercises == 4
    nb = nbformat.read(tmp_path / "student" / "notebooks" / "01_first.ipynb", as_version=4)
    sources = [c.source for c in nb.cells]
    assert MODEL_ANSWER not in sources and INSTRUCTOR_NOTE not in sources
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in nb.cells if c.cell_type == "code")
    stubs = [c for c in nb.cells if "exercise" in c.metadata.get("tags", [])]
    assert [c.source.splitlines()[-1].strip() for c in stubs] == [
        'raise NotImplementedError("Exercise 1.1: your code here")', "answer = ...  # your prediction"]
    assert not any("solution" in c.metadata.get("tags", []) for c in nb.cells)
    assert (tmp_path / "student" / "notebooks" / "data" / "series.csv").read_text() == "t,y\n0,1\n"
    assert (tmp_path / "student" / "book.toml").is_file()
    original = nbformat.read(course.root / "notebooks" / "01_first.ipynb", as_version=4)
    assert leaks(original, nb) == []
    answer = [i for i, c in enumerate(nb.cells) if "answer" in c.metadata.get("tags", [])]
    assert len(answer) == 1 and "Exercise 1.3" in nb.cells[answer[0] - 1].source  # a cell to write in
    assert nb.cells[answer[0]].cell_type == "markdown" and edition.answer_cells == 2


def test_tag_variants_count_as_the_tag_and_the_leak_check_sees_them(course):
    original = nbformat.read(course.root / "notebooks" / "01_first.ipynb", as_version=4)
    variants = iter(["Solution", " SOLUTION "])
    for cell in original.cells:
        if cell.metadata.get("tags") == ["solution"]:
            cell.metadata["tags"] = [next(variants)]
        elif cell.metadata.get("tags") == ["model-answer"]:
            cell.metadata["tags"] = ["Model_Answer"]
    student, resources = student_edition.student_notebook(original, 1)
    text = "\n".join(c.source for c in student.cells)
    assert "pre_activation = x @ W.T + b" not in text and MODEL_ANSWER not in text
    assert resources["stubbed"] == ["1.1", "1.2"]
    student.cells.append(new_code_cell("pre_activation = x @ W.T + b  # the affine part"))
    assert leaks(original, student) == ["pre_activation = x @ W.T + b  # the affine part"]


def test_widget_state_and_run_metadata_are_cleared(course):
    original = nbformat.read(course.root / "notebooks" / "01_first.ipynb", as_version=4)
    original.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {"a": 1}}}
    original.cells[1].metadata["widgets"] = {"progress": 0.5}
    original.cells[1].outputs.append(new_output("display_data", data={
        "application/vnd.jupyter.widget-view+json": {"model_id": "a", "version_major": 2}}))
    student, _ = student_edition.student_notebook(original, 1)
    assert "widgets" not in student.metadata
    assert all("widgets" not in c.metadata for c in student.cells)
    assert all(not c.get("outputs") for c in student.cells if c.cell_type == "code")


def test_giveaways_finds_a_solution_line_shown_above_and_a_prompt_sending_to_a_model_answer(course):
    original = nbformat.read(course.root / "notebooks" / "01_first.ipynb", as_version=4)
    assert giveaways(original) == []
    original.cells.insert(1, new_code_cell("pre_activation = x @ W.T + b"))
    prompt = next(c for c in original.cells if "Exercise 1.3" in c.source)
    prompt.source += " Then open the model answer."
    assert giveaways(original) == [
        "Exercise 1.1: `pre_activation = x @ W.T + b` is visible above the exercise.",
        "Exercise 1.3: the prompt mentions a model answer, which the student edition removes."]


def test_leak_check_catches_a_solution_line_left_in_the_edition(course, tmp_path):
    original = nbformat.read(course.root / "notebooks" / "01_first.ipynb", as_version=4)
    student, _ = student_edition.student_notebook(original, 1)
    student.cells.append(new_code_cell("pre_activation = x @ W.T + b  # the affine part"))
    student.cells.append(new_markdown_cell(MODEL_ANSWER))
    assert leaks(original, student) == ["pre_activation = x @ W.T + b  # the affine part", MODEL_ANSWER]


def test_rebuilding_keeps_the_learners_edits_and_files_and_says_so(course, tmp_path):
    out = tmp_path / "student"
    student_edition.build(out, course=course)
    mine = out / "notebooks" / "01_first.ipynb"
    nb = nbformat.read(mine, as_version=4)
    nb.cells[0].source += "\n\nMy notes."
    nbformat.write(nb, mine)
    edited = mine.read_bytes()
    (out / "notebooks" / "my_scratch.py").write_text("print('mine')")
    untouched = (out / "notebooks" / "00_intro.ipynb").read_bytes()
    edition = student_edition.build(out, course=course)
    assert mine.read_bytes() == edited and (out / "notebooks" / "my_scratch.py").read_text() == "print('mine')"
    assert (out / "notebooks" / "01_first.new.ipynb").is_file()
    assert (out / "notebooks" / "00_intro.ipynb").read_bytes() == untouched
    assert edition.kept == ["notebooks/01_first.ipynb"]
    assert "kept your edited notebooks/01_first.ipynb unchanged" in edition.summary()
    assert "notebooks/01_first.new.ipynb" in edition.summary()
    edition = student_edition.build(out, course=course)  # a third build: the fresh copy is ours, replaced
    assert mine.read_bytes() == edited and edition.kept == ["notebooks/01_first.ipynb"]
    fresh = out / "notebooks" / "01_first.new.ipynb"
    fresh.write_text(fresh.read_text().replace("your code here", "my second try"))
    student_edition.build(out, course=course)  # the learner edited the fresh copy too: kept as well
    assert "my second try" in fresh.read_text()
    assert (out / "notebooks" / "01_first.new.new.ipynb").is_file()


def test_student_edition_refuses_a_foreign_folder(course, tmp_path):
    foreign = tmp_path / "my_work"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("precious")
    with pytest.raises(FileExistsError, match="not a student edition"):
        student_edition.build(foreign, course=course)
    assert (foreign / "thesis.tex").read_text() == "precious"


def test_student_notebook_runs_end_to_end_and_checkers_say_not_attempted(course, tmp_path):
    edition = student_edition.build(tmp_path / "student", course=course)
    nb = student_edition.execute(edition.notebooks[1], timeout=EXECUTION_TIMEOUT)
    assert_checks_not_attempted(nb)
    spin, after = nb.cells[-2:]
    assert spin.outputs[0].text == "main thread: True\n"  # so the SIGALRM time limit is the one used
    assert "spin: your code did not finish in time." in spin.outputs[1].data["text/plain"]
    assert after.outputs[0].text == "the kernel survived\n"


def assert_checks_not_attempted(nb):
    cells = nb.cells
    checks = [cells[i + 1] for i, c in enumerate(cells[:-1]) if "exercise" in c.metadata.get("tags", [])]
    for cell in checks:
        text = "".join(o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in cell.outputs)
        assert NOT_ATTEMPTED in text, f"check cell did not say {NOT_ATTEMPTED!r}:\n{cell.source}\n{text}"


# --- the real course: every chapter listed in book.toml --------------------------------------------

REAL = load_course()
CHAPTERS = [ch for ch in REAL.chapters if ch.kind == "chapter"]


@pytest.fixture(scope="module")
def real_edition(tmp_path_factory):
    return student_edition.build(tmp_path_factory.mktemp("student"), course=REAL)


def _existing(chapter):
    if not (REAL.root / chapter.notebook).is_file():
        pytest.skip(f"{chapter.notebook} does not exist yet (test_course reports missing notebooks)")


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda ch: ch.id)
def test_student_edition_of_chapter_reveals_no_solution_line(chapter, real_edition):
    _existing(chapter)
    original = nbformat.read(REAL.root / chapter.notebook, as_version=4)
    student = nbformat.read(real_edition.out / chapter.notebook, as_version=4)
    assert leaks(original, student) == []


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda ch: ch.id)
def test_student_edition_of_chapter_keeps_no_solution_docstring_and_has_answer_cells(chapter, real_edition):
    _existing(chapter)
    original = nbformat.read(REAL.root / chapter.notebook, as_version=4)
    student = nbformat.read(real_edition.out / chapter.notebook, as_version=4)
    explain = sum(student_edition.MODEL_ANSWER in cell_tags(c) for c in original.cells)
    answers = [c for c in student.cells if "answer" in c.metadata.get("tags", [])]
    assert len(answers) == explain and all(c.source == student_edition.ANSWER_CELL for c in answers)
    for cell in student.cells:
        if "exercise" in cell.metadata.get("tags", []):
            for node in ast.walk(ast.parse(cell.source)):
                if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and ast.get_docstring(node):
                    assert ast.get_docstring(node).endswith("see the instructions above."), cell.source
    assert "widgets" not in student.metadata


@pytest.fixture(scope="module")
def executed_editions(request, real_edition):
    """Run, POOL at a time, the student notebooks whose test was selected; futures by chapter id."""
    wanted = {item.callspec.id for item in request.session.items  # nbval's cell items have no originalname
              if getattr(item, "originalname", None) == "test_slow_student_edition_of_chapter_runs_end_to_end"}
    pool = ThreadPoolExecutor(POOL)
    futures = {ch.id: pool.submit(student_edition.execute, real_edition.out / ch.notebook, EXECUTION_TIMEOUT)
               for ch in CHAPTERS if ch.id in wanted and (real_edition.out / ch.notebook).is_file()}
    yield futures
    pool.shutdown(wait=True)


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda ch: ch.id)
def test_slow_student_edition_of_chapter_runs_end_to_end(chapter, executed_editions):
    _existing(chapter)
    assert_checks_not_attempted(executed_editions[chapter.id].result())


# --- schedules -------------------------------------------------------------------------------------

@pytest.mark.parametrize("budget, lunch", [(workshop.HALF_DAY, 0), (workshop.FULL_DAY, workshop.LUNCH)])
def test_schedule_fits_the_budget_keeps_book_order_and_breaks_long_blocks(budget, lunch):
    plan = workshop.schedule(budget, lunch_minutes=lunch, course=REAL)
    assert plan.minutes("chapter") + plan.minutes("break") <= budget
    titles = [ch.title for ch in CHAPTERS]
    assert plan.chapters == titles[:len(plan.chapters)]
    assert [ch.title for ch in plan.left_out] == titles[len(plan.chapters):]
    assert all(a.start + a.minutes == b.start for a, b in zip(plan.slots, plan.slots[1:]))
    block = 0
    for slot in plan.slots:
        block = 0 if slot.kind != "chapter" else block + slot.minutes
        assert block <= max(workshop.BLOCK, slot.minutes)
    assert plan.minutes("lunch") == lunch


def test_full_day_covers_more_than_half_day_and_starts_on_time():
    half, full = (workshop.schedule(m, course=REAL, start="08:30") for m in (workshop.HALF_DAY, workshop.FULL_DAY))
    assert len(full.chapters) > len(half.chapters) >= 2
    assert half.markdown().splitlines()[2].startswith("| 08:30–")


def test_schedule_of_a_chosen_track_and_of_too_little_time(course):
    plan = workshop.schedule(70, chapters=["01_first", "00_intro"], course=course)
    assert plan.chapters == ["First steps", "Intro"] and not plan.left_out
    assert "ends at 10:05" in repr(plan)
    assert workshop.schedule(10, course=course).chapters == []


# --- the guide's generated content ------------------------------------------------------------------

def test_run_options_build_binder_and_colab_links_from_book_toml(course):
    text = workshop.run_options_markdown(course)
    assert "https://mybinder.org/v2/gh/example/fixture-course/trunk?urlpath=lab%2Ftree%2Fstudent%2F01_first.ipynb" in text
    assert ("https://colab.research.google.com/github/example/fixture-course/blob/trunk/student/01_first.ipynb"
            in text)
    assert "guide.ipynb" not in text and "python3 -m course_utils lab" in text and "/notebooks/" not in text


def test_run_options_without_github_say_so(course):
    gitlab = parse_course((course.root / "book.toml").read_text().replace(
        "https://github.com/example", "https://gitlab.com/example"), course.root)
    assert "need a GitHub repository" in workshop.run_options_markdown(gitlab)


def test_exercises_and_model_answers_are_collected_from_the_notebooks(course):
    found = exercises(course)
    assert [(e.label, e.kinds) for e in found] == [
        ("0.1", ["implement"]), ("0.2", ["predict"]), ("0.3", ["explain"]),
        ("1.1", ["implement"]), ("1.2", ["predict"]), ("1.3", ["explain"])]
    answers = workshop.model_answers_markdown(course)
    assert answers.count(MODEL_ANSWER) == 2 and "> Why does the RNN need a state?" in answers
    assert "| First steps | 1.2 Predict | predict |" in workshop.exercises_markdown(course)


def test_hub_and_nbgrader_export_do_not_import_workshop_or_each_other():
    """workshop registers hub's and nbgrader_export's subcommands; the course-structure queries they
    share (resolve_chapters, exercises) live in course.py, so no import, at any level, goes back."""
    from pathlib import Path

    folder = Path(workshop.__file__).parent
    forbidden = {"hub.py": {"workshop"}, "nbgrader_export.py": {"workshop", "hub"}, "course.py": {"workshop", "hub"}}
    for name, modules in forbidden.items():
        imported = set()
        for node in ast.walk(ast.parse((folder / name).read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
            elif isinstance(node, ast.Import):
                imported |= {a.name for a in node.names}
        assert not {f"course_utils.authoring.{m}" for m in modules} & imported, name


def test_pitfalls_list_the_hints_declared_by_checker_modules(monkeypatch):
    import sys
    import types

    from course_utils.exercises import check

    module = types.ModuleType("course_utils.exercises.check.fixture_pitfalls")
    module.__doc__ = "Checkers for the fixture chapter."
    monkeypatch.setitem(sys.modules, module.__name__, module)
    exec("from course_utils.exercises.harness import Mistake\nMISTAKES = [Mistake('scale by 1/T, not T.', abs)]",
         module.__dict__)
    monkeypatch.setattr(check, "CHECKER_MODULES", check.CHECKER_MODULES + (module,))
    text = workshop.pitfalls_markdown()
    assert "**`check.fixture_pitfalls`** — Checkers for the fixture chapter.\n\n- scale by 1/T, not T." in text


def test_command_line_schedule_prints_a_plain_text_plan(capsys):
    first = load_course().chapters[0]  # its minutes come from book.toml (set by course_utils.authoring.timing)
    assert workshop.main(["schedule", "--minutes", str(first.minutes + 5)]) == 0
    end = f"{9 + first.minutes // 60:02d}:{first.minutes % 60:02d}"
    assert f"09:00-{end}  {first.title} ({first.minutes} min)" in capsys.readouterr().out


def test_pitfall_hints_keep_formulas_literal_in_markdown_outside_code_spans():
    assert workshop._escape("use 1 - h_t**2, not `h_prev**2`") == r"use 1 - h\_t\*\*2, not `h_prev**2`"


def test_instructor_guide_opens_with_its_title_and_objectives():
    guide = REAL.chapter("instructor_guide")
    assert guide.kind == "guide" and guide.title == "Instructor guide"
    cells = nbformat.read(REAL.root / guide.notebook, as_version=4).cells
    assert cells[0].cell_type == "markdown" and cells[0].source == "# Instructor guide"
    assert cells[1].cell_type == "code" and 'show_objectives("instructor_guide")' in cells[1].source


def test_student_edition_and_workshop_do_not_import_each_other_at_module_level():
    """The student edition reads tags and headings from course.py; only workshop's command line
    imports student_edition, inside the function that needs it (nbconvert is slow to import)."""
    import pathlib

    def module_imports(module) -> set[str]:
        tree = ast.parse(pathlib.Path(module.__file__).read_text())
        return {node.module or "" for node in tree.body if isinstance(node, ast.ImportFrom)}

    assert "workshop" not in module_imports(student_edition)
    assert "student_edition" not in module_imports(workshop)


def test_tags_are_read_normalised_by_one_function():
    from course_utils.authoring.course import MODEL_ANSWER, SOLUTION

    cell = new_code_cell("x = 1", metadata={"tags": ["Solution ", "Model_Answer", "nbval-ignore-output"]})
    assert cell_tags(cell) == [SOLUTION, MODEL_ANSWER, "nbval-ignore-output"]
    assert cell_tags(new_markdown_cell("text")) == []
