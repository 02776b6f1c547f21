"""No checker's docstring, and no hint, gives its answer away (issue 17).

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

A hint must name the mistake, never give the solution, so the same holds for every hint a checker
can print (its catalogued mistakes' hints and its ``default_hint``):

* a prediction's hints may not hold its reference value (in the forms above);
* an implementation's hints may not hold an expression in the reference's argument names that
  evaluates to one of the reference's outputs (``a2 b1 + b2`` for Exercise 10.3's ``b``), found by
  evaluating every run of formula-like words of a hint on the checker's first case;
* :data:`GIVEAWAYS` lists the answers a hint could write in words (``exp(log V) = V``).
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
GIVEAWAYS = {"7.1": ("exp(mean", "exp(-log"),   # the perplexity's formula, whatever the notation
             "7.3": ("= V", "is V", "exp(log V)", "exp(-log(1/V))"),   # the uniform model's perplexity is V
             "10.3": ("a1 a2 h", "a2 b1 + b2", "a = a1 * a2")}        # the composed pair
NUMBER = re.compile(r"\d+(?:\.\d+)?")
FUNCTIONS = {"sqrt": math.sqrt, "pi": math.pi, "log": math.log, "exp": math.exp, "e": math.e}


def recorded_checkers() -> list[tuple]:
    """(exercise number, checker, its module, its reference, its cases, the other options it passes to
    ``check_function``) for every checker of the package."""
    found = []
    for module in check.CHECKER_MODULES:
        for name in module.__all__:
            seen = []

            def record(fn, reference, cases, *, name="exercise", **options):
                seen.append((reference, list(cases() if callable(cases) else cases), options))
                return Feedback("not attempted", [], name)

            checker = getattr(module, name)
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(module, "check_function", record)
                checker(None)
            (reference, cases, options), = seen
            found.append((checker.exercise_number, checker, module, reference, cases, options))
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
    number, checker, module, reference, *_ = row
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


# --- hints --------------------------------------------------------------------------------------

FORMULA_TOKEN = r"[A-Za-z_]\w*(?:\.T)?|\d+(?:\.\d+)?|\*\*|[-+*/@()^]"
OPERAND_END = re.compile(r"[A-Za-z_]\w*(?:\.T)?|\d+(?:\.\d+)?|\)")       # a name, a number, a closing bracket
OPERAND_START = re.compile(r"[A-Za-z_]\w*(?:\.T)?|\d+(?:\.\d+)?|\(")
ARRAY_FUNCTIONS = {"exp": np.exp, "log": np.log, "log2": np.log2, "sqrt": np.sqrt, "tanh": np.tanh, "sum": np.sum,
                   "mean": np.mean, "abs": np.abs, "np": np}


def hints(options) -> list[str]:
    """Every hint a checker can print: its catalogued mistakes' and its default hint."""
    found = [mistake.hint for mistake in options.get("mistakes", ())]
    return found + ([options["default_hint"]] if options.get("default_hint") else [])


def formula_runs(text: str) -> list[list[str]]:
    """The maximal runs of formula tokens (names, numbers, operators, brackets) in ``text``; anything
    else (a comma, a colon, '=', a full stop, a letter like τ) ends a run."""
    runs, run = [], []
    for match in re.finditer(rf"{FORMULA_TOKEN}|\s+|.", text):
        token = match.group()
        if token.isspace():
            continue
        if re.fullmatch(FORMULA_TOKEN, token):
            run.append(token)
        elif run:
            runs.append(run)
            run = []
    return runs + ([run] if run else [])


def as_python(tokens: list[str]) -> str:
    """The tokens as a Python expression, a juxtaposition read as a product (``a2 b1`` -> ``a2*b1``)."""
    out, previous = "", None
    for token in tokens:
        call = token == "(" and previous in ARRAY_FUNCTIONS
        if previous is not None and OPERAND_END.fullmatch(previous) and OPERAND_START.fullmatch(token) and not call:
            out += "*"
        out += "**" if token == "^" else token
        previous = token
    return out


def _outputs(value) -> list[np.ndarray]:
    if isinstance(value, (tuple, list)):
        return [leaf for item in value for leaf in _outputs(item)]
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _outputs(item)]
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return []
    return [array]


def formula_leaks(text: str, names: list[str], args: tuple, outputs: list[np.ndarray]) -> list[str]:
    """The sub-expressions of ``text``, in the argument ``names``, that evaluate to one of ``outputs``
    when the names hold ``args`` (a lone name is not a formula)."""
    scope = dict(ARRAY_FUNCTIONS, **dict(zip(names, args)))
    found = []
    for run in formula_runs(text):
        for start in range(len(run)):
            for stop in range(start + 2, len(run) + 1):
                tokens = run[start:stop]
                if not any(token in names for token in tokens):
                    continue
                try:
                    with np.errstate(all="ignore"):
                        value = np.asarray(eval(as_python(tokens), {"__builtins__": {}}, scope),  # noqa: S307
                                           dtype=float)
                except Exception:
                    continue
                if any(value.shape == out.shape and np.allclose(value, out) for out in outputs):
                    found.append(" ".join(tokens))
    return found


def _hint_id(row):
    return f"{row[0]} {row[1].__name__}"


@pytest.mark.parametrize("row", CHECKERS, ids=_hint_id)
def test_no_hint_gives_the_answer_away(row):
    number, checker, module, reference, cases, options = row
    (args, kwargs), given = cases[0], hints(options)
    if row in PREDICTIONS:
        allowed = PART_OF_THE_QUESTION.get(number, set())
        assert not [(hint, leaks(hint, reference(), allowed)) for hint in given if leaks(hint, reference(), allowed)]
    else:
        names = reference.__code__.co_varnames[:reference.__code__.co_argcount]
        outputs = _outputs(reference(*args, **kwargs))
        found = {hint: formula_leaks(hint, list(names), tuple(args), outputs) for hint in given}
        assert not {hint: f for hint, f in found.items() if f}
    words = {hint: [w for w in GIVEAWAYS.get(number, ()) if w in hint] for hint in given}
    assert not {hint: w for hint, w in words.items() if w}


def test_the_hint_audit_finds_a_formula_in_words():
    a1, b1, a2, b2 = (np.array([0.5, 0.2]), np.array([1.0, -2.0]), np.array([0.3, 0.9]), np.array([0.1, 0.4]))
    outputs = [a1 * a2, a2 * b1 + b2]
    names, args = ["a1", "b1", "a2", "b2"], (a1, b1, a2, b2)
    assert formula_leaks("so a2 * (a1 h + b1) + b2 = a1 a2 h + (a2 b1 + b2).", names, args, outputs) == [
        "a1 a2", "+ ( a2 b1 + b2 )", "( a2 b1 + b2 )", "a2 b1 + b2"]
    assert formula_leaks("Composing multiplies them: a = a1 * a2, not a1 + a2.", names, args, outputs) == ["a1 * a2"]
    assert formula_leaks("b1 is scaled by a1, the first map's factor.", names, args, outputs) == []
    assert as_python(["exp", "(", "a1", "a2", ")", "b1"]) == "exp(a1*a2)*b1"
