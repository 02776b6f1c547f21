"""Synthetic short reviews where word order decides the sentiment, and their order-blind word counts.

The data are generated from templates, not collected: every review is one clause or two joined
by "and" / "but", each clause ``<subject> was [not] [really] <adjective>``::

    the food was not bad                           -> positive (negation flips the adjective)
    the plot was great but the acting was awful    -> negative (after "but", the second clause decides)
    the acting was great but the plot was awful    -> negative; swap the clauses and it is positive

A "but" review and its clause-swapped twin contain exactly the same words with opposite labels.
Since the generator draws them with equal probability, *no* function of the word counts can beat
50 % accuracy on the ``"but"`` form in expectation: only a model that reads the order can.

::

    data = make_reviews(2000, seed=0)
    vocab = Vocab.from_items(word for r in data.tokens for word in r) with specials=("<pad>",)
    x = encode_reviews(data, vocab)                        # (N, T) int64, left-padded with id 0
    counts = bag_of_words(x, len(vocab))                   # (N, V) word counts, order gone

The models fitted on them are learning, not data: the order-blind baseline (logistic regression
on the counts) is :func:`course_utils.learning.baselines.fit_logistic_regression`, and accuracy
per form of review :func:`course_utils.learning.metrics.accuracy_by`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from course_utils._checks import (
    check_type,
    id_array,
    nonnegative_int,
    positive_int,
    probability,
)
from course_utils.data.text import Vocab

__all__ = ["PAD", "FORMS", "FORM_PROBS", "Lexicon", "LEXICON", "Reviews", "make_reviews", "review_vocab",
           "encode_reviews", "bag_of_words"]

PAD = "<pad>"
FORMS = ("single", "and", "but")
FORM_PROBS = (0.4, 0.2, 0.4)


@dataclass(frozen=True)
class Lexicon:
    """The words a group of writers uses: subjects and the positive / negative adjectives."""

    subjects: tuple
    positive: tuple
    negative: tuple


LEXICON = Lexicon(subjects=("the food", "the service", "the plot", "the acting", "the music",
                            "the room", "the staff", "the price"),
                  positive=("good", "great", "fine", "excellent", "pleasant"),
                  negative=("bad", "awful", "poor", "dull", "terrible"))


@dataclass(frozen=True)
class Reviews:
    """N reviews: ``tokens`` (list of word lists), ``labels (N,)`` int64 (1 = positive),
    ``form (N,)`` one of ``FORMS``, ``negated (N,)`` bool (the deciding clause contains "not")."""

    tokens: list
    labels: np.ndarray
    form: np.ndarray
    negated: np.ndarray

    def __len__(self) -> int:
        return len(self.tokens)

    @property
    def texts(self) -> list:
        """Each review as one string, words joined by spaces."""
        return [" ".join(t) for t in self.tokens]

    def subset(self, mask) -> "Reviews":
        """The reviews where ``mask (N,)`` bool is true, in order.

        Raises TypeError when mask is not boolean, ValueError when it is not of shape (N,).
        """
        try:
            mask = np.asarray(mask)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"mask must be a boolean array of shape ({len(self)},), got a ragged "
                             f"{type(mask).__name__} ({exc})") from None
        if mask.dtype != bool:
            raise TypeError(f"mask has dtype {mask.dtype}: expected a boolean array of shape ({len(self)},)")
        if mask.shape != (len(self),):
            raise ValueError(f"mask has shape {mask.shape}: expected ({len(self)},), one entry per review")
        idx = np.flatnonzero(mask)
        return Reviews([self.tokens[i] for i in idx], self.labels[idx], self.form[idx], self.negated[idx])

    def __add__(self, other: "Reviews") -> "Reviews":
        return Reviews(self.tokens + other.tokens, np.concatenate([self.labels, other.labels]),
                       np.concatenate([self.form, other.form]), np.concatenate([self.negated, other.negated]))


def _clause(rng, lex: Lexicon, sentiment: int, p_not: float, p_really: float, avoid=None):
    subjects = [s for s in lex.subjects if s != avoid]
    subject = subjects[rng.integers(len(subjects))]
    negate = bool(rng.random() < p_not)
    words = lex.positive if sentiment != negate else lex.negative   # "not" + negative word = positive
    adjective = words[rng.integers(len(words))]
    clause = subject.split() + ["was"] + ["not"] * negate + ["really"] * bool(rng.random() < p_really)
    return clause + [adjective], subject, negate


def make_reviews(n: int, seed: int = 0, p_positive: float = 0.5, form_probs=FORM_PROBS,
                 p_not: float = 0.5, p_really: float = 0.3, lexicon: Lexicon = LEXICON) -> Reviews:
    """Draw ``n`` reviews: label ~ Bernoulli(p_positive), form ~ ``form_probs`` over ``FORMS``.

    single: one clause with the label's sentiment. and: two clauses, both with it.
    but: first clause with the opposite sentiment, second clause with the label's.
    Each clause is negated with probability ``p_not`` (the adjective is then of the opposite polarity).

    Raises TypeError for a non-integer ``n`` or ``seed``, a non-number probability or a ``lexicon``
    that is not a Lexicon; ValueError for ``n < 1``, ``seed < 0``, a probability outside [0, 1],
    ``form_probs`` that are not 3 non-negative numbers summing to 1, or a lexicon with fewer than two
    subjects or no positive or negative word. Each names the argument.
    """
    n, seed = positive_int(n, "n"), nonnegative_int(seed, "seed")
    p_positive, p_not, p_really = (probability(v, name) for v, name in
                                   ((p_positive, "p_positive"), (p_not, "p_not"), (p_really, "p_really")))
    _check_lexicon(lexicon)
    try:
        probs = np.asarray(form_probs, dtype=float)
    except (TypeError, ValueError):
        probs = np.full(0, np.nan)
    if probs.shape != (len(FORMS),) or not np.isfinite(probs).all() or np.any(probs < 0) \
            or not np.isclose(probs.sum(), 1):
        raise ValueError(f"form_probs must be {len(FORMS)} non-negative numbers summing to 1 "
                         f"(for {FORMS}), got {form_probs!r}")
    rng = np.random.default_rng(seed)
    tokens, labels, forms, negated = [], [], [], []
    for _ in range(n):
        y = int(rng.random() < p_positive)
        form = FORMS[rng.choice(len(FORMS), p=probs)]
        if form == "single":
            words, _, neg = _clause(rng, lexicon, y, p_not, p_really)
        else:
            first_sentiment = y if form == "and" else 1 - y
            first, subject, _ = _clause(rng, lexicon, first_sentiment, p_not, p_really)
            second, _, neg = _clause(rng, lexicon, y, p_not, p_really, avoid=subject)
            words = first + [form] + second
        tokens.append(words)
        labels.append(y)
        forms.append(form)
        negated.append(neg)
    return Reviews(tokens, np.array(labels, dtype=np.int64), np.array(forms), np.array(negated))


def _check_lexicon(lexicon) -> None:
    check_type(lexicon, "lexicon", Lexicon, "a Lexicon")
    for part, least in (("subjects", 2), ("positive", 1), ("negative", 1)):
        words = getattr(lexicon, part)
        if not isinstance(words, tuple) or len(words) < least or not all(isinstance(w, str) and w.strip()
                                                                          for w in words):
            raise ValueError(f"lexicon.{part} must be a tuple of at least {least} non-empty strings "
                             f"(two subjects so that a two-clause review can change subject), got {words!r}")


def review_vocab(*datasets: Reviews) -> Vocab:
    """Word vocabulary of the given reviews with ``"<pad>"`` as id 0.

    Raises TypeError when one of ``datasets`` is not a Reviews.
    """
    for i, d in enumerate(datasets):
        check_type(d, f"datasets[{i}]", Reviews, "a Reviews (from make_reviews)")
    return Vocab.from_items({w for d in datasets for r in d.tokens for w in r}, specials=(PAD,))


def encode_reviews(data: Reviews, vocab: Vocab, length: int | None = None) -> np.ndarray:
    """Token ids ``(N, T)`` int64, **left**-padded with id 0 so that every review ends at the last
    step (a ``readout="last"`` model then reads h_T right after the last real word). T = ``length``,
    or the longest review's word count when None.

    Raises TypeError when data is not a Reviews, vocab not a Vocab or length not an integer;
    ValueError when data is empty, ``length < 1``, a review is longer than ``length`` or holds a word
    not in vocab.
    """
    check_type(data, "data", Reviews, "a Reviews (from make_reviews)")
    check_type(vocab, "vocab", Vocab, "a Vocab (from review_vocab)")
    if len(data) == 0:
        raise ValueError("data holds no review: expected at least one")
    if length is not None:
        length = positive_int(length, "length")
    rows = [vocab.encode(t, f"data.tokens[{i}]") for i, t in enumerate(data.tokens)]
    T = length or max(len(r) for r in rows)
    if max(len(r) for r in rows) > T:
        raise ValueError(f"length={T} is shorter than the longest review ({max(len(r) for r in rows)} words)")
    out = np.zeros((len(rows), T), dtype=np.int64)
    for i, r in enumerate(rows):
        out[i, T - len(r):] = r
    return out


def bag_of_words(x, vocab_size: int) -> np.ndarray:
    """Word counts ``(N, V)`` float64 of token ids ``x: (N, T)``; the pad id 0 is not counted.
    Any reordering of a review's words gives the same row.

    Raises TypeError when x is not integer ids or vocab_size not an integer; ValueError when x is
    not 2-D, has an id outside [0, vocab_size), or ``vocab_size < 1``.
    """
    vocab_size = positive_int(vocab_size, "vocab_size")
    x = id_array(x, "x", ndim=2, vocab_size=vocab_size)
    counts = np.zeros((x.shape[0], vocab_size))
    np.add.at(counts, (np.repeat(np.arange(x.shape[0]), x.shape[1]), x.ravel()), 1.0)
    counts[:, 0] = 0.0
    return counts
