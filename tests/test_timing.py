"""The timing model (course_utils.timing): what it counts, and book.toml's minutes against it."""
import json

import pytest

from course_utils import timing
from course_utils.course import load_course

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
        "(python -m course_utils.timing check)")


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
