"""The chapter 0 checkers accept right answers and explain the common wrong ones."""
import numpy as np
import pytest

from course_utils.exercises import check
from course_utils.exercises.check import intro


def right_split(W_concat, H):
    return W_concat[:, :H], W_concat[:, H:]


def right_reorder(W):
    i, f, o, g = np.split(W, 4)
    return np.vstack([i, f, g, o])


def test_correct_answers_pass():
    assert check.split_concat_weight(right_split).passed
    assert check.reorder_lstm_gates(right_reorder).passed


@pytest.mark.parametrize("mistake", intro.SPLIT_MISTAKES, ids=lambda m: m.hint[:30])
def test_each_split_mistake_gets_its_hint(mistake):
    feedback = check.split_concat_weight(mistake.implementation)
    assert not feedback.passed
    assert mistake.hint.split(":")[0] in feedback.text


@pytest.mark.parametrize("mistake", intro.REORDER_MISTAKES, ids=lambda m: m.hint[:30])
def test_each_reorder_mistake_gets_its_hint(mistake):
    feedback = check.reorder_lstm_gates(mistake.implementation)
    assert not feedback.passed
    assert mistake.hint.split(":")[0] in feedback.text


def test_a_stub_is_reported_as_not_attempted():
    def stub(W):
        raise NotImplementedError
    assert "not attempted yet" in check.reorder_lstm_gates(stub).text
