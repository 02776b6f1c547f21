"""from_torch / to_torch copy parameters both ways; stacked layers are checked for consistency."""
import numpy as np
import pytest
import torch

from course_utils.cells.bridge import cell_forward, from_torch, stacked_backward, stacked_forward, to_torch
from course_utils.cells.params import CellParams, init_params


@pytest.mark.parametrize("cls", [torch.nn.RNN, torch.nn.LSTM, torch.nn.GRU,
                                 torch.nn.RNNCell, torch.nn.LSTMCell, torch.nn.GRUCell])
def test_from_torch_then_to_torch_round_trips(cls):
    torch.manual_seed(0)
    source, target = cls(3, 4), cls(3, 4)
    params = from_torch(source)
    assert isinstance(params, CellParams) and params.dtype == np.float32
    assert np.array_equal(params.weight_hh, source.weight_hh.detach().numpy() if "Cell" in cls.__name__
                          else source.weight_hh_l0.detach().numpy())
    to_torch(params, target)
    for (name, a), (_, b) in zip(source.named_parameters(), target.named_parameters()):
        assert torch.equal(a, b), name


def test_from_torch_copies_instead_of_sharing_memory():
    module = torch.nn.GRU(2, 3)
    params = from_torch(module)
    params.weight_ih[:] = 0
    assert module.weight_ih_l0.abs().sum() > 0


def test_from_torch_reads_layout_nonlinearity_and_missing_biases():
    layers = from_torch(torch.nn.RNN(3, 4, num_layers=2, bidirectional=True, nonlinearity="relu", bias=False))
    assert [len(row) for row in layers] == [2, 2]
    assert layers[1][0].D == 8 and layers[0][1].nonlinearity == "relu"
    assert not layers[1][1].bias_hh.any()
    assert from_torch(torch.nn.LSTMCell(2, 5).double()).dtype == np.float64


def test_to_torch_writes_scratch_params_into_a_module():
    params = init_params("lstm", 3, 4, seed=1, dtype=np.float32)
    module = to_torch(params, torch.nn.LSTM(3, 4))
    assert np.array_equal(module.bias_hh_l0.detach().numpy(), params.bias_hh)


def test_bridge_errors_name_the_problem():
    with pytest.raises(TypeError, match="module must be a torch.nn RNN, LSTM, GRU, .* got Linear"):
        from_torch(torch.nn.Linear(2, 3))
    with pytest.raises(ValueError, match="module has proj_size=2: expected 0"):
        from_torch(torch.nn.LSTM(3, 4, proj_size=2))
    with pytest.raises(ValueError, match=r"weight_ih has shape \(12, 3\): expected \(12, 2\)"):
        to_torch(init_params("gru", 3, 4, dtype=np.float32), torch.nn.GRU(2, 4))
    with pytest.raises(ValueError, match=r"reset_after=False\): expected a gru \(tanh, reset_after=True\)"):
        to_torch(init_params("gru", 3, 4, reset_after=False), torch.nn.GRU(3, 4))
    with pytest.raises(ValueError, match=r"params has layout \[1\] .*: expected \[2, 2\]"):
        to_torch(init_params("gru", 3, 4), torch.nn.GRU(3, 4, num_layers=2, bidirectional=True))
    with pytest.raises(ValueError, match="bias_ih is nonzero but the module has bias=False"):
        to_torch(init_params("rnn", 3, 4, dtype=np.float32), torch.nn.RNN(3, 4, bias=False))


def test_stacked_forward_accepts_single_params_and_flat_layer_lists():
    p0, p1 = init_params("gru", 3, 4, seed=0), init_params("gru", 4, 4, seed=1)
    out, h_n, cache = stacked_forward(np.ones((2, 5, 3)), None, [p0, p1], batch_first=True)
    assert out.shape == (2, 5, 4) and h_n.shape == (2, 2, 4)
    dx, dh0, grads = stacked_backward(np.ones_like(out), cache)
    assert dx.shape == (2, 5, 3) and dh0.shape == (2, 2, 4) and len(grads) == 2
    assert stacked_forward(np.ones((5, 2, 3)), layers=p0)[0].shape == (5, 2, 4)


