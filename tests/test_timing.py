"""The timing model (course_utils.authoring.timing): what it counts, and book.toml's minutes against it."""
import json

import pytest

from course_utils.authoring import timing
from course_utils.authoring.course import load_course

COURSE = load_course()


def md(text, tags=()):
    return {"cell_type": "markdown", "metadata": {"tags": list(tags)}, "source": text}


def code(text, tags=(), outputs=()):
    return {"cell_type": "code", "metadata": {"tags": list(tags)}, "source": text, "outputs": list(outputs),
            "execution_count": None}


def notebook(*cells):
    return {"cells": list(cells), "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


# --- book.toml against the model ----------------------------------------------------------------

@pytest.mark.parametrize("chapter", [ch for ch in COURSE.chapters if ch.kind == "chapter"], ids=lambda ch: ch.id)
def test_book_minutes_are_within_the_tolerance_of_the_model(chapter):
    run = timing.load_run_times(COURSE.root)
    model = timing.chapter_time(COURSE.root / chapter.notebook, timing.run_seconds(chapter.id, run), chapter.id)
    dev = timing.deviation(chapter.minutes, model)
    assert abs(dev) <= timing.TOLERANCE, (
        f"{chapter.id}: book.toml says {chapter.minutes} min, the model {model.minutes:.1f} "
        f"(reading {model.reading_minutes:.1f}, running {model.run_minutes:.1f}, exercises "
        f"{model.exercise_minutes:.1f}): {dev:+.0%}; set minutes = {model.rounded} "
        "(python -m course_utils.authoring.timing check)")


def test_the_run_time_measurement_names_its_machine_and_covers_every_notebook():
    run = timing.load_run_times(COURSE.root)
    for key in ("cpu", "cores", "load_average_1min", "date"):
        assert run["machine"][key] not in (None, ""), key
    assert "OMP_NUM_THREADS=1" in run["method"]
    for ch in COURSE.chapters:
        row = run["chapters"][ch.id]
        assert 0 < row["cpu_s"] < 120 and row["wall_s"] > 0, (ch.id, row)


# --- counting -----------------------------------------------------------------------------------

def test_markdown_counts_words_inline_maths_and_equation_lines():
    text = ("## 5.1 The [GRU](https://example.org/gru) cell\n\nA gate $z_t$ keeps $h_{t-1}$; "
            "<b>don't</b> forget.\n\n$$\n\\begin{aligned}\na &= b\\\\\nc &= d\n\\end{aligned}\n$$\n\n"
            "| a | b |\n|---|:-:|\n| 1 | 2 |\n")
    prose = timing.read_markdown(text)
    # words: 5.1 The GRU cell A gate keeps don't forget a b 1 2 (the link target, tag and rule are not words)
    assert (prose.words, prose.inline_math, prose.equation_lines) == (13, 2, 2)
    minutes = (13 + 2 * timing.INLINE_MATH_WORDS) / timing.WORDS_PER_MINUTE + 2 * timing.SECONDS_PER_EQUATION_LINE / 60
    assert prose.minutes == pytest.approx(minutes)


def test_solution_lines_leave_out_def_docstring_blank_and_comment_lines():
    source = ('def f(x,\n      y):\n    """Docstring\n    over two lines."""\n    # a comment\n'
              '    a = x + y\n\n    return a * 2   # trailing comment counts\n\nANSWER = f(1, 2)\n')
    kept = "a=x+y" + "returna*2#trailingcommentcounts" + "ANSWER=f(1,2)"
    assert timing.solution_lines(source) == pytest.approx(len(kept) / timing.CODE_CHARS_PER_LINE)
    fallback = "thisis(notpython" + "x"                                   # not Python: non-comment lines
    assert timing.solution_lines("this is ( not python\n\n# c\nx") == pytest.approx(len(fallback) / 50)
    assert timing.code_lines("a = 1\n\n# read too\n") == pytest.approx(len("a=1#readtoo") / 50)


def test_code_size_does_not_change_when_a_formatter_wraps_a_line():
    one = "W_x, W_h, b = rng.standard_normal((H, D)) / 2, recurrent_matrix(H, 1.2), 0.1 * rng.standard_normal(H)\n"
    wrapped = ("W_x, W_h, b = (\n    rng.standard_normal((H, D)) / 2,\n    recurrent_matrix(H, 1.2),\n"
               "    0.1 * rng.standard_normal(H),\n)\n")
    assert timing.code_lines(wrapped) == pytest.approx(timing.code_lines(one) + 3 / 50)   # ( , )


def test_outputs_count_printed_words_and_figures():
    cell = code("plt.show()", outputs=[
        {"output_type": "stream", "name": "stdout", "text": ["max error 1.2e-13\n", "both forms agree\n"]},
        {"output_type": "display_data", "data": {"image/png": "iVBOR", "text/plain": "<Figure size 600x350>"},
         "metadata": {}},
        {"output_type": "execute_result", "data": {"text/plain": "'three words here'"}, "metadata": {},
         "execution_count": 1},
        {"output_type": "display_data", "data": {"text/markdown": "**Objectives** of the [course](x.html)",
                                                 "text/plain": "<IPython.core.display.Markdown object>"},
         "metadata": {}},
        {"output_type": "display_data", "data": {"application/vnd.jupyter.widget-view+json": {"model_id": "a"},
                                                 "text/plain": "interactive(children=(FloatSlider(),))"},
         "metadata": {}}])
    assert timing.output_words_and_figures(cell) == (6 + 3 + 4, 2)     # "1.2e-13" is one word


# --- exercises ----------------------------------------------------------------------------------

def exercise_notebook():
    return notebook(
        md("# 9. A chapter\n\nSome prose of eight words in it here."),
        code("x = 1", outputs=[{"output_type": "stream", "name": "stdout", "text": "one two\n"}]),
        md("## Exercises\n\n### Exercise 9.1 — Write a step\n\nWrite it."),
        code('def step(x):\n    """Doc."""\n    y = 2 * x\n    return y', tags=["solution"]),
        code("check.step(step)"),
        md("### Exercise 9.2 — Predict, then verify: a count\n\nHow many?"),
        code("def count():\n    return 3", tags=["solution"]),
        code("check.count(count)"),
        md("### Exercise 9.3 — Explain: why\n\nSay why."),
        md("**Model answer.** " + "word " * 40, tags=["model-answer"]),
        code("secret_instructor_code = 1\nmore = 2", tags=["instructor"]),
        md("## References\n\n- A paper."),
    )


def test_exercise_kinds_are_read_from_the_notebook_and_timed_by_kind():
    t = timing.chapter_time(exercise_notebook(), run_seconds=30.0, chapter="09_x")
    kinds = [(ex.number, ex.kind) for ex in t.exercises]
    assert kinds == [("9.1", "write code"), ("9.2", "predict-then-verify"), ("9.3", "explain")]
    write, predict, explain = t.exercises
    assert write.solution_lines == pytest.approx(len("y=2*xreturny") / 50)
    assert write.minutes == pytest.approx(timing.EXERCISE_MINUTES["write code"]
                                          + write.solution_lines * timing.WRITE_CODE_MINUTES_PER_LINE)
    assert predict.minutes == timing.EXERCISE_MINUTES["predict-then-verify"]
    assert explain.model_answer_words == 42
    assert explain.minutes == pytest.approx(timing.EXERCISE_MINUTES["explain"] + 42 / timing.WORDS_PER_MINUTE)
    assert t.exercise_minutes == pytest.approx(write.minutes + predict.minutes + explain.minutes)


def test_reading_skips_solutions_model_answers_and_instructor_cells():
    t = timing.chapter_time(exercise_notebook(), run_seconds=30.0)
    assert t.code_lines == pytest.approx(len("x=1" "check.step(step)" "check.count(count)") / 50)
    assert t.output_words == 2 and t.figures == 0
    heading_words = timing.read_markdown(exercise_notebook()["cells"][0]["source"]).words
    assert heading_words == 11
    assert t.prose.words == 11 + (1 + 6 + 2) + (6 + 2) + (4 + 2) + (1 + 2)   # prompts counted, model answer not
    assert t.run_minutes == 0.5
    assert t.minutes == pytest.approx(t.reading_minutes + 0.5 + t.exercise_minutes)


def test_rounding_goes_to_the_nearest_multiple_of_five():
    t = timing.chapter_time(notebook(md("word " * 200)), run_seconds=0.0)
    assert t.minutes == pytest.approx(1.0) and t.rounded == 5      # never below 5
    t.run_seconds = 60 * 11.4
    assert t.rounded == 10
    t.run_seconds = 60 * 11.6
    assert t.rounded == 15


def test_an_exercise_of_unknown_kind_is_named():
    nb = notebook(md("### Exercise 3.9 — Think about it\n\nJust think."), md("## References"))
    with pytest.raises(ValueError, match=r"3\.9 Think about it.*kind"):
        timing.chapter_time(nb, run_seconds=0.0)


def test_bad_arguments_are_named():
    with pytest.raises(TypeError, match="notebook"):
        timing.chapter_time(42, run_seconds=1.0)
    with pytest.raises(FileNotFoundError, match="notebook"):
        timing.chapter_time("notebooks/no_such_chapter.ipynb", run_seconds=1.0)
    with pytest.raises(ValueError, match="run_seconds"):
        timing.chapter_time(notebook(), run_seconds=-1.0)
    with pytest.raises(TypeError, match="run_seconds"):
        timing.chapter_time(notebook(), run_seconds="10")
    with pytest.raises(KeyError, match="99_nothing.*timing measure"):
        timing.run_seconds("99_nothing", {"chapters": {}})
    with pytest.raises(TypeError, match="text"):
        timing.read_markdown(None)


# --- the instructor guide's tables --------------------------------------------------------------

def test_timing_markdown_lists_every_chapter_and_exercise_with_the_parameters():
    text = timing.timing_markdown(COURSE)
    run = timing.load_run_times(COURSE.root)
    assert f"{timing.WORDS_PER_MINUTE} words a minute" in text and "Brysbaert 2019" in text
    assert run["machine"]["cpu"] in text
    for ch, t in timing.course_times(COURSE):
        assert f"| {ch.number} | {ch.title} | {t.reading_minutes:.1f} | {t.run_minutes:.1f} | " \
               f"{t.exercise_minutes:.1f} | {t.minutes:.1f} | {ch.minutes} |" in text
        for ex in t.exercises:
            assert f"| {ex.number} {ex.title} | {ex.kind} |" in text
    total = sum(ch.minutes for ch in COURSE.chapters if ch.kind == "chapter")
    assert f"**{total}**" in text


def test_check_command_reports_each_chapter(capsys):
    code_ = timing.main(["check"])
    out = capsys.readouterr().out
    assert code_ == 0, out
    assert all(ch.id in out for ch in COURSE.chapters if ch.kind == "chapter")
    json.dumps(timing.load_run_times(COURSE.root))        # the stored file is plain JSON


# --- sittings -----------------------------------------------------------------------------------

CHAPTERS = [ch for ch in COURSE.chapters if ch.kind == "chapter"]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda ch: ch.id)
def test_every_sitting_by_book_toml_breaks_fits_the_limit(chapter):
    sittings = timing.chapter_sittings(chapter, COURSE.root, timing.load_run_times(COURSE.root))
    assert sittings.problems() == [], "\n".join(sittings.problems())
    assert all(m <= timing.SITTING_MINUTES * (1 + timing.TOLERANCE) for m in sittings.breaks)
    assert len(sittings.breaks) == len(chapter.breaks) + 1


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda ch: ch.id)
def test_units_and_sittings_sum_to_the_chapter_total(chapter):
    run = timing.load_run_times(COURSE.root)
    seconds = timing.run_seconds(chapter.id, run)
    whole = timing.chapter_time(COURSE.root / chapter.notebook, seconds, chapter.id)
    units = timing.chapter_units(COURSE.root / chapter.notebook, seconds, chapter.id)
    assert sum(u.minutes for u in units) == pytest.approx(whole.minutes)
    assert sum(u.time.run_seconds for u in units) == pytest.approx(seconds)
    assert [ex.number for u in units for ex in u.time.exercises] == [ex.number for ex in whole.exercises]
    sittings = timing.chapter_sittings(chapter, COURSE.root, run)
    assert sum(sittings.breaks) == pytest.approx(whole.minutes)
    assert sum(sittings.proposed_minutes) == pytest.approx(whole.minutes)


