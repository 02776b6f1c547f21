"""course_utils.exercises.check.backprop (Exercises 4.4, 4.5 and 5.4): backward passes of the gated cells.

The right answers and the common mistakes are written here as a learner writes them, independently
of the checker's own catalogue; every catalogued mistake must get its own hint and no other, every
right answer must pass whatever its numeric type, and pathological answers get a verdict in time.
"""
from __future__ import annotations

import sys
import time

import numpy as np
import pytest

from course_utils.exercises import check
from course_utils.exercises.check import backprop
from course_utils.exercises.check import registered_mistakes

CATALOGUES = {"4.4": backprop.LSTM_STEP_MISTAKES, "4.5": backprop.LSTM_SEQUENCE_MISTAKES,
              "5.4": backprop.GRU_STEP_MISTAKES}
CHECKERS = {"4.4": check.lstm_step_backward, "4.5": check.lstm_sequence_backward, "5.4": check.gru_step_backward}


def _hints(number):
    return list(dict.fromkeys(m.hint for m in CATALOGUES[number]))


def _only_hint(feedback, number, hint):
    others = [h for h in _hints(number) if h != hint and h in feedback.text]
    return feedback.status == "incorrect" and hint in feedback.text and not others \
        and feedback.text.count("Hint:") == 1


# --- a learner's LSTM step backward, with the mistakes the exercise catalogues -----------------

def lstm_step_back(dh, dc, cache, bug=None, dtype=np.float64):
    p = cache.params
    W_ih, W_hh = p.weight_ih.astype(dtype), p.weight_hh.astype(dtype)
    dh, dc = dh.astype(dtype), dc.astype(dtype)
    x_t, h_prev, c_prev, c = (a.astype(dtype) for a in (cache.x_t, cache.h_prev, cache.c_prev, cache.c))
    i, f, g, o = (cache.gates[k].astype(dtype) for k in "ifgo")
    tc = np.tanh(c)
    do = dh * (c if bug == "do = dh C" else tc)
    if bug == "no tanh' path":
        dC = dc
    elif bug == "no dc from t+1":
        dC = dh * o * (1 - tc ** 2)
    else:
        dC = dc + dh * o * (tc if bug == "tanh(C) for tanh'(C)" else 1 - tc ** 2)
    d_sig = (lambda y: 1 - y ** 2) if bug == "tanh' for sigmoid gates" else (lambda y: y * (1 - y))
    d_tanh = (lambda y: y * (1 - y)) if bug == "sigmoid' for g" else (lambda y: 1 - y ** 2)
    d_o = do * ((1 - o ** 2) if bug == "tanh' for o" else d_sig(o))
    blocks = [dC * g * d_sig(i), dC * c_prev * d_sig(f), dC * i * d_tanh(g), d_o]
    if bug == "blocks i, f, o, g":
        blocks = [blocks[0], blocks[1], blocks[3], blocks[2]]
    da = np.concatenate(blocks, axis=1)
    H = h_prev.shape[1]
    if bug == "dh_prev from the output gate only":
        dh_prev = da[:, 3 * H:] @ W_hh[3 * H:]
    else:
        dh_prev = da @ W_hh
    db = da if bug == "bias not summed" else da.sum(axis=0)
    grads = {"weight_ih": da.T @ x_t, "weight_hh": da.T @ h_prev, "bias_ih": db, "bias_hh": db.copy()}
    return da @ W_ih, dh_prev, dC * f, grads


LSTM_BUGS = {  # the issue's catalogue -> words of the hint it must get
    "no tanh' path": "C_t also reaches the loss through h_t",
    "no dc from t+1": "You dropped dc, the gradient arriving along the cell path from step t+1",
    "sigmoid' for g": "g_t = tanh(a_g), so its derivative is 1 − g_t²",
    "tanh' for sigmoid gates": "i_t, f_t and o_t are sigmoids",
    "bias not summed": "Every example of the batch uses the same biases",
    "dh_prev from the output gate only": "dh_prev (and dx) collect the gradient of all four gates",
    "tanh(C) for tanh'(C)": "you multiplied by tanh(C_t) itself",
    "tanh' for o": "for the output gate you used tanh's derivative",
    "do = dh C": "that factor is tanh(C_t), not C_t",
    "blocks i, f, o, g": "PyTorch stacks the LSTM's gate blocks in the order i, f, g, o",
}


