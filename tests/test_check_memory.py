"""Checkers of Chapter 6: correct answers pass, each common mistake gets its hint, stubs are "not attempted"."""
import math

import numpy as np
import pytest

from course_utils.exercises.check import memory as check

# ------------------------------------------------------------------ Exercise 6.1: adding batch


def batch_ok(values, first, second):
    B = values.shape[0]
    rows = np.arange(B)
    markers = np.zeros_like(values)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    y = values[rows, first] + values[rows, second]
    return np.stack([values, markers], axis=-1), y[:, None]


def batch_with_torch_style_where(values, first, second):
    """A different but correct way: compare positions with an arange."""
    t = np.arange(values.shape[1])
    markers = ((t == first[:, None]) | (t == second[:, None])).astype(values.dtype)
    return np.stack([values, markers], -1), (values * markers).sum(1, keepdims=True)


def batch_mean(values, first, second):
    x, y = batch_ok(values, first, second)
    return x, y / 2


def batch_hochreiter(values, first, second):
    x, y = batch_ok(values, first, second)
    return x, 0.5 + y / 4


def batch_one_marker(values, first, second):
    x, y = batch_ok(values, first, first)
    return x, batch_ok(values, first, second)[1]


def batch_all_rows(values, first, second):
    markers = np.zeros_like(values)
    markers[:, first] = 1.0
    markers[:, second] = 1.0
    return np.stack([values, markers], -1), batch_ok(values, first, second)[1]


def batch_swapped(values, first, second):
    x, y = batch_ok(values, first, second)
    return x[..., ::-1], y


def batch_flat_target(values, first, second):
    x, y = batch_ok(values, first, second)
    return x, y[:, 0]


def stub(*args, **kwargs):
    """What the student edition leaves."""
    raise NotImplementedError


@pytest.mark.parametrize("fn", [batch_ok, batch_with_torch_style_where])
def test_adding_batch_accepts_correct_versions(fn):
    fb = check.adding_batch(fn)
    assert fb.passed, fb.text


@pytest.mark.parametrize("wrong, hint", [
    (batch_mean, "plain sum X1 + X2, not the mean"),
    (batch_hochreiter, "Hochreiter & Schmidhuber's scaled target"),
    (batch_one_marker, "set it at `second` as well"),
    (batch_all_rows, "markers[np.arange(B), first] = 1"),
    (batch_swapped, "stack them as [values, markers]"),
    (batch_flat_target, "y has shape (B, 1)"),
])
def test_adding_batch_mistakes_get_their_hint(wrong, hint):
    fb = check.adding_batch(wrong)
    assert fb.status == "incorrect" and hint in fb.text, fb.text


# ------------------------------------------------------------ Exercise 6.2: solved by constant


def test_solved_by_constant_accepts_exact_and_zero_rule_answers():
    for answer in (1 - 1.84 ** 2 / 4, 0.15424, 0.1536):
        fb = check.solved_by_constant(lambda: answer)
        assert fb.passed, fb.text


def test_solved_by_constant_accepts_a_large_simulation():
    rng = np.random.default_rng(0)
    s = rng.uniform(-1, 1, (2, 400_000)).sum(0)
    fb = check.solved_by_constant(lambda: float(np.mean(np.abs(s) / 4 < 0.04)))
    assert fb.passed, fb.text


def tri(a):
    return 1 - (2 - a) ** 2 / 4


@pytest.mark.parametrize("answer, hint", [
    (tri(0.04), "4 x 0.04 = 0.16"),
    (0.08, "triangular density"),
    (tri(0.16) / 2, "Both signs count"),
    (2 * tri(0.16), "must integrate to 1"),
])
def test_solved_by_constant_mistakes_get_their_hint(answer, hint):
    fb = check.solved_by_constant(lambda: answer)
    assert fb.status == "incorrect" and hint in fb.text, fb.text


# --------------------------------------------------------------- Exercise 6.3: copy baseline


def copy_ok(n_symbols, length, delay):
    return length * math.log(n_symbols) / (2 * length + delay)


@pytest.mark.parametrize("wrong, hint", [
    (lambda n, k, t: math.log(n), "cost nothing"),
    (lambda n, k, t: k * math.log2(n) / (2 * k + t), "natural logarithm"),
    (lambda n, k, t: k * math.log(n) / (k + t), "The sequence has 2K + T steps"),
    (lambda n, k, t: k * math.log(n + 2) / (2 * k + t), "spreads over n classes"),
])
def test_copy_baseline_mistakes_get_their_hint(wrong, hint):
    fb = check.copy_baseline(wrong)
    assert fb.status == "incorrect" and hint in fb.text, fb.text


def test_copy_baseline_accepts_correct():
    fb = check.copy_baseline(copy_ok)
    assert fb.passed, fb.text


# ---------------------------------------------------------------------------- all checkers


@pytest.mark.parametrize("checker", [check.adding_batch, check.copy_baseline, check.solved_by_constant])
def test_stub_is_not_attempted(checker):
    fb = checker(stub)
    assert fb.status == "not attempted" and "not attempted yet" in fb.text, fb.text


def test_feedback_text_is_deterministic():
    assert check.adding_batch(batch_mean).text == check.adding_batch(batch_mean).text


def test_checkers_are_reachable_from_the_package():
    from course_utils.exercises import check as package
    for name in check.__all__:
        assert getattr(package, name) is getattr(check, name)
