"""course_utils.figures.gradient_explorer: the Chapter 3 gradient explorer and its static twin."""
import matplotlib

matplotlib.use("Agg")

import ipywidgets as w  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_utils.figures import gradient_explorer as ge  # noqa: E402
from course_utils.cells.jacobians import ACTIVATIONS, STRUCTURES  # noqa: E402
from conftest import widget_pngs_in_kernel  # noqa: E402


def _first_curve(explorer):
    return np.asarray(explorer.result.axes[0].lines[0].get_ydata())


def test_explorer_has_two_sliders_and_two_menus_with_documented_ranges():
    e = ge.gradient_explorer()
    sliders = [c for c in e.children if isinstance(c, (w.FloatSlider, w.IntSlider))]
    menus = [c for c in e.children if isinstance(c, w.Dropdown)]
    assert len(sliders) == 2 and len(menus) == 2 and isinstance(e.children[-1], w.Output)
    lam, T = sliders
    assert (lam.min, lam.max, lam.step) == ge.LAMBDA_RANGE and lam.value == 0.9
    assert (T.min, T.max, T.step) == ge.T_RANGE and T.value == 40
    assert tuple(menus[0].options) == ACTIVATIONS and tuple(menus[1].options) == STRUCTURES


def test_explorer_draws_on_creation_one_curve_with_its_bound():
    e = ge.gradient_explorer(lambda1=1.2, activation="linear", T=10)
    ax = e.result.axes[0]
    assert len(ax.lines) == 2                       # measured median + dashed bound
    assert len(ax.lines[0].get_xdata()) == 11       # lags 0..T
    assert ax.get_xlabel() and ax.get_ylabel() and "γλ₁" in ax.get_title()


@pytest.mark.parametrize("index, value", [(0, 1.5), (1, "sigmoid"), (2, 20), (3, "gaussian")])
def test_moving_any_control_redraws_a_different_curve(index, value):
    e = ge.gradient_explorer()
    before = _first_curve(e)
    e.children[index].value = value
    after = _first_curve(e)
    assert before.shape != after.shape or not np.allclose(before, after)


def test_static_figure_draws_every_setting_and_states_the_finding():
    fig = ge.gradient_norm_figure([(0.5, "tanh"), (2.0, "linear")], T=8)
    ax = fig.axes[0]
    assert len(ax.lines) == 4 and len(ax.get_legend().get_texts()) == 2
    assert "may explode" in ax.get_title()
    fig2 = ge.gradient_norm_figure([(0.5, "tanh")], T=8)
    assert "vanish" in fig2.axes[0].get_title()
    matplotlib.pyplot.close("all")


def test_explorer_in_a_kernel_shows_a_png_that_changes_when_the_slider_moves():
    """What the browser test relies on: the figure is an image in the widget's Output area."""
    pngs = widget_pngs_in_kernel("from course_utils.figures.gradient_explorer import gradient_explorer\n"
                                 "explorer = gradient_explorer()\nexplorer", "explorer.children[0].value = 2.0")
    assert len(pngs) == 2 and len(pngs[0]) == 1 and len(pngs[1]) == 1
    assert pngs[0][0] != pngs[1][0]


def test_static_figure_accepts_a_custom_title():
    fig = ge.gradient_norm_figure([(1.0, "linear")], T=5, title="Tight for a linear RNN")
    assert fig.axes[0].get_title() == "Tight for a linear RNN"
    matplotlib.pyplot.close(fig)


@pytest.mark.parametrize("call,error,match", [
    (lambda: ge.gradient_norm_figure((0.5, "tanh")), TypeError, r"settings\[0\] must be a \(lambda1, activation"),
    (lambda: ge.gradient_norm_figure("tanh"), TypeError, "settings must be a list"),
    (lambda: ge.gradient_norm_figure([]), ValueError, "settings is empty"),
    (lambda: ge.gradient_norm_figure([(-1.0, "tanh")]), ValueError, r"settings\[0\] lambda1"),
    (lambda: ge.gradient_norm_figure([(0.5, "softplus")]), ValueError, r"settings\[0\] activation"),
    (lambda: ge.gradient_norm_figure([(0.5, "tanh")], structure="diagonal"), ValueError, "structure"),
    (lambda: ge.gradient_norm_figure([(0.5, "tanh")], T=0), ValueError, "T must be a positive integer"),
    (lambda: ge.gradient_norm_figure([(0.5, "tanh")], ax="axes"), TypeError, "ax must be a matplotlib Axes"),
    (lambda: ge.gradient_explorer(lambda1=9.0), ValueError, "lambda1"),
    (lambda: ge.gradient_explorer(activation="softplus"), ValueError, "activation"),
    (lambda: ge.gradient_explorer(T=2.5), TypeError, "T must be an integer"),
    (lambda: ge.gradient_explorer(T=500), ValueError, "T"),
    (lambda: ge.gradient_explorer(structure="diagonal"), ValueError, "structure"),
])
def test_bad_arguments_are_named(call, error, match):
    with pytest.raises(error, match=match):
        call()
    matplotlib.pyplot.close("all")
