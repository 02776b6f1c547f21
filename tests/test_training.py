"""The shared training loop: determinism, clipping, history, evaluation and early stopping; batches
drawn from arrays and predictions on them."""
import math

import numpy as np
import pytest
import torch

from course_utils.learning.models import SequenceModel
from course_utils.learning.training import (History, TrainConfig, array_batch_fn, cross_entropy_loss, mse_loss,
                                   pick_device, predict_numpy, set_seed, train)

STEPS = 30


def batch_fn(step, rng):
    x = torch.rand(16, 6, 2, generator=rng)
    return x, x.sum(dim=(1, 2)).unsqueeze(1) / 6


def run(seed=0, **overrides):
    set_seed(seed)
    model = SequenceModel("gru", 2, 8, 1)
    config = TrainConfig(**{"steps": STEPS, "progress": False, "seed": seed, "device": "cpu", **overrides})
    return model, train(model, batch_fn, mse_loss, config)


def test_history_has_one_loss_and_grad_norm_per_step():
    _, history = run()
    assert history.steps == len(history.grad_norm) == STEPS and history.stopped is None


def test_same_seed_gives_identical_history():
    assert run(seed=3)[1].loss == run(seed=3)[1].loss


def test_different_seed_gives_different_history():
    assert run(seed=0)[1].loss != run(seed=1)[1].loss


def test_training_reduces_the_loss():
    _, history = run(steps=150, lr=1e-2)
    assert np.mean(history.loss[-10:]) < 0.25 * np.mean(history.loss[:10])


def test_grad_norm_is_recorded_before_clipping():
    # with a tiny clip the update is tiny, but the recorded norm is the raw one
    _, clipped = run(clip=1e-6, steps=1)
    _, raw = run(clip=None, steps=1)
    assert clipped.grad_norm[0] == pytest.approx(raw.grad_norm[0]) and clipped.grad_norm[0] > 1e-3


def test_clipping_bounds_the_update():
    set_seed(0)
    model = SequenceModel("rnn", 2, 8, 1)
    before = [p.detach().clone() for p in model.parameters()]
    train(model, batch_fn, mse_loss, TrainConfig(steps=1, lr=1.0, clip=1e-3, optimizer="sgd", progress=False))
    step = torch.sqrt(sum(((p.detach() - b) ** 2).sum() for p, b in zip(model.parameters(), before)))
    assert float(step) <= 1e-3 * (1 + 1e-5)


def test_eval_fn_runs_every_eval_every_steps_and_at_the_end():
    set_seed(0)
    model = SequenceModel("lstm", 2, 4, 1)
    calls = []

    def eval_fn(m):
        calls.append(torch.is_grad_enabled() or m.training)
        return {"mse": 1.0}

    history = train(model, batch_fn, mse_loss, TrainConfig(steps=25, eval_every=10, progress=False), eval_fn)
    assert history.eval["step"] == [10, 20, 25] and history.eval["mse"] == [1.0] * 3
    assert not any(calls), "eval_fn must run under no_grad in eval mode"


def test_stop_fn_ends_training_early():
    set_seed(0)
    model = SequenceModel("rnn", 2, 4, 1)
    history = train(model, batch_fn, mse_loss, TrainConfig(steps=50, eval_every=5, progress=False),
                    eval_fn=lambda m: 0.0, stop_fn=lambda h: True)
    assert history.steps == 5 and "stop_fn" in history.stopped


def test_first_step_and_smoothed():
    h = History(loss=[4.0, 2.0, 0.0], grad_norm=[1.0] * 3, eval={"step": [10, 20], "mse": [0.5, 0.01]})
    assert h.first_step("mse", 0.1) == 20 and h.first_step("mse", 0.001) is None
    np.testing.assert_allclose(h.smoothed("loss", window=2), [4.0, 3.0, 1.0])


def test_non_finite_loss_stops_with_warning():
    set_seed(0)
    model = SequenceModel("rnn", 2, 4, 1)
    with pytest.warns(RuntimeWarning, match="non-finite loss at step 1"):
        history = train(model, batch_fn, lambda m, x, y: m(x).sum() * math.inf,
                        TrainConfig(steps=5, progress=False))
    assert history.steps == 1


