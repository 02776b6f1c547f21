"""course_utils.exercises.harness: what reaches the learner when the comparison itself is hard.

* two wrongly shaped outputs get their shape problems, not "could not compare", and a catalogued
  mistake compared with such an output never raises into the learner's cell;
* a Feedback is never changed after it is made (the printed output and the backprop note make
  new ones), and the learner's printed output is shown on every path, "could not compare" too.
"""
from __future__ import annotations

import dataclasses
import types

import numpy as np
import pytest

from course_utils.exercises import compare, harness
from course_utils.exercises.harness import Feedback, Mistake, check_function

EXPECTED = (np.arange(3.0), 5.0 * np.ones((2, 2)))
WRONG_SHAPES = (np.ones((2, 2)), np.zeros(4))      # the second cannot be broadcast with the first expected


def _reference(x):
    return EXPECTED


def test_two_wrongly_shaped_outputs_get_their_shape_problems():
    fb = check_function(lambda x: WRONG_SHAPES, _reference, [((1,), {})], name="f", output_names=("a", "b"))
    assert fb.status == "incorrect", fb.text
    assert "a has shape (2, 2) but should have shape (3,)." in fb.text
    assert "b has shape (4,) but should have shape (2, 2)." in fb.text


def test_a_mistake_compared_with_a_wrongly_shaped_output_never_raises():
    # the mistake's a is the learner's b-shaped array: comparing them once broadcast (4,) with (3,)
    mistake = Mistake("never shown: it does not reproduce the output", lambda x: (np.zeros(3), np.ones((2, 2))))
    fb = check_function(lambda x: WRONG_SHAPES, _reference, [((1,), {})], name="f", output_names=("a", "b"),
                        mistakes=[mistake])
    assert fb.status == "incorrect" and "never shown" not in fb.text, fb.text


def test_a_mistake_whose_comparison_fails_is_skipped(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("an exotic value")

    monkeypatch.setattr(compare, "matches", broken)
    fits = harness._fits(Mistake("hint", lambda: 1.0), [((), {})], [2.0], [1.0], compare.FUNCTION_TOLERANCE)
    assert fits is False


def test_feedback_is_frozen_and_its_messages_are_a_tuple():
    fb = Feedback("correct", ["first"], "f")
    assert fb.messages == ("first",)
    with pytest.raises(dataclasses.FrozenInstanceError):
        fb.status = "incorrect"


def test_the_printed_output_is_added_to_a_new_feedback():
    fb = Feedback("correct", ["first"], "f", seconds=0.5)
    shown = harness._with_output(fb, types.SimpleNamespace(output="hello\n"))
    assert fb.messages == ("first",)
    assert shown.messages == ("first", "Your code printed:\nhello") and shown.seconds == 0.5
    assert harness._with_output(fb, types.SimpleNamespace(output="")) is fb


def test_could_not_compare_still_shows_what_the_learner_printed(monkeypatch):
    def chatty(x):
        print("inside f")
        return EXPECTED

    def cannot_compare(*args, **kwargs):
        raise TypeError("unorderable")

    monkeypatch.setattr(compare, "compare", cannot_compare)
    fb = check_function(chatty, _reference, [((1,), {})], name="f", output_names=("a", "b"))
    assert fb.status == "wrong type" and "could not compare" in fb.text and "(TypeError)" in fb.text
    assert "Your code printed:\n  inside f" in fb.text


# --- a learner's function that changes its inputs in place: a note, never a failure -------------

def _scale(x, factor, *, shift=0.0):
    return x * factor + shift


def _scale_cases():
    return [((np.arange(4.0), 2.0), {"shift": np.ones(4)}), ((np.ones((2, 3)), 3.0), {"shift": np.zeros(3)})]


def _in_place(x, factor, *, shift=0.0):
    x *= factor
    x += shift
    return x


def test_a_function_that_changes_its_input_in_place_is_correct_with_a_note():
    fb = check_function(_in_place, _scale, _scale_cases(), name="scale")
    assert fb.passed, fb.text
    assert fb.messages[-1].startswith("Note: your function changed its input `x` in place, so the caller's array "
                                      "changed too"), fb.text
    assert fb.text.count("changed its input") == 1          # once, although both cases changed x


@pytest.mark.parametrize("isolate", ["fork", "in process"])
def test_every_changed_input_is_named_in_a_wrong_answer_too(monkeypatch, isolate):
    if isolate == "in process":
        monkeypatch.setenv("COURSE_UTILS_NO_FORK", "1")

    def wrong(x, factor, *, shift=0.0):
        x *= factor
        shift[...] = 0.0
        return x + 1.0

    fb = check_function(wrong, _scale, _scale_cases(), name="scale")
    assert fb.status == "incorrect", fb.text
    assert "Note: your function changed its inputs `x` and `shift` in place, so the caller's arrays" in fb.text


def test_no_note_for_a_function_that_leaves_its_inputs_alone_or_changes_a_copy():
    def on_a_copy(x, factor, *, shift=0.0):
        y = x.copy()
        y *= factor
        return y + shift

    for fn in (_scale, on_a_copy):
        fb = check_function(fn, _scale, _scale_cases(), name="scale")
        assert fb.passed and "in place" not in fb.text, fb.text


def test_changes_inside_lists_and_to_tensors_are_seen_and_unknown_objects_are_not():
    torch = pytest.importorskip("torch")
    assert harness._changed([np.zeros(2), np.ones(2)], [np.zeros(2), np.zeros(2)])
    assert harness._changed({"a": np.zeros(2)}, {"a": np.zeros(3)})
    assert harness._changed(torch.zeros(2), torch.ones(2)) and not harness._changed(torch.zeros(2), torch.zeros(2))
    assert not harness._changed(np.array([np.nan, 1.0]), np.array([np.nan, 1.0]))
    assert not harness._changed(np.array(["a", "b"]), np.array(["a", "b"]))
    assert not harness._changed(object(), object()) and not harness._changed(2.0, 2.0)
