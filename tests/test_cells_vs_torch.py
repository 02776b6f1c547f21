"""The NumPy cells match torch.nn number for number: forward values and autograd gradients."""
import numpy as np
import pytest
import torch

from course_utils.cells.bridge import STEP, cell_backward, cell_forward, from_torch, stacked_backward, stacked_forward
from course_utils.cells.gru import gru_forward
from course_utils.cells.params import init_params

FWD64_TOL = 1e-12       # float64 forward, max abs difference
GRAD64_TOL = 1e-10      # float64 gradients vs torch.autograd, max abs difference
FWD32_TOL = 1e-5        # float32 forward, max abs difference
STEP_SEQ_TOL = 1e-13    # step-by-step vs sequence functions (same arithmetic, different matmul shapes)
RESET_BEFORE_DIFFERS = 1e-3   # the reset-before GRU and nn.GRU on the same weights differ by at least this much

KINDS_UNDER_TEST = [("rnn", "tanh"), ("rnn", "relu"), ("lstm", "tanh"), ("gru", "tanh")]
SHAPES = [(1, 1, 3, 2), (4, 1, 2, 5), (3, 2, 4, 1), (6, 3, 5, 4),    # (T, B, D, H): T=1, B=1, H=1, D≠H
          (20, 2, 3, 4), (23, 1, 2, 3)]    # backward chunks of params.CHUNK = 10: whole, and 10+10+3
MODULES = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}
CELL_MODULES = {"rnn": torch.nn.RNNCell, "lstm": torch.nn.LSTMCell, "gru": torch.nn.GRUCell}


def make_module(kind, nonlinearity, D, H, seed, cell=False, **kw):
    torch.manual_seed(seed)
    cls = (CELL_MODULES if cell else MODULES)[kind]
    extra = {"nonlinearity": nonlinearity} if kind == "rnn" else {}
    return cls(D, H, **extra, **kw)


def n_states(kind):
    return 2 if kind == "lstm" else 1


def pack(kind, states):
    """List of state arrays -> what the cell functions take: (h, c) for an LSTM, h otherwise."""
    return tuple(states) if kind == "lstm" else states[0]


def unpack(kind, state):
    return list(state) if kind == "lstm" else [state]


def torch_reference(module, kind, x, states0, dout, dfinal):
    """torch forward and autograd gradients of L = Σ out ⊙ dout + Σ final_state ⊙ dfinal."""
    xt = torch.tensor(x, requires_grad=True)
    st = [torch.tensor(s, requires_grad=True) for s in states0]
    out, final = module(xt, pack(kind, st))
    loss = (out * torch.tensor(dout)).sum()
    loss = loss + sum((f * torch.tensor(g)).sum() for f, g in zip(unpack(kind, final), dfinal))
    loss.backward()
    grads = {name: p.grad.numpy() for name, p in module.named_parameters()}
    return out.detach().numpy(), [f.detach().numpy() for f in unpack(kind, final)], \
        xt.grad.numpy(), [s.grad.numpy() for s in st], grads


def random_problem(kind, T, B, D, H, seed, lead=()):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((T, B, D))
    states0 = [rng.standard_normal(lead + (B, H)) for _ in range(n_states(kind))]
    dfinal = [rng.standard_normal(lead + (B, H)) for _ in range(n_states(kind))]
    return rng, x, states0, dfinal


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("kind,nonlinearity", KINDS_UNDER_TEST)
def test_forward_and_gradients_match_torch_float64(kind, nonlinearity, shape, seed):
    T, B, D, H = shape
    module = make_module(kind, nonlinearity, D, H, seed).double()
    params = from_torch(module)
    rng, x, states0, dfinal = random_problem(kind, T, B, D, H, seed)
    dh = rng.standard_normal((T, B, H))
    h, final, cache = cell_forward(x, pack(kind, states0), params)
    dx, dstate0, grads = cell_backward(dh, cache, pack(kind, dfinal))
    ref = torch_reference(module, kind, x, [s[None] for s in states0], dh, [g[None] for g in dfinal])
    out_t, final_t, dx_t, dstate0_t, grads_t = ref
    assert np.abs(h - out_t).max() <= FWD64_TOL
    for mine, theirs in zip(unpack(kind, final), final_t):
        assert np.abs(mine - theirs[0]).max() <= FWD64_TOL
    assert np.abs(dx - dx_t).max() <= GRAD64_TOL
    for mine, theirs in zip(unpack(kind, dstate0), dstate0_t):
        assert np.abs(mine - theirs[0]).max() <= GRAD64_TOL
    for name, g in grads.items():
        assert np.abs(g - grads_t[name + "_l0"]).max() <= GRAD64_TOL, name


