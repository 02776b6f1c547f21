"""Chapter 3's clipping experiment: ``learning.clipping.sgd_clip_sweep`` (many SGD runs at once) against the
course's own training loop, and the figure helper ``plots.clipping_figure``."""
import math

import matplotlib
import numpy as np
import pytest
import torch

matplotlib.use("Agg")

from course_utils.figures import plots  # noqa: E402
from course_utils.cells.jacobians import recurrent_matrix  # noqa: E402
from course_utils.learning.clipping import sgd_clip_sweep  # noqa: E402
from course_utils.learning.models import SequenceModel  # noqa: E402
from course_utils.learning.training import TrainConfig, mse_loss, set_seed, train  # noqa: E402

T = 8
FIRST_STEPS_RTOL = 1e-5   # float32, first 5 steps
WHOLE_RUN_RTOL = 2e-3     # float32 rounding amplified over 25 SGD steps (observed max ~3e-4)


def sign_batch(step, rng, batch_size=16):
    sign = torch.randint(0, 2, (batch_size, 1), generator=rng) * 2.0 - 1.0
    x = torch.rand(batch_size, T, 1, generator=rng) - 0.5
    x[:, 0, 0] = sign[:, 0]
    return x, sign


X_TEST, Y_TEST = sign_batch(0, torch.Generator().manual_seed(99), batch_size=200)


def reference_run(seed, lr, clip, steps, lambda1=None):
    """The same run with SequenceModel + training.train (SGD, torch's clip_grad_norm_)."""
    set_seed(seed)
    model = SequenceModel("rnn", input_size=1, hidden_size=5, output_size=1)
    if lambda1 is not None:
        with torch.no_grad():
            model.rnn.weight_hh_l0.copy_(torch.from_numpy(recurrent_matrix(5, lambda1, "orthogonal", seed=seed)))
    history = train(model, sign_batch, mse_loss, TrainConfig(steps=steps, lr=lr, clip=clip, optimizer="sgd",
                                                             seed=0, device="cpu", progress=False))
    with torch.no_grad():
        test = mse_loss(model, X_TEST, Y_TEST).item()
    return history, test


@pytest.mark.parametrize("lambda1", [None, 1.0])
def test_each_run_equals_the_course_training_loop(lambda1):
    steps, lrs, clips = 25, [0.05, 0.3], [None, 0.5]
    sweep = sgd_clip_sweep(sign_batch, X_TEST, Y_TEST, lrs=lrs, clips=clips, seeds=[0, 3], hidden_size=5,
                           steps=steps, lambda1=lambda1)
    assert len(sweep.lr) == 8
    for seed in (0, 3):
        for lr in lrs:
            for clip in clips:
                (i,) = sweep.select(lr=lr, clip=clip, seed=seed)
                history, test = reference_run(seed, lr, clip, steps, lambda1)
                assert sweep.diverged_at[i] == 0
                # float32 in both; the sums run in a different order (batched matmuls vs nn.RNN), so
                # rounding differences (~1e-7) are amplified step by step: tight at first, looser later
                np.testing.assert_allclose(sweep.loss[i, :5], history.loss[:5], rtol=FIRST_STEPS_RTOL)
                np.testing.assert_allclose(sweep.loss[i], history.loss, rtol=WHOLE_RUN_RTOL, atol=1e-6)
                np.testing.assert_allclose(sweep.grad_norm[i], history.grad_norm, rtol=WHOLE_RUN_RTOL, atol=1e-6)
                assert sweep.test_mse[i] == pytest.approx(test, rel=WHOLE_RUN_RTOL, abs=1e-6)
    # clipping really acted somewhere, so the comparison above covers the rescaling
    assert sweep.clipped_fraction[sweep.select(clip=0.5)].max() > 0


def test_a_diverging_run_is_stopped_and_leaves_the_others_alone():
    both = sgd_clip_sweep(sign_batch, X_TEST, Y_TEST, lrs=[0.1, 50.0], clips=[None], steps=40, hidden_size=5)
    alone = sgd_clip_sweep(sign_batch, X_TEST, Y_TEST, lrs=[0.1], clips=[None], steps=40, hidden_size=5)
    (bad,) = both.select(lr=50.0)
    (good,) = both.select(lr=0.1)
    assert 1 <= both.diverged_at[bad] <= 40 and both.test_mse[bad] == math.inf
    assert np.all(np.isnan(both.loss[bad, both.diverged_at[bad] - 1:]))
    assert np.all(np.isfinite(both.loss[bad, :both.diverged_at[bad] - 1]))
    # batch size M changes only the float32 rounding of the batched products
    np.testing.assert_allclose(both.loss[good], alone.loss[0], rtol=FIRST_STEPS_RTOL)
    assert both.test_mse[good] == pytest.approx(alone.test_mse[0], rel=FIRST_STEPS_RTOL)