def test_units_of_a_hand_made_chapter():
    nb = exercise_notebook()
    nb["cells"][1:1] = [md("## 9.1 First section\n\n" + "word " * 200), code("y = 2"),
                        md("## 9.2 Second section\n\n" + "word " * 400)]
    units = timing.chapter_units(nb, run_seconds=60.0)
    assert [(u.label, u.first_cell, u.end_cell) for u in units] == [
        ("9.1", 0, 3), ("9.2", 3, 5), ("Exercise 9.1", 5, 8), ("Exercise 9.2", 8, 11), ("Exercise 9.3", 11, 15)]
    # no stored run times: the minute of running is shared equally by the seven code cells (instructor's too)
    assert [u.time.run_seconds for u in units] == pytest.approx([60 / 7 * k for k in (1, 1, 2, 2, 1)])
    assert units[1].time.prose.words == 3 + 400                # "9.2 Second section" and its prose
    assert units[1].time.output_words == 2                     # the output of x = 1 is read in 9.2
    assert [[ex.number for ex in u.time.exercises] for u in units] == [[], [], ["9.1"], ["9.2"], ["9.3"]]
    assert sum(u.minutes for u in units) == pytest.approx(timing.chapter_time(nb, 60.0).minutes)
    assert timing.sitting_minutes(units, ["Exercise 9.1"]) == pytest.approx(
        [units[0].minutes + units[1].minutes, sum(u.minutes for u in units[2:])])


