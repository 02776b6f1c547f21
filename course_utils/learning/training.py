"""A small, seeded PyTorch training loop shared by the experiment chapters (6-11).

::

    config = TrainConfig(steps=300, lr=1e-2, clip=1.0, progress=False)
    history = train(model, batch_fn, mse_loss, config)
    history.loss[-1], history.grad_norm[-1]

``batch_fn(step, rng) -> (inputs, targets)`` draws a batch on the CPU from the ``torch.Generator``
``rng`` (seeded with ``config.seed``); ``train`` moves it to the device. ``loss_fn(model, inputs,
targets)`` returns a scalar tensor. Every step records the loss and the gradient norm
``||g||_2`` over all parameters *before* clipping; clipping rescales g to ``clip * g / ||g||``
when ``||g|| > clip``. With the same seed, device and thread count, two runs give the same history.
"""
from __future__ import annotations

import math
import random
import warnings
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from course_utils._checks import (
    check_bool,
    check_choice,
    check_number,
    check_type,
    is_real_number,
    nonnegative_int,
    positive_int,
)

__all__ = ["OPTIMIZERS", "set_seed", "pick_device", "TrainConfig", "History", "train", "mse_loss",
           "cross_entropy_loss"]

OPTIMIZERS = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "sgd": torch.optim.SGD,
              "rmsprop": torch.optim.RMSprop}


def set_seed(seed: int) -> None:
    """Seed Python's ``random``, NumPy's global generator and PyTorch (CPU and CUDA)."""
    seed = nonnegative_int(seed, "seed")
    random.seed(int(seed))
    np.random.seed(int(seed))
    torch.manual_seed(int(seed))


