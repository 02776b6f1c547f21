"""The standard non-recurrent baselines the chapters fit on the same data as their networks.

Each is a linear model, fitted deterministically (closed-form least squares, or full-batch
gradient descent on a convex loss from zero weights), so a chapter's baseline number does not
depend on a seed:

- Chapter 7: logistic regression on word counts (the bag of words), :func:`fit_logistic_regression`;
- Chapter 8: linear autoregression on windows of the series, :func:`fit_linear`;
- Chapter 9: softmax (multinomial logistic) regression on order-blind summaries, :func:`fit_softmax`.

Each ``fit_*`` has a ``predict_*`` beside it. Shapes: ``X (N, F)``, N examples of F features;
``y (N,)`` class ids or ``Y (N,)`` / ``(N, 1)`` real targets.

Rule-based forecasts of the time series (naive, seasonal naive, trend + season) stay in
:mod:`course_utils.data.series`, with the series' conventions (forecast spans ``[start, stop)``
on its time axis); the unigram character model stays with its corpus in
:mod:`course_utils.data.text`. Every function checks its inputs: a wrong type raises
``TypeError``, a wrong shape or value ``ValueError``, each naming the argument.
"""
from __future__ import annotations

import numpy as np

from course_utils._checks import check_number, numeric_array, positive_int
from course_utils.learning.metrics import _class_ids

__all__ = ["fit_logistic_regression", "predict_logistic", "fit_softmax", "predict_softmax", "fit_linear",
           "predict_linear"]


# --- two classes: logistic regression (Chapter 7) ------------------------------------------------

def fit_logistic_regression(X, y, l2: float = 1e-3, steps: int = 2000, lr: float = 0.5):
    """Full-batch gradient descent on the mean log-loss + l2/2 ||w||²; returns ``(w (V,), b)``.

    X: (N, V) features (word counts), y: (N,) labels 0 or 1. p = σ(X w + b); the problem is
    convex and starts from w = 0, b = 0, so the result does not depend on a random start.

    Raises TypeError when X or y is not an array of numbers or a hyper-parameter is not a
    number; ValueError when X is not 2-D or y not 1-D, their lengths differ or are 0, y holds a
    value other than 0 and 1, X is not finite, ``l2 < 0``, ``steps < 1`` or ``lr <= 0``.
    """
    X = numeric_array(X, "X", ndim=2)
    y = numeric_array(y, "y", ndim=1)
    if len(y) != len(X) or len(y) == 0:
        raise ValueError(f"X has shape {X.shape} and y {y.shape}: expected (N, V) and (N,) with N >= 1")
    if not np.isin(y, (0, 1)).all():
        raise ValueError(f"y contains {sorted(set(np.unique(y).tolist()) - {0.0, 1.0})[:3]}: expected labels 0 or 1")
    l2 = check_number(l2, "l2", low=0)
    steps = positive_int(steps, "steps")
    lr = check_number(lr, "lr", low=0, low_open=True)
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(X @ w + b)))
        w -= lr * (X.T @ (p - y) / len(y) + l2 * w)
        b -= lr * float(np.mean(p - y))
    return w, b


def predict_logistic(X, w, b) -> np.ndarray:
    """Class predictions ``(N,)`` int64: 1 where X w + b > 0, for X (N, V), w (V,) and the
    number b from :func:`fit_logistic_regression`.

    Raises TypeError when X or w is not an array of numbers or b not a number; ValueError when X
    is not 2-D, w is not ``(V,)`` with V the columns of X, or a value is not finite.
    """
    X = numeric_array(X, "X", ndim=2)
    w = numeric_array(w, "w", ndim=1)
    b = check_number(b, "b")
    if w.shape != (X.shape[1],):
        raise ValueError(f"w has shape {w.shape}: expected ({X.shape[1]},), one weight per column of X")
    return (X @ w + b > 0).astype(np.int64)


# --- C classes: softmax regression (Chapter 9) ---------------------------------------------------

