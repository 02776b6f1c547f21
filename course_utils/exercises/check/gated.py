"""Checkers for Chapters 4-5 (the LSTM and the GRU).

The learner's functions take the weights exactly as PyTorch stores them (fused layout, gate
order i, f, g, o for the LSTM and r, z, n for the GRU): ``W_ih (G*H, D)``, ``W_hh (G*H, H)``,
``b_ih, b_hh (G*H,)``, ``x_t (B, D)``, ``h_prev, c_prev (B, H)``.

======================================  ==========================================================
checker                                 the learner's function
======================================  ==========================================================
``lstm_step_fused(fn)``                 ``fn(x_t, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh) -> (h, c)``
``lstm_parameter_count(fn)``            ``fn() -> int``, parameters of
                                        ``nn.LSTM(8, 16, bidirectional=True)``
``gru_step(fn)``                        ``fn(x_t, h_prev, W_ih, W_hh, b_ih, b_hh) -> h``, PyTorch's GRU
``gru_hidden_size_for_budget(fn)``      ``fn() -> int``, the largest H of ``nn.GRU(16, H)`` with at
                                        most as many parameters as ``nn.LSTM(16, 64)``
======================================  ==========================================================

The references call :mod:`course_utils.cells.lstm` and :mod:`course_utils.cells.gru`; every
:class:`Mistake` below is a deliberately wrong version whose output, when the learner's matches
it, earns the learner its hint.
"""
from __future__ import annotations

from itertools import permutations

import numpy as np

from course_utils.exercises import compare
from course_utils.exercises.harness import Mistake, check_function, exercise
from course_utils.cells.gru import gru_step_forward
from course_utils.cells.lstm import lstm_step_forward
from course_utils.cells.params import GATE_NAMES, CellParams, parameter_count, sigmoid

__all__ = ["lstm_step_fused", "lstm_parameter_count", "gru_step", "gru_hidden_size_for_budget"]


def _cases(gates: int, seed: int, with_cell: bool):
    """Three cases of growing size; H differs from D, states and biases are nonzero."""
    rng = np.random.default_rng(seed)
    cases = []
    for B, D, H in [(1, 2, 3), (2, 3, 4), (3, 5, 6)]:
        x_t = rng.standard_normal((B, D))
        states = [rng.standard_normal((B, H)) for _ in range(2 if with_cell else 1)]
        W_ih = rng.standard_normal((gates * H, D)) / np.sqrt(D)
        W_hh = rng.standard_normal((gates * H, H)) / np.sqrt(H)
        b_ih, b_hh = 0.5 * rng.standard_normal(gates * H), 0.5 * rng.standard_normal(gates * H)
        cases.append(((x_t, *states, W_ih, W_hh, b_ih, b_hh), {}))
    return cases


# --- Chapter 4: the LSTM step in PyTorch's layout --------------------------------------------

def _lstm_ref(x_t, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh):
    (h, c), _ = lstm_step_forward(x_t, (h_prev, c_prev), CellParams("lstm", W_ih, W_hh, b_ih, b_hh))
    return h, c


def _lstm_variant(x_t, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh, *, order=GATE_NAMES["lstm"], cell_tanh=True,
                  h_from_new_cell=True, candidate=np.tanh, both_biases=True):
    a = x_t @ W_ih.T + b_ih + h_prev @ W_hh.T + (b_hh if both_biases else 0.0)
    blocks = dict(zip(order, np.split(a, 4, axis=1)))
    i, f, o = sigmoid(blocks["i"]), sigmoid(blocks["f"]), sigmoid(blocks["o"])
    c = f * c_prev + i * candidate(blocks["g"])
    shown = c if h_from_new_cell else c_prev
    return o * (np.tanh(shown) if cell_tanh else shown), c


def _lstm_mistake(hint, **kwargs):
    return Mistake(hint, lambda *args: _lstm_variant(*args, **kwargs))


LSTM_ORDER_HINT = ("Your gates look swapped: PyTorch orders them i, f, g, o (rows 0:H input gate, H:2H "
                   "forget gate, 2H:3H candidate g, 3H:4H output gate).")
