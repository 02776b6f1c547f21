"""The cells' argument checks: parameters, inputs, states and upstream gradients.

Every error names the argument, what was expected and what was received. The shapes are the
cells' (``course_utils.cells.rnn``): x (T, B, D) or x_t (B, D), states (B, H), and the
gradients of the forward's outputs; dtypes follow the parameters'. Generic checks (integers,
numbers, choices) live in ``course_utils._checks``.
"""
from __future__ import annotations

import numpy as np

from course_utils._checks import check_finite
from course_utils.cells.params import CellParams

__all__ = ["check_params", "as_array", "check_input", "check_state", "check_grad", "check_pair"]


def check_params(params, kind: str) -> CellParams:
    """``params`` if it is a :class:`~course_utils.cells.params.CellParams` of the given ``kind``; a TypeError or
    ValueError naming it otherwise."""
    if not isinstance(params, CellParams):
        raise TypeError(f"params must be a CellParams, got {type(params).__name__}")
    if params.kind != kind:
        raise ValueError(f"params has kind {params.kind!r}: expected {kind!r}")
    return params


def as_array(a, name: str, dtype: np.dtype) -> np.ndarray:
    """``a`` as an array of the parameters' ``dtype``; integer input is converted, other floats refused."""
    a = np.asarray(a)
    if a.dtype.kind in "biu":
        return a.astype(dtype)
    if a.dtype.kind != "f":
        raise TypeError(f"{name} has dtype {a.dtype}: expected {dtype}")
    if a.dtype != dtype:
        raise ValueError(f"{name} has dtype {a.dtype} but the parameters have dtype {dtype}: expected {dtype} "
                         f"(convert one of them with .astype)")
    return a


def check_input(x, name: str, params: CellParams, ndim: int) -> np.ndarray:
    """x: (T, B, D) for ndim=3 (sequence) or (B, D) for ndim=2 (one step)."""
    x = as_array(x, name, params.dtype)
    letters = "(T, B, D)" if ndim == 3 else "(B, D)"
    if x.ndim != ndim:
        raise ValueError(f"{name} has shape {x.shape}: expected a {ndim}-D array {letters} with D={params.D}")
    if x.shape[-1] != params.D:
        expected = x.shape[:-1] + (params.D,)
        raise ValueError(f"{name} has shape {x.shape} but the parameters have input size D={params.D}: "
                         f"expected {expected}")
    return check_finite(x, name)


def check_state(s, name: str, batch: int, params: CellParams, ref: str) -> np.ndarray:
    """A state (B, H): zeros when ``s`` is None; ``ref`` names the array that fixed the batch B."""
    expected = (batch, params.H)
    if s is None:
        return np.zeros(expected, dtype=params.dtype)
    s = as_array(s, name, params.dtype)
    if s.shape != expected:
        if s.ndim == 2 and s.shape[1] == params.H:
            raise ValueError(f"{name} has shape {s.shape} but {ref} has batch {batch}: expected {expected}")
        raise ValueError(f"{name} has shape {s.shape}: expected {expected} (batch B={batch} from {ref}, "
                         f"hidden size H={params.H} from the parameters)")
    return check_finite(s, name)


def check_grad(d, name: str, shape: tuple, dtype: np.dtype) -> np.ndarray:
    """An upstream gradient of the given shape: zeros when ``d`` is None."""
    if d is None:
        return np.zeros(shape, dtype=dtype)
    d = as_array(d, name, dtype)
    if d.shape != tuple(shape):
        raise ValueError(f"{name} has shape {d.shape}: expected {tuple(shape)}, the shape of the forward output")
    return check_finite(d, name)


def check_pair(state, name: str, shape: str = "(B, H)") -> tuple:
    """An LSTM state must be a pair (h, c) or None; ``shape`` describes each part in the message
    (``"(layers*directions, B, H)"`` for a stacked LSTM)."""
    if state is None:
        return None, None
    if not isinstance(state, (tuple, list)) or len(state) != 2:
        got = type(state).__name__
        if hasattr(state, "shape"):
            got += f" of shape {tuple(state.shape)}"
        elif isinstance(state, (tuple, list)):
            got += f" of length {len(state)}"
        raise ValueError(f"{name} must be a pair (h, c) of {shape} arrays, got {got}")
    return state


# --- shared validators for the rest of the package ------------------------------------------------
# Every helper raises TypeError for a value of the wrong type and ValueError for a value of the
# right type that is out of range; the message names the argument, what was expected and what was
# received. ``bool`` is never accepted where an integer or a number is expected (True is not 1 step).
