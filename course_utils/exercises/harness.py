"""The exercise harness: compare a learner's answer with the reference and explain the difference.

Every checker in :mod:`course_utils.exercises.check` is built on two functions:

* :func:`check_function` runs the learner's function and the reference on several cases and
  says in plain words which output is wrong (shape, type or values), adding the hint of any
  known :class:`Mistake` whose output the learner's reproduces.
* :func:`check_value` checks a "predict, then verify" answer.

Both return a :class:`Feedback`, which displays as deterministic plain text (no timings, errors
of correct answers shown only as a bound), so notebooks that store it pass strict nbval on any
machine. A stub that raises ``NotImplementedError`` (or an answer left as ``...``) gives
"not attempted yet"; exceptions, ``sys.exit()``, wrong types and endless loops are reported,
never raised: the learner's calls run in a forked child process that is killed at the time
limit (see :mod:`course_utils.exercises.sandbox`; ``Feedback.seconds`` holds the time they took).

Numbers are judged by value whatever their type; tolerances are the exercise's (a float32 answer
is held to float32's precision, see :mod:`course_utils.exercises.compare`); a catalogued
mistake's hint is given only when the mistake reproduces the learner's output on every case; a
function that changes its input arrays in place gets a note saying which (never a failure).
Checkers are registered with :func:`exercise` (``@exercise("1.2")``), which gives each of them
the options ``reveal=True`` and ``time_limit=``; a "predict, then verify" exercise shows its
answer only when asked (``reveal=True`` or :func:`reveal`).

Every checker module declares the :class:`Mistake` objects its checkers recognise in a
module-level ``MISTAKES`` list; :func:`course_utils.exercises.check.registered_mistakes` collects
them for the instructor guide. The harness knows nothing of the checker package (the package
imports the harness, never the other way round).
"""
from __future__ import annotations

import ast
import contextvars
import copy
import functools
import inspect
import textwrap
from dataclasses import dataclass, replace
from typing import Any, Callable, Sequence

import numpy as np

from course_utils._checks import is_tensor
from course_utils.exercises import compare
from course_utils.exercises.sandbox import ErrorInfo, _Unpicklable, run_isolated

__all__ = ["STATUSES", "HEADLINES", "DEFAULT_TIME_LIMIT", "Mistake", "Feedback", "EXERCISES", "exercise",
           "reveal", "check_function", "check_value"]

STATUSES = ("correct", "incorrect", "not attempted", "error", "timeout", "wrong type", "revealed")
HEADLINES = {
    "correct": "correct.",
    "incorrect": "not correct yet.",
    "not attempted": "not attempted yet.",
    "error": "your code raised an error.",
    "timeout": "your code did not finish in time.",
    "wrong type": "your code returned the wrong type.",
    "revealed": "the answer, as you asked.",
}
DEFAULT_TIME_LIMIT = 10.0


@dataclass(frozen=True)
class Mistake:
    """A known wrong implementation (same signature as the reference) and the hint it deserves.

    Each checker module lists its mistakes per checker (``LSTM_MISTAKES = [...]``, passed as
    ``check_function(..., mistakes=LSTM_MISTAKES)``) and declares them all in its module-level
    ``MISTAKES`` list, which :func:`course_utils.exercises.check.registered_mistakes` reads for the
    instructor guide.
    """

    hint: str
    implementation: Callable


