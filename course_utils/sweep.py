"""A small, seeded grid search and the "which setting mattered?" summary (Chapter 11).

::

    axes = {"hidden": [8, 32], "lr": [1e-3, 1e-2, 1e-1], "clip": [None, 1.0]}
    scores = grid_search(lambda hidden, lr, clip: run_one(hidden, lr, clip), axes)   # (2, 3, 2) array
    effects = main_effects(np.log10(scores), axes)    # {"lr": [mean over the other axes per level], ...}
    effect_sizes(effects)                             # {"lr": max - min of those means, ...}

A *main effect* is the average score at each level of one setting, averaged over every
combination of the others; its spread (max - min) says how much that setting moved the result
in this grid. It says nothing about settings outside the grid, and interactions (clipping
that matters only at a high learning rate) show up as a heatmap, not in the main effects.
"""
from __future__ import annotations

import itertools

import numpy as np


def _check_axes(axes: dict) -> None:
    if not isinstance(axes, dict) or not axes:
        raise ValueError("axes must be a non-empty dict {name: [values, ...]}")
    for name, values in axes.items():
        if len(values) < 1:
            raise ValueError(f"axis {name!r} has no values: expected at least one")


def grid_search(fn, axes: dict) -> np.ndarray:
    """Call ``fn(**setting)`` for every combination of the values in ``axes`` (first axis slowest);
    returns the float results as an array of shape ``(len(v) for v in axes.values())``."""
    _check_axes(axes)
    names = list(axes)
    results = [float(fn(**dict(zip(names, combo)))) for combo in itertools.product(*axes.values())]
    return np.array(results).reshape([len(v) for v in axes.values()])


def main_effects(scores, axes: dict) -> dict:
    """For every axis, the mean of ``scores`` at each of its levels, averaged over all other axes."""
    _check_axes(axes)
    scores = np.asarray(scores, dtype=np.float64)
    shape = tuple(len(v) for v in axes.values())
    if scores.shape != shape:
        raise ValueError(f"scores has shape {scores.shape}: expected {shape}, one entry per combination of axes")
    return {name: scores.mean(axis=tuple(j for j in range(scores.ndim) if j != k))
            for k, name in enumerate(axes)}


def effect_sizes(effects: dict) -> dict:
    """Spread (max - min over levels) of every main effect, largest first."""
    sizes = {name: float(np.max(m) - np.min(m)) for name, m in effects.items()}
    return dict(sorted(sizes.items(), key=lambda item: -item[1]))
