"""Chapter 6's experiment runner: gradient profile, one run, parallel == serial, sweeps."""
import numpy as np
import pytest
import torch

from course_utils.experiments import (AddingResult, AddingRun, input_gradient_profile, plot_curves, results_by,
                                      run_all, sweep, train_adding, with_seed)
from course_utils.models import SequenceModel
from course_utils.training import History

TINY = dict(max_steps=20, eval_every=10, batch=16, n_valid=32, n_test=64, budget=300)
FD_EPS = 1e-3
FD_TOL = 1e-3


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_input_gradient_profile_matches_finite_differences(cell):
    torch.manual_seed(0)
    model = SequenceModel(cell, 2, 5, 1).double()
    x = torch.randn(3, 6, 2, dtype=torch.float64)
    profile = input_gradient_profile(model, x)
    assert profile.shape == (6,) and profile.dtype == np.float64
    grads = torch.zeros_like(x)
    with torch.no_grad():
        for b in range(3):
            for t in range(6):
                for d in range(2):
                    e = torch.zeros_like(x)
                    e[b, t, d] = FD_EPS
                    grads[b, t, d] = (model(x + e)[b, 0] - model(x - e)[b, 0]) / (2 * FD_EPS)
    np.testing.assert_allclose(profile, grads.norm(dim=-1).mean(0).numpy(), rtol=FD_TOL)


def test_input_gradient_profile_restores_eval_mode():
    model = SequenceModel("gru", 2, 3, 1).eval()
    input_gradient_profile(model, torch.zeros(2, 4, 2))
    assert not model.training


def test_train_adding_is_deterministic_and_restores_threads():
    threads = torch.get_num_threads()
    run = AddingRun("lstm", 8, seed=1, forget_bias=1.0, **TINY)
    a, b = train_adding(run), train_adding(run)
    assert torch.get_num_threads() == threads
    assert a.history.loss == b.history.loss and a.test_mse == b.test_mse
    assert a.history.eval["step"] == [10, 20] and set(a.history.eval) >= {"mse", "grad_early", "grad_late"}


def test_train_adding_flushes_subnormals_only_during_the_run():
    tiny = torch.tensor([1e-30], dtype=torch.float32)
    assert float(tiny * 1e-10) > 0                      # 1e-40 is a float32 subnormal, kept by default
    seen = []

    class Spy(AddingRun):
        def should_stop(self, history):
            seen.append(float(tiny * 1e-10))            # evaluated inside the run
            return super().should_stop(history)

    train_adding(Spy("rnn", 5, **TINY))
    assert seen and all(v == 0.0 for v in seen)        # flushed during training
    assert float(tiny * 1e-10) > 0                      # and the default is back afterwards


def test_result_model_reproduces_the_trained_predictions():
    run = AddingRun("rnn", 6, **TINY)
    result = train_adding(run)
    x, y = run.data("test")
    with torch.no_grad():
        mse = float(((result.model()(x) - y) ** 2).mean())
    assert mse == pytest.approx(result.test_mse, rel=1e-6)


def test_early_stop_when_validation_mse_is_low():
    result = train_adding(AddingRun("gru", 5, stop_below=10.0, **TINY))
    assert result.history.steps == 10 and "stop_fn" in result.history.stopped


def test_validation_and_test_sets_differ_and_depend_on_seed():
    run = AddingRun("rnn", 7, n_valid=8, n_test=8)
    assert not torch.equal(run.data("valid")[0], run.data("test")[0])
    assert not torch.equal(run.data("test")[0], AddingRun("rnn", 7, seed=1, n_valid=8, n_test=8).data("test")[0])


def test_parallel_results_equal_serial_results():
    runs = [AddingRun("rnn", 6, **TINY), AddingRun("lstm", 6, **TINY)]
    serial = run_all(runs, processes=1, progress=False)
    parallel = run_all(runs, processes=2, progress=False)
    for s, p in zip(serial, parallel):
        assert s.run == p.run and s.history.loss == p.history.loss and s.test_mse == p.test_mse


def test_sweep_gives_each_cell_its_learning_rate_and_lstm_its_forget_bias():
    runs = sweep(lengths=(10, 50), lr={"rnn": 1e-2, "lstm": 2e-2, "gru": 3e-2}, forget_bias=1.0)
    assert [(r.cell, r.length) for r in runs][:3] == [("rnn", 10), ("lstm", 10), ("gru", 10)]
    assert {r.cell: r.lr for r in runs} == {"rnn": 1e-2, "lstm": 2e-2, "gru": 3e-2}
    assert {r.cell: r.forget_bias for r in runs} == {"rnn": None, "lstm": 1.0, "gru": None}
    assert {r.seed for r in with_seed(runs, 3)} == {3}


def test_comparable_parameter_counts():
    from course_utils.models import count_parameters
    counts = [count_parameters(AddingRun(c, 10).build()) for c in ("rnn", "lstm", "gru")]
    assert max(counts) <= 4700 and min(counts) > 0.95 * 4700


def test_run_all_refuses_other_objects():
    with pytest.raises(TypeError, match="AddingRun"):
        run_all([("rnn", 10)])


def fake_result(cell, length, forget_bias=None, values=(0.2, 0.0)):
    history = History(loss=[1.0, 1.0], grad_norm=[1.0, 1.0],
                      eval={"step": [1, 2], "mse": [0.2, 0.1], "grad_early": list(values)})
    return AddingResult(AddingRun(cell, length, forget_bias=forget_bias), history, 0.1, None, 0.0)


def test_results_by_filters_lstm_forget_bias():
    results = [fake_result("rnn", 10), fake_result("lstm", 10, 1.0), fake_result("lstm", 10, 0.0)]
    picked = results_by(results, forget_bias=1.0)
    assert set(picked) == {("rnn", 10), ("lstm", 10)} and picked["lstm", 10].run.forget_bias == 1.0


def test_plot_curves_one_panel_per_length_and_floor_for_zeros():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    results = [fake_result("rnn", 10), fake_result("gru", 50)]
    fig = plot_curves(results, key="grad_early", floor=1e-30, baseline=0.5, title="t")
    axes = fig.axes
    assert len(axes) == 2 and axes[0].get_title() == "T = 10"
    assert min(axes[0].lines[0].get_ydata()) == 1e-30
    plt.close(fig)


def test_give_up_stops_a_run_still_near_the_baseline_but_not_before_its_step():
    stuck = train_adding(AddingRun("rnn", 5, give_up_after=20, give_up_above=0.0, max_steps=40, eval_every=10,
                                   batch=16, n_valid=32, n_test=64, budget=300))
    assert stuck.history.steps == 20 and "stop_fn" in stuck.history.stopped
    never = train_adding(AddingRun("rnn", 5, give_up_after=20, give_up_above=1e9, **TINY))
    assert never.history.steps == 20 and never.history.stopped is None
