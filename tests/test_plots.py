"""course_utils.figures.plots: Chapter 6's training curves and Chapter 11's text coloured by activation
(moved from learning.experiments and learning.interpret), and the palette of Chapter 1's unrolled RNN."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

from course_utils.figures import palette, plots  # noqa: E402
from course_utils.learning.experiments import AddingResult, AddingRun  # noqa: E402
from course_utils.learning.training import History  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def fake_result(kind, length, forget_bias=None, values=(0.2, 0.0)):
    history = History(loss=[1.0, 1.0], grad_norm=[1.0, 1.0],
                      eval={"step": [1, 2], "mse": [0.2, 0.1], "grad_early": list(values)})
    return AddingResult(AddingRun(kind, length, forget_bias=forget_bias), history, 0.1, None, 0.0)


def test_plot_curves_one_panel_per_length_and_floor_for_zeros():
    results = [fake_result("rnn", 10), fake_result("gru", 50)]
    fig = plots.plot_curves(results, key="grad_early", floor=1e-30, baseline=0.5, title="t")
    axes = fig.axes
    assert len(axes) == 2 and axes[0].get_title() == "T = 10"
    assert min(axes[0].lines[0].get_ydata()) == 1e-30


def test_plot_curves_colours_each_kind_from_the_palette_and_dashes_lstm_without_forget_bias():
    results = [fake_result("rnn", 10), fake_result("lstm", 10, 1.0), fake_result("gru", 10),
               fake_result("lstm", 10, 0.0)]
    (ax,) = plots.plot_curves(results).axes
    for line, r in zip(ax.lines, results):
        assert to_rgba(line.get_color()) == to_rgba(palette.KIND_COLORS[r.run.kind])
    assert [line.get_linestyle() for line in ax.lines] == ["-", "-", "-", "--"]
    assert [line.get_label() for line in ax.lines] == ["RNN", "LSTM b_f=1", "GRU", "LSTM b_f=0"]


@pytest.mark.parametrize("call,error,match", [
    (lambda: plots.plot_curves(fake_result("rnn", 10)), TypeError, "results must be a list of AddingResult"),
    (lambda: plots.plot_curves([]), ValueError, "results is empty"),
    (lambda: plots.plot_curves([fake_result("rnn", 10), "run"]), TypeError, r"results\[1\] must be an AddingResult"),
    (lambda: plots.plot_curves([fake_result("rnn", 10)], key="loss"), ValueError, "key 'loss' was not recorded"),
    (lambda: plots.plot_curves([fake_result("rnn", 10)], floor=0.0), ValueError, "floor"),
])
def test_bad_plot_curves_arguments_are_named(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_draw_text_activation_wraps_lines():
    ax = plots.draw_text_activation("ab\ncd", np.array([0.0, 1.0, -1.0, 0.5, 0.2]), width=10)
    assert ax.images[0].get_array().shape == (2, 10)
    assert [t.get_text() for t in ax.texts] == ["a", "b", "\u21b5", "c", "d"]
    wrapped = plots.draw_text_activation("abcde", np.arange(5.0), width=2)
    assert wrapped.images[0].get_array().shape == (3, 2)


@pytest.mark.parametrize("call,error,match", [
    (lambda: plots.draw_text_activation("abc", np.zeros(2)), ValueError, "one per character"),
    (lambda: plots.draw_text_activation("", np.zeros(0)), ValueError, "text"),
    (lambda: plots.draw_text_activation(b"abc", np.zeros(3)), TypeError, "text"),
    (lambda: plots.draw_text_activation("abc", ["a", "b", "c"]), TypeError, "values"),
    (lambda: plots.draw_text_activation("abc", np.zeros(3), width=0), ValueError, "width"),
    (lambda: plots.draw_text_activation("abc", np.zeros(3), ax="axes"), TypeError, "ax must be a matplotlib Axes"),
])
def test_bad_draw_text_activation_arguments_are_named(call, error, match):
    with pytest.raises(error, match=match):
        call()