def test_a_right_lstm_step_backward_passes_with_the_three_way_note():
    feedback = check.lstm_step_backward(lstm_step_back)
    assert feedback.passed, feedback.text
    assert "All 3 test cases match" in feedback.text and "Hint" not in feedback.text
    assert "PyTorch's autograd" in feedback.text and "finite differences" in feedback.text


@pytest.mark.parametrize("bug", list(LSTM_BUGS))
def test_each_lstm_step_mistake_gets_its_hint_and_no_other(bug):
    feedback = check.lstm_step_backward(lambda dh, dc, cache: lstm_step_back(dh, dc, cache, bug=bug))
    hint = next(h for h in _hints("4.4") if LSTM_BUGS[bug] in h)
    assert _only_hint(feedback, "4.4", hint), feedback.text


# --- a learner's BPTT loop over the step --------------------------------------------------------

def lstm_backward_np(dh, caches, bug=None):
    T = len(caches)
    dh_next, dc_next = np.zeros_like(dh[0]), np.zeros_like(dh[0])
    grads = {k: np.zeros_like(v) for k, v in caches[0].params.as_dict().items()}
    dx = np.zeros((T, *caches[0].x_t.shape))
    for t in reversed(range(T)):
        carried_h = 0.0 if bug == "dh not carried" else dh_next
        carried_c = np.zeros_like(dc_next) if bug == "dc not carried" else dc_next
        dx[t], dh_next, dc_next, step = lstm_step_back(dh[t] + carried_h, carried_c, caches[t])
        for k in grads:
            grads[k] = step[k] if bug == "overwrite" else grads[k] + step[k]
    return dx, dh_next, dc_next, grads


SEQUENCE_BUGS = {
    "dh not carried": "h_t feeds the loss at step t AND the gates of step t+1",
    "dc not carried": "Carry the cell gradient too",
    "overwrite": "the SUM of the steps' gradients",
}


def test_a_right_sequence_backward_passes():
    feedback = check.lstm_sequence_backward(lstm_backward_np)
    assert feedback.passed and "Hint" not in feedback.text, feedback.text


@pytest.mark.parametrize("bug", list(SEQUENCE_BUGS))
def test_each_sequence_mistake_gets_its_hint_and_no_other(bug):
    feedback = check.lstm_sequence_backward(lambda dh, caches: lstm_backward_np(dh, caches, bug=bug))
    hint = next(h for h in _hints("4.5") if SEQUENCE_BUGS[bug] in h)
    assert _only_hint(feedback, "4.5", hint), feedback.text


def test_a_sequence_built_on_a_wrong_step_is_not_accepted():
    global lstm_step_back
    right = lstm_step_back
    try:
        lstm_step_back = lambda dh, dc, cache: right(dh, dc, cache, bug="no dc from t+1")  # noqa: E731
        assert check.lstm_sequence_backward(lstm_backward_np).status == "incorrect"
    finally:
        lstm_step_back = right


# --- a learner's GRU step backward (PyTorch's form) ---------------------------------------------

