"""The course's plots: one look for every figure (:func:`setup`, :func:`label`) and the plots of
measurements the chapters share, chapter by chapter (gradient norm versus lag, gate heatmaps,
training curves, power laws, the clipping sweep, text coloured by a unit's activation).

Chapters import these instead of pasting plotting code between notebooks. Colours come from
:mod:`course_utils.figures.palette`; the boxes-and-arrows diagrams (Chapter 1's unrolled RNN
among them) are in :mod:`course_utils.figures.diagrams`.
Each function draws and returns what its docstring says; the caller shows or closes the figure.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from course_utils._checks import check_str, check_type, numeric_array, positive_int, positive_number
from course_utils.figures.palette import KIND_COLORS

__all__ = ["FIGSIZE", "DPI", "PIXEL_DENSITY", "setup", "label", "plot_lag_profile",
           "gate_heatmaps", "plot_curves", "plot_power_law", "clipping_figure", "draw_text_activation"]

FIGSIZE = (6.0, 3.5)
# Display size: 100 CSS pixels per inch, so a 6-inch figure is 600 px wide in the book's column
# and 10-point text is 14 px. The inline backend stores PNGs at twice that ("retina": 1200 px
# wide, displayed at 600 px), sharp on high-density screens and when zoomed or printed.
DPI = 100
PIXEL_DENSITY = 2


def setup() -> None:
    """Deterministic high-density PNG figures for notebooks and the book (see ``DPI``)."""
    try:  # inside IPython/Jupyter only: the inline backend's format
        from IPython import get_ipython

        if get_ipython() is not None:
            from matplotlib_inline.backend_inline import set_matplotlib_formats

            set_matplotlib_formats("retina" if PIXEL_DENSITY == 2 else "png")
    except ImportError:
        pass
    plt.rcParams.update({
        "figure.figsize": FIGSIZE,
        "figure.dpi": DPI,
        "savefig.dpi": DPI * PIXEL_DENSITY,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "font.size": 10,
        "svg.hashsalt": "course",
    })


def label(ax, title: str, xlabel: str, ylabel: str, legend: bool = False):
    """Title (state the finding), axis labels, optional legend; returns ``ax``."""
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if legend:
        ax.legend(frameon=False)
    return ax


# --- Chapters 1-3 (vanilla RNN): gradient norms versus lag ------------------------------------

def plot_lag_profile(ax, lags, values, *, label: str = "", color=None, bound=None, low=None, high=None,
                     floor: float = 1e-30):
    """Gradient norm versus lag on a log scale: a line for ``values`` (e.g. the batch median), an
    optional shaded band ``[low, high]`` (e.g. min/max over the batch) and an optional dashed
    ``bound`` in the same colour. Values below ``floor`` are clipped to it (log scale). Returns the line.
    """
    clip = lambda v: np.maximum(np.asarray(v, dtype=float), floor)  # noqa: E731
    (line,) = ax.semilogy(lags, clip(values), color=color, label=label, lw=1.8)
    if low is not None and high is not None:
        ax.fill_between(lags, clip(low), clip(high), color=line.get_color(), alpha=0.15, lw=0)
    if bound is not None:
        ax.semilogy(lags, clip(bound), color=line.get_color(), ls="--", lw=1.2)
    return line


# --- Chapters 4-5 (gated cells): gate activations over time -------------------------------------

def gate_heatmaps(panels, *, title: str, xlabel: str = "time step t", marks=(), height: float = 1.5):
    """One heatmap per panel, stacked and sharing the time axis: hidden units on y, time on x.

    panels: ``{"label": array (T, H)}``, e.g. ``{"input gate i": i[:, 0], "cell state C": c[:, 0]}``.
    Panels whose values lie in [0, 1] (sigmoid gates) share the scale 0..1 (viridis); the others
    (tanh candidate, cell state) get a symmetric diverging scale centred on 0.
    marks: time steps to flag with a triangle above the top panel (e.g. where the input matters).
    Returns the Figure (the caller shows or closes it).
    """
    fig, axes = plt.subplots(len(panels), 1, sharex=True, squeeze=False,
                             figsize=(FIGSIZE[0], 0.4 + height * len(panels)))
    for ax, (name, values) in zip(axes[:, 0], panels.items()):
        values = np.asarray(values, dtype=float)
        if values.min() >= 0.0 and values.max() <= 1.0:
            style = dict(cmap="viridis", vmin=0.0, vmax=1.0)
        else:
            bound = max(float(np.abs(values).max()), 1e-12)
            style = dict(cmap="RdBu_r", vmin=-bound, vmax=bound)
        image = ax.imshow(values.T, aspect="auto", interpolation="nearest", origin="lower", **style)
        ax.grid(False)
        ax.set_ylabel(f"{name}\nunit", fontsize=9)
        fig.colorbar(image, ax=ax, pad=0.02)
    top = axes[0, 0]
    for t in marks:
        top.plot([t], [1.02], marker="v", color="crimson", markersize=8, clip_on=False,
                 transform=top.get_xaxis_transform())
    top.set_title(title)
    axes[-1, 0].set_xlabel(xlabel)
    return fig


# --- Chapter 6 (long-range memory): training curves, one panel per sequence length --------------

def _check_results(results, key: str) -> list:
    """``results`` as a list of run results (objects with ``run`` and ``history``) recording ``key``."""
    if not isinstance(results, (list, tuple)):
        raise TypeError(f"results must be a list of AddingResult, got {type(results).__name__}")
    if not results:
        raise ValueError("results is empty: expected at least one AddingResult")
    for i, r in enumerate(results):
        if not (hasattr(r, "run") and hasattr(r, "history")):
            raise TypeError(f"results[{i}] must be an AddingResult (course_utils.learning.experiments), "
                            f"got {type(r).__name__}")
        if r.run.kind not in KIND_COLORS:
            raise ValueError(f"results[{i}] is a run of kind {r.run.kind!r}: expected one of {tuple(KIND_COLORS)}")
        if key not in r.history.eval or "step" not in r.history.eval:
            raise ValueError(f"key {key!r} was not recorded by results[{i}]: its evaluations hold "
                             f"{sorted(r.history.eval)}")
    return list(results)


def plot_curves(results, key: str = "mse", baseline: float | None = None, ylabel: str = "validation MSE",
                title: str = "", floor: float | None = None):
    """One panel per sequence length T: ``history.eval[key]`` against ``history.eval["step"]`` (log
    scale), one line per run, coloured by kind (``palette.KIND_COLORS``); an LSTM run with forget
    bias 0 is dashed. Returns the Figure (1 row, one panel per length, sharing the y axis).

    results: :class:`~course_utils.learning.experiments.AddingResult` objects (Chapter 6's runs);
    each run's ``history.eval[key]`` is a sequence of shape (E,), one value per evaluation, like
    its ``history.eval["step"]``. ``baseline``: drawn dotted in every panel when given.
    ``floor``: values below it (e.g. exact zeros of an underflowed gradient) are drawn at ``floor``.

    Raises TypeError when ``results`` is not a list or tuple of AddingResult, ValueError when it is
    empty, a run's kind has no colour or ``key`` was not recorded, and when ``floor`` is not a
    positive number.
    """
    results = _check_results(results, key)
    if floor is not None:
        floor = positive_number(floor, "floor")
    lengths = sorted({r.run.length for r in results})
    fig, axes = plt.subplots(1, len(lengths), figsize=(2.6 * len(lengths) + 1.8, 3.2), sharey=True,
                             squeeze=False)
    for ax, length in zip(axes[0], lengths):
        for r in (r for r in results if r.run.length == length):
            name = r.run.kind.upper() + (f" b_f={r.run.forget_bias:g}" if r.run.forget_bias is not None else "")
            values = np.asarray(r.history.eval[key])
            shown = values if floor is None else np.maximum(values, floor)
            ax.plot(r.history.eval["step"], shown, label=name, color=KIND_COLORS[r.run.kind],
                    linestyle="--" if r.run.forget_bias == 0 else "-")
        if baseline is not None:
            ax.axhline(baseline, color="grey", linestyle=":", label="baseline")
        ax.set_yscale("log")
        ax.set_title(f"T = {length}")
        ax.set_xlabel("training step")
    axes[0][0].set_ylabel(ylabel)
    axes[0][-1].legend(frameon=False, fontsize=8, loc="center left", bbox_to_anchor=(1.0, 0.5))
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


# --- Chapter 10 (cost): power laws on log-log axes --------------------------------------------

def plot_power_law(ax, x, y, *, fit_from: int = 0, label: str | None = None, marker: str = "o-"):
    """Plot y against x on log-log axes with plain tick labels at the x values, fit ``y ∝ x^k`` on
    the points from index ``fit_from`` on and draw the fit dashed. Returns the slope k."""
    from matplotlib.ticker import NullFormatter, NullLocator
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    slope, intercept = np.polyfit(np.log(x[fit_from:]), np.log(y[fit_from:]), 1)
    line, = ax.loglog(x, y, marker, label=label)
    ax.loglog(x[fit_from:], np.exp(intercept) * x[fit_from:] ** slope, "--", color=line.get_color(), alpha=0.6,
              label=f"fit: slope {slope:.2f}")
    ax.xaxis.set_major_locator(plt.FixedLocator(x))
    ax.xaxis.set_major_formatter(plt.FixedFormatter([f"{v:g}" for v in x]))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.yaxis.set_minor_formatter(NullFormatter())
    return float(slope)


# --- Chapter 3 (exploding gradients): one run with and without clipping, and the lr sweep -----

def clipping_figure(sweep, *, lr: float, seed: int, clip: float, diverged_mse: float = 1e3, top: float = 1e4):
    """Three panels from a :class:`course_utils.learning.clipping.SGDSweep`: the training loss and the
    gradient norm before clipping of the run (``lr``, ``seed``) without and with clipping at
    ``clip`` (τ drawn dotted), and the final test MSE of every run against the learning rate
    (one dot per seed; diverged runs drawn as crosses at ``diverged_mse``). The first two panels end at
    ``top``; a run that overflowed leaves through it, with its last step marked. Returns the figure.

    Raises ValueError when ``sweep`` does not hold exactly one run for (``lr``, ``seed``) without
    clipping and one with ``clip`` (and what :meth:`SGDSweep.select` raises for its arguments).
    """
    free, clipped = sweep.select(lr=lr, seed=seed), sweep.select(lr=lr, clip=clip, seed=seed)
    if len(free) != 1 or len(clipped) != 1:
        raise ValueError(f"the sweep must hold exactly one run for lr={lr!r}, seed={seed!r} without "
                         f"clipping and one with clip={clip!r}; found {len(free)} and {len(clipped)}")
    fig, (ax1, ax2, ax3) = plt.subplots(1, 3, figsize=(11, 3.3))
    steps = np.arange(1, sweep.loss.shape[1] + 1)
    for idx, name, color in ((free[0], "no clipping", "tab:red"), (clipped[0], f"clipped at τ = {clip:g}", "tab:blue")):
        ax1.semilogy(steps, sweep.loss[idx], color=color, lw=1, label=name)
        ax2.semilogy(steps, sweep.grad_norm[idx], color=color, lw=1, label=name)
    ax2.axhline(clip, color="0.3", ls=":", lw=1.2, label="τ")
    for ax, values in ((ax1, sweep.loss[[free[0], clipped[0]]]), (ax2, sweep.grad_norm[[free[0], clipped[0]]])):
        ax.set_ylim(0.5 * np.nanmin(values), top)              # an overflowing run leaves through the top
    if sweep.diverged_at[free[0]]:
        for ax in (ax1, ax2):
            ax.axvline(sweep.diverged_at[free[0]], color="tab:red", ls="--", lw=0.8)
        ax1.annotate(f"overflow at step {sweep.diverged_at[free[0]]}", (sweep.diverged_at[free[0]], top),
                     xytext=(4, -12), textcoords="offset points", color="tab:red", fontsize=8)
    label(ax1, f"One run (lr = {lr:g}): loss", "training step", "MSE (log scale)", legend=True)
    label(ax2, "Gradient norm before clipping", "training step", "‖∂L/∂θ‖ (log scale)", legend=True)
    lrs = np.unique(sweep.lr)
    for clip_value, name, color, shift in ((None, "no clipping", "tab:red", 0.94),
                                           (clip, f"τ = {clip:g}", "tab:blue", 1.06)):
        idx = sweep.select(clip=clip_value)
        mse = sweep.test_mse[idx]
        ok = np.isfinite(mse)
        ax3.scatter(sweep.lr[idx][ok] * shift, mse[ok], s=14, color=color, label=name)
        ax3.scatter(sweep.lr[idx][~ok] * shift, np.full((~ok).sum(), diverged_mse), s=30, marker="x",
                    color=color)
    ax3.axhline(1.0, color="0.5", ls="--", lw=1, label="predict 0 (MSE 1)")
    ax3.set_xscale("log")
    ax3.set_yscale("log")
    ax3.set_xticks(lrs, [f"{v:g}" for v in lrs])
    ax3.minorticks_off()
    label(ax3, "Every run: test MSE (× = diverged)", "learning rate (log scale)", "test MSE (log scale)",
          legend=True)
    fig.tight_layout()
    return fig


# --- Chapter 11 (interpretability): text coloured by a unit's activation --------------------------

def draw_text_activation(text: str, values, ax=None, width: int = 64, cmap: str = "RdBu_r", title: str = ""):
    """Karpathy-style view: the characters of ``text`` on a grid (a new row at each newline or
    after ``width`` characters), each on a background coloured by its value (blue negative, red
    positive, scaled to the largest |value|; a newline is drawn as ↵). Returns the axes.

    text: T characters. values: array of shape (T,), one per character (e.g. a unit's cell state,
    ``acts["c"][:, u]`` of :func:`course_utils.learning.interpret.lstm_activations`); nan leaves
    a character uncoloured. Draws on ``ax`` (a new figure sized to the grid when None).

    Raises TypeError when ``text`` is not a str, ``values`` not numbers, ``width`` not an int or
    ``ax`` not a matplotlib Axes; ValueError when ``text`` is empty, ``values`` does not have shape
    (T,) or ``width`` is below 1 (matplotlib refuses an unknown ``cmap``).
    """
    check_str(text, "text", nonempty=True)
    width = positive_int(width, "width")
    values = numeric_array(values, "values", finite=False)
    if values.shape != (len(text),):
        raise ValueError(f"values has shape {values.shape}: expected ({len(text)},), one per character")
    if ax is not None:
        check_type(ax, "ax", plt.Axes, "a matplotlib Axes or None")
    cells, row, col = [], 0, 0
    for ch, v in zip(text, values):
        if col >= width:
            row, col = row + 1, 0
        cells.append((row, col, ch, v))
        row, col = (row + 1, 0) if ch == "\n" else (row, col + 1)
    grid = np.full((row + 1, width), np.nan)
    for r, c, _, v in cells:
        grid[r, c] = v
    if ax is None:
        _, ax = plt.subplots(figsize=(0.11 * width + 0.5, 0.22 * (row + 1) + 0.6))
    scale = np.nanmax(np.abs(grid)) or 1.0
    ax.imshow(grid, cmap=cmap, vmin=-scale, vmax=scale, aspect="auto", interpolation="nearest")
    for r, c, ch, _ in cells:
        ax.text(c, r, "\u21b5" if ch == "\n" else ch, ha="center", va="center", fontsize=7, family="monospace")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    if title:
        ax.set_title(title)
    return ax
