"""Time series for Chapter 8: the CO2 data, windows, scaling, baselines, metrics and anomalies.

Conventions: a series is a 1-D NumPy array ``y: (N,)`` indexed by time step t. Forecasts of the
steps ``t in [start, stop)`` are arrays of shape ``(stop - start,)``. Every baseline here uses
only values strictly before the step it forecasts.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

CO2_FILE = "notebooks/data/co2_mauna_loa_monthly.csv"


# --- data ------------------------------------------------------------------------------------

def load_co2(path: str | Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Monthly mean CO2 at Mauna Loa, January 1965 to December 2001 (444 months).

    Returns ``(time, co2)``: ``time (N,)`` in decimal years (mid-month), ``co2 (N,)`` in ppm.
    Source and licence: ``notebooks/data/README.md``.
    """
    if path is None:
        from .course import find_root
        path = find_root() / CO2_FILE
    with open(path, encoding="utf-8") as handle:
        rows = list(csv.DictReader(line for line in handle if not line.startswith("#")))
    year = np.array([int(r["year"]) for r in rows])
    month = np.array([int(r["month"]) for r in rows])
    co2 = np.array([float(r["co2_ppm"]) for r in rows])
    return year + (month - 0.5) / 12, co2


def _series(y, name: str = "y") -> np.ndarray:
    y = np.asarray(y)
    if y.ndim != 1 or y.dtype.kind not in "biuf":
        raise ValueError(f"{name} has shape {y.shape} and dtype {y.dtype}: expected a 1-D numeric array (N,)")
    return y.astype(float)


def _span(y: np.ndarray, start: int, stop: int, lag: int) -> None:
    if not (lag <= start <= stop <= len(y)):
        raise ValueError(f"start={start}, stop={stop} with a lag of {lag} on a series of length {len(y)}: "
                         f"expected {lag} <= start <= stop <= {len(y)}")


# --- windows and scaling -----------------------------------------------------------------------

