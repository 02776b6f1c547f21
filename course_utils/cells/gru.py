"""GRU in NumPy, forward and backpropagation through time, with the reset gate after or before
the recurrent product.

Shapes: x_t (B, D), x (T, B, D), h_t (B, H), h (T, B, H). Parameters in ``CellParams`` with
gates r, z, n stacked in PyTorch's order: ``weight_ih (3H, D)``, ``weight_hh (3H, H)``,
``bias_ih (3H,)``, ``bias_hh (3H,)``; ``params.reset_after`` (Keras' name for the option) picks
where the reset gate acts. Both forms share the gates and the interpolation, with the course's
one convention for z (PyTorch's and Cho et al.'s: z -> 1 keeps the old state). Forward
(numbers used in the code's comments):

    (1)  r_t = σ(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr)                  reset gate   (B, H)
    (2)  z_t = σ(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)                  update gate  (B, H)
    (3a) n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t-1} + b_hn))       reset AFTER  (B, H)
    (3b) n_t = tanh(W_in x_t + b_in + W_hn (r_t ⊙ h_{t-1}) + b_hn)       reset BEFORE (B, H)
    (4)  h_t = (1 - z_t) ⊙ n_t + z_t ⊙ h_{t-1}                                        (B, H)

(3a), reset_after=True, is ``torch.nn.GRU``'s and cuDNN's form (Keras' cuDNN-compatible one);
(3b), reset_after=False, is the GRU as Cho et al. 2014 (eqs. 5-8) write it. (Chung et al. 2014
write the same reset-before cell with z and 1 - z swapped; negating the update gate's weights
and biases maps one onto the other. (3b) needs two recurrent matmuls per step, the second
after r_t.)

Backward, with g = ∂L/∂h_t (upstream plus what flows back from step t+1) and
da_r, da_z, da_n the gradients of the pre-activations of r, z, n:

    (5)  dn = g ⊙ (1 - z),  dz = g ⊙ (h_{t-1} - n),  da_n = dn ⊙ (1 - n²),  da_z = dz ⊙ z(1-z)
    (6a) after:   dr = da_n ⊙ (W_hn h_{t-1} + b_hn),  da_r = dr ⊙ r(1-r),
                  dh_{t-1} = g ⊙ z + [da_r, da_z, r ⊙ da_n] W_hh
    (6b) before:  d(r⊙h) = da_n W_hn,  dr = d(r⊙h) ⊙ h_{t-1},  da_r = dr ⊙ r(1-r),
                  dh_{t-1} = g ⊙ z + d(r⊙h) ⊙ r + [da_r, da_z] W_h(rz)
    (7)  dx_t = [da_r, da_z, da_n] W_ih,  dW_ih = Σ_t [da_r, da_z, da_n]ᵀ x_t,
         db_ih = Σ_t Σ_batch [da_r, da_z, da_n]
    (7a) after:   dW_hh = Σ_t [da_r, da_z, r ⊙ da_n]ᵀ h_{t-1},  db_hh = Σ_t Σ_batch [da_r, da_z, r ⊙ da_n]
    (7b) before:  dW_h(rz) = Σ_t [da_r, da_z]ᵀ h_{t-1},  dW_hn = Σ_t da_nᵀ (r ⊙ h_{t-1}),  db_hh = db_ih

:func:`gru_forward_reference` is (1)-(4), one line each, in a plain loop; the fast kernel
computes the same numbers (``tests/test_cells_vs_torch.py`` checks both).

Kernel layout and contracts, as in ``rnn.py`` (which states them) and ``lstm.py``: PyTorch's
fused parameters prepared once by ``_kernel``; the input side of every step is ONE matmul
before the loop (``params.input_projection``, with b_hr and b_hz folded in; b_hn stays in the
recurrence); each step is one recurrent matmul (two for (3b)) into a (B, 3H) block [r z n];
the cache keeps x, hs (T+1, B, H), the activations A (T, B, 3H) and ``params`` (plus hp_n,
what (6) needs from the recurrence); backward walks back ``params.CHUNK`` steps at a time,
stashing a chunk's pre-activation gradients (CHUNK, B, 3H) and forming its share of (7) with
one matmul each (``params.fused_grads``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

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
from course_utils.cells.validate import (check_cache, check_grad, check_input, check_params,
                                         check_state, check_state_before_params)

__all__ = ["GRUStepCache", "GRUCache", "gru_step_forward", "gru_step_backward", "gru_forward", "gru_backward",
           "gru_forward_reference"]


class _Kernel(NamedTuple):
    """The weights as the kernel uses them (the same first four fields as in rnn.py, lstm.py):
    W_ih (3H, D) and b (3H,) = b_ih plus b_hr, b_hz for the input projection (b_hn stays in the
    recurrence); W_hhT (H, 3H) = W_hhᵀ, a contiguous copy (forward); W_hh (3H, H) as stored
    (backward). Then the GRU's own: b_hn (H,) and reset_after."""
    W_ih: np.ndarray
    b: np.ndarray
    W_hhT: np.ndarray
    W_hh: np.ndarray
    b_hn: np.ndarray
    reset_after: bool