def gru_step_back(dh, cache, bug=None):
    p, h_prev, x_t = cache.params, cache.h_prev, cache.x_t
    r, z, n = (cache.gates[k] for k in "rzn")
    H = h_prev.shape[1]
    q = h_prev @ p.weight_hh[2 * H:].T + p.bias_hh[2 * H:]          # W_hn h_{t-1} + b_hn
    if bug == "z vs 1 - z":                                          # as if h = z n + (1 - z) h_prev
        dn, dz, direct = dh * z, dh * (n - h_prev), dh * (1 - z)
    elif bug == "z vs 1 - z, direct path kept":
        dn, dz, direct = dh * z, dh * (n - h_prev), dh * z
    else:
        dn, dz, direct = dh * (1 - z), dh * (h_prev - n), dh * z
    if bug == "direct path times 1 - z":
        direct = dh * (1 - z)
    da_n = dn * (1 - n ** 2)
    dr = (da_n @ p.weight_hh[2 * H:]) * h_prev if bug == "reset-before dr" else da_n * q
    da_r = dr * r * (1 - r)
    da_z = dz * ((1 - z ** 2) if bug == "tanh' for z" else z * (1 - z))
    order = [1, 0, 2] if bug == "blocks z, r, n" else [0, 1, 2]
    d_ih = np.hstack([[da_r, da_z, da_n][k] for k in order])
    d_hh = np.hstack([[da_r, da_z, r * da_n][k] for k in order])
    dh_prev = d_hh @ p.weight_hh + (0.0 if bug == "no direct path" else direct)
    sum_b = (lambda a: a) if bug == "bias not summed" else (lambda a: a.sum(axis=0))
    return d_ih @ p.weight_ih, dh_prev, {"weight_ih": d_ih.T @ x_t, "weight_hh": d_hh.T @ h_prev,
                                         "bias_ih": sum_b(d_ih), "bias_hh": sum_b(d_hh)}


GRU_BUGS = {
    "z vs 1 - z": "z and 1 − z are swapped",
    "no direct path": "h_{t-1} also reaches h_t directly",
    "bias not summed": "Every example of the batch uses the same biases, so their gradients are summed",
    "z vs 1 - z, direct path kept": "z and 1 − z are swapped",
    "direct path times 1 - z": "you used 1 − z_t, the candidate's weight",
    "tanh' for z": "for the update gate you used tanh's derivative",
    "reset-before dr": "reset-BEFORE form",
    "blocks z, r, n": "PyTorch stacks the GRU's gate blocks in the order r, z, n",
}


def test_a_right_gru_step_backward_passes():
    feedback = check.gru_step_backward(gru_step_back)
    assert feedback.passed and "Hint" not in feedback.text, feedback.text


@pytest.mark.parametrize("bug", list(GRU_BUGS))
def test_each_gru_mistake_gets_its_hint_and_no_other(bug):
    feedback = check.gru_step_backward(lambda dh, cache: gru_step_back(dh, cache, bug=bug))
    hint = next(h for h in _hints("5.4") if GRU_BUGS[bug] in h)
    assert _only_hint(feedback, "5.4", hint), feedback.text


# --- every catalogued mistake, the right answer in any numeric type, pathological answers -------

CATALOGUE = [(number, k) for number, mistakes in CATALOGUES.items() for k in range(len(mistakes))]


@pytest.mark.parametrize("number, index", CATALOGUE, ids=[f"{n}-{k}" for n, k in CATALOGUE])
def test_every_catalogued_mistake_gets_its_hint_and_no_other(number, index):
    mistake = CATALOGUES[number][index]
    feedback = CHECKERS[number](mistake.implementation)
    assert _only_hint(feedback, number, mistake.hint), feedback.text


def test_the_catalogues_have_the_issues_mistakes_and_are_registered():
    assert len(_hints("4.4")) >= 5 and len(_hints("4.5")) >= 3 and len(_hints("5.4")) >= 5
    registered = registered_mistakes()["course_utils.exercises.check.backprop"]
    assert {m.hint for m in registered} == {m.hint for c in CATALOGUES.values() for m in c}
    assert {n: check.EXERCISES[n] for n in CHECKERS} == CHECKERS


ANSWERS = {"4.4": lstm_step_back, "4.5": lstm_backward_np, "5.4": gru_step_back}


def _as(convert):
    def wrap(fn):
        return lambda *args: convert(fn(*args))
    return wrap


