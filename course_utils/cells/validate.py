"""The cells' argument checks: parameters, inputs, states and upstream gradients.

Every error names the argument, what was expected and what was received. The shapes are the
cells' (``course_utils.cells.rnn``): x (T, B, D) or x_t (B, D), states (B, H), and the
gradients of the forward's outputs; dtypes follow the parameters'. Generic checks (integers,
numbers, choices) live in ``course_utils._checks``.
"""
from __future__ import annotations

import numpy as np

from course_utils._checks import check_finite
from course_utils.cells.params import CellParams, gate_count

__all__ = ["check_params", "as_array", "check_input", "check_state", "check_grad", "check_pair", "check_cache",
           "check_state_before_params"]


def check_params(params, kind: str) -> CellParams:
    """``params`` if it is a :class:`~course_utils.cells.params.CellParams` of the given ``kind``. Raises TypeError
    for another type, ValueError for another kind (or a ``kind`` that is not a cell kind)."""
    gate_count(kind)                                # a ValueError naming kind when it is not a cell kind
    if not isinstance(params, CellParams):
        raise TypeError(f"params must be a CellParams, got {type(params).__name__}")
    if params.kind != kind:
        raise ValueError(f"params has kind {params.kind!r}: expected {kind!r}")
    return params


def as_array(a, name: str, dtype: np.dtype) -> np.ndarray:
    """``a`` as an array of the parameters' ``dtype``; integer input is converted, other floats refused.

    Raises ValueError for a ragged nested list or a float of another precision, TypeError for a
    non-numeric dtype; each message names ``name``.
    """
    dtype = np.dtype(dtype)
    try:
        a = np.asarray(a)
    except ValueError as err:                       # ragged nested lists
        raise ValueError(f"{name} could not be read as an array ({err}): expected a {dtype} array") from None
    if a.dtype.kind in "biu":
        return a.astype(dtype)
    if a.dtype.kind != "f":
        raise TypeError(f"{name} has dtype {a.dtype}: expected {dtype}")
    if a.dtype != dtype:
        raise ValueError(f"{name} has dtype {a.dtype} but the parameters have dtype {dtype}: expected {dtype} "
                         f"(convert one of them with .astype)")
    return a


def check_input(x, name: str, params: CellParams, ndim: int) -> np.ndarray:
    """x as an array: (T, B, D) for ndim=3 (sequence) or (B, D) for ndim=2 (one step). Raises
    ValueError for another rank or input size D, nan or inf, or a float dtype other than the
    parameters' (TypeError for a non-numeric dtype), each naming ``name``."""
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
    """A state (B, H): zeros when ``s`` is None; ``ref`` names the array that fixed the batch B.
    Raises ValueError for another shape, nan or inf, or another float dtype (TypeError for a
    non-numeric one), naming ``name``."""
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
    """An upstream gradient of the given shape: zeros when ``d`` is None. Raises ValueError for
    another shape, nan or inf, or another float dtype (TypeError for a non-numeric one)."""
    if d is None:
        return np.zeros(shape, dtype=dtype)
    d = as_array(d, name, dtype)
    if d.shape != tuple(shape):
        raise ValueError(f"{name} has shape {d.shape}: expected {tuple(shape)}, the shape of the forward output")
    return check_finite(d, name)


def check_pair(state, name: str, shape: str = "(B, H)") -> tuple:
    """An LSTM state must be a pair (h, c) or None; ``shape`` describes each part in the message
    (``"(layers*directions, B, H)"`` for a stacked LSTM). Raises ValueError for anything but a
    pair or None."""
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


def check_cache(cache, expected: type, producer: str, name: str = "cache"):
    """``cache`` if it is an instance of ``expected`` (the cache class ``producer`` returns).
    Raises TypeError naming the argument, the expected class and its producer, and what was
    received."""
    if not isinstance(cache, expected):
        raise TypeError(f"{name} is a {type(cache).__name__}: expected the {expected.__name__} that "
                        f"{producer} returns (pass the cache from the matching forward call)")
    return cache


def check_state_before_params(function: str, state_name: str, state, params, params_type=None,
                              state_shape: str = "(B, H)"):
    """Catch the sequence functions' old argument order ``f(x, params, state0)``.

    The sequence functions take ``(x, state0, params)``, state before params, as the step
    functions take ``(x_t, state, params)``. A parameter object in the state's place, or no
    ``params`` at all, raises a TypeError that names the argument, what was expected, what was
    received and the order; otherwise ``params`` is returned unchanged for the kind check.

    This is why the sequence functions declare ``params=None`` although it is required: a call
    in the old order with the state left out, ``rnn_forward(x, p)``, would otherwise stop at
    Python's "missing 1 required positional argument: 'params'", which does not say that the
    order changed; here it gets the message above.
    """
    params_type = CellParams if params_type is None else params_type
    kind = params_type.__name__
    order = (f"the order is {function}(x, {state_name}, params), state before params as in the step "
             f"functions; write {function}(x, {state_name}={state_name}, params=p), with "
             f"{state_name}=None for a zero initial state")
    if isinstance(state, params_type):
        raise TypeError(f"{state_name} is a {kind}: expected an initial state {state_name} {state_shape} "
                        f"or None, received {kind} (parameters passed in the old order?); {order}")
    if params is None:
        raise TypeError(f"params is missing: expected a {kind}, received None; {order}")
    return params
