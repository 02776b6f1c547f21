"""Checkers for Chapters 1-3 (the vanilla RNN, backpropagation through time, vanishing gradients).

The learner's functions use plain arrays in the course notation (column-vector maths, row-vector
code): ``W_x (H, D)``, ``W_h (H, H)``, ``b (H,)``, ``x (T, B, D)``, ``h0 (B, H)``.

=================================  =============================================================
checker                            the learner's function
=================================  =============================================================
``rnn_forward(fn)``                ``fn(x, h0, W_x, W_h, b) -> (h (T, B, H), h_T (B, H))``
``rnn_parameter_count(fn)``        ``fn() -> int``, parameters of a 2-layer ``nn.RNN(10, 20)``
``rnn_backward(fn)``               ``fn(dh, x, h0, h, W_x, W_h) -> (dx, dh0, dW_x, dW_h, db)``
``truncated_gradient_count(fn)``   ``fn() -> int``, nonzero ∂L/∂x_t, T = 12 in chunks of 4
``clip_grad_norm(fn)``             ``fn(grads, max_norm) -> (clipped list, norm before clipping)``
``gradient_bound(fn)``             ``fn() -> float``, Pascanu's bound for a sigmoid RNN
=================================  =============================================================

The references call :mod:`course_utils.cells.rnn`; every :class:`Mistake` below is a deliberately wrong
version whose output, when the learner's matches it, earns the learner its hint.
"""
from __future__ import annotations

import numpy as np

from course_utils.exercises import compare
from course_utils.exercises.harness import Mistake, check_function, exercise
from course_utils.cells.params import CellParams, parameter_count
from course_utils.cells.rnn import RNNCache
from course_utils.cells.rnn import rnn_backward as _ref_backward
from course_utils.cells.rnn import rnn_forward as _ref_forward

__all__ = ["rnn_forward", "rnn_parameter_count", "rnn_backward", "truncated_gradient_count",
           "clip_grad_norm", "gradient_bound"]


def _name(fn, default: str) -> str:
    """The learner's function name for the feedback (``default`` for lambdas and non-functions)."""
    name = getattr(fn, "__name__", "")
    return name if name.isidentifier() else default


def _params(W_x, W_h, b) -> CellParams:
    return CellParams("rnn", W_x, W_h, b, np.zeros_like(b))


def _cases(seed: int, with_dh: bool = False):
    """(T, B, D, H) of increasing difficulty; nonzero h0 so that forgetting it shows."""
    rng = np.random.default_rng(seed)
    cases = []
    # T >= 2 in every case, so reading h[t - 1] at t = 0 (the LAST state, by wraparound) differs from
    # using h_t; T = 1 is kept in the last case (the edge case of a single step)
    for T, B, D, H in [(3, 1, 2, 3), (4, 2, 3, 5), (1, 3, 4, 4)]:
        x = rng.standard_normal((T, B, D))
        h0 = 0.5 * rng.standard_normal((B, H))
        W_x, W_h = rng.standard_normal((H, D)) / np.sqrt(D), rng.standard_normal((H, H)) / np.sqrt(H)
        b = 0.1 * rng.standard_normal(H)
        if not with_dh:
            cases.append(((x, h0, W_x, W_h, b), {}))
            continue
        h = _ref_forward(x, h0, _params(W_x, W_h, b))[0]
        cases.append(((rng.standard_normal((T, B, H)), x, h0, h, W_x, W_h), {}))
    return cases


# --- Chapter 1: the forward pass -------------------------------------------------------------

def _forward_ref(x, h0, W_x, W_h, b):
    h, h_T, _ = _ref_forward(x, h0, _params(W_x, W_h, b))
    return h, h_T


def _forward_variant(x, h0, W_x, W_h, b, *, act=np.tanh, bias=True, transpose=True, carry=True):
    h_prev, out = h0, []
    for t in range(x.shape[0]):
        rec = h_prev @ (W_h.T if transpose else W_h)
        h_prev_new = act(x[t] @ W_x.T + rec + (b if bias else 0.0))
        out.append(h_prev_new)
        h_prev = h_prev_new if carry else h0
    return np.stack(out), out[-1]


