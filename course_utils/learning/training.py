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

For data held in arrays, :func:`array_batch_fn` makes the ``batch_fn`` and :func:`predict_numpy`
runs the trained model on them::

    history = train(model, array_batch_fn(X_train, y_train, 64), cross_entropy_loss, config)
    pred = predict_numpy(model, X_test).argmax(-1)            # (N,) class ids
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
    check_int,
    check_number,
    check_str,
    check_type,
    id_array,
    is_real_number,
    nonnegative_int,
    numeric_array,
    positive_int,
)

__all__ = ["OPTIMIZERS", "set_seed", "pick_device", "TrainConfig", "History", "train", "mse_loss",
           "cross_entropy_loss", "array_batch_fn", "predict_numpy"]

OPTIMIZERS = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "sgd": torch.optim.SGD,
              "rmsprop": torch.optim.RMSprop}


def set_seed(seed: int) -> None:
    """Seed Python's ``random``, NumPy's global generator and PyTorch (CPU and CUDA).

    Raises TypeError when seed is not an integer, ValueError when it is negative.
    """
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

    Raises TypeError for a field of the wrong type (steps, seed, eval_every not integers; lr, clip,
    weight_decay not numbers; progress not a bool; device not a string, torch.device or None);
    ValueError for steps < 1, lr <= 0, clip <= 0, weight_decay < 0, seed or eval_every < 0, nan or
    inf, an optimizer not in ``OPTIMIZERS`` or a device name torch does not know. Each names the field.
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
        """Check every field (also called by :func:`train`, so a field changed after construction is
        checked too); returns self.

        Raises TypeError or ValueError, naming the field, as the class docstring says.
        """
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
        """First evaluated step at which ``eval[key] < threshold`` (None if never, or if nothing was
        evaluated).

        Raises TypeError when key is not a string or threshold not a number; ValueError when
        threshold is nan; KeyError when ``eval`` has entries but none named ``key``.
        """
        check_str(key, "key")
        if not is_real_number(threshold):
            raise TypeError(f"threshold must be a number, got {type(threshold).__name__} {threshold!r}")
        if math.isnan(threshold):
            raise ValueError("threshold is nan: expected a number (every comparison with nan is False)")
        if self.eval and key not in self.eval:
            names = sorted(k for k in self.eval if k != "step")
            raise KeyError(f"key={key!r} was not evaluated: expected one of {names}")
        for step, value in zip(self.eval.get("step", []), self.eval.get(key, [])):
            if value < threshold:
                return step
        return None

    def smoothed(self, key: str = "loss", window: int = 20) -> np.ndarray:
        """Running mean of ``loss`` or ``grad_norm`` over ``window`` steps (shorter at the start):
        (steps,).

        Raises ValueError when key is not "loss" or "grad_norm" or window < 1, TypeError when window
        is not an integer.
        """
        check_choice(key, "key", ("loss", "grad_norm"))
        window = positive_int(window, "window")
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

    Raises TypeError when model is not a ``torch.nn.Module``, config not a TrainConfig or None,
    batch_fn / loss_fn not a function, eval_fn / stop_fn not a function or None, batch_fn returns no
    pair, loss_fn no scalar float tensor or eval_fn no number or dict of numbers; ValueError when a
    config field is bad (:meth:`TrainConfig.validate`), the model has no trainable parameter or the
    loss does not depend on the parameters.
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


def _model_output(model, inputs) -> torch.Tensor:
    """``model(inputs)``, checked to be a tensor (a model that returns a state too is refused)."""
    if not callable(model):
        raise TypeError(f"model must be a torch.nn.Module (called on the inputs), got {type(model).__name__}")
    out = model(inputs)
    if not isinstance(out, torch.Tensor):
        raise TypeError(f"model(inputs) returned {type(out).__name__}: expected one tensor of outputs")
    return out


