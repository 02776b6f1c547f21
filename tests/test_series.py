"""course_utils.series: the CO2 file, windows, scaling, baselines, metrics and anomaly tools."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from course_utils import series as S

EXACT = 1e-12
LOOSE = 1e-9
AUTOCORR_NOISE = 0.1  # |r_k| of 2000 white-noise samples stays well below this


def test_co2_file_has_444_monthly_rows_in_a_plausible_range():
    t, y = S.load_co2()
    assert t.shape == y.shape == (444,)
    assert np.allclose(np.diff(t), 1 / 12)
    assert t[0] == pytest.approx(1965 + 0.5 / 12) and t[-1] == pytest.approx(2001 + 11.5 / 12)
    assert 315 < y.min() < 320 and 370 < y.max() < 375
    assert y[-12:].mean() > y[:12].mean() + 50          # the well-known rise


@pytest.mark.parametrize("N, window, horizon", [(10, 3, 1), (30, 6, 1), (25, 5, 3), (4, 3, 1)])
def test_make_windows_pairs_each_window_with_the_values_right_after_it(N, window, horizon):
    y = np.arange(N, dtype=float)
    X, Y = S.make_windows(y, window, horizon)
    n = N - window - horizon + 1
    assert X.shape == (n, window) and Y.shape == (n, horizon)
    for i in range(n):
        assert np.array_equal(X[i], y[i:i + window])
        assert np.array_equal(Y[i], y[i + window:i + window + horizon])


def test_make_windows_rejects_a_window_longer_than_the_series():
    with pytest.raises(ValueError, match="window=5, horizon=1 on a series of length 5"):
        S.make_windows(np.arange(5.0), 5)


def test_scaler_standardises_the_training_split_and_inverts_exactly():
    rng = np.random.default_rng(0)
    train, test = 3 + 2 * rng.standard_normal(200), 10 + rng.standard_normal(50)
    sc = S.Scaler.fit(train)
    z = sc.transform(train)
    assert abs(z.mean()) < LOOSE and abs(z.std() - 1) < LOOSE
    assert np.allclose(sc.inverse(sc.transform(test)), test, atol=LOOSE)
    assert sc.transform(test).mean() > 2                # the test split is NOT re-centred


def test_scaler_refuses_a_constant_training_split():
    with pytest.raises(ValueError, match="standard deviation"):
        S.Scaler.fit(np.ones(10))


def test_naive_and_seasonal_naive_copy_the_lagged_value():
    y = np.arange(30.0) ** 1.5
    assert np.array_equal(S.seasonal_naive_forecast(y, 12, 30, 12), y[0:18])
    assert np.array_equal(S.naive_forecast(y, 5, 30), y[4:29])
    with pytest.raises(ValueError, match="start=3"):
        S.seasonal_naive_forecast(y, 3, 10, 12)


def test_seasonal_naive_path_repeats_the_last_season():
    history = np.arange(24.0)
    assert np.array_equal(S.seasonal_naive_path(history, 30, 12), np.tile(np.arange(12.0, 24.0), 3)[:30])


def test_trend_season_fit_recovers_an_exact_trend_plus_season():
    t = np.arange(60)
    season = np.array([0, 1, 3, 2, 0, -1, -2, -3, -1, 0, 1, 0], dtype=float)
    y = 5 + 0.3 * t + season[t % 12]
    coef = S.fit_trend_season(y[:48])
    assert np.allclose(S.trend_season_forecast(coef, 48, 60), y[48:], atol=1e-8)


def test_linear_autoregression_recovers_its_coefficients():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((200, 4))
    Y = X @ np.array([0.5, -0.2, 0.1, 0.7]) + 0.3
    coef = S.fit_linear(X, Y)
    assert np.allclose(coef, [0.5, -0.2, 0.1, 0.7, 0.3], atol=1e-8)
    assert np.allclose(S.linear_predict(coef, X), Y, atol=1e-8)


def _quadratic():
    return 300 + 0.1 * np.arange(80) + 0.002 * np.arange(80) ** 2


def test_level_forecasts_with_a_perfect_difference_model_are_exact():
    y = _quadratic()
    d = np.diff(y)
    sc = S.Scaler.fit(d[:40])
    # the next difference of a quadratic is the last one plus the constant second difference
    perfect = lambda Z: Z[:, -1] + (d[1] - d[0]) / sc.std
    assert np.allclose(S.level_forecasts(y, 50, 80, 6, sc, perfect), y[50:], atol=1e-8)
    assert np.allclose(S.recursive_level_forecast(y[:50], 30, 6, sc, perfect), y[50:], atol=1e-8)


def test_level_forecasts_with_the_mean_difference_reduce_to_naive_plus_drift():
    y = _quadratic()
    sc = S.Scaler.fit(np.diff(y)[:40])
    zero = lambda Z: np.zeros(len(Z))
    assert np.allclose(S.level_forecasts(y, 50, 80, 6, sc, zero), y[49:79] + sc.mean, atol=1e-10)


@pytest.mark.parametrize("errors, mae, rmse", [([1, -2, 3], 2.0, np.sqrt(14 / 3)), ([0, 0], 0.0, 0.0),
                                                ([4], 4.0, 4.0)])
def test_mae_and_rmse_match_hand_computed_values(errors, mae, rmse):
    truth = np.array([10.0, 20.0, 30.0][:len(errors)])
    pred = truth - np.array(errors, dtype=float)
    assert S.mae(truth, pred) == pytest.approx(mae, abs=EXACT)
    assert S.rmse(truth, pred) == pytest.approx(rmse, abs=EXACT)


def test_metrics_table_lists_the_best_forecast_first():
    truth = np.zeros(4)
    table = S.metrics_table(truth, {"bad": np.ones(4), "good": 0.1 * np.ones(4)}, unit="ppm")
    lines = table.splitlines()
    assert lines[0] == "| forecast | MAE (ppm) | RMSE (ppm) |"
    assert lines[2].startswith("| good | 0.10 |") and lines[3].startswith("| bad | 1.00 |")


def test_inject_spikes_places_distinct_spaced_spikes_inside_the_span():
    rng = np.random.default_rng(3)
    y = np.zeros(100)
    out, pos = S.inject_spikes(y, 6, 2.0, 4.0, 50, 100, rng, min_gap=4)
    assert len(pos) == 6 and np.all(np.diff(pos) >= 4) and pos.min() >= 50 and pos.max() < 100
    assert np.all(np.abs(out[pos]) >= 2.0) and np.all(np.abs(out[pos]) <= 4.0)
    mask = np.ones(100, bool)
    mask[pos] = False
    assert np.all(out[mask] == 0) and np.all(y == 0)


def test_inject_spikes_says_when_they_cannot_fit():
    with pytest.raises(ValueError, match="could not place 5 spikes"):
        S.inject_spikes(np.zeros(20), 5, 1, 2, 0, 10, np.random.default_rng(0), min_gap=4)


def test_flag_anomalies_reports_one_alarm_per_run_of_exceedances():
    errors = np.array([0.1, 2.0, -1.9, 0.2, 0.0, 3.0, 0.1, -5.0])
    assert S.flag_anomalies(errors, 1.0, start=100).tolist() == [101, 105, 107]
    assert S.flag_anomalies(errors, 10.0).tolist() == []


@pytest.mark.parametrize("flagged, true, expected", [([3, 10, 17], [3, 10, 25, 40], (2 / 3, 0.5)),
                                                      ([], [1], (0.0, 0.0)), ([1, 2], [2, 1], (1.0, 1.0))])
def test_precision_recall_counts_hits_against_alarms_and_truths(flagged, true, expected):
    assert S.precision_recall(flagged, true) == pytest.approx(expected)


def test_returns_of_a_random_walk_are_uncorrelated_but_its_levels_are_not():
    y = S.random_walk(2000, np.random.default_rng(4))
    r = S.autocorrelation(np.diff(y), 12)
    assert r.shape == (12,) and np.all(np.abs(r) < AUTOCORR_NOISE)
    assert S.autocorrelation(y, 1)[0] > 0.9


def test_autocorrelation_of_a_seasonal_signal_peaks_at_its_period():
    x = np.sin(2 * np.pi * np.arange(240) / 12)
    r = S.autocorrelation(x, 12)
    assert np.argmax(r) == 11 and r[5] < -0.9


def test_array_batch_fn_and_predict_numpy_shapes():
    X, Y = np.random.default_rng(5).standard_normal((30, 7)), np.zeros((30, 1))
    batch_fn = S.array_batch_fn(X, Y, 8)
    inputs, targets = batch_fn(0, torch.Generator().manual_seed(0))
    assert inputs.shape == (8, 7, 1) and inputs.dtype == torch.float32 and targets.shape == (8, 1)
    labels = S.array_batch_fn(np.zeros((5, 3, 2)), np.arange(5), 10)(0, torch.Generator())[1]
    assert labels.dtype == torch.int64 and labels.shape == (5,)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(7, 1))
    assert S.predict_numpy(model, X).shape == (30,)
    with pytest.raises(ValueError, match="X has 30 rows but Y has 2"):
        S.array_batch_fn(X, np.zeros(2), 4)
