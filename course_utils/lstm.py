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
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import check_grad, check_input, check_pair, check_params, check_state
from .params import GATES, CellParams, fused_grads, input_projection, sigmoid


def _split(A):
    """(…, 4H) -> the four (…, H) gate blocks i, f, g, o (views)."""
    H = A.shape[-1] // 4
    return tuple(A[..., k * H:(k + 1) * H] for k in range(4))


def _step(xp_t, h_prev, c_prev, W_hh, A, c, tc, h):
    """One step into the out arrays: A (B, 4H) = [i f g o] activations, c, tc = tanh(c), h (B, H).

    xp_t (B, 4H) = x_t W_ihᵀ + b_ih + b_hh, precomputed for all steps at once.
    """
    np.matmul(h_prev, W_hh.T, out=A)
    A += xp_t
    H = c.shape[-1]
    sigmoid(A[:, :2 * H], out=A[:, :2 * H])            # i, f
    np.tanh(A[:, 2 * H:3 * H], out=A[:, 2 * H:3 * H])  # g
    sigmoid(A[:, 3 * H:], out=A[:, 3 * H:])            # o
    i, f, g, o = _split(A)
    np.multiply(f, c_prev, out=c)
    c += i * g
    np.tanh(c, out=tc)
    return np.multiply(o, tc, out=h)


def _step_back(gh, gc, A, c_prev, tc, dA):
    """Pre-activation gradients dA (B, 4H) of one step, written in place; returns dc_{t-1} (B, H)."""
    i, f, g, o = _split(A)
    da_i, da_f, da_g, da_o = _split(dA)
    dc = 1.0 - tc * tc
    dc *= o
    dc *= gh
    dc += gc
    np.multiply(gh, tc, out=da_o)          # do
    np.multiply(dc, g, out=da_i)           # di
    np.multiply(dc, c_prev, out=da_f)      # df
    np.multiply(dc, i, out=da_g)           # dg
    sig = dA[:, :2 * dc.shape[-1]]
    sig *= A[:, :2 * dc.shape[-1]] * (1.0 - A[:, :2 * dc.shape[-1]])   # σ' = σ(1-σ) for i, f
    da_o *= o * (1.0 - o)
    da_g *= 1.0 - g * g
    return np.multiply(dc, f, out=dc)


@dataclass
class LSTMStepCache:
    """x_t (B, D), h_prev, c_prev, c, tc = tanh(c), h (B, H), A (B, 4H) activations [i f g o], params."""
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
        """{"i": (B, H), "f": …, "g": …, "o": …} gate activations of this step."""
        return dict(zip(GATES["lstm"], _split(self.A)))


@dataclass
class LSTMCache:
    """What ``lstm_backward`` needs, and what chapters plot.

    x (T, B, D); hs, cs (T+1, B, H) = states h_0…h_T and c_0…c_T; tc (T, B, H) = tanh(c_t);
    A (T, B, 4H) gate activations [i f g o]. ``cache.gates["f"]`` is the (T, B, H) forget
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
    xp = input_projection(x_t, p.weight_ih, p.bias_ih + p.bias_hh)
    A, (c, tc, h) = np.empty_like(xp), (np.empty_like(h_prev) for _ in range(3))
    _step(xp, h_prev, c_prev, p.weight_hh, A, c, tc, h)
    return (h, c), LSTMStepCache(x_t, h_prev, c_prev, c, tc, h, A, p)


def lstm_step_backward(dstate, cache: LSTMStepCache):
    """Gradients of one step: dstate = (dh, dc), ∂L/∂h_t and ∂L/∂c_t (B, H) (dc may be None).

    Returns (dx_t (B, D), (dh_prev, dc_prev) (B, H), grads) with grads a dict of
    weight_ih (4H, D), weight_hh (4H, H), bias_ih (4H,), bias_hh (4H,).
    """
    p = cache.params
    dh, dc = check_pair(dstate, "dstate")
    dh = check_grad(dh, "dstate[0] (dh)", cache.h.shape, p.dtype)
    dc = check_grad(dc, "dstate[1] (dc)", cache.c.shape, p.dtype)
    dA = np.empty_like(cache.A)
    dc_prev = _step_back(dh, dc, cache.A, cache.c_prev, cache.tc, dA)
    return dA @ p.weight_ih, (dA @ p.weight_hh, dc_prev), fused_grads(dA, cache.x_t, dA, cache.h_prev)


def lstm_forward(x, params: CellParams, state0=None):
    """Run the LSTM over a sequence.

    x (T, B, D), state0 = (h0, c0) each (B, H), or None (zeros).
    Returns (h (T, B, H) all hidden states, (h_T, c_T) each (B, H), cache).
    """
    p = check_params(params, "lstm")
    x = check_input(x, "x", p, ndim=3)
    T, B, _ = x.shape
    h0, c0 = _states(state0, "state0", ("h0", "c0"), B, p, "x")
    xp = input_projection(x, p.weight_ih, p.bias_ih + p.bias_hh)   # (T, B, 4H), one matmul
    hs, cs = np.empty((2, T + 1, B, p.H), dtype=p.dtype)
    hs[0], cs[0] = h0, c0
    tc, A = np.empty((T, B, p.H), dtype=p.dtype), np.empty_like(xp)
    for t in range(T):
        _step(xp[t], hs[t], cs[t], p.weight_hh, A[t], cs[t + 1], tc[t], hs[t + 1])
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
    dA = np.empty_like(cache.A)                  # stashed pre-activation gradients
    for t in reversed(range(T)):
        gh += dh[t]
        gc = _step_back(gh, gc, cache.A[t], cache.cs[t], cache.tc[t], dA[t])
        gh = dA[t] @ p.weight_hh
    dA2 = dA.reshape(T * B, 4 * H)
    dx = (dA2 @ p.weight_ih).reshape(T, B, p.D)
    grads = fused_grads(dA2, x.reshape(T * B, p.D), dA2, hs[:-1].reshape(T * B, H))
    return dx, (gh, gc), grads
