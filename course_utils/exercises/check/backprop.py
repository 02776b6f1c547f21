"""Checkers for backpropagation through the gated cells (Chapters 4 and 5).

The learner's functions receive the cache of the package's forward step
(:func:`course_utils.cells.lstm.lstm_step_forward`, :func:`course_utils.cells.gru.gru_step_forward`) and
return the gradients with the weights' gradients in PyTorch's fused layout, as a dict
``{"weight_ih", "weight_hh", "bias_ih", "bias_hh"}``:

======================================  ==============================================================
checker                                 the learner's function
======================================  ==============================================================
``lstm_step_backward(fn)`` (4.4)        ``fn(dh, dc, cache) -> (dx, dh_prev, dc_prev, grads)``, one
                                        LSTM step; ``cache`` from ``lstm_step_forward``
``lstm_sequence_backward(fn)`` (4.5)    ``fn(dh, caches) -> (dx, dh0, dc0, grads)``, BPTT through
                                        ``caches``, the list of T step caches
``gru_step_backward(fn)`` (5.4)         ``fn(dh, cache) -> (dx, dh_prev, grads)``, one step of
                                        PyTorch's GRU (reset after the product)
======================================  ==============================================================

The references are :mod:`course_utils.cells.lstm` and :mod:`course_utils.cells.gru`; on the checkers' own
cases they are compared, when a learner's answer is judged correct, with PyTorch's autograd and
with centred finite differences (``_reference_agreement``), and the verdict says so. Every
:class:`Mistake` below is a deliberately wrong backward pass, written out gate by gate; the cases
are random, with every size different (B, D, H) and nonzero upstream gradients, so that each
mistake changes the output in its own way.
"""
from __future__ import annotations

import functools
from dataclasses import replace

import numpy as np

from course_utils.exercises import compare
from course_utils.exercises.harness import Mistake, check_function, exercise
from course_utils.cells.gradcheck import numerical_gradient
from course_utils.cells.gru import gru_step_backward as _gru_step_backward_ref, gru_step_forward
from course_utils.cells.lstm import (
    lstm_backward,
    lstm_forward,
    lstm_step_backward as _lstm_step_backward_ref,
    lstm_step_forward,
)
from course_utils.cells.params import ARRAY_NAMES, GATE_NAMES, CellParams

__all__ = ["lstm_step_backward", "lstm_sequence_backward", "gru_step_backward"]

AUTOGRAD_BOUND, FD_BOUND = 1e-10, 1e-6   # what the references must agree to (float64)
_LSTM_ORDER = "".join(GATE_NAMES["lstm"])   # "ifgo", the library's (PyTorch's) order of the gate blocks
_GRU_ORDER = "".join(GATE_NAMES["gru"])     # "rzn"


def _params(kind: str, gates: int, D: int, H: int, rng) -> CellParams:
    return CellParams(kind, rng.standard_normal((gates * H, D)) / np.sqrt(D),
                      rng.standard_normal((gates * H, H)) / np.sqrt(H),
                      0.5 * rng.standard_normal(gates * H), 0.5 * rng.standard_normal(gates * H))


# Sizes (B, D, H): all different within a case and B >= 2, so a sum over the batch is not a mean and
# no transposed or mis-summed array has the right shape by accident.
STEP_SIZES = [(2, 3, 4), (3, 5, 2), (4, 2, 3)]


def _lstm_step_cases():
    rng = np.random.default_rng(44)
    cases = []
    for B, D, H in STEP_SIZES:
        p = _params("lstm", 4, D, H, rng)
        x_t, h_prev, c_prev = rng.standard_normal((B, D)), rng.standard_normal((B, H)), rng.standard_normal((B, H))
        _, cache = lstm_step_forward(x_t, (h_prev, c_prev), p)
        cases.append(((rng.standard_normal((B, H)), rng.standard_normal((B, H)), cache), {}))
    return cases


