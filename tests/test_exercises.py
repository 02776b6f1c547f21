"""The exercise harness reports every kind of wrong answer in words and never raises."""
from __future__ import annotations

import re
import signal
import sys
import threading
import types

import numpy as np
import pytest

from course_utils.exercises import check, harness as exercises
from course_utils.exercises.check import registered_mistakes
from course_utils.exercises.harness import Feedback, Mistake, check_function, check_value

TIME_LIMIT = 1.0  # seconds: long enough for a correct answer on a loaded machine, short enough for the suite
N_CASES = 3


def reference(x, W, b):
    """One tanh layer: a = x @ W.T + b, h = tanh(a). x: (B, D), W: (H, D), b: (H,) -> (h, a), both (B, H)."""
    a = x @ W.T + b
    return np.tanh(a), a


def make_cases(seed=0):
    rng = np.random.default_rng(seed)
    return [((rng.normal(size=(B, 4)), rng.normal(size=(5, 4)), rng.normal(size=5)), {})
            for B in (1, 3, 2)]


def run(fn, mistakes=(), **kwargs):
    kwargs.setdefault("time_limit", TIME_LIMIT)
    return check_function(fn, reference, make_cases(), name="layer", output_names=("h", "a"),
                          mistakes=mistakes, **kwargs)


def correct(x, W, b):
    a = x @ W.T + b
    return np.tanh(a), a


def test_correct_answer_passes_with_a_bounded_error_and_no_raw_numbers():
    fb = run(correct)
    assert fb.passed and fb.status == "correct"
    assert fb.text == ("layer: correct.\n"
                       "  All 3 test cases match the reference (max error < 1e-10).")


def test_feedback_repr_str_and_ipython_pretty_print_show_the_same_text():
    fb = run(correct)
    assert repr(fb) == str(fb) == fb.text

    class Printer:
        def text(self, value):
            self.value = value

    printer = Printer()
    fb._repr_pretty_(printer, False)
    assert printer.value == fb.text


def test_feedback_rejects_an_unknown_status():
    with pytest.raises(ValueError, match="status should be one of"):
        Feedback("almost", [])


def test_wrong_shape_reports_expected_and_received_shapes_and_transposition():
    fb = run(lambda x, W, b: (np.tanh(W @ x.T + b[:, None]), x @ W.T + b))
    assert fb.status == "incorrect" and not fb.passed
    assert "h has shape (5, 1) but should have shape (1, 5)" in fb.text
    assert "looks transposed" in fb.text


def test_swapped_outputs_are_named_as_swapped():
    fb = run(lambda x, W, b: correct(x, W, b)[::-1])
    assert fb.status == "incorrect"
    assert "Hint: h and a look swapped" in fb.text


def test_returning_the_wrong_variable_is_pointed_out():
    fb = run(lambda x, W, b: (x @ W.T + b, x @ W.T + b))
    assert "h equals what a should be" in fb.text


def test_known_mistake_adds_its_hint_and_other_mistakes_do_not():
    def sigmoid_instead_of_tanh(x, W, b):
        a = x @ W.T + b
        return 1 / (1 + np.exp(-a)), a

    def forgot_bias(x, W, b):
        a = x @ W.T
        return np.tanh(a), a

    mistakes = [Mistake("the hidden state uses tanh, not the sigmoid.", sigmoid_instead_of_tanh),
                Mistake("add the bias b before the nonlinearity.", forgot_bias)]
    fb = run(sigmoid_instead_of_tanh, mistakes=mistakes)
    assert "h has wrong values" in fb.text
    assert "Hint: the hidden state uses tanh, not the sigmoid." in fb.text
    assert "bias" not in fb.text
    fb = run(forgot_bias, mistakes=mistakes)
    assert "Hint: add the bias b before the nonlinearity." in fb.text and "sigmoid" not in fb.text


def test_a_mistake_implementation_that_raises_is_ignored():
    def broken(x, W, b):
        raise RuntimeError("bad mistake")

    fb = run(lambda x, W, b: (np.tanh(x @ W.T), x @ W.T), mistakes=[Mistake("never shown", broken)])
    assert fb.status == "incorrect" and "never shown" not in fb.text


