"""Time series for Chapter 8: the CO2 data, windows, scaling, classical forecasts, metrics and anomalies.

Conventions: a series is a 1-D NumPy array ``y: (N,)`` indexed by time step t. Forecasts of the
steps ``t in [start, stop)`` are arrays of shape ``(stop - start,)``. Every forecast here uses
only values strictly before the step it forecasts. The classical forecasts (naive, seasonal
naive, trend + season) are rules on the series' time axis and stay here; the linear
autoregression fitted on the same windows as the networks is
:func:`course_utils.learning.baselines.fit_linear`.

Every public function checks its inputs: a wrong type raises ``TypeError``, a wrong shape, length
or value ``ValueError``, each naming the argument, what was expected and what was received.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from course_utils._checks import check_int, check_number, check_str, check_type, numeric_array
from course_utils._paths import find_root

__all__ = ["CO2_FILE", "CO2_COLUMNS", "load_co2", "make_windows", "Scaler", "naive_forecast",
           "seasonal_naive_forecast", "seasonal_difference_forecast", "seasonal_naive_path", "MAX_DEGREE",
           "trend_season_design", "fit_trend_season", "trend_season_forecast", "level_forecasts",
           "recursive_level_forecast", "mae", "rmse", "metrics_table", "inject_spikes", "flag_anomalies",
           "precision_recall", "random_walk", "autocorrelation"]

CO2_FILE = "notebooks/data/co2_mauna_loa_monthly.csv"
CO2_COLUMNS = ("year", "month", "co2_ppm")


# --- data ------------------------------------------------------------------------------------

def load_co2(path: str | Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Monthly mean CO2 at Mauna Loa, January 1965 to December 2001 (444 months).

    Returns ``(time, co2)``: ``time (N,)`` in decimal years (mid-month), ``co2 (N,)`` in ppm.
    Source and licence: ``notebooks/data/README.md``.

    Raises TypeError when path is not a str, Path or None, FileNotFoundError when the file does not
    exist, ValueError when it lacks a column of ``CO2_COLUMNS``, has no data row, or a row has a
    non-integer year or month, a month outside 1..12 or a non-finite co2_ppm.
    """
    if path is None:
        path = find_root() / CO2_FILE
    check_type(path, "path", (str, Path), "a file path (str or pathlib.Path) or None")
    with open(path, encoding="utf-8") as handle:
        reader = csv.DictReader(line for line in handle if not line.startswith("#"))
        missing = [c for c in CO2_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path}: expected the columns {', '.join(CO2_COLUMNS)}, "
                             f"got {reader.fieldnames}")
        rows = list(reader)
    if not rows:
        raise ValueError(f"{path}: expected at least one data row, got none")
    try:
        year = np.array([int(r["year"]) for r in rows])
        month = np.array([int(r["month"]) for r in rows])
        co2 = np.array([float(r["co2_ppm"]) for r in rows])
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{path}: expected integer year and month and a number co2_ppm in every row ({exc})") \
            from None
    if not (np.all((month >= 1) & (month <= 12)) and np.all(np.isfinite(co2))):
        raise ValueError(f"{path}: expected months 1..12 and finite co2_ppm values")
    return year + (month - 0.5) / 12, co2


# --- input checks shared by this module ---------------------------------------------------------

def _series(y, name: str = "y", min_len: int = 1) -> np.ndarray:
    """A 1-D array of finite real numbers (not bool), as float64, with at least ``min_len`` values."""
    y = numeric_array(y, name, ndim=1)
    if len(y) < min_len:
        raise ValueError(f"{name} has length {len(y)}: expected at least {min_len} value(s)")
    return y


def _span(y: np.ndarray, start, stop, lag: int, name: str = "y", why: str = "") -> tuple[int, int]:
    """start, stop as ints with ``lag <= start <= stop <= len(y)``; ``why`` names what sets the lag."""
    start, stop = check_int(start, "start"), check_int(stop, "stop")
    if not (lag <= start <= stop <= len(y)):
        because = f" ({why})" if why else ""
        raise ValueError(f"start={start}, stop={stop} with a lag of {lag}{because} on {name} of length {len(y)}: "
                         f"expected {lag} <= start <= stop <= {len(y)}")
    return start, stop


