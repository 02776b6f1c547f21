"""course_utils.learning.metrics: accuracy overall and per group, the confusion matrix."""
from __future__ import annotations

import numpy as np
import pytest

from course_utils.data.bias import group_error_rates
from course_utils.learning import metrics as M


def test_accuracy_is_the_fraction_of_equal_labels():
    assert M.accuracy(np.array([1, 0, 2, 2]), np.array([1, 1, 2, 0])) == 0.5


def test_accuracy_by_group():
    acc = M.accuracy_by(np.array([1, 1, 1, 0]), np.array([1, 0, 1, 1]), np.array(["a", "a", "b", "b"]))
    assert acc == {"all": 0.5, "a": 0.5, "b": 0.5}
    assert list(acc) == ["all", "a", "b"]


def test_accuracy_by_matches_accuracy_on_each_group_and_the_bias_error_rates():
    rng = np.random.default_rng(0)
    y, pred, groups = rng.integers(0, 2, 300), rng.integers(0, 2, 300), rng.choice(["p", "q", "r"], 300)
    acc = M.accuracy_by(y, pred, groups)
    assert acc["all"] == M.accuracy(y, pred)
    errors = group_error_rates(pred, y, groups)
    for g in ("p", "q", "r"):
        assert acc[g] == M.accuracy(y[groups == g], pred[groups == g])
        assert errors[g] == pytest.approx(1 - acc[g], abs=1e-15)


def test_confusion_matrix_counts_each_true_predicted_pair():
    y, pred = np.array([0, 0, 1, 2, 2, 2]), np.array([0, 1, 1, 2, 0, 2])
    assert np.array_equal(M.confusion_matrix(y, pred, 3), [[1, 1, 0], [0, 1, 0], [1, 0, 2]])
    assert np.array_equal(M.confusion_matrix(y.astype(float), pred, 3), M.confusion_matrix(y, pred, 3))


Y = np.array([0, 1] * 3)

BAD_CALLS = [
    (lambda: M.accuracy(Y, Y[:2]), ValueError, r"y_true has shape \(6,\), y_pred \(2,\): expected equal 1-D shapes"),
    (lambda: M.accuracy(np.array([]), np.array([])), ValueError, r"N >= 1"),
    (lambda: M.accuracy(Y[None], Y[None]), ValueError, r"y_true has shape \(1, 6\)"),
    (lambda: M.accuracy_by(Y, Y, Y[:2]), ValueError, r"y_true has shape \(6,\), y_pred \(6,\), groups \(2,\)"),
    (lambda: M.accuracy_by(Y, Y, np.array(["all", "b"] * 3)), ValueError, r"groups contains the value 'all'"),
    (lambda: M.confusion_matrix(Y, Y + 5, 2), ValueError, r"y_pred contains the id 6: expected ids < n_classes = 2"),
    (lambda: M.confusion_matrix(Y, Y - 2, 2), ValueError, r"y_pred contains the id -2"),
    (lambda: M.confusion_matrix(Y, Y[:3], 2), ValueError, r"y_true has shape \(6,\) and y_pred \(3,\)"),
    (lambda: M.confusion_matrix(Y, Y + 0.5, 2), ValueError, r"y_pred contains non-integer values"),
    (lambda: M.confusion_matrix(Y, Y, 0), ValueError, r"n_classes must be a.*integer"),
]


@pytest.mark.parametrize("call, error, pattern", BAD_CALLS, ids=[f"bad{i}" for i in range(len(BAD_CALLS))])
def test_bad_input_gets_a_clear_error(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()
