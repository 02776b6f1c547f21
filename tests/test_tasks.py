"""The benchmark generators: shapes, targets, marker rules, seeding and the analytic baselines."""
import math

import numpy as np
import pytest
import torch

from course_utils.data.tasks import (BASELINE_MSE, BASELINE_PREDICTION, IGNORE, adding_batches, adding_problem,
                                constant_solved_fraction, copy_baseline, copy_task, copy_vocab_size,
                                copy_batches, solved_fraction)

N_SIM = 100_000          # sequences for the Monte-Carlo checks of the baselines
MC_TOL = 0.005           # > 4 standard errors at N_SIM (fraction near 0.15: SE 0.0011; MSE near 1/6: SE 0.0006)


def marked(x):
    return (x[..., 1] == 1).nonzero()[:, 1].reshape(x.shape[0], 2)


@pytest.mark.parametrize("variant", ["le", "hochreiter"])
@pytest.mark.parametrize("T", [6, 25, 100])
def test_adding_shapes_and_exactly_two_marks(variant, T):
    x, y = adding_problem(50, T, variant, generator=1)
    assert x.shape == (50, T, 2) and y.shape == (50, 1) and x.dtype == y.dtype == torch.float32
    assert ((x[..., 1] == 1).sum(dim=1) == 2).all()


@pytest.mark.parametrize("variant", ["le", "hochreiter"])
def test_adding_target_is_function_of_marked_values(variant):
    x, y = adding_problem(200, 30, variant, generator=2)
    total = (x[..., 0] * (x[..., 1] == 1)).sum(dim=1, keepdim=True)
    expected = total if variant == "le" else 0.5 + total / 4
    torch.testing.assert_close(y, expected)


def test_le_values_in_unit_interval_and_markers_binary():
    x, _ = adding_problem(500, 20, "le", generator=3)
    assert x[..., 0].min() >= 0 and x[..., 0].max() <= 1
    assert set(x[..., 1].unique().tolist()) == {0.0, 1.0}


