"""Gradient checking with centred finite differences (float64).

    order 2:  ∂f/∂θ_k ≈ (f(θ + ε e_k) - f(θ - ε e_k)) / (2ε)                  error O(ε²) + O(u |f| / ε)
    order 4:  ∂f/∂θ_k ≈ (8 [f(θ + ε e_k) - f(θ - ε e_k)] - [f(θ + 2ε e_k) - f(θ - 2ε e_k)]) / (12ε)
                                                                             error O(ε⁴) + O(u |f| / ε)

(u ≈ 1.1e-16 is float64's rounding unit) and the relative error
``max_k |a_k - b_k| / max(1e-8, |a_k| + |b_k|)``. Because that error is taken element by
element, a gradient entry that happens to be tiny (say 1e-5) magnifies the finite-difference
noise; the order-4 formula with ε = 1e-3 keeps that noise near 1e-12, so
``check_cell_gradients`` uses it by default.

Kinks. The ReLU RNN is piecewise smooth: its derivative jumps where a pre-activation a = W x + U h + b
crosses 0. When the stencil θ ± ε straddles such a crossing, the centred difference averages two
slopes and disagrees with the (correct) analytic gradient although nothing is wrong: for a kink at
θ + δ (0 < δ < ε) with slope change Δ the error is Δ (ε - δ) / (2ε). :func:`numerical_gradient`
accepts a ``piece`` function (which side of every kink the last call of ``f`` was on, e.g. the
ReLU mask ``h > 0``); a coordinate whose stencil changes the piece is retried with ε / 10, ε / 100,
... down to ``MIN_EPS``, and reported by :func:`check_cell_gradients` instead of failing it.
"""
from __future__ import annotations

import inspect

import numpy as np

from course_utils._checks import check_bool, check_choice, check_number, nonnegative_int, positive_int
from course_utils.cells.bridge import SEQUENCE, STEP
from course_utils.cells.params import KINDS, NONLINEARITIES, init_params

__all__ = ["MIN_EPS", "FD_ORDERS", "GradCheck", "rel_error", "numerical_gradient", "check_cell_gradients"]

MIN_EPS = 1e-9       # smallest step tried for a coordinate whose stencil straddles a kink
FD_ORDERS = (2, 4)
"""The orders of the centred finite differences :func:`numerical_gradient` offers (see the module docstring)."""


class GradCheck(dict):
    """{name: relative error} as :func:`check_cell_gradients` returns it, plus what it did at kinks.

    ``kinks[name]``: (index, ε used) of every coordinate whose stencil straddled a kink and was
    re-measured with a smaller ε (its error is the re-measured one). ``at_kink[name]``: indices that
    still straddled a kink at ``MIN_EPS`` (the loss is not differentiable there to within 1e-9);
    they are left out of the error and listed here instead.
    """

    def __init__(self, errors=(), kinks=None, at_kink=None):
        super().__init__(errors)
        self.kinks = kinks or {}
        self.at_kink = at_kink or {}

    def summary(self) -> str:
        """One line: the largest relative error, and how many coordinates sat at a ReLU kink."""
        moved = sum(len(v) for v in self.kinks.values())
        stuck = sum(len(v) for v in self.at_kink.values())
        text = f"max relative error {max(self.values(), default=0.0):.2e}"
        if moved or stuck:
            text += (f"; {moved} coordinate(s) straddled a ReLU kink and were re-measured with a smaller eps"
                     + (f", {stuck} sit on a kink (left out)" if stuck else ""))
        return text


