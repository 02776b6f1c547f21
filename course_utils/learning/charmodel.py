"""The character-level language model of Chapters 7 and 11: train it and measure it.

::

    model, history = train_char_model("lstm", len(vocab), train_ids, steps=400)
    evaluate_char_model(model, valid_ids)["perplexity"]  # vs data.text.unigram_perplexity(...)

The text, its vocabulary, its batches and the unigram baseline are in :mod:`course_utils.data.text`;
the model is :class:`course_utils.learning.models.SequenceModel` with ``readout="all"`` (ids
``(B, T)`` in, next-character logits ``(B, T, V)`` out). Perplexity is ``exp`` of the mean
cross-entropy in nats per character.
"""
from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from course_utils._checks import check_number, check_str, check_type, nonnegative_int, positive_int
from course_utils.data.text import Vocab, _ids, char_batches, softmax_with_temperature
from course_utils.learning.models import SequenceModel
from course_utils.learning.training import TrainConfig, cross_entropy_loss, train

__all__ = ["train_char_model", "evaluate_char_model", "sample", "mean_log_likelihood"]


def _model_vocab(model) -> int | None:
    check_type(model, "model", nn.Module, "a torch.nn.Module (a SequenceModel)")
    if not any(True for _ in model.parameters()):
        raise ValueError("model has no parameters: expected a trained SequenceModel")
    return getattr(model, "vocab_size", None)


def train_char_model(kind: str, vocab_size: int, train_ids, hidden_size: int = 128, embed_size: int = 32,
                     steps: int = 400, seq_len: int = 64, batch_size: int = 32, lr: float = 1e-2,
                     clip: float = 1.0, seed: int = 0, progress: bool = False):
    """Train a next-character model ``Embedding(V, E) -> kind(H) -> Linear(H, V)`` with Adam on
    random windows of ``train_ids`` (``kind``: "rnn", "lstm" or "gru"); returns ``(model, history)`` (model on the CPU, eval mode)."""
    seed = nonnegative_int(seed, "seed")
    vocab_size = positive_int(vocab_size, "vocab_size")
    _ids(train_ids, "train_ids", vocab_size)
    torch.manual_seed(seed)
    model = SequenceModel(kind, embed_size, hidden_size, vocab_size, vocab_size=vocab_size, readout="all")
    config = TrainConfig(steps=steps, lr=lr, clip=clip, seed=seed, progress=progress)
    history = train(model, char_batches(train_ids, seq_len, batch_size), cross_entropy_loss, config)
    return model.cpu().eval(), history


def evaluate_char_model(model, ids, streams: int = 16) -> dict:
    """Mean cross-entropy (nats/char) and perplexity of ``model`` on the text ``ids``.

    The text is cut into ``streams`` contiguous pieces read in parallel, each from a zero state, so
    every character but the first of each piece is predicted with all the context before it.
    """
    streams = positive_int(streams, "streams")
    ids = torch.from_numpy(_ids(ids, "ids", _model_vocab(model)))
    n = (len(ids) - 1) // streams
    if n < 1:
        raise ValueError(f"ids has {len(ids)} items: expected at least streams + 1 = {streams + 1}")
    x = ids[:n * streams].view(streams, n)
    y = ids[1:n * streams + 1].view(streams, n)
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    with torch.no_grad():
        ce = float(cross_entropy_loss(model, x.to(device), y.to(device)))
    model.train(was_training)
    return {"cross_entropy": ce, "perplexity": math.exp(ce), "bits_per_char": ce / math.log(2)}


def sample(model, vocab: Vocab, prompt: str, length: int = 200, temperature: float = 1.0,
           seed: int = 0, n: int = 1) -> list:
    """Generate ``n`` texts of ``length`` characters after ``prompt``, one character per step,
    carrying the recurrent state; returns a list of ``n`` strings (without the prompt).

    Each next character is drawn from ``softmax_with_temperature(logits, temperature)`` by
    inverse-CDF sampling with ``np.random.default_rng(seed)``: same seed, same texts (on the
    same machine: the model's floating-point sums may differ elsewhere).
    """
    check_type(vocab, "vocab", Vocab, "a Vocab")
    check_str(prompt, "prompt")
    if not prompt:
        raise ValueError("prompt must be a non-empty string: the model needs a first character")
    length, n = nonnegative_int(length, "length"), positive_int(n, "n")
    seed = nonnegative_int(seed, "seed")
    temperature = check_number(temperature, "temperature", low=0, low_open=True)
    _check_model_vocab(model, vocab)
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


def _check_model_vocab(model, vocab: Vocab) -> None:
    size = _model_vocab(model)
    if not hasattr(model, "states") or not hasattr(model, "head"):
        raise TypeError(f"model must be a SequenceModel (with .states and .head), got {type(model).__name__}")
    if size is not None and size != len(vocab):
        raise ValueError(f"vocab has {len(vocab)} items but the model reads {size} token ids: expected the "
                         "vocabulary the model was trained with")


def mean_log_likelihood(model, vocab: Vocab, text: str, context: str = "") -> float:
    """Average log p(x_t | x_<t) in nats per character of ``text`` under ``model`` (τ = 1),
    after reading ``context`` first (which is not scored). Without a context the first character
    has nothing to be predicted from, so ``text`` needs two characters or more.

    The model runs in ``eval()`` mode (no dropout: two calls give the same number) and is put
    back in the mode it was in.
    """
    check_type(vocab, "vocab", Vocab, "a Vocab")
    check_str(text, "text")
    check_str(context, "context")
    if len(text) < (1 if context else 2):
        raise ValueError(f"text has {len(text)} character(s): expected at least "
                         f"{'1 after a context' if context else '2 without a context (the first is not scored)'}")
    _check_model_vocab(model, vocab)
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
