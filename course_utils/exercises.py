"""The exercise harness: compare a learner's answer with the reference and explain the difference.

Every checker in :mod:`course_utils.check` is built on two functions:

* :func:`check_function` runs the learner's function and the reference on several cases and
  says in plain words which output is wrong (shape, type or values), adding the hint of any
  known :class:`Mistake` whose output the learner's reproduces.
* :func:`check_value` checks a "predict, then verify" answer.

Both return a :class:`Feedback`, which displays as deterministic plain text (no timings, errors
of correct answers shown only as a bound), so notebooks that store it pass strict nbval on any
machine. A stub that raises ``NotImplementedError`` (or an answer left as ``...``) gives
"not attempted yet"; exceptions, wrong types and endless loops are reported, never raised.

Every :class:`Mistake` created while a checker module is imported is recorded in
:data:`MISTAKES`; :func:`registered_mistakes` lists them for the instructor guide.
"""
from __future__ import annotations

import copy
import sys
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from . import compare
from .sandbox import TimeLimitExceeded, call_with_time_limit, learner_line

STATUSES = ("correct", "incorrect", "not attempted", "error", "timeout", "wrong type")
HEADLINES = {
    "correct": "correct.",
    "incorrect": "not correct yet.",
    "not attempted": "not attempted yet.",
    "error": "your code raised an error.",
    "timeout": "your code did not finish in time.",
    "wrong type": "your code returned the wrong type.",
}
CHECKER_PACKAGE = "course_utils.check"
DEFAULT_TIME_LIMIT = 10.0


