"""The character-level text of Chapters 7 and 11 (course_utils.data.text): corpus, vocabulary, batches,
unigram baselines. The model that reads it is tested in test_charmodel.py."""
import math

import numpy as np
import pytest
import torch

from course_utils.data.text import (TRAIN_FILES, VALID_FILES, Vocab, char_batches, load_python_corpus,
                                    unigram_perplexity, unigram_probs)

EXACT = 1e-12


@pytest.fixture(scope="module")
def corpus():
    return load_python_corpus()


def test_corpus_holds_whole_files_and_validation_files_are_held_out(corpus):
    assert not set(TRAIN_FILES) & set(VALID_FILES)
    assert set(corpus.files) == set(TRAIN_FILES) | set(VALID_FILES)
    assert 100_000 < len(corpus.train) < 200_000 and 10_000 < len(corpus.valid) < 40_000
    assert "def " in corpus.train and "def " in corpus.valid
    assert corpus.train.isascii() and corpus.valid.isascii()


def test_missing_corpus_folder_names_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="bisect.py"):
        load_python_corpus(tmp_path)


def test_vocab_round_trip_and_specials_first():
    vocab = Vocab.from_items("hello world", specials=("<pad>",))
    assert vocab.items[0] == "<pad>" and len(vocab) == 1 + len(set("hello world"))
    words = Vocab.from_items(["b", "a", "b"])
    assert words.items == ("a", "b") and list(words.decode(words.encode(["b", "a"]))) == ["b", "a"]
    chars = Vocab.from_items("banana")
    ids = chars.encode("nab")
    assert ids.dtype == np.int64 and chars.decode(ids) == "nab"


def test_vocab_rejects_unknown_items_and_duplicates():
    with pytest.raises(ValueError, match="'z' is not in the vocabulary"):
        Vocab.from_items("abc").encode("abz")
    with pytest.raises(ValueError, match="distinct"):
        Vocab(["a", "a"])


def test_char_batches_targets_are_inputs_shifted_by_one():
    ids = np.arange(100)
    x, y = char_batches(ids, seq_len=10, batch_size=5)(0, torch.Generator().manual_seed(0))
    assert x.shape == y.shape == (5, 10) and x.dtype == torch.int64
    assert torch.equal(y[:, :-1], x[:, 1:]) and torch.equal(y[:, -1], x[:, -1] + 1)
    x2, _ = char_batches(ids, seq_len=10, batch_size=5)(0, torch.Generator().manual_seed(0))
    assert torch.equal(x, x2)


def test_char_batches_rejects_short_or_float_input():
    with pytest.raises(ValueError, match="expected more than"):
        char_batches(np.arange(5), seq_len=10)
    with pytest.raises(ValueError, match="int ids"):
        char_batches(np.zeros(50), seq_len=10)


def test_unigram_perplexity_is_exp_entropy_without_smoothing():
    ids = np.array([0, 0, 0, 1, 2, 2])
    p = np.array([3, 1, 2]) / 6
    entropy = -(p * np.log(p)).sum()
    assert abs(unigram_perplexity(ids, ids, 3, alpha=0.0) - math.exp(entropy)) < EXACT
    assert abs(unigram_probs(ids, 4, alpha=1.0).sum() - 1) < EXACT


def test_unigram_perplexity_of_uniform_text_is_the_vocabulary_size():
    ids = np.tile(np.arange(7), 10)
    assert abs(unigram_perplexity(ids, ids, 7) - 7) < EXACT


@pytest.mark.parametrize("ids,error,match", [
    ([-1], ValueError, r"ids contains the id -1: expected ids >= 0"),
    ([1.7], TypeError, "ids has dtype float64: expected integer ids"),
    ([3], ValueError, r"ids contains the id 3: expected ids < vocab_size = 3"),
    ([True], TypeError, "ids has dtype bool: expected integer ids"),
    ("ab", TypeError, "ids must be an array of integer ids, got str"),
])
def test_decode_refuses_ids_that_are_not_in_the_vocabulary(ids, error, match):
    with pytest.raises(error, match=match):
        Vocab.from_items("abc").decode(ids)


@pytest.mark.parametrize("call,error,match", [
    (lambda: Vocab([["a"], ["b"]]), TypeError, "items must be an iterable of hashable items"),
    (lambda: Vocab.from_items("abc").encode(5), TypeError, "sequence must be a string or a list"),
    (lambda: Vocab.from_items("abc").encode([["a"]]), TypeError, "hashable items"),
    (lambda: unigram_probs(np.array([0, 3]), 3), ValueError, "id 3: expected ids < vocab_size = 3"),
    (lambda: unigram_probs(np.array([0, 1]), True), TypeError, "vocab_size must be an integer, got bool"),
    (lambda: unigram_perplexity(np.array([0, 1]), np.array([], dtype=np.int64), 2), ValueError, "valid_ids is empty"),
    (lambda: char_batches(np.arange(100), seq_len=0), ValueError, "seq_len must be a positive integer"),
])
def test_bad_text_arguments_are_named(call, error, match):
    with pytest.raises(error, match=match):
        call()