# --- Chapter 4, Exercise 4.4: one LSTM step backward --------------------------------------------

def _lstm_step_ref(dh, dc, cache):
    dx, (dh_prev, dc_prev), grads = _lstm_step_backward_ref((dh, dc), cache)
    return dx, dh_prev, dc_prev, grads


def _dsigmoid(y):
    return y * (1 - y)


def _dtanh(y):
    return 1 - y ** 2


def _lstm_step_variant(dh, dc, cache, *, h_path="full", carry_dc=True, dg_act=_dtanh, dgate_act=_dsigmoid,
                       do_act=None, do_factor="tanh", order=_LSTM_ORDER, bias="sum", dh_gates=_LSTM_ORDER,
                       dx_gates=_LSTM_ORDER,
                       dc_prev_from="total", bias_hh=True):
    """The backward step written gate by gate, with one deliberate change per keyword.

    ``do_act``: the derivative used for the output gate alone (default ``dgate_act``);
    ``do_factor``: "tanh" (∂L/∂o_t = dh ⊙ tanh(C_t)) or "c" (dh ⊙ C_t); ``order``: the order in
    which the learner stacks the gate blocks of δa (PyTorch's, the default, is "ifgo").
    """
    i, f, g, o = (cache.gates[k] for k in "ifgo")
    p, tc = cache.params, np.tanh(cache.c)
    do = dh * {"tanh": tc, "c": cache.c}[do_factor]
    through_h = {"full": dh * o * (1 - tc ** 2), "no tanh'": dh * o, "tanh": dh * o * tc, "none": 0.0}[h_path]
    dc_total = (dc if carry_dc else 0.0) + through_h
    da = {"i": dc_total * g * dgate_act(i), "f": dc_total * cache.c_prev * dgate_act(f),
          "g": dc_total * i * dg_act(g), "o": do * (do_act or dgate_act)(o)}
    da = {k: da[order[j]] for j, k in enumerate(_LSTM_ORDER)}            # block j of δa, as the learner stacks it
    H = cache.h_prev.shape[1]
    rows = {k: slice(j * H, (j + 1) * H) for j, k in enumerate(_LSTM_ORDER)}
    dx = sum(da[k] @ p.weight_ih[rows[k]] for k in dx_gates)
    dh_prev = sum(da[k] @ p.weight_hh[rows[k]] for k in dh_gates)
    dc_prev = (dc_total if dc_prev_from == "total" else dc) * f
    da_all = np.concatenate([da[k] for k in _LSTM_ORDER], axis=1)          # (B, 4H), PyTorch's order
    db = {"sum": da_all.sum(axis=0), "mean": da_all.mean(axis=0), "none": da_all}[bias]
    grads = {"weight_ih": da_all.T @ cache.x_t, "weight_hh": da_all.T @ cache.h_prev,
             "bias_ih": db, "bias_hh": db.copy() if bias_hh else np.zeros_like(db)}
    return dx, dh_prev, dc_prev, grads


def _lstm_step_mistake(hint, **kwargs):
    return Mistake(hint, lambda dh, dc, cache: _lstm_step_variant(dh, dc, cache, **kwargs))


ONE_GATE_HINT = ("dh_prev (and dx) collect the gradient of all four gates, since h_{t-1} and x_t feed every "
                 "gate: dh_prev = δa W_hh with δa = [δa_i, δa_f, δa_g, δa_o] (B, 4H) in PyTorch's order, "
                 "dx = δa W_ih. You used one gate's block only.")
