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

OPTIMIZERS = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "sgd": torch.optim.SGD,
              "rmsprop": torch.optim.RMSprop}


def set_seed(seed: int) -> None:
    """Seed Python's ``random``, NumPy's global generator and PyTorch (CPU and CUDA)."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
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
        if isinstance(self.steps, bool) or not isinstance(self.steps, int) or self.steps < 1:
            raise ValueError(f"steps must be a positive integer, got {self.steps!r}")
        if not self.lr > 0:
            raise ValueError(f"lr must be positive, got {self.lr!r}")
        if self.clip is not None and not self.clip > 0:
            raise ValueError(f"clip must be positive or None, got {self.clip!r}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {sorted(OPTIMIZERS)}, got {self.optimizer!r}")
        if not isinstance(self.eval_every, int) or self.eval_every < 0:
            raise ValueError(f"eval_every must be a non-negative integer, got {self.eval_every!r}")


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
    history.eval.setdefault("step", []).append(step)
    for key, value in result.items():
        history.eval.setdefault(key, []).append(float(value))


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
    config = config or TrainConfig()
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    device = torch.device(config.device) if config.device else pick_device()
    set_seed(config.seed)
    rng = torch.Generator().manual_seed(config.seed)
    model.to(device).train()
    params = [p for p in model.parameters() if p.requires_grad]
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
        inputs, targets = _to_device(batch_fn(step - 1, rng), device)
        loss = loss_fn(model, inputs, targets)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(params, max_norm)
        history.loss.append(float(loss.detach()))
        history.grad_norm.append(float(norm))
        if not math.isfinite(history.loss[-1]):
            history.stopped = f"non-finite loss at step {step}"
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

def mse_loss(model: nn.Module, inputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean squared error of ``model(inputs)`` against ``targets`` (same shape)."""
    out = model(inputs)
    if out.shape != targets.shape:
        raise ValueError(f"model output has shape {tuple(out.shape)} but targets have shape "
                         f"{tuple(targets.shape)}: expected equal shapes")
    return nn.functional.mse_loss(out, targets)


def cross_entropy_loss(model: nn.Module, inputs: torch.Tensor, targets: torch.Tensor,
                       ignore_index: int = -100) -> torch.Tensor:
    """Mean cross-entropy (nats) of logits ``(B, C)`` or ``(B, T, C)`` against class ids ``(B,)`` or
    ``(B, T)``; positions whose target is ``ignore_index`` do not count."""
    logits = model(inputs)
    if logits.shape[:-1] != targets.shape:
        raise ValueError(f"logits have shape {tuple(logits.shape)} but targets have shape "
                         f"{tuple(targets.shape)}: expected targets of shape {tuple(logits.shape[:-1])}")
    return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1),
                                       ignore_index=ignore_index)
