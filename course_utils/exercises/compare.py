"""Compare a learner's output with the expected one and describe every difference in words.

This is the feedback engine behind :mod:`course_utils.exercises.harness`. Every function here is pure:
it reads its arguments, returns a new value and changes nothing (no argument, no module
state). Outputs may be arrays, numbers, torch tensors, strings and other objects, and
tuples/lists/dicts of them, nested.

The pipeline of :func:`compare`, in this order:

1. **Structure** (:func:`pair_leaves`). The expected and the received output are walked side by
   side: tuple and list lengths, dict keys, ``None``, array versus list versus tensor versus
   number. The result is the list of :class:`Leaf` pairs (one per expected array or number)
   and the FIRST structural problem found, in walking order (outer before inner, left before
   right). A structural problem is a "wrong type" and ends the comparison: no value is
   compared and no hint is given, because the values of a wrongly shaped structure mean nothing.
2. **Tolerance**, decided here only. The exercise's tolerance is one of the named tolerances
   (:data:`NAMED_TOLERANCES`: :data:`EXACT` for counts, :data:`FUNCTION_TOLERANCE` by default,
   ..., each with its reason), which every checker passes as ``tolerance=compare.NAME``. Each
   floating-point leaf is checked with it, loosened by :func:`tolerance_for` only to what a
   dtype can hold (:data:`LOW_PRECISION`): to the reference's precision when the reference is
   float32 or float16, and to float32's when the learner's floats are less precise than the
   reference's. That is the **dtype policy**: no exercise asks for float64, so a right answer
   computed in float32 (NumPy with ``dtype=np.float32``, or PyTorch's default) is correct, with
   a note; float32's precision is the most any answer is granted, so a float16 answer (about 3
   significant digits, which would let real mistakes through) passes only if it is that close.
   The TYPE is not loosened: a torch tensor where the reference is a number or a NumPy array is
   a wrong type ("convert it with ``.item()``" / ``.detach().numpy()``).
3. **Values** (:func:`value_problems`), leaf by leaf, stopping at the first failing test of
   that leaf: shape (with a hint: transposed, missing or extra axis) -> integer versus float,
   only when the exercise is about types (``check_dtype``) -> a dtype that cannot be compared ->
   NaN/inf where the reference is finite -> the numbers, with ``atol``/``rtol``. Numbers are
   compared by value whatever their type (``1480 == 1480.0 == np.int64(1480)``). A wrong value
   gets at most one value hint (opposite sign, else the transpose, else a constant factor) and
   a precision note when the learner's dtype is less precise than the reference's. A leaf that
   passes contributes its largest error and, when its dtype is less precise, a note. A wrong
   value is shown with as many digits as it takes to tell it from the expected one (4 at least).
4. **Across leaves** (:func:`swap_hints`): a wrong output that equals another output's expected
   value ("looks swapped", "equals what ... should be"). Only when ``reveal`` is true.

Which feedback wins, as :func:`course_utils.exercises.harness.check_function` assembles it: a
structural problem alone; otherwise every value problem, followed by the hint of a catalogued
mistake when one reproduces the learner's output on every case, else by the swap hints, else by
the checker's default hint. All text is deterministic: values are shown with 3-4 significant
digits and only for wrong answers; a correct answer's error is shown as a bound
(:func:`error_bound`).
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass, field
from typing import Any, Iterator, NamedTuple

import numpy as np

from course_utils._checks import check_number, is_tensor

__all__ = ["EXACT_BOUND", "LOW_PRECISION", "Tolerance", "FUNCTION_TOLERANCE", "VALUE_TOLERANCE", "EXACT",
           "BACKPROP", "CLOSED_FORM", "WEIGHTS", "CLIPPING", "FORMULA", "HAND_COMPUTED", "THREE_DIGITS",
           "ONE_PERCENT", "TWO_PERCENT", "NAMED_TOLERANCES", "Leaf", "Result", "LeafResult", "compare", "matches",
           "pair_leaves", "tolerance_for", "loosest", "value_problems", "swap_hints", "describe",
           "describe_value", "error_bound"]

EXACT_BOUND = 1e-10  # a correct answer's error below this prints as "max error < 1e-10"
LOW_PRECISION = {np.dtype(np.float32): (1e-5, 1e-4), np.dtype(np.float16): (1e-2, 1e-2)}
"""The coarsest (atol, rtol) a reference of this dtype can be held to; see :func:`tolerance_for`."""


@dataclass(frozen=True)
class Tolerance:
    """Two numbers are close when ``|received - expected| <= atol + rtol * |expected|``.

    Raises TypeError when ``atol`` or ``rtol`` is not a real number, ValueError when it is
    negative, nan or infinite.
    """

    atol: float
    rtol: float

    def __post_init__(self):
        object.__setattr__(self, "atol", check_number(self.atol, "atol", low=0.0))
        object.__setattr__(self, "rtol", check_number(self.rtol, "rtol", low=0.0))


# --- the named tolerances: every checker passes one of these (tolerance=compare.NAME) -------------

FUNCTION_TOLERANCE = Tolerance(atol=1e-8, rtol=1e-6)
"""The default (atol, rtol) of a "write this function" exercise
(:func:`course_utils.exercises.harness.check_function`): the precision asked of a float64 answer;
:func:`tolerance_for` loosens it for a float32 or float16 reference or a float32 answer."""
VALUE_TOLERANCE = Tolerance(atol=1e-6, rtol=0.0)
"""The default (atol, rtol) of a "predict, then verify" answer
(:func:`course_utils.exercises.harness.check_value`): absolute only, since a predicted number is
typed or computed by the learner and judged against one exact value."""
EXACT = Tolerance(atol=0.0, rtol=0.0)
"""Counts (parameters, frames, FLOPs, nonzero gradients): an integer is right or wrong; 1480.0 still
equals 1480, since numbers are compared by value."""
BACKPROP = Tolerance(atol=1e-6, rtol=1e-5)
"""Backward passes (Exercises 4.4, 4.5, 5.4): float32 arithmetic is enough, a 0.5 % error is not."""
CLOSED_FORM = Tolerance(atol=1e-10, rtol=1e-8)
"""Probabilities and correlations from a few float64 operations (softmax with temperature, Pearson
r): any correct formulation agrees to about 1e-15 (``np.corrcoef`` differs from the reference by 3e-16)."""
WEIGHTS = Tolerance(atol=1e-12, rtol=1e-9)
"""Sampling weights of order 1/N that sum to 1 (Exercise 11.1): judged relatively, the absolute
floor far below the smallest weight (0.0086 in the cases)."""
CLIPPING = Tolerance(atol=1e-9, rtol=1e-5)
"""Gradient-norm clipping (Exercise 3.1): entries from 1e-4 to 1e2 are judged relatively; leaving out
PyTorch's 1e-6 in the norm's denominator (under 1e-7 relative on the cases) passes."""
FORMULA = Tolerance(atol=0.0, rtol=1e-6)
"""A closed-form float of a few tenths (the copy task's baseline in nats): relative only."""
HAND_COMPUTED = Tolerance(atol=1e-9, rtol=0.0)
"""A prediction worked out by hand from a table of one-decimal numbers (Exercise 11.3): absolute,
just enough for float rounding (0.1 + 0.2 != 0.3)."""
THREE_DIGITS = Tolerance(atol=0.0, rtol=1e-3)
"""A prediction that may be written as an expression or typed with three significant digits
(Exercise 3.2's answer rounded so is within 0.1 %)."""
ONE_PERCENT = Tolerance(atol=0.0, rtol=0.01)
"""A prediction a learner may round to three digits or check by a simulation with 10^6 samples,
whose standard error is about 0.25 % of the answer (Exercise 6.2)."""
TWO_PERCENT = Tolerance(atol=0.0, rtol=0.02)
"""A prediction from a classic integral, rounded to two digits (0.3 % off) or measured on a simulated
random walk of 100 000 steps (standard error about 0.25 %) (Exercise 8.4)."""
NAMED_TOLERANCES = {"FUNCTION_TOLERANCE": FUNCTION_TOLERANCE, "VALUE_TOLERANCE": VALUE_TOLERANCE, "EXACT": EXACT,
                    "BACKPROP": BACKPROP, "CLOSED_FORM": CLOSED_FORM, "WEIGHTS": WEIGHTS, "CLIPPING": CLIPPING,
                    "FORMULA": FORMULA, "HAND_COMPUTED": HAND_COMPUTED, "THREE_DIGITS": THREE_DIGITS,
                    "ONE_PERCENT": ONE_PERCENT, "TWO_PERCENT": TWO_PERCENT}
"""Every named tolerance above, by name: the only tolerances a checker passes."""


_FLOAT32 = np.dtype(np.float32)


def tolerance_for(requested: Tolerance, expected_dtype: Any, received_dtype: Any = None) -> Tolerance:
    """The tolerance a leaf whose reference has ``expected_dtype`` (and the learner's value
    ``received_dtype``, when given) is checked with.

    The one place the tolerance is loosened (the module docstring's dtype policy). An integer
    reference is held to ``requested``, the exercise's precision, and so is a float64 reference
    with a float64 answer. Each of ``atol`` and ``rtol`` is raised to at least
    :data:`LOW_PRECISION`'s value for the reference's dtype when it is float32 or float16 (the
    reference cannot be more precise than that), and to at least float32's when the learner's
    floats have fewer bits than a floating-point (or complex) reference's: a float32 answer is held
    to float32's precision, a float16 answer to float32's too, never to float16's. Raises TypeError
    for something that is not a dtype.
    """
    dtype = np.dtype(expected_dtype)
    if dtype.kind not in "fc":
        return requested
    low_atol, low_rtol = LOW_PRECISION.get(dtype, (0.0, 0.0))
    if received_dtype is not None and _fewer_bits(dtype, np.dtype(received_dtype)):
        f32_atol, f32_rtol = LOW_PRECISION[_FLOAT32]
        low_atol, low_rtol = max(low_atol, f32_atol), max(low_rtol, f32_rtol)
    return Tolerance(max(requested.atol, low_atol), max(requested.rtol, low_rtol))


def _fewer_bits(expected: np.dtype, received: np.dtype) -> bool:
    """The learner's floats have fewer bits than the reference's floats (each part of a complex one)."""
    if received.kind != "f" or expected.kind not in "fc":
        return False
    return received.itemsize < expected.itemsize // (2 if expected.kind == "c" else 1)


def loosest(tolerances: Any) -> Tolerance | None:
    """The tolerance to report for several checks: the component-wise maximum (the largest
    ``atol`` and the largest ``rtol``, which may come from different checks), None entries
    skipped; None when there is none."""
    given = [tolerance for tolerance in tolerances if tolerance is not None]
    if not given:
        return None
    return Tolerance(max(t.atol for t in given), max(t.rtol for t in given))


class Leaf(NamedTuple):
    """An expected value and the received one at the same place of the output.

    ``kind`` is ``"value"`` (arrays or numbers, both converted with ``np.asarray``) or
    ``"object"`` (anything else, compared with ``==``).
    """

    label: str
    expected: Any
    received: Any
    kind: str


@dataclass(frozen=True)
class LeafResult:
    """What :func:`value_problems` found for one leaf.

    ``problems``: sentences, empty when the leaf passed; ``tolerance``: the tolerance it was
    checked with (None for an integer or a non-numeric leaf); ``max_error``: its largest error
    when it passed (0.0 otherwise); ``notes``: remarks on a leaf that passed.
    """

    problems: tuple[str, ...] = ()
    tolerance: Tolerance | None = None
    max_error: float = 0.0
    notes: tuple[str, ...] = ()


@dataclass
class Result:
    """Everything :func:`compare` found.

    ``wrong_type``: the first structural problem (None when the structure matches; then
    ``problems``, ``hints`` and ``notes`` are empty); ``problems``: one or more sentences per
    wrong leaf, in walking order; ``hints``: swap hints across leaves; ``notes``: remarks on
    leaves that passed; ``max_error``: the largest error among the leaves that passed;
    ``tolerance``: the loosest tolerance a floating-point leaf was checked with (None when
    there was none).
    """

    problems: list[str] = field(default_factory=list)
    wrong_type: str | None = None
    notes: list[str] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)
    max_error: float = 0.0
    tolerance: Tolerance | None = None