def test_cross_entropy_ignores_masked_positions():
    set_seed(0)
    model = SequenceModel("gru", 3, 4, 5, vocab_size=5, readout="all")
    x = torch.randint(0, 5, (2, 4))
    y = torch.full((2, 4), -100)
    y[:, -1] = x[:, 0]
    logits = model(x)[:, -1]
    expected = torch.nn.functional.cross_entropy(logits, x[:, 0])
    torch.testing.assert_close(cross_entropy_loss(model, x, y), expected)


def test_mse_loss_rejects_shape_mismatch():
    model = SequenceModel("rnn", 2, 4, 1)
    with pytest.raises(ValueError, match="expected equal shapes"):
        mse_loss(model, torch.zeros(3, 5, 2), torch.zeros(3))


@pytest.mark.parametrize("kwargs,match", [({"steps": 0}, "steps"), ({"optimizer": "lbfgs"}, "optimizer"),
                                          ({"clip": 0.0}, "clip"), ({"lr": -1.0}, "lr")])
def test_bad_config_is_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        TrainConfig(**kwargs)


def test_pick_device_and_progress_bar_smoke(capsys):
    assert pick_device().type in ("cpu", "cuda")
    run(steps=3, progress=True)


class _Scalar(torch.nn.Module):
    def __init__(self, value):
        super().__init__()
        self.w = torch.nn.Parameter(torch.tensor(float(value)))

    def forward(self, x):
        return self.w.expand_as(x)


def test_nan_gradient_of_a_finite_loss_is_never_applied():
    # |w - 1| written as sqrt((w - 1)^2): plain SGD (lr 0.5, gradient -1) takes w 0 -> 0.5 -> 1.0,
    # an exact fit at step 3 where the loss is 0 (finite) but d/dw sqrt(u) = (w - 1) / sqrt(u) = 0/0.
    model = _Scalar(0.0)
    ones = lambda step, rng: (torch.zeros(1), torch.ones(1))  # noqa: E731
    sqrt_loss = lambda m, x, y: torch.sqrt(((m(x) - y) ** 2).sum())  # noqa: E731
    with pytest.warns(RuntimeWarning, match="non-finite gradient at step 3"):
        history = train(model, ones, sqrt_loss, TrainConfig(steps=10, lr=0.5, clip=None, optimizer="sgd",
                                                           progress=False, device="cpu"))
    assert history.loss == [1.0, 0.5, 0.0]
    assert history.grad_norm[:2] == [1.0, 1.0] and math.isnan(history.grad_norm[2])
    assert history.stopped == "non-finite gradient at step 3"
    assert model.w.item() == 1.0   # the weights of the exact fit, not NaN


@pytest.mark.parametrize("field,value,error,match", [
    ("steps", True, TypeError, "steps must be an integer, got bool True"),
    ("steps", 2.0, TypeError, "steps must be an integer"),
    ("lr", math.nan, ValueError, "lr must be a finite number"),
    ("lr", "0.1", TypeError, "lr must be a real number, got str"),
    ("clip", math.inf, ValueError, "clip must be a finite number"),
    ("weight_decay", -1.0, ValueError, r"weight_decay must be in \[0, inf\]"),
    ("seed", -1, ValueError, "seed must be a non-negative integer, got -1"),
    ("device", "gpu0", ValueError, "device must be a torch device name"),
    ("progress", "yes", TypeError, "progress must be True or False"),
    ("eval_every", True, TypeError, "eval_every must be an integer"),
    ("optimizer", ["adam"], ValueError, "optimizer must be one of"),
])
def test_config_fields_are_checked_at_construction_and_again_by_train(field, value, error, match):
    with pytest.raises(error, match=match):
        TrainConfig(**{field: value})
    config = TrainConfig(steps=2, progress=False)
    setattr(config, field, value)          # changed after construction: train checks again
    with pytest.raises(error, match=match):
        train(SequenceModel("rnn", 2, 4, 1), batch_fn, mse_loss, config)


