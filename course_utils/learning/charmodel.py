"""The character-level language model of Chapters 7 and 11: train it, measure it, write with it.

::

    model, history = train_char_model("lstm", len(vocab), train_ids, steps=400)
    evaluate_char_model(model, valid_ids)["perplexity"]  # vs data.text.unigram_perplexity(...)
    softmax_with_temperature(logits, 0.5)   # logits (..., V) -> probabilities (..., V); τ < 1 sharpens
    sample(model, vocab, "def ", length=200, temperature=0.5, seed=0, n=3)   # three texts
    mean_log_likelihood(model, vocab, "return x", context="def ")           # nats per character

The text, its vocabulary, its batches and the unigram baseline are in
:mod:`course_utils.data.text`. The model is :class:`course_utils.learning.models.SequenceModel`
with ``readout="all"``: int64 ids ``x: (B, T)`` in, next-character logits ``(B, T, V)`` out, with
``V = len(vocab)``. Perplexity is ``exp`` of the mean cross-entropy in nats per character.

Every function checks its inputs before it runs the model: a wrong type raises ``TypeError``,
a wrong value ``ValueError`` (an id or a character outside the vocabulary, a text too short, a
vocabulary of another size than the model's), each naming the argument, what was expected and
what was received.
"""
from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from course_utils._checks import (
    check_number,
    check_str,
    check_type,
    nonnegative_int,
    numeric_array,
    positive_int,
)
from course_utils.data.text import Vocab, _ids, char_batches
from course_utils.learning.models import SequenceModel
from course_utils.learning.training import TrainConfig, cross_entropy_loss, train

__all__ = ["train_char_model", "evaluate_char_model", "softmax_with_temperature", "sample",
           "mean_log_likelihood"]


def _check_model(model, vocab: Vocab | None = None, every_step: bool = False) -> int | None:
    """The number of token ids ``model`` reads (None when it does not say), after checking that it is
    a next-character model with parameters (``every_step``: one prediction per step, ``readout="all"``)
    and, when ``vocab`` is given, that the vocabulary has that many items."""
    check_type(model, "model", nn.Module, "a torch.nn.Module (a SequenceModel)")
    if not any(True for _ in model.parameters()):
        raise ValueError("model has no parameters: expected a trained SequenceModel")
    if not hasattr(model, "states") or not hasattr(model, "head"):
        raise TypeError(f"model must be a SequenceModel (with .states and .head), got {type(model).__name__}")
    if every_step and getattr(model, "readout", "all") != "all":
        raise ValueError(f"model has readout={model.readout!r}: expected readout='all' (a next-character "
                         "prediction at every step)")
    size = getattr(model, "vocab_size", None)
    if vocab is not None and size is not None and size != len(vocab):
        raise ValueError(f"vocab has {len(vocab)} items but the model reads {size} token ids: expected the "
                         "vocabulary the model was trained with")
    return size


def train_char_model(kind: str, vocab_size: int, train_ids, hidden_size: int = 128, embed_size: int = 32,
                     steps: int = 400, seq_len: int = 64, batch_size: int = 32, lr: float = 1e-2,
                     clip: float = 1.0, seed: int = 0, progress: bool = False):
    """Train a next-character model ``Embedding(V, E) -> kind(H) -> Linear(H, V)`` with Adam on
    random windows of ``train_ids`` (``kind``: "rnn", "lstm" or "gru").

    ``train_ids``: int ids ``(N,)`` in ``[0, vocab_size)``, N > ``seq_len + 1``; each step reads
    ``batch_size`` windows ``(B, T) = (batch_size, seq_len)`` (:func:`course_utils.data.text.char_batches`).
    Returns ``(model, history)``: the :class:`~course_utils.learning.models.SequenceModel` (ids
    ``(B, T)`` -> logits ``(B, T, V)``, on the CPU, in eval mode) and the training
    :class:`~course_utils.learning.training.History`.

    Raises TypeError when an argument has the wrong type, ValueError when ``kind`` is not one of the
    three, ``train_ids`` is not a 1-D array of ids below ``vocab_size`` or is too short, or a size,
    ``steps``, ``lr`` or ``clip`` is out of range.
    """
    seed = nonnegative_int(seed, "seed")
    vocab_size = positive_int(vocab_size, "vocab_size")
    _ids(train_ids, "train_ids", vocab_size)
    torch.manual_seed(seed)
    model = SequenceModel(kind, embed_size, hidden_size, vocab_size, vocab_size=vocab_size, readout="all")
    config = TrainConfig(steps=steps, lr=lr, clip=clip, seed=seed, progress=progress)
    history = train(model, char_batches(train_ids, seq_len, batch_size), cross_entropy_loss, config)
    return model.cpu().eval(), history