def _is_number(value: Any) -> bool:
    return isinstance(value, (numbers.Number, np.number, np.bool_)) or (
        isinstance(value, np.ndarray) and value.ndim == 0)


def _to_array(value: Any) -> np.ndarray:
    if is_tensor(value):
        value = value.detach().cpu().numpy()
    return np.asarray(value)


def describe(value: Any) -> str:
    """A short, machine-independent description: ``array (3, 4)``, ``a list of 2 items``, ``0.5``."""
    if isinstance(value, np.ndarray) and value.ndim > 0:
        extra = "" if value.dtype == np.float64 else f" {value.dtype}"
        return f"array {value.shape}{extra}"
    if is_tensor(value):
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
    if isinstance(value, np.ndarray) or is_tensor(value):
        return np.array2string(_to_array(value), precision=4, threshold=12, separator=", ")
    return describe(value)


def error_bound(max_error: float, tolerance: Tolerance) -> str:
    """How a correct answer's error is shown: a fixed bound, never the machine-dependent error."""
    if max_error < EXACT_BOUND:
        return f"max error < {EXACT_BOUND:g}"
    return f"every value within the tolerance atol={tolerance.atol:g}, rtol={tolerance.rtol:g}"


# --- 1. structure -------------------------------------------------------------------------------

class _Wrong(NamedTuple):
    message: str