def _walk(value, leaf):
    if isinstance(value, (tuple, list)):
        return type(value)(_walk(v, leaf) for v in value)
    if isinstance(value, dict):
        return {k: _walk(v, leaf) for k, v in value.items()}
    return leaf(value)


WAYS = {
    "float64 tuple": lambda fn: fn,
    "float32 arrays": _as(lambda out: _walk(out, lambda a: a.astype(np.float32))),
    "list, Fortran order": _as(lambda out: list(_walk(out, np.asfortranarray))),
}


@pytest.mark.parametrize("way", list(WAYS))
@pytest.mark.parametrize("number", list(ANSWERS))
def test_right_answers_pass_in_any_numeric_type(number, way):
    feedback = CHECKERS[number](WAYS[way](ANSWERS[number]))
    assert feedback.passed and "Hint" not in feedback.text, feedback.text


def test_an_lstm_step_computed_entirely_in_float32_passes():
    feedback = check.lstm_step_backward(lambda dh, dc, cache: lstm_step_back(dh, dc, cache, dtype=np.float32))
    assert feedback.passed, feedback.text


@pytest.mark.parametrize("number", list(ANSWERS))
def test_a_float16_answer_half_a_percent_off_fails(number):
    off = _as(lambda out: _walk(out, lambda a: (a * 1.005 + 1e-3).astype(np.float16)))(ANSWERS[number])
    assert CHECKERS[number](off).status == "incorrect"


def raises(*args):
    raise ValueError("operands could not be broadcast")


def returns_none(*args):
    pass


def exits(*args):
    sys.exit()


def endless(*args):
    while True:
        try:
            time.sleep(0.01)
        except:  # noqa: E722
            pass


def stub(*args):
    raise NotImplementedError


def transposed_dx(*args):
    out = list(ANSWERS["4.4"](*args))
    out[0] = out[0].T
    return tuple(out)


def three_outputs(*args):
    return ANSWERS["4.4"](*args)[:3]


PATHOLOGICAL = {
    "raises": (raises, "error", "ValueError: operands could not be broadcast"),
    "None": (returns_none, "wrong type", "returned None"),
    "string": (lambda *a: "a string", "wrong type", "'a string'"),
    "sys.exit()": (exits, "error", "sys.exit()"),
    "endless loop": (endless, "timeout", "was stopped after"),
    "stub": (stub, "not attempted", "NotImplementedError"),
}


@pytest.mark.parametrize("kind", list(PATHOLOGICAL))
@pytest.mark.parametrize("number", list(CHECKERS))
def test_pathological_answers_get_their_verdict_in_time(number, kind):
    fn, status, words = PATHOLOGICAL[kind]
    start = time.perf_counter()
    feedback = CHECKERS[number](fn, time_limit=0.5)
    assert feedback.status == status and words in feedback.text, feedback.text
    assert time.perf_counter() - start < 0.5 + 2.0 + 1.0     # limit, harness slack, the references
    assert "Traceback" not in feedback.text


def test_wrong_shapes_and_counts_are_named():
    transposed = check.lstm_step_backward(transposed_dx)
    assert transposed.status == "incorrect" and "dx has shape" in transposed.text and "transposed" in transposed.text
    short = check.lstm_step_backward(three_outputs)
    assert short.status == "wrong type" and "should return 4 values (dx, dh_prev, dc_prev, grads)" in short.text
    no_bias = check.gru_step_backward(lambda dh, cache: (*gru_step_back(dh, cache)[:2], {"weight_ih": 0}))
    assert no_bias.status == "wrong type" and "missing 'weight_hh'" in no_bias.text


@pytest.mark.parametrize("kind", ["lstm step", "lstm sequence", "gru step"])
def test_the_references_agree_with_autograd_and_finite_differences(kind):
    autograd, fd = backprop._reference_agreement(kind)
    assert autograd < backprop.AUTOGRAD_BOUND and fd < backprop.FD_BOUND


