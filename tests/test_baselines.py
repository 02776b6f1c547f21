"""course_utils.learning.baselines: the linear baselines the chapters fit (logistic, softmax, least squares)."""
from __future__ import annotations

import numpy as np
import pytest

from course_utils.learning import baselines as B

EXACT = 1e-8    # least squares on noise-free data recovers the coefficients to this


def test_logistic_regression_separates_a_separable_problem():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 3))
    y = (X @ np.array([2.0, -1.0, 0.5]) > 0).astype(np.int64)
    w, b = B.fit_logistic_regression(X, y, l2=0.0, steps=500)
    assert w.shape == (3,) and isinstance(b, float)
    assert (B.predict_logistic(X, w, b) == y).mean() > 0.97


def test_softmax_regression_separates_separable_classes():
    rng = np.random.default_rng(5)
    y = np.repeat(np.arange(3), 30)
    X = np.eye(3)[y] * 3 + 0.3 * rng.standard_normal((90, 3))
    W = B.fit_softmax(X, y, 3)
    assert W.shape == (4, 3)
    assert np.array_equal(B.predict_softmax(W, X), y)


def test_the_gradient_descent_fits_are_deterministic():
    rng = np.random.default_rng(2)
    X, y = rng.standard_normal((50, 4)), np.arange(50) % 2
    assert np.array_equal(B.fit_softmax(X, y, 2, steps=20), B.fit_softmax(X, y, 2, steps=20))
    (w1, b1), (w2, b2) = B.fit_logistic_regression(X, y, steps=20), B.fit_logistic_regression(X, y, steps=20)
    assert np.array_equal(w1, w2) and b1 == b2


def test_linear_autoregression_recovers_its_coefficients():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((200, 4))
    Y = X @ np.array([0.5, -0.2, 0.1, 0.7]) + 0.3
    coef = B.fit_linear(X, Y)
    assert np.allclose(coef, [0.5, -0.2, 0.1, 0.7, 0.3], atol=EXACT)
    assert np.allclose(B.predict_linear(coef, X), Y, atol=EXACT)
    assert np.array_equal(B.fit_linear(X, Y[:, None]), coef)


X, Y01 = np.ones((6, 3)), np.array([0, 1] * 3)

BAD_CALLS = [
    (lambda: B.fit_logistic_regression(np.ones(6), Y01), ValueError, r"X has shape \(6,\): expected a 2-D array"),
    (lambda: B.fit_logistic_regression(X, Y01[:4]), ValueError, r"X has shape \(6, 3\) and y \(4,\)"),
    (lambda: B.fit_logistic_regression(X, np.array([0, 2] * 3)), ValueError, r"y contains \[2.0\]: expected labels 0 or 1"),
    (lambda: B.fit_logistic_regression(X, Y01, lr=0), ValueError, r"lr must be in"),
    (lambda: B.predict_logistic(X, np.zeros(4), 0.0), ValueError, r"w has shape \(4,\): expected \(3,\)"),
    (lambda: B.predict_logistic(X, np.zeros(3), "0"), TypeError, r"b must be a"),
    (lambda: B.fit_softmax(X, np.array([0, 5] * 3), 2), ValueError, r"y contains the id 5: expected ids < n_classes = 2"),
    (lambda: B.fit_softmax(X, Y01 + 0.5, 2), ValueError, r"y contains non-integer values"),
    (lambda: B.fit_softmax(np.ones((4, 3)), Y01, 2), ValueError, r"X has shape \(4, 3\) and y \(6,\)"),
    (lambda: B.fit_softmax(X, Y01, 0), ValueError, r"n_classes must be a.*integer"),
    (lambda: B.predict_softmax(np.zeros((3, 2)), X), ValueError, r"W has shape \(3, 2\) but X has 3 features: expected \(4, C\)"),
    (lambda: B.fit_linear(np.ones(5), np.ones(5)), ValueError, r"X has shape \(5,\): expected a 2-D array"),
    (lambda: B.fit_linear(np.ones((5, 2)), np.ones(4)), ValueError, r"Y has 4 rows but X has 5"),
    (lambda: B.fit_linear(np.ones((5, 2)), np.ones((5, 2))), ValueError, r"Y has shape \(5, 2\): expected \(5,\) or \(5, 1\)"),
    (lambda: B.fit_linear(np.ones((2, 4)), np.ones(2)), ValueError, r"X has shape \(2, 4\): expected at least 5 rows"),
    (lambda: B.predict_linear(np.ones(4), np.ones((5, 2))), ValueError, r"X has shape \(5, 2\) but coef has 4 values: expected \(N, 3\)"),
    (lambda: B.predict_linear("c", np.ones((5, 2))), TypeError, r"coef must be an array of numbers, got str"),
]


@pytest.mark.parametrize("call, error, pattern", BAD_CALLS, ids=[f"bad{i}" for i in range(len(BAD_CALLS))])
def test_bad_input_gets_a_clear_error(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()
