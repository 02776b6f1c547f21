"""What a recurrent layer costs: FLOP and parameter formulas, timing helpers, the matmul peak.

Convention (used throughout Chapter 10): a multiply-add counts as **2 FLOPs**; every other
elementwise add, multiply or activation (sigmoid, tanh) counts as 1. For a cell with ``G``
gate blocks (RNN 1, GRU 3, LSTM 4), input size ``D``, hidden size ``H`` and batch ``B``, one
forward step costs

    matmuls:      2 * G * H * (D + H) * B      (x_t W_ih^T and h_{t-1} W_hh^T)
    elementwise:  E * H * B                    (E = 4 RNN, 17 GRU, 21 LSTM; see ELEMENTWISE)

and a sequence of ``T`` steps costs ``T`` times that. The forward pass only; backward costs
roughly twice as much again.
"""
from __future__ import annotations

import statistics
import time
from collections.abc import Iterable

import numpy as np

from course_utils._checks import nonnegative_int, numeric_array, positive_int
from course_utils.cells.params import KINDS, gate_count, parameter_count

__all__ = ["GATE_COUNTS", "ELEMENTWISE", "matmul_flops_per_step", "elementwise_flops_per_step", "flops_per_step", "sequence_flops",
           "parameter_count", "median_time", "interleaved_median_times", "loglog_slope", "matmul_peak_gflops"]

# parameter_count is params.parameter_count (the course's one formula), re-exported for Chapter 10

GATE_COUNTS = {kind: gate_count(kind) for kind in KINDS}
"""G of each kind, derived from ``params.GATE_NAMES`` (the one source)."""
# Elementwise operations per hidden unit and batch row in one forward step (PyTorch's cells):
#   rnn : 2 bias adds + 1 add of the two products + tanh                                 = 4
#   gru : r, z: 3 adds each; n: 2 bias adds, r * (.), 1 add; 3 activations;
#         h = (1 - z) * n + z * h_prev: 4                                                 = 17
#   lstm: 4 gates x 3 adds; 4 activations; c = f*c + i*g: 3; h = o * tanh(c): 2          = 21
ELEMENTWISE = {"rnn": 4, "gru": 17, "lstm": 21}


def _sizes(**sizes) -> list[int]:
    return [positive_int(value, name) for name, value in sizes.items()]


def matmul_flops_per_step(kind: str, D: int, H: int, B: int = 1) -> int:
    """FLOPs of the two matrix products of one step: ``2 * G * H * (D + H) * B`` (an int).

    Raises ValueError for an unknown kind or a size < 1, TypeError for a size that is not an integer.
    """
    D, H, B = _sizes(D=D, H=H, B=B)
    return 2 * gate_count(kind) * H * (D + H) * B


def elementwise_flops_per_step(kind: str, H: int, B: int = 1) -> int:
    """FLOPs of the biases, activations and gating of one step: ``ELEMENTWISE[kind] * H * B`` (an int).

    Raises ValueError for an unknown kind or a size < 1, TypeError for a size that is not an integer.
    """
    gate_count(kind)
    H, B = _sizes(H=H, B=B)
    return ELEMENTWISE[kind] * H * B


def flops_per_step(kind: str, D: int, H: int, B: int = 1) -> int:
    """Forward FLOPs of one step (matmuls + elementwise) of one layer, one direction, batch B (an int).

    Raises ValueError for an unknown kind or a size < 1, TypeError for a size that is not an integer.
    """
    return matmul_flops_per_step(kind, D, H, B) + elementwise_flops_per_step(kind, H, B)


def sequence_flops(kind: str, T: int, B: int, D: int, H: int) -> int:
    """Forward FLOPs of one layer (one direction) over a sequence of T steps, batch B (an int).

    Raises ValueError for an unknown kind or a size < 1, TypeError for a size that is not an integer.
    """
    T, = _sizes(T=T)
    return T * flops_per_step(kind, D, H, B)


# --- timing ------------------------------------------------------------------------------