LSTM_STEP_MISTAKES = [
    _lstm_step_mistake("C_t also reaches the loss through h_t = o_t ⊙ tanh(C_t): the total cell gradient is "
                       "dc + dh ⊙ o_t ⊙ (1 − tanh²(C_t)), and you left out the second term.", h_path="none"),
    _lstm_step_mistake("On the path through h_t = o_t ⊙ tanh(C_t), multiply by tanh′(C_t) = 1 − tanh²(C_t): "
                       "the total cell gradient is dc + dh ⊙ o_t ⊙ (1 − tanh²(C_t)), not dc + dh ⊙ o_t.",
                       h_path="no tanh'"),
    _lstm_step_mistake("You dropped dc, the gradient arriving along the cell path from step t+1: add it to "
                       "dh ⊙ o_t ⊙ (1 − tanh²(C_t)) before sending the total to the gates and to C_{t-1}.",
                       carry_dc=False),
    _lstm_step_mistake("g_t = tanh(a_g), so its derivative is 1 − g_t², not g_t (1 − g_t), which is the "
                       "sigmoid's.", dg_act=_dsigmoid),
    _lstm_step_mistake("i_t, f_t and o_t are sigmoids, so their derivatives are σ(1 − σ), e.g. i_t (1 − i_t), "
                       "not 1 − i_t², which is tanh's.", dgate_act=_dtanh),
    _lstm_step_mistake("Only the candidate g_t is a tanh: swap the derivatives back, 1 − g_t² for g and "
                       "σ(1 − σ) for i, f and o.", dg_act=_dsigmoid, dgate_act=_dtanh),
    _lstm_step_mistake("Every example of the batch uses the same biases, so their gradient is δa summed over "
                       "the batch (axis 0), shape (4H,).", bias="none"),
    _lstm_step_mistake("Sum δa over the batch for the biases, do not average it: the weights' gradients "
                       "δaᵀ x_t are sums over the examples too.", bias="mean"),
    _lstm_step_mistake("dc_prev = (total cell gradient) ⊙ f_t: use dc plus the part that came through h_t, "
                       "not the dc argument alone.", dc_prev_from="argument"),
    _lstm_step_mistake("PyTorch's two biases are added together, so b_ih and b_hh get the same gradient, "
                       "δa summed over the batch.", bias_hh=False),
    _lstm_step_mistake("In the cell gradient that comes through h_t = o_t ⊙ tanh(C_t) you multiplied by "
                       "tanh(C_t) itself; the chain rule puts its derivative tanh′(C_t) there (tanh(C_t) is the "
                       "factor of the output gate's gradient, not of the cell's).", h_path="tanh"),
    _lstm_step_mistake("o_t is a sigmoid, like i_t and f_t: for the output gate you used tanh's derivative "
                       "1 − o_t² instead of the sigmoid's.", do_act=_dtanh),
    _lstm_step_mistake("∂L/∂o_t is dh times what o_t multiplies in h_t = o_t ⊙ tanh(C_t): that factor is "
                       "tanh(C_t), not C_t.", do_factor="c"),
    _lstm_step_mistake("PyTorch stacks the LSTM's gate blocks in the order i, f, g, o (input, forget, candidate, "
                       "output); your δa has them in another order, so blocks meet the wrong rows of W_ih and "
                       "W_hh and land in the wrong rows of the gradients.", order="ifog"),
] + [_lstm_step_mistake(ONE_GATE_HINT, dh_gates=k) for k in _LSTM_ORDER] + [
    _lstm_step_mistake(ONE_GATE_HINT, dh_gates=k, dx_gates=k) for k in _LSTM_ORDER]

STEP_OUTPUTS = ("dx", "dh_prev", "dc_prev", "grads")


def _torch_lstm_step(x_t, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh):
    import torch

    a = x_t @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh
    a_i, a_f, a_g, a_o = a.chunk(4, dim=1)
    c = torch.sigmoid(a_f) * c_prev + torch.sigmoid(a_i) * torch.tanh(a_g)
    return torch.sigmoid(a_o) * torch.tanh(c), c


def _torch_gru_step(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
    import torch

    i_r, i_z, i_n = (x_t @ W_ih.T + b_ih).chunk(3, dim=1)
    h_r, h_z, h_n = (h_prev @ W_hh.T + b_hh).chunk(3, dim=1)
    r, z = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)
    n = torch.tanh(i_n + r * h_n)
    return (1 - z) * n + z * h_prev


