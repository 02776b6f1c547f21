"""course_utils.cells.cost: FLOP and parameter formulas against PyTorch's own counts; timing helpers."""
import numpy as np
import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from course_utils.cells import bridge, cost, params

MODULES = {kind: layer for kind, (layer, _) in bridge.torch_classes().items()}   # nn.RNN, nn.LSTM, nn.GRU
CELLS = {kind: cell for kind, (_, cell) in bridge.torch_classes().items()}       # nn.RNNCell, ...


@pytest.mark.parametrize("kind", params.KINDS)
@pytest.mark.parametrize("T, B, D, H", [(3, 2, 5, 7), (10, 4, 6, 8)])
def test_matmul_flops_match_torch_flop_counter_on_a_cell_loop(kind, T, B, D, H):
    cell, x = CELLS[kind](D, H), torch.randn(T, B, D)
    state = (torch.zeros(B, H), torch.zeros(B, H)) if kind == "lstm" else torch.zeros(B, H)
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        for t in range(T):
            state = cell(x[t], state)
    assert counter.get_total_flops() == T * cost.matmul_flops_per_step(kind, D, H, B)


@pytest.mark.parametrize("kind", ["rnn", "gru"])
def test_matmul_flops_match_torch_flop_counter_on_the_module(kind):
    T, B, D, H = 6, 3, 4, 5
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        MODULES[kind](D, H)(torch.randn(T, B, D))
    assert counter.get_total_flops() == T * cost.matmul_flops_per_step(kind, D, H, B)


def test_sequence_flops_is_T_times_step_and_elementwise_is_small():
    assert cost.sequence_flops("lstm", 7, 2, 3, 4) == 7 * cost.flops_per_step("lstm", 3, 4, 2)
    assert cost.flops_per_step("gru", 3, 4, 2) == 2 * 3 * 4 * 7 * 2 + 17 * 4 * 2
    for kind in params.KINDS:
        share = cost.elementwise_flops_per_step(kind, 256, 8) / cost.flops_per_step(kind, 256, 256, 8)
        assert share < 0.01


@pytest.mark.parametrize("kind", params.KINDS)
@pytest.mark.parametrize("D, H, layers, bidirectional", [(4, 5, 1, False), (4, 5, 3, False), (3, 6, 2, True),
                                                        (10, 20, 2, True)])
def test_parameter_count_matches_torch(kind, D, H, layers, bidirectional):
    module = MODULES[kind](D, H, num_layers=layers, bidirectional=bidirectional)
    assert cost.parameter_count(kind, D, H, layers, bidirectional) == sum(p.numel() for p in module.parameters())


def test_unknown_kind_raises_value_error():
    with pytest.raises(ValueError, match="kind"):
        cost.flops_per_step("transformer", 3, 4)


def test_loglog_slope_recovers_a_power_law():
    x = np.array([1.0, 2.0, 4.0, 8.0])
    assert abs(cost.loglog_slope(x, 3 * x ** 2) - 2) < 1e-12
    with pytest.raises(ValueError):
        cost.loglog_slope([1, 2], [1, -1])


def test_median_time_and_peak_are_positive():
    calls = []
    assert cost.median_time(lambda: calls.append(1), repeats=3, warmup=2) >= 0 and len(calls) == 5
    assert cost.matmul_peak_gflops(n=64, repeats=2) > 0
    with pytest.raises(ValueError):
        cost.median_time(lambda: None, repeats=0)


def test_interleaved_times_run_each_function_in_turn():
    order = []
    times = cost.interleaved_median_times([lambda: order.append("a"), lambda: order.append("b")], repeats=2, warmup=1)
    assert order == ["a", "b"] * 3 and len(times) == 2 and min(times) >= 0


def test_timing_helpers_name_a_bad_argument():
    with pytest.raises(TypeError, match="fns must be a non-empty list of functions, got int 3"):
        cost.interleaved_median_times(3)
    with pytest.raises(TypeError, match="fns must be a non-empty list of functions, got function"):
        cost.interleaved_median_times(lambda: None)
    with pytest.raises(TypeError, match="dtype must be a torch floating dtype"):
        cost.matmul_peak_gflops(n=4, repeats=1, dtype="float32")
