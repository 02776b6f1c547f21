"""Data-bias experiment tools (course_utils.data.bias): groups, skewed training data, error gaps, re-weighting."""
import numpy as np
import pytest

from course_utils.data.bias import (MAJORITY_LEXICON, MINORITY_LEXICON, SLANG, balanced_weights, error_gap,
                               group_error_rates, make_group_reviews)

EXACT = 1e-12


def test_group_sizes_label_rates_and_lexicons():
    data = make_group_reviews(2000, seed=0, minority_share=0.1, minority_p_positive=0.2)
    minority = data.group == "minority"
    assert minority.sum() == 200 and (data.group[:1800] == "majority").all()
    assert 0.13 < data.reviews.labels[minority].mean() < 0.27
    assert 0.45 < data.reviews.labels[~minority].mean() < 0.55
    minority_subjects = {s.split()[1] for s in MINORITY_LEXICON.subjects}
    for words, g in zip(data.reviews.tokens, data.group):
        assert (words[1] in minority_subjects) == (g == "minority")


def test_slang_means_the_opposite_in_the_two_groups():
    assert set(SLANG) <= set(MAJORITY_LEXICON.negative) and set(SLANG) <= set(MINORITY_LEXICON.positive)
    data = make_group_reviews(3000, seed=2, minority_share=0.5, minority_p_positive=0.5, p_not=0.0)
    for words, y, g, form in zip(data.reviews.tokens, data.reviews.labels, data.group, data.reviews.form):
        if form == "single" and words[-1] in SLANG:
            assert y == (1 if g == "minority" else 0)


def test_label_noise_flips_the_stated_fraction():
    clean = make_group_reviews(4000, seed=3)
    noisy = make_group_reviews(4000, seed=3, label_noise=0.2)
    flipped = clean.reviews.labels != noisy.reviews.labels
    assert np.array_equal(flipped, noisy.flipped) and 0.17 < flipped.mean() < 0.23
    assert not make_group_reviews(100, seed=3).flipped.any()


def test_error_rates_and_gap():
    pred, y = np.array([1, 1, 0, 0, 1]), np.array([1, 0, 0, 1, 1])
    group = np.array(["a", "a", "b", "b", "b"])
    assert group_error_rates(pred, y, group) == {"a": 0.5, "b": 1 / 3}
    assert abs(error_gap(pred, y, group) - (0.5 - 1 / 3)) < EXACT
    with pytest.raises(ValueError, match="equal shapes"):
        group_error_rates(pred, y[:3], group)


def test_balanced_weights_give_every_cell_the_same_total():
    rng = np.random.default_rng(0)
    group = np.where(rng.random(500) < 0.1, "minority", "majority")
    labels = rng.integers(0, 2, 500)
    w = balanced_weights(group, labels)
    assert abs(w.sum() - 1) < EXACT and (w > 0).all()
    totals = [w[(group == g) & (labels == y)].sum() for g in ("majority", "minority") for y in (0, 1)]
    assert np.allclose(totals, 0.25, atol=EXACT)


@pytest.mark.parametrize("fn", [lambda a: group_error_rates(a, [1, 0], ["a", "b"]),
                                lambda a: balanced_weights(a, [1, 0])])
def test_a_ragged_list_gets_a_clear_error(fn):
    with pytest.raises(ValueError, match=r"must be a rectangular array of shape \(N,\)"):
        fn([[1], [1, 2]])
