"""Exploding gradients in training (Chapter 3): many small SGD runs at once, with and without clipping.

:func:`sgd_clip_sweep` trains many small tanh RNNs with plain SGD side by side (seeds x learning
rates x clipping thresholds, same batches), recording the gradient norm before clipping, how often
clipping acted and which runs overflowed (:class:`SGDSweep`). Each run is exactly what
:func:`course_utils.learning.training.train` would do to a ``SequenceModel("rnn", ...)`` with
``optimizer="sgd"``; the recurrent matrix can start at a chosen largest singular value with
:func:`course_utils.cells.jacobians.recurrent_matrix`.
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import torch

from course_utils._checks import is_integer, is_real_number, nonnegative_int, positive_int
from course_utils.cells.jacobians import recurrent_matrix
from course_utils.learning.models import SequenceModel
from course_utils.learning.training import set_seed

__all__ = ["SGDSweep", "sgd_clip_sweep"]


@dataclass
class SGDSweep:
    """What :func:`sgd_clip_sweep` recorded for M runs (one per seed x learning rate x threshold).

    seed, lr, clip (M,): the settings of each run (clip = inf: no clipping).
    loss, grad_norm (M, steps): training loss and gradient norm *before* clipping at each step;
        NaN from the step at which a run's loss became non-finite (the run is stopped there).
    diverged_at (M,): the 1-based step at which the loss became non-finite, 0 if it never did.
    test_mse (M,): MSE on ``(x_test, y_test)`` after the last step (inf for diverged runs).
    """

    seed: np.ndarray
    lr: np.ndarray
    clip: np.ndarray
    loss: np.ndarray
    grad_norm: np.ndarray
    diverged_at: np.ndarray
    test_mse: np.ndarray

    @property
    def clipped_fraction(self) -> np.ndarray:
        """(M,) fraction of the steps run at which clipping fired (norm > clip; 0 without clipping)."""
        ran = np.isfinite(self.grad_norm)
        fired = ran & (self.grad_norm > self.clip[:, None])
        return fired.sum(axis=1) / np.maximum(ran.sum(axis=1), 1)

    def select(self, lr=None, clip=None, seed=None) -> np.ndarray:
        """Indices (an int array) of the runs with this learning rate / threshold (``None`` = no clipping)
        / seed; lr and seed None match every run.

        Raises TypeError when lr or clip is not a number or None, or seed not an integer or None.
        """
        for name, value, ok in (("lr", lr, is_real_number), ("clip", clip, is_real_number),
                                ("seed", seed, is_integer)):
            if value is not None and not ok(value):
                kind = "an integer" if name == "seed" else "a number"
                raise TypeError(f"{name} must be {kind} or None, got {type(value).__name__} {value!r}")
        mask = np.ones(len(self.lr), dtype=bool)
        if lr is not None:
            mask &= np.isclose(self.lr, lr)
        mask &= np.isinf(self.clip) if clip is None else np.isclose(self.clip, clip)
        if seed is not None:
            mask &= self.seed == seed
        return np.flatnonzero(mask)


def sgd_clip_sweep(batch_fn, x_test, y_test, *, lrs, clips, seeds=(0,), hidden_size: int = 8,
                   steps: int = 400, data_seed: int = 0, lambda1: float | None = None) -> SGDSweep:
    """Train one tanh RNN per (seed, lr, clip) with plain SGD, all at once, on the same batches.

    Each run is exactly ``SequenceModel("rnn", D, hidden_size, O)`` built after
    ``training.set_seed(seed)`` (tanh ``nn.RNN``, ``h_0 = 0``, linear read-out of ``h_T``) and
    trained as ``training.train(..., TrainConfig(steps, lr, clip, optimizer="sgd", seed=data_seed))``
    with the MSE loss would train it: at step k the batch ``batch_fn(k, rng)`` (``rng`` a
    ``torch.Generator`` seeded with ``data_seed``), the gradient norm over all parameters, then
    ``torch.nn.utils.clip_grad_norm_``'s rescaling ``g <- g * min(1, clip / (norm + 1e-6))``. The
    runs are independent models stacked along a leading axis, so M runs cost little more than one.

    lambda1: if given, each run's W_hh is replaced by ``recurrent_matrix(hidden_size, lambda1,
        "orthogonal", seed)`` (float32), as Chapter 3 does to start near the edge of explosion.
    batch_fn(step, rng) -> (x (B, T, D), y (B, O)) float32 CPU tensors.
    lrs: learning rates > 0; clips: thresholds > 0, or None for no clipping; seeds: init seeds.
    x_test (N, T, D), y_test (N, O): float32 tensors. Returns an :class:`SGDSweep` (runs ordered
    seed-major, then lr, then clip).

    Raises TypeError when batch_fn is not callable or returns anything but a pair of tensors, lrs,
    clips or seeds is not a collection of numbers (integers for seeds), steps, hidden_size or data_seed
    is not an integer, or lambda1 not a number; ValueError when lrs, clips or seeds is empty, a
    learning rate or threshold is <= 0 (or nan), a seed or data_seed < 0, steps or hidden_size < 1,
    lambda1 < 0, x_test or y_test is not a float32 tensor of the shape above, or a batch is not
    ``(x (B, T, D), y (B, O))`` float32 with the test set's D and O.
    """
    if not callable(batch_fn):
        raise TypeError(f"batch_fn must be a function (step, rng) -> (x, y), got {type(batch_fn).__name__}")
    lrs, seeds = _numbers(lrs, "lrs"), _numbers(seeds, "seeds", integer=True)
    clips = _numbers(clips, "clips", none=math.inf)
    if not lrs or not all(v > 0 for v in lrs):
        raise ValueError(f"lrs must be a non-empty list of positive numbers, got {lrs!r}")
    if not clips or not all(c > 0 for c in clips):
        raise ValueError(f"clips must be a non-empty list of positive numbers or None, got {clips!r}")
    if not seeds or min(seeds) < 0:
        raise ValueError(f"seeds must be a non-empty list of non-negative integers, got {seeds!r}")
    steps = positive_int(steps, "steps")
    data_seed = nonnegative_int(data_seed, "data_seed")
    if not (isinstance(x_test, torch.Tensor) and x_test.dim() == 3 and isinstance(y_test, torch.Tensor)
            and y_test.dim() == 2 and len(x_test) == len(y_test)):
        raise ValueError(f"x_test must be a tensor (N, T, D) and y_test (N, O), got shapes "
                         f"{tuple(getattr(x_test, 'shape', ()))} and {tuple(getattr(y_test, 'shape', ()))}")
    if x_test.dtype != torch.float32 or y_test.dtype != torch.float32:
        raise ValueError(f"x_test and y_test have dtypes {x_test.dtype} and {y_test.dtype}: expected "
                         "torch.float32, the runs' dtype")
    D, O = x_test.shape[-1], y_test.shape[-1]
    settings = [(s, lr, c) for s in seeds for lr in lrs for c in clips]
    M = len(settings)
    inits = {}
    for s in seeds:
        set_seed(s)
        model = SequenceModel("rnn", input_size=D, hidden_size=hidden_size, output_size=O)
        if lambda1 is not None:
            with torch.no_grad():
                model.rnn.weight_hh_l0.copy_(torch.from_numpy(recurrent_matrix(hidden_size, lambda1,
                                                                               "orthogonal", seed=s)))
        inits[s] = [p.detach().clone() for p in (model.rnn.weight_ih_l0, model.rnn.weight_hh_l0,
                                                  model.rnn.bias_ih_l0, model.rnn.bias_hh_l0,
                                                  model.head.weight, model.head.bias)]
    params = [torch.stack([inits[s][i] for s, _, _ in settings]).requires_grad_(True) for i in range(6)]
    lr_t = torch.tensor([lr for _, lr, _ in settings])
    clip_t = torch.tensor([c for _, _, c in settings])

    def forward(W_ih, W_hh, b_ih, b_hh, W_out, b_out, x):        # x (B, T, D) -> (M, B, O)
        pre = torch.einsum("btd,mhd->tmbh", x, W_ih) + (b_ih + b_hh)[:, None, :]   # (T, M, B, H)
        h, W_hh_t = torch.zeros(M, x.shape[0], hidden_size), W_hh.transpose(1, 2)
        for t in range(x.shape[1]):
            h = torch.tanh(torch.baddbmm(pre[t], h, W_hh_t))
        return torch.baddbmm(b_out[:, None, :], h, W_out.transpose(1, 2))

    loss_log = np.full((M, steps), np.nan)
    norm_log = np.full((M, steps), np.nan)
    diverged_at = np.zeros(M, dtype=int)
    alive = torch.ones(M, dtype=torch.bool)
    rng = torch.Generator().manual_seed(data_seed)
    for step in range(steps):
        x, y = _batch(batch_fn(step, rng), step, D, O)
        losses = ((forward(*params, x) - y) ** 2).mean(dim=(1, 2))          # (M,)
        finite = torch.isfinite(losses.detach())
        newly = alive & ~finite
        diverged_at[newly.numpy()] = step + 1
        alive &= finite
        if not alive.any():
            break
        for p in params:
            p.grad = None
        torch.where(alive, losses, torch.zeros(())).sum().backward()
        with torch.no_grad():
            norm = torch.sqrt(sum((p.grad.double() ** 2).flatten(1).sum(1) for p in params)).float()
            scale = torch.clamp(clip_t / (norm + 1e-6), max=1.0)
            step_size = torch.where(alive, lr_t * scale, torch.zeros(()))
            for p in params:
                p -= step_size.view(-1, *[1] * (p.dim() - 1)) * torch.nan_to_num(p.grad)
        a = alive.numpy()
        loss_log[a, step] = losses.detach().numpy()[a]
        norm_log[a, step] = norm.numpy()[a]
    with torch.no_grad():
        test = ((forward(*params, x_test) - y_test) ** 2).mean(dim=(1, 2)).double().numpy()
    test = np.where(alive.numpy() & np.isfinite(test), test, np.inf)
    return SGDSweep(np.array([s for s, _, _ in settings]), lr_t.double().numpy(),
                    clip_t.double().numpy(), loss_log, norm_log, diverged_at, test)


def _numbers(values, name: str, none: float | None = None, integer: bool = False) -> list:
    """``values`` (a collection) as a list of floats (ints when ``integer``; None read as ``none``
    where that is given); a TypeError naming the argument or the entry otherwise."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise TypeError(f"{name} must be a list of numbers, got {type(values).__name__} {values!r}")
    out = []
    for i, v in enumerate(values):
        if v is None and none is not None:
            out.append(none)
        elif integer and not is_integer(v) or not integer and not is_real_number(v):
            kind = ("an integer" if integer else "a number") + (" or None" if none is not None else "")
            raise TypeError(f"{name}[{i}] must be {kind}, got {type(v).__name__} {v!r}")
        else:
            out.append(int(v) if integer else float(v))
    return out


def _batch(batch, step: int, D: int, O: int):
    """What ``batch_fn`` returned at ``step``, checked: x (B, T, D) and y (B, O), float32 tensors."""
    where = f"batch_fn(step={step}, rng)"
    if not isinstance(batch, (tuple, list)) or len(batch) != 2 \
            or not all(isinstance(a, torch.Tensor) for a in batch):
        raise TypeError(f"{where} must return a pair (x, y) of tensors, got {type(batch).__name__}")
    x, y = batch
    if x.dim() != 3 or x.shape[-1] != D or 0 in x.shape or y.dim() != 2 or y.shape != (x.shape[0], O) \
            or x.dtype != torch.float32 or y.dtype != torch.float32:
        raise ValueError(f"{where} returned x {tuple(x.shape)} {x.dtype} and y {tuple(y.shape)} {y.dtype}: "
                         f"expected x (B, T, {D}) and y (B, {O}), float32, like x_test and y_test")
    return x, y
