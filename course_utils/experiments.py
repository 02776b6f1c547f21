"""Chapter 6's experiment: RNN, LSTM and GRU on the adding problem, across sequence lengths.

One :class:`AddingRun` describes one training run (cell, length T, seed, budget...);
:func:`run_all` trains a list of them, in parallel worker processes on a CPU (each run is seeded
and single-threaded, so the results do not depend on how the runs are scheduled, nor on
``OMP_NUM_THREADS``), and returns one :class:`AddingResult` per run, in order.

During training every ``eval_every`` steps the run records, on a fixed validation set:

- ``mse``: validation mean squared error (the baseline of the Le et al. form is 1/6);
- ``grad_early`` / ``grad_late``: how strongly the prediction depends on the first / last 10 % of the
  inputs, the mean over those steps of :func:`input_gradient_profile` (the gradient that reaches them).

Training stops once the validation MSE is below ``stop_below``, or gives up (optional, the same rule
for every cell) when at step ``give_up_after`` or later the validation MSE is still above
``give_up_above`` times the memoryless baseline; the reported ``test_mse`` is then measured on a
separate test set.
"""
from __future__ import annotations

import math
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, replace

import numpy as np
import torch
from tqdm.auto import tqdm

from .models import SequenceModel, hidden_size_for_budget
from .tasks import BASELINE_MSE, adding_batches, adding_problem
from .training import History, TrainConfig, mse_loss, pick_device, set_seed, train

VALID_OFFSET, TEST_OFFSET = 2 ** 20, 2 ** 21    # seeds of the validation / test sets: offset + run seed
COST = {"rnn": 1.5, "lstm": 1.0, "gru": 4.0}    # rough relative CPU cost per step, to schedule long runs first
CELL_COLORS = {"rnn": "tab:red", "lstm": "tab:blue", "gru": "tab:green"}   # one colour per cell in every figure


def input_gradient_profile(model: torch.nn.Module, x: torch.Tensor) -> np.ndarray:
    """``g[t] = mean_b || d yhat_b / d x_t^(b) ||_2`` for t = 0..T-1, shape ``(T,)`` (float64 NumPy).

    model: maps ``x: (B, T, D)`` to one prediction per sequence ``(B, 1)`` (outputs are summed if wider).
    Sequences do not interact, so the gradient of ``yhat.sum()`` holds every sequence's own gradient.
    The model is put in training mode for the backward pass (cuDNN needs it) and restored after.
    """
    was_training = model.training
    device = next(model.parameters()).device
    x = x.detach().to(device).clone().requires_grad_(True)
    model.train()
    with torch.enable_grad():
        (grad,) = torch.autograd.grad(model(x).sum(), x)
    model.train(was_training)
    return grad.norm(dim=-1).mean(dim=0).double().cpu().numpy()


@dataclass(frozen=True)
class AddingRun:
    """One training run on the adding problem (Le et al. form unless ``variant="hochreiter"``).

    The hidden size is the largest whose parameter count fits ``budget`` (comparable cost across cells).
    ``give_up_after``: if set, training ends at the first evaluation at or after this step whose
    validation MSE is still above ``give_up_above * BASELINE_MSE[variant]`` (a run stuck on the
    baseline plateau stops paying for steps; ``None``: always train up to ``max_steps``).
    """

    cell: str
    length: int
    seed: int = 0
    lr: float = 2e-2
    budget: int = 4700
    batch: int = 128
    max_steps: int = 1000
    forget_bias: float | None = None
    clip: float | None = 1.0
    eval_every: int = 25
    n_valid: int = 500
    n_test: int = 2000
    stop_below: float = 0.005
    solved_below: float = 0.01
    variant: str = "le"
    give_up_after: int | None = None
    give_up_above: float = 0.9

    @property
    def hidden_size(self) -> int:
        return hidden_size_for_budget(self.cell, 2, 1, self.budget)

    def build(self) -> SequenceModel:
        """The untrained model, initialised from ``seed``."""
        set_seed(self.seed)
        return SequenceModel(self.cell, 2, self.hidden_size, 1, forget_bias=self.forget_bias)

    def should_stop(self, history: History) -> bool:
        """True once the latest validation MSE is below ``stop_below``, or the run gives up."""
        step, mse = history.eval["step"][-1], history.eval["mse"][-1]
        stuck = (self.give_up_after is not None and step >= self.give_up_after
                 and mse > self.give_up_above * BASELINE_MSE[self.variant])
        return mse < self.stop_below or stuck

    def data(self, split: str) -> tuple[torch.Tensor, torch.Tensor]:
        """The fixed ``"valid"`` or ``"test"`` set of this run: ``x (N, T, 2)``, ``y (N, 1)``."""
        n, offset = (self.n_valid, VALID_OFFSET) if split == "valid" else (self.n_test, TEST_OFFSET)
        return adding_problem(n, self.length, self.variant, offset + self.seed)


@dataclass
class AddingResult:
    """What one run produced. ``seconds`` depends on the machine; everything else is reproducible."""

    run: AddingRun
    history: History
    test_mse: float
    steps_to_solve: int | None          # first evaluated step with validation MSE < solved_below
    seconds: float
    state_dict: dict = field(repr=False, default_factory=dict)

    @property
    def solved(self) -> bool:
        return self.test_mse < self.run.solved_below

    def model(self) -> SequenceModel:
        """The trained model (on the CPU)."""
        model = self.run.build()
        model.load_state_dict(self.state_dict)
        return model


def _mse(model, x, y) -> float:
    device = next(model.parameters()).device
    with torch.no_grad():
        return float(((model(x.to(device)) - y.to(device)) ** 2).mean())