def median_time(fn, repeats: int = 5, warmup: int = 1, clock=time.perf_counter) -> float:
    """Median seconds (in ``clock``'s units) of ``fn()`` over ``repeats`` calls after ``warmup`` untimed ones.

    Raises TypeError when fn or clock is not callable or repeats/warmup is not an integer, ValueError
    for repeats < 1 or warmup < 0.
    """
    _check_timing([fn], repeats, warmup, clock, "fn")
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeats):
        start = clock()
        fn()
        samples.append(clock() - start)
    return statistics.median(samples)


def interleaved_median_times(fns, repeats: int = 5, warmup: int = 1, clock=time.perf_counter) -> list[float]:
    """Median seconds of each function in ``fns``, timed in turn, round after round, so that a change
    in the machine's load during the measurement affects all of them alike; a list, one per function.

    Raises TypeError when fns is not a non-empty collection of functions (a single function
    included), clock is not callable or repeats/warmup is not an integer; ValueError for repeats < 1
    or warmup < 0.
    """
    if callable(fns) or not isinstance(fns, Iterable):
        raise TypeError(f"fns must be a non-empty list of functions, got {type(fns).__name__} {fns!r}")
    fns = list(fns)
    if not fns:
        raise TypeError(f"fns must be a non-empty list of functions, got {fns!r}")
    _check_timing(fns, repeats, warmup, clock, "fns")
    samples = [[] for _ in fns]
    for r in range(warmup + repeats):
        for fn, times in zip(fns, samples):
            start = clock()
            fn()
            if r >= warmup:
                times.append(clock() - start)
    return [statistics.median(times) for times in samples]


def _check_timing(fns, repeats, warmup, clock, name) -> None:
    for i, fn in enumerate(fns):
        if not callable(fn):
            where = name if name == "fn" else f"{name}[{i}]"
            raise TypeError(f"{where} must be a function with no argument, got {type(fn).__name__}")
    if not callable(clock):
        raise TypeError(f"clock must be a function returning seconds, got {type(clock).__name__}")
    positive_int(repeats, "repeats")
    nonnegative_int(warmup, "warmup")


def loglog_slope(x, y) -> float:
    """Least-squares slope of log(y) against log(x): the exponent k of ``y ∝ x^k``.

    x, y: (N,) positive numbers, N >= 2, x not all equal. Raises TypeError when x or y is not numeric,
    ValueError when either is not 1-D, they differ in length, N < 2, a value is <= 0, nan or inf, or x
    has a single distinct value.
    """
    x, y = numeric_array(x, "x", ndim=1), numeric_array(y, "y", ndim=1)
    if x.shape != y.shape or x.size < 2:
        raise ValueError(f"x and y have shapes {x.shape} and {y.shape}: expected equal 1-D shapes, at least 2 points")
    if np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("x and y must be positive for a log-log fit")
    if np.ptp(x) == 0:
        raise ValueError(f"x has a single distinct value {x[0]!r}: expected at least two to fit a slope")
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def matmul_peak_gflops(n: int = 1024, repeats: int = 5, dtype=None, clock=time.perf_counter) -> float:
    """This machine's matmul throughput in GFLOP/s: one ``(n, n) @ (n, n)`` torch product, ``2 n^3``
    FLOPs, median of ``repeats`` (at torch's current thread count; float32 unless ``dtype``).
    Pass ``clock=time.process_time`` on a busy machine (with one torch thread).

    Raises TypeError when n or repeats is not an integer, dtype is not a torch floating dtype or clock
    is not callable; ValueError for n or repeats < 1.
    """
    import torch
    n = positive_int(n, "n")
    positive_int(repeats, "repeats")
    if dtype is not None and not (isinstance(dtype, torch.dtype) and dtype.is_floating_point):
        raise TypeError(f"dtype must be a torch floating dtype such as torch.float32, got {dtype!r}")
    gen = torch.Generator().manual_seed(0)
    dtype = dtype or torch.float32
    a = torch.randn(n, n, generator=gen, dtype=dtype)
    b = torch.randn(n, n, generator=gen, dtype=dtype)
    seconds = median_time(lambda: a @ b, repeats=repeats, warmup=1, clock=clock)
    return 2 * n ** 3 / seconds / 1e9
