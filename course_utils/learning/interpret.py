"""Looking inside a trained character model (Chapter 11): per-character features of Python code,
the LSTM's gates and cell states over a text, and a correlation test with a shifted control.

::

    feats = code_features(text)                        # {"in_string": (T,), "bracket_depth": (T,), ...}
    acts = lstm_activations(model, vocab.encode(text)) # {"c": (T, H), "h": ..., "i", "f", "g", "o"}
    r = unit_correlations(acts["c"], feats["in_string"])             # (H,) Pearson r per unit
    null = shifted_max_correlations(acts["c"], feats["in_string"])   # best |r| when the feature is shifted

The activations are computed with the course's NumPy LSTM (:func:`course_utils.cells.lstm.lstm_forward`)
on the trained PyTorch weights, so ``cache.gates`` and ``cache.c`` give every gate of every step.
The text coloured by one unit's activation is drawn by
:func:`course_utils.figures.plots.draw_text_activation`.
"""
from __future__ import annotations

import io
import tokenize

import numpy as np

from course_utils._checks import check_str, id_array, nonnegative_int, numeric_array, positive_int
from course_utils.cells.bridge import from_torch
from course_utils.cells.lstm import lstm_forward

__all__ = ["FEATURES", "code_features", "lstm_activations", "unit_correlations", "shifted_max_correlations"]

FEATURES = ("in_string", "in_comment", "bracket_depth", "indent", "column")
OPENING, CLOSING = "([{", ")]}"


def _offsets(text: str) -> np.ndarray:
    """Offset of the first character of every line (1-based line numbers index it directly)."""
    starts = [0, 0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    return np.asarray(starts)


def code_features(text: str) -> dict:
    """Per-character features of Python source ``text`` (T characters), each a (T,) float array.

    in_string: 1 inside a string literal, quotes and docstrings included. in_comment: 1 from ``#``
    to the end of the line. bracket_depth: brackets ( [ { opened before this character and not
    closed yet (a closing bracket already counts as closed). indent: leading spaces of the
    character's line. column: position of the character in its line (0 = first).
    Strings and comments come from Python's own ``tokenize``, so they are exact for valid code.

    Raises TypeError when ``text`` is not a str, ValueError when it is not Python source that
    ``tokenize`` can read.
    """
    check_str(text, "text")
    T = len(text)
    start = _offsets(text)
    feats = {name: np.zeros(T) for name in FEATURES}
    change = np.zeros(T + 1)
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError) as exc:
        raise ValueError(f"text is not valid Python source that tokenize can read: {exc}") from None
    bad = [tok for tok in tokens if tok.type == tokenize.ERRORTOKEN and tok.string.strip()]
    if bad:
        raise ValueError(f"text is not valid Python source that tokenize can read: unexpected "
                         f"{bad[0].string!r} at line {bad[0].start[0]}")
    for tok in tokens:
        a, b = start[tok.start[0]] + tok.start[1], start[tok.end[0]] + tok.end[1]
        if tok.type == tokenize.STRING:
            feats["in_string"][a:b] = 1.0
        elif tok.type == tokenize.COMMENT:
            feats["in_comment"][a:b] = 1.0
        elif tok.type == tokenize.OP and tok.string in OPENING:
            change[a + 1] += 1
        elif tok.type == tokenize.OP and tok.string in CLOSING:
            change[a] -= 1
    feats["bracket_depth"] = np.cumsum(change[:T])
    line_start = 0
    indent = None
    for i, ch in enumerate(text):
        if i == line_start:
            stripped = len(text[i:].split("\n", 1)[0])
            indent = stripped - len(text[i:i + stripped].lstrip(" "))
        feats["column"][i] = i - line_start
        feats["indent"][i] = indent
        if ch == "\n":
            line_start = i + 1
    return feats


