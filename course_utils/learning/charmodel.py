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

import torch

from course_utils._checks import nonnegative_int, positive_int
from course_utils.data.text import _ids, _model_vocab, char_batches
from course_utils.learning.models import SequenceModel
from course_utils.learning.training import TrainConfig, cross_entropy_loss, train

__all__ = ["train_char_model", "evaluate_char_model"]


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