def _kernel(p: CellParams) -> _Kernel:
    """Build the kernel's weights from ``p`` (one call per forward or backward, not per step)."""
    b = p.bias_ih.copy()
    b[:2 * p.H] += p.bias_hh[:2 * p.H]
    return _Kernel(p.weight_ih, b, p.weight_hh.T.copy(), p.weight_hh, p.bias_hh[2 * p.H:], p.reset_after)


def _step(xp_t, h_prev, k: _Kernel, A, hp_n, h):
    """(1)-(4), one step into the outputs: A (B, 3H) = [r z n] activations, hp_n (B, H), h (B, H).

    The kernels' shared forward contract (``rnn.py``): (input projection of step t, previous
    state, kernel, outputs of step t) -> state at t.
    xp_t (B, 3H) = x_t W_ihᵀ + b_ih (+ b_hr, b_hz). hp_n is what backward needs from the
    recurrence: W_hn h_{t-1} + b_hn (reset after) or r_t ⊙ h_{t-1} (reset before).
    """
    H, W_hhT = h.shape[-1], k.W_hhT
    rz, n = A[:, :2 * H], A[:, 2 * H:]
    r, z = A[:, :H], A[:, H:2 * H]
    if k.reset_after:
        hp = h_prev @ W_hhT                           # (1)-(3a) one fused recurrent matmul
        np.add(hp[:, 2 * H:], k.b_hn, out=hp_n)
        sigmoid(np.add(xp_t[:, :2 * H], hp[:, :2 * H], out=rz), out=rz)   # (1), (2)
        np.multiply(r, hp_n, out=n)                   # (3a) r ⊙ (W_hn h_{t-1} + b_hn)
        n += xp_t[:, 2 * H:]
    else:
        np.matmul(h_prev, W_hhT[:, :2 * H], out=rz)
        sigmoid(np.add(rz, xp_t[:, :2 * H], out=rz), out=rz)             # (1), (2)
        np.multiply(r, h_prev, out=hp_n)              # (3b) W_hn (r ⊙ h_{t-1}): second matmul, after r_t
        np.matmul(hp_n, W_hhT[:, 2 * H:], out=n)
        n += xp_t[:, 2 * H:]
        n += k.b_hn
    np.tanh(n, out=n)                                 # (3a) or (3b)
    np.subtract(h_prev, n, out=h)                     # (4) h = n + z ⊙ (h_prev - n)
    h *= z
    h += n
    return h


def _step_back(g, saved, k: _Kernel, d_ih, d_hh):
    """(5)-(6) for one step: g = ∂L/∂h_t (B, H); saved = (h_prev, A, hp_n), what step t saved;
    writes the pre-activation gradients d_ih (B, 3H) of the input side and, in the reset-after
    form (6a), d_hh (B, 3H) of the recurrent side (in (3b) that side's gradient is d_ih's, and
    d_hh is left unwritten); returns dh_{t-1} (B, H).

    The kernels' shared backward contract (``rnn.py``): (gradient of the state at t, what step t
    saved, kernel, outputs of step t) -> gradient of the state at t-1."""
    (h_prev, A, hp_n), H = saved, g.shape[-1]
    r, z, n = A[:, :H], A[:, H:2 * H], A[:, 2 * H:]
    da_r, da_z, da_n = d_ih[:, :H], d_ih[:, H:2 * H], d_ih[:, 2 * H:]
    np.multiply(g, 1.0 - z, out=da_n)                                  # (5) dn
    da_n *= 1.0 - n * n
    np.subtract(h_prev, n, out=da_z)
    da_z *= g                                                          # dz
    da_z *= z * (1.0 - z)
    if k.reset_after:                                                  # (6a)
        np.multiply(da_n, hp_n, out=da_r)                              # dr
        da_r *= r * (1.0 - r)
        d_hh[:, :2 * H] = d_ih[:, :2 * H]
        np.multiply(da_n, r, out=d_hh[:, 2 * H:])
        dh_prev = d_hh @ k.W_hh
        dh_prev += g * z
        return dh_prev
    d_rh = da_n @ k.W_hh[2 * H:]                                       # (6b) ∂L/∂(r ⊙ h_{t-1})
    np.multiply(d_rh, h_prev, out=da_r)
    da_r *= r * (1.0 - r)
    dh_prev = d_ih[:, :2 * H] @ k.W_hh[:2 * H]
    dh_prev += d_rh * r
    dh_prev += g * z
    return dh_prev