def test_wrong_values_report_the_largest_error_its_index_and_values():
    fb = run(lambda x, W, b: (np.tanh(x @ W.T + b), 2 * (x @ W.T + b)))
    match = re.search(r"a has wrong values: (\d+) of 5 entries differ, the largest by ([\d.]+) at index \(0, \d\)",
                      fb.text)
    assert match, fb.text
    assert "2 times the expected value" in fb.text
    assert "Case 1 of 3 (x: array (1, 4), W: array (5, 4), b: array (5,))" in fb.text


def test_opposite_sign_is_detected():
    fb = run(lambda x, W, b: (np.tanh(x @ W.T + b), -(x @ W.T + b)))
    assert "opposite sign" in fb.text


def test_error_only_in_a_later_case_names_that_case():
    def batch_of_one_only(x, W, b):
        a = x[:1] @ W.T + b
        a = np.repeat(a, len(x), axis=0)
        return np.tanh(a), a

    fb = run(batch_of_one_only)
    assert "Case 2 of 3 (x: array (3, 4)" in fb.text


def test_learner_exception_shows_type_message_and_the_learners_line_only():
    def layer(x, W, b):
        a = x @ W + b  # forgot the transpose
        return np.tanh(a), a

    fb = run(layer)
    assert fb.status == "error"
    assert "raised ValueError: matmul" in fb.text
    assert re.search(r"It happened in layer, line \d+: a = x @ W \+ b  # forgot the transpose$", fb.text)
    assert "course_utils" not in fb.text and "/" not in fb.text.split("It happened")[1]


def test_exception_in_a_helper_of_the_learner_points_to_the_helper():
    def helper(a):
        return a.missing_method()

    fb = run(lambda x, W, b: helper(x))
    assert "AttributeError" in fb.text
    assert re.search(r"in helper, line \d+: return a.missing_method\(\)$", fb.text)


def test_returning_none_says_return_is_missing():
    def layer(x, W, b):
        a = x @ W.T + b  # noqa: F841 - the learner forgot `return`

    fb = run(layer)
    assert fb.status == "wrong type"
    assert "layer returned None: did you forget the `return` line?" in fb.text


def test_one_output_none_is_named():
    fb = run(lambda x, W, b: (None, x @ W.T + b))
    assert fb.status == "wrong type" and "h is None" in fb.text


def test_wrong_tuple_length_lists_the_expected_outputs():
    fb = run(lambda x, W, b: np.tanh(x @ W.T + b))
    assert fb.status == "wrong type"
    assert "layer should return 2 values (h, a), but it returned array (1, 5)" in fb.text
    fb = run(lambda x, W, b: (*correct(x, W, b), 0))
    assert "should return 2 values (h, a), but it returned 3" in fb.text


def test_list_instead_of_array_is_a_wrong_type():
    fb = run(lambda x, W, b: (np.tanh(x @ W.T + b).tolist(), x @ W.T + b))
    assert fb.status == "wrong type"
    assert "h is a list of 1 item but should be a NumPy array of shape (1, 5)" in fb.text


def test_integer_output_where_floats_are_expected_is_reported():
    fb = run(lambda x, W, b: (np.tanh(x @ W.T + b), np.round(x @ W.T + b).astype(int)))
    assert fb.status == "incorrect" and "It holds integers (dtype int64)" in fb.text


def test_integer_valued_floats_and_numpy_scalars_are_the_same_number():
    for answer in (1480, 1480.0, np.int64(1480), np.float32(1480), np.array(1480), np.array(1480.0)):
        fb = check_function(lambda: answer, lambda: 1480, [((), {})], name="count", atol=0, rtol=0)
        assert fb.passed, fb.text
    fb = run(lambda x, W, b: correct(x.astype(np.float32), W, b))  # float32 inputs: float64 outputs anyway
    assert fb.passed, fb.text


