"""Checkers for Chapter 11 (limits: tuning, interpretability, bias).

=================================  =============================================================
checker                            the learner's answer
=================================  =============================================================
``balanced_weights(fn)``           ``fn(group (N,), labels (N,)) -> weights (N,)``: every
                                   (group, label) cell gets the same total weight, sum 1
``unit_correlations(fn)``          ``fn(states (T, H), feature (T,)) -> r (H,)``: Pearson r of
                                   every unit with the feature (0 for a constant unit)
``main_effect_spreads(fn)``        ``fn() -> (lr_spread, hidden_spread)``: predicted main-effect
                                   spreads of a 2 x 2 grid given in the notebook
=================================  =============================================================

The references are :func:`course_utils.data.bias.balanced_weights`,
:func:`course_utils.learning.interpret.unit_correlations` and :func:`course_utils.learning.sweep.main_effects`;
every :class:`Mistake` is a deliberately wrong version whose output earns its hint.
"""
from __future__ import annotations

import numpy as np

from course_utils.data.bias import balanced_weights as _balanced_ref
from course_utils.exercises import compare
from course_utils.exercises.harness import Feedback, Mistake, check_function, exercise
from course_utils.learning.interpret import unit_correlations as _correlations_ref
from course_utils.learning.sweep import effect_sizes, main_effects

__all__ = ["balanced_weights", "unit_correlations", "main_effect_spreads"]

# --- re-weighting -------------------------------------------------------------------------------


def _weights_cases():
    rng = np.random.default_rng(5)
    cases = [((np.array(["a", "a", "a", "b"]), np.array([0, 1, 1, 0])), {})]
    for n, p_b in [(20, 0.2), (60, 0.1)]:
        group = np.where(rng.random(n) < p_b, "minority", "majority")
        group[:2] = ["minority", "minority"]
        labels = rng.integers(0, 2, n)
        labels[:2] = [0, 1]
        cases.append(((group, labels), {}))
    return cases


def _by_cell(group, labels, by_group_only=False, normalise=True, invert=True):
    keys = np.asarray(group) if by_group_only else np.array([f"{g}|{y}" for g, y in zip(group, labels)])
    _, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    w = (1.0 / counts[inverse]) if invert else counts[inverse].astype(float)
    return w / w.sum() if normalise else w


WEIGHT_MISTAKES = [
    Mistake("The weights should sum to 1 (divide by their total): they are sampling probabilities.",
            lambda group, labels: _by_cell(group, labels, normalise=False)),
    Mistake("Balance the (group, label) cells, not only the groups: inside the minority, the labels are "
            "skewed too, and that skew is what the model learns.",
            lambda group, labels: _by_cell(group, labels, by_group_only=True)),
    Mistake("Your weights grow with the cell's count, so the common cells weigh the most: the rare "
            "cells are the ones to weigh up.",
            lambda group, labels: _by_cell(group, labels, invert=False)),
]


@exercise("11.1")
def balanced_weights(fn) -> Feedback:
    """Check ``fn(group (N,), labels (N,)) -> (N,)`` weights, equal total per (group, label) cell."""
    return check_function(fn, _balanced_ref, _weights_cases, name="balanced_weights",
                          tolerance=compare.WEIGHTS, mistakes=WEIGHT_MISTAKES)

# --- correlations of units with a feature -------------------------------------------------------


def _correlation_cases():
    rng = np.random.default_rng(9)
    cases = []
    for T, H in [(30, 3), (200, 6)]:
        feature = np.cumsum(rng.standard_normal(T))
        states = rng.standard_normal((T, H)) + 5.0
        states[:, 0] = 2.0 * feature + 0.3 * rng.standard_normal(T) + 7.0   # one unit tracks the feature
        states[:, 1] = -feature
        cases.append(((states, feature), {}))
    states = rng.standard_normal((40, 4))
    states[:, 2] = 1.5                                                        # a unit that never changes
    cases.append(((states, rng.standard_normal(40)), {}))
    return cases


def _covariances(states, feature):
    s = states - states.mean(axis=0)
    f = feature - feature.mean()
    return s.T @ f / len(f)


def _not_centred(states, feature):
    num = states.T @ feature
    den = np.sqrt((states ** 2).sum(axis=0) * (feature ** 2).sum())
    return np.divide(num, den, out=np.zeros(states.shape[1]), where=den > 0)


CORRELATION_MISTAKES = [
    Mistake("That is the covariance: it grows with the scale of the unit and of the feature, while r is "
            "scale-free and lies in [-1, 1].",
            _covariances),
    Mistake("Subtract the means first: Pearson's r correlates the deviations from the mean "
            "(a unit with a large constant offset otherwise looks perfectly correlated).", _not_centred),
    Mistake("A unit that never changes has zero variance, and your division by it gives nan: the "
            "exercise defines r = 0 for such a unit.",
            lambda states, feature: _correlations_ref(states, feature) + np.where(
                np.ptp(states, axis=0) == 0, np.nan, 0.0)),
    Mistake("Correlate each unit (column of states, axis 0 is time) with the feature: the result "
            "has one entry per unit, shape (H,), and the sign matters.",
            lambda states, feature: np.abs(_correlations_ref(states, feature))),
]


@exercise("11.2")
def unit_correlations(fn) -> Feedback:
    """Check ``fn(states (T, H), feature (T,)) -> (H,)`` Pearson correlations."""
    return check_function(fn, _correlations_ref, _correlation_cases, name="unit_correlations",
                          tolerance=compare.CLOSED_FORM, mistakes=CORRELATION_MISTAKES, no_loops="over units")

# --- predict: main effects of a 2 x 2 grid ------------------------------------------------------

GRID_AXES = {"hidden": [8, 32], "lr": [1e-2, 1e-1]}
GRID_SCORES = np.array([[-1.0, -3.0],      # log10 normalised MSE; rows: hidden 8, 32
                        [-1.4, -2.6]])     # columns: lr 0.01, 0.1


def _spreads():
    sizes = effect_sizes(main_effects(GRID_SCORES, GRID_AXES))
    return (round(sizes["lr"], 10), round(sizes["hidden"], 10))


SPREAD_MISTAKES = [
    Mistake("You swapped the two numbers: return (learning-rate spread, hidden-size spread).",
            lambda: _spreads()[::-1]),
    Mistake("You read the spreads off single cells of the grid: a main effect first averages each "
            "level over the *other* setting.", lambda: (2.0, 0.4)),
    Mistake("A spread is the distance between the best and the worst level mean, max - min: it is never "
            "negative.", lambda: (-_spreads()[0], -_spreads()[1])),
]


@exercise("11.3")
def main_effect_spreads(fn) -> Feedback:
    """Check ``fn() -> (lr_spread, hidden_spread)`` for the 2 x 2 grid ``GRID_SCORES``."""
    return check_function(fn, _spreads, [((), {})], name="main_effect_spreads", tolerance=compare.HAND_COMPUTED,
                          output_names=("lr_spread", "hidden_spread"), mistakes=SPREAD_MISTAKES)

# every mistake the checkers above recognise (the instructor guide lists them)
MISTAKES = WEIGHT_MISTAKES + CORRELATION_MISTAKES + SPREAD_MISTAKES