def rel_error(a, b) -> float:
    """max over elements of |a - b| / max(1e-8, |a| + |b|) (0.0 for empty arrays), a float.

    a, b: real arrays of one shape (NumPy, torch or nested lists; compared in float64).
    Raises TypeError when either is not real-valued, ValueError when either is ragged or b's shape is not a's.
    """
    a = _real_array(a, "a")
    b = _real_array(b, "b")
    if a.shape != b.shape:
        raise ValueError(f"b has shape {b.shape} but a has shape {a.shape}: expected {a.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def _real_array(a, name):
    if hasattr(a, "detach"):
        a = a.detach().cpu().numpy()
    try:
        arr = np.asarray(a)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{name} must be a rectangular array of numbers ({exc})") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be an array of real numbers, got dtype {arr.dtype}")
    return arr.astype(np.float64)


def _check_fd_args(f, array, eps, order, name="array"):
    if not callable(f):
        raise TypeError(f"f must be a function returning a number, got {type(f).__name__}")
    if not isinstance(array, np.ndarray) or array.dtype != np.float64:
        got = array.dtype if isinstance(array, np.ndarray) else type(array).__name__
        raise ValueError(f"{name} has dtype {got}: expected a float64 ndarray (finite differences need float64)")
    if not array.flags.writeable:
        raise ValueError(f"{name} is read-only: expected a writeable array (it is perturbed in place)")
    check_number(eps, "eps", low=0, low_open=True)
    check_choice(order, "order", FD_ORDERS)


def _caller(f, array):
    try:
        takes_arg = bool(inspect.signature(f).parameters)
    except (TypeError, ValueError):     # builtins without a signature: call with the array
        takes_arg = True

    def call():
        value = f(array) if takes_arg else f()
        try:
            return float(value)
        except (TypeError, ValueError):
            raise TypeError(f"f must return a number, got {type(value).__name__}") from None
    return call


def numerical_gradient(f, array: np.ndarray, eps: float = 1e-6, order: int = 2, piece=None):
    """Centred-difference gradient of the scalar ``f`` with respect to ``array`` (float64, any shape).

    ``order`` 2 is the textbook two-point formula, 4 the four-point one (see the module docstring).
    ``f`` is called with no argument, or with ``array`` if it takes one; it must read ``array``,
    which is perturbed in place one element at a time and restored afterwards (also on error).
    Returns an array shaped like ``array``.

    ``piece``: optional function with no argument returning an array that identifies the smooth
    piece ``f`` was evaluated on by its last call (e.g. the ReLU mask). With it, a coordinate whose
    stencil changes the piece is re-measured with ε / 10, ε / 100, ... (down to ``MIN_EPS``), and
    the function returns ``(grad, kinks, at_kink)``: lists of (index, ε used) and of indices whose
    stencil still changed the piece at ``MIN_EPS`` (their entry is the last estimate).

    Raises TypeError when f or piece is not callable, f returns something that is not a number, or
    eps is not a number; ValueError when array is not a writeable float64 ndarray, eps <= 0 (or nan,
    inf) or order is not in ``FD_ORDERS``.
    """
    _check_fd_args(f, array, eps, order)
    if piece is not None and not callable(piece):
        raise TypeError(f"piece must be a function or None, got {type(piece).__name__}")
    call = _caller(f, array)
    grad = np.zeros_like(array)
    kinks, at_kink = [], []
    base = None
    if piece is not None:
        call()
        base = np.asarray(piece()).copy()
    for k in np.ndindex(array.shape):
        old = array[k]
        step = eps
        while True:
            same = True

            def at(value):
                nonlocal same
                array[k] = value
                out = call()
                if piece is not None and same and not np.array_equal(np.asarray(piece()), base):
                    same = False
                return out

            try:
                if order == 2:
                    grad[k] = (at(old + step) - at(old - step)) / (2 * step)
                else:
                    d1 = at(old + step) - at(old - step)
                    d2 = at(old + 2 * step) - at(old - 2 * step)
                    grad[k] = (8 * d1 - d2) / (12 * step)
            finally:
                array[k] = old
            if piece is None or same:
                break
            if step / 10 < MIN_EPS:
                at_kink.append(k)
                break
            step /= 10
        if piece is not None and step != eps and k not in at_kink:
            kinks.append((k, step))
    if piece is None:
        return grad
    return grad, kinks, at_kink


