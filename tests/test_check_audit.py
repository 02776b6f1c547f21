"""Every checked exercise of the course, audited the same way (issue 15).

For each exercise (the 30 with a checker; the 12 "explain" exercises have none), the table below
gives its checker, its right answer and where its catalogued mistakes live. From that table the
tests build, per exercise:

* the right answer written three ways, in different numeric types: as computed, converted to
  NumPy types (``np.int64``, ``np.float64``, a list instead of a tuple) and to plain Python or
  0-d arrays (``1480.0`` for ``1480``, ``np.array(0.8 ** 5)``): all must be "correct";
* three plausible mistakes (the first three catalogued hints): "incorrect", with that hint and
  no other catalogued hint; a separate test gives EVERY catalogued mistake the same treatment;
* five pathological answers: one that raises, one that returns None, one of the wrong type, an
  endless loop whose bare ``except`` swallows interrupts, and one calling ``sys.exit()``: each
  gets its own status and words, within the time limit plus 2 s, and the test process survives.

Prediction exercises (``predict``) must never print the expected value unless asked with
``reveal=True``. The endless loops run with a 1 s limit to keep the suite fast.
"""
from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pytest

from course_utils.exercises import check
from course_utils.exercises.compare import describe_value
from course_utils.exercises.check import applications, backprop, gated, intro, language, memory, practice, practice_api, rnn

LOOP_LIMIT = 0.5     # seconds given to the endless loops
SLACK = 2.0          # feedback must come within the limit plus this


@dataclass(frozen=True)
class Exercise:
    number: str
    checker: str
    kind: str                      # "implement" or "predict"
    answer: Callable               # a right answer (a function, as the learner writes it)
    mistakes: tuple                # the checker's catalogued Mistake objects

    def check(self, fn, **options):
        return getattr(check, self.checker)(fn, **options)


def _const(value):
    return lambda: value


EXERCISES = [
    Exercise("0.1", "split_concat_weight", "implement", intro._split_reference, tuple(intro.SPLIT_MISTAKES)),
    Exercise("0.2", "reorder_lstm_gates", "implement", intro._reorder_reference, tuple(intro.REORDER_MISTAKES)),
    Exercise("1.1", "rnn_forward", "implement", rnn._forward_ref, tuple(rnn.FORWARD_MISTAKES)),
    Exercise("1.2", "rnn_parameter_count", "predict", _const(1480), tuple(rnn.PARAMETER_MISTAKES)),
    Exercise("2.1", "rnn_backward", "implement", rnn._backward_ref, tuple(rnn.BACKWARD_MISTAKES)),
    Exercise("2.2", "truncated_gradient_count", "predict", _const(4), tuple(rnn.TRUNCATION_MISTAKES)),
    Exercise("3.1", "clip_grad_norm", "implement", rnn._clip_ref, tuple(rnn.CLIP_MISTAKES)),
    Exercise("3.2", "gradient_bound", "predict", _const(0.8 ** 5), tuple(rnn.BOUND_MISTAKES)),
    Exercise("4.1", "lstm_step_fused", "implement", gated._lstm_ref, tuple(gated.LSTM_MISTAKES)),
    Exercise("4.2", "lstm_parameter_count", "predict", _const(3328), tuple(gated.COUNT_MISTAKES)),
    Exercise("4.4", "lstm_step_backward", "implement", backprop._lstm_step_ref, tuple(backprop.LSTM_STEP_MISTAKES)),
    Exercise("4.5", "lstm_sequence_backward", "implement", backprop._lstm_sequence_ref,
             tuple(backprop.LSTM_SEQUENCE_MISTAKES)),
    Exercise("5.1", "gru_step", "implement", gated._gru_ref, tuple(gated.GRU_MISTAKES)),
    Exercise("5.2", "gru_hidden_size_for_budget", "predict", _const(75), tuple(gated.BUDGET_MISTAKES)),
    Exercise("5.4", "gru_step_backward", "implement", backprop._gru_step_ref, tuple(backprop.GRU_STEP_MISTAKES)),
    Exercise("6.1", "adding_batch", "implement", memory._adding_batch, tuple(memory.ADDING_MISTAKES)),
    Exercise("6.2", "solved_by_constant", "predict", _const(1 - 1.84 ** 2 / 4), tuple(memory.CONSTANT_MISTAKES)),
    Exercise("6.3", "copy_baseline", "implement", memory._copy_baseline, tuple(memory.COPY_MISTAKES)),
    Exercise("7.1", "perplexity", "implement", language._perplexity_ref, tuple(language.PERPLEXITY_MISTAKES)),
    Exercise("7.2", "softmax_temperature", "implement", language.softmax_with_temperature,
             tuple(language.TEMPERATURE_MISTAKES)),
    Exercise("7.3", "uniform_perplexity", "predict", lambda: language._vocab_size(), tuple(language.UNIFORM_MISTAKES)),
    Exercise("8.1", "seasonal_naive", "implement", applications._series.seasonal_naive_forecast,
             tuple(applications.SEASONAL_MISTAKES)),
    Exercise("8.2", "make_windows", "implement", applications._series.make_windows, tuple(applications.WINDOW_MISTAKES)),
    Exercise("8.3", "precision_recall", "implement", applications._series.precision_recall,
             tuple(applications.PR_MISTAKES)),
    Exercise("8.4", "random_walk_naive_mae", "predict", _const(2 * math.sqrt(2 / math.pi)),
             tuple(applications.RW_MISTAKES)),
    Exercise("9.1", "frame_signal", "implement", applications._signals.frame_signal, tuple(applications.FRAME_MISTAKES)),
    Exercise("9.2", "frame_count", "predict", _const(98), tuple(applications.COUNT_MISTAKES)),
    Exercise("10.1", "gru_layer_flops", "implement", practice_api._gru_flops, tuple(practice_api.FLOP_MISTAKES)),
    Exercise("10.2", "stacked_lstm_parameter_count", "predict", _const(15040), tuple(practice_api.STACKED_MISTAKES)),
    Exercise("10.3", "scan_combine", "implement", practice_api.combine, tuple(practice_api.COMBINE_MISTAKES)),
    Exercise("11.1", "balanced_weights", "implement", practice._balanced_ref, tuple(practice.WEIGHT_MISTAKES)),
    Exercise("11.2", "unit_correlations", "implement", practice._correlations_ref, tuple(practice.CORRELATION_MISTAKES)),
    Exercise("11.3", "main_effect_spreads", "predict", lambda: (1.6, 0.0), tuple(practice.SPREAD_MISTAKES)),
]
BY_NUMBER = {e.number: e for e in EXERCISES}


