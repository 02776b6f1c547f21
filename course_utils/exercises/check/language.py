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
            "largest logit before exponentiating: the shift does not change the probabilities.",
            _naive_perplexity),
    Mistake("You returned the cross-entropy itself (nats per character), one step short of the "
            "perplexity: the cross-entropy is a logarithm of it.",
            lambda logits, targets: float(_nll(logits, targets).mean())),
    Mistake("You summed the negative log-likelihoods over the N characters instead of averaging them: "
            "the exponential of a sum grows with the length of the text, perplexity does not.",
            lambda logits, targets: float(np.exp(_nll(logits, targets).sum()))),
    Mistake("You exponentiated with base 2, but log-softmax gives natural logarithms (nats): the base "
            "of the power must match the base of the logarithm.",
            lambda logits, targets: float(2.0 ** _nll(logits, targets).mean())),
    Mistake("You used the target's raw logit as its log-probability: logits are unnormalised scores, "
            "and a log-softmax turns them into log-probabilities.",
            lambda logits, targets: float(np.exp(-np.asarray(logits)[np.arange(len(targets)),
                                                                   np.asarray(targets)].mean()))),
    Mistake("You inverted the arithmetic mean of the target probabilities, 1 / mean(p); perplexity "
            "is the inverse *geometric* mean, which averages the logarithms.",
            lambda logits, targets: float(1.0 / _softmax_probs(logits)[np.arange(len(targets)),
                                                                      np.asarray(targets)].mean())),
    Mistake("You mixed two bases: your negative log-probabilities are in bits (log2), but np.exp "
            "undoes a natural logarithm. The exercise works in nats throughout.",
            lambda logits, targets: float(np.exp(_nll(logits, targets).mean() / np.log(2.0)))),
    Mistake("Indexing with [:, targets] takes every target's column for every row, an N x N block, "
            "so your mean runs over N * N entries: each row counts only the entry of its own target.",
            lambda logits, targets: float(np.exp(-_log_softmax(logits)[:, np.asarray(targets)].mean()))),
    Mistake("You averaged per-character perplexities (the exponential of each row's negative "
            "log-probability): the mean and the exponential do not commute, so the order in the "
            "prompt matters.",
            lambda logits, targets: float(np.exp(_nll(logits, targets)).mean())),
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


def _shifted(logits, temperature):
    """z / τ minus its largest value over the last axis."""
    z = np.asarray(logits, dtype=np.float64) / temperature
    return z - z.max(axis=-1, keepdims=True)


def _temperature_cases():
    rng = np.random.default_rng(11)
    return [((rng.standard_normal(5), 1.0), {}),
            ((rng.standard_normal((3, 6)), 0.5), {}),
            ((2.0 * rng.standard_normal((4, 8)), 2.0), {}),
            ((np.array([[1000.0, 999.0, 990.0], [-5.0, 0.0, 5.0]]), 0.7), {}),
            ((rng.standard_normal((2, 3, 4)), 1.5), {})]          # "logits of any shape (..., V)"


_WHOLE_ARRAY = ("You normalised by the sum of the whole array, so all the rows together sum to 1 instead of "
                "each row: that is right only for 1-D logits.")
TEMPERATURE_MISTAKES = [
    Mistake("You multiplied the logits by the temperature: a high temperature then makes the "
            "distribution sharper instead of flatter.",
            lambda logits, temperature: softmax_with_temperature(np.asarray(logits) * temperature ** 2, temperature)),
    Mistake("You normalised over the first axis (axis=0): each column sums to 1, but it is each row, one "
            "distribution over the vocabulary, that must.",
            lambda logits, temperature: (lambda e: e / e.sum(axis=0, keepdims=True))(
                np.exp(np.asarray(logits, dtype=np.float64) / temperature
                       - np.max(np.asarray(logits, dtype=np.float64) / temperature)))),
    Mistake("Raising the probabilities to the power 1/τ is fine, but then renormalise them so they sum to 1.",
            _unnormalised_power),
    Mistake("Subtract the largest logit before exponentiating: exp(1000) overflows to inf and "
            "inf / inf is nan. Shifting all logits by a constant does not change the softmax.",
            _no_max_shift),
    Mistake(_WHOLE_ARRAY, lambda logits, temperature: (lambda e: e / e.sum())(
        np.exp(_shifted(logits, temperature)))),
    Mistake(_WHOLE_ARRAY, lambda logits, temperature: (lambda z: np.exp(z - z.max()) / np.exp(z - z.max()).sum())(
        np.asarray(logits, dtype=np.float64) / temperature)),
    Mistake("You divided the probabilities by τ, after the softmax: that only rescales them (they no "
            "longer sum to 1) and leaves the shape of the distribution as it was.",
            lambda logits, temperature: _softmax_probs(logits) / temperature),
    Mistake("Your probabilities are the same whatever the temperature: τ never enters your computation.",
            lambda logits, temperature: _softmax_probs(logits)),
    Mistake("Your output has negative entries: those are log-probabilities (a log-softmax), and the "
            "exercise asks for the probabilities themselves.",
            lambda logits, temperature: _log_softmax(np.asarray(logits, dtype=np.float64) / temperature)),
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


_CROSS_ENTROPY = ("That is the cross-entropy (in nats, or in bits with log2), not the perplexity: Section 7.2 "
                  "turns one into the other.")
UNIFORM_MISTAKES = [
    Mistake(_CROSS_ENTROPY, lambda: float(np.log(_vocab_size()))),
    Mistake(_CROSS_ENTROPY, lambda: float(np.log2(_vocab_size()))),
    Mistake("That is the probability of one character; perplexity is an effective number of choices, "
            "not a probability.",
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
                          default_hint="every character gets the same probability, whatever the text: "
                                       "what is -log p for each of them, and what does the perplexity "
                                       "make of that?")

# every mistake the checkers above recognise (the instructor guide lists them)
MISTAKES = PERPLEXITY_MISTAKES + TEMPERATURE_MISTAKES + UNIFORM_MISTAKES