def test_run_time_is_shared_by_the_run_times_cells_store():
    def ran(seconds):
        cell = code("x")
        cell["metadata"]["execution"] = {"iopub.execute_input": "2026-11-30T10:00:00.000000Z",
                                         "shell.execute_reply": f"2026-11-30T10:00:{seconds:09.6f}Z"}
        return cell
    assert timing.run_shares([ran(1), md("# x"), ran(3)]) == pytest.approx([0.25, 0.0, 0.75])
    assert timing.run_shares([ran(1), code("y")]) == pytest.approx([0.5, 0.5])     # one unmeasured: equal
    assert timing.run_shares([md("# x")]) == [0.0]


@pytest.mark.parametrize("minutes, cuts", [
    ([10, 10, 10, 10, 10], []),                  # fits in one sitting
    ([20, 20, 20, 20], [2]),                     # two sittings of 40, not 60 + 20
    ([50, 5, 5, 50], [2]),                       # 55 + 55 beats 50 + 60 and 60 + 50
    ([30, 30, 30, 30], [2]),                     # fewest sittings first: 60 + 60, not three of 40
    ([40, 40, 40], [1, 2]),
    ([20, 70, 20], [1, 2]),                      # a unit over the limit is a sitting of its own
    ([70], []),
    ([20, 70, 30, 30], [1, 2]),
])
def test_propose_breaks_on_hand_made_units(minutes, cuts):
    assert timing.propose_breaks(minutes, limit=60) == cuts


