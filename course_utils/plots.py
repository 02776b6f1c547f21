"""Shared matplotlib helpers: one look for every figure in the course.

Chapters import these instead of pasting plotting code between notebooks.
"""
from __future__ import annotations

import matplotlib.pyplot as plt

FIGSIZE = (6.0, 3.5)
DPI = 80


def setup() -> None:
    """Small, deterministic PNG figures for notebooks and the book."""
    plt.rcParams.update({
        "figure.figsize": FIGSIZE,
        "figure.dpi": DPI,
        "savefig.dpi": DPI,
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
