"""The checkers' tolerances are decided in one place, :mod:`course_utils.exercises.compare` (issue 17).

* no checker module passes a literal ``atol=``/``rtol=``: each passes ``tolerance=compare.NAME``,
  a named tolerance with its reason, or none (the default, ``FUNCTION_TOLERANCE``);
* every checker's effective tolerance, recorded by calling it with ``check_function`` replaced,
  is the one it had when the numbers were written at the call sites (so no verdict changed);
* ``check_function`` and ``check_value`` still take ``atol``/``rtol`` (older tests and callers
  use them) and refuse a tolerance that is not a ``Tolerance``.
"""
from __future__ import annotations

import ast
import inspect

import pytest

from course_utils.exercises import check, compare, harness
from course_utils.exercises.harness import Feedback, check_function, check_value

FUNCTION = (1e-8, 1e-6)
EXACT = (0.0, 0.0)
# what each exercise was checked with before the names (the literals of the call sites)
BEFORE = {
    "0.1": FUNCTION, "0.2": FUNCTION, "1.1": FUNCTION, "1.2": EXACT, "2.1": FUNCTION, "2.2": EXACT,
    "3.1": (1e-9, 1e-5), "3.2": (0.0, 1e-3), "4.1": FUNCTION, "4.2": EXACT, "4.4": (1e-6, 1e-5),
    "4.5": (1e-6, 1e-5), "5.1": FUNCTION, "5.2": EXACT, "5.4": (1e-6, 1e-5), "6.1": FUNCTION,
    "6.2": (0.0, 0.01), "6.3": (0.0, 1e-6), "7.1": FUNCTION, "7.2": (1e-10, 1e-8), "7.3": (1e-6, 0.0),
    "8.1": FUNCTION, "8.2": FUNCTION, "8.3": FUNCTION, "8.4": (0.0, 0.02), "9.1": FUNCTION, "9.2": EXACT,
    "10.1": EXACT, "10.2": EXACT, "10.3": FUNCTION, "11.1": (1e-12, 1e-9), "11.2": (1e-10, 1e-8),
    "11.3": (1e-9, 0.0),
}


def recorded_tolerances() -> dict[str, compare.Tolerance]:
    """{exercise number: the tolerance its checker passes to check_function}."""
    found = {}
    for module in check.CHECKER_MODULES:
        for name in module.__all__:
            seen = []

            def record(fn, reference, cases, *, name="exercise", **options):
                seen.append(options)
                return Feedback("not attempted", [], name)

            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(module, "check_function", record)
                getattr(module, name)(None)
            (options,) = seen
            assert "atol" not in options and "rtol" not in options, f"{module.__name__}.{name}"
            found[getattr(module, name).exercise_number] = options.get("tolerance", compare.FUNCTION_TOLERANCE)
    return found


TOLERANCES = recorded_tolerances()


def test_every_checker_keeps_its_tolerance_and_it_is_a_named_one():
    assert {n: (t.atol, t.rtol) for n, t in TOLERANCES.items()} == BEFORE
    named = list(compare.NAMED_TOLERANCES.values())
    assert all(any(t is n for n in named) for t in TOLERANCES.values())


@pytest.mark.parametrize("module", check.CHECKER_MODULES, ids=lambda m: m.__name__.rsplit(".", 1)[1])
def test_no_checker_module_writes_a_tolerance_out(module):
    tree = ast.parse(inspect.getsource(module))
    for call in (node for node in ast.walk(tree) if isinstance(node, ast.Call)):
        for keyword in call.keywords:
            assert keyword.arg not in ("atol", "rtol"), f"line {call.lineno}: {keyword.arg}="
            if keyword.arg == "tolerance":
                value = keyword.value
                assert (isinstance(value, ast.Attribute) and isinstance(value.value, ast.Name)
                        and value.value.id == "compare" and value.attr in compare.NAMED_TOLERANCES), \
                    f"line {call.lineno}: tolerance={ast.unparse(value)}"
    assert "Tolerance(" not in inspect.getsource(module)


def test_every_named_tolerance_says_why():
    source = inspect.getsource(compare)
    for name in compare.NAMED_TOLERANCES:
        assert name in compare.__all__
        after = source.split(f"\n{name} = Tolerance(", 1)[1].split("\n", 1)[1]
        assert after.startswith('"""'), f"{name} has no docstring giving its reason"


def test_the_atol_and_rtol_keywords_still_work_and_replace_a_part_of_the_tolerance():
    almost = [((), {})]
    assert check_function(lambda: 1480.5, lambda: 1480, almost, name="n", atol=0, rtol=0).status == "incorrect"
    assert check_function(lambda: 1480.5, lambda: 1480, almost, name="n", atol=1).passed
    assert check_function(lambda: 1480.5, lambda: 1480, almost, name="n", tolerance=compare.EXACT,
                          rtol=1e-3).passed
    assert harness._tolerance(compare.EXACT, None, 0.5) == compare.Tolerance(0.0, 0.5)
    assert check_value(0.26, 0.25, name="x", tolerance=compare.TWO_PERCENT).status == "incorrect"
    assert check_value(0.26, 0.25, name="x", tolerance=compare.TWO_PERCENT, rtol=0.1).passed


def test_a_bad_tolerance_is_refused_with_its_name():
    with pytest.raises(TypeError, match="tolerance should be a compare.Tolerance"):
        check_function(lambda: 1, lambda: 1, [((), {})], name="n", tolerance=(0, 0))
    with pytest.raises(ValueError, match="atol must be in"):
        check_value(1, 1, name="x", atol=-1)
    with pytest.raises(TypeError, match="rtol must be a real number"):
        compare.Tolerance(0.0, "tight")
