"""Measuring Chapter 6's runs: the gradient that reaches each input, the memoryless baseline, the
results by (kind, T) and when the give-up rule would have stopped a recorded run.

:func:`input_gradient_norms_by_time` is what :func:`course_utils.learning.experiments.train_adding`
records during training (``grad_early`` / ``grad_late``) and what Section 6.6 plots;
:func:`constant_baseline` is every record's ``constant_test_mse``
(:mod:`course_utils.learning.experiment_records`). The runs themselves are
:mod:`course_utils.learning.experiments`; their figure is ``figures.plots.plot_curves``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import torch

from course_utils._checks import positive_int
from course_utils.data.tasks import adding_batches

if TYPE_CHECKING:
    from course_utils.learning.experiments import AddingResult, AddingRun

__all__ = ["input_gradient_norms_by_time", "constant_baseline", "results_by", "give_up_step"]


def input_gradient_norms_by_time(model: torch.nn.Module, x: torch.Tensor) -> np.ndarray:
    """How much gradient reaches each input, by time: ``g[t] = mean_b || d yhat_b / d x_t^(b) ||_2``.

    Returns a float64 NumPy array of shape ``(T,)`` indexed by TIME t = 0..T-1: entry 0 is the
    first input, entry T-1 the last. Its counterpart for a bare recurrent module,
    ``jacobians.input_gradient_norms_by_lag``, is indexed by LAG (entry 0 the last input):
    reverse one (``g[::-1]``) to compare it with the other.
    model: maps ``x: (B, T, D)`` to one prediction per sequence ``(B, 1)`` (outputs are summed if wider).
    Sequences do not interact, so the gradient of ``yhat.sum()`` holds every sequence's own gradient.
    The model is put in training mode for the backward pass (cuDNN needs it) and restored after.

    Raises nothing of its own: a model without parameters raises StopIteration, and an ``x`` the
    model cannot take raises the model's own error.
    """
    was_training = model.training
    device = next(model.parameters()).device
    x = x.detach().to(device).clone().requires_grad_(True)
    model.train()
    with torch.enable_grad():
        (grad,) = torch.autograd.grad(model(x).sum(), x)
    model.train(was_training)
    return grad.norm(dim=-1).mean(dim=0).double().cpu().numpy()


def constant_baseline(run: AddingRun, steps: int) -> tuple[float, float]:
    """The memoryless baseline fitted on the run's own training data, scored on its test set.

    Regenerates the first ``steps`` training batches exactly as :func:`course_utils.learning.training.train`
    draws them for ``run`` (same seed, same generator), fits the best constant (the mean target) on
    them and returns ``(constant, test MSE of always predicting it)``, two floats: the constant is
    the mean of the ``steps * run.batch`` targets (each batch ``(run.batch, 1)``), the MSE is over the
    run's ``(run.n_test, 1)`` test targets.

    Raises TypeError when ``steps`` is not an integer, ValueError when it is below 1.
    """
    steps = positive_int(steps, "steps")
    rng = torch.Generator().manual_seed(run.seed)
    batch_fn = adding_batches(run.length, run.batch, run.variant)
    total = 0.0
    for step in range(steps):
        total += float(batch_fn(step, rng)[1].double().sum())
    constant = total / (steps * run.batch)
    _, y_test = run.data("test")
    return constant, float(((y_test.double() - constant) ** 2).mean())


def results_by(results: list[AddingResult], forget_bias="any") -> dict[tuple[str, int], AddingResult]:
    """``{(kind, T): result}`` for a list of :class:`~course_utils.learning.experiments.AddingResult`.

    ``forget_bias`` keeps only LSTM runs with that b_f (others unaffected; ``"any"``: all). When two
    results share a (kind, T), the later one in ``results`` is kept. Raises nothing of its own (an
    item without ``.run`` raises AttributeError).
    """
    out = {}
    for r in results:
        if r.run.kind == "lstm" and forget_bias != "any" and r.run.forget_bias != forget_bias:
            continue
        out[(r.run.kind, r.run.length)] = r
    return out


def give_up_step(record: dict, after: int, level: float) -> int | None:
    """The step at which the give-up rule would have stopped a recorded run (``None``: never).

    The rule: the first evaluation at step ``after`` or later whose validation MSE is above ``level``
    (Chapter 6 uses ``after=600``, ``level=0.9 * BASELINE_MSE["le"]``). Applies to runs trained without it.
    ``record``: a run record of :mod:`course_utils.learning.experiment_records` (its equal-length
    lists ``valid_step`` and ``valid_mse``). Raises KeyError when the record lacks one of them.
    """
    for step, mse in zip(record["valid_step"], record["valid_mse"]):
        if step >= after and mse > level:
            return step
    return None
