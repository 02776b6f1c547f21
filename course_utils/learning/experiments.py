"""Chapter 6's experiment: RNN, LSTM and GRU on the adding problem, across sequence lengths.

One :class:`AddingRun` describes one training run (kind, length T, seed, budget...);
:func:`run_all` trains a list of them, in parallel worker processes on a CPU (each run is seeded
and single-threaded, so the results do not depend on how the runs are scheduled, nor on
``OMP_NUM_THREADS``), and returns one :class:`AddingResult` per run, in order.

During training every ``eval_every`` steps the run records, on a fixed validation set:

- ``mse``: validation mean squared error (the baseline of the Le et al. form is 1/6);
- ``grad_early`` / ``grad_late``: how strongly the prediction depends on the first / last 10 % of the
  inputs, the mean over those steps of
  :func:`~course_utils.learning.experiment_analysis.input_gradient_norms_by_time` (the gradient that
  reaches them).

Training stops once the validation MSE is below ``stop_below``, or gives up (optional, the same rule
for every kind) when at step ``give_up_after`` or later the validation MSE is still above
``give_up_above`` times the memoryless baseline; the reported ``test_mse`` is then measured on a
separate test set.

Tables of results over several seeds are made by the command line of this module (it writes a small
JSON file that records the settings, the PyTorch version, the device and the date; ``--help`` lists
the options)::

    python -m course_utils.learning.experiments seeds --seeds 0 1 2 --lengths 10 100 --out results.json

Its records and files are :mod:`course_utils.learning.experiment_records`; the measurements of runs and
records (the gradient by time, the memoryless baseline, the give-up rule applied afterwards) are
:mod:`course_utils.learning.experiment_analysis`.
"""
from __future__ import annotations

import argparse
import datetime
import math
import multiprocessing
import platform
import shlex
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, replace

import torch
from tqdm.auto import tqdm

from course_utils.cells import params
from course_utils.data.tasks import BASELINE_MSE, adding_batches, adding_problem
from course_utils.learning.experiment_analysis import input_gradient_norms_by_time
from course_utils.learning.experiment_records import SCHEMA, result_record, write_results
from course_utils.learning.models import SequenceModel, hidden_size_for_budget
from course_utils.learning.training import History, TrainConfig, mse_loss, pick_device, set_seed, train

__all__ = ["VALID_OFFSET", "TEST_OFFSET", "SCHEDULE_WEIGHT", "AddingRun", "AddingResult", "train_adding",
           "run_all", "sweep", "with_seed", "KINDS", "DEFAULT_LR", "seed_runs", "build_parser",
           "seeds_command", "main"]

VALID_OFFSET, TEST_OFFSET = 2 ** 20, 2 ** 21    # seeds of the validation / test sets: offset + run seed
SCHEDULE_WEIGHT = {"rnn": 1.1, "lstm": 1.0, "gru": 2.6}
"""CPU seconds per training step and per time step of each kind, relative to the LSTM: :func:`run_all`
starts the runs longest first, by ``length * max_steps * SCHEDULE_WEIGHT[kind]``, so that no long run
is left alone at the end. Measured on the runs of ``notebooks/data/ch6_seeds.json`` (6 seeds, T = 10 to
100, at the default budget, one process on an x86 CPU, PyTorch 2.13): their total seconds over
their total steps x T are 1.77 ms (RNN), 1.59 ms (LSTM) and 4.16 ms (GRU). Only the order of the runs
depends on these numbers, never their results."""


@dataclass(frozen=True)
class AddingRun:
    """One training run on the adding problem (Le et al. form unless ``variant="hochreiter"``).

    The hidden size is the largest whose parameter count fits ``budget`` (comparable cost across kinds).
    ``give_up_after``: if set, training ends at the first evaluation at or after this step whose
    validation MSE is still above ``give_up_above * BASELINE_MSE[variant]`` (a run stuck on the
    baseline plateau stops paying for steps; ``None``: always train up to ``max_steps``).
    """

    kind: str
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
        """The hidden size of this run's kind at its parameter budget (2 inputs, 1 output)."""
        return hidden_size_for_budget(self.kind, 2, 1, self.budget)

    def build(self) -> SequenceModel:
        """The untrained model, initialised from ``seed``."""
        set_seed(self.seed)
        return SequenceModel(self.kind, 2, self.hidden_size, 1, forget_bias=self.forget_bias)

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
        """True when the test MSE is below the run's threshold for solving the task."""
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


