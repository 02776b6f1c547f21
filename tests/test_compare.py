"""course_utils.exercises.compare: the feedback engine's own rules, below the harness.

* swap hints compare two leaves only when their shapes match and both are numbers, so a pair of
  wrongly shaped outputs, a string array or a complex reference never raises, never warns and
  never gets a hint made up by broadcasting;
* ``matches`` (what a catalogued mistake is tested with) computes no hints;
* ``loosest`` reports the component-wise maximum of several tolerances.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from course_utils.exercises import compare
from course_utils.exercises.compare import Tolerance

TOL = compare.FUNCTION_TOLERANCE


def _compare(expected, received):
    with warnings.catch_warnings():
        warnings.simplefilter("error")            # a ComplexWarning would be a bug, not a hint
        return compare.compare(expected, received, name="f", output_names=("a", "b"), tolerance=TOL)


def test_swap_hints_never_broadcast_two_outputs_of_different_shapes():
    # a's received value is b's expected one; b's received (4,) cannot be compared with a's (3,)
    result = _compare((np.arange(3.0), np.ones((2, 2))), (np.ones((2, 2)), np.zeros(4)))
    assert result.problems == ["a has shape (2, 2) but should have shape (3,).",
                               "b has shape (4,) but should have shape (2, 2)."]
    assert result.hints == ["a equals what b should be: did you return the wrong variable?"]


def test_a_broadcastable_pair_is_not_called_swapped():
    # zeros(1) broadcasts against zeros(3): that is no evidence that a and b were swapped
    result = _compare((np.zeros(3), np.ones(2)), (np.ones(2), np.zeros(1)))
    assert result.hints == ["a equals what b should be: did you return the wrong variable?"]


def test_a_string_output_gets_its_problem_and_no_hint():
    result = _compare((np.zeros(2), np.ones(2)), (np.ones(2), np.array(["x", "y"])))
    assert "b has dtype <U1, which cannot be compared with the expected float64." in result.problems
    assert result.hints == ["a equals what b should be: did you return the wrong variable?"]


def test_a_complex_reference_is_compared_as_complex_in_the_hints():
    # b should be 3+1j, 4: a real [3, 4] is not b's value (a float cast would drop the imaginary part)
    result = _compare((np.array([1.0, 2.0]), np.array([3 + 1j, 4 + 0j])), (np.array([3.0, 4.0]), np.zeros(2)))
    assert result.hints == []
    swapped = _compare((np.array([1.0, 2.0]), np.array([3 + 1j, 4 + 0j])),
                       (np.array([3 + 1j, 4 + 0j]), np.array([1.0, 2.0])))
    assert swapped.hints == ["a and b look swapped: return them in the expected order."]


def test_matches_computes_no_hints(monkeypatch):
    def no_hints(*args, **kwargs):
        raise AssertionError("matches asked for hints")

    monkeypatch.setattr(compare, "swap_hints", no_hints)
    assert not compare.matches((np.arange(3.0), np.ones((2, 2))), (np.ones((2, 2)), np.zeros(4)), TOL)
    assert compare.matches((np.arange(3.0), np.ones(2)), (np.arange(3.0), np.ones(2)), TOL)


def test_loosest_is_the_component_wise_maximum():
    assert compare.loosest([Tolerance(1e-3, 0.0), None, Tolerance(0.0, 0.1)]) == Tolerance(1e-3, 0.1)
    assert compare.loosest([TOL, compare.tolerance_for(TOL, np.float32)]) == Tolerance(1e-5, 1e-4)
    assert compare.loosest([None]) is None and compare.loosest([]) is None
