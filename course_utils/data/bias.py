"""A controlled data-bias experiment (Chapter 11): two groups of writers, one under-represented
and with skewed labels in the training data, and the error gap this causes.

The reviews are the synthetic ones of :mod:`course_utils.data.reviews`. The *majority* group writes
with the default lexicon; the *minority* group uses its own words (British spellings and
slang adjectives), as a dialect would. In the training set the minority is rare and mostly
negative, so its words are both scarce and spuriously tied to the negative label. The test
set is balanced: each group and label equally often, so that the per-group error rates
compare like with like.

::

    train = make_group_reviews(2000, seed=0, minority_share=0.05, minority_p_positive=0.2)
    test = make_group_reviews(2000, seed=1, minority_share=0.5, minority_p_positive=0.5)
    errors = group_error_rates(pred, test.reviews.labels, test.group)   # {"majority": ..., "minority": ...}
    weights = balanced_weights(train.group, train.reviews.labels)       # for re-weighted sampling
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from course_utils._checks import nonnegative_int, positive_int, probability
from course_utils.data.reviews import Lexicon, Reviews, make_reviews

__all__ = ["GROUPS", "SLANG", "MAJORITY_LEXICON", "MINORITY_LEXICON", "GroupReviews", "make_group_reviews",
           "group_error_rates", "error_gap", "balanced_weights"]

GROUPS = ("majority", "minority")
SLANG = ("wicked", "sick")          # negative for the majority, praise for the minority
MAJORITY_LEXICON = Lexicon(subjects=("the flavor", "the color", "the humor", "the theater", "the center",
                                     "the neighborhood"),
                           positive=("good", "great", "fine", "excellent"),
                           negative=("bad", "awful", "poor", "dull") + SLANG)
MINORITY_LEXICON = Lexicon(subjects=("the flavour", "the colour", "the humour", "the theatre", "the centre",
                                     "the neighbourhood"),
                           positive=("good", "great", "fine", "excellent") + SLANG,
                           negative=("bad", "awful", "poor", "dull"))


@dataclass(frozen=True)
class GroupReviews:
    """Reviews with the writer's group: ``group (N,)`` holds ``"majority"`` or ``"minority"``."""

    reviews: Reviews
    group: np.ndarray
    flipped: np.ndarray   # (N,) bool: label flipped by the annotation noise


def make_group_reviews(n: int, seed: int = 0, minority_share: float = 0.1, minority_p_positive: float = 0.1,
                       majority_p_positive: float = 0.5, label_noise: float = 0.0,
                       p_not: float = 0.25) -> GroupReviews:
    """``round(n * minority_share)`` minority reviews (positive with probability
    ``minority_p_positive``), the rest from the majority; majority first, then minority.

    ``label_noise``: every label is flipped with this probability (annotators disagree on real
    reviews); use it for training data and keep the test labels clean (0). Returns N = ``n`` reviews,
    ``group (N,)`` and ``flipped (N,)``.

    Raises TypeError for a non-integer ``n`` or ``seed`` or a non-number probability; ValueError for
    ``n < 1``, ``seed < 0`` or a probability outside [0, 1]. Each names the argument.
    """
    n, seed = positive_int(n, "n"), nonnegative_int(seed, "seed")
    minority_share = probability(minority_share, "minority_share")
    for value, name in ((minority_p_positive, "minority_p_positive"), (majority_p_positive, "majority_p_positive"),
                        (label_noise, "label_noise"), (p_not, "p_not")):
        probability(value, name)
    n_min = int(round(n * minority_share))
    parts, groups = [], []
    for k, (size, lexicon, p_pos) in enumerate([(n - n_min, MAJORITY_LEXICON, majority_p_positive),
                                                (n_min, MINORITY_LEXICON, minority_p_positive)]):
        if size:
            parts.append(make_reviews(size, seed=seed * 2 + k, p_positive=p_pos, p_not=p_not, lexicon=lexicon))
            groups += [GROUPS[k]] * size
    reviews = parts[0] if len(parts) == 1 else parts[0] + parts[1]
    flipped = np.random.default_rng(seed + 1000).random(n) < label_noise
    reviews = Reviews(reviews.tokens, np.where(flipped, 1 - reviews.labels, reviews.labels),
                      reviews.form, reviews.negated)
    return GroupReviews(reviews, np.array(groups), flipped)


def _array(a, name: str) -> np.ndarray:
    """``a`` as a NumPy array (labels, predictions or group names: any dtype)."""
    try:
        return np.asarray(a)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{name} must be a rectangular array of shape (N,), got a ragged "
                         f"{type(a).__name__} ({exc})") from None


def group_error_rates(pred, y, group) -> dict:
    """Error rate per group, mean(pred != y) over the examples of each value of ``group``, sorted by
    group, e.g. {"majority": 0.01, "minority": 0.30}. pred, y, group: (N,).

    It is 1 - :func:`course_utils.learning.metrics.accuracy_by` without the overall entry, kept
    here as this experiment's measure: Chapter 11 reports errors and compares groups only
    (:func:`error_gap`), and the mean of the mistakes gives k/N itself, not 1 minus a rounded
    accuracy (1 - 2/3 is not the float 1/3).

    Raises ValueError when an argument is not a rectangular array, or the three shapes differ, are
    not 1-D, or N = 0.
    """
    pred, y, group = _array(pred, "pred"), _array(y, "y"), _array(group, "group")
    if not pred.shape == y.shape == group.shape or pred.ndim != 1 or len(pred) == 0:
        raise ValueError(f"pred {pred.shape}, y {y.shape} and group {group.shape}: expected equal shapes (N,), N >= 1")
    return {g: float(np.mean(pred[group == g] != y[group == g])) for g in sorted(set(group.tolist()))}


def error_gap(pred, y, group) -> float:
    """Largest minus smallest per-group error rate (0 = every group is served equally well), for
    pred, y, group (N,). Raises ValueError as :func:`group_error_rates` does."""
    rates = group_error_rates(pred, y, group)
    return max(rates.values()) - min(rates.values())


def balanced_weights(group, labels) -> np.ndarray:
    """Sampling weights ``(N,)`` that give every (group, label) cell the same total weight:
    w_n = 1 / (number of examples in n's cell), normalised to sum to 1. group, labels: (N,).

    Raises ValueError when an argument is not a rectangular array, or the two shapes differ, are not
    1-D, or N = 0.
    """
    group, labels = _array(group, "group"), _array(labels, "labels")
    if group.shape != labels.shape or group.ndim != 1 or len(group) == 0:
        raise ValueError(f"group has shape {group.shape} but labels {labels.shape}: expected equal shapes (N,), N >= 1")
    keys = np.array([f"{g}|{y}" for g, y in zip(group.tolist(), labels.tolist())])
    _, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    w = 1.0 / counts[inverse]
    return w / w.sum()
