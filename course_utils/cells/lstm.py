"""LSTM in NumPy, forward and backpropagation through time (BPTT).

Shapes: x_t (B, D), x (T, B, D), h_t and c_t (B, H), h (T, B, H); the state is the pair
(h, c). Parameters in ``CellParams`` with gates i, f, g, o stacked in PyTorch's order:
``weight_ih (4H, D)``, ``weight_hh (4H, H)``, ``bias_ih (4H,)``, ``bias_hh (4H,)``.
Row-vector code ``x_t @ W_ih.T`` is the column-vector maths ``W_ih x_t``.

Forward, the same as ``torch.nn.LSTM`` (numbers used in the code's comments):

    (1)  a_t = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh = [a_i | a_f | a_g | a_o]     (B, 4H)
    (2)  i_t = σ(a_i),  f_t = σ(a_f),  o_t = σ(a_o)      input, forget, output gates  (B, H)
    (3)  g_t = tanh(a_g)                                  candidate                    (B, H)
    (4)  c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t                                               (B, H)
    (5)  h_t = o_t ⊙ tanh(c_t)                                                         (B, H)

Backward, with g_h = ∂L/∂h_t (the upstream gradient plus what flows back from step t+1) and
g_c the gradient that reaches c_t from step t+1 (dc_{t+1} ⊙ f_{t+1}, or the given dc_T); dc_t is
the whole ∂L/∂c_t:

    (6)  dc_t = g_c + g_h ⊙ o_t ⊙ (1 - tanh²(c_t))                                     (B, H)
    (7)  da = [dc_t ⊙ g_t ⊙ i(1-i) | dc_t ⊙ c_{t-1} ⊙ f(1-f) | dc_t ⊙ i_t ⊙ (1-g²)
               | g_h ⊙ tanh(c_t) ⊙ o(1-o)]                                             (B, 4H)
    (8)  dh_{t-1} = da W_hh,   dc_{t-1} = dc_t ⊙ f_t,   dx_t = da W_ih
    (9)  dW_ih = Σ_t daᵀ x_t,  dW_hh = Σ_t daᵀ h_{t-1},  db_ih = db_hh = Σ_t Σ_batch da

:func:`lstm_forward_reference` is (1)-(5), one line each, in a plain loop; the fast kernel below
computes the same numbers (``tests/test_cells_vs_torch.py`` checks both).

Kernel layout and contracts, as in ``rnn.py`` (which states them) and ``gru.py``: the
parameters stay in PyTorch's fused layout, prepared once by ``_kernel``; the input projection
of every step is ONE matmul before the loop (``params.input_projection``); each step is ONE
recurrent matmul into a (B, 4H) block whose gate k is columns kH:(k+1)H, and all four gates are
activated by one tanh (:func:`sigmoid_via_tanh`). The sequence cache keeps x, hs and cs
(T+1, B, H) = h_0…h_T and c_0…c_T, the activations A (T, B, 4H) in gate order [i f g o] and
``params``. Backward walks back ``params.CHUNK`` steps at a time: for a chunk it computes the
factors of (6)-(7) that do not depend on the gradients (:func:`_factors`, tanh(c_t) included)
in a few whole-chunk passes, runs the per-step recurrence (:func:`_step_back`, five small
products and one matmul per step), then forms (8)'s dx and (9) for the chunk with one matmul
each (``params.fused_grads``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from course_utils._checks import positive_int
from course_utils.cells.params import (
    CHUNK,
    CellParams,
    add_grads,
    fused_grads,
    gate_views,
    input_projection,
    reverse_chunks,
    sigmoid,
    zero_grads,
)
from course_utils.cells.validate import (check_cache, check_grad, check_input, check_pair, check_params,
                                         check_state, check_state_before_params)

__all__ = ["sigmoid_via_tanh", "LSTMStepCache", "LSTMCache", "lstm_step_forward", "lstm_step_backward",
           "lstm_forward", "lstm_backward", "lstm_forward_reference"]


class _Kernel(NamedTuple):
    """The weights as the kernel uses them (the same first four fields as in rnn.py, gru.py):
    W_ih (4H, D) and b (4H,) = b_ih + b_hh for the input projection, W_hhT (H, 4H) (transposed,
    contiguous: the forward's per-step operand), these three with the rows of i, f, o halved
    (:func:`sigmoid_via_tanh`); W_hh (4H, H) as stored (the backward's per-step operand). Then the
    LSTM's own: scale, shift (4H,) from :func:`sigmoid_via_tanh`.
    """
    W_ih: np.ndarray
    b: np.ndarray
    W_hhT: np.ndarray
    W_hh: np.ndarray
    scale: np.ndarray
    shift: np.ndarray


def sigmoid_via_tanh(H: int, dtype=np.float64) -> tuple[np.ndarray, np.ndarray]:
    """scale, shift (4H,) with which ONE tanh over the (B, 4H) block gives all four gates (2)-(3).

    H: hidden size, a positive int; dtype float32 or float64. Raises ValueError for another dtype or H < 1, TypeError for an
    H that is not an int.

    σ(a) = (1 + tanh(a/2)) / 2. With scale = ½ on the columns of i, f, o and 1 on g, and
    shift = ½ on i, f, o and 0 on g: ``tanh(scale ⊙ a) ⊙ scale + shift`` is [σ(a_i) σ(a_f)
    tanh(a_g) σ(a_o)]. The kernel multiplies the rows of W_ih, W_hh and b by ``scale`` once, in
    :func:`_kernel` (exact: halving is exact in binary floating point), so each step runs three
    whole-block passes (tanh, ×scale, +shift) instead of a sigmoid on each of three slices plus a
    tanh on the fourth. tanh also never overflows where exp(-a) does (a < -88 in float32).

    Why: ``python -m course_utils.authoring.benchmark --activations`` times the two forms of
    (2)-(3) over the benchmark's T = 100 steps of (32, 512) float32 blocks. On the 2-core machine
    this was written on, the exp form took 1.9-2.4 times as long as the one-tanh form in four
    runs on 2026-11-30 morning and 3.2-3.4 times in four that afternoon (one tanh 1.30-1.41 ms
    per 100 steps); the figure is machine-dependent, so run the command on yours. The
    saving is per step, inside the recurrence.
    """
    H = positive_int(H, "H")
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise ValueError(f"dtype is {dtype!r}: expected float32 or float64, the cells' dtypes") from None
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"dtype is {np.dtype(dtype)}: expected float32 or float64, the cells' dtypes")
    scale = np.repeat(np.array([0.5, 0.5, 1.0, 0.5], dtype=dtype), H)      # i, f, g, o
    shift = np.repeat(np.array([0.5, 0.5, 0.0, 0.5], dtype=dtype), H)
    return scale, shift


def _kernel(p: CellParams) -> _Kernel:
    """Build the kernel's weights from ``p`` (one call per forward or backward, not per step)."""
    scale, shift = sigmoid_via_tanh(p.H, p.dtype)
    W_hhT = (p.weight_hh * scale[:, None]).T.copy()
    return _Kernel(p.weight_ih * scale[:, None], (p.bias_ih + p.bias_hh) * scale, W_hhT, p.weight_hh, scale, shift)


def _step(xp_t, state, k: _Kernel, c, tc, h, hp):
    """(1)-(5), one step. xp_t (B, 4H) holds the input projection (halved for i, f, o) and becomes
    the activations [i f g o] in place; state = (h_{t-1}, c_{t-1}); c, tc = tanh(c_t), h (B, H)
    are written; hp (B, 4H) is scratch. Returns (h_t, c_t). The kernels' shared forward contract
    (``rnn.py``): (input projection of step t, previous state, kernel, outputs of step t) -> state.
    """
    (h_prev, c_prev), A, H = state, xp_t, h.shape[-1]
    np.matmul(h_prev, k.W_hhT, out=hp)              # (1) one recurrent matmul for all gates
    A += hp
    np.tanh(A, out=A)                               # (2), (3) with one tanh: sigmoid_via_tanh
    A *= k.scale
    A += k.shift
    i, f, g, o = A[:, :H], A[:, H:2 * H], A[:, 2 * H:3 * H], A[:, 3 * H:]
    np.multiply(f, c_prev, out=c)                   # (4) c_t = f ⊙ c_{t-1} + i ⊙ g
    np.multiply(i, g, out=tc)                       #     (tc as scratch)
    c += tc
    np.tanh(c, out=tc)                              # (5) h_t = o ⊙ tanh(c_t)
    return np.multiply(o, tc, out=h), c


def _factors(A, c_prev, tc, F, P):
    """The factors of (6)-(7) that do not depend on the gradients, for n steps at once.

    A (…, 4H) activations [i f g o], c_prev and tc = tanh(c_t) (…, H), with … = (n, B) or (B,).
    Writes F (…, 4H) = [g ⊙ σ'(i) | c_{t-1} ⊙ σ'(f) | i ⊙ tanh'(g) | tanh(c_t) ⊙ σ'(o)] and
    P (…, H) = o ⊙ (1 - tanh²(c_t)), with σ' = σ(1 - σ) and tanh'(g) = 1 - g², so that one step
    back is (6) dc_t = g_c + g_h ⊙ P and (7) da = F ⊙ [dc_t | dc_t | dc_t | g_h].
    """
    H = tc.shape[-1]
    i, g, o = A[..., :H], A[..., 2 * H:3 * H], A[..., 3 * H:]
    np.subtract(1.0, A, out=F)                      # σ' = σ(1 - σ) on i, f, o
    F *= A
    F_g = F[..., 2 * H:3 * H]
    np.multiply(g, g, out=F_g)                      # tanh' = 1 - g² on g
    np.subtract(1.0, F_g, out=F_g)
    F[..., :H] *= g                                 # through (4): c_t = f ⊙ c_{t-1} + i ⊙ g
    F[..., H:2 * H] *= c_prev
    F_g *= i
    F[..., 3 * H:] *= tc                            # through (5): h_t = o ⊙ tanh(c_t)
    np.multiply(tc, tc, out=P)
    np.subtract(1.0, P, out=P)
    P *= o


def _step_back(dstate, saved, k: _Kernel, dc, dh_prev):
    """(6)-(8), one step back. dstate = (g_h, g_c) (B, H), the gradients reaching h_t and c_t;
    saved = (F, P, f): the step's factors F (B, 4H) and P (B, H) (:func:`_factors`) and its forget
    gate f (B, H). F becomes da (7) in place and dc (B, H) = dc_t is written; returns
    (dh_{t-1}, dc_{t-1}), written into ``dh_prev`` and into g_c's array. The kernels' shared
    backward contract (``rnn.py``): (gradient of the state at t, what step t saved, kernel,
    outputs of step t) -> gradient of the state at t-1.
    """
    (gh, gc), (F, P, f), H = dstate, saved, dstate[0].shape[-1]
    np.multiply(gh, P, out=dc)                      # (6) dc_t = g_c + g_h ⊙ o ⊙ (1 - tanh²(c_t))
    dc += gc
    F[:, :H] *= dc                                  # (7) da_i, da_f, da_g through dc_t
    F[:, H:2 * H] *= dc
    F[:, 2 * H:3 * H] *= dc
    F[:, 3 * H:] *= gh                              #     da_o through h_t directly
    np.matmul(F, k.W_hh, out=dh_prev)               # (8) dh_{t-1} = da W_hh, one matmul
    return dh_prev, np.multiply(dc, f, out=gc)      # (8) dc_{t-1} = dc_t ⊙ f_t


@dataclass
class LSTMStepCache:
    """What ``lstm_step_backward`` needs: x_t (B, D), h_prev, c_prev, c, tc = tanh(c), h (B, H),
    A (B, 4H) activations [i f g o], params."""
    x_t: np.ndarray
    h_prev: np.ndarray
    c_prev: np.ndarray
    c: np.ndarray
    tc: np.ndarray
    h: np.ndarray
    A: np.ndarray
    params: CellParams

    @property
    def gates(self) -> dict[str, np.ndarray]:
        """{"i": (…, H), "f": …, "g": …, "o": …} gate activations (views of ``A``)."""
        return gate_views(self.A, "lstm")


@dataclass
class LSTMCache:
    """What ``lstm_backward`` needs, and what chapters plot.

    x (T, B, D); hs, cs (T+1, B, H) = states h_0…h_T and c_0…c_T; A (T, B, 4H) gate
    activations [i f g o]; backward recomputes tanh(c_t). ``cache.gates["f"]`` is the
    (T, B, H) forget gate, ``cache.c`` the (T, B, H) cell states c_1…c_T. These share memory
    with the returned h and state: do not modify them in place before backward.
    """
    x: np.ndarray
    hs: np.ndarray
    cs: np.ndarray
    A: np.ndarray
    params: CellParams

    gates = LSTMStepCache.gates

    @property
    def h(self) -> np.ndarray:
        """The hidden states h_1…h_T (T, B, H)."""
        return self.hs[1:]

    @property
    def c(self) -> np.ndarray:
        """The cell states c_1…c_T (T, B, H)."""
        return self.cs[1:]


def _states(state, name, labels, batch, p, ref):
    """Validate the pair ``name`` = (h, c); ``labels`` name its parts in messages, e.g. ("h0", "c0")."""
    h, c = check_pair(state, name)
    return tuple(check_state(s, f"{name}[{k}] ({label})", batch, p, ref)
                 for k, (s, label) in enumerate(zip((h, c), labels)))


def lstm_step_forward(x_t, state, params: CellParams):
    """One LSTM step, (1)-(5). x_t (B, D), state = (h_prev, c_prev) each (B, H), or None (zeros).

    Returns ((h, c) each (B, H), cache); ``cache.gates`` holds i, f, g, o (B, H).

    Raises TypeError when params is not a CellParams of this kind or comes before the state,
    ValueError for an array of the wrong shape or dtype or with nan or inf; each names the argument.
    """
    p = check_params(params, "lstm")
    x_t = check_input(x_t, "x_t", p, ndim=2)
    h_prev, c_prev = _states(state, "state", ("h_prev", "c_prev"), x_t.shape[0], p, "x_t")
    k = _kernel(p)
    A = input_projection(x_t, k.W_ih, k.b)          # (1), input side (B, 4H)
    c, tc, h = (np.empty_like(h_prev) for _ in range(3))
    _step(A, (h_prev, c_prev), k, c, tc, h, np.empty_like(A))
    return (h, c), LSTMStepCache(x_t, h_prev, c_prev, c, tc, h, A, p)


def lstm_step_backward(dstate, cache: LSTMStepCache):
    """Gradients of one step, (6)-(9): dstate = (dh, dc), ∂L/∂h_t and ∂L/∂c_t (B, H) (dc may be None).

    Returns (dx_t (B, D), (dh_prev, dc_prev) (B, H), grads) with grads a dict of
    weight_ih (4H, D), weight_hh (4H, H), bias_ih (4H,), bias_hh (4H,).

    Raises TypeError for a cache that ``lstm_step_forward`` did not return, ValueError for a gradient of
    the wrong shape or dtype or with nan or inf; each names the argument.
    """
    cache = check_cache(cache, LSTMStepCache, "lstm_step_forward")
    p = cache.params
    dh, dc = check_pair(dstate, "dstate")
    dh = check_grad(dh, "dstate[0] (dh)", cache.h.shape, p.dtype)
    gc = check_grad(dc, "dstate[1] (dc)", cache.c.shape, p.dtype).copy()
    dA, P, dc = np.empty_like(cache.A), np.empty_like(dh), np.empty_like(dh)
    _factors(cache.A, cache.c_prev, cache.tc, dA, P)
    dstate_prev = _step_back((dh, gc), (dA, P, cache.gates["f"]), _kernel(p), dc, np.empty_like(dh))
    return dA @ p.weight_ih, dstate_prev, fused_grads(dA, cache.x_t, dA, cache.h_prev)


def lstm_forward(x, state0=None, params: CellParams | None = None):
    """Run the LSTM over a sequence: ``lstm_forward(x, state0, params)``, state before params.

    x (T, B, D), state0 = (h0, c0) each (B, H), or None (zeros).
    Returns (h (T, B, H) all hidden states, (h_T, c_T) each (B, H), cache).
    ``params`` is required; state0 may be left out by keyword: ``lstm_forward(x, params=p)``.

    h_T and c_T are views of the cache (h_T is h's last row).

    Raises TypeError when params is not a CellParams of this kind or comes before the state,
    ValueError for an array of the wrong shape or dtype or with nan or inf; each names the argument.
    """
    p = check_params(check_state_before_params("lstm_forward", "state0", state0, params,
                                               state_shape="= (h0, c0), each (B, H),"), "lstm")
    x = check_input(x, "x", p, ndim=3)
    T, B, _ = x.shape
    h0, c0 = _states(state0, "state0", ("h0", "c0"), B, p, "x")
    k = _kernel(p)
    A = input_projection(x, k.W_ih, k.b)            # (1), input side of every step: one matmul
    hs, cs = np.empty((2, T + 1, B, p.H), dtype=p.dtype)
    hs[0], cs[0] = h0, c0
    tc, hp = np.empty((B, p.H), dtype=p.dtype), np.empty((B, 4 * p.H), dtype=p.dtype)
    for t in range(T):
        _step(A[t], (hs[t], cs[t]), k, cs[t + 1], tc, hs[t + 1], hp)
    return hs[1:], (hs[T], cs[T]), LSTMCache(x, hs, cs, A, p)


def lstm_backward(dh, cache: LSTMCache, dstate_T=None):
    """BPTT, (6)-(9). dh (T, B, H) = ∂L/∂h_t for every t; dstate_T = (dh_T, dc_T) (B, H) or None.

    Returns (dx (T, B, D), (dh0, dc0) each (B, H), grads) with grads a dict of
    weight_ih (4H, D), weight_hh (4H, H), bias_ih (4H,), bias_hh (4H,).

    Raises TypeError for a cache that ``lstm_forward`` did not return, ValueError for a gradient of
    the wrong shape or dtype or with nan or inf; each names the argument.
    """
    cache = check_cache(cache, LSTMCache, "lstm_forward")
    p, x, hs, cs = cache.params, cache.x, cache.hs, cache.cs
    T, B, H = hs.shape[0] - 1, hs.shape[1], p.H
    dh = check_grad(dh, "dh", (T, B, H), p.dtype)
    dh_T, dc_T = check_pair(dstate_T, "dstate_T")
    gh = check_grad(dh_T, "dstate_T[0] (dh_T)", (B, H), p.dtype).copy()
    gc = check_grad(dc_T, "dstate_T[1] (dc_T)", (B, H), p.dtype).copy()
    k = _kernel(p)
    F = np.empty((CHUNK, B, 4 * H), dtype=p.dtype)  # a chunk's factors of (7), then its da
    P, tc = np.empty((2, CHUNK, B, H), dtype=p.dtype)
    dc, dh_prev = np.empty((2, B, H), dtype=p.dtype)
    dx, grads = np.empty(x.shape, p.dtype), zero_grads(p)
    for t0, t1 in reverse_chunks(T):                # params.CHUNK steps at a time, last first
        n, A = t1 - t0, cache.A[t0:t1]
        np.tanh(cs[t0 + 1:t1 + 1], out=tc[:n])
        _factors(A, cs[t0:t1], tc[:n], F[:n], P[:n])
        for j in reversed(range(n)):
            gh += dh[t0 + j]                        # upstream plus what came back from step t+1
            _step_back((gh, gc), (F[j], P[j], A[j, :, H:2 * H]), k, dc, dh_prev)
            gh, dh_prev = dh_prev, gh               # dh_{t-1} becomes the next step's g_h
        da = F[:n].reshape(n * B, 4 * H)            # (8) dx_t = da W_ih and (9), the chunk at once
        np.matmul(da, p.weight_ih, out=dx[t0:t1].reshape(n * B, p.D))
        add_grads(grads, fused_grads(da, x[t0:t1].reshape(n * B, p.D), da, hs[t0:t1].reshape(n * B, H)))
    return dx, (gh, gc), grads


def lstm_forward_reference(x, state0, params: CellParams):
    """(1)-(5) as written, one line each, in a plain loop: the specification the fast kernel
    (:func:`lstm_forward`) is tested against. x (T, B, D), state0 = (h0, c0) or None.

    Returns (h (T, B, H), (h_T, c_T)). No cache, no backward: for reading and for tests.

    σ is ``params.sigmoid``, (1 + tanh(a/2)) / 2: the same function as 1 / (1 + exp(-a)),
    without exp's overflow for large negative a.

    Raises TypeError when params is not a CellParams of this kind or comes before the state,
    ValueError for an array of the wrong shape or dtype or with nan or inf; each names the argument.
    """
    p = check_params(check_state_before_params("lstm_forward_reference", "state0", state0, params,
                                               state_shape="= (h0, c0), each (B, H),"), "lstm")
    x = check_input(x, "x", p, ndim=3)
    h, c = _states(state0, "state0", ("h0", "c0"), x.shape[1], p, "x")
    hs = []
    for x_t in x:
        a = x_t @ p.weight_ih.T + p.bias_ih + h @ p.weight_hh.T + p.bias_hh    # (1)
        a_i, a_f, a_g, a_o = np.split(a, 4, axis=1)
        i, f, o = sigmoid(a_i), sigmoid(a_f), sigmoid(a_o)                      # (2)
        g = np.tanh(a_g)                                                        # (3)
        c = f * c + i * g                                                       # (4)
        h = o * np.tanh(c)                                                      # (5)
        hs.append(h)
    return (np.stack(hs) if hs else np.empty((0,) + h.shape, p.dtype)), (h, c)      # T = 0: no steps