def test_le_uniform_positions_cover_the_whole_sequence_and_halves_split_it():
    T = 20
    x, _ = adding_problem(4000, T, "le", generator=4)
    pos = marked(x)
    assert pos.min() == 0 and pos.max() == T - 1
    x, _ = adding_problem(4000, T, "le", generator=4, positions="halves")
    pos = marked(x)
    assert (pos[:, 0] < T // 2).all() and (pos[:, 1] >= T // 2).all()


def test_hochreiter_marker_rules():
    T = 40
    x, _ = adding_problem(4000, T, "hochreiter", generator=5)
    values, markers = x[..., 0], x[..., 1]
    assert values.min() >= -1 and values.max() <= 1
    pos = marked(x)
    assert pos.max() < T // 2 - 1                            # both among the first T/2 - 1 steps
    assert (pos.min(dim=1).values < 10).all()                # X1 among the first ten
    assert (markers[:, -1] == -1).all()
    assert ((markers[:, 0] == -1) | (markers[:, 0] == 1)).all()
    first_marked = markers[:, 0] == 1
    assert first_marked.any() and (values[first_marked, 0] == 0).any()


def test_same_seed_same_batch_and_generator_advances():
    a = adding_problem(8, 10, generator=7)
    b = adding_problem(8, 10, generator=7)
    torch.testing.assert_close(a, b)
    g = torch.Generator().manual_seed(7)
    first, second = adding_problem(8, 10, generator=g), adding_problem(8, 10, generator=g)
    assert not torch.equal(first[0], second[0])


@pytest.mark.parametrize("variant", ["le", "hochreiter"])
def test_constant_prediction_baseline_mse_matches_simulation(variant):
    _, y = adding_problem(N_SIM, 30, variant, generator=8)
    mse = float(((y - BASELINE_PREDICTION[variant]) ** 2).mean())
    assert mse == pytest.approx(BASELINE_MSE[variant], abs=MC_TOL)


def test_le_baseline_is_one_sixth():
    assert BASELINE_MSE["le"] == pytest.approx(1 / 6) and BASELINE_PREDICTION["le"] == 1.0


def test_constant_half_solves_about_fifteen_percent():
    assert constant_solved_fraction(zero_rule=False) == pytest.approx(0.1536)
    assert 0.15 < constant_solved_fraction() < 0.16


def test_constant_half_solved_fraction_matches_simulation():
    _, y = adding_problem(N_SIM, 40, "hochreiter", generator=9)
    simulated = solved_fraction(torch.full_like(y, 0.5), y)
    assert simulated == pytest.approx(constant_solved_fraction(), abs=MC_TOL)


def test_solved_fraction_counts_strictly_below_tolerance():
    assert solved_fraction(torch.tensor([0.0, 0.0, 0.0]), torch.tensor([0.01, 0.039, 0.5])) == pytest.approx(2 / 3)


def test_copy_task_layout():
    K, T, n = 3, 7, 5
    x, y = copy_task(4, T, n_symbols=n, length=K, generator=0)
    assert x.shape == y.shape == (4, 2 * K + T) and x.dtype == torch.int64
    assert ((x[:, :K] >= 1) & (x[:, :K] <= n)).all()
    assert (x[:, K + T - 1] == n + 1).all() and (x[:, K:K + T - 1] == 0).all() and (x[:, -K:] == 0).all()
    torch.testing.assert_close(y[:, -K:], x[:, :K])
    assert (y[:, :-K] == IGNORE).all() and x.max() < copy_vocab_size(n)


def test_copy_task_whole_sequence_targets_blanks():
    x, y = copy_task(2, 4, length=2, generator=0, recall_only=False)
    assert (y[:, :-2] == 0).all()


def test_copy_baselines():
    assert copy_baseline(8) == pytest.approx(math.log(8))
    assert copy_baseline(8, 10, delay=100, recall_only=False) == pytest.approx(10 * math.log(8) / 120)


def test_uniform_guess_reaches_copy_baseline():
    n = 6
    _, y = copy_task(100, 5, n_symbols=n, length=4, generator=0)
    logits = torch.zeros(*y.shape, copy_vocab_size(n))
    logits[..., 0] = logits[..., n + 1] = -1e9                      # never guess blank or marker
    loss = torch.nn.functional.cross_entropy(logits.reshape(-1, n + 2), y.reshape(-1), ignore_index=IGNORE)
    assert float(loss) == pytest.approx(copy_baseline(n), rel=1e-6)


def test_batch_functions_use_the_generator():
    rng = torch.Generator().manual_seed(0)
    x, y = adding_batches(12, batch=5)(0, rng)
    assert x.shape == (5, 12, 2) and y.shape == (5, 1)


@pytest.mark.parametrize("call,match", [
    (lambda: adding_problem(4, 10, "arjovsky"), "variant must be one of"),
    (lambda: adding_problem(4, 5, "hochreiter"), "length must be an integer >= 6"),
    (lambda: adding_problem(0, 10), "batch must be"),
    (lambda: adding_problem(4, 10, positions="random"), "positions must be"),
    (lambda: copy_baseline(8, recall_only=False), "delay is needed"),
    (lambda: solved_fraction(torch.zeros(3), torch.zeros(3, 1)), "expected equal shapes"),
])
def test_bad_arguments_are_named(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_generator_type_is_checked():
    with pytest.raises(TypeError, match="generator must be"):
        adding_problem(4, 10, generator=np.random.default_rng(0))


@pytest.mark.parametrize("call,error,match", [
    (lambda: adding_problem(True, 10), TypeError, "batch must be an integer, got bool"),
    (lambda: adding_problem(4, 10.0), TypeError, "length must be an integer, got float"),
    (lambda: adding_problem(4, 1), ValueError, "length must be an integer >= 2, got 1"),
    (lambda: adding_problem(4, 10, variant=["le"]), ValueError, "variant must be one of"),
    (lambda: adding_problem(4, 10, generator=-1), ValueError, "generator .* must be a non-negative integer"),
    (lambda: adding_batches(0), ValueError, "length must be an integer >= 2"),
    (lambda: copy_task(2, 0), ValueError, "delay must be a positive integer, got 0"),
    (lambda: copy_task(2, 3, recall_only="yes"), TypeError, "recall_only must be True or False"),
    (lambda: copy_batches(3, n_symbols=False), TypeError, "n_symbols must be an integer, got bool"),
    (lambda: copy_vocab_size(0), ValueError, "n_symbols must be a positive integer"),
    (lambda: copy_baseline(8, length=0), ValueError, "length must be a positive integer"),
    (lambda: copy_baseline(8, recall_only=False, delay=-3), ValueError, "delay must be a positive integer"),
    (lambda: constant_solved_fraction(float("nan")), ValueError, "tolerance must be a finite number"),
    (lambda: constant_solved_fraction("0.04"), TypeError, "tolerance must be a real number"),
    (lambda: solved_fraction([0.5], [0.5]), TypeError, "prediction must be a torch.Tensor"),
    (lambda: solved_fraction(torch.zeros(0, 1), torch.zeros(0, 1)), ValueError, "at least one sequence"),
    (lambda: solved_fraction(torch.zeros(3), torch.zeros(3), tolerance=0), ValueError, "tolerance must be in"),
])
def test_more_bad_arguments_are_named(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_numpy_integers_are_accepted_and_a_nan_prediction_is_not_solved():
    x, y = copy_task(np.int64(2), np.int32(3), generator=np.int64(5))
    assert x.shape == (2, 23) and torch.equal(x, copy_task(2, 3, generator=5)[0])
    assert solved_fraction(torch.tensor([[float("nan")], [0.5]]), torch.tensor([[0.5], [0.5]])) == 0.5