def _three_way(inputs, upstream, step, expected):
    """Largest |reference − autograd| and largest relative error of the reference vs finite differences.

    ``inputs``: the float64 arrays the step reads (they are perturbed in place and restored),
    ``upstream``: one array per output of ``step``, ``expected``: the reference's gradients, one
    per input. The loss is Σ upstream ⊙ outputs, whose gradient the reference computes.
    """
    import torch

    from course_utils.cells.gradcheck import rel_error

    tensors = [torch.tensor(a, requires_grad=True) for a in inputs]
    outputs = step(*tensors)
    outputs = outputs if isinstance(outputs, tuple) else (outputs,)
    sum(torch.sum(torch.from_numpy(u) * out) for u, out in zip(upstream, outputs)).backward()
    autograd = max(float(np.abs(t.grad.numpy() - e).max()) for t, e in zip(tensors, expected))

    def loss():
        with torch.no_grad():
            outs = step(*(torch.from_numpy(a) for a in inputs))
        outs = outs if isinstance(outs, tuple) else (outs,)
        return float(sum((u * o.numpy()).sum() for u, o in zip(upstream, outs)))

    fd = max(rel_error(e, numerical_gradient(loss, a, eps=1e-3, order=4)) for a, e in zip(inputs, expected))
    return autograd, fd


@functools.lru_cache(maxsize=None)
def _reference_agreement(kind: str) -> tuple[float, float]:
    """(max |reference − autograd|, max relative error vs finite differences) over a checker's cases.

    ``kind``: "lstm step", "lstm sequence" or "gru step". Computed once per kind (cached) when a
    learner's answer is judged correct, so that the verdict may say the reference agrees with both.
    Raises ValueError for another ``kind``, and RuntimeError if the reference disagrees with
    autograd beyond ``AUTOGRAD_BOUND`` or with finite differences beyond ``FD_BOUND`` (it never
    should: then the reference, not the learner, is wrong).
    """
    worst = [0.0, 0.0]

    def record(pair):
        worst[0], worst[1] = max(worst[0], pair[0]), max(worst[1], pair[1])

    if kind == "lstm step":
        for (dh, dc, cache), _ in _lstm_step_cases():
            dx, dh_prev, dc_prev, grads = _lstm_step_ref(dh, dc, cache)
            inputs = [cache.x_t.copy(), cache.h_prev.copy(), cache.c_prev.copy()] + [
                getattr(cache.params, n).copy() for n in ARRAY_NAMES]
            record(_three_way(inputs, (dh, dc), _torch_lstm_step,
                              [dx, dh_prev, dc_prev] + [grads[n] for n in ARRAY_NAMES]))
    elif kind == "lstm sequence":
        for (dh, caches), _ in _lstm_sequence_cases():
            dx, dh0, dc0, grads = _lstm_sequence_ref(dh, caches)
            p = caches[0].params
            inputs = [np.stack([c.x_t for c in caches]), caches[0].h_prev.copy(), caches[0].c_prev.copy()] + [
                getattr(p, n).copy() for n in ARRAY_NAMES]

            def sequence(x, h, c, *weights):
                import torch
                outs = []
                for t in range(x.shape[0]):
                    h, c = _torch_lstm_step(x[t], h, c, *weights)
                    outs.append(h)
                return torch.stack(outs)

            record(_three_way(inputs, (dh,), sequence, [dx, dh0, dc0] + [grads[n] for n in ARRAY_NAMES]))
    elif kind == "gru step":
        for (dh, cache), _ in _gru_step_cases():
            dx, dh_prev, grads = _gru_step_ref(dh, cache)
            inputs = [cache.x_t.copy(), cache.h_prev.copy()] + [getattr(cache.params, n).copy() for n in ARRAY_NAMES]
            record(_three_way(inputs, (dh,), _torch_gru_step, [dx, dh_prev] + [grads[n] for n in ARRAY_NAMES]))
    else:
        raise ValueError(f"kind should be 'lstm step', 'lstm sequence' or 'gru step', got {kind!r}")
    if not (worst[0] < AUTOGRAD_BOUND and worst[1] < FD_BOUND):
        raise RuntimeError(f"the {kind} reference disagrees with PyTorch's autograd by {worst[0]:.3g} (bound "
                           f"{AUTOGRAD_BOUND:g}) or with finite differences by {worst[1]:.3g} (bound {FD_BOUND:g})")
    return worst[0], worst[1]