@dataclass(frozen=True, eq=False)
class Feedback:
    """What a checker says: ``status``, ``passed`` and plain-language ``messages``.

    Displays as plain text (``repr``/``str``), e.g.::

        lstm_step: not correct yet.
          Case 2 of 3 (x_t: array (2, 3), h_prev: array (2, 4), ...):
          - c has the wrong values: max error 0.412 at index (1, 0) (expected 0.153, received 0.565).
          Hint: the cell state adds the gated candidate to the gated old state: c = f * c_prev + i * g.

    Frozen: ``messages`` is a tuple, and what adds a message (the learner's printed output, a
    checker's note) builds a new Feedback with :func:`dataclasses.replace`. ``seconds`` is the
    wall time of the learner's calls (not shown: it varies by machine). Raises ValueError for a
    ``status`` not in :data:`STATUSES`.
    """

    status: str
    messages: tuple[str, ...] = ()
    name: str = "exercise"
    seconds: float | None = None

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"status should be one of {STATUSES}, got {self.status!r}")
        object.__setattr__(self, "messages", tuple(self.messages))

    @property
    def passed(self) -> bool:
        """True when the answer is correct."""
        return self.status == "correct"

    @property
    def text(self) -> str:
        """What the check cell shows: the headline, then each message indented by two spaces."""
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


def _call(fn: Callable, args: tuple, kwargs: dict) -> Any:
    """A trusted call (the reference, a catalogued mistake) on copies of the arguments."""
    with np.errstate(all="ignore"):
        return fn(*_copy(tuple(args)), **_copy(dict(kwargs)))


def _changed(before: Any, after: Any) -> bool:
    """True when ``after``, an argument after the learner's call, differs from ``before``, its copy
    from before the call: arrays and tensors by shape, dtype and values, lists, tuples and dicts
    item by item. Any other object counts as unchanged (it has no value to compare)."""
    try:
        if is_tensor(before) and is_tensor(after):
            before, after = before.detach().cpu().numpy(), after.detach().cpu().numpy()
        if isinstance(before, np.ndarray) and isinstance(after, np.ndarray):
            if before.shape != after.shape or before.dtype != after.dtype:
                return True
            numeric = before.dtype.kind in "biufc"
            return not np.array_equal(before, after, equal_nan=numeric)
        if isinstance(before, (list, tuple)) and isinstance(after, (list, tuple)):
            return len(before) != len(after) or any(_changed(b, a) for b, a in zip(before, after))
        if isinstance(before, dict) and isinstance(after, dict):
            return before.keys() != after.keys() or any(_changed(before[k], after[k]) for k in before)
    except Exception:  # an exotic value: no note rather than a crash
        return False
    return False


def _watching(fn: Callable) -> Callable:
    """``fn`` returning ``(value, changed)``: ``changed`` lists the positions (ints) and keywords
    (strings) of the arguments it changed in place. Runs where the learner's call runs (the
    forked child), so the comparison sees the child's arrays."""
    def watched(*args, **kwargs):
        before_args, before_kwargs = _copy((args, kwargs))
        value = fn(*args, **kwargs)
        changed: list = [i for i, (b, a) in enumerate(zip(before_args, args)) if _changed(b, a)]
        changed += [k for k, v in kwargs.items() if k in before_kwargs and _changed(before_kwargs[k], v)]
        return value, changed
    return watched


def _in_place_note(names: Sequence[str]) -> str:
    shown = [f"`{n}`" for n in names]
    listed = shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]
    inputs = "input" if len(names) == 1 else "inputs"
    return (f"Note: your function changed its {inputs} {listed} in place, so the caller's "
            f"{'array' if len(names) == 1 else 'arrays'} changed too (an operation such as `x -= m`, `x /= t`, "
            "`x[...] = v` or `np.exp(x, out=x)` writes into the array it was given). Write `x = x - m`, which makes "
            "a new array, or work on `x.copy()`.")


# --- options of a checker call: reveal=..., time_limit=... ---------------------------------------

@dataclass
class _Options:
    number: str | None = None
    checker: str | None = None
    reveal: bool = False
    time_limit: float | None = None


_OPTIONS: contextvars.ContextVar[_Options] = contextvars.ContextVar("exercise_options", default=_Options())
EXERCISES: dict[str, Callable] = {}
"""Every checker decorated with :func:`exercise`, by exercise number (``"1.2"``)."""


