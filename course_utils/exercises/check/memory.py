"""Checkers for Chapter 6 (long-range memory: the adding problem and the copy task).

=================================  =============================================================
checker                            the learner's function
=================================  =============================================================
``adding_batch(fn)``               ``fn(values, first, second) -> (x (B, T, 2), y (B, 1))``, Le et al.
``solved_by_constant(fn)``         ``fn() -> float``, share of Hochreiter-Schmidhuber sequences
                                   solved by always answering 0.5 (X1 at step 1 not zeroed)
``copy_baseline(fn)``              ``fn(n_symbols, length, delay) -> float``, memoryless
                                   cross-entropy averaged over the whole copy sequence (nats)
=================================  =============================================================

References come from :mod:`course_utils.data.tasks`; each :class:`Mistake` is a deliberately wrong
version whose output, when the learner's matches it, earns the learner its hint.
"""
from __future__ import annotations

import math

import numpy as np

from course_utils.data import tasks
from course_utils.exercises import compare
from course_utils.exercises.harness import Mistake, check_function, exercise

__all__ = ["adding_batch", "solved_by_constant", "copy_baseline"]


# --- Exercise 6.1: the Le et al. adding batch ------------------------------------------------

def _adding_batch(values, first, second, *, target="sum", mark_both=True, rows="each", swap=False,
                  keep_axis=True):
    B, T = values.shape
    markers = np.zeros_like(values)
    index = np.arange(B) if rows == "each" else slice(None)
    markers[index, first] = 1.0
    if mark_both:
        markers[index, second] = 1.0
    x1, x2 = values[np.arange(B), first], values[np.arange(B), second]
    y = {"sum": x1 + x2, "mean": (x1 + x2) / 2, "hochreiter": 0.5 + (x1 + x2) / 4}[target]
    channels = [markers, values] if swap else [values, markers]
    return np.stack(channels, axis=-1), (y[:, None] if keep_axis else y)


def _adding_cases():
    rng = np.random.default_rng(6)
    cases = []
    for B, T in [(1, 2), (3, 5), (4, 12)]:
        values = rng.random((B, T))
        first = rng.integers(0, T, B)
        second = (first + 1 + rng.integers(0, T - 1, B)) % T          # distinct from first, either side
        cases.append(((values, first, second), {}))
    return cases


ADDING_MISTAKES = [
    Mistake("Le et al.'s target is the plain sum X1 + X2, not the mean.",
            lambda v, f, s: _adding_batch(v, f, s, target="mean")),
    Mistake("0.5 + (X1 + X2) / 4 is Hochreiter & Schmidhuber's scaled target; Le et al. use the plain sum X1 + X2.",
            lambda v, f, s: _adding_batch(v, f, s, target="hochreiter")),
    Mistake("Both marked positions need a 1 in the marker channel: set it at `second` as well as at `first`.",
            lambda v, f, s: _adding_batch(v, f, s, mark_both=False)),
    Mistake("markers[:, first] = 1 marks every row at all the positions listed in `first`; pair each row "
            "with its own position: markers[np.arange(B), first] = 1.",
            lambda v, f, s: _adding_batch(v, f, s, rows="all")),
    Mistake("Channel 0 holds the values and channel 1 the markers: stack them as [values, markers].",
            lambda v, f, s: _adding_batch(v, f, s, swap=True)),
    Mistake("Keep a trailing axis on the target: y has shape (B, 1), like the model's output.",
            lambda v, f, s: _adding_batch(v, f, s, keep_axis=False)),
]


@exercise("6.1")
def adding_batch(fn):
    """Check ``fn(values (B, T), first (B,), second (B,)) -> (x (B, T, 2), y (B, 1))`` (Le et al. form)."""
    return check_function(fn, _adding_batch, _adding_cases, name="adding_batch", output_names=("x", "y"),
                          mistakes=ADDING_MISTAKES)


# --- Exercise 6.2: predict, then verify: how often does 0.5 pass? ----------------------------

def _solved_by_constant() -> float:
    return tasks.constant_solved_fraction(zero_rule=False)


def _share_below(a: float) -> float:
    """P(|X1 + X2| < a) for X1, X2 ~ U[-1, 1] (triangular density on [-2, 2])."""
    return 1 - (2 - a) ** 2 / 4


CONSTANT_MISTAKES = [
    Mistake("The error of the constant 0.5 is |X1 + X2| / 4, so the sum itself may reach 4 x 0.04 = 0.16.",
            lambda: _share_below(0.04)),
    Mistake("X1 + X2 is not uniform on [-2, 2]: the sum of two uniforms has a triangular density, "
            "highest (1/2) at 0, so small sums are more likely than 0.16 / 2 suggests.",
            lambda: 0.16 / 2),
    Mistake("Both signs count: |X1 + X2| < 0.16 means -0.16 < X1 + X2 < 0.16, twice the one-sided area.",
            lambda: _share_below(0.16) / 2),
    Mistake("The triangle's density is (2 - |s|) / 4, not (2 - |s|) / 2: it must integrate to 1 over [-2, 2].",
            lambda: 2 * _share_below(0.16)),
]


@exercise("6.2")
def solved_by_constant(fn):
    """Check the predicted share of Hochreiter-Schmidhuber sequences with |0.5 - target| < 0.04 (X1 never zeroed)."""
    return check_function(fn, _solved_by_constant, [((), {})], name="solved_by_constant", tolerance=compare.ONE_PERCENT,
                          mistakes=CONSTANT_MISTAKES)


# --- Exercise 6.3: the copy task's memoryless baseline ---------------------------------------

def _copy_baseline(n_symbols, length, delay):
    return tasks.copy_baseline(n_symbols, length, delay, recall_only=False)


COPY_MISTAKES = [
    Mistake("log(n_symbols) is the cost of one *recalled* step; averaged over the whole sequence, the "
            "2K + T - K steps whose target is a blank cost nothing, since a blank is always predictable there.",
            lambda n, k, t: math.log(n)),
    Mistake("PyTorch's cross-entropy is in nats: use the natural logarithm (math.log), not log2.",
            lambda n, k, t: k * math.log2(n) / (2 * k + t)),
    Mistake("The sequence has 2K + T steps: K symbols, T steps of waiting (the marker included) and K steps of recall.",
            lambda n, k, t: k * math.log(n) / (k + t)),
    Mistake("At a recall step the answer is always one of the n symbols, never a blank or the marker: "
            "a memoryless guess spreads over n classes, log(n).",
            lambda n, k, t: k * math.log(n + 2) / (2 * k + t)),
]


@exercise("6.3")
def copy_baseline(fn):
    """Check ``fn(n_symbols, length, delay) -> float``: the memoryless baseline's mean cross-entropy per step
    (nats) over the whole copy sequence, K = length, T = delay."""
    cases = [((8, 10, 100), {}), ((4, 3, 20), {}), ((2, 1, 5), {})]
    return check_function(fn, _copy_baseline, cases, name="copy_baseline", tolerance=compare.FORMULA,
                          mistakes=COPY_MISTAKES)

# every mistake the checkers above recognise (the instructor guide lists them)
MISTAKES = ADDING_MISTAKES + CONSTANT_MISTAKES + COPY_MISTAKES
