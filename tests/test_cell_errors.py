"""Bad input raises ValueError/TypeError naming the argument, the expected and the received shape/dtype."""
import numpy as np
import pytest

from course_utils.cells.bridge import STEP, cell_backward, cell_forward
from course_utils.cells.params import init_params

KINDS = ["rnn", "lstm", "gru"]
T, B, D, H = 5, 3, 4, 8
H0_NAME = {"rnn": "h0", "gru": "h0", "lstm": r"state0\[0\] \(h0\)"}   # how messages name the initial h
HPREV_NAME = {"rnn": "h_prev", "gru": "h_prev", "lstm": r"state\[0\] \(h_prev\)"}


def with_h0(kind, h0):
    """Initial state argument carrying ``h0`` (and a valid c0 for an LSTM)."""
    return (h0, np.zeros((B, H))) if kind == "lstm" else h0


def forward_error(kind, x, state0=None, params=None):
    with pytest.raises((ValueError, TypeError)) as info:
        cell_forward(x, state0, params or init_params(kind, D, H))
    return str(info.value)


@pytest.mark.parametrize("kind", KINDS)
def test_x_of_wrong_rank_is_refused(kind):
    message = forward_error(kind, np.zeros((B, D)))
    assert message == f"x has shape ({B}, {D}): expected a 3-D array (T, B, D) with D={D}"


@pytest.mark.parametrize("kind", KINDS)
def test_x_with_wrong_input_size_is_refused(kind):
    message = forward_error(kind, np.zeros((T, B, 7)))
    assert message == f"x has shape ({T}, {B}, 7) but the parameters have input size D={D}: expected ({T}, {B}, {D})"


@pytest.mark.parametrize("kind", KINDS)
def test_h0_batch_mismatch_names_both_shapes(kind):
    message = forward_error(kind, np.zeros((T, B, D)), with_h0(kind, np.zeros((4, H))))
    assert message.endswith(f"has shape (4, {H}) but x has batch {B}: expected ({B}, {H})")
    assert message.startswith(H0_NAME[kind].replace("\\", ""))


@pytest.mark.parametrize("kind", KINDS)
def test_h0_with_wrong_hidden_size_or_rank_is_refused(kind):
    for bad in (np.zeros((B, H - 1)), np.zeros(H)):
        message = forward_error(kind, np.zeros((T, B, D)), with_h0(kind, bad))
        assert f"has shape {bad.shape}: expected ({B}, {H}) (batch B={B} from x, hidden size H={H}" in message


def test_lstm_c0_is_checked_and_state_must_be_a_pair():
    x = np.zeros((T, B, D))
    message = forward_error("lstm", x, (np.zeros((B, H)), np.zeros((2, H))))
    assert message == f"state0[1] (c0) has shape (2, {H}) but x has batch {B}: expected ({B}, {H})"
    assert forward_error("lstm", x, np.zeros((B, H))).startswith("state0 must be a pair (h, c)")


@pytest.mark.parametrize("kind", KINDS)
def test_mixed_dtypes_are_refused(kind):
    x32 = np.zeros((T, B, D), dtype=np.float32)
    assert forward_error(kind, x32).startswith("x has dtype float32 but the parameters have dtype float64: expected float64")
    message = forward_error(kind, x32, params=init_params(kind, D, H, dtype=np.float32),
                            state0=with_h0(kind, np.zeros((B, H))))
    assert "has dtype float64 but the parameters have dtype float32: expected float32" in message
    with pytest.raises(TypeError, match="x has dtype complex128: expected float64"):
        cell_forward(np.zeros((T, B, D), dtype=complex), None, init_params(kind, D, H))


@pytest.mark.parametrize("kind", KINDS)
def test_non_finite_values_are_refused(kind):
    x = np.zeros((T, B, D))
    x[1, 2, 3] = np.nan
    assert forward_error(kind, x) == "x contains 1 non-finite value(s) (nan or inf): expected finite numbers"
    message = forward_error(kind, np.zeros((T, B, D)), with_h0(kind, np.full((B, H), np.inf)))
    assert message.startswith(H0_NAME[kind].replace("\\", "") + f" contains {B * H} non-finite value(s)")


def test_integer_input_is_converted_to_the_parameters_dtype():
    h, _, _ = cell_forward(np.ones((T, B, D), dtype=int), None, init_params("rnn", D, H, dtype=np.float32))
    assert h.dtype == np.float32


@pytest.mark.parametrize("kind", KINDS)
def test_wrong_params_are_refused(kind):
    other = "gru" if kind != "gru" else "rnn"
    forward = STEP[kind][0]
    with pytest.raises(ValueError, match=f"params has kind '{other}': expected '{kind}'"):
        forward(np.zeros((B, D)), None, init_params(other, D, H))
    with pytest.raises(TypeError, match="params must be a CellParams, got dict"):
        forward(np.zeros((B, D)), None, init_params(kind, D, H).as_dict())


@pytest.mark.parametrize("kind", KINDS)
def test_step_inputs_are_checked(kind):
    forward = STEP[kind][0]
    p = init_params(kind, D, H)
    with pytest.raises(ValueError, match=rf"x_t has shape \({T}, {B}, {D}\): expected a 2-D array \(B, D\)"):
        forward(np.zeros((T, B, D)), None, p)
    with pytest.raises(ValueError, match=rf"{HPREV_NAME[kind]} has shape \(2, {H}\) but x_t has batch {B}"):
        forward(np.zeros((B, D)), with_h0(kind, np.zeros((2, H))), p)


