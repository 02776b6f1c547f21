"""Checkers of Chapters 1-3: correct answers pass, each common mistake gets its hint, stubs are "not attempted"."""
import numpy as np
import pytest

from course_utils.exercises.check import rnn as check

# ---------------------------------------------------------------- learner-style answers, Chapter 1


def forward_ok(x, h0, W_x, W_h, b):
    h_prev, hs = h0, []
    for x_t in x:
        h_prev = np.tanh(x_t @ W_x.T + h_prev @ W_h.T + b)
        hs.append(h_prev)
    return np.stack(hs), h_prev


def forward_keeps_h0(x, h0, W_x, W_h, b):
    hs = [np.tanh(x_t @ W_x.T + h0 @ W_h.T + b) for x_t in x]
    return np.stack(hs), hs[-1]


def forward_no_transpose(x, h0, W_x, W_h, b):
    h_prev, hs = h0, []
    for x_t in x:
        h_prev = np.tanh(x_t @ W_x.T + h_prev @ W_h + b)
        hs.append(h_prev)
    return np.stack(hs), h_prev


def forward_no_tanh(x, h0, W_x, W_h, b):
    h_prev, hs = h0, []
    for x_t in x:
        h_prev = x_t @ W_x.T + h_prev @ W_h.T + b
        hs.append(h_prev)
    return np.stack(hs), h_prev


def forward_no_bias(x, h0, W_x, W_h, b):
    return forward_ok(x, h0, W_x, W_h, 0 * b)


def forward_with_h0(x, h0, W_x, W_h, b):
    h, h_T = forward_ok(x, h0, W_x, W_h, b)
    return np.concatenate([h0[None], h]), h_T


def stub(*args, **kwargs):
    """What the student edition leaves."""
    raise NotImplementedError


def test_rnn_forward_accepts_a_correct_loop():
    fb = check.rnn_forward(forward_ok)
    assert fb.passed, fb.text


@pytest.mark.parametrize("wrong, hint", [
    (forward_keeps_h0, "update h_prev = h_t"),
    (forward_no_transpose, "h_prev @ W_h.T"),
    (forward_no_tanh, "squashed by tanh"),
    (forward_no_bias, "bias b is missing"),
    (forward_with_h0, "do not put h0 in it"),
])
def test_rnn_forward_hints_each_common_mistake(wrong, hint):
    fb = check.rnn_forward(wrong)
    assert fb.status == "incorrect" and hint in fb.text, fb.text


@pytest.mark.parametrize("answer, status, hint", [
    (1480, "correct", None),
    (1440, "incorrect", "two bias vectors"),
    (640, "incorrect", "count both layers"),
    (1280, "incorrect", "its W_ih is (H, H)"),
    (1000, "incorrect", None),
])
def test_rnn_parameter_count_knows_the_answer_and_the_usual_slips(answer, status, hint):
    fb = check.rnn_parameter_count(lambda: answer)
    assert fb.status == status, fb.text
    if hint:
        assert hint in fb.text


def test_parameter_count_answer_is_what_torch_counts():
    torch = pytest.importorskip("torch")
    rnn = torch.nn.RNN(input_size=10, hidden_size=20, num_layers=2)
    assert sum(p.numel() for p in rnn.parameters()) == 1480

# ---------------------------------------------------------------- learner-style answers, Chapter 2


def make_backward(deriv="h_t", acc_h=True, acc_x=True, state="h_prev", carry=True, transpose_back=False):
    def rnn_backward(dh, x, h0, h, W_x, W_h):
        T = x.shape[0]
        dx = np.zeros_like(x)
        dW_x, dW_h, db = np.zeros_like(W_x), np.zeros_like(W_h), np.zeros(W_h.shape[0])
        dh_next = np.zeros_like(h0)
        for t in range(T - 1, -1, -1):
            h_prev = h[t - 1] if t > 0 else h0
            g = dh[t] + dh_next if carry else dh[t]
            if deriv == "h_t":
                da = g * (1 - h[t] ** 2)
            elif deriv == "h_prev":
                da = g * (1 - h_prev ** 2)
            else:
                da = g
            dx[t] = da @ W_x
            step_h = da.T @ (h_prev if state == "h_prev" else h[t])
            dW_h = dW_h + step_h if acc_h else step_h
            dW_x = dW_x + da.T @ x[t] if acc_x else da.T @ x[t]
            db = db + da.sum(axis=0) if acc_x else da.sum(axis=0)
            dh_next = da @ (W_h.T if transpose_back else W_h)
        return dx, dh_next, dW_x, dW_h, db
    return rnn_backward


def test_rnn_backward_accepts_a_correct_bptt():
    fb = check.rnn_backward(make_backward())
    assert fb.passed, fb.text


@pytest.mark.parametrize("options, hint", [
    (dict(acc_h=False), "dW_x is right but dW_h is not: are you accumulating it across time steps?"),
    (dict(acc_h=False, acc_x=False), "add (+=) the contribution of each step"),
    (dict(deriv="none"), "skipped the derivative of tanh"),
    (dict(deriv="h_prev"), "not 1 - h_{t-1}**2"),
    (dict(state="h_t"), "the state that ENTERED the step"),
    (dict(carry=False), "has two sources"),
    (dict(transpose_back=True), "da @ W_h (no transpose)"),
])
def test_rnn_backward_hints_each_common_mistake(options, hint):
    fb = check.rnn_backward(make_backward(**options))
    assert fb.status == "incorrect" and hint in fb.text, fb.text


