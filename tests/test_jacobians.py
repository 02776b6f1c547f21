"""course_utils.cells.jacobians: the recurrent matrices, the Pascanu bound and the measured gradient norms."""
import numpy as np
import pytest
import torch

from course_utils.cells.jacobians import (ACTIVATIONS, GAMMA, STRUCTURES, input_gradient_norms_by_lag, jacobian_norms_vs_lag,
                                    pascanu_bound, recurrent_matrix, spectral_norm)

SINGULAR_VALUE_TOL = 1e-12   # relative, float64 SVD
AUTOGRAD_TOL = 1e-10         # relative, float64 Jacobian products vs torch autograd


@pytest.mark.parametrize("structure", STRUCTURES)
@pytest.mark.parametrize("lambda1", [0.3, 1.0, 2.5])
def test_recurrent_matrix_has_requested_largest_singular_value(structure, lambda1):
    W = recurrent_matrix(12, lambda1, structure, seed=3)
    assert W.shape == (12, 12)
    assert abs(spectral_norm(W) - lambda1) <= SINGULAR_VALUE_TOL * lambda1


def test_orthogonal_matrix_has_all_singular_values_equal():
    s = np.linalg.svd(recurrent_matrix(10, 1.7, "orthogonal"), compute_uv=False)
    np.testing.assert_allclose(s, 1.7, rtol=SINGULAR_VALUE_TOL)


def test_pascanu_bound_is_gamma_lambda_to_the_lag():
    np.testing.assert_allclose(pascanu_bound(2.0, "sigmoid", [0, 1, 3]), [1.0, 0.5, 0.125])
    np.testing.assert_allclose(pascanu_bound(0.9, 1.0, np.arange(3)), [1.0, 0.9, 0.81])
    assert GAMMA["tanh"] == 1.0 and GAMMA["sigmoid"] == 0.25


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("structure", STRUCTURES)
@pytest.mark.parametrize("lambda1", [0.5, 1.0, 3.0])
def test_measured_norms_never_exceed_pascanu_bound(activation, structure, lambda1):
    prof = jacobian_norms_vs_lag(recurrent_matrix(8, lambda1, structure), activation, T=20, batch=4)
    assert prof.norms.shape == (21, 4) and prof.lags[-1] == 20
    assert prof.within_bound


def test_linear_orthogonal_rnn_meets_the_bound_with_equality():
    prof = jacobian_norms_vs_lag(recurrent_matrix(8, 1.3, "orthogonal"), "linear", T=15, batch=3)
    np.testing.assert_allclose(prof.norms, np.repeat(prof.bound[:, None], 3, axis=1), rtol=1e-10)


@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
def test_jacobian_norm_at_full_lag_matches_torch_autograd_float64(activation):
    T, B, D, H = 6, 2, 3, 5
    rng = np.random.default_rng(1)
    W, W_ih, b = recurrent_matrix(H, 1.2, "gaussian", seed=2), rng.standard_normal((H, D)), rng.standard_normal(H)
    x, h0 = rng.standard_normal((T, B, D)), 0.3 * rng.standard_normal((B, H))
    prof = jacobian_norms_vs_lag(W, activation, T, W_ih=W_ih, b=b, x=x, h0=h0)
    phi = torch.tanh if activation == "tanh" else torch.sigmoid
    tW, tWi, tb, tx = (torch.from_numpy(a) for a in (W, W_ih, b, x))
    for j in range(B):
        def final_state(h):
            for t in range(T):
                h = phi(tW @ h + tWi @ tx[t, j] + tb)
            return h
        J = torch.autograd.functional.jacobian(final_state, torch.from_numpy(h0[j]))
        expected = torch.linalg.matrix_norm(J, ord=2).item()
        assert abs(prof.norms[T, j] - expected) <= AUTOGRAD_TOL * expected


@pytest.mark.parametrize("cls", [torch.nn.RNN, torch.nn.LSTM, torch.nn.GRU])
@pytest.mark.parametrize("batch_first", [False, True])
def test_input_gradient_norms_match_a_direct_autograd_computation(cls, batch_first):
    torch.manual_seed(0)
    T, B, D, H = 7, 3, 2, 4
    rnn = cls(D, H, batch_first=batch_first, dtype=torch.float64)
    x = torch.randn((B, T, D) if batch_first else (T, B, D), dtype=torch.float64)
    g = input_gradient_norms_by_lag(rnn, x, seed=5)
    assert g.shape == (T,) and g.dtype == np.float64
    assert all(p.grad is None for p in rnn.parameters())
    u = torch.randn(H, generator=torch.Generator().manual_seed(5), dtype=torch.float64)
    xs = x.clone().requires_grad_(True)
    out = rnn(xs)[0]
    last = out[:, -1] if batch_first else out[-1]
    (last @ (u / u.norm())).sum().backward()
    grad = xs.grad if not batch_first else xs.grad.transpose(0, 1)       # (T, B, D)
    expected = grad.norm(dim=-1).mean(dim=1).flip(0).numpy()
    np.testing.assert_allclose(g, expected, rtol=1e-12)


def test_input_gradient_norms_accepts_a_model_with_an_rnn_attribute():
    class Wrapper(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = torch.nn.GRU(2, 3, batch_first=True)
    g = input_gradient_norms_by_lag(Wrapper(), torch.randn(4, 9, 2))
    assert g.shape == (9,)


def test_the_by_lag_profile_is_the_by_time_profile_reversed():
    from course_utils.learning.experiment_analysis import input_gradient_norms_by_time
    torch.manual_seed(1)
    rnn = torch.nn.GRU(2, 3, batch_first=True, dtype=torch.float64)
    u = torch.randn(3, generator=torch.Generator().manual_seed(0), dtype=torch.float64)

    class ReadOut(torch.nn.Module):              # the same read-out u·h_T as the by-lag function
        def __init__(self):
            super().__init__()
            self.rnn = rnn

        def forward(self, x):
            return (self.rnn(x)[0][:, -1] @ (u / u.norm()))[:, None]
    x = torch.randn(4, 6, 2, dtype=torch.float64)
    by_lag, by_time = input_gradient_norms_by_lag(rnn, x, seed=0), input_gradient_norms_by_time(ReadOut(), x)
    np.testing.assert_allclose(by_lag, by_time[::-1], rtol=1e-12)
    assert not np.allclose(by_lag, by_time)      # the conventions differ: reversing matters


def test_bad_arguments_raise_errors_naming_them():
    with pytest.raises(ValueError, match="activation must be one of"):
        jacobian_norms_vs_lag(np.eye(3), "softplus", T=4)
    with pytest.raises(ValueError, match=r"W_hh has shape \(3, 2\)"):
        jacobian_norms_vs_lag(np.ones((3, 2)), "tanh", T=4)
    with pytest.raises(ValueError, match="structure must be one of"):
        recurrent_matrix(4, 1.0, "diagonal")
    with pytest.raises(TypeError, match="module must be a torch.nn.RNN"):
        input_gradient_norms_by_lag(torch.nn.Linear(2, 2), torch.randn(3, 2, 2))