def _pair(y_true, y_pred) -> tuple[np.ndarray, np.ndarray]:
    """Two 1-D arrays of the same length >= 1 (no broadcasting between them)."""
    y_true = numeric_array(y_true, "y_true", ndim=1, min_size=1)
    y_pred = numeric_array(y_pred, "y_pred", ndim=1, min_size=1)
    if y_pred.shape != y_true.shape:
        raise ValueError(f"y_pred has shape {y_pred.shape} but y_true has shape {y_true.shape}: "
                         f"expected the same shape {y_true.shape}")
    return y_true, y_pred


def _rng(rng) -> np.random.Generator:
    return check_type(rng, "rng", np.random.Generator, "a numpy.random.Generator (np.random.default_rng(seed))")


def _callable(fn, name: str):
    if not callable(fn):
        raise TypeError(f"{name} must be a function, got {type(fn).__name__}")
    return fn


# --- windows and scaling -----------------------------------------------------------------------

def make_windows(y, window: int, horizon: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """All (input, target) pairs of a series: ``X[i] = y[i : i+window]``,
    ``Y[i] = y[i+window : i+window+horizon]``.

    y: (N,) -> X: (N - window - horizon + 1, window), Y: (N - window - horizon + 1, horizon).

    Raises TypeError when y is not numbers or window / horizon not an integer; ValueError when y is
    not 1-D and finite, window or horizon < 1, or window + horizon > N.
    """
    y = _series(y)
    window, horizon = check_int(window, "window", minimum=1), check_int(horizon, "horizon", minimum=1)
    if window + horizon > len(y):
        raise ValueError(f"window={window}, horizon={horizon} on a series of length {len(y)}: "
                         f"expected window, horizon >= 1 and window + horizon <= {len(y)}")
    n = len(y) - window - horizon + 1
    idx = np.arange(n)[:, None]
    return y[idx + np.arange(window)], y[idx + window + np.arange(horizon)]


@dataclass(frozen=True)
class Scaler:
    """Standardisation z = (x - mean) / std, with mean and std fitted on the training split only
    (in the series' unit, e.g. ppm).

    Raises TypeError when mean or std is not a number, ValueError for nan, inf or std <= 0.
    """

    mean: float
    std: float

    def __post_init__(self):
        object.__setattr__(self, "mean", check_number(self.mean, "mean"))
        object.__setattr__(self, "std", check_number(self.std, "std", low=0, low_open=True))

    @classmethod
    def fit(cls, train) -> "Scaler":
        """The mean and standard deviation of ``train (N,)``, N >= 2.

        Raises TypeError when train is not numbers, ValueError when it is not 1-D and finite, has
        fewer than two values or is constant.
        """
        train = _series(train, "train", min_len=2)
        std = float(train.std())
        if not std > 0:
            raise ValueError(f"train has standard deviation {std}: expected a non-constant series")
        return cls(float(train.mean()), std)

    def transform(self, x) -> np.ndarray:
        """(x - mean) / std for x of any shape (same shape back).

        Raises TypeError when x is not numbers, ValueError when it holds nan or inf.
        """
        return (numeric_array(x, "x") - self.mean) / self.std

    def inverse(self, z) -> np.ndarray:
        """z * std + mean for z of any shape (same shape back).

        Raises TypeError when z is not numbers, ValueError when it holds nan or inf.
        """
        return numeric_array(z, "z") * self.std + self.mean


# --- classical forecasts: naive, seasonal naive, trend + season ---------------------------------

def naive_forecast(y, start: int, stop: int) -> np.ndarray:
    """One-step naive forecast: yhat_t = y_{t-1} for t in [start, stop). y (N,) -> (stop - start,).

    Raises TypeError when y is not numbers or start / stop not an integer; ValueError when y is not
    1-D and finite or not 1 <= start <= stop <= N.
    """
    return seasonal_naive_forecast(y, start, stop, season=1)


def seasonal_naive_forecast(y, start: int, stop: int, season: int = 12) -> np.ndarray:
    """One-step seasonal-naive forecast: yhat_t = y_{t-season} for t in [start, stop).
    y (N,) -> (stop - start,).

    Raises TypeError when y is not numbers or start, stop, season not an integer; ValueError when y
    is not 1-D and finite, season < 1 or not season <= start <= stop <= N.
    """
    y = _series(y)
    season = check_int(season, "season", minimum=1)
    start, stop = _span(y, start, stop, season, why=f"season={season}")
    return y[start - season:stop - season].copy()


def seasonal_difference_forecast(y, start: int, stop: int, season: int = 12) -> np.ndarray:
    """One-step seasonal naive on the differences: the change into t is the change into t - season,

    yhat_t = y_{t-1} + (y_{t-season} - y_{t-season-1}) = y_{t-season} + (y_{t-1} - y_{t-season-1}),

    i.e. also "same month last year plus the growth of the last twelve months", for t in [start, stop).
    y (N,) -> (stop - start,).

    Raises TypeError when y is not numbers or start, stop, season not an integer; ValueError when y
    is not 1-D and finite, season < 1 or not season + 1 <= start <= stop <= N.
    """
    y = _series(y)
    season = check_int(season, "season", minimum=1)
    start, stop = _span(y, start, stop, season + 1, why=f"season + 1, season={season}")
    return y[start - 1:stop - 1] + y[start - season:stop - season] - y[start - season - 1:stop - season - 1]


def seasonal_naive_path(history, horizon: int, season: int = 12, drift: float = 0.0) -> np.ndarray:
    """Multi-step seasonal naive from the end of ``history (N,)``: repeat its last season, raised
    by ``season * drift`` for every season ahead (drift: the growth per step; 0 = plain repeat).

    Returns (horizon,): yhat_{N-1+k} = y_{N-1+k-season*m} + m * season * drift, m = ceil(k/season).
    With ``drift = (y_{N-1} - y_{N-1-season}) / season`` this is the seasonal naive on the
    differences run recursively.

    Raises TypeError when history or drift is not numbers or horizon / season not an integer;
    ValueError when history is not 1-D and finite or shorter than ``season``, horizon or season < 1,
    or drift is nan or inf.
    """
    history = _series(history, "history")
    horizon = check_int(horizon, "horizon", minimum=1)
    season = check_int(season, "season", minimum=1)
    drift = check_number(drift, "drift")
    if len(history) < season:
        raise ValueError(f"history has length {len(history)}: expected at least one season ({season} values)")
    m = np.ceil(np.arange(1, horizon + 1) / season)
    return np.resize(history[-season:], horizon) + m * season * drift


MAX_DEGREE = 3  # higher powers of raw time steps overflow the fit's conditioning and extrapolate wildly


def trend_season_design(t, season: int = 12, degree: int = 1) -> np.ndarray:
    """Design matrix (len(t), degree + season): 1, t, ..., t^degree, then one indicator per
    season except the first. t: (n,) integer time steps; degree 0..MAX_DEGREE.

    Raises TypeError when t is not integers or season / degree not an integer; ValueError when t is
    not 1-D, season < 1 or degree outside 0..MAX_DEGREE.
    """
    season = check_int(season, "season", minimum=1)
    degree = check_int(degree, "degree", minimum=0, maximum=MAX_DEGREE)
    t = numeric_array(t, "t", ndim=1, dtype=None)
    if t.dtype.kind not in "iu":
        raise TypeError(f"t has dtype {t.dtype}: expected integer time steps")
    phase = t % season
    powers = [t.astype(float) ** k for k in range(degree + 1)]
    return np.column_stack(powers + [(phase == k).astype(float) for k in range(1, season)])


def fit_trend_season(y_train, season: int = 12, degree: int = 1) -> np.ndarray:
    """Least-squares polynomial trend (``degree`` 1: a line, 2: a parabola) + seasonal offsets on
    y_train (N,), time steps 0..N-1: returns the coefficients (degree + season,).

    Raises TypeError when y_train is not numbers or season / degree not an integer; ValueError when
    y_train is not 1-D and finite or has fewer than season + degree values, season < 1 or degree
    outside 0..MAX_DEGREE.
    """
    season = check_int(season, "season", minimum=1)
    degree = check_int(degree, "degree", minimum=0, maximum=MAX_DEGREE)
    y_train = _series(y_train, "y_train")
    need = max(season + degree, 1)
    if len(y_train) < need:
        raise ValueError(f"y_train has length {len(y_train)}: expected at least season + degree = {need} "
                         f"values to fit {degree + season} coefficients")
    coef, *_ = np.linalg.lstsq(trend_season_design(np.arange(len(y_train)), season, degree), y_train, rcond=None)
    return coef


def trend_season_forecast(coef, start: int, stop: int, season: int = 12) -> np.ndarray:
    """The fitted trend + season evaluated at t in [start, stop) (needs no recent values); the
    trend's degree is read from ``len(coef) = degree + season``. coef (degree + season,) -> (stop - start,).

    Raises TypeError when coef is not numbers or start, stop, season not an integer; ValueError when
    coef is not 1-D and finite with season..season + MAX_DEGREE values, season < 1, start < 0 or
    stop < start.
    """
    season = check_int(season, "season", minimum=1)
    coef = numeric_array(coef, "coef", ndim=1)
    if not season <= len(coef) <= season + MAX_DEGREE:
        raise ValueError(f"coef has length {len(coef)}: expected degree + season, between {season} and "
                         f"{season + MAX_DEGREE} (from fit_trend_season with season={season})")
    start, stop = check_int(start, "start", minimum=0), check_int(stop, "stop")
    if stop < start:
        raise ValueError(f"stop={stop}: expected stop >= start = {start}")
    return trend_season_design(np.arange(start, stop), season, len(coef) - season) @ coef


# --- forecasting differences with any model -----------------------------------------------------

def _predict_checked(predict, Z: np.ndarray) -> np.ndarray:
    out = numeric_array(predict(Z), "the output of predict", dtype=float)
    if out.shape not in ((len(Z),), (len(Z), 1)):
        raise ValueError(f"predict returned shape {out.shape} for windows of shape {Z.shape}: "
                         f"expected ({len(Z)},) or ({len(Z)}, 1), one forecast per window")
    return out.reshape(len(Z))


def level_forecasts(y, start: int, stop: int, window: int, scaler: Scaler, predict) -> np.ndarray:
    """One-step forecasts of the levels y_t, t in [start, stop), by a model of the scaled differences.

    z_s = (y_s - y_{s-1} - mean) / std; ``predict(Z)`` maps windows Z (n, window) of z to (n,)
    forecasts of the next z; then yhat_t = y_{t-1} + std * zhat_t + mean. y (N,) -> (stop - start,).

    Raises TypeError when y is not numbers, scaler not a Scaler, predict not a function or window,
    start, stop not an integer; ValueError when y is not 1-D and finite, window < 1, not
    window + 1 <= start <= stop <= N, or predict returns anything but (n,) or (n, 1) finite numbers.
    """
    y = _series(y)
    window = check_int(window, "window", minimum=1)
    check_type(scaler, "scaler", Scaler, "a series.Scaler")
    _callable(predict, "predict")
    start, stop = _span(y, start, stop, window + 1, why=f"window + 1, window={window}")
    if stop == start:
        return np.zeros(0)
    z = scaler.transform(np.diff(y))  # z[s-1] is the difference ending at step s
    Z = np.stack([z[t - 1 - window:t - 1] for t in range(start, stop)])
    return y[start - 1:stop - 1] + scaler.inverse(_predict_checked(predict, Z))


def recursive_level_forecast(history, horizon: int, window: int, scaler: Scaler, predict) -> np.ndarray:
    """Multi-step forecast of the ``horizon`` levels after ``history (N,)``: each predicted
    difference is appended to the window and fed back in. Returns (horizon,).

    Raises TypeError when history is not numbers, scaler not a Scaler, predict not a function or
    horizon / window not an integer; ValueError when history is not 1-D and finite or has fewer
    than window + 1 values, horizon or window < 1, or predict returns anything but (1,) or (1, 1)
    finite numbers for a window (1, window).
    """
    history = _series(history, "history")
    horizon = check_int(horizon, "horizon", minimum=1)
    window = check_int(window, "window", minimum=1)
    check_type(scaler, "scaler", Scaler, "a series.Scaler")
    _callable(predict, "predict")
    if len(history) < window + 1:
        raise ValueError(f"history has length {len(history)}: expected at least window + 1 = {window + 1} "
                         f"values ({window} differences)")
    z = list(scaler.transform(np.diff(history))[-window:])
    level, out = history[-1], []
    for _ in range(horizon):
        z_next = float(_predict_checked(predict, np.array(z[-window:])[None, :])[0])
        z.append(z_next)
        level = level + float(scaler.inverse(z_next))
        out.append(level)
    return np.array(out)


# --- metrics -----------------------------------------------------------------------------------

def mae(y_true, y_pred) -> float:
    """Mean absolute error: (1/n) sum |y - yhat| for y_true, y_pred (n,), in the series' unit.

    Raises TypeError when either is not numbers, ValueError unless both are 1-D, finite, non-empty
    and of the same shape.
    """
    y_true, y_pred = _pair(y_true, y_pred)
    return float(np.mean(np.abs(y_true - y_pred)))


def rmse(y_true, y_pred) -> float:
    """Root mean squared error: sqrt((1/n) sum (y - yhat)^2) for y_true, y_pred (n,), in the series' unit.

    Raises TypeError when either is not numbers, ValueError unless both are 1-D, finite, non-empty
    and of the same shape.
    """
    y_true, y_pred = _pair(y_true, y_pred)
    return float(np.sqrt(np.mean((y_true - y_pred) ** 2)))


def metrics_table(y_true, forecasts: dict, digits: int = 2, unit: str = "") -> str:
    """A Markdown table of MAE and RMSE, one row per named forecast, best MAE first; y_true (n,),
    each forecast (n,); ``unit`` (e.g. "ppm") goes into the column headers.

    Raises TypeError when forecasts is not a dict, a name or unit not a string or digits not an
    integer; ValueError when forecasts is empty or digits outside 0..15; a forecast that fails
    :func:`mae`'s checks raises its error, prefixed with ``forecasts[name]``.
    """
    check_type(forecasts, "forecasts", dict, "a dict {name: forecast array}")
    if not forecasts:
        raise ValueError("forecasts is empty: expected at least one {name: forecast array} entry")
    digits = check_int(digits, "digits", minimum=0, maximum=15)
    unit = check_str(unit, "unit")
    rows = []
    for name, f in forecasts.items():
        check_str(name, "a forecast's name")
        try:
            rows.append((mae(y_true, f), rmse(y_true, f), name))
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"forecasts[{name!r}]: {exc}") from None
    rows.sort()
    u = f" ({unit})" if unit else ""
    lines = [f"| forecast | MAE{u} | RMSE{u} |", "|---|---|---|"]
    lines += [f"| {name} | {a:.{digits}f} | {r:.{digits}f} |" for a, r, name in rows]
    return "\n".join(lines)