def test_rnn_backward_names_the_wrong_output():
    fb = check.rnn_backward(make_backward(acc_h=False))
    assert "dW_h has wrong values" in fb.text and "dW_x has wrong" not in fb.text


@pytest.mark.parametrize("answer, status, hint", [
    (4, "correct", None), (8, "incorrect", "not the ones cut off"), (3, "incorrect", "belongs to the last chunk"),
])
def test_truncated_gradient_count(answer, status, hint):
    fb = check.truncated_gradient_count(lambda: answer)
    assert fb.status == status and (hint is None or hint in fb.text), fb.text

# ---------------------------------------------------------------- Chapter 3


def clip_ok(grads, max_norm):
    norm = np.sqrt(sum((g ** 2).sum() for g in grads))
    scale = min(1.0, max_norm / (norm + 1e-6))
    return [g * scale for g in grads], norm


def clip_ok_without_epsilon(grads, max_norm):
    norm = np.sqrt(sum((g ** 2).sum() for g in grads))
    return ([g * (max_norm / norm) for g in grads] if norm > max_norm else list(grads)), norm


def clip_each(grads, max_norm):
    out = []
    for g in grads:
        n = np.linalg.norm(g)
        out.append(g * max_norm / n if n > max_norm else g)
    return out, np.sqrt(sum((g ** 2).sum() for g in grads))


def clip_always(grads, max_norm):
    norm = np.sqrt(sum((g ** 2).sum() for g in grads))
    return [g * max_norm / norm for g in grads], norm


def clip_values(grads, max_norm):
    return [np.clip(g, -max_norm, max_norm) for g in grads], np.sqrt(sum((g ** 2).sum() for g in grads))


def clip_reports_new_norm(grads, max_norm):
    clipped, _ = clip_ok(grads, max_norm)
    return clipped, np.sqrt(sum((g ** 2).sum() for g in clipped))


def clip_sum_norms(grads, max_norm):
    norm = sum(np.linalg.norm(g) for g in grads)
    return [g * min(1.0, max_norm / norm) for g in grads], norm


@pytest.mark.parametrize("answer", [clip_ok, clip_ok_without_epsilon])
def test_clip_grad_norm_accepts_both_usual_correct_forms(answer):
    fb = check.clip_grad_norm(answer)
    assert fb.passed, fb.text


def test_clip_reference_matches_torch_clip_grad_norm():
    torch = pytest.importorskip("torch")
    for (grads, max_norm), _ in check._clip_cases():
        tensors = [torch.nn.Parameter(torch.from_numpy(g.copy())) for g in grads]
        for p, g in zip(tensors, grads):
            p.grad = torch.from_numpy(g.copy())
        norm = torch.nn.utils.clip_grad_norm_(tensors, max_norm)
        clipped, ref_norm = check._clip_ref(grads, max_norm)
        assert abs(norm.item() - ref_norm) <= 1e-12 * max(1.0, ref_norm)
        for p, c in zip(tensors, clipped):
            np.testing.assert_allclose(p.grad.numpy(), c, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("wrong, hint", [
    (clip_each, "GLOBAL norm"),
    (clip_always, "Only rescale when the norm exceeds max_norm"),
    (clip_values, "clipping by value"),
    (clip_reports_new_norm, "BEFORE clipping"),
    (clip_sum_norms, "not the sum of their norms"),
])
def test_clip_grad_norm_hints_each_common_mistake(wrong, hint):
    fb = check.clip_grad_norm(wrong)
    assert fb.status == "incorrect" and hint in fb.text, fb.text


@pytest.mark.parametrize("answer, status, hint", [
    (0.8 ** 5, "correct", None), (0.32768, "correct", None), (0.33, "incorrect", None),
    (3.2 ** 5, "incorrect", "at most 1/4"), (0.5 ** 5, "incorrect", "SINGULAR value"),
    (0.8 ** 4, "incorrect", "exponent is T - k = 5"),
])
def test_gradient_bound(answer, status, hint):
    fb = check.gradient_bound(lambda: answer)
    assert fb.status == status and (hint is None or hint in fb.text), fb.text

# ---------------------------------------------------------------- every checker


@pytest.mark.parametrize("name", check.__all__)
def test_every_checker_says_not_attempted_for_a_stub_and_reports_errors(name):
    checker = getattr(check, name)
    assert checker(stub).status == "not attempted"
    assert "not attempted yet" in checker(stub).text

    def broken(*args):
        raise ZeroDivisionError("oops")
    assert checker(broken).status == "error"


def test_every_checker_is_reachable_from_the_check_package():
    import course_utils.exercises.check as package
    for name in check.__all__:
        assert getattr(package, name) is getattr(check, name)


def test_feedback_uses_the_learners_function_name():
    def my_rnn_backward(dh, x, h0, h, W_x, W_h):
        raise NotImplementedError
    assert check.rnn_backward(my_rnn_backward).text.startswith("my_rnn_backward: not attempted yet.")
    assert check.gradient_bound(lambda: 0.8 ** 5).text.startswith("gradient_bound: correct.")