def make_windows(y, window: int, horizon: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """All (input, target) pairs of a series: ``X[i] = y[i : i+window]``,
    ``Y[i] = y[i+window : i+window+horizon]``.

    y: (N,) -> X: (N - window - horizon + 1, window), Y: (N - window - horizon + 1, horizon).
    """
    y = _series(y)
    if window < 1 or horizon < 1 or window + horizon > len(y):
        raise ValueError(f"window={window}, horizon={horizon} on a series of length {len(y)}: "
                         f"expected window, horizon >= 1 and window + horizon <= {len(y)}")
    n = len(y) - window - horizon + 1
    idx = np.arange(n)[:, None]
    return y[idx + np.arange(window)], y[idx + window + np.arange(horizon)]


@dataclass(frozen=True)
class Scaler:
    """Standardisation z = (x - mean) / std, with mean and std fitted on the training split only."""

    mean: float
    std: float

    @classmethod
    def fit(cls, train) -> "Scaler":
        train = _series(train, "train")
        std = float(train.std())
        if not std > 0:
            raise ValueError(f"train has standard deviation {std}: expected a non-constant series")
        return cls(float(train.mean()), std)

    def transform(self, x) -> np.ndarray:
        return (np.asarray(x, dtype=float) - self.mean) / self.std

    def inverse(self, z) -> np.ndarray:
        return np.asarray(z, dtype=float) * self.std + self.mean


# --- baselines ---------------------------------------------------------------------------------

def naive_forecast(y, start: int, stop: int) -> np.ndarray:
    """One-step naive forecast: yhat_t = y_{t-1} for t in [start, stop)."""
    return seasonal_naive_forecast(y, start, stop, season=1)


def seasonal_naive_forecast(y, start: int, stop: int, season: int = 12) -> np.ndarray:
    """One-step seasonal-naive forecast: yhat_t = y_{t-season} for t in [start, stop)."""
    y = _series(y)
    _span(y, start, stop, season)
    return y[start - season:stop - season].copy()


def seasonal_naive_path(history, horizon: int, season: int = 12) -> np.ndarray:
    """Multi-step seasonal naive from the end of ``history (N,)``: repeat its last season.
    Returns (horizon,): yhat_{N+k} = y_{N+k-season*ceil((k+1)/season)}."""
    history = _series(history, "history")
    _span(history, season, season, season)
    last = history[-season:]
    return np.resize(last, horizon)


def trend_season_design(t, season: int = 12) -> np.ndarray:
    """Design matrix (len(t), 2 + season - 1): intercept, t, one indicator per season except the first."""
    t = np.asarray(t)
    phase = t % season
    return np.column_stack([np.ones(len(t)), t] + [(phase == k).astype(float) for k in range(1, season)])


def fit_trend_season(y_train, season: int = 12) -> np.ndarray:
    """Least-squares linear trend + seasonal means on y_train (N,): returns the coefficients."""
    y_train = _series(y_train, "y_train")
    coef, *_ = np.linalg.lstsq(trend_season_design(np.arange(len(y_train)), season), y_train, rcond=None)
    return coef


def trend_season_forecast(coef, start: int, stop: int, season: int = 12) -> np.ndarray:
    """The fitted trend + season evaluated at t in [start, stop) (needs no recent values)."""
    return trend_season_design(np.arange(start, stop), season) @ coef


def fit_linear(X, Y) -> np.ndarray:
    """Least-squares linear autoregression with bias: X (N, W), Y (N,) -> coef (W + 1,)."""
    X = np.asarray(X, dtype=float)
    coef, *_ = np.linalg.lstsq(np.column_stack([X, np.ones(len(X))]), np.asarray(Y, dtype=float).ravel(),
                               rcond=None)
    return coef


def linear_predict(coef, X) -> np.ndarray:
    """X (N, W) -> (N,)."""
    X = np.asarray(X, dtype=float)
    return X @ coef[:-1] + coef[-1]


# --- forecasting differences with any model -----------------------------------------------------

def level_forecasts(y, start: int, stop: int, window: int, scaler: Scaler, predict) -> np.ndarray:
    """One-step forecasts of the levels y_t, t in [start, stop), by a model of the scaled differences.

    z_s = (y_s - y_{s-1} - mean) / std; ``predict(Z)`` maps windows Z (n, window) of z to (n,)
    forecasts of the next z; then yhat_t = y_{t-1} + std * zhat_t + mean.
    """
    y = _series(y)
    _span(y, start, stop, window + 1)
    z = scaler.transform(np.diff(y))  # z[s-1] is the difference ending at step s
    Z = np.stack([z[t - 1 - window:t - 1] for t in range(start, stop)])
    return y[start - 1:stop - 1] + scaler.inverse(predict(Z))


def recursive_level_forecast(history, horizon: int, window: int, scaler: Scaler, predict) -> np.ndarray:
    """Multi-step forecast of the ``horizon`` levels after ``history (N,)``: each predicted
    difference is appended to the window and fed back in. Returns (horizon,)."""
    history = _series(history, "history")
    _span(history, window + 1, window + 1, window + 1)
    z = list(scaler.transform(np.diff(history))[-window:])
    level, out = history[-1], []
    for _ in range(horizon):
        z_next = float(np.asarray(predict(np.array(z[-window:])[None, :])).ravel()[0])
        z.append(z_next)
        level = level + float(scaler.inverse(z_next))
        out.append(level)
    return np.array(out)


# --- metrics -----------------------------------------------------------------------------------

def mae(y_true, y_pred) -> float:
    """Mean absolute error: (1/n) sum |y - yhat|."""
    return float(np.mean(np.abs(np.asarray(y_true, float) - np.asarray(y_pred, float))))


def rmse(y_true, y_pred) -> float:
    """Root mean squared error: sqrt((1/n) sum (y - yhat)^2)."""
    return float(np.sqrt(np.mean((np.asarray(y_true, float) - np.asarray(y_pred, float)) ** 2)))


def metrics_table(y_true, forecasts: dict, digits: int = 2, unit: str = "") -> str:
    """A Markdown table of MAE and RMSE, one row per named forecast, best MAE first."""
    rows = sorted(((mae(y_true, f), rmse(y_true, f), name) for name, f in forecasts.items()))
    u = f" ({unit})" if unit else ""
    lines = [f"| forecast | MAE{u} | RMSE{u} |", "|---|---|---|"]
    lines += [f"| {name} | {a:.{digits}f} | {r:.{digits}f} |" for a, r, name in rows]
    return "\n".join(lines)


# --- anomalies ---------------------------------------------------------------------------------

def inject_spikes(y, count: int, low: float, high: float, start: int, stop: int, rng,
                  min_gap: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Add ``count`` spikes of size U(low, high) with a random sign at distinct steps in
    [start, stop), at least ``min_gap`` steps apart. Returns (corrupted copy (N,), sorted positions)."""
    y = _series(y)
    candidates = np.arange(start, stop)
    for _ in range(1000):
        pos = np.sort(rng.choice(candidates, size=count, replace=False))
        if count < 2 or np.diff(pos).min() >= min_gap:
            break
    else:
        raise ValueError(f"could not place {count} spikes {min_gap} steps apart in [{start}, {stop})")
    out = y.copy()
    out[pos] += rng.uniform(low, high, count) * rng.choice([-1.0, 1.0], count)
    return out, pos


def flag_anomalies(errors, threshold: float, start: int = 0) -> np.ndarray:
    """Alarms where |errors| > threshold; a run of consecutive exceedances is one alarm at its first step.

    errors: (n,) one-step forecast errors of the steps start, ..., start + n - 1. A spike at t
    also spoils the forecast of t + 1 (y_t is that forecast's starting point), so the two
    exceedances it causes count once. Returns the alarm positions (absolute steps, sorted).
    """
    over = np.abs(np.asarray(errors, dtype=float)) > threshold
    first = over & ~np.r_[False, over[:-1]]
    return start + np.flatnonzero(first)


def precision_recall(flagged, true_positions) -> tuple[float, float]:
    """precision = |flagged ∩ true| / |flagged|, recall = |flagged ∩ true| / |true| (0 if empty)."""
    flagged, true = set(np.asarray(flagged).tolist()), set(np.asarray(true_positions).tolist())
    hits = len(flagged & true)
    return (hits / len(flagged) if flagged else 0.0), (hits / len(true) if true else 0.0)


# --- random walks ------------------------------------------------------------------------------

def random_walk(n: int, rng, sigma: float = 1.0, start: float = 100.0) -> np.ndarray:
    """y_t = y_{t-1} + sigma * eps_t, eps_t ~ N(0, 1): (n,)."""
    return start + np.cumsum(sigma * rng.standard_normal(n))


def autocorrelation(x, max_lag: int) -> np.ndarray:
    """Sample autocorrelation r_k = sum (x_t - m)(x_{t+k} - m) / sum (x_t - m)^2 for k = 1..max_lag."""
    x = _series(x, "x") - np.mean(x)
    denom = float(x @ x)
    return np.array([float(x[:-k] @ x[k:]) / denom for k in range(1, max_lag + 1)])


# --- PyTorch glue shared by Chapters 8 and 9 -----------------------------------------------------

def array_batch_fn(X, Y, batch_size: int):
    """A ``batch_fn(step, rng)`` for :func:`course_utils.training.train` drawing random rows of
    fixed arrays: X (N, T) or (N, T, D) floats (a missing D becomes 1), Y (N,) int labels or
    (N, k) float targets. Batches are (B, T, D) float32 and (B,) int64 / (B, k) float32 tensors."""
    import torch
    X = np.asarray(X)
    Xt = torch.tensor(X[..., None] if X.ndim == 2 else X, dtype=torch.float32)
    Y = np.asarray(Y)
    Yt = torch.tensor(Y, dtype=torch.int64) if Y.dtype.kind in "iu" else torch.tensor(Y, dtype=torch.float32)
    if len(Xt) != len(Yt):
        raise ValueError(f"X has {len(Xt)} rows but Y has {len(Yt)}: expected the same number")

    def batch_fn(step, rng):
        rows = torch.randint(0, len(Xt), (min(batch_size, len(Xt)),), generator=rng)
        return Xt[rows], Yt[rows]

    return batch_fn


def predict_numpy(model, X) -> np.ndarray:
    """Run ``model`` in eval mode on X (N, T) or (N, T, D) and return its output as a NumPy array
    (a trailing output dimension of size 1 is dropped: (N, 1) -> (N,))."""
    import torch
    X = np.asarray(X)
    Xt = torch.tensor(X[..., None] if X.ndim == 2 else X, dtype=torch.float32)
    device = next(model.parameters()).device
    model.eval()
    with torch.no_grad():
        out = model(Xt.to(device)).cpu().numpy()
    return out[..., 0] if out.shape[-1] == 1 else out