def test_clipped_fraction_counts_the_steps_where_clipping_fired():
    sweep = sgd_clip_sweep(sign_batch, X_TEST, Y_TEST, lrs=[0.1], clips=[None, 1e-6, 1e6], steps=10,
                           hidden_size=5)
    assert sweep.clipped_fraction.tolist() == [0.0, 1.0, 0.0]
    assert np.isinf(sweep.clip[sweep.select(clip=None)]).all()
    expected = np.mean(sweep.grad_norm[0] > 0.3)
    clipped_at = sgd_clip_sweep(sign_batch, X_TEST, Y_TEST, lrs=[0.1], clips=[0.3], steps=10, hidden_size=5)
    # the first step's norm is the same with or without clipping (same init, same batch)
    assert clipped_at.grad_norm[0, 0] == pytest.approx(sweep.grad_norm[0, 0])
    assert 0 <= clipped_at.clipped_fraction[0] <= 1 and 0 <= expected <= 1


@pytest.mark.parametrize("kwargs, word", [
    (dict(lrs=[], clips=[None]), "lrs"), (dict(lrs=[-0.1], clips=[None]), "lrs"),
    (dict(lrs=[0.1], clips=[0.0]), "clips"), (dict(lrs=[0.1], clips=[None], seeds=[-1]), "seeds"),
    (dict(lrs=[0.1], clips=[None], steps=0), "steps"),
])
def test_bad_settings_are_named(kwargs, word):
    with pytest.raises(ValueError, match=word):
        sgd_clip_sweep(sign_batch, X_TEST, Y_TEST, **kwargs)


def test_bad_test_set_is_named():
    with pytest.raises(ValueError, match="x_test"):
        sgd_clip_sweep(sign_batch, X_TEST[:, :, 0], Y_TEST, lrs=[0.1], clips=[None])


def test_clipping_figure_draws_one_run_and_the_sweep():
    sweep = sgd_clip_sweep(sign_batch, X_TEST, Y_TEST, lrs=[0.1, 50.0], clips=[None, 1.0], seeds=[0, 1],
                           steps=20, hidden_size=5)
    fig = plots.clipping_figure(sweep, lr=50.0, seed=1, clip=1.0)
    ax1, ax2, ax3 = fig.axes
    free = sweep.select(lr=50.0, seed=1)[0]
    assert sweep.diverged_at[free] > 0
    assert len(ax1.lines) == 3 and len(ax2.lines) == 4          # two runs + overflow mark; and τ
    assert ax1.lines[2].get_xdata()[0] == sweep.diverged_at[free]
    assert ax1.get_ylim()[1] == 1e4
    np.testing.assert_array_equal(ax1.lines[0].get_ydata(), sweep.loss[free])
    n_points = sum(len(c.get_offsets()) for c in ax3.collections)
    assert n_points == len(sweep.lr)                              # every run appears once
    with pytest.raises(ValueError, match="lr=0.7"):
        plots.clipping_figure(sweep, lr=0.7, seed=0, clip=1.0)
    matplotlib.pyplot.close(fig)


@pytest.mark.parametrize("kwargs, error, words", [
    (dict(lrs="0.1"), TypeError, "lrs must be a list of numbers, got str"),
    (dict(lrs=0.1), TypeError, "lrs must be a list of numbers, got float"),
    (dict(seeds=[0.5]), TypeError, r"seeds\[0\] must be an integer, got float 0.5"),
    (dict(clips=["1"]), TypeError, r"clips\[0\] must be a number or None, got str"),
    (dict(data_seed=-1), ValueError, "data_seed must be a non-negative integer"),
    (dict(batch_fn=3), TypeError, "batch_fn must be a function"),
    (dict(batch_fn=lambda step, rng: torch.zeros(2)), TypeError, r"batch_fn\(step=0, rng\) must return a pair"),
    (dict(batch_fn=lambda step, rng: (torch.zeros(2, 3, 4), torch.zeros(2, 1))), ValueError,
     r"returned x \(2, 3, 4\) torch.float32 .* expected x \(B, T, 1\)"),
    (dict(x_test=X_TEST.double()), ValueError, "x_test and y_test have dtypes torch.float64"),
])
def test_bad_arguments_and_batches_are_named(kwargs, error, words):
    args = dict(batch_fn=sign_batch, x_test=X_TEST, y_test=Y_TEST, lrs=[0.1], clips=[None], steps=2, hidden_size=3)
    with pytest.raises(error, match=words):
        sgd_clip_sweep(**{**args, **kwargs})


def test_select_names_a_bad_setting():
    sweep = sgd_clip_sweep(sign_batch, X_TEST, Y_TEST, lrs=[0.1], clips=[None], steps=2, hidden_size=3)
    with pytest.raises(TypeError, match="lr must be a number or None, got str"):
        sweep.select(lr="a")
    with pytest.raises(TypeError, match="seed must be an integer or None, got float"):
        sweep.select(seed=0.5)