# --- the right answer in three numeric types ----------------------------------------------------

def _numpy_types(value: Any) -> Any:
    """Python numbers -> NumPy scalars, tuples -> lists; arrays unchanged."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return np.int64(value)
    if isinstance(value, float):
        return np.float64(value)
    if isinstance(value, tuple):
        return [_numpy_types(v) for v in value]
    if isinstance(value, list):
        return [_numpy_types(v) for v in value]
    return value


def _python_types(value: Any) -> Any:
    """Integers -> floats (1480.0), floats -> 0-d arrays, arrays -> Fortran-ordered copies."""
    if isinstance(value, (bool, np.bool_)):
        return value
    if isinstance(value, (int, np.integer)):
        return float(value)
    if isinstance(value, (float, np.floating)):
        return np.array(float(value))
    if isinstance(value, np.ndarray):
        return np.asfortranarray(value)
    if isinstance(value, (tuple, list)):
        return type(value)(_python_types(v) for v in value)
    return value


def _converted(fn, convert):
    def answer(*args, **kwargs):
        return convert(fn(*args, **kwargs))
    return answer


WAYS = {"as computed": lambda fn: fn, "numpy types": lambda fn: _converted(fn, _numpy_types),
        "python types": lambda fn: _converted(fn, _python_types)}


# --- five pathological answers ------------------------------------------------------------------

def raises(*args, **kwargs):
    raise ValueError("operands could not be broadcast")


def returns_none(*args, **kwargs):
    x = 1  # noqa: F841  (the learner forgot the return line)


def wrong_type(*args, **kwargs):
    return "a string"


def endless_bare_except(*args, **kwargs):
    while True:
        try:
            time.sleep(0.01)
        except:  # noqa: E722  (the learner's bare except swallows every interrupt)
            pass


def exits(*args, **kwargs):
    sys.exit()


PATHOLOGICAL = {  # answer -> (status, words the feedback must contain)
    "raises": (raises, "error", "ValueError: operands could not be broadcast"),
    "returns None": (returns_none, "wrong type", "None"),
    "wrong type": (wrong_type, "wrong type", "'a string'"),
    "sys.exit()": (exits, "error", "sys.exit()"),
    "endless loop, bare except": (endless_bare_except, "timeout", "was stopped after"),
}


def _hints(exercise) -> list[str]:
    """The distinct catalogued hints of an exercise, in order."""
    return list(dict.fromkeys(m.hint for m in exercise.mistakes))


def _first_per_hint(exercise, count=None):
    seen, out = set(), []
    for mistake in exercise.mistakes:
        if mistake.hint not in seen:
            seen.add(mistake.hint)
            out.append(mistake)
    return out[:count]


# --- the tests ----------------------------------------------------------------------------------

@pytest.mark.parametrize("way", list(WAYS))
@pytest.mark.parametrize("number", list(BY_NUMBER))
def test_right_answer_in_any_numeric_type_is_correct(number, way):
    exercise = BY_NUMBER[number]
    feedback = exercise.check(WAYS[way](exercise.answer))
    assert feedback.status == "correct", feedback.text
    assert "Hint" not in feedback.text


@pytest.mark.parametrize("index", [0, 1, 2])
@pytest.mark.parametrize("number", list(BY_NUMBER))
def test_three_plausible_mistakes_get_their_own_hint_and_no_other(number, index):
    exercise = BY_NUMBER[number]
    assert len(_hints(exercise)) >= 3, f"Exercise {number} catalogues fewer than three mistakes"
    mistake = _first_per_hint(exercise)[index]
    feedback = exercise.check(mistake.implementation)
    assert feedback.status == "incorrect", feedback.text
    assert feedback.text.count("Hint:") == 1 and mistake.hint in feedback.text, feedback.text


CATALOGUE = [(e.number, i) for e in EXERCISES for i in range(len(e.mistakes))]


@pytest.mark.parametrize("number, index", CATALOGUE, ids=[f"{n}-{i}" for n, i in CATALOGUE])
def test_every_catalogued_mistake_gets_its_hint_and_no_other(number, index):
    exercise = BY_NUMBER[number]
    mistake = exercise.mistakes[index]
    feedback = exercise.check(mistake.implementation)
    assert feedback.status == "incorrect", feedback.text
    others = [h for h in _hints(exercise) if h != mistake.hint and h in feedback.text]
    assert mistake.hint in feedback.text and not others, feedback.text


@pytest.mark.parametrize("kind", list(PATHOLOGICAL))
@pytest.mark.parametrize("number", list(BY_NUMBER))
def test_pathological_answers_get_feedback_in_time(number, kind):
    exercise = BY_NUMBER[number]
    fn, status, words = PATHOLOGICAL[kind]
    start = time.perf_counter()
    feedback = exercise.check(fn, time_limit=LOOP_LIMIT)
    elapsed = time.perf_counter() - start
    assert feedback.status == status, feedback.text
    assert words in feedback.text, feedback.text
    assert elapsed < LOOP_LIMIT + SLACK, f"{elapsed:.1f} s"
    assert "Traceback" not in feedback.text


PREDICTIONS = [e.number for e in EXERCISES if e.kind == "predict"]


@pytest.mark.parametrize("number", PREDICTIONS)
def test_a_wrong_prediction_does_not_reveal_the_answer_until_asked(number):
    exercise = BY_NUMBER[number]
    right = exercise.answer()
    shown = describe_value(right)
    seven = (7, 7) if isinstance(right, tuple) else 7
    for guess in (seven, exercise.mistakes[0].implementation()):
        feedback = exercise.check(_const(guess))
        assert feedback.status == "incorrect", feedback.text
        assert shown not in feedback.text, feedback.text
        assert f'reveal("{number}")' in feedback.text or "reveal=True" in feedback.text, feedback.text
    revealed = exercise.check(_const(seven), reveal=True)
    assert revealed.status == "incorrect" and shown in revealed.text, revealed.text
    assert check.reveal(number).status == "revealed" and shown in check.reveal(number).text


def test_reveal_of_an_implement_exercise_explains_there_is_no_single_answer_and_unknown_numbers_fail():
    assert "no single answer to reveal" in check.reveal("1.1").text
    with pytest.raises(ValueError, match=r"number should be an exercise with a checker \(0.1, 0.2, 1.1"):
        check.reveal("12.9")


@pytest.mark.parametrize("number", PREDICTIONS)
def test_a_prediction_may_be_given_as_a_value(number):
    exercise = BY_NUMBER[number]
    assert exercise.check(exercise.answer()).passed


def test_every_checker_is_in_the_table_once():
    assert {number: fn.__name__ for number, fn in check.EXERCISES.items()} == {
        e.number: e.checker for e in EXERCISES}


# --- the examples, as a learner writes them ----------------------------------------------

def _off_and_half_precision(value):
    """0.5 % off and returned as float16: must fail whatever the dtype's own precision."""
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return (value * 1.005 + 1e-3).astype(np.float16)
    if isinstance(value, (float, np.floating)):
        return np.float16(value * 1.005 + 1e-3)
    if isinstance(value, (tuple, list)):
        return type(value)(_off_and_half_precision(v) for v in value)
    return value


