"""Vanilla (Elman) RNN in NumPy, forward and backpropagation through time (BPTT).

Shapes: x_t (B, D), x (T, B, D), h_t (B, H), h (T, B, H); parameters in ``CellParams``
with ``weight_ih (H, D)``, ``weight_hh (H, H)``, ``bias_ih (H,)``, ``bias_hh (H,)``.
Row-vector code ``x_t @ W_ih.T`` is the column-vector maths ``W_ih x_t``.

Forward, the same as ``torch.nn.RNN`` (numbers used in the code's comments):

    (1)  a_t = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh                              (B, H)
    (2)  h_t = φ(a_t),   φ = tanh (default) or relu (``params.nonlinearity``)     (B, H)

Backward, with g_t = ∂L/∂h_t (the upstream gradient plus what flows back from step t+1):

    (3)  da_t = g_t ⊙ φ'(a_t),   tanh' = 1 - h_t²,  relu' = [h_t > 0]            (B, H)
    (4)  dx_t = da_t W_ih,   dh_{t-1} = da_t W_hh  (added to the upstream gradient of h_{t-1})
    (5)  dW_ih = Σ_t da_tᵀ x_t,  dW_hh = Σ_t da_tᵀ h_{t-1},  db_ih = db_hh = Σ_t Σ_batch da_t

:func:`rnn_forward_reference` is (1)-(2), one line each, in a plain loop; the fast kernel
computes the same numbers (``tests/test_cells_vs_torch.py`` checks both).

Kernel layout and contracts, the same in ``lstm.py`` and ``gru.py``:

- the parameters stay in PyTorch's fused layout; ``_kernel(p)`` prepares them once per call
  as a ``_Kernel`` whose first four fields are W_ih, b, W_hhT, W_hh in every cell module;
- the input side of (1) for every step is ONE matmul before the loop
  (``params.input_projection``, both biases folded in);
- ``_step(xp_t, state_{t-1}, k, outputs of step t) -> state_t``: ONE recurrent matmul (the
  GRU's reset-before form needs a second, after r_t), then the cell's equations written into
  the step's output arrays, views of the sequence's arrays; the step function and the sequence
  loop both call it. A state of two arrays (the LSTM's) is passed as one pair;
- the sequence cache keeps x, hs (T+1, B, H) = h_0…h_T, what the cell's backward needs per
  step (nothing more here) and ``params``;
- ``_step_back(g_t, saved_t, k, outputs of step t) -> g_{t-1}``: the gradient of the state at t
  in (a pair for the LSTM), what step t saved (one array here, a tuple in the gated cells), the
  pre-activation gradients written out, the recurrence's share of the gradient of the state at
  t-1 returned (a matmul with W_hh; two in the GRU's reset-before form);
- the backward loop walks back ``params.CHUNK`` steps at a time: it stashes a chunk's
  pre-activation gradients (CHUNK, B, G*H) in one reused buffer and forms the chunk's share of
  (4)'s dx and of (5) with one matmul each (``params.fused_grads``, summed by
  ``params.add_grads``) while they are still in the processor's cache.
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
    input_projection,
    reverse_chunks,
    zero_grads,
)
from course_utils.cells.validate import (check_cache, check_grad, check_input, check_params,
                                         check_state, check_state_before_params)

__all__ = ["RNNStepCache", "RNNCache", "rnn_step_forward", "rnn_step_backward", "rnn_forward", "rnn_backward",
           "rnn_forward_reference"]


class _Kernel(NamedTuple):
    """The weights as the kernel uses them; every cell module has one, with these first four fields:
    W_ih (H, D) and b (H,) = b_ih + b_hh for the input projection; W_hhT (H, H) = W_hhᵀ, a
    contiguous copy (the forward's per-step operand: faster than the transposed view);
    W_hh (H, H) as stored (the backward's per-step operand). Then this cell's own: nonlinearity."""
    W_ih: np.ndarray
    b: np.ndarray
    W_hhT: np.ndarray
    W_hh: np.ndarray
    nonlinearity: str


def _kernel(p: CellParams) -> _Kernel:
    """Build the kernel's weights from ``p`` (one call per forward or backward, not per step)."""
    return _Kernel(p.weight_ih, p.bias_ih + p.bias_hh, p.weight_hh.T.copy(), p.weight_hh, p.nonlinearity)


def _step(xp_t, h_prev, k: _Kernel, h):
    """(1)-(2): h_t = φ(xp_t + h_prev W_hhᵀ) written into ``h`` (B, H); xp_t = x_t W_ihᵀ + b_ih + b_hh.

    The kernels' shared forward contract: ``_step(input projection of step t, previous state,
    kernel, outputs of step t) -> state at t``.
    """
    nonlinearity = k.nonlinearity
    np.matmul(h_prev, k.W_hhT, out=h)                # (1) a_t, the recurrent side: one matmul
    h += xp_t
    return np.tanh(h, out=h) if nonlinearity == "tanh" else np.maximum(h, 0.0, out=h)   # (2)


def _step_back(g, h, k: _Kernel, da):
    """(3)-(4) for one step: da_t = g ⊙ φ'(a_t) written into ``da`` (B, H), from the output
    h = h_t = φ(a_t); returns dh_{t-1} = da_t W_hh (B, H), the recurrence's share of it.

    The kernels' shared backward contract: ``_step_back(gradient of the state at t, what step t
    saved, kernel, outputs of step t) -> gradient of the state at t-1``; the outputs are the
    pre-activation gradients, which the caller turns into dx and the weight gradients (5).
    """
    if k.nonlinearity == "tanh":
        np.multiply(h, h, out=da)
        np.subtract(1.0, da, out=da)
        da *= g
    else:
        np.multiply(g, h > 0, out=da)
    return da @ k.W_hh                               # (4) dh_{t-1}, one matmul


@dataclass
class RNNStepCache:
    """What ``rnn_step_backward`` needs: x_t (B, D), h_prev (B, H), h (B, H), params."""
    x_t: np.ndarray
    h_prev: np.ndarray
    h: np.ndarray
    params: CellParams


@dataclass
class RNNCache:
    """What ``rnn_backward`` needs: x (T, B, D), hs (T+1, B, H) = [h_0, h_1, …, h_T], params.

    ``hs`` shares memory with the returned ``h``: do not modify ``h`` in place before backward.
    """
    x: np.ndarray
    hs: np.ndarray
    params: CellParams

    @property
    def h(self) -> np.ndarray:
        """The hidden states h_1…h_T (T, B, H)."""
        return self.hs[1:]


def rnn_step_forward(x_t, h_prev, params: CellParams):
    """One step, (1)-(2): h_t = φ(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh).

    x_t (B, D), h_prev (B, H) or None (zeros) -> (h (B, H), cache).

    Raises TypeError when params is not a CellParams of this kind or comes before the state,
    ValueError for an array of the wrong shape or dtype or with nan or inf; each names the argument.
    """
    p = check_params(params, "rnn")
    x_t = check_input(x_t, "x_t", p, ndim=2)
    h_prev = check_state(h_prev, "h_prev", x_t.shape[0], p, "x_t")
    k = _kernel(p)
    xp = input_projection(x_t, k.W_ih, k.b)
    h = _step(xp, h_prev, k, np.empty_like(xp))
    return h, RNNStepCache(x_t, h_prev, h, p)


def rnn_step_backward(dh, cache: RNNStepCache):
    """Gradients of one step, (3)-(5): dh (B, H) = ∂L/∂h_t -> (dx_t (B, D), dh_prev (B, H), grads).

    grads: dict weight_ih (H, D), weight_hh (H, H), bias_ih (H,), bias_hh (H,).

    Raises TypeError for a cache that ``rnn_step_forward`` did not return, ValueError for a gradient of
    the wrong shape or dtype or with nan or inf; each names the argument.
    """
    cache = check_cache(cache, RNNStepCache, "rnn_step_forward")
    p = cache.params
    dh = check_grad(dh, "dh", cache.h.shape, p.dtype)
    da = np.empty_like(dh)
    dh_prev = _step_back(dh, cache.h, _kernel(p), da)
    return da @ p.weight_ih, dh_prev, fused_grads(da, cache.x_t, da, cache.h_prev)


def rnn_forward(x, h0=None, params: CellParams | None = None):
    """Run the RNN over a sequence: ``rnn_forward(x, h0, params)``, state before params.

    x (T, B, D), h0 (B, H) or None (zeros) -> (h (T, B, H) all hidden states, h_T (B, H), cache).
    ``params`` is required; h0 may be left out by keyword: ``rnn_forward(x, params=p)``.

    h_T is a view of h (its last row) and of the cache.

    Raises TypeError when params is not a CellParams of this kind or comes before the state,
    ValueError for an array of the wrong shape or dtype or with nan or inf; each names the argument.
    """
    p = check_params(check_state_before_params("rnn_forward", "h0", h0, params), "rnn")
    x = check_input(x, "x", p, ndim=3)
    T, B, _ = x.shape
    h0 = check_state(h0, "h0", B, p, "x")
    k = _kernel(p)
    xp = input_projection(x, k.W_ih, k.b)          # (1) input side, (T, B, H): one matmul
    hs = np.empty((T + 1, B, p.H), dtype=p.dtype)
    hs[0] = h0
    for t in range(T):
        _step(xp[t], hs[t], k, hs[t + 1])
    return hs[1:], hs[T], RNNCache(x, hs, p)


def rnn_backward(dh, cache: RNNCache, dh_T=None):
    """BPTT, (3)-(5). dh (T, B, H) = ∂L/∂h_t for every t; dh_T (B, H) or None = extra gradient of the final state.

    Returns (dx (T, B, D), dh0 (B, H), grads) with grads a dict of weight_ih (H, D),
    weight_hh (H, H), bias_ih (H,), bias_hh (H,).

    Raises TypeError for a cache that ``rnn_forward`` did not return, ValueError for a gradient of
    the wrong shape or dtype or with nan or inf; each names the argument.
    """
    cache = check_cache(cache, RNNCache, "rnn_forward")
    p, x, hs = cache.params, cache.x, cache.hs
    T, B, H = hs.shape[0] - 1, hs.shape[1], p.H
    dh = check_grad(dh, "dh", (T, B, H), p.dtype)
    g = check_grad(dh_T, "dh_T", (B, H), p.dtype).copy()
    k = _kernel(p)
    da = np.empty((CHUNK, B, H), dtype=p.dtype)     # a chunk's pre-activation gradients
    dx, grads = np.empty(x.shape, p.dtype), zero_grads(p)
    for t0, t1 in reverse_chunks(T):                # params.CHUNK steps at a time, last first
        n = t1 - t0
        for j in reversed(range(n)):
            g += dh[t0 + j]                         # upstream plus what came back from step t+1
            g = _step_back(g, hs[t0 + j + 1], k, da[j])
        d = da[:n].reshape(n * B, H)                # (4)'s dx and (5) for the chunk, one matmul each
        np.matmul(d, p.weight_ih, out=dx[t0:t1].reshape(n * B, p.D))
        add_grads(grads, fused_grads(d, x[t0:t1].reshape(n * B, p.D), d, hs[t0:t1].reshape(n * B, H)))
    return dx, g, grads


def rnn_forward_reference(x, h0, params: CellParams):
    """(1)-(2) as written, one line each, in a plain loop: the specification the fast kernel
    (:func:`rnn_forward`) is tested against. x (T, B, D), h0 (B, H) or None (zeros).

    Returns (h (T, B, H), h_T). No cache, no backward: for reading and for tests.

    Raises TypeError when params is not a CellParams of this kind or comes before the state,
    ValueError for an array of the wrong shape or dtype or with nan or inf; each names the argument.
    """
    p = check_params(check_state_before_params("rnn_forward_reference", "h0", h0, params), "rnn")
    x = check_input(x, "x", p, ndim=3)
    h = check_state(h0, "h0", x.shape[1], p, "x")
    phi = np.tanh if p.nonlinearity == "tanh" else (lambda a: np.maximum(a, 0.0))
    hs = []
    for x_t in x:
        a = x_t @ p.weight_ih.T + p.bias_ih + h @ p.weight_hh.T + p.bias_hh    # (1)
        h = phi(a)                                                              # (2)
        hs.append(h)
    return (np.stack(hs) if hs else np.empty((0,) + h.shape, p.dtype)), h      # T = 0: no steps
