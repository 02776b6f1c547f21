"""Checkers for Chapter 7 (language: character models and classification).

=================================  =============================================================
checker                            the learner's answer
=================================  =============================================================
``perplexity(fn)``                 ``fn(logits (N, V), targets (N,)) -> float``, exp of the mean
                                   cross-entropy in nats
``softmax_temperature(fn)``        ``fn(logits (..., V), temperature) -> probabilities (..., V)``
``uniform_perplexity(fn)``         ``fn() -> float``, the predicted perplexity of the uniform
                                   model over the course corpus's characters
=================================  =============================================================

The references are in :mod:`course_utils.data.text` and, for the temperature softmax,
:mod:`course_utils.learning.charmodel`; every :class:`Mistake` below is a deliberately wrong version
whose output, when the learner's matches it, earns the learner its hint.
"""
from __future__ import annotations

import numpy as np

from course_utils.exercises import compare
from course_utils.exercises.harness import Feedback, Mistake, check_function, exercise
from course_utils.data.text import Vocab, load_python_corpus, unigram_perplexity
from course_utils.learning.charmodel import softmax_with_temperature

__all__ = ["perplexity", "softmax_temperature", "uniform_perplexity"]


def _log_softmax(logits):
    z = np.asarray(logits, dtype=np.float64)
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def _nll(logits, targets):
    """-log p(target) per row, (N,)."""
    return -_log_softmax(logits)[np.arange(len(targets)), np.asarray(targets)]


def _perplexity_ref(logits, targets):
    return float(np.exp(_nll(logits, targets).mean()))


def _perplexity_cases():
    rng = np.random.default_rng(7)
    cases = []
    for N, V, scale in [(5, 4, 1.0), (40, 10, 3.0), (200, 96, 2.0)]:
        logits = scale * rng.standard_normal((N, V)) + 2.0      # an offset: raw logits are not log-probs
        cases.append(((logits, rng.integers(0, V, N)), {}))
    # the prompt asks for a *stable* log-softmax: logits near 1000 overflow np.exp (and -1000 underflow)
    big = 2.0 * rng.standard_normal((6, 5)) + np.array([[1000.0], [1000.0], [-1000.0], [0.0], [1000.0], [0.0]])
    cases.append(((big, rng.integers(0, 5, 6)), {}))
    return cases


def _softmax_probs(logits):
    return np.exp(_log_softmax(logits))


def _naive_perplexity(logits, targets):
    """softmax without subtracting the largest logit: exp(1000) overflows to inf, inf / inf is nan."""
    with np.errstate(all="ignore"):
        e = np.exp(np.asarray(logits, dtype=np.float64))
        p = e / e.sum(axis=-1, keepdims=True)
        return float(np.exp(-np.log(p[np.arange(len(targets)), np.asarray(targets)]).mean()))


PERPLEXITY_MISTAKES = [
    Mistake("Your softmax overflows: np.exp(1000) is inf, and inf / inf is nan. Subtract each row's "
            "largest logit before exponentiating (log-softmax z - max - log(sum(exp(z - max)))): the "
            "shift does not change the probabilities.", _naive_perplexity),
    Mistake("You returned the cross-entropy itself; the perplexity is its exponential, exp(mean NLL).",
            lambda logits, targets: float(_nll(logits, targets).mean())),
    Mistake("Average the negative log-likelihood over the N characters before exponentiating: "
            "exp(sum) grows with the length of the text, perplexity does not.",
            lambda logits, targets: float(np.exp(_nll(logits, targets).sum()))),
    Mistake("The cross-entropy from log-softmax is in nats (natural log), so the perplexity is "
            "exp(mean NLL); 2 ** x goes with log2 (bits).",
            lambda logits, targets: float(2.0 ** _nll(logits, targets).mean())),
    Mistake("Logits are not log-probabilities: normalise them with log-softmax (subtract the "
            "log-sum-exp over the vocabulary) before taking the target's entry.",
            lambda logits, targets: float(np.exp(-np.asarray(logits)[np.arange(len(targets)),
                                                                   np.asarray(targets)].mean()))),
    Mistake("Perplexity is the inverse *geometric* mean of the target probabilities, exp(mean(-log p)); "
            "1 / mean(p) is the inverse arithmetic mean.",
            lambda logits, targets: float(1.0 / _softmax_probs(logits)[np.arange(len(targets)),
                                                                      np.asarray(targets)].mean())),
]