FLOAT_EXERCISES = [e.number for e in EXERCISES if e.kind == "implement" and e.number not in ("10.1",)]


@pytest.mark.parametrize("number", FLOAT_EXERCISES)
def test_a_float16_answer_half_a_percent_off_fails(number):
    exercise = BY_NUMBER[number]
    feedback = exercise.check(_converted(exercise.answer, _off_and_half_precision))
    assert feedback.status == "incorrect", feedback.text


def test_exercise_1_2_accepts_1480_as_a_float_and_hides_the_answer_after_a_guess():
    assert check.rnn_parameter_count(lambda: 1480.0).passed
    feedback = check.rnn_parameter_count(lambda: 7)
    assert "1480" not in feedback.text and 'check.reveal("1.2")' in feedback.text


def test_exercise_8_3_accepts_an_integer_zero_precision_without_false_hints():
    def precision_recall(flagged, true_positions):
        hits = len(set(flagged) & set(true_positions))
        precision = hits / len(flagged) if len(flagged) > 0 else 0
        return precision, hits / len(true_positions)

    feedback = check.precision_recall(precision_recall)
    assert feedback.passed and "Hint" not in feedback.text, feedback.text


def test_exercise_7_1_naive_softmax_fails_with_the_overflow_hint():
    def perplexity(logits, targets):
        p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        return float(np.exp(-np.log(p[np.arange(len(targets)), targets]).mean()))

    feedback = check.perplexity(perplexity)
    assert feedback.status == "incorrect" and "Subtract each row's largest logit" in feedback.text
    assert feedback.text.count("Hint:") == 1