# --- anomalies ---------------------------------------------------------------------------------

def inject_spikes(y, count: int, low: float, high: float, start: int, stop: int, rng,
                  min_gap: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Add ``count`` spikes of size U(low, high) with a random sign at distinct steps in
    [start, stop), at least ``min_gap`` steps apart. y (N,) -> (corrupted copy (N,), sorted positions (count,)).

    Raises TypeError when y is not numbers, rng not a numpy Generator, low / high not a number or
    another argument not an integer; ValueError when y is not 1-D and finite, count or min_gap < 1,
    low < 0, high < low, not 0 <= start <= stop <= N, or the spikes do not fit (also after 1000 draws).
    """
    y = _series(y)
    count = check_int(count, "count", minimum=1)
    low = check_number(low, "low", low=0)
    high = check_number(high, "high", low=low)
    start, stop = _span(y, start, stop, 0)
    rng = _rng(rng)
    min_gap = check_int(min_gap, "min_gap", minimum=1)
    if (count - 1) * min_gap + 1 > stop - start:
        raise ValueError(f"could not place {count} spikes {min_gap} steps apart in [{start}, {stop}): "
                         f"expected stop - start >= (count - 1) * min_gap + 1 = {(count - 1) * min_gap + 1}")
    candidates = np.arange(start, stop)
    for _ in range(1000):
        pos = np.sort(rng.choice(candidates, size=count, replace=False))
        if count < 2 or np.diff(pos).min() >= min_gap:
            break
    else:
        raise ValueError(f"could not place {count} spikes {min_gap} steps apart in [{start}, {stop}) "
                         f"in 1000 random draws: expected a wider span or a smaller count or min_gap")
    out = y.copy()
    out[pos] += rng.uniform(low, high, count) * rng.choice([-1.0, 1.0], count)
    return out, pos


def flag_anomalies(errors, threshold: float, start: int = 0) -> np.ndarray:
    """Alarms where |errors| > threshold; a run of consecutive exceedances is one alarm at its first step.

    errors: (n,) one-step forecast errors of the steps start, ..., start + n - 1. A spike at t
    also spoils the forecast of t + 1 (y_t is that forecast's starting point), so the two
    exceedances it causes count once. Returns the alarm positions (absolute steps, sorted), (k,).

    Raises TypeError when errors is not numbers or threshold / start of the wrong type; ValueError
    when errors is not 1-D and finite, threshold < 0 (or nan, inf) or start < 0.
    """
    errors = _series(errors, "errors", min_len=0)
    threshold = check_number(threshold, "threshold", low=0)
    start = check_int(start, "start", minimum=0)
    over = np.abs(errors) > threshold
    first = over & ~np.r_[False, over[:-1]]
    return start + np.flatnonzero(first)


def _steps(a, name: str) -> np.ndarray:
    """A 1-D list or array of integer time steps (an empty list is allowed)."""
    if isinstance(a, (str, bytes, dict)) or a is None:
        raise TypeError(f"{name} must be a list or 1-D array of integer time steps, got {type(a).__name__}")
    try:
        arr = np.asarray(a)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{name} must be a flat list of integer time steps ({exc})") from None
    if arr.ndim != 1:
        raise ValueError(f"{name} has shape {arr.shape}: expected a 1-D list of integer time steps")
    if arr.size and arr.dtype.kind not in "iu":
        raise TypeError(f"{name} has dtype {arr.dtype}: expected integer time steps")
    return arr.astype(np.int64)


def precision_recall(flagged, true_positions) -> tuple[float, float]:
    """precision = |flagged ∩ true| / |flagged|, recall = |flagged ∩ true| / |true| (0 if empty);
    flagged, true_positions: lists or 1-D arrays of integer time steps.

    Raises TypeError when either is not a list or array of integers, ValueError when it is not flat.
    """
    flagged, true = set(_steps(flagged, "flagged").tolist()), set(_steps(true_positions, "true_positions").tolist())
    hits = len(flagged & true)
    return (hits / len(flagged) if flagged else 0.0), (hits / len(true) if true else 0.0)


# --- random walks ------------------------------------------------------------------------------

def random_walk(n: int, rng, sigma: float = 1.0, start: float = 100.0) -> np.ndarray:
    """y_t = y_{t-1} + sigma * eps_t, eps_t ~ N(0, 1), the first step from ``start``: returns (n,).

    Raises TypeError when n is not an integer, rng not a numpy Generator or sigma / start not a
    number; ValueError for n < 1, sigma < 0, or a sigma or start that is nan or inf.
    """
    n = check_int(n, "n", minimum=1)
    rng = _rng(rng)
    sigma = check_number(sigma, "sigma", low=0)
    start = check_number(start, "start")
    return start + np.cumsum(sigma * rng.standard_normal(n))


def autocorrelation(x, max_lag: int) -> np.ndarray:
    """Sample autocorrelation r_k = sum (x_t - m)(x_{t+k} - m) / sum (x_t - m)^2 for k = 1..max_lag,
    m the mean of x: x (N,) -> (max_lag,).

    Raises TypeError when x is not numbers or max_lag not an integer; ValueError when x is not 1-D
    and finite, has fewer than two values or is constant, or max_lag is outside 1..N-1.
    """
    x = _series(x, "x", min_len=2)
    max_lag = check_int(max_lag, "max_lag", minimum=1, maximum=len(x) - 1)
    x = x - x.mean()
    denom = float(x @ x)
    if not denom > 0:
        raise ValueError("x is constant: expected a series that varies (its autocorrelation is undefined)")
    return np.array([float(x[:-k] @ x[k:]) / denom for k in range(1, max_lag + 1)])