@pytest.mark.parametrize("call,error,match", [
    (lambda m: train(m, batch_fn, mse_loss, {"steps": 2}), TypeError, "config must be a TrainConfig"),
    (lambda m: train("model", batch_fn, mse_loss), TypeError, "model must be a torch.nn.Module, got str"),
    (lambda m: train(m, None, mse_loss), TypeError, "batch_fn must be a function"),
    (lambda m: train(m, lambda s, r: torch.zeros(3), mse_loss, TrainConfig(steps=1, progress=False)),
     TypeError, "must return a pair"),
    (lambda m: train(m, batch_fn, lambda m_, x, y: 1.0, TrainConfig(steps=1, progress=False)),
     TypeError, "must return a scalar float tensor, got float"),
    (lambda m: train(m, batch_fn, lambda m_, x, y: torch.tensor(1.0), TrainConfig(steps=1, progress=False)),
     ValueError, "does not depend on the model"),
    (lambda m: train(m, batch_fn, mse_loss, TrainConfig(steps=1, progress=False), eval_fn=lambda m_: "good"),
     TypeError, "eval_fn must return a number"),
])
def test_bad_train_arguments_are_named(call, error, match):
    with pytest.raises(error, match=match):
        call(SequenceModel("rnn", 2, 4, 1))


@pytest.mark.parametrize("loss,targets,error,match", [
    (mse_loss, np.zeros((3, 1)), TypeError, "targets must be a torch.Tensor, got ndarray"),
    (mse_loss, torch.zeros(3, 1, dtype=torch.int64), ValueError, "expected float targets"),
    (cross_entropy_loss, torch.zeros(3), ValueError, "expected integer class ids"),
    (cross_entropy_loss, torch.tensor([0, 1, 4]), ValueError, r"class id 4: expected ids in \[0, 4\)"),
    (cross_entropy_loss, torch.tensor([0, -2, 1]), ValueError, "class id -2"),
])
def test_loss_functions_check_their_targets(loss, targets, error, match):
    model = SequenceModel("rnn", 2, 4, 1 if loss is mse_loss else 4)
    with pytest.raises(error, match=match):
        loss(model, torch.zeros(3, 5, 2), targets)
    ok = torch.tensor([0, -100, 3])       # ignore_index is allowed
    assert torch.isfinite(cross_entropy_loss(SequenceModel("rnn", 2, 4, 4), torch.zeros(3, 5, 2), ok))


# --- models on arrays: array_batch_fn and predict_numpy ------------------------------------------

def test_array_batch_fn_and_predict_numpy_shapes():
    X, Y = np.random.default_rng(5).standard_normal((30, 7)), np.zeros((30, 1))
    batch_fn = array_batch_fn(X, Y, 8)
    inputs, targets = batch_fn(0, torch.Generator().manual_seed(0))
    assert inputs.shape == (8, 7, 1) and inputs.dtype == torch.float32 and targets.shape == (8, 1)
    labels = array_batch_fn(np.zeros((5, 3, 2)), np.arange(5), 10)(0, torch.Generator())[1]
    assert labels.dtype == torch.int64 and labels.shape == (10,)   # with replacement: B may exceed N
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(7, 1))
    assert predict_numpy(model, X).shape == (30,)


def test_token_ids_stay_ids_and_predict_numpy_goes_in_chunks():
    ids, labels = np.arange(40).reshape(10, 4) % 7, np.arange(10) % 2
    inputs, targets = array_batch_fn(ids, labels, 6)(0, torch.Generator().manual_seed(1))
    assert inputs.dtype == torch.int64 and inputs.shape == (6, 4) and targets.dtype == torch.int64
    torch.manual_seed(0)
    model = SequenceModel("gru", 3, 5, 2, vocab_size=7)
    whole, chunked = predict_numpy(model, ids), predict_numpy(model, ids, batch_size=3)
    assert whole.shape == (10, 2) and np.allclose(whole, chunked, atol=1e-6)
    with pytest.raises(ValueError, match="x contains the id 6: expected ids < vocab_size = 5"):
        predict_numpy(SequenceModel("gru", 3, 5, 2, vocab_size=5), ids)