def test_a_float16_answer_gets_no_looser_tolerance_than_float32():
    fb = run(lambda x, W, b: tuple((v * 1.005).astype(np.float16) for v in correct(x, W, b)))
    assert fb.status == "incorrect", fb.text
    assert ". It has dtype float16, which keeps about 3 significant digits; answers are checked to float32's " \
           "precision at best (atol=1e-05, rtol=0.0001), so compute in float32 or float64." in fb.text
    exact16 = run(lambda x, W, b: tuple(v.astype(np.float16) for v in correct(x, W, b)))
    assert exact16.status == "incorrect" and "float16" in exact16.text, exact16.text


def test_swap_hint_does_not_fire_when_the_two_outputs_should_be_equal():
    def ref(x):
        return x * 0.0, x * 0.0 + 0.0

    fb = check_function(lambda x: (x * 0.0, x), ref, [((np.ones(3),), {})], name="f", output_names=("p", "r"))
    assert fb.status == "incorrect" and "swapped" not in fb.text and "wrong variable" not in fb.text


def test_nan_output_is_reported_as_overflow():
    fb = run(lambda x, W, b: (np.tanh(x @ W.T + b) * np.nan, x @ W.T + b))
    assert "NaN or infinite" in fb.text


def test_not_implemented_stub_is_not_attempted():
    def layer(x, W, b):
        """One tanh layer."""
        raise NotImplementedError("Exercise 1.1: your code here")

    fb = run(layer)
    assert fb.status == "not attempted" and not fb.passed
    assert fb.text.startswith("layer: not attempted yet.")


@pytest.mark.parametrize("missing", [None, Ellipsis])
def test_missing_function_is_not_attempted(missing):
    assert run(missing).status == "not attempted"


def test_non_callable_is_a_wrong_type():
    assert run(42).status == "wrong type"


def endless(x, W, b):
    while True:
        pass


def endless_swallowing(x, W, b):
    while True:
        try:
            while True:
                pass
        except Exception:
            pass


@pytest.mark.parametrize("fn", [endless, endless_swallowing])
def test_endless_loop_times_out_with_the_alarm_and_restores_the_handler(fn):
    before = signal.getsignal(signal.SIGALRM)
    fb = run(fn)
    assert fb.status == "timeout" and "was stopped after" in fb.text and "the time limit is 1 s" in fb.text
    assert fb.seconds < TIME_LIMIT + 2
    assert signal.getsignal(signal.SIGALRM) is before
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_endless_loop_times_out_in_a_worker_thread_too():
    box = {}

    def slow(x, W, b):
        import time
        time.sleep(0.05 if box.get("done") else 2)
        return correct(x, W, b)

    worker = threading.Thread(target=lambda: box.setdefault("fb", run(slow, time_limit=0.2)))
    worker.start()
    worker.join(10)
    box["done"] = True
    assert box["fb"].status == "timeout"


def endless_bare_except(x, W, b):
    while True:
        try:
            sum(range(10 ** 6))
        except:  # noqa: E722
            pass


def long_blas_call(x, W, b):
    a = np.ones((2500, 2500))
    for _ in range(200):
        a = a @ a / 2500.0
    return correct(x, W, b)


@pytest.mark.parametrize("fn", [endless_bare_except, long_blas_call])
def test_a_forked_child_is_killed_at_the_limit_whatever_the_code_does(fn):
    import time
    start = time.perf_counter()
    fb = run(fn)
    assert fb.status == "timeout", fb.text
    assert time.perf_counter() - start < TIME_LIMIT + 2


def test_sys_exit_and_os_exit_become_feedback_and_the_process_survives():
    import os
    fb = run(lambda x, W, b: sys.exit(2))
    assert fb.status == "error" and "called sys.exit()" in fb.text
    fb = run(lambda x, W, b: os._exit(3))
    assert fb.status == "error" and "ended the process (exit code 3" in fb.text


def test_what_the_learner_prints_is_shown():
    def chatty(x, W, b):
        print("shape of x:", x.shape)
        return correct(x, W, b)

    fb = run(chatty)
    assert fb.passed and "Your code printed:\n  shape of x: (1, 4)" in fb.text


