"""The Chapter 8-9 checkers accept correct answers, say "not attempted yet" for stubs, and give
each deliberately wrong implementation its hint."""
from __future__ import annotations

import math

import numpy as np
import pytest

from course_utils.exercises import check
from course_utils.exercises.check import applications as A


def stub(*args, **kwargs):
    raise NotImplementedError


# --- correct answers written the way a learner would ------------------------------------------

def seasonal_naive_ok(y, start, stop, season):
    return np.array([y[t - season] for t in range(start, stop)])


def make_windows_ok(y, window, horizon):
    X = [y[i:i + window] for i in range(len(y) - window - horizon + 1)]
    Y = [y[i + window:i + window + horizon] for i in range(len(y) - window - horizon + 1)]
    return np.array(X, dtype=float), np.array(Y, dtype=float)


def precision_recall_ok(flagged, true_positions):
    hits = len(set(flagged) & set(true_positions))
    return (hits / len(flagged) if len(flagged) else 0.0), hits / len(true_positions)


def frame_signal_ok(x, frame_len, hop):
    n = 1 + (len(x) - frame_len) // hop
    return np.array([x[k * hop:k * hop + frame_len] for k in range(n)])


CORRECT = [
    (check.seasonal_naive, seasonal_naive_ok),
    (check.make_windows, make_windows_ok),
    (check.precision_recall, precision_recall_ok),
    (check.random_walk_naive_mae, lambda: 2 * math.sqrt(2 / math.pi)),
    (check.frame_signal, frame_signal_ok),
    (check.frame_count, lambda: 98),
]


@pytest.mark.parametrize("checker, answer", CORRECT, ids=lambda v: getattr(v, "__name__", "answer"))
def test_checker_accepts_a_correct_answer(checker, answer):
    feedback = checker(answer)
    assert feedback.status == "correct", feedback.text


@pytest.mark.parametrize("checker", [c for c, _ in CORRECT], ids=lambda c: c.__name__)
def test_checker_says_not_attempted_for_a_stub(checker):
    feedback = checker(stub)
    assert feedback.status == "not attempted"
    assert "not attempted yet" in feedback.text


MISTAKE_LISTS = [
    (check.seasonal_naive, A.SEASONAL_MISTAKES),
    (check.make_windows, A.WINDOW_MISTAKES),
    (check.precision_recall, A.PR_MISTAKES),
    (check.random_walk_naive_mae, A.RW_MISTAKES),
    (check.frame_signal, A.FRAME_MISTAKES),
    (check.frame_count, A.COUNT_MISTAKES),
]
CASES = [(checker, mistake) for checker, mistakes in MISTAKE_LISTS for mistake in mistakes]


@pytest.mark.parametrize("checker, mistake", CASES,
                         ids=[f"{c.__name__}-{i}" for c, ms in MISTAKE_LISTS for i in range(len(ms))])
def test_checker_gives_the_hint_of_each_known_mistake(checker, mistake):
    feedback = checker(mistake.implementation)
    assert feedback.status == "incorrect", feedback.text
    assert mistake.hint in feedback.text


def test_window_checker_names_the_wrong_output():
    def wrong_targets(y, window, horizon):
        X, Y = make_windows_ok(y, window, horizon)
        return X, Y + 1.0
    feedback = check.make_windows(wrong_targets)
    assert feedback.status == "incorrect"
    assert "Y" in feedback.text


def test_precision_recall_division_by_zero_is_reported_not_raised():
    def naive_division(flagged, true_positions):
        hits = len(set(flagged) & set(true_positions))
        return hits / len(flagged), hits / len(true_positions)
    feedback = check.precision_recall(naive_division)
    assert feedback.status == "error"
    assert "ZeroDivisionError" in feedback.text


def test_feedback_text_is_deterministic():
    first = check.seasonal_naive(A.SEASONAL_MISTAKES[0].implementation).text
    assert check.seasonal_naive(A.SEASONAL_MISTAKES[0].implementation).text == first