LSTM_MISTAKES = [
    _lstm_mistake("You forgot the tanh on the cell before the output gate: h_t = o_t * tanh(C_t).",
                  cell_tanh=False),
    _lstm_mistake("h uses the cell state you just computed: h_t = o_t * tanh(C_t), not tanh(c_prev).",
                  h_from_new_cell=False),
    _lstm_mistake("The candidate g uses tanh, not the sigmoid: it must be able to write negative values.",
                  candidate=sigmoid),
    _lstm_mistake("PyTorch adds both biases to every gate: x_t W_ih^T + b_ih + h_prev W_hh^T + b_hh.",
                  both_biases=False),
] + [_lstm_mistake(LSTM_ORDER_HINT, order="".join(p))                  # every order but the library's
      for p in permutations(GATE_NAMES["lstm"]) if p != GATE_NAMES["lstm"]]


@exercise("4.1")
def lstm_step_fused(fn):
    """Check ``fn(x_t, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh) -> (h, c)`` against ``course_utils.cells.lstm``."""
    return check_function(fn, _lstm_ref, _cases(4, seed=4, with_cell=True), name="lstm_step_fused",
                          output_names=("h", "c"), mistakes=LSTM_MISTAKES)


# Counts come from params.parameter_count (the course's one formula); each mistake is that
# formula with one slip (one direction, one bias, one gate block as in an RNN, or a second
# direction that reads the first's states as a second layer would).
BIDIRECTIONAL_COUNT = parameter_count("lstm", 8, 16, bidirectional=True)    # nn.LSTM(8, 16, bidirectional=True): 3328
COUNT_MISTAKES = [
    Mistake("bidirectional=True runs a second LSTM with its own weights and biases: double the count.",
            lambda: parameter_count("lstm", 8, 16)),
    Mistake("PyTorch keeps two bias vectors per gate block, b_ih and b_hh (4H numbers each, per direction).",
            lambda: parameter_count("lstm", 8, 16, bidirectional=True, biases=1)),
    Mistake("Count both directions and both of PyTorch's biases, b_ih and b_hh: you have one direction "
            "with one bias.", lambda: parameter_count("lstm", 8, 16, biases=1)),
    Mistake("An LSTM has four gate blocks (i, f, g, o), each with its own weights and biases: multiply by 4.",
            lambda: parameter_count("rnn", 8, 16, bidirectional=True)),
    Mistake("In one layer both directions read the input x_t (D = 8); only a second layer would read "
            "the concatenated states.", lambda: parameter_count("lstm", 8, 16) + parameter_count("lstm", 16, 16)),
]


@exercise("4.2")
def lstm_parameter_count(fn):
    """Check the predicted parameter count of ``torch.nn.LSTM(8, 16, bidirectional=True)``."""
    return check_function(fn, lambda: BIDIRECTIONAL_COUNT, [((), {})], name="predicted_parameter_count",
                          tolerance=compare.EXACT, mistakes=COUNT_MISTAKES)


# --- Chapter 5: the GRU step (PyTorch's variant) ---------------------------------------------

