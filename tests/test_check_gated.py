"""course_utils.exercises.check.gated: every checker accepts a correct answer, says "not attempted" for a stub,
and recognises each common mistake, which is written out here independently of the checker."""
from itertools import permutations

import numpy as np
import pytest
import torch

from course_utils.exercises import check
from course_utils.exercises.check import gated
from course_utils.exercises.check import registered_mistakes


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def stub(*args):
    raise NotImplementedError


# --- learner-style LSTM steps (PyTorch's fused layout) ---------------------------------------

def lstm_step(x_t, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh, order="ifgo", bug=None):
    a = x_t @ W_ih.T + b_ih + h_prev @ W_hh.T + (0.0 if bug == "one bias" else b_hh)
    gates = dict(zip(order, np.split(a, 4, axis=1)))
    i, f, o = sigmoid(gates["i"]), sigmoid(gates["f"]), sigmoid(gates["o"])
    g = sigmoid(gates["g"]) if bug == "sigmoid candidate" else np.tanh(gates["g"])
    c = f * c_prev + i * g
    if bug == "no tanh":
        return o * c, c
    if bug == "old cell":
        return o * np.tanh(c_prev), c
    return o * np.tanh(c), c


def test_correct_lstm_step_passes_and_matches_torch_layout():
    fb = check.lstm_step_fused(lstm_step)
    assert fb.passed and "All 3 test cases match" in fb.text


def test_lstm_reference_is_torch_lstm_cell():
    """The checker's reference and torch.nn.LSTMCell agree on the checker's own cases."""
    for (x, h, c, W_ih, W_hh, b_ih, b_hh), _ in gated._cases(4, seed=4, with_cell=True):
        cell = torch.nn.LSTMCell(x.shape[1], h.shape[1], dtype=torch.float64)
        with torch.no_grad():
            for name, value in zip(("weight_ih", "weight_hh", "bias_ih", "bias_hh"), (W_ih, W_hh, b_ih, b_hh)):
                getattr(cell, name).copy_(torch.from_numpy(value))
            h_t, c_t = cell(torch.from_numpy(x), (torch.from_numpy(h), torch.from_numpy(c)))
        h_ref, c_ref = gated._lstm_ref(x, h, c, W_ih, W_hh, b_ih, b_hh)
        assert np.allclose(h_t.numpy(), h_ref, atol=1e-12) and np.allclose(c_t.numpy(), c_ref, atol=1e-12)


@pytest.mark.parametrize("order", ["ifog", "figo", "igfo", "oifg"])
def test_swapped_lstm_gates_get_the_order_hint(order):
    fb = check.lstm_step_fused(lambda *a: lstm_step(*a, order=order))
    assert fb.status == "incorrect" and "Your gates look swapped: PyTorch orders them i, f, g, o" in fb.text


@pytest.mark.parametrize("bug, hint", [
    ("no tanh", "forgot the tanh on the cell before the output gate"),
    ("old cell", "not tanh(c_prev)"),
    ("sigmoid candidate", "candidate g uses tanh"),
    ("one bias", "adds both biases"),
])
def test_each_lstm_mistake_gets_its_hint(bug, hint):
    fb = check.lstm_step_fused(lambda *a: lstm_step(*a, bug=bug))
    assert fb.status == "incorrect" and hint in fb.text


def test_lstm_stub_is_not_attempted_and_crash_is_reported():
    assert check.lstm_step_fused(stub).status == "not attempted"
    fb = check.lstm_step_fused(lambda *a: a[0] @ a[3])           # wrong shapes: raises inside
    assert fb.status == "error" and "raised ValueError" in fb.text


# --- parameter count of a bidirectional LSTM --------------------------------------------------

def test_bidirectional_count_is_what_torch_counts():
    module = torch.nn.LSTM(8, 16, bidirectional=True)
    assert gated.BIDIRECTIONAL_COUNT == sum(p.numel() for p in module.parameters()) == 3328
    assert check.lstm_parameter_count(lambda: 2 * (4 * (16 * (8 + 16) + 16) + 4 * 16)).passed


@pytest.mark.parametrize("answer, hint", [
    (4 * (16 * 24 + 32), "double the count"),                               # one direction
    (2 * 4 * (16 * 24 + 16), "two bias vectors"),                            # one bias
    (4 * (16 * 24 + 16), "you have one direction with one bias"),
    (2 * (16 * 24 + 32), "four gate blocks"),
    (4 * (16 * 24 + 32) + 4 * (16 * 32 + 32), "both directions read the input"),
])
def test_each_counting_mistake_gets_its_hint(answer, hint):
    fb = check.lstm_parameter_count(lambda: answer)
    assert fb.status == "incorrect" and hint in fb.text


def test_count_stub_and_unknown_wrong_answer():
    assert check.lstm_parameter_count(stub).status == "not attempted"
    fb = check.lstm_parameter_count(lambda: 1000)
    assert fb.status == "incorrect" and "Hint" not in fb.text and "3328" not in fb.text
    assert 'check.reveal("4.2")' in fb.text
    fb = check.lstm_parameter_count(lambda: 1000, reveal=True)
    assert "The right answer is 3328." in fb.text


