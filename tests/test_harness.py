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