def test_weighted_batches_never_draw_zero_weight_rows():
    x, y = np.arange(10)[:, None], np.arange(10)
    weights = np.r_[np.zeros(5), np.ones(5)]
    xb, yb = array_batch_fn(x, y, 64, weights)(0, torch.Generator().manual_seed(0))
    assert xb.shape == (64, 1) and (yb >= 5).all()
    with pytest.raises(ValueError, match="weights"):
        array_batch_fn(x, y, 4, np.zeros(10))


def test_predict_numpy_restores_the_training_mode():
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Dropout(0.5), torch.nn.Linear(4, 1))
    X = np.ones((6, 4))
    a, b = predict_numpy(model, X), predict_numpy(model, X)
    assert np.array_equal(a, b) and model.training


@pytest.mark.parametrize("call,error,match", [
    (lambda: array_batch_fn(np.ones(5), np.ones((5, 1)), 2), ValueError, r"x has shape \(5,\): expected a 2-D or 3-D"),
    (lambda: array_batch_fn(np.ones((5, 3)), np.ones((5, 1)), 0), ValueError, r"batch_size must be a.*integer"),
    (lambda: array_batch_fn(np.ones((5, 3)), np.ones(5), 2), ValueError, r"y has float dtype and shape \(5,\)"),
    (lambda: array_batch_fn(np.ones((5, 3)), np.ones((5, 2), int), 2), ValueError, r"y has integer dtype and shape \(5, 2\)"),
    (lambda: array_batch_fn(np.ones((5, 3)), np.zeros((2, 1)), 4), ValueError, r"x has 5 rows but y has 2"),
    (lambda: array_batch_fn(np.ones((5, 3, 2), int), np.arange(5), 4), ValueError,
     r"x has shape \(5, 3, 2\): expected a 2-D array of integer ids"),
    (lambda: array_batch_fn(np.ones((5, 3)), np.arange(5), 4, -np.ones(5)), ValueError, r"weights must be 5 non-negative"),
    (lambda: predict_numpy(lambda x: x, np.ones((2, 3))), TypeError, r"model must be a torch.nn.Module, got function"),
    (lambda: predict_numpy(torch.nn.Linear(1, 1), np.ones((2, 3, 1, 1))), ValueError, r"x has shape \(2, 3, 1, 1\)"),
    (lambda: predict_numpy(torch.nn.Linear(1, 1), np.ones((0, 3))), ValueError, r"x has shape \(0, 3\): expected at least 1"),
    (lambda: predict_numpy(torch.nn.Linear(1, 1), np.ones((2, 3)), batch_size=0), ValueError, r"batch_size must be a"),
])
def test_bad_array_arguments_are_named(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_history_lookups_name_a_bad_argument():
    h = History(loss=[4.0, 2.0, 0.0], grad_norm=[1.0] * 3, eval={"step": [10, 20], "mse": [0.5, 0.01]})
    with pytest.raises(KeyError, match=r"key='acc' was not evaluated: expected one of \['mse'\]"):
        h.first_step("acc", 0.1)
    assert History().first_step("mse", 0.1) is None           # nothing evaluated: never
    assert h.first_step("mse", math.inf) == 10
    with pytest.raises(ValueError, match="threshold is nan"):
        h.first_step("mse", math.nan)
    with pytest.raises(TypeError, match="threshold must be a number"):
        h.first_step("mse", "0.1")
    with pytest.raises(ValueError, match="key must be one of"):
        h.smoothed("eval")
    for window, error in ((0, ValueError), (-1, ValueError), (1.5, TypeError), (True, TypeError)):
        with pytest.raises(error, match="window"):
            h.smoothed("loss", window)


def test_loss_functions_name_a_bad_model_or_ignore_index():
    model = SequenceModel("rnn", 2, 4, 3)
    x, y = torch.zeros(4, 5, 2), torch.zeros(4, dtype=torch.int64)
    for bad in ("x", 1.5, True, None):
        with pytest.raises(TypeError, match="ignore_index must be an integer"):
            cross_entropy_loss(model, x, y, ignore_index=bad)
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        mse_loss("m", x, torch.zeros(4, 3))
    with pytest.raises(TypeError, match=r"model\(inputs\) returned tuple"):
        cross_entropy_loss(lambda inputs: (model(inputs), None), x, y)