def lstm_activations(model, ids) -> dict:
    """Gates and states of a single-layer LSTM ``model`` (a :class:`~course_utils.learning.models.SequenceModel`)
    reading token ids ``ids (T,)`` from a zero state, computed in float64 NumPy.

    Returns {"i", "f", "g", "o", "c", "h"}: each (T, H); row t is the step that read ``ids[t]``.

    Raises ValueError when ``model`` is not a one-layer LSTM SequenceModel with an embedding or
    ``ids`` is empty, and what ``_checks.id_array`` raises for ``ids`` (TypeError for non-integer
    ids, ValueError for a shape other than (T,) or an id outside [0, vocab_size)).
    """
    import torch
    if getattr(model, "kind", None) != "lstm" or model.rnn.num_layers != 1 or model.embedding is None:
        raise ValueError("model must be a one-layer SequenceModel('lstm', ..., vocab_size=V)")
    ids = id_array(ids, "ids", ndim=1, vocab_size=model.embedding.num_embeddings)
    if len(ids) == 0:
        raise ValueError("ids is empty: expected at least one token id")
    params = from_torch(model.rnn).astype(np.float64)
    with torch.no_grad():
        x = model.embedding(torch.as_tensor(ids)).double().numpy()
    h, _, cache = lstm_forward(x[:, None, :], None, params)    # x: (T, 1, E)
    acts = {name: gate[:, 0] for name, gate in cache.gates.items()}
    acts["c"], acts["h"] = cache.c[:, 0], h[:, 0]
    return acts


def _standardise(a):
    """Columns centred and scaled to unit norm; constant columns become zeros."""
    a = a - a.mean(axis=0)
    norm = np.sqrt((a ** 2).sum(axis=0))
    return np.divide(a, norm, out=np.zeros_like(a), where=norm > 0)


def unit_correlations(states, feature) -> np.ndarray:
    """Pearson correlation of every unit (column of ``states (T, H)``) with ``feature (T,)``;
    a unit (or a feature) that never changes gets r = 0. Returns (H,).

    Raises TypeError when ``states`` or ``feature`` is not numeric, ValueError when they hold nan or
    inf or their shapes are not (T, H) and (T,) with T >= 2.
    """
    s = numeric_array(states, "states")
    f = numeric_array(feature, "feature")
    if s.ndim != 2 or f.shape != (s.shape[0],) or len(f) < 2:
        raise ValueError(f"states has shape {s.shape} and feature {f.shape}: expected (T, H) and (T,) with T >= 2")
    return _standardise(s).T @ _standardise(f[:, None])[:, 0]


def shifted_max_correlations(states, feature, n: int = 200, seed: int = 0, min_shift: int = 500) -> np.ndarray:
    """Control for "the best of H units correlates with the feature": the best |r| over all units
    when the feature is rolled by a random shift (at least ``min_shift`` characters), ``n`` times.

    A circular shift keeps the feature's own structure (long runs inside docstrings, slowly
    changing indentation) but breaks its alignment with the text, so the result is the
    distribution of the best |r| that chance alone produces with these units. Returns (n,).

    Raises TypeError when ``n``, ``seed`` or ``min_shift`` is not an integer or ``states``,
    ``feature`` not numeric; ValueError when n < 1, seed or min_shift < 0, the arrays hold nan or
    inf or are not (T, H) and (T,), or T <= 2 * min_shift.
    """
    n, seed, min_shift = positive_int(n, "n"), nonnegative_int(seed, "seed"), nonnegative_int(min_shift, "min_shift")
    s = _standardise(numeric_array(states, "states"))
    f = numeric_array(feature, "feature")
    T = len(f)
    if s.ndim != 2 or f.shape != (s.shape[0],):
        raise ValueError(f"states has shape {s.shape} and feature {f.shape}: expected (T, H) and (T,)")
    if T <= 2 * min_shift:
        raise ValueError(f"feature has {T} steps: expected more than 2 * min_shift = {2 * min_shift}")
    shifts = np.random.default_rng(seed).integers(min_shift, T - min_shift, n)
    rolled = _standardise(np.stack([np.roll(f, k) for k in shifts], axis=1))    # (T, n)
    return np.abs(s.T @ rolled).max(axis=0)
