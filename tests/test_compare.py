"""course_utils.exercises.compare: the feedback engine's own rules, below the harness.

* swap hints compare two leaves only when their shapes match and both are numbers, so a pair of
  wrongly shaped outputs, a string array or a complex reference never raises, never warns and
  never gets a hint made up by broadcasting;
* ``matches`` (what a catalogued mistake is tested with) computes no hints;
* ``loosest`` reports the component-wise maximum of several tolerances.
"""
from __future__ import annotations

import re
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


def test_tolerance_for_loosens_to_the_reference_dtype_and_to_float32_for_a_less_precise_answer():
    f32 = Tolerance(1e-5, 1e-4)
    assert compare.tolerance_for(TOL, np.float64) == TOL == compare.tolerance_for(TOL, np.float64, np.float64)
    assert compare.tolerance_for(TOL, np.float64, np.float32) == f32
    assert compare.tolerance_for(TOL, np.float64, np.float16) == f32            # never float16's 1e-2
    assert compare.tolerance_for(TOL, np.float32, np.float16) == f32
    assert compare.tolerance_for(TOL, np.float16) == Tolerance(1e-2, 1e-2)      # the reference's own dtype
    assert compare.tolerance_for(TOL, np.int64, np.float32) == TOL              # counts stay exact
    assert compare.tolerance_for(Tolerance(0.0, 0.01), np.float64, np.float32) == Tolerance(1e-5, 0.01)


def test_a_float32_answer_passes_within_float32_precision_and_fails_beyond_it():
    expected = np.array([0.4025970, 0.1, 0.3])
    close = compare.compare(expected, expected.astype(np.float32), name="f", output_names=None,
                            tolerance=compare.CLOSED_FORM)
    assert not close.problems and close.tolerance == Tolerance(1e-5, 1e-4)
    assert close.notes == ["Note: the output has dtype float32, so it was checked to float32's precision "
                           "(atol=1e-05, rtol=0.0001) rather than the exercise's (atol=1e-10, rtol=1e-08); "
                           "compute in float64 (NumPy's default) for the full precision."]
    far = compare.compare(expected, (expected * 1.001).astype(np.float32), name="f", output_names=None,
                          tolerance=compare.CLOSED_FORM)
    assert len(far.problems) == 1 and ". It has dtype float32 and was checked" in far.problems[0]
    assert re.search(r"\. [a-z]", far.problems[0]) is None, far.problems[0]     # no sentence starts lowercase


def test_a_wrong_value_shows_enough_digits_to_differ():
    result = compare.compare(np.array(0.40259693), np.array(0.40259697), name="f", output_names=None,
                             tolerance=compare.CLOSED_FORM)
    assert result.problems == ["the output has the wrong value: it differs by 4e-08 (expected 0.4025969, "
                               "received 0.4025970)."]
    arrays = compare.compare(np.array([1.0, 0.40259693]), np.array([1.0, 0.40259697]),
                             name="f", output_names=None, tolerance=Tolerance(0.0, 0.0))
    assert "(expected 0.4025969, received 0.4025970)." in arrays.problems[0]
    assert compare.compare(np.array(0.5), np.array(0.25), name="f", output_names=None,
                           tolerance=TOL).problems[0].endswith("(expected 0.5, received 0.25).")


def test_a_tensor_where_a_number_is_expected_is_a_wrong_type():
    torch = pytest.importorskip("torch")
    result = compare.compare(9.775, torch.tensor(9.775, dtype=torch.float32), name="f", output_names=None,
                             tolerance=TOL)
    assert result.wrong_type == "the output is a torch.Tensor but should be a number: convert it with `.item()`."
    assert compare.compare(torch.tensor(2.0), torch.tensor(2.0), name="f", output_names=None,
                           tolerance=TOL).wrong_type is None


def test_loosest_is_the_component_wise_maximum():
    assert compare.loosest([Tolerance(1e-3, 0.0), None, Tolerance(0.0, 0.1)]) == Tolerance(1e-3, 0.1)
    assert compare.loosest([TOL, compare.tolerance_for(TOL, np.float32)]) == Tolerance(1e-5, 1e-4)
    assert compare.loosest([None]) is None and compare.loosest([]) is None
