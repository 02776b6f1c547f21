"""How often a classifier is right: accuracy, overall and per group, and the confusion matrix.

The classification chapters score every model, network or baseline, with these: Chapter 7 per
kind of review (``accuracy_by``), Chapter 9 on words and videos (``accuracy``,
``confusion_matrix``). Shapes: true labels ``y_true (N,)`` and predictions ``y_pred (N,)``, the
same length N >= 1; ``groups (N,)`` any labels to split by.

Chapter 11's per-group *error* rates, ``course_utils.data.bias.group_error_rates`` (with
``error_gap``), are not computed from these: they are that experiment's measure, reported as
errors and compared between groups only (no overall entry), and computed as the mean of the
mistakes, so an error rate k/N is the float nearest k/N rather than 1 minus a rounded accuracy.

Every function checks its inputs and raises ``ValueError`` (shapes, ids) or ``TypeError``
(types), naming the argument.
"""
from __future__ import annotations

import numpy as np

from course_utils._checks import id_array, numeric_array, positive_int

__all__ = ["accuracy", "accuracy_by", "confusion_matrix"]


def _pair(y_true, y_pred, groups=None) -> tuple:
    """``y_true``, ``y_pred`` (and ``groups``) as arrays of one equal 1-D shape (N,), N >= 1."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    arrays = (y_true, y_pred) if groups is None else (y_true, y_pred, np.asarray(groups))
    if any(a.shape != y_true.shape for a in arrays) or y_true.ndim != 1 or len(y_true) == 0:
        shapes = ", ".join(f"{name} {a.shape}" for name, a in zip(("y_pred", "groups"), arrays[1:]))
        raise ValueError(f"y_true has shape {y_true.shape}, {shapes}: expected equal 1-D shapes (N,), N >= 1")
    return arrays


def accuracy(y_true, y_pred) -> float:
    """Fraction of equal labels, mean(y_true == y_pred), for y_true and y_pred of shape (N,).

    Raises ValueError when the two shapes differ, are not 1-D, or N = 0.
    """
    y_true, y_pred = _pair(y_true, y_pred)
    return float(np.mean(y_true == y_pred))


def accuracy_by(y_true, y_pred, groups) -> dict:
    """:func:`accuracy` overall (key ``"all"``) and on the examples of each value of ``groups``,
    sorted by group: ``{"all": ..., g1: ..., g2: ...}``. y_true, y_pred, groups: (N,).

    Raises ValueError when the three shapes differ, are not 1-D, N = 0, or a group is named
    ``"all"`` (the overall entry's key).
    """
    y_true, y_pred, groups = _pair(y_true, y_pred, groups)
    names = sorted(set(groups.tolist()))
    if "all" in names:
        raise ValueError("groups contains the value 'all': expected other names ('all' is the key "
                         "of the overall accuracy)")
    out = {"all": accuracy(y_true, y_pred)}
    for g in names:
        out[g] = accuracy(y_true[groups == g], y_pred[groups == g])
    return out


def _class_ids(y, name: str, n_classes: int) -> np.ndarray:
    """Integer class ids (n,) in [0, n_classes) as int64; integral floats (1.0) are accepted."""
    arr = numeric_array(y, name, ndim=1, dtype=None)
    if arr.dtype.kind == "f":
        if not np.array_equal(arr, np.round(arr)):
            raise ValueError(f"{name} contains non-integer values: expected class ids")
        arr = arr.astype(np.int64)
    return id_array(arr, name, ndim=1, vocab_size=n_classes, limit="n_classes")


def confusion_matrix(y_true, y_pred, n_classes: int) -> np.ndarray:
    """counts (n_classes, n_classes) int: counts[i, j] = number of examples of class i predicted
    as j, for class ids y_true, y_pred (n,) in [0, n_classes).

    Raises TypeError when ``n_classes`` is not an integer or a label array is not numbers;
    ValueError when ``n_classes < 1``, a label array is not 1-D, holds a non-integer value or an id
    outside [0, n_classes), or the two shapes differ.
    """
    n_classes = positive_int(n_classes, "n_classes")
    y_true, y_pred = _class_ids(y_true, "y_true", n_classes), _class_ids(y_pred, "y_pred", n_classes)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true has shape {y_true.shape} and y_pred {y_pred.shape}: expected equal shapes")
    counts = np.zeros((n_classes, n_classes), dtype=int)
    np.add.at(counts, (y_true, y_pred), 1)
    return counts