def train_adding(run: AddingRun, progress: bool = False) -> AddingResult:
    """Train one :class:`AddingRun` (single-threaded on the CPU) and measure it.

    During the run, subnormal floats (``0 < |x| < 1.2e-38`` in float32) are flushed to zero. A vanilla
    RNN's vanishing gradient produces them in bulk, and x86 CPUs compute with them many times more
    slowly (on this course's test machine the RNN run at T = 100 took 1.5-2x as long without the
    flush); values that small change no result the course reports. The setting is restored after.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    torch.set_flush_denormal(True)
    try:
        start = time.perf_counter()
        model = run.build()
        x_valid, y_valid = run.data("valid")
        probe = x_valid[:64]
        k = max(1, math.ceil(run.length / 10))

        def evaluate(m):
            profile = input_gradient_profile(m, probe)
            return {"mse": _mse(m, x_valid, y_valid), "grad_early": profile[:k].mean(),
                    "grad_late": profile[-k:].mean()}

        config = TrainConfig(steps=run.max_steps, lr=run.lr, clip=run.clip, seed=run.seed, progress=progress,
                             eval_every=run.eval_every)
        history = train(model, adding_batches(run.length, run.batch, run.variant), mse_loss, config,
                        eval_fn=evaluate, stop_fn=run.should_stop)
        test_mse = _mse(model, *run.data("test"))
        seconds = time.perf_counter() - start
        state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
        return AddingResult(run, history, test_mse, history.first_step("mse", run.solved_below), seconds, state)
    finally:
        torch.set_num_threads(threads)
        torch.set_flush_denormal(False)     # PyTorch's default (it has no getter to restore from)


def run_all(runs: list[AddingRun], processes: int = 2, progress: bool = True) -> list[AddingResult]:
    """Train every run; ``processes > 1`` uses that many worker processes (CPU only).

    Results come back in the order of ``runs`` and are the same for any ``processes``.
    On a GPU the runs go one after the other on the GPU. The workers are *spawned* (safe with
    PyTorch on every OS): in a script, call this under ``if __name__ == "__main__":``.
    """
    runs = list(runs)
    if not all(isinstance(r, AddingRun) for r in runs):
        raise TypeError("runs must be a list of AddingRun")
    if processes <= 1 or pick_device().type == "cuda":
        return [train_adding(r) for r in tqdm(runs, disable=not progress, desc="runs")]
    order = sorted(range(len(runs)), key=lambda i: -runs[i].length * runs[i].max_steps * COST[runs[i].cell])
    results: list[AddingResult | None] = [None] * len(runs)
    context = multiprocessing.get_context("spawn")   # safe with torch's thread pools, on every OS
    with ProcessPoolExecutor(max_workers=processes, mp_context=context) as pool:
        futures = {pool.submit(train_adding, runs[i]): i for i in order}
        bar = tqdm(total=len(runs), disable=not progress, desc="runs")
        for future in as_completed(futures):
            results[futures[future]] = future.result()
            bar.update()
        bar.close()
    return results


def sweep(cells=("rnn", "lstm", "gru"), lengths=(10, 25, 50, 100), seed: int = 0, lr=None, **common) -> list[AddingRun]:
    """One :class:`AddingRun` per (cell, length); ``lr`` may be a dict cell -> learning rate."""
    runs = []
    for length in lengths:
        for cell in cells:
            kwargs = dict(common)
            if lr is not None:
                kwargs["lr"] = lr[cell] if isinstance(lr, dict) else lr
            if cell != "lstm":
                kwargs.pop("forget_bias", None)        # an LSTM-only setting
            runs.append(AddingRun(cell, length, seed, **kwargs))
    return runs


def with_seed(runs: list[AddingRun], seed: int) -> list[AddingRun]:
    """The same runs with another seed (for checking that a finding is not luck)."""
    return [replace(r, seed=seed) for r in runs]


# --- tables and figures of the sweep ---------------------------------------------------------

def results_by(results: list[AddingResult], forget_bias="any") -> dict[tuple[str, int], AddingResult]:
    """``{(cell, T): result}``; ``forget_bias`` keeps only LSTM runs with that b_f (others unaffected)."""
    out = {}
    for r in results:
        if r.run.cell == "lstm" and forget_bias != "any" and r.run.forget_bias != forget_bias:
            continue
        out[(r.run.cell, r.run.length)] = r
    return out


def plot_curves(results: list[AddingResult], key: str = "mse", baseline: float | None = None,
                ylabel: str = "validation MSE", title: str = "", floor: float | None = None):
    """One panel per sequence length: ``history.eval[key]`` against the step (log scale), one line per run.

    ``floor``: values below it (e.g. exact zeros of an underflowed gradient) are drawn at ``floor``.
    """
    import matplotlib.pyplot as plt
    lengths = sorted({r.run.length for r in results})
    fig, axes = plt.subplots(1, len(lengths), figsize=(2.6 * len(lengths) + 1.8, 3.2), sharey=True,
                             squeeze=False)
    for ax, length in zip(axes[0], lengths):
        for r in (r for r in results if r.run.length == length):
            label = r.run.cell.upper() + (f" b_f={r.run.forget_bias:g}" if r.run.forget_bias is not None else "")
            values = np.asarray(r.history.eval[key])
            shown = values if floor is None else np.maximum(values, floor)
            ax.plot(r.history.eval["step"], shown, label=label, color=CELL_COLORS[r.run.cell],
                    linestyle="--" if r.run.forget_bias == 0 else "-")
        if baseline is not None:
            ax.axhline(baseline, color="grey", linestyle=":", label="baseline")
        ax.set_yscale("log")
        ax.set_title(f"T = {length}")
        ax.set_xlabel("training step")
    axes[0][0].set_ylabel(ylabel)
    axes[0][-1].legend(frameon=False, fontsize=8, loc="center left", bbox_to_anchor=(1.0, 0.5))
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig

