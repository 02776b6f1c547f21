"""Generic input validation shared by the package (integers, numbers, choices, types, arrays):
every error names the argument, the expected and the received value. The cells' own checks
(parameters, inputs, states, gradients) are in ``course_utils.cells.validate``."""
from __future__ import annotations

import numpy as np

__all__ = ["check_finite", "is_integer", "is_real_number", "check_int", "positive_int", "nonnegative_int",
           "check_number", "positive_number", "probability", "check_choice", "check_type", "check_bool",
           "check_str", "numeric_array", "id_array", "is_tensor", "torch_tensor_types"]


def check_finite(a: np.ndarray, name: str) -> np.ndarray:
    """``a`` (an array of any shape) unchanged if every value is finite.

    Raises ValueError, counting the nan and inf values and naming ``name``, otherwise.
    """
    if not np.isfinite(a).all():
        bad = int(a.size - np.count_nonzero(np.isfinite(a)))
        raise ValueError(f"{name} contains {bad} non-finite value(s) (nan or inf): expected finite numbers")
    return a


# Every helper raises TypeError for a value of the wrong type and ValueError for a value of the
# right type that is out of range; the message names the argument, what was expected and what was
# received. ``bool`` is never accepted where an integer or a number is expected (True is not 1 step).


def is_integer(value) -> bool:
    """True for a Python or NumPy integer; False for True/False (a bool is not a count) and floats."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def is_real_number(value) -> bool:
    """True for a Python or NumPy integer or float; False for True/False, complex and strings."""
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def check_int(value, name: str, minimum: int | None = None, maximum: int | None = None) -> int:
    """``value`` as a Python int in [minimum, maximum] (either bound None: open).

    Raises TypeError for anything but a Python or NumPy integer (True/False and floats, even 3.0,
    included), ValueError for an integer below ``minimum`` or above ``maximum``; each names ``name``.
    """
    if not is_integer(value):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    value = int(value)
    if minimum is not None and value < minimum:
        words = {0: "a non-negative integer", 1: "a positive integer"}.get(minimum, f"an integer >= {minimum}")
        raise ValueError(f"{name} must be {words}, got {value!r}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be an integer <= {maximum}, got {value!r}")
    return value


def positive_int(value, name: str, minimum: int = 1) -> int:
    """``value`` as a Python int >= ``minimum`` (default 1): the one positive-integer validator of the package.

    Raises TypeError for a non-integer (True/False and floats included), ValueError below ``minimum``.
    """
    return check_int(value, name, minimum=minimum)


def nonnegative_int(value, name: str) -> int:
    """``value`` as a Python int >= 0.

    Raises TypeError for a non-integer (True/False and floats included), ValueError for a negative one.
    """
    return check_int(value, name, minimum=0)


def check_number(value, name: str, *, low=None, high=None, low_open: bool = False, high_open: bool = False,
                 allow_none: bool = False) -> float | None:
    """``value`` as a finite float in the interval given by ``low``/``high`` (closed unless ``*_open``; None:
    unbounded); a one-element real torch tensor or 0-D NumPy array is read as its number.

    Raises TypeError for anything but a real number (True/False, complex and strings included; None
    unless ``allow_none``), ValueError for nan, inf or a number outside the interval; each names ``name``.
    """
    if value is None and allow_none:
        return None
    if isinstance(value, (torch_tensor_types())) and value.numel() == 1 and not value.dtype.is_complex \
            and value.dtype != _torch_bool():
        value = value.item()
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf":
        value = value.item()
    if not is_real_number(value):
        expected = "a real number" + (" or None" if allow_none else "")
        raise TypeError(f"{name} must be {expected}, got {type(value).__name__} {value!r}")
    value = float(value)
    left = "(" if low_open else "["
    right = ")" if high_open else "]"
    interval = f"{left}{'-inf' if low is None else low}, {'inf' if high is None else high}{right}"
    if not np.isfinite(value):
        raise ValueError(f"{name} must be a finite number in {interval}, got {value!r}")
    if low is not None and (value < low or (low_open and value == low)):
        raise ValueError(f"{name} must be in {interval}, got {value!r}")
    if high is not None and (value > high or (high_open and value == high)):
        raise ValueError(f"{name} must be in {interval}, got {value!r}")
    return value


def positive_number(value, name: str, allow_none: bool = False) -> float | None:
    """``value`` as a float > 0 (True/False refused); None passes when ``allow_none``.

    Raises TypeError for a non-number, ValueError for a number <= 0, nan or inf (:func:`check_number`).
    """
    return check_number(value, name, low=0, low_open=True, allow_none=allow_none)


def probability(value, name: str) -> float:
    """``value`` as a float in [0, 1] (True/False refused).

    Raises TypeError for a non-number, ValueError outside [0, 1] or for nan (:func:`check_number`).
    """
    return check_number(value, name, low=0, high=1)


def check_choice(value, name: str, choices) -> object:
    """``value`` unchanged if it is one of ``choices`` (compared with ``in``; True/False only where a
    choice is a bool).

    Raises ValueError naming ``name`` and the choices otherwise (an unhashable value included).
    """
    try:
        ok = value in choices
    except TypeError:
        ok = False
    if not ok or isinstance(value, (bool, np.bool_)) and not any(isinstance(c, bool) for c in choices):
        raise ValueError(f"{name} must be one of {tuple(choices)}, got {value!r}")
    return value


def check_type(value, name: str, types, expected: str):
    """``value`` unchanged if it is an instance of ``types``; ``expected`` says it in words (e.g. 'a torch.nn.Module').

    Raises TypeError naming ``name``, ``expected`` and the type received otherwise.
    """
    if not isinstance(value, types):
        raise TypeError(f"{name} must be {expected}, got {type(value).__name__}")
    return value


def check_bool(value, name: str) -> bool:
    """``value`` as a Python bool.

    Raises TypeError for anything but True/False (NumPy's included; 1 and 0 refused).
    """
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__} {value!r}")
    return bool(value)


def check_str(value, name: str, nonempty: bool = False) -> str:
    """``value`` if it is a string (non-empty when ``nonempty``).

    Raises TypeError for a non-string, ValueError for '' when ``nonempty``; each names ``name``.
    """
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, got {type(value).__name__} {value!r}")
    if nonempty and not value:
        raise ValueError(f"{name} must be a non-empty string, got ''")
    return value


def numeric_array(a, name: str, *, ndim=None, dtype=np.float64, finite: bool = True, min_size: int = 0):
    """``a`` (array-like or torch tensor) as a real-valued NumPy array of ``dtype`` (None: keep).

    ndim: an int or a tuple of allowed ranks (None: any); min_size: the fewest elements allowed.
    Returns the array, shape unchanged (a tensor is detached and moved to the CPU first).

    Raises TypeError for None, a string, dict or set, or an array of strings, objects, complex numbers
    or bools; ValueError for a ragged list, a rank not in ``ndim``, fewer than ``min_size`` elements,
    or (when ``finite``) nan / inf. Each names ``name``.
    """
    if is_tensor(a):
        a = a.detach().cpu().numpy()
    if isinstance(a, (str, bytes, dict, set)) or a is None:
        raise TypeError(f"{name} must be an array of numbers, got {type(a).__name__}")
    try:
        arr = np.asarray(a)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{name} must be a rectangular array of numbers, got a ragged or mixed "
                         f"{type(a).__name__} ({exc})") from None
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be an array of real numbers, got dtype {arr.dtype}")
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            ranks = " or ".join(f"{n}-D" for n in allowed)
            raise ValueError(f"{name} has shape {arr.shape}: expected a {ranks} array")
    if arr.size < min_size:
        raise ValueError(f"{name} has shape {arr.shape}: expected at least {min_size} element(s)")
    if dtype is not None:
        arr = arr.astype(dtype, copy=False)
    if finite and arr.dtype.kind == "f":
        check_finite(arr, name)
    return arr


def id_array(ids, name: str, *, ndim=1, vocab_size: int | None = None, limit: str = "vocab_size") -> np.ndarray:
    """Integer token ids (NumPy or torch, any integer dtype, any shape of rank ``ndim``; None: any
    rank) as an int64 NumPy array of the same shape, each in [0, vocab_size) (``limit`` names the bound).

    Raises TypeError for a string, a non-integer dtype (an empty float array passes) or a list holding
    True/False; ValueError for a ragged list, the wrong rank, a negative id or one >= ``vocab_size``.
    Each names ``name``.
    """
    if is_tensor(ids):
        ids = ids.detach().cpu().numpy()
    if isinstance(ids, (str, bytes)):
        raise TypeError(f"{name} must be an array of integer ids, got {type(ids).__name__} {ids!r}"
                        " (encode text with Vocab.encode first)")
    try:
        arr = np.asarray(ids)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{name} must be a rectangular array of integer ids ({exc})") from None
    if arr.dtype.kind not in "iu" and not (arr.size == 0 and arr.dtype.kind == "f"):
        raise TypeError(f"{name} has dtype {arr.dtype}: expected integer ids")
    if not isinstance(ids, np.ndarray) and arr.size:     # a list mixing True/False with ints
        items = np.asarray(ids, dtype=object).ravel()
        if any(isinstance(v, (bool, np.bool_)) for v in items):
            raise TypeError(f"{name} contains True/False: expected integer ids, not booleans")
    allowed = () if ndim is None else (ndim,) if isinstance(ndim, int) else tuple(ndim)
    if ndim is not None and arr.ndim not in allowed:
        ranks = " or ".join(f"{n}-D" for n in allowed)
        raise ValueError(f"{name} has shape {arr.shape}: expected a {ranks} array of integer ids")
    arr = arr.astype(np.int64)
    if arr.size and arr.min() < 0:
        raise ValueError(f"{name} contains the id {int(arr.min())}: expected ids >= 0")
    if vocab_size is not None and arr.size and arr.max() >= vocab_size:
        raise ValueError(f"{name} contains the id {int(arr.max())}: expected ids < {limit} = {vocab_size}")
    return arr


def is_tensor(a) -> bool:
    """True for a torch tensor (``nn.Parameter`` and other subclasses included); never imports torch
    (a tensor exists only once torch is imported), so NumPy-only code pays nothing for it."""
    torch = _torch()
    return torch is not None and isinstance(a, torch.Tensor)


def _torch():
    import sys
    return sys.modules.get("torch")


def torch_tensor_types() -> tuple:
    """``(torch.Tensor,)`` when torch is already imported, else ``()`` (never imports torch itself)."""
    torch = _torch()
    return (torch.Tensor,) if torch is not None else ()


def _torch_bool():
    torch = _torch()
    return torch.bool if torch is not None else None
