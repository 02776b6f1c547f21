"""CellParams: PyTorch's fused layout, per-gate views, initialisation, copies."""
import dataclasses

import numpy as np
import pytest

from course_utils.cells.gru import gru_step_forward
from course_utils.cells.lstm import lstm_step_forward
from course_utils.cells.params import CellParams, init_params, sigmoid
from course_utils.cells.rnn import rnn_step_forward

PER_GATE_TOL = 1e-14   # per-gate form vs fused form, float64

GATE_COUNTS = {"rnn": 1, "lstm": 4, "gru": 3}


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("D,H", [(3, 1), (2, 5), (6, 4)])
def test_init_params_has_fused_shapes_and_pytorch_range(kind, D, H):
    p = init_params(kind, D, H, seed=3)
    G = GATE_COUNTS[kind]
    assert (p.D, p.H, p.G, p.dtype) == (D, H, G, np.float64)
    assert p.weight_ih.shape == (G * H, D) and p.weight_hh.shape == (G * H, H)
    assert p.bias_ih.shape == (G * H,) and p.bias_hh.shape == (G * H,)
    bound = 1 / np.sqrt(H)
    assert all(np.abs(a).max() <= bound for a in p.as_dict().values())


def test_init_params_is_seeded_and_keeps_dtype():
    a, b, c = init_params("lstm", 3, 4, seed=1), init_params("lstm", 3, 4, seed=1), init_params("lstm", 3, 4, seed=2)
    assert np.array_equal(a.weight_hh, b.weight_hh) and not np.array_equal(a.weight_hh, c.weight_hh)
    assert init_params("gru", 3, 4, dtype=np.float32).dtype == np.float32


def test_gate_views_cut_pytorch_order_and_write_through():
    p = init_params("lstm", 3, 4, seed=0)
    assert p.gates == ("i", "f", "g", "o")
    f = p.gate("f")
    assert np.array_equal(f.W_ih, p.weight_ih[4:8]) and np.array_equal(f.b_hh, p.bias_hh[4:8])
    assert np.shares_memory(f.W_hh, p.weight_hh)
    assert f.W_concat.shape == (4, 7) and np.array_equal(f.W_concat[:, :4], f.W_hh)
    np.testing.assert_array_equal(f.b, p.bias_ih[4:8] + p.bias_hh[4:8])
    f.W_ih[0, 0] = 7.0
    assert p.weight_ih[4, 0] == 7.0
    assert init_params("gru", 2, 3).gates == ("r", "z", "n")
    assert init_params("rnn", 2, 3).gate().W_hh.shape == (3, 3)


def test_per_gate_concat_form_is_the_fused_computation():
    """The seed article's f_t = σ(W_f [h_{t-1}, x_t] + b_f) equals the fused LSTM step's forget gate."""
    p = init_params("lstm", 3, 5, seed=2)
    rng = np.random.default_rng(2)
    x_t, h_prev, c_prev = rng.standard_normal((4, 3)), rng.standard_normal((4, 5)), rng.standard_normal((4, 5))
    _, cache = lstm_step_forward(x_t, (h_prev, c_prev), p)
    for name in p.gates:
        gate = p.gate(name)
        a = np.concatenate([h_prev, x_t], axis=1) @ gate.W_concat.T + gate.b
        expected = np.tanh(a) if name == "g" else sigmoid(a)
        assert np.abs(cache.gates[name] - expected).max() <= PER_GATE_TOL, name


def test_astype_copy_and_replace_are_independent():
    p = init_params("gru", 2, 3, reset_after=False)
    q = p.copy()
    q.weight_ih[0, 0] += 1
    assert p.weight_ih[0, 0] != q.weight_ih[0, 0] and q.reset_after is False
    assert p.astype(np.float32).dtype == np.float32 and p.dtype == np.float64
    assert p.replace(reset_after=True).reset_after is True and np.shares_memory(p.replace().weight_ih, p.weight_ih)
    assert set(p.as_dict()) == {"weight_ih", "weight_hh", "bias_ih", "bias_hh"}


@pytest.mark.parametrize("change,message", [
    ({"kind": "cnn"}, "kind must be one of"),
    ({"nonlinearity": "sigmoid"}, "nonlinearity must be one of"),
    ({"nonlinearity": "relu"}, "nonlinearity must be 'tanh' for a lstm"),
    ({"reset_after": False}, "reset_after=False applies to the gru only: expected True for a lstm"),
    ({"weight_hh": np.zeros((8, 3))}, r"weight_hh has shape \(8, 3\): expected \(8, 2\)"),
    ({"bias_ih": np.zeros(7)}, r"bias_ih has shape \(7,\): expected \(8,\)"),
    ({"weight_ih": np.zeros((7, 3))}, r"weight_ih has shape \(7, 3\): its rows must be 4\*H"),
    ({"bias_hh": np.zeros(8, dtype=np.float32)}, "bias_hh has dtype float32 but weight_ih has dtype float64"),
    ({"weight_ih": np.zeros((8, 3), dtype=int)}, "weight_ih has dtype int64: expected float32 or float64"),
    ({"weight_hh": np.full((8, 2), np.nan)}, "weight_hh contains non-finite values"),
])
def test_cell_params_rejects_inconsistent_arrays(change, message):
    p = init_params("lstm", 3, 2)
    with pytest.raises(ValueError, match=message):
        p.replace(**change)