def test_fallback_without_fork_still_stops_a_plain_loop_and_reports_sys_exit(monkeypatch):
    monkeypatch.setenv("COURSE_UTILS_NO_FORK", "1")
    assert run(endless).status == "timeout"
    fb = run(lambda x, W, b: sys.exit())
    assert fb.status == "error" and "called sys.exit()" in fb.text
    assert run(correct).passed


def test_float32_output_is_held_to_float32_precision_and_passes_with_a_note():
    fb = run(lambda x, W, b: (np.tanh(x @ W.T + b).astype(np.float32), x @ W.T + b))
    assert fb.passed, fb.text
    assert ("Note: h has dtype float32, so it was checked to float32's precision (atol=1e-05, rtol=0.0001) "
            "rather than the exercise's (atol=1e-08, rtol=1e-06); compute in float64 (NumPy's default) for the "
            "full precision.") in fb.text
    # a float32 answer whose rounding exceeds the exercise's own precision passes too, with the same note
    fb = run(lambda x, W, b: (np.tanh(x @ W.T + b).astype(np.float32) + np.float32(2e-6), x @ W.T + b))
    assert fb.passed and "checked to float32's precision" in fb.text, fb.text


def test_float32_output_with_a_real_error_still_fails_and_says_rounding_does_not_explain_it():
    fb = run(lambda x, W, b: (np.tanh(x @ W.T + b).astype(np.float32) + np.float32(1e-3), x @ W.T + b))
    assert fb.status == "incorrect"
    assert (". It has dtype float32 and was checked to float32's precision (atol=1e-05, rtol=0.0001), so "
            "float32 rounding does not explain the difference.") in fb.text, fb.text


def test_a_wrong_value_is_shown_with_the_digits_that_tell_it_from_the_expected_one():
    fb = run(lambda x, W, b: (np.tanh(x @ W.T + b) + 5e-6, x @ W.T + b))   # 4 digits would hide it
    shown = re.search(r"\(expected (\S+), received (\S+)\)", fb.text)
    assert fb.status == "incorrect" and shown, fb.text
    assert shown.group(1) != shown.group(2) and len(shown.group(1).lstrip("-0.")) > 4, fb.text


def test_a_torch_tensor_where_a_number_or_array_is_expected_is_a_wrong_type():
    torch = pytest.importorskip("torch")
    number = check_function(lambda: torch.tensor(1480.0), lambda: 1480.0, [((), {})], name="count")
    assert number.status == "wrong type" and "should be a number: convert it with `.item()`" in number.text
    array = run(lambda x, W, b: tuple(torch.from_numpy(v) for v in correct(x, W, b)))
    assert array.status == "wrong type" and "convert it with `.detach().numpy()`" in array.text
    wide = check_function(lambda: torch.ones(3), lambda: 1.0, [((), {})], name="one")
    assert wide.status == "wrong type" and "torch.Tensor of shape (3,) but should be a single number" in wide.text


def test_loose_but_correct_float64_answer_prints_the_tolerance_not_the_error():
    fb = run(lambda x, W, b: (np.tanh(x @ W.T + b) + 1e-9, x @ W.T + b))
    assert fb.passed and "every value within the tolerance atol=1e-08, rtol=1e-06" in fb.text


def test_arguments_are_copied_so_in_place_changes_do_not_leak():
    def destructive(x, W, b):
        h, a = correct(x, W, b)
        x[...] = 0
        W *= 2
        return h, a

    cases = make_cases()
    before = [c[0][0].copy() for c in cases]
    fb = check_function(destructive, reference, cases, name="layer", time_limit=TIME_LIMIT)
    assert fb.passed
    assert all(np.array_equal(c[0][0], b) for c, b in zip(cases, before))


