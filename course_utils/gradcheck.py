"""Gradient checking with centred finite differences (float64).

    order 2:  ∂f/∂θ_k ≈ (f(θ + ε e_k) - f(θ - ε e_k)) / (2ε)                  error O(ε²) + O(u |f| / ε)
    order 4:  ∂f/∂θ_k ≈ (8 [f(θ + ε e_k) - f(θ - ε e_k)] - [f(θ + 2ε e_k) - f(θ - 2ε e_k)]) / (12ε)
                                                                             error O(ε⁴) + O(u |f| / ε)

(u ≈ 1.1e-16 is float64's rounding unit) and the relative error
``max_k |a_k - b_k| / max(1e-8, |a_k| + |b_k|)``. Because that error is taken element by
element, a gradient entry that happens to be tiny (say 1e-5) magnifies the finite-difference
noise; the order-4 formula with ε = 1e-3 keeps that noise near 1e-12, so
``check_cell_gradients`` uses it by default.
"""
from __future__ import annotations

import inspect

import numpy as np

from .bridge import SEQUENCE, STEP
from .params import init_params


def rel_error(a, b) -> float:
    """max over elements of |a - b| / max(1e-8, |a| + |b|) (0.0 for empty arrays)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"b has shape {b.shape} but a has shape {a.shape}: expected {a.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def numerical_gradient(f, array: np.ndarray, eps: float = 1e-6, order: int = 2) -> np.ndarray:
    """Centred-difference gradient of the scalar ``f`` with respect to ``array`` (float64, any shape).

    ``order`` 2 is the textbook two-point formula, 4 the four-point one (see the module docstring).
    ``f`` is called with no argument, or with ``array`` if it takes one; it must read ``array``,
    which is perturbed in place one element at a time and restored afterwards.
    Returns an array shaped like ``array``.
    """
    if not isinstance(array, np.ndarray) or array.dtype != np.float64:
        got = array.dtype if isinstance(array, np.ndarray) else type(array).__name__
        raise ValueError(f"array has dtype {got}: expected a float64 ndarray (finite differences need float64)")
    if order not in (2, 4):
        raise ValueError(f"order must be 2 or 4, got {order!r}")
    takes_arg = bool(inspect.signature(f).parameters)
    call = (lambda: f(array)) if takes_arg else f
    grad = np.zeros_like(array)
    for k in np.ndindex(array.shape):
        old = array[k]

        def diff(step):            # f(θ + step e_k) - f(θ - step e_k)
            array[k] = old + step
            f_plus = float(call())
            array[k] = old - step
            f_minus = float(call())
            array[k] = old
            return f_plus - f_minus

        if order == 2:
            grad[k] = diff(eps) / (2 * eps)
        else:
            grad[k] = (8 * diff(eps) - diff(2 * eps)) / (12 * eps)
    return grad


def check_cell_gradients(kind: str, T: int = 3, B: int = 2, D: int = 3, H: int = 4, seed: int = 0,
                         nonlinearity: str = "tanh", reset_after: bool = True, eps: float | None = None,
                         order: int | None = None, step: bool = False) -> dict[str, float]:
    """Compare a cell's analytic backward with finite differences on random data (float64).

    Loss L = Σ h ⊙ G + Σ h_T ⊙ G_T (+ Σ c_T ⊙ G_c for an LSTM) with random G's, so every output
    receives a gradient. ``step=True`` checks the step functions (x_t (B, D), L = Σ h_t ⊙ G_T
    (+ Σ c_t ⊙ G_c)) instead of the sequence functions (x (T, B, D)).
    Returns {name: relative error} for "x" (or "x_t"), the initial state(s) "h0" (and "c0")
    and every parameter.

    Defaults: order 4 with ε = 1e-3 for smooth cells; for the relu RNN (piecewise linear, so a
    wide stencil may straddle a kink) order 2 with ε = 1e-5.
    """
    relu = kind == "rnn" and nonlinearity == "relu"
    order = order or (2 if relu else 4)
    eps = eps or (1e-5 if relu else 1e-3)
    rng = np.random.default_rng(seed)
    p = init_params(kind, D, H, seed=seed + 1, nonlinearity=nonlinearity, reset_after=reset_after)
    forward, backward = (STEP if step else SEQUENCE)[kind]
    x = rng.standard_normal((B, D) if step else (T, B, D))
    state0 = tuple(rng.standard_normal((B, H)) for _ in range(2 if kind == "lstm" else 1))
    G = rng.standard_normal((T, B, H))
    G_T = tuple(rng.standard_normal((B, H)) for _ in state0)
    pick = (lambda pair: pair) if kind == "lstm" else (lambda pair: pair[0])   # (h, c) or h

    def loss():
        if step:
            state_T, cache = forward(x, pick(state0), p)      # step order: (x_t, state, params)
            total = 0.0
        else:
            out, state_T, cache = forward(x, p, pick(state0))
            total = float(np.sum(out * G))
        finals = state_T if kind == "lstm" else (state_T,)
        return total + sum(float(np.sum(s * g)) for s, g in zip(finals, G_T)), cache

    _, cache = loss()
    if step:
        dx, dstate0, grads = backward(pick(G_T), cache)
    else:
        dx, dstate0, grads = backward(G, cache, pick(G_T))
    dstate0 = dstate0 if kind == "lstm" else (dstate0,)
    errors = {"x_t" if step else "x": rel_error(dx, numerical_gradient(lambda: loss()[0], x, eps, order))}
    for name, s, ds in zip(("h0", "c0"), state0, dstate0):
        errors[name] = rel_error(ds, numerical_gradient(lambda: loss()[0], s, eps, order))
    for name, value in p.as_dict().items():
        errors[name] = rel_error(grads[name], numerical_gradient(lambda: loss()[0], value, eps, order))
    return errors