# Reference loop vs fast kernel, float64: the same equations, so the only differences are the
# summation order inside the matmuls (fused gates, all steps projected at once) and, for the
# LSTM, the pre-halved weights of sigmoid_via_tanh (exact). Each step adds a few ulps of values
# of order 1 (~1e-16) and |tanh'|, σ' <= 1 do not amplify them: the measured gap over T = 12
# steps is at most 2.3e-16, and 1e-14 leaves room for another BLAS's summation order while any
# real slip (a wrong gate, bias or order) errs by 1e-2 or more.
REFERENCE_TOL = 1e-14
REFERENCE_KINDS = KINDS_UNDER_TEST + [("gru-before", "tanh")]


@pytest.mark.parametrize("kind,nonlinearity", REFERENCE_KINDS)
@pytest.mark.parametrize("with_state", [True, False])
def test_reference_loop_matches_the_fast_kernel_float64(kind, nonlinearity, with_state):
    from course_utils.cells import gru, lstm, rnn
    reset_after = kind != "gru-before"
    kind = kind.split("-")[0]
    reference = {"rnn": rnn.rnn_forward_reference, "lstm": lstm.lstm_forward_reference,
                 "gru": gru.gru_forward_reference}[kind]
    T, B, D, H = 12, 3, 5, 6
    params = init_params(kind, D, H, seed=7, nonlinearity=nonlinearity, reset_after=reset_after)
    _, x, states0, _ = random_problem(kind, T, B, D, H, seed=7)
    state0 = pack(kind, states0) if with_state else None
    h, final, _ = cell_forward(x, state0, params)
    h_ref, final_ref = reference(x, state0, params)
    assert h.shape == h_ref.shape == (T, B, H)
    assert np.abs(h - h_ref).max() <= REFERENCE_TOL
    for mine, theirs in zip(unpack(kind, final), unpack(kind, final_ref)):
        assert np.abs(mine - theirs).max() <= REFERENCE_TOL


@pytest.mark.parametrize("kind,nonlinearity", KINDS_UNDER_TEST)
def test_omitted_initial_state_is_zeros_like_torch(kind, nonlinearity):
    module = make_module(kind, nonlinearity, 3, 4, seed=5).double()
    x = np.random.default_rng(5).standard_normal((4, 2, 3))
    h, _, _ = cell_forward(x, None, from_torch(module))
    assert np.abs(h - module(torch.tensor(x))[0].detach().numpy()).max() <= FWD64_TOL


@pytest.mark.parametrize("kind,nonlinearity", KINDS_UNDER_TEST)
def test_forward_matches_torch_float32_and_keeps_dtype(kind, nonlinearity):
    module = make_module(kind, nonlinearity, 5, 7, seed=3)
    params = from_torch(module)
    _, x, states0, dfinal = random_problem(kind, 6, 3, 5, 7, seed=3)
    x, states0 = x.astype(np.float32), [s.astype(np.float32) for s in states0]
    h, final, cache = cell_forward(x, pack(kind, states0), params)
    out_t = module(torch.tensor(x), pack(kind, [torch.tensor(s[None]) for s in states0]))[0]
    assert params.dtype == np.float32 and h.dtype == np.float32
    assert np.abs(h - out_t.detach().numpy()).max() <= FWD32_TOL
    dx, _, grads = cell_backward(np.ones_like(h), cache)
    assert dx.dtype == np.float32 and all(g.dtype == np.float32 for g in grads.values())


