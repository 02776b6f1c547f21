"""Checkers for the application chapters (8: time series, 9: speech and video).

=================================  =============================================================
checker                            the learner's function
=================================  =============================================================
``seasonal_naive(fn)``             ``fn(y, start, stop, season) -> (stop - start,)`` forecasts
``make_windows(fn)``               ``fn(y, window, horizon) -> (X (n, window), Y (n, horizon))``
``precision_recall(fn)``           ``fn(flagged, true_positions) -> (precision, recall)``
``random_walk_naive_mae(fn)``      ``fn() -> float``, the naive forecast's MAE on a random walk
``frame_signal(fn)``               ``fn(x, frame_len, hop) -> frames (n_frames, frame_len)``
``frame_count(fn)``                ``fn() -> int``, frames in one second of 8 kHz audio
=================================  =============================================================

The references are :mod:`course_utils.data.series` and :mod:`course_utils.data.signals`; every
:class:`Mistake` is a deliberately wrong version whose output earns the learner its hint.
"""
from __future__ import annotations

import math

import numpy as np

from course_utils.data import series as _series
from course_utils.data import signals as _signals
from course_utils.exercises import compare
from course_utils.exercises.harness import Mistake, check_function, exercise

__all__ = ["seasonal_naive", "make_windows", "precision_recall", "random_walk_naive_mae",
           "frame_signal", "frame_count"]


# --- Chapter 8: forecasting ------------------------------------------------------------------

def _seasonal_cases():
    rng = np.random.default_rng(8)
    y = 10 + np.sin(2 * np.pi * np.arange(40) / 12) + 0.1 * rng.standard_normal(40)
    return [((y, 12, 20, 12), {}), ((y, 30, 40, 12), {}), ((np.arange(15.0), 4, 15, 4), {})]


SEASONAL_MISTAKES = [
    Mistake("Off by one: the forecast of y_t is y_{t-season}, so the first forecast (t = start) is "
            "y[start - season], not y[start - season + 1].",
            lambda y, start, stop, season: y[start - season + 1:stop - season + 1]),
    Mistake("That is the naive forecast y_{t-1}: a seasonal-naive forecast goes back one whole season, y_{t-season}.",
            lambda y, start, stop, season: y[start - 1:stop - 1]),
    Mistake("You averaged the last season; the seasonal-naive forecast copies the single value one "
            "season back, y_{t-season}.",
            lambda y, start, stop, season: np.array([y[t - season:t].mean() for t in range(start, stop)])),
]


@exercise("8.1")
def seasonal_naive(fn):
    """Check ``fn(y, start, stop, season)`` = [y_{t-season} for t in start..stop-1]."""
    return check_function(fn, _series.seasonal_naive_forecast, _seasonal_cases(), name="seasonal_naive",
                          mistakes=SEASONAL_MISTAKES)


def _window_variant(y, window, horizon, *, shift=0, drop=0, stride=1):
    y = np.asarray(y, dtype=float)
    starts = np.arange(0, len(y) - window - horizon + 1 - drop, stride)
    X = np.stack([y[i:i + window] for i in starts])
    Y = np.stack([y[i + window + shift:i + window + shift + horizon] for i in starts])
    return X, Y


WINDOW_MISTAKES = [
    Mistake("The target must come AFTER the window: Y[i] starts at y[i + window], not at the window's "
            "last value y[i + window - 1] (the model would only have to copy its input).",
            lambda y, window, horizon: _window_variant(y, window, horizon, shift=-1)),
    Mistake("One window is missing: there are N - window - horizon + 1 windows (check the last one, "
            "whose target ends with the series' last value).",
            lambda y, window, horizon: _window_variant(y, window, horizon, drop=1)),
    Mistake("Windows overlap: a new one starts at every step (stride 1), not every `window` steps.",
            lambda y, window, horizon: _window_variant(y, window, horizon, stride=window)),
]


def _window_cases():
    rng = np.random.default_rng(80)
    return [((np.arange(10.0), 3, 1), {}), ((rng.standard_normal(30), 6, 1), {}),
            ((rng.standard_normal(25), 5, 3), {})]


@exercise("8.2")
def make_windows(fn):
    """Check ``fn(y, window, horizon) -> (X, Y)`` with X[i] = y[i:i+window], Y[i] = y[i+window:i+window+horizon]."""
    return check_function(fn, _series.make_windows, _window_cases(), name="make_windows",
                          output_names=("X", "Y"), mistakes=WINDOW_MISTAKES)


def _pr_counts(flagged, true_positions):
    hits = len(set(np.asarray(flagged).tolist()) & set(np.asarray(true_positions).tolist()))
    return float(hits), float(hits)


def _pr_nan(flagged, true_positions):
    p, r = _series.precision_recall(flagged, true_positions)
    return (float("nan") if len(flagged) == 0 else p), r