def exercise(number: str):
    """Register a checker as Exercise ``number`` and give it the options every checker takes.

    The decorated checker is called as ``checker(answer, *, reveal=False, time_limit=None)``:
    ``reveal=True`` shows the right answer of a prediction exercise (it is never shown
    otherwise); ``time_limit`` (seconds, default :data:`DEFAULT_TIME_LIMIT`) bounds the total
    time of the learner's calls.
    """
    def register(checker: Callable) -> Callable:
        @functools.wraps(checker)
        def run(answer=None, *, reveal: bool = False, time_limit: float | None = None):
            token = _OPTIONS.set(_Options(number, checker.__name__, bool(reveal), time_limit))
            try:
                return checker(answer)
            finally:
                _OPTIONS.reset(token)

        run.exercise_number = number
        EXERCISES[number] = run
        return run
    return register


def reveal(number: str) -> "Feedback":
    """The right answer of prediction exercise ``number`` (``check.reveal("1.2")``).

    Raises ValueError for a number that has no checker (the message lists those that have one).
    """
    number = str(number).strip()
    if number not in EXERCISES:
        known = ", ".join(sorted(EXERCISES, key=lambda n: tuple(int(p) for p in n.split("."))))
        raise ValueError(f"number should be an exercise with a checker ({known}), got {number!r}")
    return EXERCISES[number](None, reveal=True)


def _reveal_instruction(name: str) -> str:
    options = _OPTIONS.get()
    if options.number:
        return (f"Try again, or see the right answer with `check.reveal(\"{options.number}\")` "
                f"(or `check.{options.checker}(..., reveal=True)`).")
    return "Try again, or see the right answer by calling this check with `reveal=True`."


# --- feedback ---------------------------------------------------------------------------------

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


def _seconds(value: float) -> str:
    return f"{value:.1f} s"


def _timeout_feedback(name: str, case: str, time_limit: float, used: float) -> Feedback:
    return Feedback("timeout", [f"{case}: {name} was stopped after {_seconds(used)} (the time limit is "
                                f"{time_limit:g} s).",
                                "Look for a loop that never ends, e.g. a `while` whose condition never "
                                "changes, or a loop over an index you forgot to advance; a bare `except:` "
                                "inside a loop also hides the interrupt."], name, seconds=used)


def _error_feedback(error: ErrorInfo, name: str, case: str, used: float) -> Feedback:
    if error.not_implemented:
        return Feedback("not attempted", [f"{name} still raises NotImplementedError: replace that line "
                                          "with your code, run the cell, then run this check again."],
                        name, seconds=used)
    if error.is_exit:
        lines = [f"{case}: {name} called sys.exit() (or exit() / quit()), which ends the whole program. "
                 "Return the value instead."]
    else:
        message = f"{error.type_name}: {error.message}" if error.message else error.type_name
        lines = [f"{case}: {name} raised {message}"]
    if error.where:
        lines.append(f"It happened {error.where}")
    return Feedback("error", lines, name, seconds=used)


def _fits(mistake: Mistake, cases, expected, received, tolerance) -> bool:
    """The mistake reproduces every output the learner returned, and differs from the reference."""
    differs = False
    for (args, kwargs), exp, rec in zip(cases, expected, received):
        try:
            wrong = _call(mistake.implementation, args, kwargs)
            if not compare.matches(wrong, rec, tolerance):
                return False
            differs = differs or not compare.matches(exp, wrong, tolerance)
        except Exception:  # a broken mistake, or a value it cannot be compared with: no hint, never a crash
            return False
    return differs


def _mistake_hints(mistakes, cases, expected, received, tolerance) -> list[str]:
    hints = []
    for mistake in mistakes:
        if mistake.hint not in hints and _fits(mistake, cases, expected, received, tolerance):
            hints.append(mistake.hint)
    return [f"Hint: {h}" for h in hints]


