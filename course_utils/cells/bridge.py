"""Bridge between ``torch.nn`` recurrent modules and the NumPy cells, and stacked / bidirectional layers.

``from_torch`` copies a module's parameters into ``CellParams`` (same fused layout, no
reordering needed), ``to_torch`` copies them back, and ``stacked_forward`` /
``stacked_backward`` compose the single-layer functions the way ``torch.nn.RNN/LSTM/GRU`` do
with ``num_layers > 1`` and ``bidirectional=True`` (dropout between layers is not modelled).

Conventions, as in PyTorch: ``layers[l][d]`` is layer l, direction d (0 forward, 1 reverse);
states are stacked as (L * dirs, B, H) with index ``l * dirs + d``; the LSTM state is a pair.
torch is imported only when a module is converted.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from course_utils.cells.gru import GRUCache, gru_backward, gru_forward, gru_step_backward, gru_step_forward
from course_utils.cells.lstm import LSTMCache, lstm_backward, lstm_forward, lstm_step_backward, lstm_step_forward
from course_utils.cells.params import ARRAY_NAMES, CellParams
from course_utils.cells.rnn import RNNCache, rnn_backward, rnn_forward, rnn_step_backward, rnn_step_forward
from course_utils.cells.validate import check_pair, check_state_before_params

__all__ = ["SEQUENCE", "STEP", "torch_classes", "cell_forward", "cell_backward",
           "from_torch", "to_torch", "StackedCache",
           "stacked_forward", "stacked_backward"]

SEQUENCE = {"rnn": (rnn_forward, rnn_backward), "lstm": (lstm_forward, lstm_backward),
            "gru": (gru_forward, gru_backward)}
STEP = {"rnn": (rnn_step_forward, rnn_step_backward), "lstm": (lstm_step_forward, lstm_step_backward),
        "gru": (gru_step_forward, gru_step_backward)}


def cell_forward(x, state0=None, params: CellParams | None = None):
    """Dispatch on ``params.kind``: x (T, B, D) -> (h (T, B, H), final state, cache).

    Same order as the cell functions it calls: (x, state0, params), state before params;
    state0 is None (zeros), h0 (B, H), or (h0, c0) for an LSTM. The old order
    ``cell_forward(x, params, state0)`` raises a TypeError saying so; the cell's forward checks
    the arrays (ValueError naming the argument).
    """
    params = check_state_before_params("cell_forward", "state0", state0, params)
    if not isinstance(params, CellParams):
        raise TypeError(f"params must be a CellParams, got {type(params).__name__}")
    return SEQUENCE[params.kind][0](x, state0, params)


def cell_backward(dh, cache, dstate_T=None):
    """Dispatch on the cache's kind: BPTT through what ``cell_forward`` ran.

    dh (T, B, H) = ∂L/∂h_t for every t; cache as ``cell_forward`` returned it; dstate_T, the
    gradient of the final state, like that state (h_T (B, H), or (h_T, c_T) for an LSTM) or
    None. Returns (dx (T, B, D), the gradient of state0 (shaped like the state), grads: a dict
    of weight_ih, weight_hh, bias_ih, bias_hh gradients). Raises TypeError for a cache that
    ``cell_forward`` did not return; the cell's backward checks the gradients.
    """
    caches = (RNNCache, LSTMCache, GRUCache)
    if not isinstance(cache, caches):
        raise TypeError(f"cache is a {type(cache).__name__}: expected the cache cell_forward returns "
                        f"({', '.join(c.__name__ for c in caches)})")
    return SEQUENCE[cache.params.kind][1](dh, cache, dstate_T)


def torch_classes() -> dict:
    """The torch module classes of each cell kind, ``{"rnn": (nn.RNN, nn.RNNCell), "lstm": (nn.LSTM,
    nn.LSTMCell), "gru": (nn.GRU, nn.GRUCell)}`` (sequence layer, one-step cell): the one map from
    ``params.KINDS`` to torch (``models.LAYERS`` and the benchmark use it). Imports torch when called."""
    import torch.nn as nn
    return {"rnn": (nn.RNN, nn.RNNCell), "lstm": (nn.LSTM, nn.LSTMCell), "gru": (nn.GRU, nn.GRUCell)}


def _describe(module):
    """(kind, is_cell) of a torch recurrent module, or a TypeError."""
    for kind, classes in torch_classes().items():
        for is_cell, cls in enumerate(classes):
            if type(module) is cls:
                return kind, bool(is_cell)
    raise TypeError(f"module must be a torch.nn RNN, LSTM, GRU, RNNCell, LSTMCell or GRUCell, "
                    f"got {type(module).__name__}")


def _layout(module):
    """kind, nonlinearity and the grid of parameter-name suffixes [[\"_l0\", \"_l0_reverse\"], …]."""
    kind, is_cell = _describe(module)
    if getattr(module, "proj_size", 0):
        raise ValueError(f"module has proj_size={module.proj_size}: expected 0 (projections are not supported)")
    nonlinearity = getattr(module, "nonlinearity", "tanh")
    if is_cell:
        return kind, nonlinearity, None
    dirs = ("", "_reverse") if module.bidirectional else ("",)
    return kind, nonlinearity, [[f"_l{layer}{d}" for d in dirs] for layer in range(module.num_layers)]


def from_torch(module):
    """Copy a torch module's parameters (detached copies, same dtype) into CellParams.

    Returns one ``CellParams`` for a ``*Cell`` or a single-layer unidirectional module,
    else ``layers[l][d]``: a list (num_layers) of lists (1 or 2 directions) of CellParams.
    Modules built with ``bias=False`` get zero biases. Raises TypeError for a module that is not a
    torch RNN, LSTM or GRU (or their cells), ValueError for one that is not float32 or float64.
    """
    import torch
    kind, nonlinearity, grid = _layout(module)

    def params(suffix):
        W = getattr(module, "weight_ih" + suffix)
        if W.dtype not in (torch.float32, torch.float64):
            raise ValueError(f"module has dtype {W.dtype}: expected torch.float32 or torch.float64")
        arrays = {}
        for name in ARRAY_NAMES:
            w = getattr(module, name + suffix, None)
            arrays[name] = (w.detach().cpu().numpy().copy() if w is not None
                            else np.zeros(W.shape[0], dtype=arrays["weight_ih"].dtype))
        return CellParams(kind, **arrays, nonlinearity=nonlinearity)

    if grid is None:
        return params("")
    layers = [[params(s) for s in row] for row in grid]
    return layers[0][0] if len(layers) == 1 and len(layers[0]) == 1 else layers


def to_torch(params, module):
    """Copy CellParams into a torch module in place (shapes must match; bias-free modules need zero biases).

    ``params`` is what ``from_torch`` returns for that module (a CellParams or ``layers[l][d]``).
    Returns the module. Raises ValueError when the layout, kind, nonlinearity, reset form or a
    shape differs from the module's, or a bias is nonzero for a module built with bias=False.
    """
    import torch
    kind, nonlinearity, grid = _layout(module)
    grid = [[""]] if grid is None else grid
    layers = [[params]] if isinstance(params, CellParams) else params
    got = [len(row) for row in layers] if isinstance(layers, (list, tuple)) else None
    if got != [len(row) for row in grid]:
        raise ValueError(f"params has layout {got} (directions per layer): expected {[len(r) for r in grid]}")
    for row_p, row_s in zip(layers, grid):
        for p, suffix in zip(row_p, row_s):
            if p.kind != kind or (kind == "rnn" and p.nonlinearity != nonlinearity) or not p.reset_after:
                raise ValueError(f"params is a {p.kind} ({p.nonlinearity}, reset_after={p.reset_after}): expected a "
                                 f"{kind} ({nonlinearity}, reset_after=True) for {type(module).__name__}")
            for name, value in p.as_dict().items():
                target = getattr(module, name + suffix, None)
                if target is None:
                    if np.any(value != 0):
                        raise ValueError(f"{name} is nonzero but the module has bias=False: expected zeros")
                    continue
                if tuple(target.shape) != value.shape:
                    raise ValueError(f"{name} has shape {value.shape}: expected {tuple(target.shape)}")
                with torch.no_grad():
                    target.copy_(torch.from_numpy(value))
    return module


@dataclass
class StackedCache:
    """Per-layer, per-direction caches (``caches[l * dirs + d]``) and the layout."""
    caches: list
    layers: list
    batch_first: bool


def _grid(layers, bidirectional):
    """Normalise to layers[l][d]; check kinds, sizes and the direction count."""
    if isinstance(layers, CellParams):
        layers = [[layers]]
    if not isinstance(layers, (list, tuple)):
        raise TypeError(f"layers must be a CellParams or a list of layers (each a CellParams or a list of "
                        f"1 or 2 CellParams), got {type(layers).__name__} {layers!r}")
    layers = [[row] if isinstance(row, CellParams) else list(row) if isinstance(row, (list, tuple)) else [row]
              for row in layers]
    for l, row in enumerate(layers):
        for d, p in enumerate(row):
            if not isinstance(p, CellParams):
                raise TypeError(f"layers[{l}][{d}] must be a CellParams, got {type(p).__name__}")
    dirs = len(layers[0]) if layers else 0
    if not layers or dirs not in (1, 2) or any(len(row) != dirs for row in layers):
        raise ValueError(f"layers has directions per layer {[len(r) for r in layers]}: expected all 1 or all 2")
    if bidirectional is not None and bool(bidirectional) != (dirs == 2):
        raise ValueError(f"bidirectional={bidirectional} but layers has {dirs} direction(s) per layer: "
                         f"expected {1 + bool(bidirectional)}")
    first = layers[0][0]
    for l, row in enumerate(layers):
        for d, p in enumerate(row):
            if (p.kind, p.H, p.dtype) != (first.kind, first.H, first.dtype):
                raise ValueError(f"layers[{l}][{d}] is a {p.kind} with H={p.H}, {p.dtype}: expected "
                                 f"{first.kind} with H={first.H}, {first.dtype} like layers[0][0]")
            if l and p.D != dirs * first.H:
                raise ValueError(f"layers[{l}][{d}] has input size D={p.D} but layer {l - 1} outputs "
                                 f"{dirs}*H={dirs * first.H}: expected D={dirs * first.H}")
    return layers


def _split_states(s, name, n, batch, p):
    """(n, B, H) stacked states -> list of n (B, H) states (None -> list of None)."""
    if s is None:
        return [None] * n
    s = np.asarray(s)
    if s.shape != (n, batch, p.H):
        raise ValueError(f"{name} has shape {s.shape}: expected {(n, batch, p.H)} (layers*directions, B, H)")
    return list(s)


def _per_cell(state, name, n, batch, p):
    """Stacked state(s) -> one state (or (h, c) pair) per layer and direction."""
    if p.kind != "lstm":
        return _split_states(state, name, n, batch, p)
    h, c = check_pair(state, name, "(layers*directions, B, H)")
    return list(zip(_split_states(h, f"{name}[0] (h)", n, batch, p), _split_states(c, f"{name}[1] (c)", n, batch, p)))


def _stack(states, kind):
    if kind == "lstm":
        return tuple(np.stack(part) for part in zip(*states))
    return np.stack(states)


def _check_layers_after_state(state0, layers):
    """The old order ``stacked_forward(x, layers, h0)``: a TypeError naming the argument and the order."""
    order = ("the order is stacked_forward(x, state0, layers), state before parameters as in the cell "
             "functions; write stacked_forward(x, state0=state0, layers=layers), with state0=None for zeros")
    looks_like_layers = isinstance(state0, CellParams) or (
        isinstance(state0, (list, tuple)) and any(
            isinstance(row, CellParams) or (isinstance(row, (list, tuple)) and any(isinstance(p, CellParams) for p in row))
            for row in state0))
    if looks_like_layers:
        raise TypeError(f"state0 holds CellParams: expected an initial state (L*dirs, B, H), an LSTM pair "
                        f"(h0, c0) or None, received {type(state0).__name__} of CellParams (layers passed in "
                        f"the old order?); {order}")
    if layers is None:
        raise TypeError(f"layers is missing: expected a CellParams or layers[l][d] of CellParams, received None; {order}")


def stacked_forward(x, state0=None, layers=None, bidirectional=None, batch_first=False):
    """Multi-layer, optionally bidirectional RNN/LSTM/GRU like ``torch.nn.RNN/LSTM/GRU``.

    Order (x, state0, layers), state before parameters as in the cell functions.
    x (T, B, D), or (B, T, D) with batch_first=True; state0: (L*dirs, B, H), for an LSTM a
    pair (h0, c0), or None (zeros); layers: ``layers[l][d]`` CellParams (a single CellParams
    or a flat list of layers also works); bidirectional: checked against layers when given.
    Layer l > 0 reads the concatenated outputs [forward | reverse] of layer l-1; the reverse
    direction runs the cell over the time-reversed sequence.
    Returns (out (T, B, dirs*H) (batch-first if asked), h_n (L*dirs, B, H) or (h_n, c_n), cache).
    Raises TypeError when layers is missing or comes before the state, ValueError for a shape that
    does not fit (x, state0, the layers' sizes) or bidirectional disagreeing with layers.
    """
    _check_layers_after_state(state0, layers)
    layers = _grid(layers, bidirectional)
    x = np.asarray(x)
    if x.ndim != 3:
        raise ValueError(f"x has shape {x.shape}: expected a 3-D array {'(B, T, D)' if batch_first else '(T, B, D)'}")
    inp = x.transpose(1, 0, 2) if batch_first else x
    first, dirs = layers[0][0], len(layers[0])
    states0 = _per_cell(state0, "state0", len(layers) * dirs, inp.shape[1], first)
    caches, finals = [], []
    for l, row in enumerate(layers):
        outs = []
        for d, p in enumerate(row):
            h, state_T, cache = cell_forward(inp if d == 0 else inp[::-1], states0[l * dirs + d], p)
            outs.append(h if d == 0 else h[::-1])
            caches.append(cache)
            finals.append(state_T)
        inp = outs[0] if dirs == 1 else np.concatenate(outs, axis=-1)
    out = inp.transpose(1, 0, 2) if batch_first else inp
    return out, _stack(finals, first.kind), StackedCache(caches, layers, batch_first)


def stacked_backward(dout, cache: StackedCache, dh_n=None):
    """BPTT through ``stacked_forward``. dout like its out; dh_n like its h_n, or None.

    Returns (dx like x, dstate0 like state0 (always arrays, zeros where no gradient flows), grads) with
    ``grads[l][d]`` the dict of weight_ih, weight_hh, bias_ih, bias_hh gradients of layers[l][d].
    Raises ValueError for a dout or dh_n whose shape is not the forward output's.
    """
    layers, caches = cache.layers, cache.caches
    first, dirs, n = layers[0][0], len(layers[0]), len(caches)
    T, B = caches[0].hs.shape[0] - 1, caches[0].hs.shape[1]
    expected = (B, T, dirs * first.H) if cache.batch_first else (T, B, dirs * first.H)
    dout = np.asarray(dout)
    if dout.shape != expected:
        raise ValueError(f"dout has shape {dout.shape}: expected {expected}, the shape of the forward output")
    g = dout.transpose(1, 0, 2) if cache.batch_first else dout
    dfinal = _per_cell(dh_n, "dh_n", n, B, first)
    grads, dstate0 = [[None] * dirs for _ in layers], [None] * n
    for l in reversed(range(len(layers))):
        dinp = 0
        for d in range(dirs):
            gd = g[..., d * first.H:(d + 1) * first.H]
            k = l * dirs + d
            dx, dstate0[k], grads[l][d] = cell_backward(gd if d == 0 else gd[::-1], caches[k], dfinal[k])
            dinp = dinp + (dx if d == 0 else dx[::-1])
        g = dinp
    dx = g.transpose(1, 0, 2) if cache.batch_first else g
    return dx, _stack(dstate0, first.kind), grads