@pytest.mark.parametrize("kind", KINDS)
def test_backward_checks_upstream_gradients(kind):
    _, _, cache = cell_forward(np.zeros((T, B, D)), None, init_params(kind, D, H))
    with pytest.raises(ValueError, match=rf"dh has shape \(4, {B}, {H}\): expected \({T}, {B}, {H}\)"):
        cell_backward(np.zeros((4, B, H)), cache)
    bad_T = np.zeros((B + 1, H))
    with pytest.raises(ValueError, match=rf"has shape \({B + 1}, {H}\): expected \({B}, {H}\)"):
        cell_backward(np.zeros((T, B, H)), cache, (bad_T, None) if kind == "lstm" else bad_T)
    dh = np.zeros((T, B, H))
    dh[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="dh contains 1 non-finite value"):
        cell_backward(dh, cache)
    _, cache = STEP[kind][0](np.zeros((B, D)), None, init_params(kind, D, H))
    with pytest.raises(ValueError, match=rf"has shape \(1, {H}\): expected \({B}, {H}\)"):
        STEP[kind][1]((np.zeros((1, H)), None) if kind == "lstm" else np.zeros((1, H)), cache)


@pytest.mark.parametrize("kind", KINDS)
def test_sequence_functions_take_the_state_before_params_and_refuse_the_old_order(kind):
    from course_utils.cells.bridge import SEQUENCE
    forward, state = SEQUENCE[kind][0], "state0" if kind == "lstm" else "h0"
    p, x = init_params(kind, D, H), np.zeros((T, B, D))
    h0 = with_h0(kind, np.ones((B, H)))
    h, _, _ = forward(x, h0, p)                                   # (x, state0, params), positionally
    assert np.array_equal(h, forward(x, **{state: h0, "params": p})[0])
    assert np.array_equal(forward(x, params=p)[0], forward(x, None, p)[0])   # a left-out state is zeros
    for old in ((x, p), (x, p, h0)):                              # (x, params[, state0]): the old order
        with pytest.raises(TypeError) as info:
            forward(*old)
        assert str(info.value).startswith(f"{state} is a CellParams: expected an initial state {state}")
        assert "received CellParams" in str(info.value)
        assert f"the order is {kind}_forward(x, {state}, params), state before params" in str(info.value)
    with pytest.raises(TypeError, match="params is missing: expected a CellParams, received None; the order is"):
        forward(x, h0)


@pytest.mark.parametrize("kind", KINDS)
def test_backward_refuses_a_cache_from_elsewhere(kind):
    from course_utils.cells.bridge import SEQUENCE
    other = "gru" if kind != "gru" else "rnn"
    _, _, wrong = cell_forward(np.zeros((T, B, D)), None, init_params(other, D, H))
    for cache in (wrong, "cache", None):
        with pytest.raises(TypeError, match=f"cache is a {type(cache).__name__}: expected the "
                                            f"{kind.upper()}Cache that {kind}_forward returns"):
            SEQUENCE[kind][1](np.zeros((T, B, H)), cache)
        with pytest.raises(TypeError, match=f"cache is a {type(cache).__name__}: expected the "
                                            f"{kind.upper()}StepCache that {kind}_step_forward returns"):
            STEP[kind][1](np.zeros((B, H)) if kind != "lstm" else (np.zeros((B, H)), None), cache)
    with pytest.raises(TypeError, match="cache is a NoneType: expected the cache cell_forward returns"):
        cell_backward(np.zeros((T, B, H)), None)


@pytest.mark.parametrize("kind", KINDS)
def test_an_empty_sequence_runs_no_step(kind):
    """T = 0: h is (0, B, H), the final state is the initial one, dstate0 = dstate_T, zero weight
    gradients; the reference loop agrees."""
    import importlib

    from course_utils.cells.bridge import SEQUENCE
    p = init_params(kind, D, H)
    rng = np.random.default_rng(0)
    h0 = rng.standard_normal((B, H))
    state0 = (h0, rng.standard_normal((B, H))) if kind == "lstm" else h0
    x = np.zeros((0, B, D))
    h, final, cache = cell_forward(x, state0, p)
    reference = getattr(importlib.import_module(f"course_utils.cells.{kind}"), f"{kind}_forward_reference")
    h_ref, final_ref = reference(x, state0, p)
    assert h.shape == h_ref.shape == (0, B, H) and h_ref.dtype == p.dtype
    for a, b, c in zip(*(s if kind == "lstm" else (s,) for s in (final, final_ref, state0))):
        assert np.array_equal(a, c) and np.array_equal(b, c)
    dx, dstate0, grads = SEQUENCE[kind][1](np.zeros((0, B, H)), cache, state0)
    assert dx.shape == (0, B, D) and all(not g.any() for g in grads.values())
    for a, c in zip(*(s if kind == "lstm" else (s,) for s in (dstate0, state0))):
        assert np.array_equal(a, c)


def test_cell_validators_name_the_argument():
    from course_utils.cells.params import add_grads
    from course_utils.cells.validate import as_array, check_params
    with pytest.raises(ValueError, match=r"x could not be read as an array .*: expected a float64 array"):
        as_array([[1.0, 2.0], [3.0]], "x", np.float64)
    with pytest.raises(TypeError, match="x has dtype <U1: expected float64"):
        as_array(["a"], "x", np.float64)
    with pytest.raises(ValueError, match="kind is 'transformer'"):
        check_params(init_params("rnn", D, H), "transformer")
    total = {"w": np.zeros((2, 2))}
    with pytest.raises(ValueError, match=r"part has keys \['v'\]: expected the keys of total, \['w'\]"):
        add_grads(total, {"v": np.zeros((2, 2))})
    with pytest.raises(ValueError, match=r"part\['w'\] has shape \(2,\): expected \(2, 2\)"):
        add_grads(total, {"w": np.zeros(2)})
