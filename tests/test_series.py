"""course_utils.data.series: the CO2 file, windows, scaling, classical forecasts, metrics and anomaly tools."""
from __future__ import annotations

import numpy as np
import pytest

from course_utils.data import series as S

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


# --- the baselines added for Chapter 8's honest comparison ----------------------------------------

def test_seasonal_difference_forecast_repeats_last_years_change():
    y = np.arange(40.0) ** 1.3
    got = S.seasonal_difference_forecast(y, 13, 40, 12)
    expected = [y[t - 1] + (y[t - 12] - y[t - 13]) for t in range(13, 40)]
    assert np.allclose(got, expected, atol=EXACT)
    # the same number read the other way: same month last year plus the last twelve months' growth
    assert np.allclose(got, [y[t - 12] + (y[t - 1] - y[t - 13]) for t in range(13, 40)], atol=LOOSE)
    # exact on a line plus a yearly cycle, which neither plain naive forecast is
    t = np.arange(60)
    line_season = 2 + 0.5 * t + np.sin(2 * np.pi * t / 12)
    assert np.allclose(S.seasonal_difference_forecast(line_season, 13, 60), line_season[13:], atol=1e-9)
    with pytest.raises(ValueError, match="start=12, stop=40 with a lag of 13"):
        S.seasonal_difference_forecast(y, 12, 40, 12)


def test_seasonal_naive_path_with_drift_raises_each_repeated_season():
    history = np.arange(24.0)
    path = S.seasonal_naive_path(history, 30, 12, drift=0.5)
    m = np.ceil(np.arange(1, 31) / 12)
    assert np.allclose(path, np.tile(np.arange(12.0, 24.0), 3)[:30] + 6 * m, atol=EXACT)
    # with the last season's growth as drift it equals the seasonal naive on differences, run recursively
    y = 300 + 0.1 * np.arange(60) + 0.001 * np.arange(60) ** 2 + np.cos(2 * np.pi * np.arange(60) / 12)
    d = list(np.diff(y))
    level, rec = y[-1], []
    for _ in range(30):
        d.append(d[-12])
        level += d[-1]
        rec.append(level)
    assert np.allclose(S.seasonal_naive_path(y, 30, 12, drift=(y[-1] - y[-13]) / 12), rec, atol=1e-9)


def test_quadratic_trend_season_fit_recovers_a_parabola_plus_season():
    t = np.arange(72)
    season = np.array([0, 1, 3, 2, 0, -1, -2, -3, -1, 0, 1, 0], dtype=float)
    y = 5 + 0.3 * t + 0.004 * t ** 2 + season[t % 12]
    coef = S.fit_trend_season(y[:48], degree=2)
    assert coef.shape == (14,)
    assert np.allclose(S.trend_season_forecast(coef, 48, 72), y[48:], atol=1e-7)
    line = S.fit_trend_season(y[:48], degree=1)
    assert np.abs(S.trend_season_forecast(line, 48, 72) - y[48:]).max() > 1   # a line cannot follow it


# --- bad inputs: a clear error naming the argument, never a traceback from NumPy or a silent result --

Y = np.arange(30.0) ** 1.2
SC = S.Scaler(0.0, 1.0)
ZERO = lambda Z: np.zeros(len(Z))
RNG = np.random.default_rng(0)