FORWARD_MISTAKES = [
    Mistake("Every step must start from the state the previous step produced: update h_prev = h_t "
            "inside the loop (you keep using h0).",
            lambda x, h0, W_x, W_h, b: _forward_variant(x, h0, W_x, W_h, b, carry=False)),
    Mistake("In row-vector code the product W_h h_{t-1} is written h_prev @ W_h.T (with the transpose).",
            lambda x, h0, W_x, W_h, b: _forward_variant(x, h0, W_x, W_h, b, transpose=False)),
    Mistake("The state is squashed by tanh: h_t = tanh(W_x x_t + W_h h_{t-1} + b).",
            lambda x, h0, W_x, W_h, b: _forward_variant(x, h0, W_x, W_h, b, act=lambda a: a)),
    Mistake("The bias b is missing from the pre-activation.",
            lambda x, h0, W_x, W_h, b: _forward_variant(x, h0, W_x, W_h, b, bias=False)),
    Mistake("At t = 0 the previous state is h0, but h[t - 1] with t = 0 reads h[-1], the LAST row of h "
            "(not computed yet): start from h_prev = h0 and update it after each step.",
            lambda x, h0, W_x, W_h, b: _forward_variant(x, np.zeros_like(h0), W_x, W_h, b)),
    Mistake("h holds h_1, ..., h_T (T states): do not put h0 in it.",
            lambda x, h0, W_x, W_h, b: (np.concatenate([h0[None], _forward_ref(x, h0, W_x, W_h, b)[0]]),
                                        _forward_ref(x, h0, W_x, W_h, b)[1])),
]


@exercise("1.1")
def rnn_forward(fn):
    """Check ``fn(x, h0, W_x, W_h, b) -> (h, h_T)`` against ``course_utils.cells.rnn.rnn_forward``."""
    return check_function(fn, _forward_ref, _cases(1), name=_name(fn, "rnn_forward"),
                          output_names=("h", "h_T"), mistakes=FORWARD_MISTAKES)


RNN_COUNT = parameter_count("rnn", 10, 20, num_layers=2)    # nn.RNN(10, 20, num_layers=2): 1480
PARAMETER_MISTAKES = [
    Mistake("PyTorch keeps two bias vectors per layer, b_ih and b_hh (H numbers each).",
            lambda: parameter_count("rnn", 10, 20, num_layers=2, biases=1)),
    Mistake("num_layers=2 stacks a second RNN on the first; count both layers.",
            lambda: parameter_count("rnn", 10, 20)),
    Mistake("The second layer reads the first layer's states, so its W_ih is (H, H) = (20, 20), not (20, 10).",
            lambda: 2 * parameter_count("rnn", 10, 20)),
]


@exercise("1.2")
def rnn_parameter_count(fn):
    """Check the predicted parameter count of ``torch.nn.RNN(input_size=10, hidden_size=20, num_layers=2)``."""
    return check_function(fn, lambda: RNN_COUNT, [((), {})], name=_name(fn, "rnn_parameter_count"),
                          tolerance=compare.EXACT, mistakes=PARAMETER_MISTAKES)


# --- Chapter 2: backpropagation through time -------------------------------------------------

def _backward_ref(dh, x, h0, h, W_x, W_h):
    b = np.zeros(W_h.shape[0], dtype=W_h.dtype)           # b does not enter the backward pass
    cache = RNNCache(x, np.concatenate([h0[None], h]), _params(W_x, W_h, b))
    dx, dh0, g = _ref_backward(dh, cache)
    return dx, dh0, g["weight_ih"], g["weight_hh"], g["bias_ih"]