def _grads(p, d_ih, x, d_hh, h_prev, hp_n):
    """(7), (7a) or (7b): parameter gradients summed over N rows: d_ih, d_hh (N, 3H), x (N, D),
    h_prev, hp_n (N, H)."""
    if p.reset_after:                              # the recurrent side of every gate sees h_prev
        return fused_grads(d_ih, x, d_hh, h_prev)
    H = p.H                                        # (3b): the recurrent side's gradient is d_ih;
    grads = fused_grads(d_ih, x, d_ih[:, :2 * H], h_prev)     # r, z see h_prev, n sees r ⊙ h_prev
    grads["weight_hh"] = np.concatenate([grads["weight_hh"], d_ih[:, 2 * H:].T @ hp_n])
    grads["bias_hh"] = grads["bias_ih"].copy()
    return grads


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
        return gate_views(self.A, "gru")


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
        """The hidden states h_1…h_T (T, B, H)."""
        return self.hs[1:]


def gru_step_forward(x_t, h_prev, params: CellParams):
    """One GRU step, (1)-(4) (reset after or before the product: ``params.reset_after``). x_t (B, D), h_prev (B, H) or None.

    Returns (h (B, H), cache); ``cache.gates`` holds r, z, n (B, H).

    Raises TypeError when params is not a CellParams of this kind or comes before the state,
    ValueError for an array of the wrong shape or dtype or with nan or inf; each names the argument.
    """
    p = check_params(params, "gru")
    x_t = check_input(x_t, "x_t", p, ndim=2)
    h_prev = check_state(h_prev, "h_prev", x_t.shape[0], p, "x_t")
    k = _kernel(p)
    xp = input_projection(x_t, k.W_ih, k.b)
    A, hp_n, h = np.empty_like(xp), np.empty_like(h_prev), np.empty_like(h_prev)
    _step(xp, h_prev, k, A, hp_n, h)
    return h, GRUStepCache(x_t, h_prev, h, A, hp_n, p)


def gru_step_backward(dh, cache: GRUStepCache):
    """Gradients of one step, (5)-(7): dh (B, H) = ∂L/∂h_t -> (dx_t (B, D), dh_prev (B, H), grads).

    grads: dict weight_ih (3H, D), weight_hh (3H, H), bias_ih (3H,), bias_hh (3H,).

    Raises TypeError for a cache that ``gru_step_forward`` did not return, ValueError for a gradient of
    the wrong shape or dtype or with nan or inf; each names the argument.
    """
    cache = check_cache(cache, GRUStepCache, "gru_step_forward")
    p = cache.params
    dh = check_grad(dh, "dh", cache.h.shape, p.dtype)
    d_ih, d_hh = np.empty_like(cache.A), np.empty_like(cache.A)
    dh_prev = _step_back(dh, (cache.h_prev, cache.A, cache.hp_n), _kernel(p), d_ih, d_hh)
    return d_ih @ p.weight_ih, dh_prev, _grads(p, d_ih, cache.x_t, d_hh, cache.h_prev, cache.hp_n)


def gru_forward(x, h0=None, params: CellParams | None = None):
    """Run the GRU over a sequence: ``gru_forward(x, h0, params)``, state before params.

    x (T, B, D), h0 (B, H) or None (zeros).
    Returns (h (T, B, H) all hidden states, h_T (B, H), cache).
    ``params`` is required; h0 may be left out by keyword: ``gru_forward(x, params=p)``.

    h_T is a view of h (its last row) and of the cache.

    Raises TypeError when params is not a CellParams of this kind or comes before the state,
    ValueError for an array of the wrong shape or dtype or with nan or inf; each names the argument.
    """
    p = check_params(check_state_before_params("gru_forward", "h0", h0, params), "gru")
    x = check_input(x, "x", p, ndim=3)
    T, B, _ = x.shape
    h0 = check_state(h0, "h0", B, p, "x")
    k = _kernel(p)
    xp = input_projection(x, k.W_ih, k.b)          # (1)-(3) input side, (T, B, 3H): one matmul
    hs = np.empty((T + 1, B, p.H), dtype=p.dtype)
    hs[0] = h0
    A, hp_n = np.empty_like(xp), np.empty((T, B, p.H), dtype=p.dtype)
    for t in range(T):
        _step(xp[t], hs[t], k, A[t], hp_n[t], hs[t + 1])
    return hs[1:], hs[T], GRUCache(x, hs, A, hp_n, p)