def mse_loss(model: nn.Module, inputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean squared error of ``model(inputs)`` against ``targets`` of the same shape, e.g. (B, O)
    for inputs (B, T, D), as a scalar tensor.

    Raises TypeError when model is not callable or returns no tensor, or targets is not a tensor;
    ValueError when targets is not float or its shape differs from the model's output. The model
    raises for inputs it cannot read.
    """
    out = _model_output(model, inputs)
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
    ``(B, T)``; positions whose target is ``ignore_index`` do not count. Returns a scalar tensor.

    Raises TypeError when ignore_index is not an integer, model not callable or returning no tensor,
    or targets not a tensor; ValueError when targets is not integers, its shape is not the
    logits' without C, or it holds an id outside [0, C) other than ignore_index. The model raises
    for inputs it cannot read.
    """
    ignore_index = check_int(ignore_index, "ignore_index")
    logits = _model_output(model, inputs)
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


# --- models on arrays: batches to train on, predictions to score ----------------------------------

def _model_inputs(x, name: str, vocab_size=None) -> torch.Tensor:
    """What a :class:`~course_utils.learning.models.SequenceModel` reads, from an array or tensor:
    integers -> token ids ``(N, T)`` int64 (each below ``vocab_size`` when given); floats ->
    features ``(N, T, D)`` float32, where ``(N, T)`` gets D = 1."""
    arr = numeric_array(x, name, ndim=(2, 3), dtype=None, min_size=1)
    if arr.dtype.kind in "iu":
        return torch.from_numpy(id_array(arr, name, ndim=2, vocab_size=vocab_size))
    arr = numeric_array(arr, name, dtype=np.float32)
    return torch.from_numpy(np.ascontiguousarray(arr[..., None] if arr.ndim == 2 else arr))


def array_batch_fn(x, y, batch_size: int = 64, weights=None):
    """A ``batch_fn(step, rng)`` for :func:`train` that draws ``batch_size`` rows of ``(x, y)`` with
    replacement: uniformly (``torch.randint``), or with probabilities proportional to
    ``weights (N,)`` (``torch.multinomial``, for re-weighted sampling), from the generator ``rng``.

    x: token ids ``(N, T)`` (integers, for a model with an embedding) or features ``(N, T)`` /
    ``(N, T, D)`` (floats; ``(N, T)`` gets D = 1). y: ``(N,)`` integer class labels or ``(N, k)``
    float targets. Batches: x ``(B, T)`` int64 or ``(B, T, D)`` float32; y ``(B,)`` int64 or
    ``(B, k)`` float32, with B = ``batch_size`` (rows may repeat, B may exceed N).

    Raises TypeError when x, y or weights is not an array of numbers (bools included) or
    ``batch_size`` not an integer; ValueError when x is not 2-D or 3-D (integer x: not 2-D) or has
    a negative id, y is integer but not ``(N,)`` or float but not ``(N, k)``, x and y differ in N or
    are empty, a value is not finite, ``batch_size < 1``, or weights is not N non-negative finite
    numbers with a positive sum.
    """
    batch_size = positive_int(batch_size, "batch_size")
    xt = _model_inputs(x, "x")
    y = numeric_array(y, "y", ndim=(1, 2), dtype=None, min_size=1)
    if y.dtype.kind in "iu":
        if y.ndim != 1:
            raise ValueError(f"y has integer dtype and shape {y.shape}: expected (N,) class labels")
        yt = torch.tensor(y, dtype=torch.int64)
    elif y.ndim == 2:
        yt = torch.tensor(y, dtype=torch.float32)
    else:
        raise ValueError(f"y has float dtype and shape {y.shape}: expected (N, k) float targets "
                         f"(write y[:, None] for one target per row) or (N,) integer class labels")
    if len(xt) != len(yt):
        raise ValueError(f"x has {len(xt)} rows but y has {len(yt)}: expected the same number")
    if weights is not None:
        weights = torch.as_tensor(numeric_array(weights, "weights", finite=False))
        if weights.shape != (len(xt),) or not bool(torch.isfinite(weights).all()) or bool((weights < 0).any()) \
                or not float(weights.sum()) > 0:
            raise ValueError(f"weights must be {len(xt)} non-negative numbers, not all zero; got shape "
                             f"{tuple(weights.shape)}")

    def batch_fn(step, rng):
        if weights is None:
            rows = torch.randint(0, len(xt), (batch_size,), generator=rng)
        else:
            rows = torch.multinomial(weights, batch_size, replacement=True, generator=rng)
        return xt[rows], yt[rows]

    return batch_fn


def predict_numpy(model: nn.Module, x, batch_size: int = 1024) -> np.ndarray:
    """``model``'s output on every row of ``x``, as a NumPy array: run in ``eval()`` mode (dropout
    off) under ``torch.no_grad()``, ``batch_size`` rows at a time on the model's device; the model's
    previous mode is restored afterwards, also after an error.

    x: as for :func:`array_batch_fn`, token ids ``(N, T)`` or features ``(N, T)`` / ``(N, T, D)``.
    Returns ``(N, C)`` for a ``readout="last"`` model (``.argmax(-1)`` gives the classes) or
    ``(N, T, C)`` for ``readout="all"``; a trailing output dimension of size 1 is dropped
    (``(N, 1)`` -> ``(N,)``).

    Raises TypeError when ``model`` is not a ``torch.nn.Module``, x is not an array of numbers or
    ``batch_size`` not an integer; ValueError when x is not 2-D or 3-D (integer x: not 2-D), is
    empty or not finite, holds an id outside ``[0, model.vocab_size)``, or ``batch_size < 1``.
    """
    check_type(model, "model", nn.Module, "a torch.nn.Module")
    batch_size = positive_int(batch_size, "batch_size")
    xt = _model_inputs(x, "x", vocab_size=getattr(model, "vocab_size", None))
    params = next(model.parameters(), None)
    device = params.device if params is not None else torch.device("cpu")
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            out = torch.cat([model(xt[i:i + batch_size].to(device)).cpu()
                             for i in range(0, len(xt), batch_size)]).numpy()
    finally:
        model.train(was_training)
    return out[..., 0] if out.shape[-1] == 1 else out
