"""Synthetic long-range-memory benchmarks, generated on the fly (no downloads), with their baselines.

All generators are vectorised, seeded through a ``torch.Generator`` (or an int seed) and return
**batch-first** torch tensors, ready for :class:`course_utils.learning.models.SequenceModel`:

=====================  ===========================  ==========================================
task                   inputs                       targets
=====================  ===========================  ==========================================
adding, ``"le"``       ``x: (B, T, 2)`` float32      ``y: (B, 1)`` = X1 + X2
adding, ``"hochreiter"`` ``x: (B, T, 2)`` float32    ``y: (B, 1)`` = 0.5 + (X1 + X2) / 4
copy / delayed recall  ``x: (B, 2K + T)`` int64      ``y: (B, 2K + T)`` int64, ``IGNORE`` where not scored
=====================  ===========================  ==========================================

``x[..., 0]`` holds the values, ``x[..., 1]`` the markers. Use ``x.transpose(0, 1)`` for the
time-major ``(T, B, D)`` layout of the from-scratch chapters.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from course_utils._checks import check_bool, check_choice, check_int, check_number, is_integer, positive_int

__all__ = ["VARIANTS", "IGNORE", "SOLVED_TOLERANCE", "BASELINE_PREDICTION", "BASELINE_MSE",
           "adding_problem", "adding_batches", "constant_solved_fraction", "solved_fraction", "copy_task",
           "copy_vocab_size", "copy_baseline", "copy_batches"]

VARIANTS = ("le", "hochreiter")
IGNORE = -100                      # target id skipped by cross_entropy(ignore_index=-100)
SOLVED_TOLERANCE = 0.04            # Hochreiter & Schmidhuber: |error| < 0.04 counts as solved
BASELINE_PREDICTION = {"le": 1.0, "hochreiter": 0.5}     # E[y]: the best constant prediction
BASELINE_MSE = {"le": 1 / 6, "hochreiter": 1 / 24}       # Var(y) = MSE of predicting E[y]


def _generator(generator) -> torch.Generator:
    if generator is None:
        return torch.Generator().manual_seed(0)
    if isinstance(generator, torch.Generator):
        return generator
    if is_integer(generator):
        return torch.Generator().manual_seed(check_int(generator, "generator (an int seed)", 0, 2 ** 64 - 1))
    raise TypeError(f"generator must be a torch.Generator, an int seed or None, got {type(generator).__name__}")


def _check_adding(batch, length, variant, positions) -> None:
    positive_int(batch, "batch")
    check_choice(variant, "variant", VARIANTS)
    check_choice(positions, "positions", ("uniform", "halves"))
    positive_int(length, "length", minimum=2 if variant == "le" else 6)


def _check_copy(batch, delay, n_symbols, length, recall_only) -> None:
    positive_int(batch, "batch"), positive_int(delay, "delay")
    positive_int(length, "length"), positive_int(n_symbols, "n_symbols")
    check_bool(recall_only, "recall_only")


def adding_problem(batch: int, length: int, variant: str = "le", generator=None,
                   positions: str = "uniform") -> tuple[torch.Tensor, torch.Tensor]:
    """One batch of the adding problem: ``x: (B, T, 2)``, ``y: (B, 1)``, both float32.

    ``variant="le"`` (Le, Jaitly & Hinton 2015): values U[0, 1], two distinct positions marked 1,
    target X1 + X2. ``positions="uniform"`` draws both anywhere in the sequence (Le et al.);
    ``"halves"`` puts one in each half (Arjovsky et al. 2016), so the first is at least T/2 back.

    ``variant="hochreiter"`` (Hochreiter & Schmidhuber 1997, at fixed length T): values U[-1, 1];
    X1 is marked among the first 10 steps, X2 among the first T/2 - 1 other steps; the first and
    last markers are -1 unless marked; X1 is set to 0 if it sits at step 1;
    target 0.5 + (X1 + X2) / 4. ``positions`` is ignored.

    Raises TypeError for a non-integer batch or length or a generator that is not a torch.Generator,
    an int seed or None; ValueError for batch < 1, length < 2 ("le") or < 6 ("hochreiter"), an
    unknown variant or positions, or an int seed outside [0, 2**64).
    """
    _check_adding(batch, length, variant, positions)
    B, T = int(batch), int(length)
    g = _generator(generator)
    rows = torch.arange(B)
    if variant == "le":
        values = torch.rand(B, T, generator=g)
        if positions == "halves":
            half = T // 2
            first = torch.randint(0, half, (B,), generator=g)
            second = torch.randint(half, T, (B,), generator=g)
        else:  # two distinct positions, uniform over all ordered pairs
            first = torch.randint(0, T, (B,), generator=g)
            second = torch.randint(0, T - 1, (B,), generator=g)
            second = second + (second >= first).long()
        markers = torch.zeros(B, T)
    else:
        values = 2 * torch.rand(B, T, generator=g) - 1
        first = torch.randint(0, min(10, T // 2 - 1), (B,), generator=g)
        second = torch.randint(0, T // 2 - 2, (B,), generator=g)          # among T/2 - 1 minus X1
        second = second + (second >= first).long()
        values[rows, first] = torch.where(first == 0, 0.0, values[rows, first])
        markers = torch.zeros(B, T)
        markers[:, 0] = -1
        markers[:, -1] = -1
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    total = values[rows, first] + values[rows, second]
    y = total if variant == "le" else 0.5 + total / 4
    return torch.stack([values, markers], dim=-1), y.unsqueeze(1)


def adding_batches(length: int, batch: int = 64, variant: str = "le", positions: str = "uniform"):
    """A ``batch_fn(step, rng)`` for :func:`course_utils.learning.training.train` drawing fresh adding
    batches ``(x (B, T, 2), y (B, 1))`` with :func:`adding_problem` from ``rng``.

    Raises (at once, not at the first batch) what :func:`adding_problem` raises for batch, length,
    variant and positions.
    """
    _check_adding(batch, length, variant, positions)

    def batch_fn(step, rng):
        return adding_problem(batch, length, variant, rng, positions)
    return batch_fn


def constant_solved_fraction(tolerance: float = SOLVED_TOLERANCE, zero_rule: bool = True) -> float:
    """Fraction of Hochreiter-Schmidhuber sequences 'solved' by always predicting 0.5.

    The error is |X1 + X2| / 4, so it is solved when |S| < a with a = 4 * tolerance. For X1, X2
    independent U[-1, 1], S = X1 + X2 has the triangular density (2 - |s|) / 4 on [-2, 2], so
    P(|S| < a) = 1 - (2 - a)^2 / 4  (= 0.1536 for a = 0.16). With ``zero_rule``, X1 = 0 with
    probability 1/10 (it sits at step 1), and then P(|X2| < a) = a applies instead.

    Raises TypeError when tolerance is not a number or zero_rule not True/False, ValueError for a
    tolerance outside (0, 0.5] (or nan).
    """
    a = 4 * check_number(tolerance, "tolerance", low=0, high=0.5, low_open=True)
    check_bool(zero_rule, "zero_rule")
    p = 1 - (2 - a) ** 2 / 4
    return 0.9 * p + 0.1 * a if zero_rule else p


def solved_fraction(prediction: torch.Tensor, target: torch.Tensor, tolerance: float = SOLVED_TOLERANCE) -> float:
    """Fraction of sequences with |prediction - target| < tolerance (a nan prediction counts as not solved).

    prediction, target: tensors (or NumPy arrays) of real numbers of one shape, e.g. (B, 1).
    Raises TypeError when either is not a real-valued tensor or array or tolerance is not a number;
    ValueError when their shapes differ, they are empty, or tolerance <= 0 (or nan, inf).
    """
    prediction, target = _float_tensor(prediction, "prediction"), _float_tensor(target, "target")
    check_number(tolerance, "tolerance", low=0, low_open=True)
    if prediction.shape != target.shape:
        raise ValueError(f"prediction has shape {tuple(prediction.shape)} but target has shape "
                         f"{tuple(target.shape)}: expected equal shapes")
    if prediction.numel() == 0:
        raise ValueError(f"prediction has shape {tuple(prediction.shape)}: expected at least one sequence")
    return float(((prediction - target).abs() < tolerance).float().mean())


def _float_tensor(a, name: str) -> torch.Tensor:
    if isinstance(a, np.ndarray) and a.dtype.kind in "iuf":
        a = torch.from_numpy(a)
    if not isinstance(a, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor (or NumPy array) of numbers, got {type(a).__name__}")
    if a.dtype == torch.bool or a.is_complex():
        raise TypeError(f"{name} has dtype {a.dtype}: expected real numbers")
    return a.detach().double().cpu()


def copy_task(batch: int, delay: int, n_symbols: int = 8, length: int = 10, generator=None,
              recall_only: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
    """Copy / delayed recall (Arjovsky, Shah & Bengio 2016): remember ``length`` symbols for ``delay`` steps.

    Token ids: 0 = blank, 1..n_symbols = symbols, n_symbols + 1 = the 'recall now' marker
    (vocabulary size n_symbols + 2, see :func:`copy_vocab_size`). With K = length, T = delay:

    - ``x: (B, 2K + T)``: K random symbols, T - 1 blanks, the marker, K blanks;
    - ``y: (B, 2K + T)``: the K symbols at the last K steps. Everywhere else ``y`` is ``IGNORE``
      (``recall_only=True``, only recall is scored) or 0 = blank (``recall_only=False``, the
      original task where the blanks must be output too).

    Raises TypeError for a non-integer size, a recall_only that is not True/False or a generator
    that is not a torch.Generator, an int seed or None; ValueError for a size < 1 or an int seed
    outside [0, 2**64).
    """
    _check_copy(batch, delay, n_symbols, length, recall_only)
    B, T, K, n = int(batch), int(delay), int(length), int(n_symbols)
    g = _generator(generator)
    symbols = torch.randint(1, n + 1, (B, K), generator=g)
    x = torch.zeros(B, 2 * K + T, dtype=torch.int64)
    x[:, :K] = symbols
    x[:, K + T - 1] = n + 1
    y = torch.full_like(x, IGNORE if recall_only else 0)
    y[:, -K:] = symbols
    return x, y


def copy_vocab_size(n_symbols: int = 8) -> int:
    """Blank + symbols + marker: ``n_symbols + 2``. Raises TypeError for a non-integer n_symbols,
    ValueError for n_symbols < 1."""
    return positive_int(n_symbols, "n_symbols") + 2


def copy_baseline(n_symbols: int = 8, length: int = 10, delay: int | None = None,
                  recall_only: bool = True) -> float:
    """Mean cross-entropy (nats per scored step) of the best memoryless guess.

    Recall only: a uniform guess over the symbols costs log(n_symbols) per recalled step.
    Whole sequence (``recall_only=False``, needs ``delay``): blanks are predictable for free, so the
    average is K log(n_symbols) / (2K + T) (Arjovsky et al.'s 10 log 8 / (T + 20)).

    Raises TypeError for a non-integer n_symbols, length or delay or a recall_only that is not
    True/False; ValueError for a size < 1, or delay None with recall_only=False.
    """
    per_symbol = math.log(positive_int(n_symbols, "n_symbols"))
    length = positive_int(length, "length")
    if check_bool(recall_only, "recall_only"):
        return per_symbol
    if delay is None:
        raise ValueError("delay is needed for the whole-sequence baseline (recall_only=False)")
    return length * per_symbol / (2 * length + positive_int(delay, "delay"))


def copy_batches(delay: int, batch: int = 64, n_symbols: int = 8, length: int = 10, recall_only: bool = True):
    """A ``batch_fn(step, rng)`` for :func:`course_utils.learning.training.train` drawing fresh copy-task
    batches ``(x (B, 2K + T), y (B, 2K + T))`` with :func:`copy_task` from ``rng``.

    Raises (at once, not at the first batch) what :func:`copy_task` raises for the sizes and recall_only.
    """
    _check_copy(batch, delay, n_symbols, length, recall_only)

    def batch_fn(step, rng):
        return copy_task(batch, delay, n_symbols, length, rng, recall_only)
    return batch_fn