def _three_ways_note(kind: str, reference: str, count: int) -> str:
    _reference_agreement(kind)         # computed (and checked: it raises if they disagree) on these very cases
    return (f"On these {count} cases {reference} also agrees with PyTorch's autograd (to {AUTOGRAD_BOUND:g}) "
            f"and with centred finite differences (relative error below {FD_BOUND:g}), so your gradients "
            "agree with those two as closely as with the reference.")


def _judge(fn, reference, cases, *, name, output_names, mistakes, kind, reference_name):
    feedback = check_function(fn, reference, cases, name=name, output_names=output_names,
                              tolerance=compare.BACKPROP, mistakes=mistakes)
    if not feedback.passed:
        return feedback
    first, *rest = feedback.messages             # the note goes right after the verdict's summary
    return replace(feedback, messages=(first, _three_ways_note(kind, reference_name, len(cases)), *rest))


@exercise("4.4")
def lstm_step_backward(fn):
    """Check ``fn(dh, dc, cache) -> (dx, dh_prev, dc_prev, grads)`` against ``course_utils.cells.lstm``.

    ``cache`` comes from ``lstm_step_forward``; ``grads`` is a dict with ``weight_ih`` (4H, D),
    ``weight_hh`` (4H, H), ``bias_ih`` and ``bias_hh`` (4H,). Raises RuntimeError only if the course's own
    reference fails its check against autograd (a bug of the course, never of your code).
    """
    return _judge(fn, _lstm_step_ref, _lstm_step_cases(), name="lstm_step_back", output_names=STEP_OUTPUTS,
                  mistakes=LSTM_STEP_MISTAKES, kind="lstm step",
                  reference_name="course_utils.cells.lstm.lstm_step_backward")


# --- Chapter 4, Exercise 4.5: the whole sequence from the step ----------------------------------

SEQUENCE_SIZES = [(3, 2, 3, 4), (4, 3, 2, 3), (5, 2, 4, 2)]       # (T, B, D, H)


def _lstm_sequence_cases():
    rng = np.random.default_rng(45)
    cases = []
    for T, B, D, H in SEQUENCE_SIZES:
        p = _params("lstm", 4, D, H, rng)
        x = rng.standard_normal((T, B, D))
        state = (rng.standard_normal((B, H)), rng.standard_normal((B, H)))
        caches = []
        for t in range(T):
            state, cache = lstm_step_forward(x[t], state, p)
            caches.append(cache)
        cases.append(((rng.standard_normal((T, B, H)), caches), {}))
    return cases


def _lstm_sequence_ref(dh, caches):
    first = caches[0]
    x = np.stack([c.x_t for c in caches])
    _, _, cache = lstm_forward(x, (first.h_prev, first.c_prev), first.params)
    dx, (dh0, dc0), grads = lstm_backward(dh, cache)
    return dx, dh0, dc0, grads