def _gru_ref(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
    h, _ = gru_step_forward(x_t, h_prev, CellParams("gru", W_ih, W_hh, b_ih, b_hh, reset_after=True))
    return h


def _gru_variant(x_t, h_prev, W_ih, W_hh, b_ih, b_hh, *, order=GATE_NAMES["gru"], z_keeps_old=True, reset="after",
                 candidate=np.tanh):
    """reset: "after" r*(W_hn h + b_hn) (PyTorch), "before" W_hn (r*h) + b_hn (Cho et al.),
    "after-without-bias" r*(W_hn h) + b_hn."""
    gi = dict(zip(order, np.split(x_t @ W_ih.T + b_ih, 3, axis=1)))
    W = dict(zip(order, np.split(W_hh, 3, axis=0)))
    bh = dict(zip(order, np.split(b_hh, 3)))
    r = sigmoid(gi["r"] + h_prev @ W["r"].T + bh["r"])
    z = sigmoid(gi["z"] + h_prev @ W["z"].T + bh["z"])
    if reset == "after":
        rec = r * (h_prev @ W["n"].T + bh["n"])
    elif reset == "before":
        rec = (r * h_prev) @ W["n"].T + bh["n"]
    else:
        rec = r * (h_prev @ W["n"].T) + bh["n"]
    n = candidate(gi["n"] + rec)
    return (1 - z) * n + z * h_prev if z_keeps_old else z * n + (1 - z) * h_prev


def _gru_mistake(hint, **kwargs):
    return Mistake(hint, lambda *args: _gru_variant(*args, **kwargs))


GRU_ORDER_HINT = "Your gates look swapped: PyTorch orders the GRU's blocks r, z, n (reset, update, candidate)."
GRU_MISTAKES = [
    _gru_mistake("z and 1 - z are swapped: PyTorch computes h_t = (1 - z) * n + z * h_prev, so z close "
                 "to 1 keeps the old state.", z_keeps_old=False),
    _gru_mistake("You applied the reset gate before the matrix product, W_hn (r * h_prev): that is "
                 "Cho's variant (Cho et al. 2014; Keras' reset_after=False). PyTorch resets after it: "
                 "r * (h_prev W_hn^T + b_hn).", reset="before"),
    _gru_mistake("You reset before the product (the Cho / Chung form) and let z weight the candidate, as "
                 "Chung et al. (2014) write it. PyTorch differs in both: n = tanh(W_in x + b_in + r * (W_hn h + b_hn)) "
                 "and h = (1 - z) * n + z * h_prev.", reset="before", z_keeps_old=False),
    _gru_mistake("In PyTorch the reset gate also scales the recurrent bias: r * (h_prev W_hn^T + b_hn), "
                 "not r * (h_prev W_hn^T) + b_hn.", reset="after-without-bias"),
    _gru_mistake("The candidate n uses tanh, not the sigmoid.", candidate=sigmoid),
] + [_gru_mistake(GRU_ORDER_HINT, order="".join(p))                    # every order but the library's
      for p in permutations(GATE_NAMES["gru"]) if p != GATE_NAMES["gru"]]


@exercise("5.1")
def gru_step(fn):
    """Check ``fn(x_t, h_prev, W_ih, W_hh, b_ih, b_hh) -> h`` against ``course_utils.cells.gru`` (reset_after=True)."""
    return check_function(fn, _gru_ref, _cases(3, seed=5, with_cell=False), name="gru_step",
                          output_names="h", mistakes=GRU_MISTAKES)


LSTM_BUDGET = parameter_count("lstm", 16, 64)          # nn.LSTM(16, 64): 20992 parameters
# The search is written here, not taken from learning.models.hidden_size_for_budget: that function
# sizes a whole SequenceModel, whose linear head adds H * O + O parameters with O >= 1, while the
# exercise compares the bare layers nn.GRU(16, H) and nn.LSTM(16, 64). With the smallest head (O = 1)
# it answers 74; the bare GRU layer fits up to 75 (tests/test_check_gated.py checks both numbers).
GRU_HIDDEN_FOR_BUDGET = max(H for H in range(1, 200) if parameter_count("gru", 16, H) <= LSTM_BUDGET)   # 75
_SQRT_HINT = ("Close, but scaling H by sqrt(4/3) ignores the input and bias terms: find the largest H "
              "with 3 (H (16 + H) + 2H) <= 20992 exactly.")
BUDGET_MISTAKES = [
    Mistake("A GRU has three gate blocks and an LSTM four, so at the same budget the GRU gets more "
            "hidden units than 64.", lambda: 64),
    Mistake(f"{GRU_HIDDEN_FOR_BUDGET + 1} overshoots: nn.GRU(16, {GRU_HIDDEN_FOR_BUDGET + 1}) has "
            f"{parameter_count('gru', 16, GRU_HIDDEN_FOR_BUDGET + 1)} parameters, more than the LSTM's {LSTM_BUDGET}. "
            "Take the largest H that stays within the budget.", lambda: GRU_HIDDEN_FOR_BUDGET + 1),
    Mistake("Scaling H by 4/3 assumes the count grows like H, but the recurrent matrices grow like H^2: "
            "solve 3 (H (D + H) + 2H) <= budget instead.", lambda: 85),
    Mistake(_SQRT_HINT, lambda: 73),
    Mistake(_SQRT_HINT, lambda: 74),
]


@exercise("5.2")
def gru_hidden_size_for_budget(fn):
    """Check the largest H of ``nn.GRU(16, H)`` whose parameter count does not exceed ``nn.LSTM(16, 64)``'s."""
    return check_function(fn, lambda: GRU_HIDDEN_FOR_BUDGET, [((), {})], name="gru_hidden_size",
                          tolerance=compare.EXACT, mistakes=BUDGET_MISTAKES)

# every mistake the checkers above recognise (the instructor guide lists them)
MISTAKES = LSTM_MISTAKES + COUNT_MISTAKES + GRU_MISTAKES + BUDGET_MISTAKES
