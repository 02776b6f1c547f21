"""Finite differences (float64) confirm every analytic gradient of every cell, both GRU forms (reset after / before)."""
import numpy as np
import pytest

from course_utils.gradcheck import check_cell_gradients, numerical_gradient, rel_error

FD_TOL = 1e-6          # max relative error, finite differences vs backward
SIMPLE_FD_TOL = 1e-8   # textbook two-point formula on a smooth cubic

CELLS = [("rnn", "tanh", True), ("rnn", "relu", True), ("lstm", "tanh", True),
         ("gru", "tanh", True), ("gru", "tanh", False)]   # (kind, nonlinearity, reset_after)
SHAPES = [(1, 1, 2, 1), (3, 2, 3, 4), (4, 1, 5, 2)]   # (T, B, D, H): T=1, B=1, H=1, D≠H


@pytest.mark.parametrize("step", [False, True], ids=["sequence", "step"])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("kind,nonlinearity,reset_after", CELLS)
def test_backward_matches_finite_differences(kind, nonlinearity, reset_after, shape, step):
    T, B, D, H = shape
    errors = check_cell_gradients(kind, T=T, B=B, D=D, H=H, seed=sum(shape), nonlinearity=nonlinearity,
                                  reset_after=reset_after, step=step)
    expected = {"x_t" if step else "x", "h0", "weight_ih", "weight_hh", "bias_ih", "bias_hh"}
    assert set(errors) == expected | ({"c0"} if kind == "lstm" else set())
    assert max(errors.values()) <= FD_TOL, errors


def test_numerical_gradient_of_a_cubic():
    a = np.random.default_rng(0).standard_normal((3, 4))
    for f in (lambda: np.sum(a ** 3), lambda arr: np.sum(arr ** 3)):   # no argument, or the array
        assert rel_error(numerical_gradient(f, a), 3 * a ** 2) <= SIMPLE_FD_TOL
    assert rel_error(numerical_gradient(lambda: np.sum(a ** 3), a, eps=1e-3, order=4), 3 * a ** 2) <= SIMPLE_FD_TOL


def test_numerical_gradient_restores_the_array():
    a = np.random.default_rng(1).standard_normal(5)
    before = a.copy()
    numerical_gradient(lambda: np.sum(np.sin(a)), a, order=4)
    assert np.array_equal(a, before)


def test_numerical_gradient_refuses_float32():
    with pytest.raises(ValueError, match="array has dtype float32: expected a float64"):
        numerical_gradient(lambda: 0.0, np.zeros(3, dtype=np.float32))


def test_rel_error_is_the_elementwise_max_with_a_floor():
    a, b = np.array([1.0, 0.0, 2.0]), np.array([1.1, 1e-12, 2.0])
    assert rel_error(a, b) == pytest.approx(0.1 / 2.1)
    assert rel_error(np.zeros(2), np.full(2, 1e-12)) == pytest.approx(1e-12 / 1e-8)
    with pytest.raises(ValueError, match=r"b has shape \(2,\) but a has shape \(3,\)"):
        rel_error(a, b[:2])