def _lstm_sequence_variant(dh, caches, *, carry_dh=True, carry_dc=True, accumulate=True, backwards=True,
                           direct_every_step=True):
    T, (B, H) = len(caches), dh.shape[1:]
    dh_prev, dc_prev = np.zeros((B, H)), np.zeros((B, H))      # what step t+1 sends back (zero after T)
    grads = {n: np.zeros_like(getattr(caches[0].params, n)) for n in ARRAY_NAMES}
    dx = np.zeros((T, B, caches[0].x_t.shape[1]))
    for t in (reversed(range(T)) if backwards else range(T)):
        dstate = ((dh[t] if direct_every_step or t == T - 1 else 0.0) + (dh_prev if carry_dh else 0.0),
                  dc_prev if carry_dc else None)                  # the library's dstate = (dh, dc)
        dx[t], (dh_prev, dc_prev), step = _lstm_step_backward_ref(dstate, caches[t])
        for n in ARRAY_NAMES:
            grads[n] = grads[n] + step[n] if accumulate else step[n]
    return dx, dh_prev, dc_prev, grads


def _sequence_mistake(hint, **kwargs):
    return Mistake(hint, lambda dh, caches: _lstm_sequence_variant(dh, caches, **kwargs))


LSTM_SEQUENCE_MISTAKES = [
    _sequence_mistake("h_t feeds the loss at step t AND the gates of step t+1: the dh you give the step is "
                      "dh[t] plus the dh_prev returned by step t+1 (zero after the last step).", carry_dh=False),
    _sequence_mistake("Carry the cell gradient too: pass the dc_prev returned by step t+1 as the dc of step t "
                      "(zero at the last step), instead of zero at every step.", carry_dc=False),
    _sequence_mistake("The same weights are used at every step, so their gradient is the SUM of the steps' "
                      "gradients: add each step's grads to a running total instead of overwriting it.",
                      accumulate=False),
    _sequence_mistake("Backpropagation runs backwards in time: loop t = T−1, …, 0 (reversed(range(T))), "
                      "so that step t+1's dh_prev and dc_prev are ready when step t needs them.", backwards=False),
    _sequence_mistake("Every step has its own direct gradient: add dh[t] at every step, not only at the last "
                      "one.", direct_every_step=False),
]
SEQUENCE_OUTPUTS = ("dx", "dh0", "dc0", "grads")


@exercise("4.5")
def lstm_sequence_backward(fn):
    """Check ``fn(dh, caches) -> (dx, dh0, dc0, grads)`` (BPTT from the step) against ``lstm_backward``.

    ``dh`` (T, B, H) holds ∂L_t/∂h_t (L_t the loss at step t); ``caches`` is the list of T caches of ``lstm_step_forward``.
    Raises RuntimeError only if the course's own reference fails its check against autograd (a bug
    of the course, never of your code).
    """
    return _judge(fn, _lstm_sequence_ref, _lstm_sequence_cases(), name="lstm_backward_np",
                  output_names=SEQUENCE_OUTPUTS, mistakes=LSTM_SEQUENCE_MISTAKES, kind="lstm sequence",
                  reference_name="course_utils.cells.lstm.lstm_backward")


# --- Chapter 5, Exercise 5.4: one step of PyTorch's GRU backward ---------------------------------

def _gru_step_cases():
    rng = np.random.default_rng(54)
    cases = []
    for B, D, H in STEP_SIZES:
        p = _params("gru", 3, D, H, rng)
        _, cache = gru_step_forward(rng.standard_normal((B, D)), rng.standard_normal((B, H)), p)
        cases.append(((rng.standard_normal((B, H)), cache), {}))
    return cases


def _gru_step_ref(dh, cache):
    return _gru_step_backward_ref(dh, cache)