def pick_device() -> torch.device:
    """``cuda`` if a GPU is available, else ``cpu``."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


@dataclass
class TrainConfig:
    """Hyper-parameters of :func:`train`.

    steps: optimiser updates (one batch each). lr: learning rate. clip: max gradient norm
    (None = no clipping, the norm is still recorded). optimizer: one of ``OPTIMIZERS``.
    seed: seeds the model-independent randomness and the batch generator. device: None -> :func:`pick_device`.
    progress: show a tqdm bar. eval_every: call ``eval_fn`` every this many steps and after the
    last one (0 = only after the last step, if ``eval_fn`` is given).
    """

    steps: int = 500
    lr: float = 1e-2
    clip: float | None = 1.0
    optimizer: str = "adam"
    weight_decay: float = 0.0
    seed: int = 0
    device: str | None = None
    progress: bool = True
    eval_every: int = 0

    def __post_init__(self):
        self.validate()

    def validate(self) -> "TrainConfig":
        """Check every field (also called by :func:`train`, so a field changed after construction is checked too)."""
        positive_int(self.steps, "steps")
        check_number(self.lr, "lr", low=0, low_open=True)
        check_number(self.clip, "clip", low=0, low_open=True, allow_none=True)
        check_choice(self.optimizer, "optimizer", sorted(OPTIMIZERS))
        check_number(self.weight_decay, "weight_decay", low=0)
        nonnegative_int(self.seed, "seed")
        if self.device is not None:
            if not isinstance(self.device, (str, torch.device)):
                raise TypeError(f"device must be a string such as 'cpu' or 'cuda', or None, got "
                                f"{type(self.device).__name__} {self.device!r}")
            try:
                torch.device(self.device)
            except (RuntimeError, ValueError) as exc:
                raise ValueError(f"device must be a torch device name such as 'cpu' or 'cuda:0', got "
                                 f"{self.device!r} ({exc})") from None
        check_bool(self.progress, "progress")
        nonnegative_int(self.eval_every, "eval_every")
        return self


@dataclass
class History:
    """What :func:`train` recorded.

    loss[k], grad_norm[k]: training loss and pre-clipping gradient norm at step k (len == steps run).
    eval: ``{"step": [...], name: [...]}``, one entry per evaluation, from ``eval_fn``'s dict.
    stopped: why training ended before ``config.steps`` (``None`` if it ran them all).
    """

    loss: list[float] = field(default_factory=list)
    grad_norm: list[float] = field(default_factory=list)
    eval: dict[str, list[float]] = field(default_factory=dict)
    stopped: str | None = None

    @property
    def steps(self) -> int:
        """The number of training steps recorded (one loss per step)."""
        return len(self.loss)

    def first_step(self, key: str, threshold: float) -> int | None:
        """First evaluated step at which ``eval[key] < threshold`` (None if never)."""
        for step, value in zip(self.eval.get("step", []), self.eval.get(key, [])):
            if value < threshold:
                return step
        return None

    def smoothed(self, key: str = "loss", window: int = 20) -> np.ndarray:
        """Running mean of ``loss`` or ``grad_norm`` over ``window`` steps (shorter at the start)."""
        values = np.asarray(getattr(self, key), dtype=float)
        csum = np.cumsum(np.insert(values, 0, 0.0))
        idx = np.arange(1, len(values) + 1)
        lo = np.maximum(idx - window, 0)
        return (csum[idx] - csum[lo]) / (idx - lo)


def _to_device(batch, device):
    if isinstance(batch, torch.Tensor):
        return batch.to(device)
    if isinstance(batch, (tuple, list)):
        return type(batch)(_to_device(b, device) for b in batch)
    return batch


def _record_eval(history: History, step: int, result) -> None:
    if not isinstance(result, dict):
        result = {"eval": result}
    values = {}
    for key, value in result.items():
        if isinstance(value, torch.Tensor) and value.numel() == 1:
            value = value.item()
        if not is_real_number(value):
            raise TypeError(f"eval_fn must return a number or a dict of numbers, got {key!r}: "
                            f"{type(value).__name__} {value!r}")
        values[key] = float(value)
    history.eval.setdefault("step", []).append(step)
    for key, value in values.items():
        history.eval.setdefault(key, []).append(value)


def _check_batch(batch, step: int):
    if not isinstance(batch, (tuple, list)) or len(batch) != 2:
        got = type(batch).__name__ + (f" of length {len(batch)}" if isinstance(batch, (tuple, list)) else "")
        raise TypeError(f"batch_fn(step, rng) must return a pair (inputs, targets), got {got} at step {step}")
    return batch


def _check_loss(loss, step: int):
    if not isinstance(loss, torch.Tensor) or loss.numel() != 1 or not loss.is_floating_point():
        got = (f"a {loss.dtype} tensor of shape {tuple(loss.shape)}" if isinstance(loss, torch.Tensor)
               else f"{type(loss).__name__} {loss!r}")
        raise TypeError(f"loss_fn(model, inputs, targets) must return a scalar float tensor, got {got} at step {step}")
    if not loss.requires_grad:
        raise ValueError(f"loss_fn returned a tensor that does not depend on the model's parameters (no "
                         f"gradient) at step {step}: expected a loss computed from model(inputs)")
    return loss


def train(model: nn.Module, batch_fn, loss_fn, config: TrainConfig | None = None, eval_fn=None,
          stop_fn=None) -> History:
    """Train ``model`` in place for ``config.steps`` steps and return its :class:`History`.

    batch_fn(step, rng) -> (inputs, targets): CPU tensors (or tuples of them), drawn with ``rng``.
    loss_fn(model, inputs, targets) -> scalar tensor.
    eval_fn(model) -> float or dict[str, float]: run under ``torch.no_grad()`` in ``eval()`` mode
        every ``config.eval_every`` steps (counting from 1) and after the last step (wrap a
        measurement that needs gradients in ``torch.enable_grad()``).
    stop_fn(history) -> bool: checked after each evaluation; True ends training early
        (``history.stopped`` says so). Training also stops, with a warning, on a non-finite loss.
    """
    config = TrainConfig() if config is None else check_type(config, "config", TrainConfig, "a TrainConfig or None")
    config.validate()
    check_type(model, "model", nn.Module, "a torch.nn.Module")
    for name, fn, optional in (("batch_fn", batch_fn, False), ("loss_fn", loss_fn, False),
                               ("eval_fn", eval_fn, True), ("stop_fn", stop_fn, True)):
        if not callable(fn) and not (optional and fn is None):
            raise TypeError(f"{name} must be a function{' or None' if optional else ''}, got {type(fn).__name__}")
    device = torch.device(config.device) if config.device else pick_device()
    set_seed(config.seed)
    rng = torch.Generator().manual_seed(config.seed)
    model.to(device).train()
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise ValueError("model has no trainable parameters: expected at least one with requires_grad=True")
    kwargs = {"lr": config.lr, "weight_decay": config.weight_decay}
    optimizer = OPTIMIZERS[config.optimizer](params, **kwargs)
    max_norm = config.clip if config.clip is not None else math.inf
    history = History()

    def evaluate(step):
        model.eval()
        with torch.no_grad():
            _record_eval(history, step, eval_fn(model))
        model.train()

    bar = tqdm(range(1, config.steps + 1), disable=not config.progress, leave=False, desc="training")
    for step in bar:
        inputs, targets = _to_device(_check_batch(batch_fn(step - 1, rng), step), device)
        loss = _check_loss(loss_fn(model, inputs, targets), step)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(params, max_norm)
        history.loss.append(float(loss.detach()))
        history.grad_norm.append(float(norm))
        # A finite loss can still have a non-finite gradient (sqrt of a zero error, log at 0): the
        # update is never applied, so the weights stay those that gave this step's finite loss.
        bad = ("loss" if not math.isfinite(history.loss[-1])
               else "gradient" if not math.isfinite(history.grad_norm[-1]) else None)
        if bad:
            history.stopped = f"non-finite {bad} at step {step}"   # its update was not applied
            warnings.warn(f"training stopped: {history.stopped}", RuntimeWarning, stacklevel=2)
            break
        optimizer.step()
        if config.progress and (step % 10 == 0 or step == config.steps):
            bar.set_postfix(loss=f"{history.loss[-1]:.4f}", refresh=False)
        last = step == config.steps
        if eval_fn is not None and (last or (config.eval_every and step % config.eval_every == 0)):
            evaluate(step)
            if stop_fn is not None and not last and stop_fn(history):
                history.stopped = f"stop_fn returned True at step {step}"
                break
    bar.close()
    return history


# --- loss functions with the (model, inputs, targets) signature -------------------------------

def _check_tensor(a, name: str) -> None:
    if not isinstance(a, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(a).__name__}")

def mse_loss(model: nn.Module, inputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean squared error of ``model(inputs)`` against ``targets`` (same shape)."""
    out = model(inputs)
    _check_tensor(targets, "targets")
    if not targets.is_floating_point():
        raise ValueError(f"targets have dtype {targets.dtype}: expected float targets for a mean squared error")
    if out.shape != targets.shape:
        raise ValueError(f"model output has shape {tuple(out.shape)} but targets have shape "
                         f"{tuple(targets.shape)}: expected equal shapes")
    return nn.functional.mse_loss(out, targets)


