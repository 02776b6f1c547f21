"""LSTM in NumPy, forward and backpropagation through time (BPTT).

Shapes: x_t (B, D), x (T, B, D), h_t and c_t (B, H), h (T, B, H); the state is the pair
(h, c). Parameters in ``CellParams`` with gates i, f, g, o stacked in PyTorch's order:
``weight_ih (4H, D)``, ``weight_hh (4H, H)``, ``bias_ih (4H,)``, ``bias_hh (4H,)``.

Forward, the same as ``torch.nn.LSTM``:

    [a_i, a_f, a_g, a_o] = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh      (B, 4H)
    i_t = σ(a_i),  f_t = σ(a_f),  g_t = tanh(a_g),  o_t = σ(a_o)     input, forget, candidate, output
    c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t
    h_t = o_t ⊙ tanh(c_t)

Backward, with g_h = ∂L/∂h_t and g_c = ∂L/∂c_t (upstream plus what flows back from step t+1):

    do = g_h ⊙ tanh(c_t)
    dc = g_c + g_h ⊙ o_t ⊙ (1 - tanh²(c_t))
    di = dc ⊙ g_t,   df = dc ⊙ c_{t-1},   dg = dc ⊙ i_t,   dc_{t-1} = dc ⊙ f_t
    da = [di ⊙ i(1-i), df ⊙ f(1-f), dg ⊙ (1-g²), do ⊙ o(1-o)]         (B, 4H)
    dx_t = da W_ih,   dh_{t-1} = da W_hh,   dW_ih = Σ_t daᵀ x_t,   dW_hh = Σ_t daᵀ h_{t-1}
    db_ih = db_hh = Σ_t Σ_batch da

Layout for speed: the parameters stay in PyTorch's fused layout, but the working arrays are
gate-major, A_t (4, B, H) with A_t[0] = i_t, …, A_t[3] = o_t, so each gate is one contiguous
block. One matmul of h_{t-1} (B, H) with the stacked per-gate weights (4, H, H) gives every
pre-activation of a step; one matmul gives the input projection of every step.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ._checks import check_grad, check_input, check_pair, check_params, check_state
from .params import GATES, CellParams, check_state_before_params


class _Fused(NamedTuple):
    """Weights arranged so that ONE tanh over the contiguous (4, B, H) block yields all gates.

    σ(a) = (1 + tanh(a/2)) / 2, so the rows of i, f, o are halved (exact in floating point) and
    after the tanh each gate block is mapped by ``act * half + shift`` (½·t + ½ for i, f, o;
    t for g). W_ihT (4, D, H), W_hhT (4, H, H) and b (4, 1, H): halved, per gate, transposed;
    half, shift (4, 1, 1); lo (4, 1, 1) = [0, 0, 1, 0] for the derivatives.
    """
    W_ihT: np.ndarray
    b: np.ndarray
    W_hhT: np.ndarray
    half: np.ndarray
    shift: np.ndarray
    lo: np.ndarray


def _fuse(p: CellParams) -> _Fused:
    H = p.H
    const = lambda *v: np.array(v, dtype=p.dtype).reshape(4, 1, 1)  # noqa: E731
    half = const(0.5, 0.5, 1.0, 0.5)
    per_gate_T = lambda W: (W.reshape(4, H, -1) * half).transpose(0, 2, 1).copy()  # noqa: E731
    b = (p.bias_ih + p.bias_hh).reshape(4, 1, H) * half
    return _Fused(per_gate_T(p.weight_ih), b, per_gate_T(p.weight_hh), half,
                  const(0.5, 0.5, 0.0, 0.5), const(0.0, 0.0, 1.0, 0.0))


def _project(x, k: _Fused):
    """x (…, D) -> (4, …, H): x W_ihᵀ for every step in ONE (stacked per-gate) matmul, i, f, o halved.

    Gate-major with the gate axis first. The steps turn it into the activations in place (no
    second large array); the bias is added in the step (cheaper than a pass over this array).
    """
    *lead, D = x.shape
    xp = np.matmul(x.reshape(-1, D), k.W_ihT)                 # (4, N, H)
    return xp.reshape(4, *lead, xp.shape[-1])


def _step(A, h_prev, c_prev, k: _Fused, c, tc, h, hp):
    """One step. A (4, B, H) holds x_t W_ihᵀ per gate (from ``_project``) and becomes the
    activations [i, f, g, o]; c, tc = tanh(c), h (B, H) are written; hp (4, B, H) is scratch.
    """
    np.matmul(h_prev, k.W_hhT, out=hp)         # all gates' recurrent products, one matmul
    A += hp
    A += k.b
    np.tanh(A, out=A)
    A *= k.half
    A += k.shift                               # i, f, o = σ(a), g = tanh(a)
    i, f, g, o = A
    np.multiply(i, g, out=tc)                  # (tc as scratch)
    np.multiply(f, c_prev, out=c)
    c += tc                                    # c_t = f ⊙ c_{t-1} + i ⊙ g
    np.tanh(c, out=tc)
    return np.multiply(o, tc, out=h)           # h_t = o ⊙ tanh(c_t)


def _step_back(gh, gc, A, c_prev, tc, k: _Fused, dA):
    """Pre-activation gradients dA (4, B, H) of one step, written in place; returns dc_{t-1} (B, H)."""
    i, f, g, o = A
    dc = np.multiply(tc, tc)
    np.subtract(1.0, dc, out=dc)
    dc *= o
    dc *= gh
    dc += gc                                   # dc = g_c + g_h ⊙ o ⊙ (1 - tanh²(c_t))
    np.multiply(dc, g, out=dA[0])              # di
    np.multiply(dc, c_prev, out=dA[1])         # df
    np.multiply(dc, i, out=dA[2])              # dg
    np.multiply(gh, tc, out=dA[3])             # do
    local = np.subtract(1.0, A)                # through the activations, all gates at once:
    dA *= local                                # σ' = σ(1 - σ), tanh' = (1 + g)(1 - g)
    np.add(A, k.lo, out=local)
    dA *= local
    return np.multiply(dc, f, out=dc)          # dc_{t-1} = dc ⊙ f


def _grads(dA, x, h_prev, p: CellParams):
    """Weight gradients summed over N rows: dA (4, N, H), x (N, D), h_prev (N, H); and dx (N, D)."""
    dAT = dA.transpose(0, 2, 1)                # (4, H, N): one matmul per weight, over all rows
    b = dA.sum(axis=1).reshape(-1)
    grads = {"weight_ih": np.matmul(dAT, x).reshape(4 * p.H, p.D),
             "weight_hh": np.matmul(dAT, h_prev).reshape(4 * p.H, p.H), "bias_ih": b, "bias_hh": b.copy()}
    dx = dA[0] @ p.weight_ih[:p.H]             # dx = Σ_gates da W_ih, accumulated gate by gate
    for k in range(1, 4):
        dx += dA[k] @ p.weight_ih[k * p.H:(k + 1) * p.H]
    return dx, grads


def _dh_prev(dA, p: CellParams):
    """dh_{t-1} = da W_hh: (4, B, H) times the per-gate (H, H) blocks, summed over the gates."""
    return np.matmul(dA, p.weight_hh.reshape(4, p.H, p.H)).sum(axis=0)


@dataclass
class LSTMStepCache:
    """x_t (B, D), h_prev, c_prev, c, tc = tanh(c), h (B, H), A (4, B, H) activations [i, f, g, o], params."""
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
        """{"i": (B, H), "f": …, "g": …, "o": …} gate activations (views)."""
        return {name: self.A[k] for k, name in enumerate(GATES["lstm"])}


@dataclass
class LSTMCache:
    """What ``lstm_backward`` needs, and what chapters plot.

    x (T, B, D); hs, cs (T+1, B, H) = states h_0…h_T and c_0…c_T; tc (T, B, H) = tanh(c_t);
    A (4, T, B, H) gate activations [i, f, g, o]. ``cache.gates["f"]`` is the (T, B, H) forget
    gate, ``cache.c`` the (T, B, H) cell states c_1…c_T. These share memory with the
    returned h and state: do not modify them in place before backward.
    """
    x: np.ndarray
    hs: np.ndarray
    cs: np.ndarray
    tc: np.ndarray
    A: np.ndarray
    params: CellParams

    gates = LSTMStepCache.gates

    @property
    def h(self) -> np.ndarray:
        return self.hs[1:]

    @property
    def c(self) -> np.ndarray:
        return self.cs[1:]


def _states(state, name, labels, batch, p, ref):
    """Validate the pair ``name`` = (h, c); ``labels`` name its parts in messages, e.g. ("h0", "c0")."""
    h, c = check_pair(state, name)
    return tuple(check_state(s, f"{name}[{k}] ({label})", batch, p, ref)
                 for k, (s, label) in enumerate(zip((h, c), labels)))


def lstm_step_forward(x_t, state, params: CellParams):
    """One LSTM step. x_t (B, D), state = (h_prev, c_prev) each (B, H), or None (zeros).

    Returns ((h, c) each (B, H), cache); ``cache.gates`` holds i, f, g, o (B, H).
    """
    p = check_params(params, "lstm")
    x_t = check_input(x_t, "x_t", p, ndim=2)
    h_prev, c_prev = _states(state, "state", ("h_prev", "c_prev"), x_t.shape[0], p, "x_t")
    k = _fuse(p)
    A = _project(x_t, k)                       # (4, B, H)
    c, tc, h = (np.empty_like(h_prev) for _ in range(3))
    _step(A, h_prev, c_prev, k, c, tc, h, np.empty_like(A))
    return (h, c), LSTMStepCache(x_t, h_prev, c_prev, c, tc, h, A, p)


def lstm_step_backward(dstate, cache: LSTMStepCache):
    """Gradients of one step: dstate = (dh, dc), ∂L/∂h_t and ∂L/∂c_t (B, H) (dc may be None).

    Returns (dx_t (B, D), (dh_prev, dc_prev) (B, H), grads) with grads a dict of
    weight_ih (4H, D), weight_hh (4H, H), bias_ih (4H,), bias_hh (4H,).
    """
    p = cache.params
    dh, dc = check_pair(dstate, "dstate")
    dh = check_grad(dh, "dstate[0] (dh)", cache.h.shape, p.dtype)
    dc = check_grad(dc, "dstate[1] (dc)", cache.c.shape, p.dtype).copy()
    dA = np.empty_like(cache.A)
    dc_prev = _step_back(dh, dc, cache.A, cache.c_prev, cache.tc, _fuse(p), dA)
    dx, grads = _grads(dA, cache.x_t, cache.h_prev, p)
    return dx, (_dh_prev(dA, p), dc_prev), grads


def lstm_forward(x, state0=None, params: CellParams | None = None):
    """Run the LSTM over a sequence: ``lstm_forward(x, state0, params)``, state before params.

    x (T, B, D), state0 = (h0, c0) each (B, H), or None (zeros).
    Returns (h (T, B, H) all hidden states, (h_T, c_T) each (B, H), cache).
    ``params`` is required; state0 may be left out by keyword: ``lstm_forward(x, params=p)``.
    """
    p = check_params(check_state_before_params("lstm_forward", "state0", state0, params,
                                               state_shape="= (h0, c0), each (B, H),"), "lstm")
    x = check_input(x, "x", p, ndim=3)
    T, B, _ = x.shape
    h0, c0 = _states(state0, "state0", ("h0", "c0"), B, p, "x")
    k = _fuse(p)
    A = _project(x, k)                         # (4, T, B, H), one matmul
    hs, cs = np.empty((2, T + 1, B, p.H), dtype=p.dtype)
    hs[0], cs[0] = h0, c0
    tc, hp = np.empty((T, B, p.H), dtype=p.dtype), np.empty((4, B, p.H), dtype=p.dtype)
    for t in range(T):
        _step(A[:, t], hs[t], cs[t], k, cs[t + 1], tc[t], hs[t + 1], hp)
    return hs[1:], (hs[T], cs[T]), LSTMCache(x, hs, cs, tc, A, p)


def lstm_backward(dh, cache: LSTMCache, dstate_T=None):
    """BPTT. dh (T, B, H) = ∂L/∂h_t for every t; dstate_T = (dh_T, dc_T) (B, H) or None.

    Returns (dx (T, B, D), (dh0, dc0) each (B, H), grads) with grads a dict of
    weight_ih (4H, D), weight_hh (4H, H), bias_ih (4H,), bias_hh (4H,).
    """
    p, x, hs = cache.params, cache.x, cache.hs
    T, B, H = cache.tc.shape
    dh = check_grad(dh, "dh", (T, B, H), p.dtype)
    dh_T, dc_T = check_pair(dstate_T, "dstate_T")
    gh = check_grad(dh_T, "dstate_T[0] (dh_T)", (B, H), p.dtype).copy()
    gc = check_grad(dc_T, "dstate_T[1] (dc_T)", (B, H), p.dtype).copy()
    k = _fuse(p)
    dA = np.empty((4, T, B, H), dtype=p.dtype)     # stashed pre-activation gradients, gate-major
    for t in reversed(range(T)):
        gh += dh[t]
        gc = _step_back(gh, gc, cache.A[:, t], cache.cs[t], cache.tc[t], k, dA[:, t])
        gh = _dh_prev(dA[:, t], p)
    dx, grads = _grads(dA.reshape(4, T * B, H), x.reshape(T * B, p.D), hs[:-1].reshape(T * B, H), p)
    return dx.reshape(T, B, p.D), (gh, gc), grads