@pytest.mark.parametrize("shape", SHAPES[:3])
@pytest.mark.parametrize("kind,nonlinearity", KINDS_UNDER_TEST)
def test_step_functions_match_torch_cell_modules_float64(kind, nonlinearity, shape):
    _, B, D, H = shape
    cell = make_module(kind, nonlinearity, D, H, seed=2, cell=True).double()
    params = from_torch(cell)
    rng, x, states0, dfinal = random_problem(kind, 1, B, D, H, seed=2)
    step_forward, step_backward = STEP[kind]
    state, cache = step_forward(x[0], pack(kind, states0), params)
    dx, dstate0, grads = step_backward(pack(kind, dfinal), cache)
    xt = torch.tensor(x[0], requires_grad=True)
    st = [torch.tensor(s, requires_grad=True) for s in states0]
    out = unpack(kind, cell(xt, pack(kind, st)))
    sum((o * torch.tensor(g)).sum() for o, g in zip(out, dfinal)).backward()
    for mine, theirs in zip(unpack(kind, state), out):
        assert np.abs(mine - theirs.detach().numpy()).max() <= FWD64_TOL
    assert np.abs(dx - xt.grad.numpy()).max() <= GRAD64_TOL
    for mine, theirs in zip(unpack(kind, dstate0), st):
        assert np.abs(mine - theirs.grad.numpy()).max() <= GRAD64_TOL
    for name, p in cell.named_parameters():
        assert np.abs(grads[name] - p.grad.numpy()).max() <= GRAD64_TOL, name


@pytest.mark.parametrize("kind,nonlinearity,reset_after",
                         [c + (True,) for c in KINDS_UNDER_TEST] + [("gru", "tanh", False)])
def test_step_functions_chained_match_sequence_functions(kind, nonlinearity, reset_after):
    step_forward, step_backward = STEP[kind]
    T, B, D, H = 23, 3, 4, 6                       # 23 = 10 + 10 + 3: crosses params.CHUNK
    params = init_params(kind, D, H, seed=4, nonlinearity=nonlinearity, reset_after=reset_after)
    rng, x, states0, dfinal = random_problem(kind, T, B, D, H, seed=4)
    dh = rng.standard_normal((T, B, H))
    h, final, cache = cell_forward(x, pack(kind, states0), params)
    dx, dstate0, grads = cell_backward(dh, cache, pack(kind, dfinal))
    state, step_caches = pack(kind, states0), []
    for t in range(T):
        state, c = step_forward(x[t], state, params)
        step_caches.append(c)
        assert np.abs(unpack(kind, state)[0] - h[t]).max() <= STEP_SEQ_TOL
    d = [g.copy() for g in dfinal]
    step_grads = {name: 0.0 for name in grads}
    for t in reversed(range(T)):
        d[0] = d[0] + dh[t]
        dx_t, dprev, g = step_backward(pack(kind, d), step_caches[t])
        assert np.abs(dx_t - dx[t]).max() <= STEP_SEQ_TOL
        d = unpack(kind, dprev)
        step_grads = {name: step_grads[name] + g[name] for name in g}
    for mine, theirs in zip(d, unpack(kind, dstate0)):
        assert np.abs(mine - theirs).max() <= STEP_SEQ_TOL
    for name in grads:
        assert np.abs(step_grads[name] - grads[name]).max() <= STEP_SEQ_TOL, name


def naive_reset_before_gru(x, h0, p):
    """The GRU of Cho et al. (2014, eqs. 5-8: reset before the product, z keeps the old state), written
    out per gate and per example, column-vector style, with PyTorch's two biases."""
    H = p.H
    W_ir, W_iz, W_in = np.split(p.weight_ih, 3)
    W_hr, W_hz, W_hn = np.split(p.weight_hh, 3)
    b_ir, b_iz, b_in = np.split(p.bias_ih, 3)
    b_hr, b_hz, b_hn = np.split(p.bias_hh, 3)
    sigma = lambda a: 1.0 / (1.0 + np.exp(-a))  # noqa: E731
    T, B, _ = x.shape
    out = np.zeros((T, B, H))
    for b in range(B):
        h = h0[b]
        for t in range(T):
            r = sigma(W_ir @ x[t, b] + b_ir + W_hr @ h + b_hr)
            z = sigma(W_iz @ x[t, b] + b_iz + W_hz @ h + b_hz)
            h_tilde = np.tanh(W_in @ x[t, b] + b_in + W_hn @ (r * h) + b_hn)
            h = z * h + (1 - z) * h_tilde
            out[t, b] = h
    return out


@pytest.mark.parametrize("shape", SHAPES)
def test_reset_before_gru_matches_naive_transcription_and_differs_from_nn_gru(shape):
    T, B, D, H = shape
    module = make_module("gru", "tanh", D, H, seed=6).double()
    params = from_torch(module).replace(reset_after=False)
    rng = np.random.default_rng(6)
    x, h0 = rng.standard_normal((T, B, D)), rng.standard_normal((B, H))
    h, _, _ = gru_forward(x, h0, params)
    assert np.abs(h - naive_reset_before_gru(x, h0, params)).max() <= FWD64_TOL
    torch_h = module(torch.tensor(x), torch.tensor(h0[None]))[0].detach().numpy()
    assert np.abs(h - torch_h).max() >= RESET_BEFORE_DIFFERS


