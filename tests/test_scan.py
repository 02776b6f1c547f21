"""course_utils.cells.scan: the minGRU step, its linear recurrence, and the parallel scan that solves it."""
import numpy as np
import pytest
import torch

from course_utils.cells import scan

TOL_FLOAT64 = 1e-12
LENGTHS = [1, 2, 3, 7, 8, 33, 100]


def _coefficients(T, shape=(2, 3), seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(0.2, 1.0, (T, *shape)), rng.standard_normal((T, *shape)), rng.standard_normal(shape)


@pytest.mark.parametrize("T", LENGTHS)
def test_scan_equals_loop_float64_with_and_without_h0(T):
    a, b, h0 = _coefficients(T)
    for start in (None, h0):
        assert np.abs(scan.linear_recurrence_scan(a, b, start) - scan.linear_recurrence_loop(a, b, start)).max() < TOL_FLOAT64


@pytest.mark.parametrize("T", [5, 64])
def test_scan_works_on_torch_tensors_like_numpy(T):
    a, b, h0 = _coefficients(T, seed=1)
    expected = scan.linear_recurrence_loop(a, b, h0)
    got = scan.linear_recurrence_scan(torch.from_numpy(a), torch.from_numpy(b), torch.from_numpy(h0))
    assert torch.is_tensor(got) and np.abs(got.numpy() - expected).max() < TOL_FLOAT64
    loop_t = scan.linear_recurrence_loop(torch.from_numpy(a), torch.from_numpy(b), torch.from_numpy(h0))
    assert np.abs(loop_t.numpy() - expected).max() < TOL_FLOAT64


def test_loop_is_the_recurrence_written_out():
    a, b, h0 = _coefficients(4, seed=2)
    h, expected = h0, []
    for t in range(4):
        h = a[t] * h + b[t]
        expected.append(h)
    assert np.allclose(scan.linear_recurrence_loop(a, b, h0), np.stack(expected), rtol=0, atol=TOL_FLOAT64)


def test_inputs_are_not_modified():
    a, b, h0 = _coefficients(9, seed=3)
    a0, b0 = a.copy(), b.copy()
    scan.linear_recurrence_scan(a, b, h0)
    scan.linear_recurrence_loop(a, b, h0)
    assert np.array_equal(a, a0) and np.array_equal(b, b0)


def test_combine_composes_maps_and_is_associative():
    rng = np.random.default_rng(4)
    (a1, b1), (a2, b2), (a3, b3) = [rng.standard_normal((2, 5)) for _ in range(3)]
    h = rng.standard_normal(5)
    a, b = scan.combine(a1, b1, a2, b2)
    assert np.allclose(a * h + b, a2 * (a1 * h + b1) + b2, atol=TOL_FLOAT64)
    left = scan.combine(*scan.combine(a1, b1, a2, b2), a3, b3)
    right = scan.combine(a1, b1, *scan.combine(a2, b2, a3, b3))
    assert np.allclose(left, right, atol=TOL_FLOAT64)


def test_mingru_scan_loop_and_step_agree():
    p = scan.init_mingru(4, 6, seed=5)
    rng = np.random.default_rng(5)
    x, h0 = rng.standard_normal((20, 3, 4)), rng.standard_normal((3, 6))
    h = h0
    steps = []
    for t in range(20):
        h = scan.mingru_step(x[t], h, p)
        steps.append(h)
    for method in ("scan", "loop"):
        assert np.abs(scan.mingru_forward(x, h0, p, method=method) - np.stack(steps)).max() < TOL_FLOAT64


def test_mingru_coefficients_follow_the_equations():
    p = scan.init_mingru(3, 4, seed=6)
    x = np.random.default_rng(6).standard_normal((5, 2, 3))
    z = 1 / (1 + np.exp(-(x @ p.weight_z.T + p.bias_z)))
    a, b = scan.mingru_coefficients(x, p)
    assert np.allclose(a, 1 - z) and np.allclose(b, z * (x @ p.weight_h.T + p.bias_h))
    assert (p.D, p.H) == (3, 4) and np.all(np.abs(p.weight_z) <= 0.5)


def test_mingru_gate_does_not_overflow_for_large_pre_activations():
    p = scan.init_mingru(1, 2, seed=6)
    x = np.array([[[1e5]], [[-1e5]]])           # |W_z x| far beyond exp's range (about 709)
    with np.errstate(all="raise"):
        a, b = scan.mingru_coefficients(x, p)
    z = 1 - a
    assert set(np.unique(z)) <= {0.0, 1.0} and np.all(np.isfinite(b))
    assert np.array_equal(z[0], (p.weight_z[:, 0] > 0).astype(float)[None])


def test_mingru_runs_in_torch_float32():
    p = scan.init_mingru(3, 4, seed=7)
    x = torch.randn(16, 2, 3)
    h = scan.mingru_forward(x, params=p)
    assert h.dtype == torch.float32 and h.shape == (16, 2, 4)
    assert torch.allclose(h, scan.mingru_forward(x, params=p, method="loop"), atol=1e-6)


def test_bad_inputs_raise_value_errors_naming_the_argument():
    p = scan.init_mingru(3, 4)
    with pytest.raises(ValueError, match="x has shape"):
        scan.mingru_coefficients(np.zeros((5, 2, 7)), p)
    with pytest.raises(ValueError, match="method"):
        scan.mingru_forward(np.zeros((5, 2, 3)), params=p, method="tree")
    with pytest.raises(ValueError, match="a has shape"):
        scan.linear_recurrence_scan(np.zeros((4, 2)), np.zeros((4, 3)))


def test_min_gru_params_are_checked_when_built():
    good = scan.init_mingru(3, 4)
    with pytest.raises(ValueError, match=r"bias_z has shape \(5,\): expected \(4,\)"):
        scan.MinGRUParams(good.weight_z, np.zeros(5), good.weight_h, good.bias_h)
    with pytest.raises(ValueError, match="weight_z has shape"):
        scan.MinGRUParams(np.zeros(4), good.bias_z, good.weight_h, good.bias_h)
    with pytest.raises(TypeError, match="weight_h must be a float NumPy array, got list"):
        scan.MinGRUParams(good.weight_z, good.bias_z, good.weight_h.tolist(), good.bias_h)


def test_combine_names_what_does_not_fit():
    with pytest.raises(ValueError, match="shapes that broadcast"):
        scan.combine(np.ones(2), np.ones(3), np.ones(2), np.ones(2))
    with pytest.raises(TypeError, match="a1 must be a number, a NumPy array or a torch tensor, got str"):
        scan.combine("a", 1.0, 2.0, 3.0)
    with pytest.raises(TypeError, match="mix NumPy arrays and torch tensors"):
        scan.combine(np.ones(2), 1.0, torch.ones(2), 1.0)


def test_a_numpy_recurrence_refuses_tensors_by_name():
    a, b, h0 = _coefficients(4, seed=5)
    p = scan.init_mingru(3, 4)
    x = np.zeros((5, 2, 3))
    for fn in (scan.linear_recurrence_loop, scan.linear_recurrence_scan):
        with pytest.raises(TypeError, match="b is a Tensor but a is a NumPy array"):
            fn(a, torch.from_numpy(b))
        with pytest.raises(TypeError, match="h0 is a Tensor but a is a NumPy array"):
            fn(a, b, torch.from_numpy(h0))
    with pytest.raises(TypeError, match="h0 is a Tensor but x is a NumPy array"):
        scan.mingru_forward(x, torch.zeros(2, 4, dtype=torch.float64), p)
    with pytest.raises(TypeError, match="h_prev is a Tensor but x_t is a NumPy array"):
        scan.mingru_step(x[0], torch.zeros(2, 4, dtype=torch.float64), p)
