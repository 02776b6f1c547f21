"""The character model of Chapters 7 and 11 (course_utils.learning.charmodel): train, evaluate,
sample (and its temperature softmax) and score a text."""
import math

import numpy as np
import pytest
import torch

from course_utils.data.text import Vocab, unigram_perplexity
from course_utils.learning.charmodel import (evaluate_char_model, mean_log_likelihood, sample,
                                             softmax_with_temperature, train_char_model)
from course_utils.learning.models import SequenceModel

FLOAT32 = 1e-5
EXACT = 1e-12


def uniform_model(V, hidden=4, favourite=None):
    """A model whose logits are all equal (or one character far ahead when ``favourite`` is given)."""
    torch.manual_seed(0)
    model = SequenceModel("lstm", 3, hidden, V, vocab_size=V, readout="all")
    with torch.no_grad():
        model.head.weight.zero_()
        model.head.bias.zero_()
        if favourite is not None:
            model.head.bias[favourite] = 20.0
    return model.eval()


def test_uniform_model_has_perplexity_V_and_log_likelihood_minus_log_V():
    V = 11
    model = uniform_model(V)
    ids = np.random.default_rng(0).integers(0, V, 500)
    result = evaluate_char_model(model, ids, streams=4)
    assert abs(result["perplexity"] - V) < FLOAT32 * V
    assert abs(result["bits_per_char"] - math.log2(V)) < FLOAT32
    vocab = Vocab([chr(97 + k) for k in range(V)])
    assert abs(mean_log_likelihood(model, vocab, "abcdefg", context="k") + math.log(V)) < FLOAT32


def test_sample_is_seeded_and_follows_a_dominant_character():
    V = 6
    vocab = Vocab("abcdef")
    texts = sample(uniform_model(V), vocab, "ab", length=30, temperature=1.0, seed=3, n=2)
    again = sample(uniform_model(V), vocab, "ab", length=30, temperature=1.0, seed=3, n=2)
    assert texts == again and len(texts) == 2 and all(len(t) == 30 for t in texts)
    assert len(set(texts[0])) > 1  # uniform: several characters
    assert sample(uniform_model(V, favourite=4), vocab, "a", length=20, temperature=0.5) == ["e" * 20]
    with pytest.raises(ValueError, match="prompt"):
        sample(uniform_model(V), vocab, "", length=5)


def test_train_char_model_learns_a_repeating_text():
    vocab = Vocab("abcd")
    ids = vocab.encode("abcd" * 200)
    model, history = train_char_model("gru", len(vocab), ids, hidden_size=16, embed_size=4, steps=60,
                                      seq_len=16, batch_size=8, lr=3e-2)
    assert history.steps == 60 and not model.training
    assert evaluate_char_model(model, ids)["perplexity"] < 1.2 < unigram_perplexity(ids, ids, 4)


def dropout_model(V, seed=0):
    torch.manual_seed(seed)
    model = SequenceModel("lstm", 4, 16, V, vocab_size=V, readout="all", num_layers=2)
    model.rnn = torch.nn.LSTM(4, 16, num_layers=2, dropout=0.5, batch_first=True)   # inter-layer dropout
    return model.train()


def test_mean_log_likelihood_runs_without_dropout_and_restores_the_mode():
    vocab = Vocab.from_items("abcdef")
    model = dropout_model(len(vocab))
    text, context = "fadedcab" * 4, "bead"
    first = mean_log_likelihood(model, vocab, text, context)
    assert mean_log_likelihood(model, vocab, text, context) == first     # was -2.1498 then -2.1550
    assert model.training                                                 # put back in train mode
    model.eval()
    with torch.no_grad():                                                 # the eval-mode reference
        ids = torch.from_numpy(vocab.encode(context + text))[None]
        logp = torch.log_softmax(model(ids[:, :-1]).double(), -1)[0]
        expected = logp[len(context) - 1:].gather(1, ids[0, len(context):, None]).mean()
    assert first == pytest.approx(float(expected), abs=1e-12)
    assert mean_log_likelihood(model, vocab, text, context) == first and not model.training


def test_sample_and_evaluation_restore_the_training_mode():
    vocab = Vocab.from_items("abcdef")
    model = dropout_model(len(vocab))
    assert sample(model, vocab, "ab", length=12, seed=1) == sample(model, vocab, "ab", length=12, seed=1)
    assert model.training
    ids = vocab.encode("abcdefedcba" * 4)
    assert evaluate_char_model(model, ids, streams=2) == evaluate_char_model(model, ids, streams=2)
    assert model.training


def test_softmax_with_temperature_is_stable_and_sharpens():
    logits = np.array([[1000.0, 999.0, 0.0], [1.0, 2.0, 3.0]])
    for tau in (0.1, 1.0, 10.0):
        p = softmax_with_temperature(logits, tau)
        assert np.isfinite(p).all() and np.allclose(p.sum(axis=-1), 1, atol=EXACT)
    cold, hot = softmax_with_temperature(logits[1], 0.1), softmax_with_temperature(logits[1], 10.0)
    assert cold.max() > 0.99 and hot.max() < 0.4
    with pytest.raises(ValueError, match="temperature must be positive"):
        softmax_with_temperature(logits, 0.0)


def test_softmax_accepts_minus_infinity_as_impossible():
    p = softmax_with_temperature([0.0, -math.inf, 0.0], 0.5)
    np.testing.assert_allclose(p, [0.5, 0.0, 0.5])


@pytest.mark.parametrize("call,error,match", [
    (lambda: mean_log_likelihood(uniform_model(3), Vocab.from_items("abc"), "a"), ValueError, "text has 1 character"),
    (lambda: mean_log_likelihood(uniform_model(4), Vocab.from_items("abc"), "abc"), ValueError,
     "vocab has 3 items but the model reads 4"),
    (lambda: sample(uniform_model(3), Vocab.from_items("abc"), "a", length=-1), ValueError, "length must be a non-negative"),
    (lambda: sample(uniform_model(3), "abc", "a"), TypeError, "vocab must be a Vocab"),
    (lambda: evaluate_char_model(uniform_model(3), np.array([0, 1, 5, 2]), streams=1), ValueError, "id 5"),
    (lambda: evaluate_char_model(uniform_model(3), np.array([0, 1, 2]), streams=0), ValueError, "streams must be"),
    (lambda: evaluate_char_model(torch.nn.Linear(2, 2), np.array([0, 1, 2])), TypeError,
     "model must be a SequenceModel"),
    (lambda: evaluate_char_model(SequenceModel("gru", 3, 4, 3, vocab_size=3), np.array([0, 1, 2])), ValueError,
     "readout='all'"),
    (lambda: mean_log_likelihood(SequenceModel("gru", 3, 4, 3, vocab_size=3), Vocab.from_items("abc"), "abc"),
     ValueError, "readout='all'"),
    (lambda: softmax_with_temperature([[1.0, float("nan")]], 1.0), ValueError, "logits contains nan"),
    (lambda: softmax_with_temperature([1.0, 2.0], "hot"), TypeError, "temperature must be a real number"),
    (lambda: softmax_with_temperature([], 1.0), ValueError, "at least 1 element"),
])
def test_bad_model_arguments_are_named(call, error, match):
    with pytest.raises(error, match=match):
        call()