def _loops(fn: Callable) -> list[str]:
    """``"a for loop (line 3)"`` for every loop or comprehension in ``fn``'s own source."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    except (OSError, TypeError, SyntaxError, IndentationError):  # no source (a lambda in a string, a builtin)
        return []
    kinds = {ast.For: "a for loop", ast.While: "a while loop", ast.ListComp: "a list comprehension",
             ast.GeneratorExp: "a generator expression", ast.DictComp: "a dict comprehension",
             ast.SetComp: "a set comprehension"}
    return [f"{kinds[type(node)]} (line {node.lineno})" for node in ast.walk(tree) if type(node) in kinds]


def _tolerance(tolerance: Any, atol: float | None, rtol: float | None) -> compare.Tolerance:
    """``tolerance`` with ``atol``/``rtol`` put in its place when given (the keywords of the callers
    written before the named tolerances)."""
    if not isinstance(tolerance, compare.Tolerance):
        raise TypeError(f"tolerance should be a compare.Tolerance such as compare.EXACT, got "
                        f"{type(tolerance).__name__} {tolerance!r}")
    if atol is None and rtol is None:
        return tolerance
    return compare.Tolerance(tolerance.atol if atol is None else atol, tolerance.rtol if rtol is None else rtol)


def _is_prediction(cases) -> bool:
    return len(cases) == 1 and tuple(cases[0][0]) == () and not cases[0][1]


def check_function(fn: Callable, reference: Callable, cases, *, name: str, output_names=None,
                   tolerance: compare.Tolerance = compare.FUNCTION_TOLERANCE, atol: float | None = None,
                   rtol: float | None = None, mistakes: Sequence[Mistake] = (),
                   time_limit: float | None = None, default_hint: str | None = None,
                   no_loops: str | None = None) -> Feedback:
    """Compare ``fn`` with ``reference`` on every case; explain the first difference found.

    ``cases``: a list (or a function returning a list) of ``(args, kwargs)``; the arguments are
    deep-copied before every call, so an in-place change by one function cannot affect another.
    Outputs may be arrays, numbers, torch tensors, and tuples/lists/dicts of them (nested).
    ``output_names`` mirrors the output's structure: a string names a value (or a whole dict),
    a sequence names the items of a tuple, e.g. ``("dx", ("dh_prev", "dc_prev"), "grads")``.

    Numbers are compared by value whatever their type (``1480``, ``1480.0``, ``np.int64(1480)``
    and ``np.array(1480)`` are the same answer). Floats are compared with ``tolerance``, the
    precision the exercise asks for: one of the named tolerances of
    :mod:`course_utils.exercises.compare` (default
    :data:`~course_utils.exercises.compare.FUNCTION_TOLERANCE`); ``atol``/``rtol``, when given,
    replace that part of it. The dtype policy is :mod:`~course_utils.exercises.compare`'s: a float32
    answer is held to float32's precision (correct, with a note, when it is right to that
    precision), a float16 answer to float32's too, and a torch tensor where the reference returns a
    number or a NumPy array is a wrong type. The learner's calls run through
    :func:`course_utils.exercises.sandbox.run_isolated`, ``time_limit`` seconds in all (default
    :data:`DEFAULT_TIME_LIMIT`, or the checker's ``time_limit=`` option).

    A catalogued :class:`Mistake` adds its hint only when it reproduces the learner's output on
    EVERY case and differs from the reference on one, so a hint never fires because two values
    happen to coincide. ``no_loops`` (e.g. ``"over units"``) adds a note, never a failure, to a
    correct answer whose source has a Python loop or comprehension. A learner's function that
    changes one of its arguments in place (``logits -= ...``) gets a note naming the argument, never
    a failure: each argument is compared with a copy taken before the call. With a single case
    and no arguments (a "predict, then verify" exercise) the answer may also be given as a value,
    and the expected value is shown only when the learner asks (``reveal=True`` or
    ``check.reveal("N.k")``).

    Raises TypeError when ``tolerance`` is not a :class:`~course_utils.exercises.compare.Tolerance`,
    and TypeError or ValueError for an ``atol``/``rtol`` that is not a number >= 0; whatever the
    learner's code does is reported, never raised.
    """
    tolerance = _tolerance(tolerance, atol, rtol)
    options = _OPTIONS.get()
    limit = options.time_limit if options.time_limit is not None else (
        time_limit if time_limit is not None else DEFAULT_TIME_LIMIT)
    cases = list(cases() if callable(cases) else cases)
    prediction = _is_prediction(cases)
    if prediction and options.reveal and (fn is None or fn is Ellipsis):
        answer = compare.describe_value(_call(reference, (), {}))
        return Feedback("revealed", [f"The right answer is {answer}."], name)
    if fn is None or fn is Ellipsis:
        if options.reveal:
            return Feedback("not attempted", [f"{name} asks for a function, so there is no single answer to "
                                              "reveal: run the check on your function, and for the first case "
                                              "it gets wrong it shows the expected output."], name)
        return Feedback("not attempted", [f"{name} is not defined yet."], name)
    if not callable(fn):
        if not prediction:
            return Feedback("wrong type", [f"{name} should be a function, but got {compare.describe(fn)}."], name)
        value = fn
        fn = lambda: value  # noqa: E731  (a prediction given as a value)
    arg_names = _argument_names(reference)
    expected = [_call(reference, args, kwargs) for args, kwargs in cases]
    outcome = run_isolated(_watching(fn), [(_copy(tuple(a)), _copy(dict(k))) for a, k in cases], limit)
    received, changed = [], []
    for index, (kind, value) in enumerate(outcome.results):
        case = _case_label(index, len(cases), *cases[index], arg_names)
        if kind == "error":
            return _with_output(_error_feedback(value, name, case, outcome.seconds), outcome)
        value, positions = value
        changed += [n for n in (arg_names[p] if isinstance(p, int) and p < len(arg_names) else
                                f"argument {p + 1}" if isinstance(p, int) else p for p in positions)
                    if n not in changed]
        if _unpicklable(value):
            return _with_output(Feedback("wrong type", [f"{case}: {name} returned {value!r}: return numbers, "
                                                        "arrays or tuples of them."], name,
                                         seconds=outcome.seconds), outcome)
        received.append(value)
    if len(received) < len(cases):
        case = _case_label(len(received), len(cases), *cases[len(received)], arg_names)
        if outcome.timed_out:
            return _with_output(_timeout_feedback(name, case, limit, outcome.seconds), outcome)
        return _with_output(Feedback("error", [f"{case}: {outcome.died or 'your code stopped without returning'}."],
                                     name, seconds=outcome.seconds), outcome)
    worst, used, notes = 0.0, [tolerance], []
    for index, (args, kwargs) in enumerate(cases):
        case = _case_label(index, len(cases), args, kwargs, arg_names)
        try:
            result = compare.compare(expected[index], received[index], name=name, output_names=output_names,
                                     tolerance=tolerance, reveal=not prediction or options.reveal)
        except Exception as exc:  # an exotic return value: report it, never crash the learner's cell
            return _with_output(Feedback("wrong type", [f"{case}: could not compare "
                                                        f"{compare.describe(received[index])} with the expected "
                                                        f"{compare.describe(expected[index])} ({type(exc).__name__})."],
                                         name, seconds=outcome.seconds), outcome)
        if result.wrong_type:
            return _with_output(Feedback("wrong type", [f"{case}: {result.wrong_type}"], name,
                                         seconds=outcome.seconds), outcome)
        notes += [n for n in result.notes if n not in notes]
        if result.problems:
            specific = _mistake_hints(mistakes, cases, expected, received, tolerance)
            if prediction:
                lines = [f"Your prediction is {compare.describe_value(received[index])}."]
                lines += result.problems if output_names else []
            else:
                lines = [f"{case}:"] + [f"- {p}" for p in result.problems]
            lines += specific or [f"Hint: {h}" for h in result.hints] or (
                [f"Hint: {default_hint}"] if default_hint else [])
            if prediction:
                lines.append(f"The right answer is {compare.describe_value(expected[index])}." if options.reveal
                             else _reveal_instruction(name))
            lines += [_in_place_note(changed)] if changed else []
            return _with_output(Feedback("incorrect", lines, name, seconds=outcome.seconds), outcome)
        worst = max(worst, result.max_error)
        used.append(result.tolerance)
    bound = compare.error_bound(worst, compare.loosest(used))
    summary = (f"All {len(cases)} test cases match the reference ({bound})." if len(cases) > 1
               else f"Your answer matches the reference ({bound}).")
    if no_loops and _loops(fn):
        notes.append(f"Note: the values are right, but the exercise asks for no Python loop {no_loops}, and your "
                     f"function has {', '.join(_loops(fn))}: try to write it with array operations.")
    if changed:
        notes.append(_in_place_note(changed))
    return _with_output(Feedback("correct", [summary] + notes, name, seconds=outcome.seconds), outcome)


def _unpicklable(value: Any) -> bool:
    if isinstance(value, _Unpicklable):
        return True
    if isinstance(value, (tuple, list)):
        return any(_unpicklable(v) for v in value)
    if isinstance(value, dict):
        return any(_unpicklable(v) for v in value.values())
    return False


def _with_output(feedback: Feedback, outcome) -> Feedback:
    """``feedback`` and what the learner's code printed (it ran in another process), as a new Feedback."""
    if not outcome.output:
        return feedback
    text = outcome.output if len(outcome.output) <= 2000 else outcome.output[:2000] + "\n[... cut]"
    return replace(feedback, messages=feedback.messages + ("Your code printed:\n" + text.rstrip("\n"),))


def check_value(received: Any, expected: Any, *, name: str, tolerance: compare.Tolerance = compare.VALUE_TOLERANCE,
                atol: float | None = None, rtol: float | None = None, hint_if_wrong: str | None = None) -> Feedback:
    """Check a "predict, then verify" answer (a number, string, bool, array or tuple of them).

    ``None`` or ``...`` (what the student edition leaves) means "not attempted yet". Strings are
    compared ignoring case and surrounding spaces; numbers, whatever their type, with
    ``|received - expected| <= atol + rtol * |expected|`` of ``tolerance`` (default
    :data:`~course_utils.exercises.compare.VALUE_TOLERANCE`; ``atol``/``rtol``, when given, replace
    that part of it). A wrong answer gets the hint, never the expected value, unless the checker
    was called with ``reveal=True``. Raises TypeError or ValueError for a bad tolerance, as
    :func:`check_function`.
    """
    tolerance = _tolerance(tolerance, atol, rtol)
    options = _OPTIONS.get()
    if received is None or received is Ellipsis:
        if options.reveal:
            return Feedback("revealed", [f"The right answer is {compare.describe_value(expected)}."], name)
        return Feedback("not attempted", [f"Replace `...` with your prediction for {name}, run the cell, "
                                          "then run this check again."], name)
    if isinstance(expected, str):
        ok = isinstance(received, str) and received.strip().lower() == expected.strip().lower()
        result = compare.Result(problems=[] if ok else ["different answer"])
    else:
        result = compare.compare(expected, received, name=name, output_names=None,
                                 tolerance=tolerance, reveal=options.reveal)
    if result.wrong_type:
        return Feedback("wrong type", [result.wrong_type], name)
    if not result.problems:
        return Feedback("correct", [f"Your answer matches: {compare.describe_value(expected)}."], name)
    lines = [f"You answered {compare.describe_value(received)}; that is not right yet."]
    if hint_if_wrong:
        lines.append(f"Hint: {hint_if_wrong}")
    lines.append(f"The right answer is {compare.describe_value(expected)}." if options.reveal
                 else _reveal_instruction(name))
    return Feedback("incorrect", lines, name)
