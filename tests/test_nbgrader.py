"""The course as an nbgrader course: export, then real `nbgrader generate_assignment` and
`nbgrader autograde` on two made-up submissions of Chapter 0 (one right, one with a catalogued mistake)."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from course_utils.authoring import nbgrader_export as ng
from course_utils.authoring import workshop
from course_utils.authoring.course import load_course

CHAPTER = "00_introduction"
RIGHT = {  # what a learner types into the released stubs
    "ex_0_1_answer": "def split_concat_weight(W_concat, H):\n    return W_concat[:, :H], W_concat[:, H:]",
    "ex_0_2_answer": ("def reorder_lstm_gates(W):\n    i, f, o, g = np.split(W, 4, axis=0)\n"
                      "    return np.concatenate([i, f, g, o], axis=0)"),
    "ex_0_3_explain": "The two biases are always added together, so only their sum matters.",
}
# a mistake the 0.1 checker catalogues: the blocks returned in the order (W_ih, W_hh)
SWAPPED = "def split_concat_weight(W_concat, H):\n    return W_concat[:, H:], W_concat[:, :H]"
SWAPPED_HINT = "You returned the blocks in the order (W_ih, W_hh)"


def _nbgrader(args: list[str], cwd: Path, timeout: float = 400) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
           "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)
    assert done.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def _submit(release: Path, folder: Path, answers: dict[str, str]) -> None:
    nb = nbformat.read(release, as_version=4)
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in answers:
            cell.source = answers[gid]
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / release.name)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- the export ------------------------------------------------------------------------------------

def test_solution_markers_keep_the_interface_visible():
    marked = ng.mark_solution("import numpy as np\n\n@staticmethod\ndef f(x, y):\n    \"\"\"Doc.\"\"\"\n    return x + y\n"
                              "answer = 3\n", stub_docstring="Exercise 9.9: see above.")
    assert marked.splitlines() == [
        "import numpy as np", "@staticmethod", "def f(x, y):", '    """Exercise 9.9: see above."""',
        "    ### BEGIN SOLUTION", '    """Doc."""', "    return x + y", "    ### END SOLUTION",
        "### BEGIN SOLUTION", "answer = 3", "### END SOLUTION"]


def test_check_cells_fail_when_the_checker_is_not_satisfied():
    code = ng.graded_check("from course_utils.exercises import check\ncheck.rnn_forward(rnn_forward_np)", "1.1")
    assert code.splitlines()[-1].startswith("assert _feedback_1.passed, 'Exercise 1.1")
    with pytest.raises(ValueError, match="Exercise 2.2: the check cell calls no checker"):
        ng.graded_check("print('hello')", "2.2")


def test_every_chapter_exports_with_one_point_per_check(tmp_path):
    summary = ng.export(tmp_path / "course")
    course = load_course()
    chapters = [ch.id for ch in course.chapters if ch.kind == "chapter"]
    assert list(summary) == chapters
    for chapter, counts in summary.items():
        assert counts["checks"] == counts["points"] == counts["solutions"] > 0, (chapter, counts)
        nb = nbformat.read(tmp_path / "course" / "source" / chapter / f"{chapter}.ipynb", as_version=4)
        ids = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells if "nbgrader" in c.metadata]
        assert len(ids) == len(set(ids))
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
    assert (tmp_path / "course" / "book.toml").is_file() and (tmp_path / "course" / "nbgrader_config.py").is_file()


@pytest.mark.parametrize("work", ["gradebook.db", "autograded", "feedback", "submitted"])
def test_export_never_writes_over_graded_work(tmp_path, work, capsys):
    out = tmp_path / "course"
    out.mkdir()
    (out / work).mkdir() if work != "gradebook.db" else (out / work).write_bytes(b"grades")
    with pytest.raises(SystemExit) as stop:
        workshop.main(["nbgrader", "--out", str(out), "--chapters", "00"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "--out" in err and work in err and "never overwritten" in err
    assert sorted(p.name for p in out.iterdir()) == [work]  # nothing written


def test_export_refuses_the_course_folder_and_unknown_chapters(tmp_path):
    root = load_course().root
    with pytest.raises(ValueError, match="--out"):
        ng.export(root)
    with pytest.raises(ValueError, match="--chapters: no chapter '99'"):
        ng.export(tmp_path / "x", ["99"])
    assert not (tmp_path / "x").exists()


# --- the real round trip ---------------------------------------------------------------------------

def test_generate_and_autograde_two_submissions(tmp_path):
    course_dir = tmp_path / "course"
    assert workshop.main(["nbgrader", "--out", str(course_dir), "--chapters", "00"]) == 0
    _nbgrader(["generate_assignment", CHAPTER], course_dir)
    release = course_dir / "release" / CHAPTER / f"{CHAPTER}.ipynb"
    released = release.read_text()
    source = nbformat.read(load_course().root / "notebooks" / f"{CHAPTER}.ipynb", as_version=4)
    hidden = [line.strip() for c in source.cells if {"solution", "model-answer"} & set(c.metadata.get("tags", []))
              for line in c.source.splitlines() if len(line.strip()) > 12 and not line.strip().startswith("def ")]
    assert hidden and not [line for line in hidden if line in released], "a solution line reached the release"
    assert "BEGIN SOLUTION" not in released and "raise NotImplementedError()" in released

    _submit(release, course_dir / "submitted" / "right" / CHAPTER, RIGHT)
    _submit(release, course_dir / "submitted" / "wrong" / CHAPTER, {**RIGHT, "ex_0_1_answer": SWAPPED})
    _nbgrader(["autograde", CHAPTER], course_dir)

    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course_dir / 'gradebook.db'}") as gradebook:
        scores = {s: gradebook.find_submission(CHAPTER, s) for s in ("right", "wrong")}
        assert {s: (sub.score, sub.max_score) for s, sub in scores.items()} == {"right": (2.0, 2.0), "wrong": (1.0, 2.0)}
        wrong = gradebook.find_submission_notebook(CHAPTER, CHAPTER, "wrong")  # notebook, assignment, student
        by_cell = {g.name: g.score for g in wrong.grades}
        assert by_cell["ex_0_1_check"] == 0.0 and by_cell["ex_0_2_check"] == 1.0
    graded = nbformat.read(course_dir / "autograded" / "wrong" / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)
    check = next(c for c in graded.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "ex_0_1_check")
    text = "".join(o.get("text", "") + str(o.get("evalue", "")) for o in check.outputs)
    assert "not correct yet" in text and SWAPPED_HINT in text  # the learner gets the checker's words

    before = _digest(course_dir / "gradebook.db")
    with pytest.raises(FileExistsError, match="gradebook.db"):
        ng.export(course_dir, ["00"])
    assert _digest(course_dir / "gradebook.db") == before