def evaluate_char_model(model, ids, streams: int = 16) -> dict:
    """Mean cross-entropy (nats/char) and perplexity of ``model`` on the text ``ids`` (int ids ``(N,)``).

    The text is cut into ``streams`` contiguous pieces read in parallel (``x: (streams, n)`` with
    ``n = (N - 1) // streams``), each from a zero state, so every character but the first of each
    piece is predicted with all the context before it. The model runs in eval mode (no dropout) and
    is put back in the mode it was in.

    Returns ``{"cross_entropy", "perplexity", "bits_per_char"}`` (floats).
    Raises TypeError when ``model`` is not a SequenceModel or ``streams`` not an integer; ValueError
    when the model has no parameters or ``readout != "all"``, ``ids`` is not a 1-D array of ids the
    model reads, ``streams < 1``, or ``ids`` has fewer than ``streams + 1`` items.
    """
    streams = positive_int(streams, "streams")
    ids = torch.from_numpy(_ids(ids, "ids", _check_model(model, every_step=True)))
    n = (len(ids) - 1) // streams
    if n < 1:
        raise ValueError(f"ids has {len(ids)} items: expected at least streams + 1 = {streams + 1}")
    x = ids[:n * streams].view(streams, n)
    y = ids[1:n * streams + 1].view(streams, n)
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            ce = float(cross_entropy_loss(model, x.to(device), y.to(device)))
    finally:
        model.train(was_training)
    return {"cross_entropy": ce, "perplexity": math.exp(ce), "bits_per_char": ce / math.log(2)}