def test_nested_tuples_and_dicts_are_compared_with_their_names():
    def ref(x):
        return x, (2 * x, 3 * x), {"weight_ih": x.sum()}

    def learner(x):
        return x, (2 * x, 4 * x), {"weight_ih": x.sum()}

    cases = lambda: [((np.arange(6.0).reshape(2, 3),), {})]  # noqa: E731 - cases may be a function
    fb = check_function(learner, ref, cases, name="f", output_names=("dx", ("dh", "dc"), "grads"))
    assert "dc has wrong values" in fb.text and "dh " not in fb.text
    fb = check_function(lambda x: (x, (2 * x, 3 * x), {"weight": 0.0}), ref, cases, name="f",
                        output_names=("dx", ("dh", "dc"), "grads"))
    assert "grads has the wrong keys: missing 'weight_ih'; unexpected 'weight'" in fb.text
    fb = check_function(lambda x: (x, (2 * x, 3 * x), {"weight_ih": x.sum(keepdims=True)}), ref, cases,
                        name="f", output_names=("dx", ("dh", "dc"), "grads"))
    assert "grads['weight_ih'] should be a single number but is an array of shape (1, 1)" in fb.text


class Weird:
    def __eq__(self, other):
        raise RuntimeError("no comparison for you")


def test_an_uncomparable_return_value_is_reported_not_raised():
    fb = check_function(lambda: Weird(), lambda: Weird(), [((), {})], name="weird", output_names="w")
    assert fb.status == "incorrect" and "should be a Weird but is a Weird" in fb.text

    class Local:  # cannot be sent back from the child process
        pass

    fb = run(lambda x, W, b: (Local(), x @ W.T + b))
    assert fb.status == "wrong type" and "cannot be copied between processes" in fb.text
    fb = run(lambda x, W, b: (np.array(["a"] * 5)[None], x @ W.T + b))
    assert fb.status == "incorrect" and "cannot be compared" in fb.text
    fb = run(lambda x, W, b: ((v for v in x), x @ W.T + b))
    assert fb.status == "wrong type" and "a generator" in fb.text


def test_feedback_text_is_identical_across_runs():
    wrong = lambda x, W, b: (np.tanh(x @ W.T), x @ W.T)  # noqa: E731
    assert run(wrong).text == run(wrong).text


@pytest.mark.parametrize("received, expected, status", [
    (..., 0.25, "not attempted"), (None, 3, "not attempted"), (0.25, 0.25, "correct"),
    (0.2500000001, 0.25, "correct"), (0.3, 0.25, "incorrect"), (4, 4.0, "correct"),
    (" Forget Gate", "forget gate", "correct"), ("input", "forget gate", "incorrect"),
    ((2, 3), (2, 3), "correct"), ((3, 2), (2, 3), "incorrect"), ([1.0], 1.0, "wrong type"),
    ("0.25", 0.25, "wrong type"), (True, True, "correct"),
])
def test_check_value_statuses(received, expected, status):
    assert check_value(received, expected, name="answer").status == status


def test_check_value_gives_the_hint_and_shows_the_answer_only_when_asked():
    fb = check_value(0.3, 0.2499999, name="answer", hint_if_wrong="sigma(0) is one half.")
    assert fb.text == ("answer: not correct yet.\n  You answered 0.3; that is not right yet.\n"
                       "  Hint: sigma(0) is one half.\n"
                       "  Try again, or see the right answer by calling this check with `reveal=True`.")
    assert "0.25" not in fb.text
    token = exercises._OPTIONS.set(exercises._Options(reveal=True))
    try:
        fb = check_value(0.3, 0.2499999, name="answer")
    finally:
        exercises._OPTIONS.reset(token)
    assert "The right answer is 0.25." in fb.text


def _fixture_checker_module(monkeypatch, name: str, source: str) -> types.ModuleType:
    """A checker module made from ``source``, listed after the real ones in CHECKER_MODULES."""
    module = types.ModuleType(name)
    monkeypatch.setitem(sys.modules, module.__name__, module)
    exec(source, module.__dict__)
    monkeypatch.setattr(check, "CHECKER_MODULES", check.CHECKER_MODULES + (module,))
    return module