def check_cell_gradients(kind: str, T: int = 3, B: int = 2, D: int = 3, H: int = 4, seed: int = 0,
                         nonlinearity: str = "tanh", reset_after: bool = True, eps: float | None = None,
                         order: int | None = None, step: bool = False) -> GradCheck:
    """Compare a cell's analytic backward with finite differences on random data (float64).

    Loss L = Σ h ⊙ G + Σ h_T ⊙ G_T (+ Σ c_T ⊙ G_c for an LSTM) with random G's, so every output
    receives a gradient. ``step=True`` checks the step functions (x_t (B, D), L = Σ h_t ⊙ G_T
    (+ Σ c_t ⊙ G_c)) instead of the sequence functions (x (T, B, D)).
    Returns a :class:`GradCheck`: {name: relative error} for "x" (or "x_t"), the initial state(s)
    "h0" (and "c0") and every parameter.

    Defaults: order 4 with ε = 1e-3 for smooth cells; for the relu RNN (piecewise linear, so a
    wide stencil may straddle a kink) order 2 with ε = 1e-5, and every coordinate whose stencil
    flips a ReLU (some h_t > 0 changes) is re-measured with a smaller ε and listed in
    ``.kinks`` instead of raising a false alarm (see the module docstring).

    Raises TypeError for a non-integer size or seed, a reset_after or step that is not True/False,
    or an eps that is not a number; ValueError for an unknown kind or nonlinearity (relu for a gated
    cell included), reset_after=False for another kind than the gru, a size < 1, a negative seed,
    eps <= 0, or an order other than 2, 4 or None.
    """
    check_choice(kind, "kind", KINDS)
    T, B, D, H = (positive_int(v, n) for v, n in ((T, "T"), (B, "B"), (D, "D"), (H, "H")))
    seed = nonnegative_int(seed, "seed")
    check_choice(nonlinearity, "nonlinearity", NONLINEARITIES)
    check_bool(reset_after, "reset_after")
    check_bool(step, "step")
    if eps is not None:
        check_number(eps, "eps", low=0, low_open=True)
    check_choice(order, "order", FD_ORDERS + (None,))
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
    last = {}

    def loss():
        if step:
            state_T, cache = forward(x, pick(state0), p)
            total, hs = 0.0, state_T
        else:
            out, state_T, cache = forward(x, pick(state0), p)
            total, hs = float(np.sum(out * G)), out
        if relu:
            last["mask"] = hs > 0                             # the ReLU pattern: which side of each kink
        finals = state_T if kind == "lstm" else (state_T,)
        return total + sum(float(np.sum(s * g)) for s, g in zip(finals, G_T)), cache

    piece = (lambda: last["mask"]) if relu else None
    _, cache = loss()
    if step:
        dx, dstate0, grads = backward(pick(G_T), cache)
    else:
        dx, dstate0, grads = backward(G, cache, pick(G_T))
    dstate0 = dstate0 if kind == "lstm" else (dstate0,)
    result = GradCheck()

    def compare(name, analytic, array):
        numeric = numerical_gradient(lambda: loss()[0], array, eps, order, piece)
        if piece is None:
            result[name] = rel_error(analytic, numeric)
            return
        numeric, kinks, at_kink = numeric
        keep = np.ones(array.shape, dtype=bool)
        for k in at_kink:
            keep[k] = False
        result[name] = rel_error(np.asarray(analytic)[keep], numeric[keep])
        if kinks:
            result.kinks[name] = kinks
        if at_kink:
            result.at_kink[name] = at_kink

    compare("x_t" if step else "x", dx, x)
    for name, s, ds in zip(("h0", "c0"), state0, dstate0):
        compare(name, ds, s)
    for name, value in p.as_dict().items():
        compare(name, grads[name], value)
    return result