def pair_leaves(expected: Any, received: Any, name: str, output_names: Any) -> tuple[list[Leaf], str | None]:
    """The leaves of ``expected`` paired with ``received``'s, and the first structural problem.

    ``name`` is the learner's function (for "did you forget the `return` line?");
    ``output_names`` mirrors the output's structure (a string names a value, a sequence names
    the items of a tuple) and labels the leaves. The second item is None when the structures
    match; otherwise the leaves are incomplete and must not be compared.
    """
    leaves, wrong = [], None
    for item in _walk(name, expected, received, "the output", output_names, True):
        if isinstance(item, _Wrong):
            wrong = wrong or item.message
        else:
            leaves.append(item)
    return leaves, wrong


def _walk(fname: str, exp: Any, rec: Any, label: str, names: Any, top: bool) -> Iterator[Leaf | _Wrong]:
    if isinstance(names, str):
        label, names = names, None
    if exp is None:
        if rec is not None:
            yield _Wrong(f"{label} should be None but is {describe(rec)}.")
    elif rec is None:
        yield _Wrong(f"{fname} returned None: did you forget the `return` line?" if top else
                     f"{label} is None: did you forget to compute or return it?")
    elif isinstance(exp, (tuple, list)):
        yield from _walk_sequence(fname, exp, rec, label, names, top)
    elif isinstance(exp, dict):
        yield from _walk_dict(fname, exp, rec, label)
    elif isinstance(exp, np.ndarray) or _is_number(exp) or is_tensor(exp):
        yield _leaf(exp, rec, label)
    elif not _values_equal(exp, rec):
        yield Leaf(label, exp, rec, "object")