def test_mistakes_declared_by_checker_modules_are_listed_by_module(monkeypatch):
    _fixture_checker_module(monkeypatch, "course_utils.exercises.check.fixture_for_test",
                            "from course_utils.exercises.harness import Mistake\n"
                            "MISTAKES = [Mistake('first hint', abs), Mistake('second hint', abs), "
                            "Mistake('first hint', abs)]")
    own = Mistake("a test's own mistake is not a checker's", abs)
    groups = registered_mistakes()
    assert [m.hint for m in groups["course_utils.exercises.check.fixture_for_test"]] == ["first hint", "second hint"]
    assert list(groups) == [m.__name__ for m in check.CHECKER_MODULES]  # in the table's order
    assert all(own not in mistakes for mistakes in groups.values())


def test_a_module_missing_from_checker_modules_is_not_listed(monkeypatch):
    module = types.ModuleType("course_utils.exercises.check.gone_for_test")
    monkeypatch.setitem(sys.modules, module.__name__, module)
    exec("from course_utils.exercises.harness import Mistake\nMISTAKES = [Mistake('stale hint', abs)]", module.__dict__)
    assert "course_utils.exercises.check.gone_for_test" not in registered_mistakes()


def test_every_checkers_mistakes_are_declared_in_its_modules_list():
    for module in check.CHECKER_MODULES:
        lists = [name for name, value in vars(module).items()
                 if name.endswith("_MISTAKES") and isinstance(value, list)]
        assert lists, module.__name__
        for name in lists:
            missing = [m.hint for m in getattr(module, name) if m not in module.MISTAKES]
            assert not missing, f"{module.__name__}.{name} is not in its MISTAKES: {missing}"


def test_check_package_imports_every_module_of_its_table_in_order():
    import pathlib

    table = re.findall(r"``check/(\w+)\.py``", check.__doc__)
    files = sorted(p.stem for p in pathlib.Path(check.__file__).parent.glob("*.py") if p.stem != "__init__")
    assert table == [m.__name__.rsplit(".", 1)[1] for m in check.CHECKER_MODULES]
    assert sorted(table) == files


def test_compare_recognises_tensors_with_the_package_is_tensor():
    import torch

    from course_utils._checks import is_tensor
    from course_utils.exercises import compare

    class Tagged(torch.Tensor):                  # a tensor subclass defined outside torch
        pass

    param = torch.nn.Parameter(torch.ones(2, 3))
    tagged = torch.ones(4).as_subclass(Tagged)
    assert is_tensor(param) and is_tensor(tagged) and not is_tensor(np.ones(3)) and not is_tensor(torch.Size([2]))
    assert compare.describe(param) == "tensor (2, 3)" and compare.describe(tagged) == "tensor (4,)"
    assert compare.matches(torch.ones(4), tagged, compare.Tolerance(1e-8, 0.0))
    assert not compare.matches(np.ones(4), tagged, compare.Tolerance(1e-8, 0.0))   # a tensor where an array is expected


def test_default_tolerances_are_the_named_constants():
    from course_utils.exercises import compare

    assert compare.FUNCTION_TOLERANCE == compare.Tolerance(1e-8, 1e-6)
    assert compare.VALUE_TOLERANCE == compare.Tolerance(1e-6, 0.0)
    assert check_value(1.0 + 0.9e-6, 1.0, name="x").status == "correct"
    assert check_value(1.0 + 1.1e-6, 1.0, name="x").status == "incorrect"
    assert check_value(1e6 * (1 + 1e-9), 1e6, name="x").status == "incorrect"    # rtol 0: absolute only


def test_the_mistake_registry_lives_with_the_checker_modules_not_in_the_harness():
    import inspect

    assert "registered_mistakes" in check.__all__ and "registered_mistakes" not in exercises.__all__
    assert "importlib" not in inspect.getsource(exercises) and not hasattr(exercises, "CHECKER_PACKAGE")
    assert not hasattr(exercises, "registered_mistakes")                # no forwarder: one home


def test_every_checker_module_docstring_has_a_row_for_each_of_its_checkers():
    for module in check.CHECKER_MODULES:
        missing = [name for name in module.__all__ if f"``{name}(fn)``" not in module.__doc__]
        assert not missing, f"{module.__name__}'s table lacks {missing}"
    from course_utils.exercises.check import practice_api
    assert not hasattr(practice_api, "FLOP_CASES")       # a case list is the checker's own, not API