def softmax_with_temperature(logits, temperature: float) -> np.ndarray:
    """p_k = exp(z_k / τ) / Σ_j exp(z_j / τ) over the last axis, computed stably (subtract the max).

    τ < 1 sharpens the distribution towards the arg-max, τ > 1 flattens it towards uniform.
    ``logits``: ``(..., V)``, at least 1-D (``-inf`` marks an impossible item); returns float64
    ``(..., V)``, each row summing to 1. Raises TypeError when ``logits`` is not numeric or
    ``temperature`` not a number, ValueError when ``temperature <= 0``, ``logits`` is empty, 0-D or
    ragged, holds nan or +inf, or has a row that is all -inf.
    """
    if isinstance(temperature, (int, float)) and not isinstance(temperature, bool) and not temperature > 0:
        raise ValueError(f"temperature must be positive, got {temperature!r}")
    temperature = check_number(temperature, "temperature", low=0, low_open=True)
    z = numeric_array(logits, "logits", finite=False, min_size=1)
    if z.ndim == 0:
        raise ValueError(f"logits has shape {z.shape}: expected at least 1-D (..., V)")
    if np.isnan(z).any() or np.isposinf(z).any():
        raise ValueError("logits contains nan or +inf: expected finite numbers (-inf marks an impossible item)")
    if np.isneginf(z).all(axis=-1).any():
        raise ValueError("logits has a row that is all -inf: expected at least one possible item per row")
    z = z / temperature
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def sample(model, vocab: Vocab, prompt: str, length: int = 200, temperature: float = 1.0,
           seed: int = 0, n: int = 1) -> list:
    """Generate ``n`` texts of ``length`` characters after ``prompt``, one character per step,
    carrying the recurrent state; returns a list of ``n`` strings (without the prompt).

    The prompt is read once as ids ``(n, len(prompt))``; then each step feeds the ``(n, 1)``
    characters just drawn and the state, and draws the next ones from
    ``softmax_with_temperature(logits, temperature)`` over the ``(n, V)`` logits of the last step,
    by inverse-CDF sampling with ``np.random.default_rng(seed)``: same seed, same texts (on the
    same machine: the model's floating-point sums may differ elsewhere). The model runs in eval
    mode (no dropout) and is put back in the mode it was in.

    Raises TypeError when ``vocab`` is not a :class:`~course_utils.data.text.Vocab`, ``prompt`` not
    a string, ``model`` not a SequenceModel, or ``length``, ``seed``, ``n`` or ``temperature`` not a
    number of the right kind; ValueError when ``prompt`` is empty or holds a character outside the
    vocabulary, ``length`` or ``seed`` is negative, ``n < 1``, ``temperature <= 0``, the model has no
    parameters, or ``vocab`` has another size than the ids the model reads.
    """
    check_type(vocab, "vocab", Vocab, "a Vocab")
    check_str(prompt, "prompt")
    if not prompt:
        raise ValueError("prompt must be a non-empty string: the model needs a first character")
    length, n = nonnegative_int(length, "length"), positive_int(n, "n")
    seed = nonnegative_int(seed, "seed")
    temperature = check_number(temperature, "temperature", low=0, low_open=True)
    _check_model(model, vocab)
    rng = np.random.default_rng(seed)
    device = next(model.parameters()).device
    x = torch.from_numpy(vocab.encode(prompt, "prompt")).repeat(n, 1).to(device)
    out, state = np.zeros((n, length), dtype=np.int64), None
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            for t in range(length):
                h, state = model.states(x, state)
                p = softmax_with_temperature(model.head(h[:, -1]).double().cpu().numpy(), temperature)
                u = rng.random((n, 1))
                out[:, t] = np.minimum((np.cumsum(p, axis=1) < u).sum(axis=1), len(vocab) - 1)
                x = torch.from_numpy(out[:, t:t + 1]).to(device)
    finally:
        model.train(was_training)
    return [vocab.decode(row) for row in out]


def mean_log_likelihood(model, vocab: Vocab, text: str, context: str = "") -> float:
    """Average log p(x_t | x_<t) in nats per character of ``text`` under ``model`` (τ = 1),
    after reading ``context`` first (which is not scored). Without a context the first character
    has nothing to be predicted from, so ``text`` needs two characters or more.

    ``context + text`` is read as one sequence of ids ``(1, T)``; the log-probabilities
    ``(T - 1, V)`` are computed in float64. The model runs in ``eval()`` mode (no dropout: two
    calls give the same number) and is put back in the mode it was in.

    Raises TypeError when ``vocab`` is not a :class:`~course_utils.data.text.Vocab`, ``text`` or
    ``context`` not a string, or ``model`` not a SequenceModel; ValueError when ``text`` is too
    short, ``text`` or ``context`` holds a character outside the vocabulary, the model has no
    parameters or ``readout != "all"``, or ``vocab`` has another size than the ids the model reads.
    """
    check_type(vocab, "vocab", Vocab, "a Vocab")
    check_str(text, "text")
    check_str(context, "context")
    if len(text) < (1 if context else 2):
        raise ValueError(f"text has {len(text)} character(s): expected at least "
                         f"{'1 after a context' if context else '2 without a context (the first is not scored)'}")
    _check_model(model, vocab, every_step=True)
    ids = torch.from_numpy(vocab.encode(text, "text"))
    ids = torch.cat([torch.from_numpy(vocab.encode(context, "context")), ids])[None]
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            logits = model(ids[:, :-1].to(next(model.parameters()).device)).double().cpu()
            logp = torch.log_softmax(logits, dim=-1)[0]
    finally:
        model.train(was_training)
    scored = logp[len(context) - 1 if context else 0:].gather(1, ids[0, max(len(context), 1):, None])
    return float(scored.mean())