def _walk_sequence(fname, exp, rec, label, names, top) -> Iterator[Leaf | _Wrong]:
    listed = f" ({', '.join(n if isinstance(n, str) else '...' for n in names)})" if names else ""
    what = f"{fname} should return" if top else f"{label} should be"
    if (isinstance(rec, np.ndarray) and rec.ndim == 1 and len(rec) == len(exp)
            and all(_is_number(e) for e in exp)):  # (p, r) returned as np.array([p, r]): same numbers
        rec = list(rec)
    if not isinstance(rec, (tuple, list)):
        yield _Wrong(f"{what} {len(exp)} values{listed}, but {'it returned' if top else 'it is'} "
                     f"{describe(rec)}. Return several values separated by commas, e.g. `return h, c`.")
        return
    if len(rec) != len(exp):
        yield _Wrong(f"{what} {len(exp)} values{listed}, but {'it returned' if top else 'it has'} {len(rec)}.")
        return
    for i, (e, r) in enumerate(zip(exp, rec)):
        sub = names[i] if names is not None and i < len(names) else None
        yield from _walk(fname, e, r, f"output {i + 1}" if top else f"{label}[{i}]", sub, False)


def _walk_dict(fname, exp, rec, label) -> Iterator[Leaf | _Wrong]:
    if not isinstance(rec, dict):
        yield _Wrong(f"{label} should be a dict with keys {', '.join(map(str, exp))} but is {describe(rec)}.")
        return
    missing, extra = [k for k in exp if k not in rec], [k for k in rec if k not in exp]
    if missing or extra:
        parts = ([f"missing {', '.join(map(repr, missing))}"] if missing else []) + (
            [f"unexpected {', '.join(map(repr, extra))}"] if extra else [])
        yield _Wrong(f"{label} has the wrong keys: {'; '.join(parts)}.")
        return
    for key in exp:
        yield from _walk(fname, exp[key], rec[key], f"{label}[{key!r}]", None, False)


