"""Input validation shared by the cells: every error names the argument, the expected and the received value."""
from __future__ import annotations

import numpy as np

from .params import CellParams


def check_params(params, kind: str) -> CellParams:
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


def check_finite(a: np.ndarray, name: str) -> np.ndarray:
    if not np.isfinite(a).all():
        bad = int(a.size - np.count_nonzero(np.isfinite(a)))
        raise ValueError(f"{name} contains {bad} non-finite value(s) (nan or inf): expected finite numbers")
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


def check_pair(state, name: str) -> tuple:
    """An LSTM state must be a pair (h, c) or None."""
    if state is None:
        return None, None
    if not isinstance(state, (tuple, list)) or len(state) != 2:
        raise ValueError(f"{name} must be a pair (h, c) of (B, H) arrays, got {type(state).__name__}")
    return state
