"""Chapter 3's gradient explorer: gradient norm versus lag, redrawn live as you move sliders.

::

    from course_utils.figures.widgets import gradient_explorer, gradient_norm_figure
    explorer = gradient_explorer()        # in JupyterLab: sliders + a figure that redraws
    fig = gradient_norm_figure([(0.9, "tanh"), (1.5, "linear")], T=40)   # the same drawing, static

Both draw, for each setting (λ₁, activation), the measured ``‖∂h_T/∂h_{T-ℓ}‖_2`` of a small
NumPy RNN with ``W_h = recurrent_matrix(H, λ₁, structure)`` (median over a batch as a line,
min-max as a band) and the bound ``(γ λ₁)^ℓ`` dashed, with
:func:`course_utils.cells.jacobians.jacobian_norms_vs_lag`. The explorer is an
``ipywidgets.interactive``: every change reruns :func:`gradient_norm_figure` and shows the new
PNG in the widget's output area (matplotlib's inline backend).
"""
from __future__ import annotations

import matplotlib.pyplot as plt

from course_utils.figures import plots
from course_utils.cells.jacobians import (
    ACTIVATIONS,
    GAMMA,
    STRUCTURES,
    jacobian_norms_vs_lag,
    recurrent_matrix,
)

__all__ = ["HIDDEN", "BATCH", "FLOOR", "LAMBDA_RANGE", "T_RANGE", "gradient_norm_figure",
           "gradient_explorer"]

HIDDEN = 16
BATCH = 8
FLOOR = 1e-30
LAMBDA_RANGE = (0.1, 5.0, 0.05)   # min, max, step of the λ₁ slider
T_RANGE = (5, 100, 5)             # min, max, step of the sequence-length slider


def _finding(settings) -> str:
    """A title stating what the bound says for these settings."""
    rates = [GAMMA[act] * lam for lam, act in settings]
    if all(r < 1 for r in rates):
        return "γλ₁ < 1: the bound forces the gradient to vanish with the lag"
    if len(settings) == 1:
        return "γλ₁ ≥ 1: the bound allows growth; whether it explodes depends on the states"
    return "Below γλ₁ = 1 the gradient must vanish; above, it may explode"


def gradient_norm_figure(settings, T: int = 40, structure: str = "orthogonal", *, hidden: int = HIDDEN,
                         batch: int = BATCH, seed: int = 0, ax=None, title: str | None = None):
    """Plot measured gradient norms and the bound against the lag for each ``(λ₁, activation)``.

    settings: list of (lambda1, activation) pairs, activation in ``ACTIVATIONS``.
    T: sequence length (lags 0..T). structure: see :func:`recurrent_matrix`.
    title: the finding to state; by default a sentence about γλ₁ versus 1.
    Returns the matplotlib Figure (the caller shows or closes it).
    """
    if ax is None:
        fig, ax = plt.subplots()
    else:
        fig = ax.figure
    lowest = 1.0
    for lam, act in settings:
        W = recurrent_matrix(hidden, lam, structure, seed=seed)
        prof = jacobian_norms_vs_lag(W, act, T, batch=batch, seed=seed)
        lowest = min(lowest, prof.norms.min(), prof.bound.min())
        plots.plot_lag_profile(ax, prof.lags, prof.median, low=prof.norms.min(axis=1),
                               high=prof.norms.max(axis=1), bound=prof.bound, floor=FLOOR,
                               label=f"{act}, λ₁={lam:g} (γλ₁={GAMMA[act] * lam:.2g})")
    ax.set_ylim(max(FLOOR, 0.1 * lowest), None)
    plots.label(ax, title or _finding(settings), "lag ℓ = T − k (steps back)",
                "‖∂h_T/∂h_k‖₂ (dashed: bound)", legend=True)
    fig.tight_layout()
    return fig


def _draw(lambda1: float, activation: str, T: int, structure: str):
    fig = gradient_norm_figure([(lambda1, activation)], T=T, structure=structure)
    plt.show()   # inline backend: the PNG goes into the widget's output area
    plt.close(fig)
    return fig   # kept as ``explorer.result`` (tests read its lines)


def gradient_explorer(lambda1: float = 0.9, activation: str = "tanh", T: int = 40,
                      structure: str = "orthogonal"):
    """An ``ipywidgets.interactive`` with sliders for λ₁ and T and menus for the activation and
    the structure of W_h; each change redraws the gradient-norm figure.

    Controls (``explorer.children``): FloatSlider ``lambda1``, Dropdown ``activation``,
    IntSlider ``T``, Dropdown ``structure``, then the Output area. Sliders redraw when released
    (``continuous_update=False``) so a slow machine does not queue figures.
    """
    import ipywidgets as w
    controls = {
        "lambda1": w.FloatSlider(value=lambda1, min=LAMBDA_RANGE[0], max=LAMBDA_RANGE[1], step=LAMBDA_RANGE[2],
                                 description="λ₁ = ‖W_h‖₂", continuous_update=False,
                                 style={"description_width": "initial"}),
        "activation": w.Dropdown(options=list(ACTIVATIONS), value=activation, description="activation"),
        "T": w.IntSlider(value=T, min=T_RANGE[0], max=T_RANGE[1], step=T_RANGE[2], description="T",
                         continuous_update=False),
        "structure": w.Dropdown(options=list(STRUCTURES), value=structure, description="W_h"),
    }
    return w.interactive(_draw, **controls)
