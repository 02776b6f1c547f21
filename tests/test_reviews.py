"""Synthetic reviews (course_utils.data.reviews): labels follow the stated rules, order is what decides "but"."""
from collections import Counter

import numpy as np
import pytest

from course_utils.data.reviews import FORMS, LEXICON, bag_of_words, encode_reviews, make_reviews, review_vocab


def clause_sentiment(words):
    """Independent re-reading of one clause: the adjective's polarity, flipped by "not"."""
    polarity = 1 if words[-1] in LEXICON.positive else 0
    assert words[-1] in LEXICON.positive + LEXICON.negative
    return 1 - polarity if "not" in words else polarity


def label_by_rule(words):
    for joiner in ("but", "and"):
        if joiner in words:
            k = words.index(joiner)
            first, second = clause_sentiment(words[:k]), clause_sentiment(words[k + 1:])
            assert (first == second) == (joiner == "and")
            return second
    return clause_sentiment(words)


@pytest.fixture(scope="module")
def data():
    return make_reviews(600, seed=0, p_not=0.3)


def test_labels_follow_the_negation_and_but_rules(data):
    assert [label_by_rule(t) for t in data.tokens] == data.labels.tolist()
    assert set(data.form.tolist()) == set(FORMS)


def test_but_reviews_swapped_have_the_same_words_and_the_opposite_label(data):
    for words, y in zip(data.tokens, data.labels):
        if "but" in words:
            k = words.index("but")
            swapped = words[k + 1:] + ["but"] + words[:k]
            assert Counter(swapped) == Counter(words) and label_by_rule(swapped) == 1 - y


def test_generator_is_seeded_and_p_positive_sets_the_label_rate():
    assert make_reviews(50, seed=4).texts == make_reviews(50, seed=4).texts
    skewed = make_reviews(2000, seed=1, p_positive=0.2)
    assert 0.17 < skewed.labels.mean() < 0.23
    with pytest.raises(ValueError, match="form_probs"):
        make_reviews(10, form_probs=(0.5, 0.5))


def test_encode_left_pads_and_bag_of_words_ignores_order(data):
    vocab = review_vocab(data)
    x = encode_reviews(data, vocab)
    lengths = [len(t) for t in data.tokens]
    assert x.shape == (len(data), max(lengths)) and vocab.items[0] == "<pad>"
    assert all((row[:x.shape[1] - n] == 0).all() and (row[x.shape[1] - n:] > 0).all()
               for row, n in zip(x, lengths))
    counts = bag_of_words(x, len(vocab))
    assert np.array_equal(counts.sum(axis=1), lengths)
    assert np.array_equal(bag_of_words(x[:, ::-1], len(vocab)), counts)
    with pytest.raises(ValueError, match="shorter than the longest"):
        encode_reviews(data, vocab, length=3)


def test_subset_keeps_the_masked_reviews_and_checks_the_mask():
    data = make_reviews(6, seed=0)
    mask = np.array([True, False] * 3)
    assert data.subset(mask).tokens == data.tokens[::2] and len(data.subset(~mask)) == 3
    with pytest.raises(ValueError, match=r"mask has shape \(3,\): expected \(6,\)"):
        data.subset(mask[:3])
    with pytest.raises(TypeError, match="mask has dtype int64"):
        data.subset(np.arange(6))      # indices, not a mask


def test_review_vocab_and_encode_name_the_bad_argument():
    data = make_reviews(4, seed=0)
    with pytest.raises(TypeError, match=r"datasets\[1\] must be a Reviews"):
        review_vocab(data, None)
    with pytest.raises(ValueError, match=r"data.tokens\[0\] contains"):
        encode_reviews(data, review_vocab(make_reviews(1, seed=5, form_probs=(1, 0, 0))))
