"""course_utils.exercises.check.practice_api: each checker accepts a correct answer, says "not attempted" for a
stub, and recognises each common mistake, written out here independently of the checker."""
import numpy as np
import pytest
import torch

from course_utils.exercises import check
from course_utils.exercises.check import practice_api


def stub(*args):
    raise NotImplementedError


# --- 10.1 GRU layer FLOPs --------------------------------------------------------------------

def flops(T, B, D, H, per_mac=2, G=3, inner="D+H", times_T=True, times_B=True):
    K = {"D+H": D + H, "H": H, "D": D}[inner]
    return per_mac * G * H * K * (B if times_B else 1) * (T if times_T else 1)


def test_correct_flops_pass():
    assert check.gru_layer_flops(flops).passed


@pytest.mark.parametrize("kwargs, hint", [
    (dict(per_mac=1), "multiply-add as 2 FLOPs"),
    (dict(G=4), "G = 3, not 4"),
    (dict(G=1), "one gate block"),
    (dict(inner="H"), "inner size is D + H"),
    (dict(inner="D"), "inner size is D + H"),
    (dict(times_T=False), "multiply by T and by B"),
    (dict(times_B=False), "multiply by T and by B"),
])
def test_each_flop_mistake_gets_its_hint(kwargs, hint):
    fb = check.gru_layer_flops(lambda T, B, D, H: flops(T, B, D, H, **kwargs))
    assert fb.status == "incorrect" and hint in fb.text


def test_flop_stub_is_not_attempted():
    assert check.gru_layer_flops(stub).status == "not attempted"


# --- 10.2 stacked bidirectional LSTM parameters ---------------------------------------------

def count(layer2_reads=40, dirs=2, biases=2, layers=2, gates=4):
    D, H = 10, 20
    total = dirs * gates * (H * (D + H) + biases * H)
    if layers == 2:
        total += dirs * gates * (H * (layer2_reads + H) + biases * H)
    return total


def test_stacked_count_is_what_torch_counts():
    module = torch.nn.LSTM(10, 20, num_layers=2, bidirectional=True)
    assert practice_api.STACKED_COUNT == sum(p.numel() for p in module.parameters()) == count()
    assert check.stacked_lstm_parameter_count(lambda: count()).passed


@pytest.mark.parametrize("kwargs, hint", [
    (dict(layer2_reads=10), "not D = 10"),
    (dict(layer2_reads=20), "not H = 20"),
    (dict(dirs=1, layer2_reads=20), "2 directions x 2 layers"),
    (dict(biases=1), "two bias vectors"),
    (dict(layers=1), "stacks a second bidirectional layer"),
    (dict(gates=1), "four gate blocks"),
])
def test_each_count_mistake_gets_its_hint(kwargs, hint):
    fb = check.stacked_lstm_parameter_count(lambda: count(**kwargs))
    assert fb.status == "incorrect" and hint in fb.text


def test_count_stub_is_not_attempted():
    assert check.stacked_lstm_parameter_count(stub).status == "not attempted"


# --- 10.3 the scan's combine operator -------------------------------------------------------

def test_correct_combine_passes():
    assert check.scan_combine(lambda a1, b1, a2, b2: (a1 * a2, b1 * a2 + b2)).passed


@pytest.mark.parametrize("wrong, hint", [
    (lambda a1, b1, a2, b2: (a2 * a1, b1 + a1 * b2), "in the other order"),
    (lambda a1, b1, a2, b2: (a1 * a2, b2 + b1), "b1 included"),
    (lambda a1, b1, a2, b2: (a1 * a2, b1 * a1 + b2), "a1 never touches it"),
    (lambda a1, b1, a2, b2: (a1 + a2, a2 * b1 + b2), "Your a adds the two factors"),
])
def test_each_combine_mistake_gets_its_hint(wrong, hint):
    fb = check.scan_combine(wrong)
    assert fb.status == "incorrect" and hint in fb.text


def test_combine_stub_and_crash():
    assert check.scan_combine(stub).status == "not attempted"
    fb = check.scan_combine(lambda a1, b1, a2, b2: np.dot(a1, np.ones(99)))
    assert fb.status == "error"