def train_adding(run: AddingRun, progress: bool = False, device: str | None = None) -> AddingResult:
    """Train one :class:`AddingRun` (single-threaded on the CPU) and measure it.

    ``device``: ``"cpu"``, ``"cuda"``... (``None``: a GPU if there is one, else the CPU).

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
            profile = input_gradient_norms_by_time(m, probe)
            return {"mse": _mse(m, x_valid, y_valid), "grad_early": profile[:k].mean(),
                    "grad_late": profile[-k:].mean()}

        config = TrainConfig(steps=run.max_steps, lr=run.lr, clip=run.clip, seed=run.seed, progress=progress,
                             eval_every=run.eval_every, device=device)
        history = train(model, adding_batches(run.length, run.batch, run.variant), mse_loss, config,
                        eval_fn=evaluate, stop_fn=run.should_stop)
        test_mse = _mse(model, *run.data("test"))
        seconds = time.perf_counter() - start
        state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
        return AddingResult(run, history, test_mse, history.first_step("mse", run.solved_below), seconds, state)
    finally:
        torch.set_num_threads(threads)
        torch.set_flush_denormal(False)     # PyTorch's default (it has no getter to restore from)


def _longest_first(runs: list[AddingRun]) -> list[int]:
    """The indices of ``runs``, the longest expected CPU time first (see :data:`SCHEDULE_WEIGHT`)."""
    return sorted(range(len(runs)),
                  key=lambda i: -runs[i].length * runs[i].max_steps * SCHEDULE_WEIGHT[runs[i].kind])


def run_all(runs: list[AddingRun], processes: int = 2, progress: bool = True,
            device: str | None = None) -> list[AddingResult]:
    """Train every run; ``processes > 1`` uses that many worker processes (CPU only).

    Results come back in the order of ``runs`` and are the same for any ``processes``.
    ``device``: as for :func:`train_adding`; on a GPU the runs go one after the other on the GPU. The workers are *spawned* (safe with
    PyTorch on every OS): in a script, call this under ``if __name__ == "__main__":``.

    Raises TypeError when an item of ``runs`` is not an :class:`AddingRun` (and a worker's error, as
    :func:`train_adding` raised it).
    """
    runs = list(runs)
    if not all(isinstance(r, AddingRun) for r in runs):
        raise TypeError("runs must be a list of AddingRun")
    resolved = torch.device(device) if device else pick_device()
    if processes <= 1 or resolved.type != "cpu":
        return [train_adding(r, device=device) for r in tqdm(runs, disable=not progress, desc="runs")]
    order = _longest_first(runs)
    results: list[AddingResult | None] = [None] * len(runs)
    context = multiprocessing.get_context("spawn")   # safe with torch's thread pools, on every OS
    with ProcessPoolExecutor(max_workers=processes, mp_context=context) as pool:
        futures = {pool.submit(train_adding, runs[i], False, "cpu"): i for i in order}
        bar = tqdm(total=len(runs), disable=not progress, desc="runs")
        for future in as_completed(futures):
            results[futures[future]] = future.result()
            bar.update()
        bar.close()
    return results


def sweep(kinds=params.KINDS, lengths=(10, 25, 50, 100), seed: int = 0, lr=None, **common) -> list[AddingRun]:
    """One :class:`AddingRun` per (kind, length); ``lr`` may be a dict kind -> learning rate."""
    runs = []
    for length in lengths:
        for kind in kinds:
            kwargs = dict(common)
            if lr is not None:
                kwargs["lr"] = lr[kind] if isinstance(lr, dict) else lr
            if kind != "lstm":
                kwargs.pop("forget_bias", None)        # an LSTM-only setting
            runs.append(AddingRun(kind, length, seed, **kwargs))
    return runs


def with_seed(runs: list[AddingRun], seed: int) -> list[AddingRun]:
    """The same runs with another seed (for checking that a finding is not luck)."""
    return [replace(r, seed=seed) for r in runs]


# --- runs over seeds, and the command line that writes their records ---------------------------

KINDS = params.KINDS
"""The cell kinds, ``params.KINDS`` (kept under this name because Chapter 6 imports it from here)."""
DEFAULT_LR = {"rnn": 1e-2, "lstm": 2e-2, "gru": 2e-2}     # Chapter 6's learning rates


def seed_runs(seeds, lengths, kinds=KINDS, forget_biases=(1.0,), lr=None, **common) -> list[AddingRun]:
    """Every (seed, length, kind) run, one LSTM run per forget-gate bias; ``lr``: dict kind -> rate."""
    lr = {**DEFAULT_LR, **(lr or {})}
    runs = []
    for seed in seeds:
        for length in lengths:
            for kind in kinds:
                for b in (forget_biases if kind == "lstm" else (None,)):
                    runs.append(AddingRun(kind, length, seed, lr=lr[kind], forget_bias=b, **common))
    return runs


def _int_at_least(minimum: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < minimum:
            raise argparse.ArgumentTypeError(f"expected an integer >= {minimum}, got {text!r}")
        return value
    return parse


def _step_or_none(text: str) -> int | None:
    if text.lower() == "none":
        return None
    return _int_at_least(1)(text)


def _kind_lr(text: str) -> tuple[str, float]:
    kind, sep, value = text.partition("=")
    try:
        rate = float(value)
    except ValueError:
        rate = math.nan
    if not sep or kind not in KINDS or not rate > 0:
        raise argparse.ArgumentTypeError(f"expected KIND=RATE with KIND in {KINDS} and RATE > 0, got {text!r}")
    return kind, rate


def build_parser() -> argparse.ArgumentParser:
    """The command line's argument parser (the ``seeds`` command).

    Building it raises nothing; when it parses, a bad value (an integer below its minimum, a
    ``KIND=RATE`` with an unknown kind or a rate <= 0) raises ``argparse.ArgumentTypeError``,
    which argparse reports, naming the option, before it exits with status 2.
    """
    parser = argparse.ArgumentParser(
        prog="python -m course_utils.learning.experiments",
        description="Chapter 6's experiments on the adding problem (Le et al. form), written to JSON files.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = commands.add_parser(
        "seeds", help="train RNN, LSTM and GRU for every seed and length; write one record per run",
        description="Train every (seed, length, kind) run at equal parameter budget, as Chapter 6 does, and "
                    "write a JSON file: the settings, the PyTorch version, the device, the date, and per run "
                    "the steps trained, the step at which it was solved, its test MSE and the test MSE of "
                    "the best constant fitted on its own training batches. Runs are seeded and "
                    "single-threaded: the results do not depend on --processes.")
    p.add_argument("--seeds", type=_int_at_least(0), nargs="+", default=[0], metavar="SEED",
                   help="seeds of the runs (model, training batches, validation and test sets); default: 0")
    p.add_argument("--lengths", type=_int_at_least(2), nargs="+", default=[10, 100], metavar="T",
                   help="sequence lengths T; default: 10 100")
    p.add_argument("--kinds", nargs="+", choices=KINDS, default=list(KINDS),
                   help="the cell types to train; default: rnn lstm gru")
    p.add_argument("--forget-bias", type=float, nargs="+", default=[1.0], metavar="B",
                   help="the LSTM's forget-gate bias b_f at the start, one LSTM run per value; default: 1")
    p.add_argument("--lr", type=_kind_lr, nargs="+", default=[], metavar="KIND=RATE",
                   help="Adam learning rate per kind; default: rnn=0.01 lstm=0.02 gru=0.02")
    p.add_argument("--max-steps", type=_int_at_least(1), default=1000, help="training steps at most; default: 1000")
    p.add_argument("--give-up-after", type=_step_or_none, default=None, metavar="STEP",
                   help="stop a run whose validation MSE is still above 0.9 x baseline at this step or later; "
                        "default: none (never give up)")
    p.add_argument("--stop-below", type=float, default=0.005,
                   help="stop once the validation MSE is below this; default: 0.005")
    p.add_argument("--batch", type=_int_at_least(1), default=128, help="sequences per training batch; default: 128")
    p.add_argument("--budget", type=_int_at_least(10), default=4700,
                   help="parameter budget; each kind gets the largest hidden size within it; default: 4700")
    p.add_argument("--eval-every", type=_int_at_least(1), default=25,
                   help="validate every this many steps; default: 25")
    p.add_argument("--n-valid", type=_int_at_least(1), default=500, help="validation sequences; default: 500")
    p.add_argument("--n-test", type=_int_at_least(1), default=2000, help="test sequences; default: 2000")
    p.add_argument("--device", choices=("cpu", "cuda", "auto"), default="cpu",
                   help="where to train (auto: a GPU if there is one); default: cpu")
    p.add_argument("--processes", type=_int_at_least(1), default=1,
                   help="worker processes on the CPU (each run single-threaded); default: 1")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--out", required=True, help="the JSON file to write (its folder is created if needed)")
    return parser


def _device_description(device: torch.device) -> str:
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    return f"cpu ({platform.machine() or 'unknown'}, {platform.system() or 'unknown OS'})"


def seeds_command(args: argparse.Namespace, argv: list[str]) -> dict:
    """Run the ``seeds`` command for parsed ``args`` and write ``args.out``; returns what it wrote.

    Raises SystemExit for ``--device cuda`` on a machine without CUDA.
    """
    device = pick_device() if args.device == "auto" else torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise SystemExit("--device cuda: no CUDA device is available (use --device cpu)")
    common = dict(max_steps=args.max_steps, give_up_after=args.give_up_after, stop_below=args.stop_below,
                  batch=args.batch, budget=args.budget, eval_every=args.eval_every, n_valid=args.n_valid,
                  n_test=args.n_test)
    lr = {**DEFAULT_LR, **dict(args.lr)}
    runs = seed_runs(args.seeds, args.lengths, args.kinds, args.forget_bias, lr, **common)
    start = time.perf_counter()
    results = run_all(runs, processes=args.processes, progress=not args.quiet, device=device.type)
    seconds = time.perf_counter() - start
    example = runs[0]
    data = {
        "schema": SCHEMA,
        "command": "python -m course_utils.learning.experiments " + shlex.join(argv),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "device": _device_description(device),
        "processes": args.processes,
        "seconds": round(seconds, 1),
        "settings": {
            "task": f"adding problem, variant {example.variant!r}", "seeds": args.seeds, "lengths": args.lengths,
            "kinds": args.kinds, "forget_bias": args.forget_bias, "lr": lr, "optimizer": "adam",
            "clip": example.clip, "max_steps": args.max_steps, "give_up_after": args.give_up_after,
            "give_up_above": example.give_up_above, "stop_below": args.stop_below,
            "solved_below": example.solved_below, "batch": args.batch, "budget": args.budget,
            "eval_every": args.eval_every, "n_valid": args.n_valid, "n_test": args.n_test,
            "baseline_mse": BASELINE_MSE[example.variant],
        },
        "runs": [result_record(r) for r in results],
    }
    write_results(data, args.out)
    return data


def main(argv: list[str] | None = None) -> dict:
    """Run the command line (see the module docstring); returns what the ``seeds`` command wrote.

    Raises SystemExit (status 2, after argparse's message naming the option) for bad arguments, and
    what :func:`seeds_command` raises.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    return seeds_command(args, argv)


if __name__ == "__main__":
    main()
