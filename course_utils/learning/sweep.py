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

import inspect
import itertools

import numpy as np

from course_utils._checks import is_real_number, numeric_array

__all__ = ["grid_search", "main_effects", "effect_sizes"]


def _check_axes(axes: dict) -> None:
    if not isinstance(axes, dict) or not axes:
        raise ValueError(f"axes must be a non-empty dict {{name: [values, ...]}}, got {axes!r}")
    for name, values in axes.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"axes has the key {name!r}: expected names usable as keyword arguments")
        if isinstance(values, (str, bytes, dict)) or not hasattr(values, "__len__"):
            raise TypeError(f"axes[{name!r}] must be a list of values, got {type(values).__name__} {values!r}")
        if len(values) < 1:
            raise ValueError(f"axes[{name!r}] has no values: expected at least one")


def grid_search(fn, axes: dict) -> np.ndarray:
    """Call ``fn(**setting)`` for every combination of the values in ``axes`` (first axis slowest);
    returns the float results as a float64 array of shape ``tuple(len(v) for v in axes.values())``.

    Raises TypeError when fn is not callable or cannot take the axes' names as keyword arguments, an
    axis's values are not a list, or fn returns something that is not a number; ValueError when axes
    is not a non-empty dict, a name is not a Python identifier or an axis has no values.
    """
    if not callable(fn):
        raise TypeError(f"fn must be a function taking the axes as keyword arguments, got {type(fn).__name__}")
    _check_axes(axes)
    names = list(axes)
    try:
        inspect.signature(fn).bind(**{name: None for name in names})
    except TypeError as exc:
        raise TypeError(f"fn cannot take the axes {names} as keyword arguments ({exc}): expected a function "
                        f"with exactly these parameter names") from None
    except ValueError:        # no signature to inspect (a builtin): let the call decide
        pass
    results = []
    for combo in itertools.product(*axes.values()):
        setting = dict(zip(names, combo))
        value = fn(**setting)
        if not is_real_number(value):
            raise TypeError(f"fn must return a number, got {type(value).__name__} {value!r} for {setting}")
        results.append(float(value))
    return np.array(results).reshape([len(v) for v in axes.values()])


def main_effects(scores, axes: dict) -> dict:
    """For every axis, the mean of ``scores`` at each of its levels, averaged over all other axes.

    scores: shape ``tuple(len(v) for v in axes.values())``, one entry per combination (as
    :func:`grid_search` returns it; inf marks a failed run). Returns ``{name: (len(axes[name]),)
    float64 array of means}``, in the axes' order.

    Raises TypeError when scores is not numeric or an axis's values are not a list; ValueError when
    axes is not a non-empty dict of named, non-empty axes, scores holds nan, or its shape is not the one above.
    """
    _check_axes(axes)
    scores = numeric_array(scores, "scores", finite=False)
    if np.isnan(scores).any():
        raise ValueError("scores contains nan: expected a score for every combination (use inf for a failed run)")
    shape = tuple(len(v) for v in axes.values())
    if scores.shape != shape:
        raise ValueError(f"scores has shape {scores.shape}: expected {shape}, one entry per combination of axes")
    return {name: scores.mean(axis=tuple(j for j in range(scores.ndim) if j != k))
            for k, name in enumerate(axes)}


def effect_sizes(effects: dict) -> dict:
    """Spread (max - min over levels) of every main effect, largest first: ``{name: float}``.

    effects: ``{name: (levels,) means}``, as :func:`main_effects` returns it. Raises TypeError when
    effects is not a non-empty dict or a value is not numeric, ValueError when a value is not 1-D or
    is empty.
    """
    if not isinstance(effects, dict) or not effects:
        raise TypeError(f"effects must be a non-empty dict {{name: means per level}} from main_effects, got {effects!r}")
    sizes = {}
    for name, m in effects.items():
        m = numeric_array(m, f"effects[{name!r}]", ndim=1, min_size=1, finite=False)
        sizes[name] = float(np.max(m) - np.min(m))
    return dict(sorted(sizes.items(), key=lambda item: -item[1]))
