"""Checkers for the introduction (chapter 0): translating between weight conventions.

======================================  ==========================================================
checker                                 the learner's function
======================================  ==========================================================
``split_concat_weight(fn)``             ``fn(W_concat (H, H+D), H) -> (W_hh (H, H), W_ih (H, D))``
                                        for a concatenated weight acting on ``[h_{t-1}, x_t]``
``reorder_lstm_gates(fn)``              ``fn(W (4H, n)) -> (4H, n)``: row blocks (n = D or H) in CS231n's
                                        order i, f, o, g rearranged into PyTorch's i, f, g, o
======================================  ==========================================================
"""
from __future__ import annotations

import numpy as np

from course_utils.exercises.harness import Mistake, check_function, exercise

__all__ = ["split_concat_weight", "reorder_lstm_gates"]


def _split_reference(W_concat, H):
    return W_concat[:, :H], W_concat[:, H:]


def _concat_cases():
    rng = np.random.default_rng(0)
    return [((rng.standard_normal((H, H + D)), H), {}) for H, D in [(3, 2), (4, 5), (1, 3)]]


SPLIT_MISTAKES = [
    Mistake("The concatenation is [h_{t-1}, x_t]: the FIRST H columns multiply h_{t-1} (they are "
            "W_hh) and the last D columns multiply x_t (W_ih).",
            lambda W, H: (W[:, W.shape[1] - H:], W[:, :W.shape[1] - H])),
    Mistake("You returned the blocks in the order (W_ih, W_hh); the exercise asks for (W_hh, W_ih).",
            lambda W, H: (W[:, H:], W[:, :H])),
    Mistake("You split the rows; the two sources sit side by side, so split the columns (axis 1).",
            lambda W, H: (W[:H], W[H:])),
]


@exercise("0.1")
def split_concat_weight(fn):
    """Check ``fn(W_concat, H) -> (W_hh, W_ih)``."""
    return check_function(fn, _split_reference, _concat_cases(), name="split_concat_weight",
                          output_names=("W_hh", "W_ih"), mistakes=SPLIT_MISTAKES)


def _blocks(W):
    return np.split(W, 4, axis=0)


def _reorder_reference(W):
    i, f, o, g = _blocks(W)
    return np.concatenate([i, f, g, o], axis=0)


def _reorder_cases():
    rng = np.random.default_rng(1)
    # K = 1: a bias reshaped to a column, as the prompt says the function must handle
    return [((rng.standard_normal((4 * H, K)),), {}) for H, K in [(2, 3), (3, 3), (1, 5), (3, 1)]]


def _reorder_as(order):
    def wrong(W):
        named = dict(zip("ifog", _blocks(W)))
        return np.concatenate([named[k] for k in order], axis=0)
    return wrong


REORDER_MISTAKES = [
    Mistake("You returned the blocks in their original order: CS231n stores i, f, o, g and PyTorch "
            "wants i, f, g, o, so the last two row blocks must trade places.", _reorder_as("ifog")),
    Mistake("Only the last two blocks (o and g) move; the input and forget gates stay first.",
            _reorder_as("fogi")),
    Mistake("The block size is H = W.shape[0] // 4 (the rows are the four gates); W.shape[1] is the "
            "number of inputs K.", lambda W: _reorder_by_rows_of(W, W.shape[1])),
]


def _reorder_by_rows_of(W, H):
    i, f, o, g = W[:H], W[H:2 * H], W[2 * H:3 * H], W[3 * H:4 * H]
    return np.concatenate([i, f, g, o], axis=0)


@exercise("0.2")
def reorder_lstm_gates(fn):
    """Check ``fn(W) -> W`` reordering LSTM row blocks from i, f, o, g to i, f, g, o."""
    return check_function(fn, _reorder_reference, _reorder_cases(), name="reorder_lstm_gates",
                          output_names="W", mistakes=REORDER_MISTAKES)

# every mistake the checkers above recognise (the instructor guide lists them)
MISTAKES = SPLIT_MISTAKES + REORDER_MISTAKES
