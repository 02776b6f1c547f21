"""SequenceModel, parameter counts and the forget-gate bias."""
import pytest
import torch

from course_utils.models import (SequenceModel, count_parameters, forget_bias, hidden_size_for_budget,
                                 parameter_count, set_forget_bias)

CELLS = ["rnn", "lstm", "gru"]
B, T, D, H, O = 3, 5, 2, 4, 1


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("readout,shape", [("last", (B, O)), ("all", (B, T, O))])
def test_output_shape_for_each_readout(cell, readout, shape):
    model = SequenceModel(cell, D, H, O, readout=readout)
    assert model(torch.zeros(B, T, D)).shape == shape
    assert model.rnn.batch_first and isinstance(model.head, torch.nn.Linear)


@pytest.mark.parametrize("cell", CELLS)
def test_last_readout_is_head_of_final_hidden_state(cell):
    torch.manual_seed(0)
    model = SequenceModel(cell, D, H, O)
    x = torch.randn(B, T, D)
    h, _ = model.rnn(x)
    torch.testing.assert_close(model(x), model.head(h[:, -1]))


def test_token_input_uses_embedding():
    model = SequenceModel("gru", 6, H, 10, vocab_size=10, readout="all")
    tokens = torch.randint(0, 10, (B, T))
    assert model(tokens).shape == (B, T, 10)
    with pytest.raises(ValueError, match="token ids"):
        model(torch.zeros(B, T, 6))


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("layers", [1, 2])
def test_parameter_count_formula_matches_torch(cell, layers):
    model = SequenceModel(cell, D, H, O, num_layers=layers)
    assert count_parameters(model) == parameter_count(cell, D, H, O, num_layers=layers)


@pytest.mark.parametrize("cell", CELLS)
def test_hidden_size_for_budget_is_largest_fitting(cell):
    budget = 2000
    h = hidden_size_for_budget(cell, 2, 1, budget)
    assert parameter_count(cell, 2, h, 1) <= budget < parameter_count(cell, 2, h + 1, 1)


def test_budget_gives_rnn_about_twice_the_lstm_hidden_size():
    h_rnn = hidden_size_for_budget("rnn", 2, 1, 5000)
    h_lstm = hidden_size_for_budget("lstm", 2, 1, 5000)
    assert 1.8 < h_rnn / h_lstm < 2.2


@pytest.mark.parametrize("value", [0.0, 1.0, 2.5])
def test_forget_bias_sets_sum_of_both_biases(value):
    model = SequenceModel("lstm", D, H, O, num_layers=2, forget_bias=value)
    for layer in range(2):
        torch.testing.assert_close(forget_bias(model.rnn, layer), torch.full((H,), value))


def test_forget_bias_leaves_other_gates_alone():
    torch.manual_seed(0)
    a = SequenceModel("lstm", D, H, O)
    torch.manual_seed(0)
    b = SequenceModel("lstm", D, H, O, forget_bias=1.0)
    keep = torch.cat([torch.arange(0, H), torch.arange(2 * H, 4 * H)])
    torch.testing.assert_close(a.rnn.bias_ih_l0[keep], b.rnn.bias_ih_l0[keep])


@pytest.mark.parametrize("kwargs,match", [
    ({"cell": "transformer"}, "cell must be one of"),
    ({"cell": "gru", "forget_bias": 1.0}, "only defined for cell='lstm'"),
    ({"cell": "rnn", "readout": "mean"}, "readout must be one of"),
    ({"cell": "rnn", "hidden_size": 0}, "hidden_size must be a positive integer"),
])
def test_bad_arguments_are_named(kwargs, match):
    args = {"cell": "rnn", "input_size": D, "hidden_size": H, "output_size": O, **kwargs}
    with pytest.raises(ValueError, match=match):
        SequenceModel(**args)


def test_wrong_input_width_is_reported():
    with pytest.raises(ValueError, match=r"expected a float tensor \(B, T, 2\)"):
        SequenceModel("rnn", D, H, O)(torch.zeros(B, T, 3))


def test_set_forget_bias_refuses_non_lstm():
    with pytest.raises(TypeError, match="torch.nn.LSTM"):
        set_forget_bias(torch.nn.GRU(2, 3), 1.0)