def _backward_variant(dh, x, h0, h, W_x, W_h, *, deriv_of="h_t", accumulate=("x", "h", "b"), state_in="h_prev",
                      recurrent=True, back_transpose=False, wraparound=False):
    T = x.shape[0]
    hs = np.concatenate([h0[None], h])                 # hs[t + 1] = h_t
    if wraparound:                                     # h_prev = h[t - 1]: at t = 0 that is h[-1] = h_T
        hs = np.concatenate([h[-1:], h])
    dx, g = np.zeros_like(x), np.zeros_like(h0)
    grads = {"x": np.zeros_like(W_x), "h": np.zeros_like(W_h), "b": np.zeros(W_h.shape[0])}
    for t in reversed(range(T)):
        g = dh[t] + (g if recurrent else 0.0)
        out = hs[t + 1] if deriv_of == "h_t" else hs[t]
        da = g if deriv_of == "none" else g * (1 - out ** 2)
        dx[t] = da @ W_x
        steps = {"x": da.T @ x[t], "h": da.T @ (hs[t] if state_in == "h_prev" else hs[t + 1]), "b": da.sum(0)}
        for k, v in steps.items():
            grads[k] = grads[k] + v if k in accumulate else v
        g = da @ (W_h.T if back_transpose else W_h)
    return dx, g, grads["x"], grads["h"], grads["b"]


def _bmistake(hint, **kwargs):
    return Mistake(hint, lambda dh, x, h0, h, W_x, W_h: _backward_variant(dh, x, h0, h, W_x, W_h, **kwargs))


BACKWARD_MISTAKES = [
    _bmistake("dW_x is right but dW_h is not: are you accumulating it across time steps?",
              accumulate=("x", "b")),
    _bmistake("The weight gradients hold only one step's contribution: W_x, W_h and b are shared by every "
              "step, so add (+=) the contribution of each step.", accumulate=()),
    _bmistake("You skipped the derivative of tanh: multiply the incoming gradient by 1 - h_t**2 before "
              "going through the weights.", deriv_of="none"),
    _bmistake("The tanh derivative uses the step's own output, 1 - h_t**2, not 1 - h_{t-1}**2.",
              deriv_of="h_prev"),
    _bmistake("dW_h pairs each step's gradient with the state that ENTERED the step: da_t.T @ h_{t-1}, "
              "not h_t.", state_in="h_t"),
    _bmistake("The gradient of h_t has two sources, the loss at step t (dh[t]) and step t+1 through W_h: "
              "add the gradient carried back from the later step.", recurrent=False),
    _bmistake("h_{t-1} entered as h_prev @ W_h.T, so its gradient is da @ W_h (no transpose).",
              back_transpose=True),
    _bmistake("At t = 0 the state that entered the step is h0, but h[t - 1] with t = 0 reads h[-1], the "
              "LAST state h_T (Python wraps negative indices): use h0 when t == 0.", wraparound=True),
]


@exercise("2.1")
def rnn_backward(fn):
    """Check ``fn(dh, x, h0, h, W_x, W_h) -> (dx, dh0, dW_x, dW_h, db)`` against ``course_utils.cells.rnn``."""
    return check_function(fn, _backward_ref, _cases(2, with_dh=True), name=_name(fn, "rnn_backward"),
                          output_names=("dx", "dh0", "dW_x", "dW_h", "db"), mistakes=BACKWARD_MISTAKES)


TRUNCATION_MISTAKES = [
    Mistake("Count the inputs the gradient still reaches (the last chunk), not the ones cut off.",
            lambda: 8),
    Mistake("The step where the loss is measured belongs to the last chunk too: x_9, x_10, x_11 and x_12.",
            lambda: 3),
    Mistake("Truncation stops the backward pass at every chunk boundary: the loss at step 12 reaches back "
            "only to the start of the last chunk, not to all 12 inputs.", lambda: 12),
]


@exercise("2.2")
def truncated_gradient_count(fn):
    """Check the predicted number of nonzero ∂L/∂x_t (T = 12, chunks of 4 steps, loss at step 12 only)."""
    return check_function(fn, lambda: 4, [((), {})], name=_name(fn, "truncated_gradient_count"),
                          tolerance=compare.EXACT, mistakes=TRUNCATION_MISTAKES)


# --- Chapter 3: clipping and the bound -------------------------------------------------------

def _global_norm(grads) -> float:
    return float(np.sqrt(sum(float(np.sum(g * g)) for g in grads)))