def test_exercise_2_1_wraparound_at_t0_gets_its_own_hint_only():
    def rnn_backward(dh, x, h0, h, W_x, W_h):
        dx, g = np.zeros_like(x), np.zeros_like(h0)
        dW_x, dW_h, db = np.zeros_like(W_x), np.zeros_like(W_h), np.zeros(W_h.shape[0])
        for t in reversed(range(x.shape[0])):
            da = (dh[t] + g) * (1 - h[t] ** 2)
            h_prev = h[t - 1]                     # the classic bug: h[-1] at t = 0
            dx[t] = da @ W_x
            dW_x += da.T @ x[t]
            dW_h += da.T @ h_prev
            db += da.sum(axis=0)
            g = da @ W_h
        return dx, g, dW_x, dW_h, db

    feedback = check.rnn_backward(rnn_backward)
    assert feedback.status == "incorrect" and "Python wraps negative indices" in feedback.text, feedback.text
    assert "not h_t" not in feedback.text and feedback.text.count("Hint:") == 1


def test_exercise_1_1_wraparound_in_the_forward_loop_gets_its_own_hint_only():
    def rnn_forward(x, h0, W_x, W_h, b):
        h = np.zeros((x.shape[0], *h0.shape))
        for t in range(x.shape[0]):
            h[t] = np.tanh(x[t] @ W_x.T + h[t - 1] @ W_h.T + b)
        return h, h[-1]

    feedback = check.rnn_forward(rnn_forward)
    assert feedback.status == "incorrect" and "h[t - 1] with t = 0 reads h[-1]" in feedback.text, feedback.text
    assert feedback.text.count("Hint:") == 1


def test_a_loop_where_the_prompt_forbids_one_gets_a_note_not_a_failure():
    def frame_signal(x, frame_len, hop):
        n = 1 + (len(x) - frame_len) // hop
        return np.array([x[k * hop:k * hop + frame_len] for k in range(n)])

    feedback = check.frame_signal(frame_signal)
    assert feedback.passed and "asks for no Python loop" in feedback.text and "list comprehension" in feedback.text
    vectorised = check.frame_signal(applications._signals.frame_signal)
    assert vectorised.passed and "loop" not in vectorised.text, vectorised.text


def test_a_pair_of_numbers_returned_as_an_array_is_the_same_pair():
    def precision_recall(flagged, true_positions):
        hits = len(set(np.asarray(flagged).tolist()) & set(np.asarray(true_positions).tolist()))
        return np.array([hits / len(flagged) if len(flagged) else 0.0, hits / len(true_positions)])

    assert check.precision_recall(precision_recall).passed
    assert check.main_effect_spreads(lambda: np.array([1.6, 0.0])).passed