def cross_entropy_loss(model: nn.Module, inputs: torch.Tensor, targets: torch.Tensor,
                       ignore_index: int = -100) -> torch.Tensor:
    """Mean cross-entropy (nats) of logits ``(B, C)`` or ``(B, T, C)`` against class ids ``(B,)`` or
    ``(B, T)``; positions whose target is ``ignore_index`` do not count."""
    logits = model(inputs)
    _check_tensor(targets, "targets")
    if targets.dtype not in (torch.int64, torch.int32, torch.uint8, torch.int16, torch.int8):
        raise ValueError(f"targets have dtype {targets.dtype}: expected integer class ids")
    if logits.shape[:-1] != targets.shape:
        raise ValueError(f"logits have shape {tuple(logits.shape)} but targets have shape "
                         f"{tuple(targets.shape)}: expected targets of shape {tuple(logits.shape[:-1])}")
    scored = targets[targets != ignore_index]
    C = logits.shape[-1]
    if scored.numel() and (int(scored.min()) < 0 or int(scored.max()) >= C):
        bad = int(scored.min()) if int(scored.min()) < 0 else int(scored.max())
        raise ValueError(f"targets contain the class id {bad}: expected ids in [0, {C}) or "
                         f"ignore_index={ignore_index}")
    targets = targets.long()
    return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1),
                                       ignore_index=ignore_index)