def test_propose_breaks_matches_a_brute_force_search():
    import itertools
    import random

    rng = random.Random(4)

    def allowed(part):
        return len(part) == 1 or sum(part) <= 60

    for _ in range(300):
        minutes = [rng.choice([2, 5, 9, 14, 20, 31, 45, 66]) for _ in range(rng.randint(1, 8))]
        best = None
        for k in range(len(minutes)):
            for cuts in itertools.combinations(range(1, len(minutes)), k):
                bounds = [0, *cuts, len(minutes)]
                parts = [minutes[a:b] for a, b in zip(bounds, bounds[1:])]
                if all(allowed(p) for p in parts):
                    longest = max(sum(p) for p in parts)
                    if best is None or longest < best[1]:
                        best = (k, longest)
            if best is not None:
                break
        cuts = timing.propose_breaks(minutes, limit=60)
        bounds = [0, *cuts, len(minutes)]
        parts = [minutes[a:b] for a, b in zip(bounds, bounds[1:])]
        assert all(allowed(p) for p in parts), (minutes, cuts)
        assert (len(cuts), max(sum(p) for p in parts)) == best, (minutes, cuts)


def test_propose_breaks_and_sitting_minutes_name_bad_arguments():
    with pytest.raises(TypeError, match="minutes"):
        timing.propose_breaks([])
    with pytest.raises(ValueError, match="minutes"):
        timing.propose_breaks([5, -1])
    with pytest.raises(ValueError, match="limit"):
        timing.propose_breaks([5], limit=0)
    units = timing.chapter_units(exercise_notebook(), run_seconds=0.0)
    with pytest.raises(ValueError, match=r"breaks: '9.7' is not a unit.*start, Exercise 9.1"):
        timing.sitting_minutes(units, ["9.7"])
    with pytest.raises(ValueError, match="breaks: .*start.* is not a unit after the chapter's first"):
        timing.sitting_minutes(units, ["start"])
    with pytest.raises(ValueError, match="notebook order"):
        timing.sitting_minutes(units, ["Exercise 9.3", "Exercise 9.2"])
    with pytest.raises(TypeError, match="breaks"):
        timing.sitting_minutes(units, "Exercise 9.2")


def _long_chapter(tmp_path, breaks=()):
    """A chapter of four 20-minute sections (4000 words each at 200 words a minute): 80 minutes."""
    from course_utils.authoring.course import Chapter
    cells = [md("# 9. Long")] + [md(f"## 9.{k} Section\n\n" + "word " * 3998) for k in (1, 2, 3, 4)]
    (tmp_path / "notebooks").mkdir(parents=True)
    (tmp_path / "notebooks" / "09_long.ipynb").write_text(json.dumps(notebook(*cells)))
    chapter = Chapter(notebook="notebooks/09_long.ipynb", title="Long", minutes=80, objectives=("a", "b"),
                      number=9, breaks=tuple(breaks))
    run = {"chapters": {"09_long": {"cpu_s": 0.0}}}
    return timing.chapter_sittings(chapter, tmp_path, run)


