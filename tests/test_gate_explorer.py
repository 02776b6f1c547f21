"""course_utils.figures.gate_explorer (Chapter 5's widget and its static figure) and plots.gate_heatmaps."""
import matplotlib

matplotlib.use("Agg")

import ipywidgets as w  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_utils.figures import gate_explorer as ge  # noqa: E402
from course_utils.figures import plots  # noqa: E402
from conftest import widget_pngs_in_kernel  # noqa: E402

EXACT = 1e-12          # the explorer's numbers are the reference cells' numbers, in float64


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def _bars(fig):
    """Heights of the gate bars (left axes) and of the state bars (right axes)."""
    left, right = fig.axes[:2]
    return [p.get_height() for p in left.patches], [p.get_height() for p in right.patches]


@pytest.mark.parametrize("x, h, c, b", [(0.5, 0.3, 1.0, (0.0, 1.0, 0.0, 0.0)), (-2.0, -0.9, 2.5, (1.0, -3.0, 0.5, 2.0))])
def test_lstm_unit_step_follows_the_lstm_equations(x, h, c, b):
    v = ge.unit_step("lstm", x, h, c, **dict(zip(("b_i", "b_f", "b_g", "b_o"), b)))
    a = x + h + np.array(b)
    i, f, g, o = sigmoid(a[0]), sigmoid(a[1]), np.tanh(a[2]), sigmoid(a[3])
    c_new = f * c + i * g
    expected = {"i": i, "f": f, "g": g, "o": o, "c": c_new, "h": o * np.tanh(c_new)}
    assert set(v) == set(expected)
    for k in expected:
        assert abs(v[k] - expected[k]) < EXACT, k


@pytest.mark.parametrize("kind", ["gru-reset-after", "gru-reset-before"])
def test_gru_unit_step_follows_each_forms_candidate(kind):
    x, h, b = 0.7, -0.4, {"b_r": 0.5, "b_z": -1.0, "b_n": 0.2}
    v = ge.unit_step(kind, x, h, **b)
    r, z = sigmoid(x + h + b["b_r"]), sigmoid(x + h + b["b_z"])
    # b_n is the recurrent bias b_hn: scaled by r when the reset acts after the product
    n = np.tanh(x + r * (h + b["b_n"])) if kind == "gru-reset-after" else np.tanh(x + r * h + b["b_n"])
    h_new = (1 - z) * n + z * h                     # one z convention: z -> 1 keeps the old state
    for k, e in {"r": r, "z": z, "n": n, "h": h_new}.items():
        assert abs(v[k] - e) < EXACT, k


def test_the_two_gru_forms_differ_only_through_the_candidates_recurrent_bias():
    """One unit: W_hn (r h) = r (W_hn h), so the forms coincide when b_n = 0 and differ otherwise."""
    x, h, b = 0.9, 0.2, {"b_r": 0.3, "b_z": 0.8}
    after, before = ge.unit_step("gru-reset-after", x, h, **b), ge.unit_step("gru-reset-before", x, h, **b)
    for k in ("r", "z", "n", "h"):
        assert abs(after[k] - before[k]) < EXACT, k
    after, before = (ge.unit_step(c, x, h, b_n=-1.5, **b) for c in ("gru-reset-after", "gru-reset-before"))
    for k in ("r", "z"):
        assert abs(after[k] - before[k]) < EXACT, k
    assert abs(after["n"] - before["n"]) > 0.05 and abs(after["h"] - before["h"]) > 0.01
    assert ge.unit_params("gru-reset-after", b_n=-1.5).bias_hh[2] == -1.5


def test_unknown_kind_or_bias_is_refused_with_the_allowed_names():
    with pytest.raises(ValueError, match="kind must be one of"):
        ge.unit_step("rnn", 0.0, 0.0)
    with pytest.raises(ValueError, match=r"b_f.*expected some of \('b_r', 'b_z', 'b_n'\)"):
        ge.unit_params("gru-reset-after", b_f=1.0)
    with pytest.raises(ValueError, match="unknown explorer values"):
        ge.gate_explorer(w_x=2.0)


@pytest.mark.parametrize("kind, n_gates, n_states", [("lstm", 4, 2), ("gru-reset-after", 3, 1),
                                                         ("gru-reset-before", 3, 1)])