def _gru_step_variant(dh, cache, *, z_swapped=False, direct=True, dz_sign=1.0, dr_with_bias=True,
                      dr_form="after", recurrent_times_r=True, dn_act=_dtanh, dgate_act=_dsigmoid, dz_act=None,
                      order=_GRU_ORDER, bias="sum", dh_gates=_GRU_ORDER):
    """PyTorch's GRU step backward, gate by gate, with one deliberate change per keyword.

    ``z_swapped``: True swaps z and 1 − z everywhere (as if h = z ⊙ n + (1 − z) ⊙ h_prev),
    "gates" only in ∂L/∂n and ∂L/∂z (the direct path keeps z); ``direct``: True, False (left out)
    or "1 - z" (the direct path weighted by 1 − z); ``dr_form``: "after" (PyTorch's) or "before"
    (Cho et al.'s ∂L/∂r = (δa_n W_hn) ⊙ h_prev); ``dz_act``: the derivative used for z alone
    (default ``dgate_act``); ``order``: the order in which the learner stacks the gate blocks.
    """
    r, z, n = (cache.gates[k] for k in "rzn")
    p, h_prev, H = cache.params, cache.h_prev, cache.h_prev.shape[1]
    W_hn, b_hn = p.gate("n").W_hh, p.gate("n").b_hh
    q = h_prev @ W_hn.T + b_hn                                       # the recurrent part of n, before r
    keep, write = (1 - z, z) if z_swapped else (z, 1 - z)            # h = write ⊙ n + keep ⊙ h_prev
    if z_swapped == "gates":
        keep = z
    if direct == "1 - z":
        keep = 1 - z
    dn = dh * write
    dz = dz_sign * dh * (h_prev - n) * (-1.0 if z_swapped else 1.0)
    da_n = dn * dn_act(n)
    dr = da_n * (q if dr_with_bias else q - b_hn) if dr_form == "after" else (da_n @ W_hn) * h_prev
    da_r = dr * dgate_act(r)
    da_z = dz * (dz_act or dgate_act)(z)
    ih = {"r": da_r, "z": da_z, "n": da_n}
    hh = dict(ih, n=da_n * (r if recurrent_times_r else 1.0))
    d_ih = np.concatenate([ih[k] for k in order], axis=1)            # (B, 3H), as the learner stacks it
    d_hh = np.concatenate([hh[k] for k in order], axis=1)
    blocks = {k: slice(j * H, (j + 1) * H) for j, k in enumerate(_GRU_ORDER)}
    dh_prev = sum(d_hh[:, blocks[k]] @ p.weight_hh[blocks[k]] for k in dh_gates) + (dh * keep if direct else 0.0)
    reduce = {"sum": lambda a: a.sum(axis=0), "mean": lambda a: a.mean(axis=0), "none": lambda a: a}[bias]
    grads = {"weight_ih": d_ih.T @ cache.x_t, "weight_hh": d_hh.T @ h_prev,
             "bias_ih": reduce(d_ih), "bias_hh": reduce(d_hh)}
    return d_ih @ p.weight_ih, dh_prev, grads


def _gru_mistake(hint, **kwargs):
    return Mistake(hint, lambda dh, cache: _gru_step_variant(dh, cache, **kwargs))


GRU_ONE_GATE_HINT = ("dh_prev collects the recurrent gradients of all three blocks, [δa_r, δa_z, r_t ⊙ δa_n] "
                     "W_hh, plus the direct path dh ⊙ z_t: you used one block only.")
GRU_SWAP_HINT = ("z and 1 − z are swapped: in PyTorch's GRU, h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t-1}, so z_t "
                 "weights the OLD state h_{t-1} and 1 − z_t the candidate n_t; redo every derivative that "
                 "involves z_t (the candidate's, ∂L/∂z_t, the direct path) with the roles that way round.")
