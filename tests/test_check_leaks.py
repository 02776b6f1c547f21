"""No checker's docstring gives its answer away (issue 17).

``functools.wraps`` copies a checker's docstring to what the learner sees with ``check.frame_count?``,
and a checker module's docstring is one ``check.applications?`` away, so both must describe the
question only; the answers stay in the reference functions. For every checker of the package,
found by calling it with ``check_function`` replaced by a recorder (a new checker is covered
without being listed here):

* a prediction (one case, no arguments): its reference value is computed, and neither docstring
  may hold it in any usual form (``repr``, rounded to 2-6 significant digits or 1-5 decimals,
  an integer as itself), nor a parenthesised expression that evaluates to it (``(2 sqrt(2/pi))``),
  and the checker's docstring may not say "answer";
* an implementation whose prompt asks the learner to derive a formula (:data:`DERIVED`): the
  checker's docstring may not state it.

A zero is not searched for (every docstring has zeros), and :data:`PART_OF_THE_QUESTION` lists
the numbers that are the answer by coincidence and also a number the question itself gives.
"""
from __future__ import annotations

import math
import re

import numpy as np
import pytest

from course_utils.exercises import check
from course_utils.exercises.harness import Feedback

PART_OF_THE_QUESTION = {"2.2": {"4"}}      # T = 12 in chunks of K = 4 steps: the chunk length is given
DERIVED = {"6.3": ("log",)}                # Exercise 6.3 asks for the baseline's formula, K log(n) / (2K + T)
NUMBER = re.compile(r"\d+(?:\.\d+)?")
FUNCTIONS = {"sqrt": math.sqrt, "pi": math.pi, "log": math.log, "exp": math.exp, "e": math.e}


def recorded_checkers() -> list[tuple]:
    """(exercise number, checker, its module, its reference, its cases) for every checker of the package."""
    found = []
    for module in check.CHECKER_MODULES:
        for name in module.__all__:
            seen = []

            def record(fn, reference, cases, *, name="exercise", **options):
                seen.append((reference, list(cases() if callable(cases) else cases)))
                return Feedback("not attempted", [], name)

            checker = getattr(module, name)
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(module, "check_function", record)
                checker(None)
            (reference, cases), = seen
            found.append((checker.exercise_number, checker, module, reference, cases))
    return found


CHECKERS = recorded_checkers()
PREDICTIONS = [c for c in CHECKERS if len(c[4]) == 1 and tuple(c[4][0][0]) == () and not c[4][0][1]]


def _significant_digits(text: str) -> int:
    return len(text.replace(".", "").lstrip("0"))


def forms(value: float) -> set[str]:
    """How a number may be written in a docstring."""
    value = float(value)
    if value == int(value):
        return {str(int(value)), f"{value:.1f}"}
    found = {repr(value)} | {f"{value:.{k}g}" for k in range(2, 7)} | {f"{value:.{k}f}" for k in range(1, 6)}
    return {text.lstrip("-") for text in found if _significant_digits(text.lstrip("-")) >= 2}


def _numbers(value) -> list[float]:
    flat = np.ravel(np.asarray(value, dtype=float))
    return [float(v) for v in flat if v != 0]


def parenthesised(text: str) -> list[str]:
    """The contents of every (...) group, nested ones included."""
    groups, starts = [], []
    for i, char in enumerate(text):
        if char == "(":
            starts.append(i)
        elif char == ")" and starts:
            groups.append(text[starts.pop() + 1:i])
    return groups


def _evaluate(expression: str):
    expression = expression.replace("^", "**")
    expression = re.sub(r"(\d)\s*(?=[a-z(])", r"\1*", expression)     # "2 sqrt(...)" -> "2*sqrt(...)"
    try:
        value = eval(expression, {"__builtins__": {}}, FUNCTIONS)   # noqa: S307 - our own docstrings
        return float(value)
    except Exception:
        return None


def leaks(doc: str, value, allowed=frozenset()) -> list[str]:
    """The places where ``doc`` gives ``value`` (a number or a tuple of numbers) away."""
    found = []
    tokens = set(NUMBER.findall(doc))
    for number in _numbers(value):
        found += sorted((forms(number) & tokens) - set(allowed))
        for group in parenthesised(doc):
            result = _evaluate(group)
            if result is not None and math.isclose(result, number, rel_tol=1e-3):
                found.append(f"({group})")
    return found


def _id(checker_row):
    return f"{checker_row[0]} {checker_row[1].__name__}"


def test_every_checker_is_audited():
    assert len(CHECKERS) == 33 and len(PREDICTIONS) == 11


@pytest.mark.parametrize("row", PREDICTIONS, ids=_id)
def test_a_prediction_checkers_docstrings_do_not_hold_its_answer(row):
    number, checker, module, reference, _ = row
    value = reference()
    allowed = PART_OF_THE_QUESTION.get(number, set())
    assert leaks(checker.__doc__, value, allowed) == [], f"{checker.__name__}.__doc__: {checker.__doc__}"
    assert leaks(module.__doc__, value, allowed) == [], f"{module.__name__}.__doc__"
    assert not re.search(r"\banswer\b", checker.__doc__), checker.__doc__


@pytest.mark.parametrize("number, words", sorted(DERIVED.items()))
def test_a_formula_the_learner_derives_is_not_in_its_checkers_docstring(number, words):
    checker = check.EXERCISES[number]
    assert not [w for w in words if w in checker.__doc__], checker.__doc__


def test_the_audit_finds_the_forms_it_looks_for():
    assert leaks("Frames in one second (98).", 98) == ["98", "(98)"]
    assert leaks("The MAE on a random walk (2 sqrt(2/pi)).", 2 * math.sqrt(2 / math.pi)) == ["(2 sqrt(2/pi))"]
    assert leaks("The share (1 - 1.84**2 / 4 = 0.1536).", 1 - 1.84 ** 2 / 4) == ["0.1536"]
    assert leaks("Bound (0.8**5).", 0.8 ** 5) == ["(0.8**5)"]
    assert leaks("Spreads: 1.60 and 0.", (1.6, 0.0)) == ["1.60"]
    assert leaks("T = 12 in chunks of 4.", 4, {"4"}) == []
    assert leaks("Probabilities (..., V) with p = 0.3.", 0.32768) == []