def test_a_long_chapter_without_breaks_fails_and_names_the_proposer(tmp_path):
    sittings = _long_chapter(tmp_path)
    assert sittings.total == pytest.approx(80 + 2 / 200)      # "# 9. Long" is two words
    assert sittings.proposed == ["9.3"] and sittings.proposed_minutes == pytest.approx([40.01, 40.0], abs=0.01)
    [problem] = sittings.problems()
    assert "09_long: sitting 1 of 1 (9.1 to 9.4) takes 80.0 min by the model, over 60 min + 25%" in problem
    assert 'python -m course_utils.authoring.timing breaks` and set breaks = ["9.3"] in book.toml' in problem
    assert _long_chapter(tmp_path / "b", breaks=["9.3"]).problems() == []
    assert _long_chapter(tmp_path / "c", breaks=["9.2"]).problems() == []            # 20 + 60 still fits


def test_a_sitting_of_one_unit_over_the_limit_asks_for_trimming(tmp_path):
    from course_utils.authoring.course import Chapter
    cells = [md("# 9. Long"), md("## 9.1 Short\n\nA few words."), md("## 9.2 Huge\n\n" + "word " * 16000)]
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "09_long.ipynb").write_text(json.dumps(notebook(*cells)))
    chapter = Chapter(notebook="notebooks/09_long.ipynb", title="Long", minutes=80, objectives=("a", "b"),
                      number=9, breaks=("9.2",))
    sittings = timing.chapter_sittings(chapter, tmp_path, {"chapters": {"09_long": {"cpu_s": 0.0}}})
    assert [u.label for u in sittings.too_long] == ["9.2"]
    [problem] = sittings.problems()
    assert "sitting 2 of 2 (9.2 to 9.2)" in problem and "no break can shorten: trim or split 9.2" in problem
    bad = Chapter(**{**chapter.__dict__, "breaks": ("9.5",)})
    with pytest.raises(ValueError, match="breaks names '9.5', which is no numbered section"):
        timing.chapter_sittings(bad, tmp_path, {"chapters": {"09_long": {"cpu_s": 0.0}}})


def test_the_sittings_table_and_the_breaks_command(capsys):
    text = timing.timing_markdown(COURSE)
    for s in timing.course_sittings(COURSE):
        stops = ", ".join(("§" if b[0].isdigit() else "") + b for b in s.chapter.breaks) or "–"
        assert f"| {s.chapter.number} | {s.chapter.title} | {s.total:.1f} | {stops} | " \
               f"{' + '.join(f'{m:.1f}' for m in s.breaks)} |" in text
    assert timing.main(["breaks"]) == 0
    out = capsys.readouterr().out
    for s in timing.course_sittings(COURSE):
        assert f"proposed breaks = [{', '.join(chr(34) + b + chr(34) for b in s.proposed)}]" in out


def test_the_student_edition_marks_each_break_and_hides_nothing_new():
    import nbformat

    from course_utils.authoring import student_edition

    chapter = next(ch for ch in CHAPTERS if ch.breaks)
    original = nbformat.read(COURSE.root / chapter.notebook, as_version=4)
    student, resources = student_edition.student_notebook(original, chapter.number, chapter.breaks)
    assert resources["breaks"] == list(chapter.breaks)
    stops = [i for i, c in enumerate(student.cells) if c.source.startswith("**A good place to stop**")]
    assert len(stops) == len(chapter.breaks)
    n = len(chapter.breaks) + 1
    for k, (i, label) in enumerate(zip(stops, chapter.breaks), start=1):
        assert student.cells[i].source == student_edition.stop_cell_text(k, n)
        following = student.cells[i + 1].source
        heading = f"Exercise {label.split()[-1]}" if label.startswith("Exercise") else f"## {label} "
        assert heading in following or ("## Exercises" in following and label.startswith("Exercise")), following
    plain, _ = student_edition.student_notebook(original, chapter.number)
    assert len(student.cells) == len(plain.cells) + len(chapter.breaks)
    assert student_edition.leaks(original, student) == []
    nbformat.validate(student)
    with pytest.raises(ValueError, match="breaks: '99.1' names no section"):
        student_edition.student_notebook(original, chapter.number, ["99.1"])