def test_static_figure_draws_one_bar_per_gate_and_old_and_new_states(kind, n_gates, n_states):
    fig = ge.gate_figure(kind, x_t=1.0, h_prev=-0.5, c_prev=0.8)
    gates, states = _bars(fig)
    v = ge.unit_step(kind, 1.0, -0.5, 0.8)
    assert len(gates) == n_gates and len(states) == 2 * n_states
    names = ("i", "f", "g", "o") if kind == "lstm" else ("r", "z", "n")
    assert np.allclose(gates, [v[k] for k in names], atol=EXACT)
    assert abs(states[n_states + n_states - 1] - v["h"]) < EXACT          # last "after" bar is h_t
    assert fig.axes[0].get_ylabel() and fig.axes[1].get_ylabel()
    assert "h_t" in fig._suptitle.get_text()
    plt.close("all")


def test_explorer_controls_sliders_first_then_menu_then_output():
    e = ge.gate_explorer()
    sliders = [c for c in e.children if isinstance(c, w.FloatSlider)]
    assert isinstance(e.children[0], w.FloatSlider)               # what a browser test moves
    assert len(sliders) == len(ge.DEFAULTS)
    assert isinstance(e.children[-2], w.Dropdown) and isinstance(e.children[-1], w.Output)
    assert all(not s.continuous_update for s in sliders)
    plt.close("all")


def test_explorer_hides_the_sliders_the_chosen_cell_does_not_use():
    e = ge.gate_explorer("lstm")
    shown = lambda: {c.description for c in e.children[:-2] if c.layout.display != "none"}  # noqa: E731
    assert shown() == {"input x_t", "h_{t−1}", "C_{t−1} (LSTM)", "b_i", "b_f", "b_g", "b_o"}
    e.children[-2].value = "gru-reset-before"
    assert shown() == {"input x_t", "h_{t−1}", "b_r", "b_z", "b_n"}
    plt.close("all")


@pytest.mark.parametrize("name, value", [("x_t", -1.5), ("h_prev", 0.9), ("c_prev", -2.0), ("b_f", -2.0),
                                         ("b_o", 2.5)])
def test_moving_an_lstm_slider_redraws_different_bars(name, value):
    e = ge.gate_explorer("lstm")
    before = _bars(e.result)
    next(c for c in e.children if getattr(c, "description", "").startswith(
        {"x_t": "input", "h_prev": "h_", "c_prev": "C_"}.get(name, name))).value = value
    after = _bars(e.result)
    assert before != after
    plt.close("all")


def test_switching_the_cell_redraws_with_that_cells_gates():
    e = ge.gate_explorer("lstm")
    e.children[-2].value = "gru-reset-after"
    assert [t.get_text() for t in e.result.axes[0].get_xticklabels()] == ["r", "z", "n"]
    plt.close("all")


def test_explorer_in_a_kernel_shows_a_png_that_changes_when_a_slider_moves():
    """What the browser test relies on: the figure is an image in the widget's Output area."""
    pngs = widget_pngs_in_kernel("from course_utils.figures.gate_explorer import gate_explorer\nexplorer = gate_explorer()\nexplorer",
                                 "explorer.children[0].value = -2.0")
    assert len(pngs) == 2 and len(pngs[0]) == 1 and len(pngs[1]) == 1
    assert pngs[0][0] != pngs[1][0]


def test_gate_heatmaps_one_panel_per_entry_with_gate_and_diverging_scales():
    rng = np.random.default_rng(0)
    T, H = 12, 5
    panels = {"input gate i": sigmoid(rng.normal(size=(T, H))), "cell state C": 3 * rng.normal(size=(T, H))}
    fig = plots.gate_heatmaps(panels, title="finding", marks=[4])
    images = [ax.images[0] for ax in fig.axes if ax.images]
    assert len(images) == 2
    assert images[0].get_array().shape == (H, T)                  # units on y, time on x
    assert images[0].get_clim() == (0.0, 1.0)
    lo, hi = images[1].get_clim()
    assert lo == -hi and hi == pytest.approx(np.abs(panels["cell state C"]).max())
    assert fig.axes[0].get_title() == "finding" and fig.axes[0].lines    # the mark
    plt.close("all")
