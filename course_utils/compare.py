"""Compare a learner's output with the expected one and describe every difference in words.

Used by :mod:`course_utils.exercises`. Outputs are arrays, numbers, torch tensors and
tuples/lists/dicts of them. :func:`compare` first checks the structure (tuple lengths, dict
keys, array versus list versus None); a structural problem is a "wrong type". Then it compares
each value (shape, dtype kind, numbers) and adds targeted hints: transposed, opposite sign,
scaled, two outputs swapped. All text is deterministic: values are shown with 3-4
significant digits and only for wrong answers.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass, field
from typing import Any

import numpy as np

EXACT_BOUND = 1e-10  # a correct answer's error below this prints as "max error < 1e-10"
LOW_PRECISION = {np.dtype(np.float32): (1e-5, 1e-4), np.dtype(np.float16): (1e-2, 1e-2)}


@dataclass(frozen=True)
class Tolerance:
    atol: float
    rtol: float

    def for_dtypes(self, *dtypes) -> "Tolerance":
        """Loosened to the coarsest floating-point precision among ``dtypes``.

        Called with the REFERENCE's dtype only: the precision an exercise checks is the
        exercise's, never loosened because a learner chose float16 or float32.
        """
        atol, rtol = self.atol, self.rtol
        for dtype in dtypes:
            low_atol, low_rtol = LOW_PRECISION.get(np.dtype(dtype), (0.0, 0.0))
            atol, rtol = max(atol, low_atol), max(rtol, low_rtol)
        return Tolerance(atol, rtol)


@dataclass
class Result:
    problems: list[str] = field(default_factory=list)
    wrong_type: str | None = None
    notes: list[str] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)
    max_error: float = 0.0
    tolerance: Tolerance | None = None  # the loosest tolerance used (float32 outputs loosen it)


def _is_tensor(value: Any) -> bool:
    return type(value).__module__.split(".")[0] == "torch" and hasattr(value, "detach")


def _is_number(value: Any) -> bool:
    return isinstance(value, (numbers.Number, np.number, np.bool_)) or (
        isinstance(value, np.ndarray) and value.ndim == 0)


def _to_array(value: Any) -> np.ndarray:
    if _is_tensor(value):
        value = value.detach().cpu().numpy()
    return np.asarray(value)


def describe(value: Any) -> str:
    """A short, machine-independent description: ``array (3, 4)``, ``a list of 2 items``, ``0.5``."""
    if isinstance(value, np.ndarray) and value.ndim > 0:
        extra = "" if value.dtype == np.float64 else f" {value.dtype}"
        return f"array {value.shape}{extra}"
    if _is_tensor(value):
        return f"tensor {tuple(value.shape)}"
    if value is None or isinstance(value, (bool, np.bool_)):
        return repr(bool(value)) if value is not None else "None"
    if _is_number(value):
        return describe_value(value)
    if isinstance(value, str):
        return repr(value if len(value) <= 30 else value[:27] + "...")
    if isinstance(value, (list, tuple)):
        kind = "list" if isinstance(value, list) else "tuple"
        return f"a {kind} of {len(value)} item{'s' if len(value) != 1 else ''}"
    if isinstance(value, dict):
        return f"a dict with keys {', '.join(map(str, value))}"
    return f"a {type(value).__name__}"


def describe_value(value: Any) -> str:
    """The value itself, rounded: numbers to 4 significant digits, small arrays in full."""
    if isinstance(value, (bool, np.bool_, str)) or value is None:
        return repr(value if not isinstance(value, np.bool_) else bool(value))
    if isinstance(value, numbers.Integral) or (isinstance(value, np.ndarray) and value.dtype.kind in "iu"
                                               and value.ndim == 0):
        return str(int(value))
    if _is_number(value):
        return f"{complex(value).real:.4g}" if not np.iscomplexobj(value) else f"{complex(value):.4g}"
    if isinstance(value, (tuple, list)):
        inner = ", ".join(describe_value(v) for v in value)
        return f"({inner})" if isinstance(value, tuple) else f"[{inner}]"
    if isinstance(value, np.ndarray) or _is_tensor(value):
        return np.array2string(_to_array(value), precision=4, threshold=12, separator=", ")
    return describe(value)


def error_bound(max_error: float, tolerance: Tolerance) -> str:
    if max_error < EXACT_BOUND:
        return f"max error < {EXACT_BOUND:g}"
    return f"every value within the tolerance atol={tolerance.atol:g}, rtol={tolerance.rtol:g}"


class _Walker:
    """Pairs up expected and received leaves; records the first structural problem."""

    def __init__(self, fname: str):
        self.fname, self.leaves, self.wrong_type = fname, [], None

    def wrong(self, message: str) -> None:
        self.wrong_type = self.wrong_type or message

    def walk(self, exp: Any, rec: Any, label: str, names: Any, top: bool) -> None:
        if isinstance(names, str):
            label, names = names, None
        if exp is None:
            if rec is not None:
                self.wrong(f"{label} should be None but is {describe(rec)}.")
        elif rec is None:
            self.wrong(f"{self.fname} returned None: did you forget the `return` line?" if top else
                       f"{label} is None: did you forget to compute or return it?")
        elif isinstance(exp, (tuple, list)):
            self._sequence(exp, rec, label, names, top)
        elif isinstance(exp, dict):
            self._dict(exp, rec, label)
        elif isinstance(exp, np.ndarray) or _is_number(exp) or _is_tensor(exp):
            self._leaf(exp, rec, label)
        elif not _values_equal(exp, rec):
            self.leaves.append((label, exp, rec, "object"))

    def _sequence(self, exp, rec, label, names, top) -> None:
        listed = f" ({', '.join(n if isinstance(n, str) else '...' for n in names)})" if names else ""
        what = f"{self.fname} should return" if top else f"{label} should be"
        if (isinstance(rec, np.ndarray) and rec.ndim == 1 and len(rec) == len(exp)
                and all(_is_number(e) for e in exp)):  # (p, r) returned as np.array([p, r]): same numbers
            rec = list(rec)
        if not isinstance(rec, (tuple, list)):
            self.wrong(f"{what} {len(exp)} values{listed}, but {'it returned' if top else 'it is'} "
                       f"{describe(rec)}. Return several values separated by commas, e.g. `return h, c`.")
            return
        if len(rec) != len(exp):
            self.wrong(f"{what} {len(exp)} values{listed}, but {'it returned' if top else 'it has'} {len(rec)}.")
            return
        for i, (e, r) in enumerate(zip(exp, rec)):
            sub = names[i] if names is not None and i < len(names) else None
            self.walk(e, r, f"output {i + 1}" if top else f"{label}[{i}]", sub, False)

    def _dict(self, exp, rec, label) -> None:
        if not isinstance(rec, dict):
            self.wrong(f"{label} should be a dict with keys {', '.join(map(str, exp))} but is {describe(rec)}.")
            return
        missing, extra = [k for k in exp if k not in rec], [k for k in rec if k not in exp]
        if missing or extra:
            parts = ([f"missing {', '.join(map(repr, missing))}"] if missing else []) + (
                [f"unexpected {', '.join(map(repr, extra))}"] if extra else [])
            self.wrong(f"{label} has the wrong keys: {'; '.join(parts)}.")
            return
        for key in exp:
            self.walk(exp[key], rec[key], f"{label}[{key!r}]", None, False)

    def _leaf(self, exp, rec, label) -> None:
        if _is_tensor(exp) and not _is_tensor(rec):
            self.wrong(f"{label} should be a torch.Tensor but is {describe(rec)}.")
        elif _is_number(exp):
            if isinstance(rec, np.ndarray) and rec.size == 1 and rec.ndim > 0:
                self.wrong(f"{label} should be a single number but is an array of shape {rec.shape}: "
                           "use `.item()`, or drop `keepdims=True`.")
            elif not (_is_number(rec) or _is_tensor(rec) and rec.ndim == 0):
                self.wrong(f"{label} should be a single number but is {describe(rec)}.")
            else:
                self.leaves.append((label, _to_array(exp), _to_array(rec), "value"))
        elif _is_tensor(rec) and not _is_tensor(exp):
            self.wrong(f"{label} is a torch.Tensor but should be a NumPy array: convert it with "
                       "`.detach().numpy()`.")
        elif isinstance(rec, (list, tuple)):
            self.wrong(f"{label} is {describe(rec)} but should be a NumPy array of shape "
                       f"{_to_array(exp).shape}: use NumPy operations, or np.stack / np.array.")
        elif not isinstance(rec, np.ndarray) and not _is_tensor(rec):
            self.wrong(f"{label} should be an array of shape {_to_array(exp).shape} but is {describe(rec)}.")
        else:
            self.leaves.append((label, _to_array(exp), _to_array(rec), "value"))


def _values_equal(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except Exception:
        return False


def _shape_hint(exp: np.ndarray, rec: np.ndarray) -> str:
    if rec.ndim >= 2 and rec.shape == exp.shape[::-1]:
        return " It looks transposed: compare `x @ W.T` (row vectors) with `W @ x` (column vectors)."
    if rec.shape == exp.shape[1:]:
        return f" The first axis (length {exp.shape[0]}) is missing."
    if rec.ndim == exp.ndim + 1 and 1 in rec.shape:
        return " There is an extra axis of length 1: check `keepdims` or a reshape."
    if rec.ndim == exp.ndim and rec.size != exp.size:
        return " Check which axis you summed, stacked or sliced."
    return ""


def _precision_note(label: str, exp: np.ndarray, rec: np.ndarray, tol: Tolerance) -> str:
    if rec.dtype.kind == "f" and exp.dtype.kind in "fc" and rec.dtype.itemsize < exp.dtype.itemsize:
        return (f" {label} has dtype {rec.dtype}, less precise than the reference's {exp.dtype}; this exercise "
                f"checks to atol={tol.atol:g}, rtol={tol.rtol:g}, so compute in {exp.dtype}.")
    return ""


def _value_problems(label: str, exp: np.ndarray, rec: np.ndarray, tol: Tolerance, check_dtype: bool,
                    result: Result, reveal: bool = True) -> list[str]:
    if rec.shape != exp.shape:
        return [f"{label} has shape {rec.shape} but should have shape {exp.shape}.{_shape_hint(exp, rec)}"]
    ek, rk = exp.dtype.kind, rec.dtype.kind
    if check_dtype and ek == "f" and rk in "biu":  # only for exercises about the type
        return [f"{label} holds integers (dtype {rec.dtype}) but should hold floating-point numbers."]
    if check_dtype and ek in "biu" and rk not in "biu":
        return [f"{label} should hold integers but has dtype {rec.dtype}."]
    if rk not in "biufc" or ek not in "biufc":
        return [f"{label} has dtype {rec.dtype}, which cannot be compared with the expected {exp.dtype}."]
    # numbers are compared by value whatever their type: 1480 == 1480.0 == np.int64(1480)
    tol = tol.for_dtypes(*(d for d in (exp.dtype,) if d.kind == "f"))
    if ek in "fc" and (result.tolerance is None or tol.atol > result.tolerance.atol):
        result.tolerance = tol
    complex_ = "c" in ek + rk
    e, r = exp.astype(np.complex128 if complex_ else np.float64), rec.astype(np.complex128 if complex_ else np.float64)
    bad_values = ~np.isfinite(r) & np.isfinite(e)
    if bad_values.any():
        return [f"{label} contains {int(bad_values.sum())} NaN or infinite value(s): look for an overflow "
                "(np.exp of a large number) or a division by zero."]
    with np.errstate(all="ignore"):  # inf - inf where both overflowed: masked out below
        close = np.isclose(r, e, atol=tol.atol, rtol=tol.rtol, equal_nan=True)
        diff = np.where(np.isfinite(e) & np.isfinite(r), np.abs(r - e), 0.0)
    if close.all():
        result.max_error = max(result.max_error, float(diff.max(initial=0.0)))
        if rec.dtype.kind == "f" and ek == "f" and rec.dtype.itemsize < exp.dtype.itemsize:
            result.notes.append(f"Note: {label} has dtype {rec.dtype} but the reference uses {exp.dtype}; it "
                                "passed at the exercise's precision all the same.")
        return []
    if not reveal:
        if exp.ndim == 0:
            return [f"{label} is not right yet."]
        return [f"{label} has wrong values: {int((~close).sum())} of {exp.size} entries differ."]
    idx = np.unravel_index(int(np.argmax(np.where(close, -1.0, diff))), diff.shape)
    if exp.ndim == 0:
        problem = (f"{label} is wrong (expected {describe_value(exp)}, received {describe_value(rec)})."
                   if ek in "biu" else
                   f"{label} has the wrong value: it differs by {float(diff[idx]):.3g} (expected "
                   f"{describe_value(e[idx])}, received {describe_value(r[idx])}).")
    else:
        problem = (f"{label} has wrong values: {int((~close).sum())} of {exp.size} entries differ, the largest "
                   f"by {float(diff[idx]):.3g} at index {tuple(int(i) for i in idx)} (expected "
                   f"{describe_value(exp[idx] if ek in 'biu' else e[idx])}, received "
                   f"{describe_value(rec[idx] if rk in 'biu' else r[idx])}).")
    if ek in "fc" and rk in "biu":
        problem += (f" It holds integers (dtype {rec.dtype}): an integer division or an integer array may "
                    "have cut off the fractions.")
    return [problem + _value_hint(e, r, tol) + _precision_note(label, exp, rec, tol)]


def _value_hint(e: np.ndarray, r: np.ndarray, tol: Tolerance) -> str:
    def close(a, b):
        return a.shape == b.shape and np.allclose(a, b, atol=tol.atol, rtol=tol.rtol)
    if close(r, -e):
        return " It has the opposite sign: check a subtraction or the sign of a derivative."
    if e.ndim == 2 and e.shape[0] == e.shape[1] and e.shape[0] > 1 and close(r, e.T):
        return " It equals the transpose of the expected value: compare `x @ W.T` with `W @ x`."
    big = np.abs(e) > 1e-6
    if big.sum() >= 2 and np.isfinite(r).all():
        ratio = r[big] / e[big]
        if np.ptp(ratio) < 1e-6 * max(1.0, abs(ratio[0])) and abs(ratio[0] - 1) > 1e-3 and ratio[0] != 0:
            return f" It is {describe_value(ratio[0])} times the expected value: a factor is missing or doubled."
    return ""


def compare(expected: Any, received: Any, *, name: str, output_names: Any, tolerance: Tolerance,
            check_dtype: bool = False, reveal: bool = True) -> Result:
    """Everything that differs between ``received`` and ``expected`` (see the module docstring).

    Numbers are compared by value whatever their type (``check_dtype=True``, for an exercise
    about types, makes an integer/float mismatch a problem). ``reveal=False`` leaves the
    expected values out of the problems (for predictions).
    """
    with np.errstate(all="ignore"):  # overflowing answers are reported in words, not as warnings
        return _compare(expected, received, name, output_names, tolerance, check_dtype, reveal)


def _compare(expected, received, name, output_names, tolerance, check_dtype, reveal) -> Result:
    walker = _Walker(name)
    walker.walk(expected, received, "the output", output_names, top=True)
    result = Result(wrong_type=walker.wrong_type)
    if walker.wrong_type:
        return result
    wrong = []
    for label, exp, rec, kind in walker.leaves:
        if kind == "object":
            problems = [f"{label} should be {describe(exp)} but is {describe(rec)}."]
        else:
            problems = _value_problems(label, exp, rec, tolerance, check_dtype, result, reveal)
        if problems:
            wrong.append(label)
        result.problems += problems
    if reveal:
        result.hints += _swap_hints(walker.leaves, wrong, tolerance)
    return result


def _swap_hints(leaves, wrong: list[str], tolerance: Tolerance) -> list[str]:
    arrays = {label: (exp, rec) for label, exp, rec, kind in leaves if kind == "value"}
    hints, done = [], set()
    for a in wrong:
        for b in arrays:
            if a == b or a not in arrays or (b, a) in done:
                continue
            rec_a, exp_b, exp_a = arrays[a][1], arrays[b][0], arrays[a][0]
            if _close(exp_a, exp_b, tolerance):  # the two should be equal: equal values prove nothing
                continue
            if rec_a.shape == exp_b.shape and rec_a.dtype.kind in "biuf" and np.allclose(
                    rec_a.astype(float), exp_b.astype(float), atol=tolerance.atol, rtol=tolerance.rtol):
                done.add((a, b))
                if b in wrong and (b, a) not in done and np.allclose(
                        arrays[b][1].astype(float), arrays[a][0].astype(float), atol=tolerance.atol,
                        rtol=tolerance.rtol):
                    hints.append(f"{a} and {b} look swapped: return them in the expected order.")
                    done.add((b, a))
                else:
                    hints.append(f"{a} equals what {b} should be: did you return the wrong variable?")
    return hints


def _close(a: np.ndarray, b: np.ndarray, tolerance: Tolerance) -> bool:
    return (a.shape == b.shape and a.dtype.kind in "biuf" and b.dtype.kind in "biuf"
            and np.allclose(a.astype(float), b.astype(float), atol=tolerance.atol, rtol=tolerance.rtol,
                            equal_nan=True))


def matches(expected: Any, received: Any, tolerance: Tolerance) -> bool:
    """True when ``received`` has the structure of ``expected`` and every value is close."""
    result = compare(expected, received, name="", output_names=None, tolerance=tolerance, check_dtype=False)
    return not result.wrong_type and not result.problems