def test_init_params_rejects_bad_sizes():
    with pytest.raises(ValueError, match="hidden_size must be a positive integer, got 0"):
        init_params("rnn", 3, 0)
    with pytest.raises(ValueError, match="gate must be one of"):
        init_params("gru", 3, 2).gate("f")


@pytest.mark.parametrize("value", ["torch", "cho", 1, None])
def test_reset_after_must_be_a_bool(value):
    with pytest.raises(TypeError, match=f"reset_after must be True or False, got {value!r}"):
        init_params("gru", 3, 2).replace(reset_after=value)


@pytest.mark.parametrize("kind, field, value", [
    ("gru", "reset_after", False), ("gru", "reset_after", "bogus"), ("rnn", "nonlinearity", "sigmoid"),
    ("rnn", "nonlinearity", "relu"), ("lstm", "kind", "gru"), ("gru", "weight_hh", np.zeros((6, 2))),
])
def test_cell_params_cannot_be_changed_after_construction(kind, field, value):
    """Issue 18: a field reassigned after validation used to run another cell silently."""
    p = init_params(kind, 3, 2, seed=1)
    before = {name: getattr(p, name) for name in ("kind", "nonlinearity", "reset_after", "weight_hh")}
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(p, field, value)
    assert {name: getattr(p, name) for name in before} == before


def test_frozen_params_still_run_the_cell_they_were_built_as():
    rng = np.random.default_rng(0)
    x_t, h_prev = rng.standard_normal((2, 3)), rng.standard_normal((2, 2))
    p = init_params("rnn", 3, 2, seed=1)
    h, _ = rnn_step_forward(x_t, h_prev, p)
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.nonlinearity = "sigmoid"
    assert np.array_equal(rnn_step_forward(x_t, h_prev, p)[0], h)
    assert np.allclose(h, np.tanh(x_t @ p.weight_ih.T + p.bias_ih + h_prev @ p.weight_hh.T + p.bias_hh), atol=1e-15)
    g = init_params("gru", 3, 2, seed=1)
    h_after, _ = gru_step_forward(x_t, h_prev, g)
    h_before, _ = gru_step_forward(x_t, h_prev, g.replace(reset_after=False))   # a new object, validated
    assert g.reset_after is True and np.abs(h_after - h_before).max() > 1e-3
    with pytest.raises(TypeError, match="reset_after must be True or False, got 'bogus'"):
        g.replace(reset_after="bogus")
    with pytest.raises(ValueError, match="nonlinearity must be one of"):
        CellParams("rnn", p.weight_ih, p.weight_hh, p.bias_ih, p.bias_hh, nonlinearity="sigmoid")


@pytest.mark.parametrize("kwargs, error, message", [
    ({"kind": ["x"]}, ValueError, r"kind must be one of \('rnn', 'lstm', 'gru'\), got \['x'\]"),
    ({"input_size": True}, TypeError, "input_size must be an integer, got bool True"),
    ({"hidden_size": 2.0}, TypeError, "hidden_size must be an integer, got float 2.0"),
    ({"hidden_size": 0}, ValueError, "hidden_size must be"),
    ({"seed": -1}, ValueError, "seed must be a non-negative integer, got -1"),
    ({"seed": 1.5}, TypeError, "seed must be an integer, got float 1.5"),
])
def test_init_params_bad_arguments_are_named(kwargs, error, message):
    args = {"kind": "gru", "input_size": 3, "hidden_size": 4, **kwargs}
    with pytest.raises(error, match=message):
        init_params(**args)


def test_one_source_for_kinds_gate_counts_and_parameter_counts():
    from course_utils.cells import cost, params
    from course_utils.learning import models
    assert params.KINDS == ("rnn", "lstm", "gru")
    assert {k: params.gate_count(k) for k in params.KINDS} == {"rnn": 1, "lstm": 4, "gru": 3}
    assert all(init_params(k, 2, 3).G == params.gate_count(k) for k in params.KINDS)
    assert cost.parameter_count is params.parameter_count           # re-exported, not re-derived
    for kind in params.KINDS:                                       # the model adds only its head
        assert models.model_parameter_count(kind, 5, 7, 3, num_layers=2) == \
            params.parameter_count(kind, 5, 7, num_layers=2) + 7 * 3 + 3
    with pytest.raises(ValueError, match=r"kind is 'cnn': expected one of \['gru', 'lstm', 'rnn'\]"):
        params.gate_count("cnn")