def test_reference_agreement_names_its_argument():
    with pytest.raises(ValueError, match="kind should be 'lstm step'"):
        backprop._reference_agreement("rnn")


def test_a_reference_beyond_its_bound_raises_with_a_message_not_an_assert(monkeypatch):
    backprop._reference_agreement.cache_clear()
    monkeypatch.setattr(backprop, "AUTOGRAD_BOUND", 0.0)         # nothing agrees to zero: as if it disagreed
    try:
        with pytest.raises(RuntimeError, match="the gru step reference disagrees with PyTorch's autograd"):
            backprop._reference_agreement("gru step")
    finally:
        backprop._reference_agreement.cache_clear()



def test_the_three_ways_note_makes_a_new_feedback(monkeypatch):
    from course_utils.exercises.harness import Feedback

    verdict = Feedback("correct", ["All 3 test cases match the reference.", "Your code printed:\nhi"], "f")
    monkeypatch.setattr(backprop, "check_function", lambda *args, **kwargs: verdict)
    monkeypatch.setattr(backprop, "_three_ways_note", lambda *args: "the three-ways note")
    feedback = check.lstm_step_backward(lambda dh, dc, cache: None)
    assert verdict.messages == ("All 3 test cases match the reference.", "Your code printed:\nhi")
    assert feedback.messages == ("All 3 test cases match the reference.", "the three-ways note",
                                 "Your code printed:\nhi")

# --- the chapters use these checkers as the harness expects ---------------------------------------

def _chapter(stem):
    import nbformat

    from course_utils.authoring.course import load_course

    course = load_course()
    return nbformat.read(course.root / course.chapter(stem).notebook, as_version=4)


CHAPTER_CHECKS = [("04_lstm", "4.4", "check.lstm_step_backward(lstm_step_back)"),
                  ("04_lstm", "4.5", "check.lstm_sequence_backward(lstm_backward_np)"),
                  ("05_gru", "5.4", "check.gru_step_backward(gru_step_back)")]


@pytest.mark.parametrize("stem, number, call", CHAPTER_CHECKS)
def test_each_exercise_is_prompt_solution_check_and_its_stored_verdict_is_correct(stem, number, call):
    cells = _chapter(stem).cells
    index = next(i for i, c in enumerate(cells) if c.cell_type == "code" and c.source.strip() == call)
    prompt, solution, checked = cells[index - 2], cells[index - 1], cells[index]
    assert prompt.cell_type == "markdown" and prompt.source.startswith(f"### Exercise {number} — ")
    assert "solution" in solution.metadata.get("tags", [])
    verdict = "".join(out.get("data", {}).get("text/plain", "") for out in checked.outputs)
    assert ": correct." in verdict and "PyTorch's autograd" in verdict, verdict


def test_chapter_4_shows_the_lstm_diagram_with_its_alt_text_where_the_equations_are():
    from course_utils.figures import diagrams

    cells = _chapter("04_lstm").cells
    index = next(i for i, c in enumerate(cells) if c.cell_type == "code" and "draw_lstm_cell()" in c.source)
    assert cells[index - 1].cell_type == "markdown" and diagrams.ALT_TEXT["lstm"] in cells[index - 1].source
    assert any("image/png" in out.get("data", {}) for out in cells[index].outputs)
    section = max(i for i, c in enumerate(cells[:index]) if c.cell_type == "markdown" and c.source.startswith("## "))
    assert cells[section].source.startswith("## 4.2") and "h_t &= o_t \\odot \\tanh(C_t)" in cells[section].source


@pytest.mark.parametrize("stem, number, name", [("04_lstm", "4.4", "lstm_step_back"), ("05_gru", "5.4", "gru_step_back")])
def test_no_chapter_shows_a_step_backward_before_its_exercise(stem, number, name):
    cells = _chapter(stem).cells
    exercise = next(i for i, c in enumerate(cells) if c.source.startswith(f"### Exercise {number}"))
    assert not any(c.cell_type == "code" and f"def {name}" in c.source for c in cells[:exercise])