BAD_CALLS = [
    # (call, exception, pattern)
    (lambda: S.mae(Y, Y[:, None]), ValueError, r"y_pred has shape \(30, 1\): expected a 1-D array"),
    (lambda: S.mae(Y, Y[:-1]), ValueError, r"y_pred has shape \(29,\) but y_true has shape \(30,\)"),
    (lambda: S.rmse(Y[:, None], Y), ValueError, r"y_true has shape \(30, 1\)"),
    (lambda: S.mae([], []), ValueError, r"y_true has shape \(0,\): expected at least 1"),
    (lambda: S.mae(Y, np.full(30, np.nan)), ValueError, r"y_pred contains 30 non-finite"),
    (lambda: S.mae(Y, ["a"] * 30), TypeError, r"y_pred must be an array of real numbers"),
    (lambda: S.seasonal_naive_forecast(Y, 12, 30, 0), ValueError, r"season must be a.*integer, got 0"),
    (lambda: S.seasonal_naive_forecast(Y, 12, 30, -1), ValueError, r"season must be a.*integer, got -1"),
    (lambda: S.seasonal_naive_forecast(Y, 12, 30, 1.5), TypeError, r"season must be an integer, got float"),
    (lambda: S.seasonal_naive_forecast(Y, 12, 30, True), TypeError, r"season must be an integer, got bool"),
    (lambda: S.seasonal_naive_forecast(Y, 12.0, 30), TypeError, r"start must be an integer"),
    (lambda: S.seasonal_naive_forecast(Y, 12, 31), ValueError, r"start=12, stop=31 with a lag of 12"),
    (lambda: S.naive_forecast(Y, 0, 5), ValueError, r"start=0, stop=5 with a lag of 1"),
    (lambda: S.naive_forecast(Y[:, None], 1, 5), ValueError, r"y has shape \(30, 1\): expected a 1-D"),
    (lambda: S.naive_forecast(np.ones(5, bool), 1, 5), TypeError, r"y must be an array of real numbers, got dtype bool"),
    (lambda: S.seasonal_difference_forecast(Y, 13, 30, 0), ValueError, r"season must be a.*integer"),
    (lambda: S.seasonal_naive_path(Y, 0), ValueError, r"horizon must be a.*integer, got 0"),
    (lambda: S.seasonal_naive_path(Y[:5], 3, 12), ValueError, r"history has length 5: expected at least one season"),
    (lambda: S.seasonal_naive_path(Y, 3, 12, drift=np.inf), ValueError, r"drift must be a finite number"),
    (lambda: S.seasonal_naive_path(Y, 3, 12, drift="1"), TypeError, r"drift must be a real number"),
    (lambda: S.make_windows(Y, 0), ValueError, r"window must be a.*integer, got 0"),
    (lambda: S.make_windows(Y, 3, 0), ValueError, r"horizon must be a.*integer, got 0"),
    (lambda: S.make_windows(Y, 3.0), TypeError, r"window must be an integer, got float"),
    (lambda: S.make_windows("abc", 1), TypeError, r"y must be an array of numbers, got str"),
    (lambda: S.make_windows([[1, 2], [3]], 1), ValueError, r"y must be a rectangular array"),
    (lambda: S.Scaler.fit([1.0]), ValueError, r"train has length 1: expected at least 2"),
    (lambda: S.Scaler.fit(np.ones((3, 2))), ValueError, r"train has shape \(3, 2\)"),
    (lambda: S.Scaler(0.0, 0.0), ValueError, r"std must be in \(0, inf\], got 0.0"),
    (lambda: S.Scaler(np.nan, 1.0), ValueError, r"mean must be a finite number"),
    (lambda: S.Scaler(0.0, -1.0), ValueError, r"std must be in"),
    (lambda: SC.transform("x"), TypeError, r"x must be an array of numbers, got str"),
    (lambda: SC.inverse([np.nan]), ValueError, r"z contains 1 non-finite"),
    (lambda: S.trend_season_design(np.arange(5.0)), TypeError, r"t has dtype float64: expected integer"),
    (lambda: S.trend_season_design(np.arange(5), 0), ValueError, r"season must be a.*integer"),
    (lambda: S.trend_season_design(np.arange(5), 12, -1), ValueError, r"degree must be a.*integer"),
    (lambda: S.fit_trend_season(Y[:10], 12), ValueError, r"y_train has length 10: expected at least season \+ degree = 13"),
    (lambda: S.trend_season_forecast(np.ones(5), 0, 3, 12), ValueError, r"coef has length 5: expected degree \+ season, between 12 and 15"),
    (lambda: S.trend_season_design(np.arange(5), 12, 4), ValueError, r"degree must be an integer <= 3, got 4"),
    (lambda: S.seasonal_naive_forecast(Y, 12, 30, 40), ValueError, r"with a lag of 40 \(season=40\) on y of length 30"),
    (lambda: S.level_forecasts(Y, 20, 30, 25, SC, ZERO), ValueError, r"a lag of 26 \(window \+ 1, window=25\)"),
    (lambda: S.flag_anomalies([1.0], 0.5, start=-1), ValueError, r"start must be a.*integer, got -1"),
    (lambda: S.metrics_table(Y, {"a": Y}, digits=99), ValueError, r"digits must be an integer <= 15, got 99"),
    (lambda: S.trend_season_forecast(np.ones(13), 5, 3), ValueError, r"stop=3: expected stop >= start = 5"),
    (lambda: S.trend_season_forecast(np.ones(13), -1, 3), ValueError, r"start must be a.*integer, got -1"),
    (lambda: S.level_forecasts(Y, 10, 30, 12, SC, ZERO), ValueError, r"start=10, stop=30 with a lag of 13"),
    (lambda: S.level_forecasts(Y, 20, 30, 0, SC, ZERO), ValueError, r"window must be a.*integer"),
    (lambda: S.level_forecasts(Y, 20, 30, 5, (0.0, 1.0), ZERO), TypeError, r"scaler must be a series.Scaler, got tuple"),
    (lambda: S.level_forecasts(Y, 20, 30, 5, SC, 3), TypeError, r"predict must be a function, got int"),
    (lambda: S.level_forecasts(Y, 20, 30, 5, SC, lambda Z: np.zeros((len(Z), 2))), ValueError,
     r"predict returned shape \(10, 2\) for windows of shape \(10, 5\): expected \(10,\) or \(10, 1\)"),
    (lambda: S.level_forecasts(Y, 20, 30, 5, SC, lambda Z: np.zeros(1)), ValueError, r"predict returned shape \(1,\)"),
    (lambda: S.recursive_level_forecast(Y[:5], 3, 5, SC, ZERO), ValueError, r"history has length 5: expected at least window \+ 1 = 6"),
    (lambda: S.recursive_level_forecast(Y, 0, 5, SC, ZERO), ValueError, r"horizon must be a.*integer, got 0"),
    (lambda: S.recursive_level_forecast(Y, 3, 5, SC, lambda Z: np.full(1, np.nan)), ValueError,
     r"the output of predict contains 1 non-finite"),
    (lambda: S.metrics_table(Y, {}), ValueError, r"forecasts is empty"),
    (lambda: S.metrics_table(Y, [Y]), TypeError, r"forecasts must be a dict"),
    (lambda: S.metrics_table(Y, {"a": Y[:3]}), ValueError, r"forecasts\['a'\]: y_pred has shape \(3,\) but y_true"),
    (lambda: S.metrics_table(Y, {"a": Y}, digits=-1), ValueError, r"digits must be a.*integer"),
    (lambda: S.inject_spikes(Y, 0, 1, 2, 0, 30, RNG), ValueError, r"count must be a.*integer, got 0"),
    (lambda: S.inject_spikes(Y, 40, 1, 2, 0, 30, RNG, min_gap=1), ValueError,
     r"could not place 40 spikes 1 steps apart in \[0, 30\): expected stop - start >= \(count - 1\) \* min_gap \+ 1 = 40"),
    (lambda: S.inject_spikes(Y, 2, 3, 1, 0, 30, RNG), ValueError, r"high must be in \[3.0, inf\], got 1.0"),
    (lambda: S.inject_spikes(Y, 2, -1, 1, 0, 30, RNG), ValueError, r"low must be in \[0, inf\], got -1.0"),
    (lambda: S.inject_spikes(Y, 2, 1, 2, 0, 31, RNG), ValueError, r"start=0, stop=31 with a lag of 0"),
    (lambda: S.inject_spikes(Y, 2, 1, 2, 0, 30, 0), TypeError, r"rng must be a numpy.random.Generator \(np.random.default_rng\(seed\)\), got int"),
    (lambda: S.inject_spikes(Y, 2, 1, 2, 0, 30, RNG, min_gap=0), ValueError, r"min_gap must be a.*integer"),
    (lambda: S.flag_anomalies(np.ones((2, 2)), 1.0), ValueError, r"errors has shape \(2, 2\): expected a 1-D"),
    (lambda: S.flag_anomalies([1.0, 2.0], -1), ValueError, r"threshold must be in \[0, inf\], got -1.0"),
    (lambda: S.flag_anomalies([1.0, 2.0], np.nan), ValueError, r"threshold must be a finite number"),
    (lambda: S.precision_recall([1.7], [1]), TypeError, r"flagged has dtype float64: expected integer time steps"),
    (lambda: S.precision_recall([[1, 2]], [1]), ValueError, r"flagged has shape \(1, 2\): expected a 1-D list"),
    (lambda: S.precision_recall([1], "abc"), TypeError, r"true_positions must be a list or 1-D array"),
    (lambda: S.random_walk(0, RNG), ValueError, r"n must be a.*integer, got 0"),
    (lambda: S.random_walk(10, RNG, sigma=-1.0), ValueError, r"sigma must be in \[0, inf\], got -1.0"),
    (lambda: S.random_walk(10, 3), TypeError, r"rng must be a numpy.random.Generator \(np.random.default_rng\(seed\)\), got int"),
    (lambda: S.autocorrelation(Y, 30), ValueError, r"max_lag must be an integer <= 29, got 30"),
    (lambda: S.autocorrelation(Y, 0), ValueError, r"max_lag must be a.*integer, got 0"),
    (lambda: S.autocorrelation(np.ones(10), 2), ValueError, r"x is constant"),
]


@pytest.mark.parametrize("call, error, pattern", BAD_CALLS, ids=[f"bad{i}" for i in range(len(BAD_CALLS))])
def test_bad_input_gets_a_clear_error(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


def test_load_co2_names_the_file_and_the_missing_columns(tmp_path):
    bad = tmp_path / "co2.csv"
    bad.write_text("# comment\nyear,month,ppm\n1965,1,320.0\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"co2.csv: expected the columns year, month, co2_ppm"):
        S.load_co2(bad)
    bad.write_text("year,month,co2_ppm\n1965,x,320.0\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"co2.csv: expected integer year and month"):
        S.load_co2(bad)
    with pytest.raises(TypeError, match="path must be a file path"):
        S.load_co2(3)


def test_a_valid_empty_span_and_a_zero_threshold_still_work():
    assert S.naive_forecast(Y, 5, 5).shape == (0,)
    assert S.level_forecasts(Y, 20, 20, 5, SC, ZERO).shape == (0,)
    assert S.flag_anomalies([0.0, 0.5, 0.0], 0).tolist() == [1]
    assert S.precision_recall([], []) == (0.0, 0.0)
    assert S.precision_recall(np.array([3, 4], dtype=np.int32), [4]) == (0.5, 1.0)