def test_gate_rows_tile_the_stacked_axis_in_gate_order():
    from course_utils.cells.params import GATE_NAMES, gate_rows
    assert gate_rows("lstm", "f", 5) == slice(5, 10) and gate_rows("gru", "n", 4) == slice(8, 12)
    for kind, names in GATE_NAMES.items():
        rows = [gate_rows(kind, name, 3) for name in names]
        assert [i for r in rows for i in range(r.start, r.stop)] == list(range(3 * len(names)))
    with pytest.raises(ValueError, match=r"name is 'f': expected one of \('r', 'z', 'n'\) for a gru"):
        gate_rows("gru", "f", 3)
    with pytest.raises(TypeError, match="H must be an integer, got float"):
        gate_rows("lstm", "f", 3.0)


def test_reverse_chunks_cover_every_step_once_last_first():
    from course_utils.cells.params import CHUNK, reverse_chunks
    assert reverse_chunks(25, 10) == [(15, 25), (5, 15), (0, 5)]
    assert reverse_chunks(0) == [] and reverse_chunks(CHUNK) == [(0, CHUNK)]
    for T in range(0, 35):
        steps = [t for t0, t1 in reverse_chunks(T, 7) for t in reversed(range(t0, t1))]
        assert steps == list(reversed(range(T)))


@pytest.mark.parametrize("T, size, message", [(-1, 10, "T must be"), (5, 0, "size must be"),
                                               (2.5, 10, "T must be"), (True, 10, "T must be")])
def test_reverse_chunks_refuses_bad_sizes(T, size, message):
    from course_utils.cells.params import reverse_chunks
    with pytest.raises((TypeError, ValueError), match=message):
        reverse_chunks(T, size)


def test_add_grads_adds_in_place():
    from course_utils.cells.params import add_grads
    total = {"weight_ih": np.ones((2, 3)), "bias_ih": np.zeros(2)}
    out = add_grads(total, {"weight_ih": np.full((2, 3), 2.0), "bias_ih": np.arange(2.0)})
    assert out is total and (total["weight_ih"] == 3).all() and list(total["bias_ih"]) == [0, 1]


def test_init_params_bias_false_gives_zero_biases_and_the_same_weights():
    with_bias, without = init_params("lstm", 3, 4, seed=2), init_params("lstm", 3, 4, seed=2, bias=False)
    assert not without.bias_ih.any() and not without.bias_hh.any()
    assert np.array_equal(with_bias.weight_ih, without.weight_ih)
    assert np.array_equal(with_bias.weight_hh, without.weight_hh)
    with pytest.raises(TypeError, match="bias"):
        init_params("lstm", 3, 4, bias="no")


def test_sigmoid_and_the_kernel_pieces_name_a_bad_argument():
    from course_utils.cells.params import fused_grads, gate_views, input_projection, sigmoid
    x = np.zeros(3)
    assert sigmoid(x, out=x) is x and np.allclose(x, 0.5)
    with pytest.raises(TypeError, match="a has dtype <U3: expected real numbers"):
        sigmoid("abc")
    with pytest.raises(TypeError, match="out has dtype int64"):
        sigmoid(np.array([1, 2]), out=np.array([1, 2]))
    with pytest.raises(ValueError, match=r"out has shape \(2,\) but a has shape \(3,\)"):
        sigmoid(np.zeros(3), out=np.zeros(2))
    with pytest.raises(ValueError, match="a is 0-D"):
        sigmoid(0.5)
    with pytest.raises(TypeError, match="A must be a NumPy array"):
        gate_views([[1.0, 2.0]], "rnn")
    with pytest.raises(ValueError, match=r"A has shape \(\)"):
        gate_views(np.float64(1.0), "rnn")
    with pytest.raises(ValueError, match="expected the same number of rows N"):
        fused_grads(np.zeros((2, 4)), np.zeros((3, 2)), np.zeros((2, 4)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"weight_ih has \(4, 2\): expected x's last axis D = 2"):
        input_projection(np.zeros((2, 3)), np.zeros((4, 2)), np.zeros(4))
    with pytest.raises(TypeError, match="x must be a NumPy array, got list"):
        input_projection([[1.0]], np.zeros((4, 1)), np.zeros(4))


def test_add_grads_replace_astype_and_dtype_name_a_bad_argument():
    from course_utils.cells.params import add_grads
    with pytest.raises(TypeError, match="total must be a dict"):
        add_grads([], {})
    with pytest.raises(TypeError, match=r"part\['a'\] has dtype float64 but total\['a'\] has dtype int64"):
        add_grads({"a": np.zeros(2, dtype=np.int64)}, {"a": np.full(2, 0.5)})
    p = init_params("lstm", 2, 3)
    with pytest.raises(TypeError, match=r"replace got the field\(s\) \['foo'\]"):
        p.replace(foo=1)
    with pytest.raises(TypeError, match="dtype must be float32 or float64 .*got 'foo'"):
        p.astype("foo")
    with pytest.raises(ValueError, match="weight_ih has dtype int64: expected float32 or float64"):
        p.astype(np.int64)
    with pytest.raises(TypeError, match="dtype must be float32 or float64 .*got 'foo'"):
        init_params("rnn", 2, 3, dtype="foo")