def fit_softmax(X, y, n_classes: int, steps: int = 500, lr: float = 0.5, l2: float = 1e-3) -> np.ndarray:
    """Multinomial logistic regression by full-batch gradient descent from zero weights (deterministic)
    on the mean cross-entropy + l2/2 ||W||². X (n, F), y (n,) int class ids in [0, n_classes)
    -> weights (F + 1, n_classes), the last row the bias.

    Raises TypeError when X or y is not an array of numbers (y: of integers; integral floats such
    as 1.0 pass) or a hyper-parameter has the wrong type; ValueError when X is not 2-D or not
    finite, y is not 1-D or holds an id outside [0, n_classes), their lengths differ or are 0,
    ``n_classes < 1``, ``steps < 1``, ``lr <= 0`` or ``l2 < 0``.
    """
    n_classes, steps = positive_int(n_classes, "n_classes"), positive_int(steps, "steps")
    lr, l2 = check_number(lr, "lr", low=0, low_open=True), check_number(l2, "l2", low=0)
    X = numeric_array(X, "X", ndim=2)
    y = _class_ids(y, "y", n_classes)
    if len(y) != len(X) or len(y) == 0:
        raise ValueError(f"X has shape {X.shape} and y {y.shape}: expected (n, F) and (n,) with n >= 1")
    X = np.column_stack([X, np.ones(len(X))])
    onehot = np.eye(n_classes)[y]
    W = np.zeros((X.shape[1], n_classes))
    for _ in range(steps):
        logits = X @ W
        p = np.exp(logits - logits.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        W -= lr * (X.T @ (p - onehot) / len(X) + l2 * W)
    return W


def predict_softmax(W, X) -> np.ndarray:
    """Class ids (n,) int64, the arg-max of ``[X, 1] @ W``, for X (n, F) under :func:`fit_softmax`'s
    weights W (F + 1, C).

    Raises TypeError when W or X is not an array of numbers; ValueError when either is not 2-D or
    not finite, or W does not have F + 1 rows.
    """
    W = numeric_array(W, "W", ndim=2)
    X = numeric_array(X, "X", ndim=2)
    if W.shape[0] != X.shape[1] + 1:
        raise ValueError(f"W has shape {W.shape} but X has {X.shape[1]} features: expected ({X.shape[1] + 1}, C)")
    X = np.column_stack([X, np.ones(len(X))])
    return np.argmax(X @ W, axis=1)


# --- real targets: linear (auto)regression (Chapter 8) --------------------------------------------

def fit_linear(X, Y) -> np.ndarray:
    """Least-squares linear regression with bias, yhat = X coef[:-1] + coef[-1]: X (N, W), Y (N,)
    or (N, 1) -> coef (W + 1,). On windows of a series (``make_windows``) it is a linear
    autoregression of order W.

    Raises TypeError when X or Y is not an array of numbers; ValueError when X is not 2-D, Y is
    not (N,) or (N, 1) with the rows of X, X has fewer than W + 1 rows, or a value is not finite.
    """
    X = numeric_array(X, "X", ndim=2)
    Y = numeric_array(Y, "Y", ndim=(1, 2))
    if Y.ndim == 2 and Y.shape[1] != 1:
        raise ValueError(f"Y has shape {Y.shape}: expected ({len(X)},) or ({len(X)}, 1), one target per row")
    if len(Y) != len(X):
        raise ValueError(f"Y has {len(Y)} rows but X has {len(X)}: expected the same number")
    if len(X) < X.shape[1] + 1:
        raise ValueError(f"X has shape {X.shape}: expected at least {X.shape[1] + 1} rows to fit "
                         f"{X.shape[1] + 1} coefficients")
    coef, *_ = np.linalg.lstsq(np.column_stack([X, np.ones(len(X))]), Y.ravel(), rcond=None)
    return coef


def predict_linear(coef, X) -> np.ndarray:
    """X (N, W) -> (N,), X coef[:-1] + coef[-1], with coef (W + 1,) from :func:`fit_linear`.

    Raises TypeError when coef or X is not an array of numbers; ValueError when coef is not a
    non-empty 1-D array, X is not 2-D with ``len(coef) - 1`` columns, or a value is not finite.
    """
    coef = numeric_array(coef, "coef", ndim=1, min_size=1)
    X = numeric_array(X, "X", ndim=2)
    if X.shape[1] != len(coef) - 1:
        raise ValueError(f"X has shape {X.shape} but coef has {len(coef)} values: expected "
                         f"(N, {len(coef) - 1}) windows")
    return X @ coef[:-1] + coef[-1]