GRU_STEP_MISTAKES = [
    _gru_mistake(GRU_SWAP_HINT, z_swapped=True),
    _gru_mistake(GRU_SWAP_HINT, z_swapped="gates"),
    _gru_mistake("∂L/∂z_t = dh ⊙ (h_{t-1} − n_t): z_t multiplies h_{t-1} and 1 − z_t multiplies n_t, so "
                 "check the sign.", dz_sign=-1.0),
    _gru_mistake("h_{t-1} also reaches h_t directly, through z_t ⊙ h_{t-1}: add dh ⊙ z_t to dh_prev.",
                 direct=False),
    _gru_mistake("In PyTorch's GRU the reset gate multiplies W_hn h_{t-1} + b_hn, bias included: "
                 "∂L/∂r_t = δa_n ⊙ (h_{t-1} W_hnᵀ + b_hn), not δa_n ⊙ (h_{t-1} W_hnᵀ).", dr_with_bias=False),
    _gru_mistake("The recurrent side of the candidate (W_hn, b_hn, and the n block's path to h_{t-1}) sits "
                 "behind the reset gate, so it receives r_t ⊙ δa_n, not δa_n; only W_in and b_in receive δa_n.",
                 recurrent_times_r=False),
    _gru_mistake("n_t = tanh(…), so its derivative is 1 − n_t², not n_t (1 − n_t), which is the sigmoid's.",
                 dn_act=_dsigmoid),
    _gru_mistake("r_t and z_t are sigmoids: their derivatives are σ(1 − σ), e.g. z_t (1 − z_t), not 1 − z_t², "
                 "which is tanh's.", dgate_act=_dtanh),
    _gru_mistake("Every example of the batch uses the same biases, so their gradients are summed over the "
                 "batch (axis 0), shape (3H,).", bias="none"),
    _gru_mistake("Sum over the batch for the biases, do not average: the weights' gradients are sums over "
                 "the examples too.", bias="mean"),
    _gru_mistake("In dh_prev, the direct path is weighted by what multiplies h_{t-1} in h_t = (1 − z_t) ⊙ n_t + "
                 "z_t ⊙ h_{t-1}; you used 1 − z_t, the candidate's weight.", direct="1 - z"),
    _gru_mistake("z_t is a sigmoid, like r_t: for the update gate you used tanh's derivative 1 − z_t² instead of "
                 "the sigmoid's.", dz_act=_dtanh),
    _gru_mistake("Your ∂L/∂r_t is the reset-BEFORE form (Cho et al.), (δa_n W_hn) ⊙ h_{t-1}, where r_t "
                 "multiplies h_{t-1} before W_hn. PyTorch resets after the product: n_t = tanh(W_in x_t + b_in "
                 "+ r_t ⊙ (W_hn h_{t-1} + b_hn)), so differentiate that form.", dr_form="before"),
    _gru_mistake("PyTorch stacks the GRU's gate blocks in the order r, z, n (reset, update, candidate) in W_ih, "
                 "W_hh and the biases; your blocks are in another order, so they meet the wrong rows of the "
                 "weights and land in the wrong rows of the gradients.", order="zrn"),
] + [_gru_mistake(GRU_ONE_GATE_HINT, dh_gates=k) for k in _GRU_ORDER]
GRU_OUTPUTS = ("dx", "dh_prev", "grads")


@exercise("5.4")
def gru_step_backward(fn):
    """Check ``fn(dh, cache) -> (dx, dh_prev, grads)`` for PyTorch's GRU against ``course_utils.cells.gru``.

    ``cache`` comes from ``gru_step_forward`` with ``reset_after=True``; ``grads`` is a dict with
    ``weight_ih`` (3H, D), ``weight_hh`` (3H, H), ``bias_ih`` and ``bias_hh`` (3H,). Raises RuntimeError only if
    the course's own reference fails its check against autograd (a bug of the course, never of your code).
    """
    return _judge(fn, _gru_step_ref, _gru_step_cases(), name="gru_step_back", output_names=GRU_OUTPUTS,
                  mistakes=GRU_STEP_MISTAKES, kind="gru step", reference_name="course_utils.cells.gru.gru_step_backward")

# every mistake the checkers above recognise (the instructor guide lists them)
MISTAKES = LSTM_STEP_MISTAKES + LSTM_SEQUENCE_MISTAKES + GRU_STEP_MISTAKES
