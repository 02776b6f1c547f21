"""course_utils.data.signals: synthetic words and videos, frames, band energies, standardisation."""
from __future__ import annotations

import numpy as np
import pytest

from course_utils.data import signals as G

N_SAMPLES = int(round(G.CLIP_SECONDS * G.SAMPLE_RATE))
N_FRAMES = 1 + (N_SAMPLES - G.FRAME_LEN) // G.HOP


def test_words_share_the_same_phones_in_different_orders():
    orders = list(G.WORDS.values())
    assert len(set(orders)) == len(orders)
    assert all(sorted(o) == sorted(orders[0]) for o in orders)


def test_synth_word_is_deterministic_for_a_seed_and_has_the_clip_length():
    a = G.synth_word("aiu", np.random.default_rng(0))
    b = G.synth_word("aiu", np.random.default_rng(0))
    assert a.shape == (N_SAMPLES,) and np.array_equal(a, b)
    with pytest.raises(ValueError, match="phone 'x'"):
        G.synth_word("ax", np.random.default_rng(0))
    with pytest.raises(TypeError, match="numpy.random.Generator"):
        G.synth_word("aiu", 0)
    with pytest.raises(ValueError, match=r"clip_seconds=0.1 is too short for the word 'aiu'"):
        G.synth_word("aiu", np.random.default_rng(0), clip_seconds=0.1)


def test_a_pure_phone_puts_its_energy_in_the_bands_of_its_two_tones():
    x = G.synth_word("a", np.random.default_rng(1), noise=0.0)
    feats = G.band_energies(G.frame_signal(x))
    loudest = feats.max(axis=0)
    centres = G.band_centres()
    top_two = np.sort(centres[np.argsort(loudest)[-2:]])
    f1, f2 = G.PHONES["a"]
    width = centres[1] - centres[0]
    assert abs(top_two[0] - f1) < width and abs(top_two[1] - f2) < width


@pytest.mark.parametrize("N, frame_len, hop", [(10, 4, 2), (100, 16, 8), (50, 12, 5), (8, 8, 3)])
def test_frame_signal_cuts_overlapping_frames(N, frame_len, hop):
    x = np.arange(N, dtype=float)
    frames = G.frame_signal(x, frame_len, hop)
    n = 1 + (N - frame_len) // hop
    assert frames.shape == (n, frame_len)
    for k in range(n):
        assert np.array_equal(frames[k], x[k * hop:k * hop + frame_len])


def test_frame_signal_rejects_a_signal_shorter_than_a_frame():
    with pytest.raises(ValueError, match="at least frame_len samples"):
        G.frame_signal(np.zeros(5), 8, 2)


def test_speech_dataset_and_features_have_the_documented_shapes():
    waves, labels = G.make_speech_dataset(3, np.random.default_rng(2))
    assert waves.shape == (3 * len(G.WORDS), N_SAMPLES) and labels.dtype == np.int64
    assert np.bincount(labels).tolist() == [3] * len(G.WORDS)
    feats = G.speech_features(waves)
    assert feats.shape == (len(waves), N_FRAMES, G.N_BANDS) and np.isfinite(feats).all()


def test_moving_blob_moves_in_its_labelled_direction():
    videos, labels = G.moving_blob_videos(5, np.random.default_rng(3), noise=0.0)
    assert videos.shape == (20, 12, 16, 16)
    grid = np.arange(16)
    for video, label in zip(videos, labels):
        mass = video.sum(axis=(1, 2))
        col = (video.sum(1) * grid).sum(1) / mass                 # centroid x per frame
        row = (video.sum(2) * grid).sum(1) / mass                 # centroid y per frame
        dx, dy = col[-1] - col[0], row[-1] - row[0]
        expected = {0: dx > 3, 1: dx < -3, 2: dy > 3, 3: dy < -3}[int(label)]
        assert expected, (G.DIRECTIONS[label], dx, dy)


def test_opposite_directions_leave_the_same_time_average_on_average():
    videos, labels = G.moving_blob_videos(400, np.random.default_rng(4), noise=0.0)
    profiles = G.frame_profiles(videos).mean(axis=1)               # order-blind summary
    right, left = profiles[labels == 0].mean(0), profiles[labels == 1].mean(0)
    assert np.abs(right - left).max() < 0.1 * np.abs(right).max()


def test_frame_profiles_rejects_non_square_frames():
    with pytest.raises(ValueError, match=r"expected \(n, T, size, size\)"):
        G.frame_profiles(np.zeros((2, 3, 4, 5)))


def test_standardize_uses_the_training_statistics_only():
    train, test = np.array([[0.0, 10.0], [2.0, 30.0]]), np.array([[4.0, 50.0]])
    tr, te = G.standardize(train, test)
    assert np.allclose(tr, [[-1, -1], [1, 1]]) and np.allclose(te, [[3, 3]])