def test_stacked_checks_layout_and_shapes():
    x = np.zeros((5, 2, 3))
    uni = [[init_params("lstm", 3, 4)], [init_params("lstm", 4, 4)]]
    bi = [[init_params("lstm", 3, 4), init_params("lstm", 3, 4)]]
    with pytest.raises(ValueError, match="bidirectional=True but layers has 1 direction"):
        stacked_forward(x, layers=uni, bidirectional=True)
    with pytest.raises(ValueError, match=r"layers\[1\]\[0\] has input size D=4 but layer 0 outputs 2\*H=8"):
        stacked_forward(x, layers=bi + [[init_params("lstm", 4, 4)] * 2])
    with pytest.raises(ValueError, match=r"layers\[0\]\[1\] is a gru with H=4"):
        stacked_forward(x, layers=[[init_params("lstm", 3, 4), init_params("gru", 3, 4)]])
    with pytest.raises(ValueError, match=r"state0\[0\] \(h\) has shape \(2, 2, 4\): expected \(1, 2, 4\)"):
        stacked_forward(x, (np.zeros((2, 2, 4)), np.zeros((1, 2, 4))), bi[0][:1])
    with pytest.raises(ValueError, match=r"x has shape \(2, 3\): expected a 3-D array \(B, T, D\)"):
        stacked_forward(x[0], layers=uni, batch_first=True)
    out, _, cache = stacked_forward(x, None, bi)
    with pytest.raises(ValueError, match=r"dout has shape \(5, 2, 4\): expected \(5, 2, 8\)"):
        stacked_backward(out[..., :4], cache)


@pytest.mark.parametrize("kwargs, error, message", [
    ({"state0": np.zeros((2, 2, 3))}, ValueError, r"state0 must be a pair \(h, c\) of \(layers\*directions, B, H\) arrays, "
                                              r"got ndarray of shape \(2, 2, 3\)"),
    ({"layers": None}, TypeError, r"layers is missing: expected a CellParams or layers\[l\]\[d\] of CellParams, "
                                r"received None; the order is stacked_forward\(x, state0, layers\)"),
    ({"layers": "lstm"}, TypeError, "layers must be a CellParams or a list of layers .* got str 'lstm'"),
    ({"layers": "second-row-int"}, TypeError, r"layers\[1\]\[0\] must be a CellParams, got int"),
])
def test_stacked_lstm_bad_state_or_layers_get_a_clear_error(kwargs, error, message):
    """A stacked LSTM given one array as its state gets the single-layer LSTM's message, not an unpacking error."""
    layers = [[init_params("lstm", 3, 3, seed=0)], [init_params("lstm", 3, 3, seed=1)]]
    if kwargs.get("layers") == "second-row-int":
        kwargs = {"layers": [layers[0], 3]}
    args = {"x": np.zeros((4, 2, 3)), "layers": layers, **kwargs}
    with pytest.raises(error, match=message):
        stacked_forward(**args)


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_the_old_order_params_before_state_gets_a_clear_error(kind):
    """cell_forward / stacked_forward take (x, state0, params|layers); the old order names the argument."""
    p, x = init_params(kind, 3, 4), np.zeros((5, 2, 3))
    with pytest.raises(TypeError, match=r"state0 is a CellParams: expected an initial state state0 .* received "
                                        r"CellParams .* the order is cell_forward\(x, state0, params\)"):
        cell_forward(x, p)
    with pytest.raises(TypeError, match=r"params is missing: expected a CellParams, received None"):
        cell_forward(x, None)
    for old in (p, [p], [[p]]):
        with pytest.raises(TypeError, match=r"state0 holds CellParams: expected an initial state .* received "
                                            r".* the order is stacked_forward\(x, state0, layers\)"):
            stacked_forward(x, old)
    h, _, _ = cell_forward(x, state0=None, params=p)
    out, _, _ = stacked_forward(x, state0=None, layers=p)
    assert np.array_equal(h, out) and h.shape == (5, 2, 4)


def test_torch_classes_is_the_one_kind_to_torch_map():
    from course_utils.cells.bridge import torch_classes
    from course_utils.cells.params import KINDS
    from course_utils.learning.models import LAYERS

    classes = torch_classes()
    assert tuple(classes) == KINDS and classes["lstm"] == (torch.nn.LSTM, torch.nn.LSTMCell)
    assert LAYERS == {kind: layer for kind, (layer, _) in classes.items()}
    for kind, (layer, cell) in classes.items():           # from_torch recognises both classes of a kind
        assert from_torch(layer(2, 3)).kind == kind and from_torch(cell(2, 3)).kind == kind
