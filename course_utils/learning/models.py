"""Small PyTorch sequence models shared by the experiment chapters (6-11).

One class, :class:`SequenceModel`, wraps ``torch.nn.RNN`` / ``nn.LSTM`` / ``nn.GRU`` (always
``batch_first=True``) with an optional embedding in front and a linear read-out behind, so the
three cells can be swapped by changing one string. Helpers count parameters and pick hidden
sizes that give the three cells a comparable parameter budget.

Shapes (batch first, as ``torch.nn`` modules with ``batch_first=True``):

- float input ``x: (B, T, D)`` or token input ``x: (B, T)`` int64 when ``vocab_size`` is given;
- ``readout="last"``: output ``(B, output_size)`` read from ``h_T``;
- ``readout="all"``: output ``(B, T, output_size)``, one prediction per step.
"""
from __future__ import annotations

import torch
from torch import nn

from course_utils._checks import check_choice, check_number, check_type, nonnegative_int, positive_int
from course_utils.cells.bridge import torch_classes
from course_utils.cells.params import gate_rows, parameter_count

__all__ = ["LAYERS", "READOUTS", "SequenceModel", "set_forget_bias", "forget_bias", "count_parameters",
           "model_parameter_count", "hidden_size_for_budget"]

LAYERS = {kind: layer for kind, (layer, _cell) in torch_classes().items()}
"""The torch module of each cell kind, ``{"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}``
(from ``bridge.torch_classes``; the kinds are ``params.KINDS``)."""
READOUTS = ("last", "all")


def _check_kind(kind) -> str:
    if not isinstance(kind, str) or kind.lower() not in LAYERS:
        raise ValueError(f"kind must be one of {sorted(LAYERS)}, got {kind!r}")
    return kind.lower()