def _leaf(exp, rec, label) -> Leaf | _Wrong:
    """An array, number or tensor leaf: a :class:`Leaf` to compare, or why the types differ."""
    if is_tensor(exp) and not is_tensor(rec):
        return _Wrong(f"{label} should be a torch.Tensor but is {describe(rec)}.")
    if is_tensor(rec) and not is_tensor(exp) and _is_number(exp):
        if rec.numel() == 1:
            return _Wrong(f"{label} is a torch.Tensor but should be a number: convert it with `.item()`.")
        return _Wrong(f"{label} is a torch.Tensor of shape {tuple(rec.shape)} but should be a single number.")
    if _is_number(exp):
        if isinstance(rec, np.ndarray) and rec.size == 1 and rec.ndim > 0:
            return _Wrong(f"{label} should be a single number but is an array of shape {rec.shape}: "
                          "use `.item()`, or drop `keepdims=True`.")
        if not _is_number(rec):
            return _Wrong(f"{label} should be a single number but is {describe(rec)}.")
        return Leaf(label, _to_array(exp), _to_array(rec), "value")
    if is_tensor(rec) and not is_tensor(exp):
        return _Wrong(f"{label} is a torch.Tensor but should be a NumPy array: convert it with "
                      "`.detach().numpy()`.")
    if isinstance(rec, (list, tuple)):
        return _Wrong(f"{label} is {describe(rec)} but should be a NumPy array of shape "
                      f"{_to_array(exp).shape}: use NumPy operations, or np.stack / np.array.")
    if not isinstance(rec, np.ndarray) and not is_tensor(rec):
        return _Wrong(f"{label} should be an array of shape {_to_array(exp).shape} but is {describe(rec)}.")
    return Leaf(label, _to_array(exp), _to_array(rec), "value")