def _clip_ref(grads, max_norm):
    """Pascanu et al. (2013), as torch.nn.utils.clip_grad_norm_: one global norm, one common scale."""
    norm = _global_norm(grads)
    scale = min(1.0, max_norm / (norm + 1e-6))
    return [g * scale for g in grads], norm


def _clip_per_array(grads, max_norm):
    return [_clip_ref([g], max_norm)[0][0] for g in grads], _global_norm(grads)


def _clip_always(grads, max_norm):
    norm = _global_norm(grads)
    return [g * (max_norm / norm) for g in grads], norm


def _clip_norm_after(grads, max_norm):
    clipped, _ = _clip_ref(grads, max_norm)
    return clipped, _global_norm(clipped)


def _clip_sum_of_norms(grads, max_norm):
    norm = sum(float(np.linalg.norm(g)) for g in grads)
    return [g * min(1.0, max_norm / norm) for g in grads], norm


CLIP_MISTAKES = [
    Mistake("Clip by the GLOBAL norm: one norm over all arrays together and one common scale, so the "
            "direction of the whole gradient is kept (you clipped each array on its own).", _clip_per_array),
    Mistake("Only rescale when the norm exceeds max_norm: smaller gradients must pass unchanged.", _clip_always),
    Mistake("That is clipping by value (each entry to [-max_norm, max_norm]); Pascanu et al. rescale the "
            "whole gradient vector instead.",
            lambda grads, max_norm: ([np.clip(g, -max_norm, max_norm) for g in grads], _global_norm(grads))),
    Mistake("Return the norm measured BEFORE clipping: it is what you log to spot explosions.", _clip_norm_after),
    Mistake("The global norm is sqrt(sum of ||g_i||**2) over the arrays, not the sum of their norms.",
            _clip_sum_of_norms),
]


def _clip_cases():
    rng = np.random.default_rng(3)
    shapes = [(4, 3), (4, 4), (4,)]
    small = [0.01 * rng.standard_normal(s) for s in shapes]
    big = [rng.standard_normal(s) * m for s, m in zip(shapes, (1.0, 30.0, 0.1))]
    mixed = [rng.standard_normal((2, 2)), np.zeros((3,)), 5 * rng.standard_normal((5, 2))]
    return [((small, 1.0), {}), ((big, 1.0), {}), ((big, 5.0), {}), ((mixed, 2.0), {})]


@exercise("3.1")
def clip_grad_norm(fn):
    """Check ``fn(grads, max_norm) -> (clipped, norm)``; grads is a list of arrays, norm is a float."""
    return check_function(fn, _clip_ref, _clip_cases(), name=_name(fn, "clip_grad_norm"),
                          output_names=("clipped", "norm"), tolerance=compare.CLIPPING, mistakes=CLIP_MISTAKES)


BOUND_MISTAKES = [
    Mistake("The sigmoid's derivative is at most 1/4, so γ = 1/4 multiplies λ₁ at every step.",
            lambda: 3.2 ** 5),
    Mistake("The bound uses the largest SINGULAR value (‖W_h‖₂ = 3.2), not the largest eigenvalue modulus.",
            lambda: (0.25 * 2.0) ** 5),
    Mistake("Lag 5 means five Jacobians in the product: the exponent is T - k = 5.", lambda: 0.8 ** 4),
    Mistake("Lag 5 means five Jacobians in the product: the exponent is T - k = 5.", lambda: 0.8 ** 6),
]


@exercise("3.2")
def gradient_bound(fn):
    """Check the predicted Pascanu bound on ‖∂h_T/∂h_{T-5}‖₂ for a sigmoid RNN whose W_h has singular values
    3.2, 1.0, 0.5 and eigenvalues of moduli 2.0, 1.0, 0.8."""
    return check_function(fn, lambda: 0.8 ** 5, [((), {})], name=_name(fn, "gradient_bound"),
                          tolerance=compare.THREE_DIGITS, mistakes=BOUND_MISTAKES)

# every mistake the checkers above recognise (the instructor guide lists them)
MISTAKES = (FORWARD_MISTAKES + PARAMETER_MISTAKES + BACKWARD_MISTAKES + TRUNCATION_MISTAKES + CLIP_MISTAKES
            + BOUND_MISTAKES)
