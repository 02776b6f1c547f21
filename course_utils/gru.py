"""GRU in NumPy, forward and backpropagation through time, with the reset gate after or before
the recurrent product.

Shapes: x_t (B, D), x (T, B, D), h_t (B, H), h (T, B, H). Parameters in ``CellParams`` with
gates r, z, n stacked in PyTorch's order: ``weight_ih (3H, D)``, ``weight_hh (3H, H)``,
``bias_ih (3H,)``, ``bias_hh (3H,)``; ``params.reset_after`` (Keras' name for the option) picks
where the reset gate acts. Both forms share the gates and the interpolation, with the course's
one convention for z (PyTorch's and Cho et al.'s: z -> 1 keeps the old state):

    r_t = σ(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr),   z_t = σ(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)
    h_t = (1 - z_t) ⊙ n_t + z_t ⊙ h_{t-1}

reset_after=True (``torch.nn.GRU``, cuDNN; Keras' cuDNN-compatible form): reset AFTER the product,

    n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t-1} + b_hn))

reset_after=False (the GRU as Cho et al. 2014, eqs. 5-8, write it): reset BEFORE the product,

    n_t = tanh(W_in x_t + b_in + W_hn (r_t ⊙ h_{t-1}) + b_hn)

(Chung et al. 2014 write the same reset-before cell with z and 1 - z swapped; negating the update
gate's weights and biases maps one onto the other. reset_after=False needs two recurrent matmuls
per step, the second after r_t.)

Backward, with g = ∂L/∂h_t (upstream plus what flows back from step t+1) and
da_r, da_z, da_n the gradients of the pre-activations of r, z, n:

    both:          dn = g ⊙ (1 - z),  dz = g ⊙ (h_{t-1} - n),  da_n = dn ⊙ (1 - n²),
                   da_r = dr ⊙ r(1-r),  da_z = dz ⊙ z(1-z),  dx_t = [da_r, da_z, da_n] W_ih
    reset after:   dr = da_n ⊙ (W_hn h_{t-1} + b_hn),  dh_{t-1} = g ⊙ z + [da_r, da_z, r ⊙ da_n] W_hh
    reset before:  d(r⊙h) = da_n W_hn,  dr = d(r⊙h) ⊙ h_{t-1},
                   dh_{t-1} = g ⊙ z + d(r⊙h) ⊙ r + [da_r, da_z] W_h(rz)
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import check_grad, check_input, check_params, check_state
from .params import CellParams, check_state_before_params, input_projection, sigmoid


def _fold_bias(p: CellParams) -> np.ndarray:
    """Bias added to the input projection: b_ih, plus b_hr and b_hz (b_hn stays in the recurrence)."""
    b = p.bias_ih.copy()
    b[:2 * p.H] += p.bias_hh[:2 * p.H]
    return b


def _step(xp_t, h_prev, p, W_hhT, A, hp_n, h):
    """One step into the out arrays: A (B, 3H) = [r z n] activations, hp_n (B, H), h (B, H).

    xp_t (B, 3H) = x_t W_ihᵀ + b_ih (+ b_hr, b_hz); W_hhT (H, 3H) = W_hhᵀ, a contiguous copy.
    hp_n is what backward needs from the recurrence: W_hn h_{t-1} + b_hn (reset after) or
    r_t ⊙ h_{t-1} (reset before).
    """
    H = h.shape[-1]
    rz, n = A[:, :2 * H], A[:, 2 * H:]
    r, z = A[:, :H], A[:, H:2 * H]
    if p.reset_after:
        hp = h_prev @ W_hhT                           # one fused recurrent matmul
        np.add(hp[:, 2 * H:], p.bias_hh[2 * H:], out=hp_n)
        sigmoid(np.add(xp_t[:, :2 * H], hp[:, :2 * H], out=rz), out=rz)
        np.multiply(r, hp_n, out=n)
        n += xp_t[:, 2 * H:]
    else:
        np.matmul(h_prev, W_hhT[:, :2 * H], out=rz)
        sigmoid(np.add(rz, xp_t[:, :2 * H], out=rz), out=rz)
        np.multiply(r, h_prev, out=hp_n)
        np.matmul(hp_n, W_hhT[:, 2 * H:], out=n)  # second matmul, after r_t
        n += xp_t[:, 2 * H:]
        n += p.bias_hh[2 * H:]
    np.tanh(n, out=n)
    np.subtract(h_prev, n, out=h)                     # h = n + z ⊙ (h_prev - n)
    h *= z
    h += n
    return h


def _step_back(g, h_prev, A, hp_n, p, d_ih, d_hh):
    """Pre-activation gradients of one step: d_ih (B, 3H) for the input side, d_hh (B, 3H) for
    the recurrent side (written in place); returns dh_{t-1} (B, H)."""
    H = g.shape[-1]
    r, z, n = A[:, :H], A[:, H:2 * H], A[:, 2 * H:]
    da_r, da_z, da_n = d_ih[:, :H], d_ih[:, H:2 * H], d_ih[:, 2 * H:]
    np.multiply(g, 1.0 - z, out=da_n)                                  # dn
    da_n *= 1.0 - n * n
    np.subtract(h_prev, n, out=da_z)
    da_z *= g                                                          # dz
    da_z *= z * (1.0 - z)
    if p.reset_after:
        np.multiply(da_n, hp_n, out=da_r)                              # dr
        da_r *= r * (1.0 - r)
        d_hh[:, :2 * H] = d_ih[:, :2 * H]
        np.multiply(da_n, r, out=d_hh[:, 2 * H:])
        dh_prev = d_hh @ p.weight_hh
        dh_prev += g * z
        return dh_prev
    d_rh = da_n @ p.weight_hh[2 * H:]                                  # ∂L/∂(r ⊙ h_{t-1})
    np.multiply(d_rh, h_prev, out=da_r)
    da_r *= r * (1.0 - r)
    dh_prev = d_ih[:, :2 * H] @ p.weight_hh[:2 * H]
    dh_prev += d_rh * r
    dh_prev += g * z
    return dh_prev


def _grads(p, d_ih, x, d_hh, h_prev, hp_n):
    """Parameter gradients summed over N rows: d_ih, d_hh (N, 3H), x (N, D), h_prev, hp_n (N, H)."""
    H = p.H
    if p.reset_after:                              # recurrent side input is h_prev for all gates
        d_rec, W_hh = d_hh, d_hh.T @ h_prev
    else:                                          # r, z see h_prev; n sees r ⊙ h_prev
        d_rec = d_ih
        W_hh = np.concatenate([d_ih[:, :2 * H].T @ h_prev, d_ih[:, 2 * H:].T @ hp_n])
    return {"weight_ih": d_ih.T @ x, "weight_hh": W_hh,
            "bias_ih": d_ih.sum(axis=0), "bias_hh": d_rec.sum(axis=0)}


@dataclass
class GRUStepCache:
    """x_t (B, D), h_prev, h (B, H), A (B, 3H) activations [r z n], hp_n (B, H), params."""
    x_t: np.ndarray
    h_prev: np.ndarray
    h: np.ndarray
    A: np.ndarray
    hp_n: np.ndarray
    params: CellParams

    @property
    def gates(self) -> dict[str, np.ndarray]:
        """{"r": (B, H), "z": …, "n": …} gate activations of this step."""
        H = self.h.shape[-1]
        return {k: self.A[..., j * H:(j + 1) * H] for j, k in enumerate("rzn")}


@dataclass
class GRUCache:
    """What ``gru_backward`` needs: x (T, B, D), hs (T+1, B, H) = h_0…h_T, A (T, B, 3H)
    activations [r z n] (``cache.gates["z"]`` is (T, B, H)), hp_n (T, B, H), params.
    Shares memory with the returned h: do not modify h in place before backward."""
    x: np.ndarray
    hs: np.ndarray
    A: np.ndarray
    hp_n: np.ndarray
    params: CellParams

    gates = GRUStepCache.gates

    @property
    def h(self) -> np.ndarray:
        return self.hs[1:]


def gru_step_forward(x_t, h_prev, params: CellParams):
    """One GRU step (reset after or before the product: ``params.reset_after``). x_t (B, D), h_prev (B, H) or None.

    Returns (h (B, H), cache); ``cache.gates`` holds r, z, n (B, H).
    """
    p = check_params(params, "gru")
    x_t = check_input(x_t, "x_t", p, ndim=2)
    h_prev = check_state(h_prev, "h_prev", x_t.shape[0], p, "x_t")
    xp = input_projection(x_t, p.weight_ih, _fold_bias(p))
    A, hp_n, h = np.empty_like(xp), np.empty_like(h_prev), np.empty_like(h_prev)
    _step(xp, h_prev, p, p.weight_hh.T.copy(), A, hp_n, h)
    return h, GRUStepCache(x_t, h_prev, h, A, hp_n, p)


def gru_step_backward(dh, cache: GRUStepCache):
    """Gradients of one step: dh (B, H) = ∂L/∂h_t -> (dx_t (B, D), dh_prev (B, H), grads).

    grads: dict weight_ih (3H, D), weight_hh (3H, H), bias_ih (3H,), bias_hh (3H,).
    """
    p = cache.params
    dh = check_grad(dh, "dh", cache.h.shape, p.dtype)
    d_ih, d_hh = np.empty_like(cache.A), np.empty_like(cache.A)
    dh_prev = _step_back(dh, cache.h_prev, cache.A, cache.hp_n, p, d_ih, d_hh)
    return d_ih @ p.weight_ih, dh_prev, _grads(p, d_ih, cache.x_t, d_hh, cache.h_prev, cache.hp_n)


def gru_forward(x, h0=None, params: CellParams | None = None):
    """Run the GRU over a sequence: ``gru_forward(x, h0, params)``, state before params.

    x (T, B, D), h0 (B, H) or None (zeros).
    Returns (h (T, B, H) all hidden states, h_T (B, H), cache).
    ``params`` is required; h0 may be left out by keyword: ``gru_forward(x, params=p)``.
    """
    p = check_params(check_state_before_params("gru_forward", "h0", h0, params), "gru")
    x = check_input(x, "x", p, ndim=3)
    T, B, _ = x.shape
    h0 = check_state(h0, "h0", B, p, "x")
    xp = input_projection(x, p.weight_ih, _fold_bias(p))   # (T, B, 3H), one matmul
    hs = np.empty((T + 1, B, p.H), dtype=p.dtype)
    hs[0] = h0
    A, hp_n = np.empty_like(xp), np.empty((T, B, p.H), dtype=p.dtype)
    W_hhT = p.weight_hh.T.copy()
    for t in range(T):
        _step(xp[t], hs[t], p, W_hhT, A[t], hp_n[t], hs[t + 1])
    return hs[1:], hs[T], GRUCache(x, hs, A, hp_n, p)


def gru_backward(dh, cache: GRUCache, dh_T=None):
    """BPTT. dh (T, B, H) = ∂L/∂h_t for every t; dh_T (B, H) or None = extra gradient of h_T.

    Returns (dx (T, B, D), dh0 (B, H), grads) with grads a dict of weight_ih (3H, D),
    weight_hh (3H, H), bias_ih (3H,), bias_hh (3H,).
    """
    p, x, hs = cache.params, cache.x, cache.hs
    T, B, H = cache.hp_n.shape
    dh = check_grad(dh, "dh", (T, B, H), p.dtype)
    g = check_grad(dh_T, "dh_T", (B, H), p.dtype).copy()
    d_ih, d_hh = np.empty_like(cache.A), np.empty_like(cache.A)   # stashed pre-activation gradients
    for t in reversed(range(T)):
        g += dh[t]
        g = _step_back(g, hs[t], cache.A[t], cache.hp_n[t], p, d_ih[t], d_hh[t])
    flat = lambda a: a.reshape(T * B, a.shape[-1])  # noqa: E731
    dx = (flat(d_ih) @ p.weight_ih).reshape(T, B, p.D)
    return dx, g, _grads(p, flat(d_ih), flat(x), flat(d_hh), flat(hs[:-1]), flat(cache.hp_n))