@exercise("7.1")
def perplexity(fn) -> Feedback:
    """Check ``fn(logits (N, V), targets (N,)) -> float``: exp of the mean cross-entropy (nats)."""
    return check_function(fn, _perplexity_ref, _perplexity_cases, name="perplexity",
                          mistakes=PERPLEXITY_MISTAKES)


def _unnormalised_power(logits, temperature):
    return _softmax_probs(logits) ** (1.0 / temperature)


def _no_max_shift(logits, temperature):
    with np.errstate(all="ignore"):
        e = np.exp(np.asarray(logits, dtype=np.float64) / temperature)
        return e / e.sum(axis=-1, keepdims=True)


def _temperature_cases():
    rng = np.random.default_rng(11)
    return [((rng.standard_normal(5), 1.0), {}),
            ((rng.standard_normal((3, 6)), 0.5), {}),
            ((2.0 * rng.standard_normal((4, 8)), 2.0), {}),
            ((np.array([[1000.0, 999.0, 990.0], [-5.0, 0.0, 5.0]]), 0.7), {}),
            ((rng.standard_normal((2, 3, 4)), 1.5), {})]          # "logits of any shape (..., V)"


TEMPERATURE_MISTAKES = [
    Mistake("Divide the logits by the temperature, z / τ: multiplying makes a high temperature "
            "sharper instead of flatter.",
            lambda logits, temperature: softmax_with_temperature(np.asarray(logits) * temperature ** 2, temperature)),
    Mistake("Normalise over the vocabulary, the last axis (axis=-1, keepdims=True): each row of "
            "probabilities must sum to 1.",
            lambda logits, temperature: (lambda e: e / e.sum(axis=0, keepdims=True))(
                np.exp(np.asarray(logits, dtype=np.float64) / temperature
                       - np.max(np.asarray(logits, dtype=np.float64) / temperature)))),
    Mistake("Raising the probabilities to the power 1/τ is fine, but then renormalise them so they sum to 1.",
            _unnormalised_power),
    Mistake("Subtract the largest logit before exponentiating: exp(1000) overflows to inf and "
            "inf / inf is nan. Shifting all logits by a constant does not change the softmax.",
            _no_max_shift),
]


@exercise("7.2")
def softmax_temperature(fn) -> Feedback:
    """Check ``fn(logits (..., V), temperature) -> probabilities (..., V)`` over the last axis."""
    return check_function(fn, softmax_with_temperature, _temperature_cases, name="softmax_temperature",
                          tolerance=compare.CLOSED_FORM, mistakes=TEMPERATURE_MISTAKES)


def _vocab_size() -> int:
    corpus = load_python_corpus()
    return len(Vocab.from_items(corpus.train + corpus.valid))


def _unigram() -> float:
    corpus = load_python_corpus()
    vocab = Vocab.from_items(corpus.train + corpus.valid)
    return unigram_perplexity(vocab.encode(corpus.train), vocab.encode(corpus.valid), len(vocab))


UNIFORM_MISTAKES = [
    Mistake("That is the cross-entropy log V in nats (or bits, with log2); the perplexity is its "
            "exponential, which undoes the log.", lambda: float(np.log(_vocab_size()))),
    Mistake("That is the cross-entropy log V in nats (or bits, with log2); the perplexity is its "
            "exponential, which undoes the log.", lambda: float(np.log2(_vocab_size()))),
    Mistake("1/V is the probability of one character; the perplexity is its inverse, exp(-log(1/V)) = V.",
            lambda: 1.0 / _vocab_size()),
    Mistake("That is the unigram model's perplexity, which uses the characters' frequencies; the "
            "uniform model gives every character the same probability 1/V.", _unigram),
]


@exercise("7.3")
def uniform_perplexity(fn) -> Feedback:
    """Check ``fn() -> float``: the perplexity of the model giving each of the corpus's V characters
    probability 1/V (on any text)."""
    return check_function(fn, lambda: float(_vocab_size()), [((), {})], name="uniform_perplexity",
                          tolerance=compare.VALUE_TOLERANCE, mistakes=UNIFORM_MISTAKES,
                          default_hint="every character gets p = 1/V, so the mean of -log p is log V, "
                                       "and exp(log V) = V.")

# every mistake the checkers above recognise (the instructor guide lists them)
MISTAKES = PERPLEXITY_MISTAKES + TEMPERATURE_MISTAKES + UNIFORM_MISTAKES