def _values_equal(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except Exception:
        return False


# --- 3. values ----------------------------------------------------------------------------------

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


def _tolerance_text(tol: Tolerance) -> str:
    return f"atol={tol.atol:g}, rtol={tol.rtol:g}"


def _precision_note(exp: np.ndarray, rec: np.ndarray, tol: Tolerance) -> str:
    """A sentence for a wrong leaf whose floats have fewer bits than the reference's."""
    if not _fewer_bits(exp.dtype, rec.dtype):
        return ""
    if rec.dtype.itemsize < _FLOAT32.itemsize:
        return (f" It has dtype {rec.dtype}, which keeps about 3 significant digits; answers are checked to "
                f"float32's precision at best ({_tolerance_text(tol)}), so compute in float32 or float64.")
    return (f" It has dtype {rec.dtype} and was checked to {rec.dtype}'s precision ({_tolerance_text(tol)}), so "
            f"{rec.dtype} rounding does not explain the difference.")


def _passed_note(label: str, exp: np.ndarray, rec: np.ndarray, requested: Tolerance, tol: Tolerance) -> tuple:
    """The note of a leaf that passed with floats of fewer bits than the reference's."""
    if not _fewer_bits(exp.dtype, rec.dtype):
        return ()
    exercise = tolerance_for(requested, exp.dtype)
    if tol == exercise:
        return (f"Note: {label} has dtype {rec.dtype} but the reference uses {exp.dtype}; it passed at the "
                "exercise's precision all the same.",)
    return (f"Note: {label} has dtype {rec.dtype}, so it was checked to {rec.dtype}'s precision "
            f"({_tolerance_text(tol)}) rather than the exercise's ({_tolerance_text(exercise)}); compute in "
            f"{exp.dtype} (NumPy's default) for the full precision.",)


def _distinct(expected: Any, received: Any) -> tuple[str, str]:
    """Two different floats, each with the fewest significant digits (4 at least) that tell them apart;
    other values as :func:`describe_value` shows them."""
    e, r = describe_value(expected), describe_value(received)
    if e != r or np.iscomplexobj(expected) or np.iscomplexobj(received):
        return e, r
    try:
        x, y = float(expected), float(received)
    except (TypeError, ValueError):
        return e, r
    for digits in range(5, 18):  # '#' keeps trailing zeros: 0.4025970, not 0.402597
        if f"{x:#.{digits}g}" != f"{y:#.{digits}g}":
            return f"{x:#.{digits}g}", f"{y:#.{digits}g}"
    return e, r


def value_problems(label: str, exp: np.ndarray, rec: np.ndarray, requested: Tolerance, check_dtype: bool,
                   reveal: bool = True) -> LeafResult:
    """Compare one leaf's values (both arrays, as :func:`pair_leaves` gives them).

    The tests run in the order of the module docstring (step 3) and stop at the first that
    fails. ``requested`` is the exercise's tolerance (see :func:`tolerance_for`);
    ``check_dtype`` makes an integer/float mismatch a problem; ``reveal=False`` leaves the
    expected values out of the sentences. The returned tolerance is set for every leaf whose
    reference is floating-point or complex, passed or not.
    """
    if rec.shape != exp.shape:
        return LeafResult((f"{label} has shape {rec.shape} but should have shape {exp.shape}."
                           f"{_shape_hint(exp, rec)}",))
    ek, rk = exp.dtype.kind, rec.dtype.kind
    if check_dtype and ek == "f" and rk in "biu":  # only for exercises about the type
        return LeafResult((f"{label} holds integers (dtype {rec.dtype}) but should hold floating-point numbers.",))
    if check_dtype and ek in "biu" and rk not in "biu":
        return LeafResult((f"{label} should hold integers but has dtype {rec.dtype}.",))
    if rk not in "biufc" or ek not in "biufc":
        return LeafResult((f"{label} has dtype {rec.dtype}, which cannot be compared with the expected "
                           f"{exp.dtype}.",))
    tol = tolerance_for(requested, exp.dtype, rec.dtype)
    reported = tol if ek in "fc" else None
    complex_ = "c" in ek + rk
    e, r = exp.astype(np.complex128 if complex_ else np.float64), rec.astype(np.complex128 if complex_ else np.float64)
    bad_values = ~np.isfinite(r) & np.isfinite(e)
    if bad_values.any():
        return LeafResult((f"{label} contains {int(bad_values.sum())} NaN or infinite value(s): look for an "
                           "overflow (np.exp of a large number) or a division by zero.",), reported)
    with np.errstate(all="ignore"):  # inf - inf where both overflowed: masked out below
        close = np.isclose(r, e, atol=tol.atol, rtol=tol.rtol, equal_nan=True)
        diff = np.where(np.isfinite(e) & np.isfinite(r), np.abs(r - e), 0.0)
    if close.all():
        return LeafResult((), reported, float(diff.max(initial=0.0)), _passed_note(label, exp, rec, requested, tol))
    if not reveal:
        if exp.ndim == 0:
            return LeafResult((f"{label} is not right yet.",), reported)
        return LeafResult((f"{label} has wrong values: {int((~close).sum())} of {exp.size} entries differ.",),
                          reported)
    idx = np.unravel_index(int(np.argmax(np.where(close, -1.0, diff))), diff.shape)
    shown_e, shown_r = _distinct(exp[idx] if ek in "biu" else e[idx], rec[idx] if rk in "biu" else r[idx])
    if exp.ndim == 0:
        problem = (f"{label} is wrong (expected {shown_e}, received {shown_r})." if ek in "biu" else
                   f"{label} has the wrong value: it differs by {float(diff[idx]):.3g} (expected "
                   f"{shown_e}, received {shown_r}).")
    else:
        problem = (f"{label} has wrong values: {int((~close).sum())} of {exp.size} entries differ, the largest "
                   f"by {float(diff[idx]):.3g} at index {tuple(int(i) for i in idx)} (expected "
                   f"{shown_e}, received {shown_r}).")
    if ek in "fc" and rk in "biu":
        problem += (f" It holds integers (dtype {rec.dtype}): an integer division or an integer array may "
                    "have cut off the fractions.")
    return LeafResult((problem + _value_hint(e, r, tol) + _precision_note(exp, rec, tol),), reported)


def _value_hint(e: np.ndarray, r: np.ndarray, tol: Tolerance) -> str:
    """At most one hint for wrong values: opposite sign, else the transpose, else a constant factor."""
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


# --- the pipeline -------------------------------------------------------------------------------

def compare(expected: Any, received: Any, *, name: str, output_names: Any, tolerance: Tolerance,
            check_dtype: bool = False, reveal: bool = True) -> Result:
    """Everything that differs between ``received`` and ``expected``, in the module docstring's order.

    Numbers are compared by value whatever their type (``check_dtype=True``, for an exercise
    about types, makes an integer/float mismatch a problem). ``reveal=False`` leaves the
    expected values out of the problems and gives no swap hints (for predictions).
    """
    with np.errstate(all="ignore"):  # overflowing answers are reported in words, not as warnings
        leaves, wrong_type = pair_leaves(expected, received, name, output_names)
        if wrong_type:
            return Result(wrong_type=wrong_type)
        result, wrong, used = Result(), [], []
        for leaf in leaves:
            if leaf.kind == "object":
                found = LeafResult((f"{leaf.label} should be {describe(leaf.expected)} but is "
                                    f"{describe(leaf.received)}.",))
            else:
                found = value_problems(leaf.label, leaf.expected, leaf.received, tolerance, check_dtype, reveal)
            if found.problems:
                wrong.append(leaf.label)
            result.problems += found.problems
            result.notes += found.notes
            result.max_error = max(result.max_error, found.max_error)
            used.append(found.tolerance)
        result.tolerance = loosest(used)
        if reveal:
            result.hints = swap_hints(leaves, wrong, tolerance)
        return result


# --- 4. across leaves ---------------------------------------------------------------------------

def swap_hints(leaves: list[Leaf], wrong: list[str], tolerance: Tolerance) -> list[str]:
    """Hints for a wrong leaf (label in ``wrong``) whose received value is another leaf's expected one.

    Two wrong leaves that hold each other's expected values "look swapped"; otherwise the
    wrong leaf "equals what ... should be". Leaves that are expected to be equal are skipped
    (a match between them proves nothing). Uses the exercise's tolerance, unloosened. Two
    values match only when their shapes are equal and both are numbers (:func:`_close`): no
    broadcasting, and a string or object array matches nothing, so this never raises.
    """
    arrays = {leaf.label: (leaf.expected, leaf.received) for leaf in leaves if leaf.kind == "value"}
    hints, done = [], set()
    for a in wrong:
        for b in arrays:
            if a == b or a not in arrays or (b, a) in done:
                continue
            (exp_a, rec_a), (exp_b, rec_b) = arrays[a], arrays[b]
            if _close(exp_a, exp_b, tolerance):  # the two should be equal: equal values prove nothing
                continue
            if _close(rec_a, exp_b, tolerance):
                done.add((a, b))
                if b in wrong and (b, a) not in done and _close(rec_b, exp_a, tolerance):
                    hints.append(f"{a} and {b} look swapped: return them in the expected order.")
                    done.add((b, a))
                else:
                    hints.append(f"{a} equals what {b} should be: did you return the wrong variable?")
    return hints


def _close(a: np.ndarray, b: np.ndarray, tolerance: Tolerance) -> bool:
    """Same shape, both numeric (complex compared as complex) and every value close: no broadcasting."""
    if a.shape != b.shape or a.dtype.kind not in "biufc" or b.dtype.kind not in "biufc":
        return False
    as_type = np.complex128 if "c" in a.dtype.kind + b.dtype.kind else np.float64
    return bool(np.allclose(a.astype(as_type), b.astype(as_type), atol=tolerance.atol, rtol=tolerance.rtol,
                            equal_nan=True))


def matches(expected: Any, received: Any, tolerance: Tolerance) -> bool:
    """True when ``received`` has the structure of ``expected`` and every value is close.

    Computes no hints (it is how a catalogued mistake is tested against the learner's output).
    """
    result = compare(expected, received, name="", output_names=None, tolerance=tolerance, check_dtype=False,
                     reveal=False)
    return not result.wrong_type and not result.problems
