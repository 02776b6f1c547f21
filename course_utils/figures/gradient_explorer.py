"""Chapter 3's gradient explorer: gradient norm versus lag, redrawn live as you move sliders.

::

    from course_utils.figures.gradient_explorer import gradient_explorer, gradient_norm_figure
    explorer = gradient_explorer()        # in JupyterLab: sliders + a figure that redraws
    fig = gradient_norm_figure([(0.9, "tanh"), (1.5, "linear")], T=40)   # the same drawing, static

Both draw, for each setting (λ₁, activation), the measured ``‖∂h_T/∂h_{T-ℓ}‖_2`` of a small
NumPy RNN with ``W_h = recurrent_matrix(H, λ₁, structure)`` (median over a batch as a line,
min-max as a band) and the bound ``(γ λ₁)^ℓ`` dashed, with
:func:`course_utils.cells.jacobians.jacobian_norms_vs_lag`. The explorer is an
``ipywidgets.interactive``: every change reruns :func:`gradient_norm_figure` and shows the new
PNG in the widget's output area (matplotlib's inline backend). Chapter 5's counterpart is
:mod:`course_utils.figures.gate_explorer`.
"""
from __future__ import annotations

import matplotlib.pyplot as plt

from course_utils._checks import check_choice, check_int, check_number, check_type
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


def _check_settings(settings) -> list[tuple[float, str]]:
    """``settings`` as a list of ``(lambda1, activation)`` pairs, checked."""
    if not isinstance(settings, (list, tuple)):
        raise TypeError(f"settings must be a list of (lambda1, activation) pairs, got {type(settings).__name__}")
    if not settings:
        raise ValueError("settings is empty: expected at least one (lambda1, activation) pair")
    checked = []
    for i, pair in enumerate(settings):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise TypeError(f"settings[{i}] must be a (lambda1, activation) pair, got {pair!r}")
        lam = check_number(pair[0], f"settings[{i}] lambda1", low=0)
        checked.append((lam, check_choice(pair[1], f"settings[{i}] activation", ACTIVATIONS)))
    return checked


def gradient_norm_figure(settings, T: int = 40, structure: str = "orthogonal", *, hidden: int = HIDDEN,
                         batch: int = BATCH, seed: int = 0, ax=None, title: str | None = None):
    """Plot measured gradient norms and the bound against the lag for each ``(λ₁, activation)``.

    settings: list of (lambda1, activation) pairs, lambda1 >= 0, activation in ``ACTIVATIONS``.
    T: sequence length; each setting draws its curves over the lags 0..T (T + 1 points), from
    ``jacobian_norms_vs_lag`` on ``batch`` sequences of a ``hidden``-unit RNN (W_h of shape
    (hidden, hidden)). structure: see :func:`recurrent_matrix`.
    title: the finding to state; by default a sentence about γλ₁ versus 1.
    Returns the matplotlib Figure (the caller shows or closes it).

    Raises TypeError when ``settings`` is not a list of pairs, ``ax`` not a matplotlib Axes, or T,
    hidden, batch, seed not integers; ValueError when ``settings`` is empty, a lambda1 is negative
    (or nan, inf), an activation or ``structure`` unknown, or T, hidden, batch < 1 or seed < 0.
    """
    settings = _check_settings(settings)
    check_choice(structure, "structure", STRUCTURES)
    check_int(T, "T", minimum=1)
    if ax is not None:
        check_type(ax, "ax", plt.Axes, "a matplotlib Axes or None")
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
    (``continuous_update=False``) so a slow machine does not queue figures. The arguments are the
    controls' starting values; ``explorer.result`` is the Figure last drawn.

    Raises TypeError when ``lambda1`` is not a number or ``T`` not an integer; ValueError when
    ``lambda1`` is outside ``LAMBDA_RANGE``, ``T`` outside ``T_RANGE`` (its min and max), or
    ``activation``, ``structure`` unknown.
    """
    check_number(lambda1, "lambda1", low=LAMBDA_RANGE[0], high=LAMBDA_RANGE[1])
    check_choice(activation, "activation", ACTIVATIONS)
    check_int(T, "T", minimum=T_RANGE[0], maximum=T_RANGE[1])
    check_choice(structure, "structure", STRUCTURES)
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