def gru_backward(dh, cache: GRUCache, dh_T=None):
    """BPTT, (5)-(7). dh (T, B, H) = ∂L/∂h_t for every t; dh_T (B, H) or None = extra gradient of h_T.

    Returns (dx (T, B, D), dh0 (B, H), grads) with grads a dict of weight_ih (3H, D),
    weight_hh (3H, H), bias_ih (3H,), bias_hh (3H,).

    Raises TypeError for a cache that ``gru_forward`` did not return, ValueError for a gradient of
    the wrong shape or dtype or with nan or inf; each names the argument.
    """
    cache = check_cache(cache, GRUCache, "gru_forward")
    p, x, hs = cache.params, cache.x, cache.hs
    T, B, H = hs.shape[0] - 1, hs.shape[1], p.H
    dh = check_grad(dh, "dh", (T, B, H), p.dtype)
    g = check_grad(dh_T, "dh_T", (B, H), p.dtype).copy()
    k = _kernel(p)
    d_ih, d_hh = np.empty((2, CHUNK, B, 3 * H), dtype=p.dtype)   # a chunk's pre-activation gradients
    dx, grads = np.empty(x.shape, p.dtype), zero_grads(p)
    for t0, t1 in reverse_chunks(T):               # params.CHUNK steps at a time, last first
        n = t1 - t0
        for j in reversed(range(n)):
            t = t0 + j
            g += dh[t]                             # upstream plus what came back from step t+1
            g = _step_back(g, (hs[t], cache.A[t], cache.hp_n[t]), k, d_ih[j], d_hh[j])
        di, dhh = d_ih[:n].reshape(n * B, 3 * H), d_hh[:n].reshape(n * B, 3 * H)   # (7) for the chunk
        np.matmul(di, p.weight_ih, out=dx[t0:t1].reshape(n * B, p.D))
        add_grads(grads, _grads(p, di, x[t0:t1].reshape(n * B, p.D), dhh, hs[t0:t1].reshape(n * B, H),
                                cache.hp_n[t0:t1].reshape(n * B, H)))
    return dx, g, grads


def gru_forward_reference(x, h0, params: CellParams):
    """(1)-(4) as written, one line each, in a plain loop: the specification the fast kernel
    (:func:`gru_forward`) is tested against; ``params.reset_after`` picks (3a) or (3b).
    x (T, B, D), h0 (B, H) or None (zeros). Returns (h (T, B, H), h_T). No cache, no backward.

    σ is ``params.sigmoid``, (1 + tanh(a/2)) / 2: the same function as 1 / (1 + exp(-a)),
    without exp's overflow for large negative a.

    Raises TypeError when params is not a CellParams of this kind or comes before the state,
    ValueError for an array of the wrong shape or dtype or with nan or inf; each names the argument.
    """
    p = check_params(check_state_before_params("gru_forward_reference", "h0", h0, params), "gru")
    x = check_input(x, "x", p, ndim=3)
    h = check_state(h0, "h0", x.shape[1], p, "x")
    (W_ir, W_iz, W_in), (W_hr, W_hz, W_hn) = np.split(p.weight_ih, 3), np.split(p.weight_hh, 3)
    (b_ir, b_iz, b_in), (b_hr, b_hz, b_hn) = np.split(p.bias_ih, 3), np.split(p.bias_hh, 3)
    hs = []
    for x_t in x:
        r = sigmoid(x_t @ W_ir.T + b_ir + h @ W_hr.T + b_hr)                       # (1)
        z = sigmoid(x_t @ W_iz.T + b_iz + h @ W_hz.T + b_hz)                       # (2)
        if p.reset_after:
            n = np.tanh(x_t @ W_in.T + b_in + r * (h @ W_hn.T + b_hn))            # (3a)
        else:
            n = np.tanh(x_t @ W_in.T + b_in + (r * h) @ W_hn.T + b_hn)            # (3b)
        h = (1 - z) * n + z * h                                                    # (4)
        hs.append(h)
    return (np.stack(hs) if hs else np.empty((0,) + h.shape, p.dtype)), h      # T = 0: no steps