# --- learner-style GRU steps (PyTorch's variant) ----------------------------------------------

def gru_step(x_t, h_prev, W_ih, W_hh, b_ih, b_hh, order="rzn", z_on_candidate=False, reset="after", n_act=np.tanh):
    H = h_prev.shape[1]
    blocks = {k: slice(j * H, (j + 1) * H) for j, k in enumerate(order)}
    gi = {k: x_t @ W_ih[s].T + b_ih[s] for k, s in blocks.items()}
    hh = {k: h_prev @ W_hh[s].T for k, s in blocks.items()}
    bh = {k: b_hh[s] for k, s in blocks.items()}
    r = sigmoid(gi["r"] + hh["r"] + bh["r"])
    z = sigmoid(gi["z"] + hh["z"] + bh["z"])
    if reset == "after":
        n = n_act(gi["n"] + r * (hh["n"] + bh["n"]))
    elif reset == "before":                                  # Cho et al.
        n = n_act(gi["n"] + (r * h_prev) @ W_hh[blocks["n"]].T + bh["n"])
    else:                                                    # b_hn left outside the reset
        n = n_act(gi["n"] + r * hh["n"] + bh["n"])
    return z * n + (1 - z) * h_prev if z_on_candidate else (1 - z) * n + z * h_prev


def test_correct_gru_step_passes_and_reference_is_torch_gru_cell():
    assert check.gru_step(gru_step).passed
    for (x, h, W_ih, W_hh, b_ih, b_hh), _ in gated._cases(3, seed=5, with_cell=False):
        cell = torch.nn.GRUCell(x.shape[1], h.shape[1], dtype=torch.float64)
        with torch.no_grad():
            for name, value in zip(("weight_ih", "weight_hh", "bias_ih", "bias_hh"), (W_ih, W_hh, b_ih, b_hh)):
                getattr(cell, name).copy_(torch.from_numpy(value))
            h_t = cell(torch.from_numpy(x), torch.from_numpy(h))
        assert np.allclose(h_t.numpy(), gated._gru_ref(x, h, W_ih, W_hh, b_ih, b_hh), atol=1e-12)


@pytest.mark.parametrize("kwargs, hint", [
    ({"z_on_candidate": True}, "z and 1 - z are swapped"),
    ({"reset": "before"}, "that is Cho's variant"),
    ({"reset": "before", "z_on_candidate": True}, "Cho / Chung form"),
    ({"reset": "outside"}, "also scales the recurrent bias"),
    ({"n_act": sigmoid}, "candidate n uses tanh"),
])
def test_each_gru_mistake_gets_its_hint(kwargs, hint):
    fb = check.gru_step(lambda *a: gru_step(*a, **kwargs))
    assert fb.status == "incorrect" and hint in fb.text


@pytest.mark.parametrize("order", ["".join(p) for p in permutations("rzn") if "".join(p) != "rzn"])
def test_swapped_gru_gates_get_the_order_hint(order):
    fb = check.gru_step(lambda *a: gru_step(*a, order=order))
    assert fb.status == "incorrect" and "PyTorch orders the GRU's blocks r, z, n" in fb.text


def test_gru_stub_is_not_attempted():
    assert check.gru_step(stub).status == "not attempted"


# --- GRU hidden size at an LSTM's parameter budget --------------------------------------------

def count(module):
    return sum(p.numel() for p in module.parameters())


def test_budget_answer_is_the_largest_gru_within_the_lstms_count():
    budget = count(torch.nn.LSTM(16, 64))
    assert budget == gated.LSTM_BUDGET == 20992
    assert count(torch.nn.GRU(16, 75)) <= budget < count(torch.nn.GRU(16, 76))
    assert check.gru_hidden_size_for_budget(lambda: 75).passed


def test_the_library_budget_search_answers_another_question():
    # learning.models.hidden_size_for_budget sizes a model with a head (O >= 1): why gated keeps its own search
    from course_utils.learning.models import hidden_size_for_budget

    assert hidden_size_for_budget("gru", 16, 1, gated.LSTM_BUDGET) == 74
    assert gated.GRU_HIDDEN_FOR_BUDGET == 75


@pytest.mark.parametrize("answer, hint", [(64, "GRU gets more hidden units"), (76, "76 overshoots"),
                                          (85, "grow like H^2"), (73, "sqrt(4/3)"), (74, "sqrt(4/3)")])
def test_each_budget_mistake_gets_its_hint(answer, hint):
    fb = check.gru_hidden_size_for_budget(lambda: answer)
    assert fb.status == "incorrect" and hint in fb.text


def test_budget_stub_is_not_attempted():
    assert check.gru_hidden_size_for_budget(stub).status == "not attempted"


def test_hints_are_registered_for_the_instructor_guide_once_each():
    hints = [m.hint for m in registered_mistakes()["course_utils.exercises.check.gated"]]
    assert len(hints) == len(set(hints))
    assert gated.LSTM_ORDER_HINT in hints and gated.GRU_ORDER_HINT in hints