@dataclass
class Mistake:
    """A known wrong implementation (same signature as the reference) and the hint it deserves."""

    hint: str
    implementation: Callable
    module: str = field(default="", init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:  # the module whose code created this Mistake (frame 0: here, 1: __init__, 2: caller)
            self.module = sys._getframe(2).f_globals.get("__name__", "")
        except (AttributeError, ValueError):  # pragma: no cover - non-CPython
            self.module = getattr(self.implementation, "__module__", "") or ""
        MISTAKES.append(self)


MISTAKES: list[Mistake] = []


def registered_mistakes(package: str = CHECKER_PACKAGE) -> dict[str, list[Mistake]]:
    """Mistakes defined by the checker modules, grouped by module (``course_utils.check.rnn`` ...).

    Imports ``package`` first so that every checker module has registered its mistakes. Each
    hint appears once, in the order the modules defined them; modules no longer in
    ``sys.modules`` are left out.
    """
    __import__(package)
    groups: dict[str, list[Mistake]] = {}
    seen: set[tuple[str, str]] = set()
    for mistake in MISTAKES:
        current = mistake.module.startswith(package + ".") and mistake.module in sys.modules
        if current and (mistake.module, mistake.hint) not in seen:
            seen.add((mistake.module, mistake.hint))
            groups.setdefault(mistake.module, []).append(mistake)
    return groups


class Feedback:
    """What a checker says: ``status``, ``passed`` and plain-language ``messages``.

    Displays as plain text (``repr``/``str``), e.g.::

        lstm_step: not correct yet.
          Case 2 of 3 (x_t: array (2, 3), h_prev: array (2, 4), ...):
          - c has the wrong values: max error 0.412 at index (1, 0) (expected 0.153, received 0.565).
          Hint: the cell state adds the gated candidate to the gated old state: c = f * c_prev + i * g.
    """

    def __init__(self, status: str, messages: Sequence[str] = (), name: str = "exercise"):
        if status not in STATUSES:
            raise ValueError(f"status should be one of {STATUSES}, got {status!r}")
        self.status, self.messages, self.name = status, list(messages), name

    @property
    def passed(self) -> bool:
        return self.status == "correct"

    @property
    def text(self) -> str:
        lines = [f"{self.name}: {HEADLINES[self.status]}"]
        for message in self.messages:
            lines += ["  " + line for line in message.splitlines()]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.text

    __str__ = __repr__

    def _repr_pretty_(self, printer, cycle) -> None:  # IPython: same text, no quoting
        printer.text(self.text)


def _copy(value: Any) -> Any:
    try:
        return copy.deepcopy(value)
    except Exception:  # an object that cannot be deep-copied is passed as is
        return value


def _call(fn: Callable, args: tuple, kwargs: dict, time_limit: float) -> Any:
    with np.errstate(all="ignore"):
        return call_with_time_limit(fn, _copy(tuple(args)), _copy(dict(kwargs)), time_limit)


def _case_label(index: int, total: int, args: tuple, kwargs: dict, arg_names: Sequence[str]) -> str:
    parts = [f"{arg_names[i] if i < len(arg_names) else f'arg {i + 1}'}: {compare.describe(a)}"
             for i, a in enumerate(args)]
    parts += [f"{key}: {compare.describe(value)}" for key, value in kwargs.items()]
    if total == 1 and not parts:
        return "Your answer"
    return f"Case {index + 1} of {total}" + (f" ({', '.join(parts)})" if parts else "")


def _argument_names(fn: Callable) -> list[str]:
    code = getattr(fn, "__code__", None)
    return list(code.co_varnames[:code.co_argcount]) if code is not None else []


def _failure_feedback(exc: BaseException, name: str, case: str, time_limit: float) -> Feedback:
    if isinstance(exc, NotImplementedError):
        return Feedback("not attempted", [f"{name} still raises NotImplementedError: replace that line "
                                          "with your code, run the cell, then run this check again."], name)
    if isinstance(exc, TimeLimitExceeded):
        return Feedback("timeout", [f"{case}: {name} was stopped after {time_limit:g} s.",
                                    "Look for a loop that never ends, e.g. a `while` whose condition "
                                    "never changes, or a loop over an index you forgot to advance."], name)
    message = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    lines = [f"{case}: {name} raised {message}"]
    where = learner_line(exc)
    if where:
        lines.append(f"It happened {where}")
    return Feedback("error", lines, name)


def check_function(fn: Callable, reference: Callable, cases, *, name: str, output_names=None,
                   atol: float = 1e-8, rtol: float = 1e-6, mistakes: Sequence[Mistake] = (),
                   time_limit: float = DEFAULT_TIME_LIMIT) -> Feedback:
    """Compare ``fn`` with ``reference`` on every case; explain the first difference found.

    ``cases``: a list (or a function returning a list) of ``(args, kwargs)``; the arguments are
    deep-copied before every call, so an in-place change by one function cannot affect another.
    Outputs may be arrays, numbers, torch tensors, and tuples/lists/dicts of them (nested).
    ``output_names`` mirrors the output's structure: a string names a value (or a whole dict),
    a sequence names the items of a tuple, e.g. ``("dx", ("dh_prev", "dc_prev"), "grads")``.
    Float outputs are compared with ``atol``/``rtol``, loosened to the precision of float32 when
    the learner or the reference returns float32. ``time_limit`` is in seconds per call.
    """
    if fn is None or fn is Ellipsis:
        return Feedback("not attempted", [f"{name} is not defined yet."], name)
    if not callable(fn):
        return Feedback("wrong type", [f"{name} should be a function, but got {compare.describe(fn)}."], name)
    cases = list(cases() if callable(cases) else cases)
    arg_names, worst, notes = _argument_names(reference), 0.0, []
    tolerance = used = compare.Tolerance(atol, rtol)
    for index, (args, kwargs) in enumerate(cases):
        case = _case_label(index, len(cases), args, kwargs, arg_names)
        expected = _call(reference, args, kwargs, 0)
        try:
            received = _call(fn, args, kwargs, time_limit)
        except (Exception, TimeLimitExceeded) as exc:
            return _failure_feedback(exc, name, case, time_limit)
        try:
            result = compare.compare(expected, received, name=name, output_names=output_names,
                                     tolerance=tolerance)
        except Exception as exc:  # an exotic return value: report it, never crash the learner's cell
            return Feedback("wrong type", [f"{case}: could not compare {compare.describe(received)} with the "
                                           f"expected {compare.describe(expected)} ({type(exc).__name__})."], name)
        if result.wrong_type:
            return Feedback("wrong type", [f"{case}: {result.wrong_type}"], name)
        notes += [n for n in result.notes if n not in notes]
        if result.problems:
            lines = [f"{case}:"] + [f"- {p}" for p in result.problems]
            lines += [f"Hint: {h}" for h in result.hints]
            lines += _mistake_hints(received, args, kwargs, mistakes, tolerance)
            return Feedback("incorrect", lines, name)
        worst = max(worst, result.max_error)
        if result.tolerance is not None and result.tolerance.atol > used.atol:
            used = result.tolerance
    bound = compare.error_bound(worst, used)
    summary = (f"All {len(cases)} test cases match the reference ({bound})." if len(cases) > 1
               else f"Your answer matches the reference ({bound}).")
    return Feedback("correct", [summary] + notes, name)


def _mistake_hints(received, args, kwargs, mistakes, tolerance) -> list[str]:
    for mistake in mistakes:
        try:
            wrong = _call(mistake.implementation, args, kwargs, 0)
        except Exception:
            continue
        if compare.matches(wrong, received, tolerance):
            return [f"Hint: {mistake.hint}"]
    return []


def check_value(received: Any, expected: Any, *, name: str, atol: float = 1e-6, rtol: float = 0.0,
                hint_if_wrong: str | None = None) -> Feedback:
    """Check a "predict, then verify" answer (a number, string, bool, array or tuple of them).

    ``None`` or ``...`` (what the student edition leaves) means "not attempted yet". Strings are
    compared ignoring case and surrounding spaces; numbers with ``|received - expected| <=
    atol + rtol * |expected|``.
    """
    if received is None or received is Ellipsis:
        return Feedback("not attempted", [f"Replace `...` with your prediction for {name}, "
                                          "run the cell, then run this check again."], name)
    if isinstance(expected, str):
        ok = isinstance(received, str) and received.strip().lower() == expected.strip().lower()
        result = compare.Result(problems=[] if ok else ["different answer"])
    else:
        result = compare.compare(expected, received, name=name, output_names=None,
                                 tolerance=compare.Tolerance(atol, rtol), check_dtype=False)
    if result.wrong_type:
        return Feedback("wrong type", [result.wrong_type], name)
    shown = compare.describe_value(expected)
    if not result.problems:
        return Feedback("correct", [f"Your answer matches: {shown}."], name)
    lines = [f"You answered {compare.describe_value(received)}; the right answer is {shown}."]
    if hint_if_wrong:
        lines.append(f"Hint: {hint_if_wrong}")
    return Feedback("incorrect", lines, name)