STACKS = [("rnn", "relu", 2, False, False), ("rnn", "tanh", 1, True, True), ("lstm", "tanh", 3, True, False),
          ("lstm", "tanh", 2, False, True), ("gru", "tanh", 2, True, True), ("gru", "tanh", 1, False, False)]


@pytest.mark.parametrize("kind,nonlinearity,num_layers,bidirectional,batch_first", STACKS)
def test_stacked_bidirectional_matches_torch_float64(kind, nonlinearity, num_layers, bidirectional, batch_first):
    T, B, D, H, dirs = 4, 2, 3, 5, 1 + bidirectional
    module = make_module(kind, nonlinearity, D, H, seed=7, num_layers=num_layers,
                         bidirectional=bidirectional, batch_first=batch_first).double()
    layers = from_torch(module)
    rng, x, states0, dfinal = random_problem(kind, T, B, D, H, seed=7, lead=(num_layers * dirs,))
    x = x.transpose(1, 0, 2).copy() if batch_first else x
    dout = rng.standard_normal(x.shape[:2] + (dirs * H,))
    out, final, cache = stacked_forward(x, pack(kind, states0), layers, bidirectional, batch_first)
    dx, dstate0, grads = stacked_backward(dout, cache, pack(kind, dfinal))
    out_t, final_t, dx_t, dstate0_t, grads_t = torch_reference(module, kind, x, states0, dout, dfinal)
    assert np.abs(out - out_t).max() <= FWD64_TOL
    for mine, theirs in zip(unpack(kind, final), final_t):
        assert np.abs(mine - theirs).max() <= FWD64_TOL
    assert np.abs(dx - dx_t).max() <= GRAD64_TOL
    for mine, theirs in zip(unpack(kind, dstate0), dstate0_t):
        assert np.abs(mine - theirs).max() <= GRAD64_TOL
    for l in range(num_layers):
        for d, suffix in enumerate(["", "_reverse"][:dirs]):
            for name, g in grads[l][d].items():
                assert np.abs(g - grads_t[f"{name}_l{l}{suffix}"]).max() <= GRAD64_TOL, (l, d, name)


def test_stacked_forward_matches_torch_float32():
    module = make_module("lstm", "tanh", 3, 6, seed=8, num_layers=2, bidirectional=True)
    x = np.random.default_rng(8).standard_normal((5, 2, 3)).astype(np.float32)
    out, _, _ = stacked_forward(x, None, from_torch(module))
    assert out.dtype == np.float32
    assert np.abs(out - module(torch.tensor(x))[0].detach().numpy()).max() <= FWD32_TOL


@pytest.mark.parametrize("kind,nonlinearity", KINDS_UNDER_TEST)
def test_bias_free_modules_run_through_the_same_kernels(kind, nonlinearity):
    """``bias=False``: from_torch reads zero biases, and the unchanged kernels match torch."""
    T, B, D, H = 12, 2, 3, 4
    module = make_module(kind, nonlinearity, D, H, seed=3, bias=False).double()
    params = from_torch(module)
    assert not any(np.any(params.as_dict()[name]) for name in ("bias_ih", "bias_hh"))
    rng, x, states0, dfinal = random_problem(kind, T, B, D, H, seed=3)
    dh = rng.standard_normal((T, B, H))
    h, final, cache = cell_forward(x, pack(kind, states0), params)
    dx, dstate0, grads = cell_backward(dh, cache, pack(kind, dfinal))
    ref = torch_reference(module, kind, x, [s[None] for s in states0], dh, [g[None] for g in dfinal])
    out_t, _, dx_t, dstate0_t, grads_t = ref
    assert set(grads_t) == {"weight_ih_l0", "weight_hh_l0"}
    assert np.abs(h - out_t).max() <= FWD64_TOL and np.abs(dx - dx_t).max() <= GRAD64_TOL
    for mine, theirs in zip(unpack(kind, dstate0), dstate0_t):
        assert np.abs(mine - theirs[0]).max() <= GRAD64_TOL
    for name in ("weight_ih", "weight_hh"):
        assert np.abs(grads[name] - grads_t[name + "_l0"]).max() <= GRAD64_TOL, name