class SequenceModel(nn.Module):
    """``[embedding] -> nn.RNN | nn.LSTM | nn.GRU -> nn.Linear``.

    Parameters
    ----------
    kind: the cell, ``"rnn"`` (tanh), ``"lstm"`` or ``"gru"`` (the name ``params.CellParams`` uses).
    input_size: D, the features per step (the embedding width when ``vocab_size`` is given).
    hidden_size: H.
    output_size: width of the linear read-out.
    num_layers: stacked recurrent layers.
    vocab_size: if given, ``x`` holds token ids ``(B, T)`` and an ``nn.Embedding(vocab_size, D)``
        turns them into ``(B, T, D)``.
    readout: ``"last"`` -> ``head(h_T)`` of shape ``(B, output_size)``; ``"all"`` -> ``head(h_t)``
        for every t, shape ``(B, T, output_size)``.
    forget_bias: LSTM only. Sets the forget-gate bias b_f = b_ih[f] + b_hh[f] of every layer to this
        value (b_ih's f block = forget_bias, b_hh's f block = 0). ``None`` keeps PyTorch's
        U(-1/sqrt(H), 1/sqrt(H)) initialisation.

    Attributes: ``.rnn`` (the torch recurrent module, batch_first=True), ``.head`` (nn.Linear),
    ``.embedding`` (nn.Embedding or None), ``.kind``, ``.readout``.

    Raises TypeError for a size that is not an integer or a forget_bias that is not a number;
    ValueError for an unknown kind or readout, a size < 1, or a forget_bias that is nan, inf or given
    for another kind than the LSTM.
    """

    def __init__(self, kind: str, input_size: int, hidden_size: int, output_size: int,
                 num_layers: int = 1, vocab_size: int | None = None, readout: str = "last",
                 forget_bias: float | None = None):
        super().__init__()
        self.kind = _check_kind(kind)
        for name, value in [("input_size", input_size), ("hidden_size", hidden_size),
                            ("output_size", output_size), ("num_layers", num_layers)]:
            positive_int(value, name)
        if vocab_size is not None:
            positive_int(vocab_size, "vocab_size")
        check_choice(readout, "readout", READOUTS)
        if forget_bias is not None and self.kind != "lstm":
            raise ValueError(f"forget_bias is only defined for kind='lstm', got kind={self.kind!r}")
        check_number(forget_bias, "forget_bias", allow_none=True)
        self.readout = readout
        self.vocab_size = vocab_size
        self.embedding = nn.Embedding(vocab_size, input_size) if vocab_size is not None else None
        self.rnn = LAYERS[self.kind](input_size, hidden_size, num_layers=num_layers, batch_first=True)
        self.head = nn.Linear(hidden_size, output_size)
        if forget_bias is not None:
            set_forget_bias(self.rnn, forget_bias)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """The recurrent layer's input ``(B, T, D)``: ``x`` itself, or its embedding for token ids.

        x: token ids ``(B, T)`` int64 (or int32) when the model has a ``vocab_size``, else float
        ``(B, T, D)`` in the model's dtype. Raises TypeError when x is not a torch tensor, ValueError
        when its shape or dtype is not the one above, B or T is 0, an id lies outside
        [0, vocab_size), or a float input holds nan or inf.
        """
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"x must be a torch.Tensor, got {type(x).__name__} (convert with torch.as_tensor)")
        if self.embedding is not None:
            if x.dtype not in (torch.int64, torch.int32) or x.dim() != 2:
                raise ValueError(f"x has shape {tuple(x.shape)} and dtype {x.dtype}: expected token ids "
                                 f"(B, T) int64 because vocab_size={self.vocab_size}")
            if x.numel() and (int(x.min()) < 0 or int(x.max()) >= self.vocab_size):
                bad = int(x.min()) if int(x.min()) < 0 else int(x.max())
                raise ValueError(f"x contains the token id {bad}: expected ids in [0, {self.vocab_size}) "
                                 f"(vocab_size={self.vocab_size})")
            x_shape = x.shape
        else:
            if not x.is_floating_point() or x.dim() != 3 or x.shape[-1] != self.rnn.input_size:
                raise ValueError(f"x has shape {tuple(x.shape)} and dtype {x.dtype}: expected a float tensor "
                                 f"(B, T, {self.rnn.input_size})")
            dtype = self.head.weight.dtype
            if x.dtype != dtype:
                raise ValueError(f"x has dtype {x.dtype} but the model has dtype {dtype}: expected {dtype} "
                                 f"(convert x with .to({dtype}) or the model with .to({x.dtype}))")
            if not bool(torch.isfinite(x).all()):
                raise ValueError("x contains nan or inf: expected finite inputs")
            x_shape = x.shape
        if x_shape[0] < 1 or x_shape[1] < 1:
            raise ValueError(f"x has shape {tuple(x_shape)}: expected at least one sequence (B >= 1) "
                             "of at least one step (T >= 1)")
        return self.embedding(x) if self.embedding is not None else x

    def _check_state(self, state0, batch: int):
        """state0: None, or what nn.RNN/GRU (one tensor) or nn.LSTM (a pair) take, each (num_layers, B, H)."""
        if state0 is None:
            return None
        shape = (self.rnn.num_layers, batch, self.rnn.hidden_size)
        if self.kind == "lstm":
            if not isinstance(state0, (tuple, list)) or len(state0) != 2:
                got = type(state0).__name__ + (f" of shape {tuple(state0.shape)}" if hasattr(state0, "shape") else "")
                raise ValueError(f"state0 must be a pair (h0, c0) of tensors of shape {shape} "
                                 f"(num_layers, B, H) for an LSTM, got {got}")
            parts = [("state0[0] (h0)", state0[0]), ("state0[1] (c0)", state0[1])]
        else:
            parts = [("state0", state0)]
        for name, part in parts:
            if not isinstance(part, torch.Tensor):
                raise TypeError(f"{name} must be a torch.Tensor of shape {shape}, got {type(part).__name__}")
            if tuple(part.shape) != shape:
                raise ValueError(f"{name} has shape {tuple(part.shape)}: expected {shape} "
                                 f"(num_layers={shape[0]}, B={batch} from x, H={shape[2]})")
            if part.dtype != self.head.weight.dtype:
                raise ValueError(f"{name} has dtype {part.dtype}: expected {self.head.weight.dtype}, the model's")
        return tuple(state0) if self.kind == "lstm" else state0

    def states(self, x: torch.Tensor, state0=None):
        """All hidden states of the last layer ``(B, T, H)`` and the final state (as nn.RNN returns it:
        ``h_n (num_layers, B, H)``, or the pair ``(h_n, c_n)`` for the LSTM).

        x as in :meth:`embed`; state0: None (zeros) or the same form as the final state.
        Raises what :meth:`embed` raises; for state0, TypeError when a part is not a tensor and
        ValueError when the LSTM's is not a pair or a part has another shape or dtype than the model's.
        """
        inputs = self.embed(x)
        return self.rnn(inputs, self._check_state(state0, inputs.shape[0]))

    def forward(self, x: torch.Tensor, state0=None) -> torch.Tensor:
        """The read-out: (B, output_size) for ``readout="last"``, (B, T, output_size) for "all".

        x and state0 as in :meth:`states`, which raises the TypeError or ValueError for a bad one.
        """
        h, _ = self.states(x, state0)
        return self.head(h[:, -1] if self.readout == "last" else h)