PR_MISTAKES = [
    Mistake("Precision and recall are swapped: precision divides the hits by the number of ALARMS, "
            "recall by the number of TRUE anomalies.",
            lambda flagged, true_positions: _series.precision_recall(flagged, true_positions)[::-1]),
    Mistake("Return fractions, not counts: divide the number of hits by the alarms (precision) and "
            "by the true anomalies (recall).", _pr_counts),
    Mistake("With no alarms at all, 0/0 is undefined; the convention here is precision = 0.", _pr_nan),
]


def _pr_cases():
    return [(([3, 10, 17], [3, 10, 25, 40]), {}), (([5, 6, 7, 8], [6]), {}), (([], [2, 9]), {}),
            ((np.array([12, 30]), np.array([30, 12])), {})]


@exercise("8.3")
def precision_recall(fn):
    """Check ``fn(flagged, true_positions) -> (precision, recall)``."""
    return check_function(fn, _series.precision_recall, _pr_cases(), name="precision_recall",
                          output_names=("precision", "recall"), mistakes=PR_MISTAKES)


RANDOM_WALK_SIGMA = 2.0
RW_MISTAKES = [
    Mistake("The naive forecast's error is the next step eps ~ N(0, sigma^2); its MEAN ABSOLUTE value "
            "is sigma * sqrt(2/pi), smaller than its standard deviation sigma.", lambda: RANDOM_WALK_SIGMA),
    Mistake("E|eps| = sigma * sqrt(2/pi): you left out sigma = 2.", lambda: math.sqrt(2 / math.pi)),
    Mistake("That is the variance sigma^2 (the mean SQUARED error); the MAE is E|eps| = sigma * sqrt(2/pi).",
            lambda: RANDOM_WALK_SIGMA ** 2),
]


@exercise("8.4")
def random_walk_naive_mae(fn):
    """Check the predicted long-run MAE of the naive forecast on a random walk with N(0, 2^2) steps."""
    return check_function(fn, lambda: RANDOM_WALK_SIGMA * math.sqrt(2 / math.pi), [((), {})],
                          name="random_walk_naive_mae", tolerance=compare.TWO_PERCENT, mistakes=RW_MISTAKES)


# --- Chapter 9: frames ------------------------------------------------------------------------

def _frames_variant(x, frame_len, hop, *, stride=None, extra=0, transpose=False):
    x = np.asarray(x, dtype=float)
    step = hop if stride is None else stride
    n = 1 + (len(x) - frame_len) // step + extra
    frames = np.stack([x[k * step:k * step + frame_len] for k in range(max(n, 0))])
    return frames.T if transpose else frames


FRAME_MISTAKES = [
    Mistake("Consecutive frames start `hop` samples apart, so they overlap by frame_len - hop samples "
            "(you stepped by frame_len).",
            lambda x, frame_len, hop: _frames_variant(x, frame_len, hop, stride=frame_len)),
    Mistake("The last full frame is missing: there are 1 + (N - frame_len) // hop frames.",
            lambda x, frame_len, hop: _frames_variant(x, frame_len, hop, extra=-1)),
    Mistake("One row per frame: the result is (n_frames, frame_len), not its transpose.",
            lambda x, frame_len, hop: _frames_variant(x, frame_len, hop, transpose=True)),
]


def _frame_cases():
    rng = np.random.default_rng(9)
    return [((np.arange(10.0), 4, 2), {}), ((rng.standard_normal(100), 16, 8), {}),
            ((rng.standard_normal(50), 12, 5), {})]


@exercise("9.1")
def frame_signal(fn):
    """Check ``fn(x, frame_len, hop) -> frames`` with frames[k] = x[k*hop : k*hop + frame_len]."""
    return check_function(fn, _signals.frame_signal, _frame_cases(), name="frame_signal",
                          mistakes=FRAME_MISTAKES, no_loops="(one integer index array, one indexing)")


COUNT_MISTAKES = [
    Mistake("Frames overlap: a new one starts every hop = 80 samples, not every 200.", lambda: 8000 // 200),
    Mistake("Count the first frame too: 1 + (N - frame_len) // hop.", lambda: (8000 - 200) // 80),
    Mistake("A frame must fit entirely in the signal: 1 + (N - frame_len) // hop, not N // hop.",
            lambda: 8000 // 80),
]


@exercise("9.2")
def frame_count(fn):
    """Check the predicted number of 25 ms frames with a 10 ms hop in 1 s of 8 kHz audio."""
    return check_function(fn, lambda: 1 + (8000 - 200) // 80, [((), {})], name="frame_count",
                          tolerance=compare.EXACT, mistakes=COUNT_MISTAKES)

# every mistake the checkers above recognise (the instructor guide lists them)
MISTAKES = SEASONAL_MISTAKES + WINDOW_MISTAKES + PR_MISTAKES + RW_MISTAKES + FRAME_MISTAKES + COUNT_MISTAKES
