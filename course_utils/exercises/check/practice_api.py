"""Checkers for Chapter 10 (in practice: PyTorch's API and the cost).

======================================  ==========================================================
checker                                 the learner's answer
======================================  ==========================================================
``gru_layer_flops(fn)``                 ``fn(T, B, D, H) -> int``, the matmul FLOPs of a one-layer
                                        GRU's forward pass over T steps
``stacked_lstm_parameter_count(fn)``    ``fn() -> int``, parameters of
                                        ``nn.LSTM(10, 20, num_layers=2, bidirectional=True)``
``scan_combine(fn)``                    ``fn(a1, b1, a2, b2) -> (a, b)``, the pair of
                                        "h -> a1 h + b1, then h -> a2 h + b2"
======================================  ==========================================================

The references are :func:`course_utils.cells.cost.matmul_flops_per_step` (times T),
:func:`course_utils.cells.params.parameter_count` and :func:`course_utils.cells.scan.combine`; every
:class:`Mistake` is a deliberately wrong version whose output earns the learner its hint.
"""
from __future__ import annotations

import numpy as np

from course_utils.cells.cost import matmul_flops_per_step
from course_utils.exercises import compare
from course_utils.exercises.harness import Mistake, check_function, exercise
from course_utils.cells.params import parameter_count
from course_utils.cells.scan import combine

__all__ = ["gru_layer_flops", "stacked_lstm_parameter_count", "scan_combine"]


# --- Exercise 10.1: the matmul FLOPs of a GRU layer ---------------------------------------

def _gru_flops(T, B, D, H):
    return T * matmul_flops_per_step("gru", D, H, B)


_FLOP_CASES = [((T, B, D, H), {}) for T, B, D, H in [(10, 4, 3, 5), (100, 32, 64, 128), (7, 2, 9, 2)]]
FLOP_MISTAKES = [
    Mistake("Count a multiply-add as 2 FLOPs: the (B, K) @ (K, N) product costs 2 * B * K * N.",
            lambda T, B, D, H: T * 3 * H * (D + H) * B),
    Mistake("A GRU has three gate blocks (r, z, n), so G = 3, not 4 (that is the LSTM).",
            lambda T, B, D, H: T * 2 * 4 * H * (D + H) * B),
    Mistake("You counted one gate block: the fused weights have 3H rows for the GRU's r, z and n.",
            lambda T, B, D, H: T * 2 * H * (D + H) * B),
    Mistake("Both products count: x_t W_ih^T reads D inputs and h_{t-1} W_hh^T reads H, so the "
            "inner size is D + H.", lambda T, B, D, H: T * 2 * 3 * H * H * B),
    Mistake("Both products count: x_t W_ih^T reads D inputs and h_{t-1} W_hh^T reads H, so the "
            "inner size is D + H.", lambda T, B, D, H: T * 2 * 3 * H * D * B),
    Mistake("The cost is per step and per sequence in the batch: multiply by T and by B.",
            lambda T, B, D, H: 2 * 3 * H * (D + H) * B),
    Mistake("The cost is per step and per sequence in the batch: multiply by T and by B.",
            lambda T, B, D, H: T * 2 * 3 * H * (D + H)),
]


@exercise("10.1")
def gru_layer_flops(fn):
    """Check ``fn(T, B, D, H)``: the matmul FLOPs of a one-layer GRU's forward pass over T steps."""
    return check_function(fn, _gru_flops, _FLOP_CASES, name="gru_layer_flops", tolerance=compare.EXACT,
                          mistakes=FLOP_MISTAKES)


# --- Exercise 10.2: parameters of nn.LSTM(10, 20, num_layers=2, bidirectional=True) ---------

STACKED = dict(D=10, H=20, num_layers=2, bidirectional=True)
STACKED_COUNT = parameter_count("lstm", **STACKED)          # 15040


def _second_layer_reads(width):
    """The count if the second layer's two directions read ``width`` inputs instead of 2H."""
    D, H = STACKED["D"], STACKED["H"]
    return parameter_count("lstm", D, H, bidirectional=True) + parameter_count("lstm", width, H, bidirectional=True)


STACKED_MISTAKES = [
    Mistake("The second layer reads the concatenated states of both directions of the first: its "
            "input size is 2H = 40, not D = 10.", lambda: _second_layer_reads(10)),
    Mistake("The second layer reads the concatenated states of both directions of the first: its "
            "input size is 2H = 40, not H = 20.", lambda: _second_layer_reads(20)),
    Mistake("bidirectional=True gives every layer a second direction with its own weights: count "
            "2 directions x 2 layers = 4 LSTMs.", lambda: parameter_count("lstm", 10, 20, num_layers=2)),
    Mistake("PyTorch keeps two bias vectors, b_ih and b_hh (4H numbers each), per layer and direction.",
            lambda: parameter_count("lstm", **STACKED, biases=1)),
    Mistake("num_layers=2 stacks a second bidirectional layer on top of the first: count it too.",
            lambda: parameter_count("lstm", 10, 20, bidirectional=True)),
    Mistake("An LSTM has four gate blocks (i, f, g, o): multiply each layer-direction's count by 4.",
            lambda: parameter_count("rnn", **STACKED)),
]


@exercise("10.2")
def stacked_lstm_parameter_count(fn):
    """Check the predicted parameter count of ``nn.LSTM(10, 20, num_layers=2, bidirectional=True)``."""
    return check_function(fn, lambda: STACKED_COUNT, [((), {})], name="predicted_stacked_count",
                          tolerance=compare.EXACT, mistakes=STACKED_MISTAKES)


# --- Exercise 10.3: the scan's combine operator -------------------------------------------

def _combine_cases():
    rng = np.random.default_rng(10)
    cases = []
    for shape in [(3,), (2, 4), (5, 3)]:
        a1, a2 = rng.uniform(0.1, 0.9, shape), rng.uniform(0.1, 0.9, shape)
        b1, b2 = rng.standard_normal(shape), rng.standard_normal(shape)
        cases.append(((a1, b1, a2, b2), {}))
    return cases


COMBINE_MISTAKES = [
    Mistake("You composed the two maps in the other order: your b is what (a2, b2) followed by (a1, b1) "
            "gives. (a1, b1) acts first: follow h through the first map, then pass the result to the second.",
            lambda a1, b1, a2, b2: (a1 * a2, a1 * b2 + b1)),
    Mistake("Your b adds the two offsets as they are, but b1 does not reach the end untouched: the second "
            "map acts on everything the first one returns, b1 included.",
            lambda a1, b1, a2, b2: (a1 * a2, b1 + b2)),
    Mistake("Your b scales b1 by a1, the first map's own factor; but the first map adds b1 after "
            "multiplying by a1, so a1 never touches it. Which factor does b1 meet afterwards?",
            lambda a1, b1, a2, b2: (a1 * a2, a1 * b1 + b2)),
    Mistake("Your a adds the two factors, but scaling twice does not add the factors: apply h -> 2h twice "
            "and see what factor you get.",
            lambda a1, b1, a2, b2: (a1 + a2, a2 * b1 + b2)),
]


@exercise("10.3")
def scan_combine(fn):
    """Check ``fn(a1, b1, a2, b2) -> (a, b)``: apply h -> a1 h + b1, then h -> a2 h + b2."""
    return check_function(fn, combine, _combine_cases(), name="combine", output_names=("a", "b"),
                          mistakes=COMBINE_MISTAKES)

# every mistake the checkers above recognise (the instructor guide lists them)
MISTAKES = FLOP_MISTAKES + STACKED_MISTAKES + COMBINE_MISTAKES