def set_forget_bias(lstm: nn.LSTM, value: float) -> None:
    """Set b_f = value in every layer of ``lstm`` (gate order i, f, g, o: rows H..2H of each bias):
    b_ih's f block = value, b_hh's = 0, in place.

    Raises TypeError when lstm is not a torch.nn.LSTM or value not a number, ValueError for nan or inf.
    """
    if not isinstance(lstm, nn.LSTM):
        raise TypeError(f"lstm must be a torch.nn.LSTM, got {type(lstm).__name__}")
    value = check_number(value, "value")
    rows = gate_rows("lstm", "f", lstm.hidden_size)
    with torch.no_grad():
        for name, p in lstm.named_parameters():
            if name.startswith("bias_ih"):
                p[rows].fill_(float(value))
            elif name.startswith("bias_hh"):
                p[rows].zero_()


def forget_bias(lstm: nn.LSTM, layer: int = 0) -> torch.Tensor:
    """b_f = b_ih[f] + b_hh[f] of one layer, shape (H,), detached.

    Raises TypeError when lstm is not a torch.nn.LSTM or layer not an integer, ValueError when layer is
    not in [0, num_layers) or the LSTM has no biases.
    """
    check_type(lstm, "lstm", nn.LSTM, "a torch.nn.LSTM")
    layer = nonnegative_int(layer, "layer")
    if layer >= lstm.num_layers:
        raise ValueError(f"layer must be in [0, {lstm.num_layers - 1}] for an LSTM of {lstm.num_layers} "
                         f"layer(s), got {layer}")
    if not lstm.bias:
        raise ValueError("lstm has bias=False: it has no forget-gate bias")
    rows = gate_rows("lstm", "f", lstm.hidden_size)
    return (getattr(lstm, f"bias_ih_l{layer}")[rows] + getattr(lstm, f"bias_hh_l{layer}")[rows]).detach()


def count_parameters(module: nn.Module) -> int:
    """Number of trainable scalars in ``module``; raises TypeError when it is not a torch.nn.Module."""
    if not isinstance(module, nn.Module):
        raise TypeError(f"module must be a torch.nn.Module, got {type(module).__name__}")
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def model_parameter_count(kind: str, input_size: int, hidden_size: int, output_size: int,
                          num_layers: int = 1) -> int:
    """Parameters of ``SequenceModel(kind, D, H, O, num_layers)`` without embedding: the recurrent
    layers' ``params.parameter_count(kind, D, H, num_layers)`` plus H O + O for the head.

    Raises ValueError for an unknown kind or a size < 1, TypeError for a size that is not an integer.
    """
    kind = _check_kind(kind)
    D, H, O = (positive_int(v, n) for v, n in ((input_size, "input_size"), (hidden_size, "hidden_size"),
                                                  (output_size, "output_size")))
    return parameter_count(kind, D, H, positive_int(num_layers, "num_layers")) + H * O + O


def hidden_size_for_budget(kind: str, input_size: int, output_size: int, budget: int,
                           num_layers: int = 1) -> int:
    """The largest H whose :func:`model_parameter_count` does not exceed ``budget`` (at least 1).

    Use it to compare cells at equal cost: an LSTM has about 4x, a GRU 3x the parameters of an
    RNN of the same H, so at a fixed budget the RNN gets roughly twice the hidden units.

    Raises ValueError for an unknown kind, a size or budget < 1, or a budget below the H = 1 model's
    count; TypeError for a size or budget that is not an integer.
    """
    kind = _check_kind(kind)
    positive_int(budget, "budget")
    if model_parameter_count(kind, input_size, 1, output_size, num_layers) > budget:
        raise ValueError(f"budget={budget} is smaller than the smallest {kind} model (H=1 has "
                         f"{model_parameter_count(kind, input_size, 1, output_size, num_layers)} parameters)")
    H = 1
    while model_parameter_count(kind, input_size, H + 1, output_size, num_layers) <= budget:
        H += 1
    return H
