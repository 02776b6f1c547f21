"""SequenceModel, parameter counts and the forget-gate bias."""
import numpy as np
import pytest
import torch

from course_utils.learning.models import (SequenceModel, count_parameters, forget_bias, hidden_size_for_budget,
                                 model_parameter_count, set_forget_bias)

KINDS = ["rnn", "lstm", "gru"]
B, T, D, H, O = 3, 5, 2, 4, 1


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("readout,shape", [("last", (B, O)), ("all", (B, T, O))])
def test_output_shape_for_each_readout(kind, readout, shape):
    model = SequenceModel(kind, D, H, O, readout=readout)
    assert model(torch.zeros(B, T, D)).shape == shape
    assert model.rnn.batch_first and isinstance(model.head, torch.nn.Linear)


@pytest.mark.parametrize("kind", KINDS)
def test_last_readout_is_head_of_final_hidden_state(kind):
    torch.manual_seed(0)
    model = SequenceModel(kind, D, H, O)
    x = torch.randn(B, T, D)
    h, _ = model.rnn(x)
    torch.testing.assert_close(model(x), model.head(h[:, -1]))


def test_token_input_uses_embedding():
    model = SequenceModel("gru", 6, H, 10, vocab_size=10, readout="all")
    tokens = torch.randint(0, 10, (B, T))
    assert model(tokens).shape == (B, T, 10)
    with pytest.raises(ValueError, match="token ids"):
        model(torch.zeros(B, T, 6))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("layers", [1, 2])
def test_parameter_count_formula_matches_torch(kind, layers):
    model = SequenceModel(kind, D, H, O, num_layers=layers)
    assert count_parameters(model) == model_parameter_count(kind, D, H, O, num_layers=layers)


@pytest.mark.parametrize("kind", KINDS)
def test_hidden_size_for_budget_is_largest_fitting(kind):
    budget = 2000
    h = hidden_size_for_budget(kind, 2, 1, budget)
    assert model_parameter_count(kind, 2, h, 1) <= budget < model_parameter_count(kind, 2, h + 1, 1)


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
    ({"kind": "transformer"}, "kind must be one of"),
    ({"kind": "gru", "forget_bias": 1.0}, "only defined for kind='lstm'"),
    ({"kind": "rnn", "readout": "mean"}, "readout must be one of"),
    ({"kind": "rnn", "hidden_size": 0}, "hidden_size must be a positive integer"),
])
def test_bad_arguments_are_named(kwargs, match):
    args = {"kind": "rnn", "input_size": D, "hidden_size": H, "output_size": O, **kwargs}
    with pytest.raises(ValueError, match=match):
        SequenceModel(**args)


def test_wrong_input_width_is_reported():
    with pytest.raises(ValueError, match=r"expected a float tensor \(B, T, 2\)"):
        SequenceModel("rnn", D, H, O)(torch.zeros(B, T, 3))


def test_set_forget_bias_refuses_non_lstm():
    with pytest.raises(TypeError, match="torch.nn.LSTM"):
        set_forget_bias(torch.nn.GRU(2, 3), 1.0)


@pytest.mark.parametrize("make_state,match", [
    (lambda: torch.zeros(2, B, H), r"state0 must be a pair \(h0, c0\) of tensors of shape \(2, 3, 4\).*got Tensor"),
    (lambda: torch.zeros(3, B, H), r"state0 must be a pair \(h0, c0\)"),
    (lambda: (torch.zeros(1, B, H), torch.zeros(2, B, H)), r"state0\[0\] \(h0\) has shape \(1, 3, 4\): expected \(2, 3, 4\)"),
    (lambda: (torch.zeros(2, B, H), torch.zeros(2, B, H, dtype=torch.float64)), r"state0\[1\] \(c0\) has dtype"),
])
def test_stacked_lstm_state_must_be_a_pair_of_the_right_shape(make_state, match):
    model = SequenceModel("lstm", D, H, O, num_layers=2)
    with pytest.raises(ValueError, match=match):
        model(torch.zeros(B, T, D), make_state())
    h0 = (torch.zeros(2, B, H), torch.zeros(2, B, H))
    assert model(torch.zeros(B, T, D), h0).shape == (B, O)


@pytest.mark.parametrize("kind", ["rnn", "gru"])
def test_single_tensor_state_is_checked(kind):
    model = SequenceModel(kind, D, H, O, num_layers=2)
    with pytest.raises(ValueError, match=r"state0 has shape \(1, 3, 4\): expected \(2, 3, 4\)"):
        model(torch.zeros(B, T, D), torch.zeros(1, B, H))
    with pytest.raises(TypeError, match="state0 must be a torch.Tensor"):
        model(torch.zeros(B, T, D), (torch.zeros(2, B, H), torch.zeros(2, B, H)))


@pytest.mark.parametrize("x,error,match", [
    (np.zeros((B, T, D), dtype=np.float32), TypeError, "x must be a torch.Tensor, got ndarray"),
    (torch.zeros(B, T, D, dtype=torch.float64), ValueError, "x has dtype torch.float64 but the model has dtype torch.float32"),
    (torch.full((B, T, D), float("nan")), ValueError, "nan or inf"),
    (torch.zeros(B, 0, D), ValueError, "at least one step"),
    (torch.zeros(0, T, D), ValueError, "at least one sequence"),
])
def test_bad_float_inputs_are_named(x, error, match):
    with pytest.raises(error, match=match):
        SequenceModel("gru", D, H, O)(x)


def test_token_ids_out_of_the_vocabulary_are_named():
    model = SequenceModel("lstm", D, H, O, vocab_size=5)
    for bad in (5, -1):
        with pytest.raises(ValueError, match=rf"token id {bad}: expected ids in \[0, 5\)"):
            model(torch.full((B, T), bad))


@pytest.mark.parametrize("call,error,match", [
    (lambda: SequenceModel("rnn", D, True, O), TypeError, "hidden_size must be an integer, got bool"),
    (lambda: SequenceModel("rnn", D, 4.0, O), TypeError, "hidden_size must be an integer, got float"),
    (lambda: SequenceModel("lstm", D, H, O, forget_bias="1"), TypeError, "forget_bias must be a real number"),
    (lambda: SequenceModel("rnn", D, H, O, readout=["last"]), ValueError, "readout must be one of"),
    (lambda: forget_bias(torch.nn.LSTM(2, 3), layer=1), ValueError, r"layer must be in \[0, 0\]"),
    (lambda: forget_bias(torch.nn.GRU(2, 3)), TypeError, "lstm must be a torch.nn.LSTM"),
    (lambda: set_forget_bias(torch.nn.LSTM(2, 3), float("nan")), ValueError, "value must be a finite number"),
    (lambda: model_parameter_count("rnn", 0, 4, 1), ValueError, "input_size must be a positive integer"),
    (lambda: hidden_size_for_budget("gru", 2, 1, budget=True), TypeError, "budget must be an integer"),
])
def test_more_bad_arguments_are_named(call, error, match):
    with pytest.raises(error, match=match):
        call()
