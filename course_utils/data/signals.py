"""Speech-like and video-like sequences for Chapter 9, and the features a recurrent model reads.

Speech: a "word" is a sequence of phones; each phone is a pair of tones (a crude stand-in for
the two lowest formants of a vowel) held for a random duration. All word classes use the same
three phones in different orders, so a summary that ignores order (the average of the frame
features) carries no information about the class: only the order does.

Video: a blob moves across a small square frame in one of four directions. Averaged over time,
a blob moving left and one moving right leave the same smear; only the order of the frames
tells them apart.

Shapes: waveform ``x: (N,)``; frames ``(n_frames, frame_len)``; features ``(T, F)`` per clip and
``(n, T, F)`` per data set; videos ``(n, T, size, size)``.

The order-blind baseline fitted on these features (softmax regression) is
:func:`course_utils.learning.baselines.fit_softmax`; accuracy and the confusion matrix are in
:mod:`course_utils.learning.metrics`.
"""
from __future__ import annotations

import numpy as np

from course_utils._checks import check_number, check_str, numeric_array, positive_int

__all__ = ["SAMPLE_RATE", "CLIP_SECONDS", "FRAME_LEN", "HOP", "N_BANDS", "PHONES", "WORDS", "DIRECTIONS",
           "synth_word", "make_speech_dataset", "frame_signal", "band_energies", "band_centres",
           "speech_features", "moving_blob_videos", "frame_profiles", "standardize"]

SAMPLE_RATE = 4000          # Hz; telephone speech uses 8 kHz, we halve it to keep arrays small
CLIP_SECONDS = 0.6
FRAME_LEN = 128             # samples (32 ms)
HOP = 64                    # samples (16 ms)
N_BANDS = 16
PHONES = {"a": (500.0, 1100.0), "i": (300.0, 1700.0), "u": (800.0, 1400.0)}  # two tones per phone, Hz
WORDS = {"aiu": "aiu", "uia": "uia", "iau": "iau", "aui": "aui"}            # class name -> phone order
DIRECTIONS = ("right", "left", "down", "up")


def _check_rng(rng):
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator (np.random.default_rng(seed)), got {type(rng).__name__}")
    return rng


# --- speech --------------------------------------------------------------------------------------

def synth_word(phones: str, rng, sample_rate: int = SAMPLE_RATE, clip_seconds: float = CLIP_SECONDS,
               noise: float = 0.3) -> np.ndarray:
    """One clip (N,) with N = clip_seconds * sample_rate (seconds, Hz): the phones in order, each
    80-150 ms long (the whole word sped up or slowed down by up to 20 %), a random onset, pitch
    jitter of +-3 %, a smooth 10 ms fade at every phone edge and white noise of standard deviation
    ``noise``.

    Raises TypeError when rng is not a numpy Generator, phones not a string or another argument of
    the wrong type; ValueError when phones is empty or holds a phone not in :data:`PHONES`,
    sample_rate < 1 or not above twice the highest tone, clip_seconds <= 0 or too short for the
    drawn word, or noise < 0.
    """
    rng = _check_rng(rng)
    check_str(phones, "phones")
    if not phones:
        raise ValueError(f"phones must be a non-empty string of phones from {sorted(PHONES)}, got ''")
    for p in phones:
        if p not in PHONES:
            raise ValueError(f"phones={phones!r} has the phone {p!r}: expected phones from {sorted(PHONES)}")
    sample_rate = positive_int(sample_rate, "sample_rate")
    clip_seconds = check_number(clip_seconds, "clip_seconds", low=0, low_open=True)
    noise = check_number(noise, "noise", low=0)
    top = max(f for pair in PHONES.values() for f in pair) * 1.03
    if sample_rate <= 2 * top:
        raise ValueError(f"sample_rate must exceed twice the highest tone ({2 * top:.0f} Hz) so the tones are "
                         f"not aliased, got {sample_rate}")
    n = int(round(clip_seconds * sample_rate))
    speed = rng.uniform(0.8, 1.2)
    lengths = (rng.uniform(0.08, 0.15, len(phones)) * speed * sample_rate).astype(int)
    if lengths.sum() > n:
        raise ValueError(f"clip_seconds={clip_seconds} is too short for the word {phones!r} "
                         f"({lengths.sum() / sample_rate:.3f} s as drawn): make the clip longer")
    x = np.zeros(n)
    pos = int(rng.integers(0, n - lengths.sum() + 1))
    fade = max(1, int(0.01 * sample_rate))
    for p, length in zip(phones, lengths):
        t = np.arange(length) / sample_rate
        jitter = rng.uniform(0.97, 1.03)
        tone = sum(np.sin(2 * np.pi * f * jitter * t + rng.uniform(0, 2 * np.pi)) for f in PHONES[p])
        envelope = np.minimum(1.0, np.minimum(np.arange(length) + 1, length - np.arange(length)) / fade)
        x[pos:pos + length] += tone * envelope
        pos += length
    return x + noise * rng.standard_normal(n)


def make_speech_dataset(n_per_class: int, rng, **kwargs) -> tuple[np.ndarray, np.ndarray]:
    """``n_per_class`` clips of every word in :data:`WORDS`, shuffled.
    Returns (waves (n, N), labels (n,) int64 indexing ``list(WORDS)``), n = 4 * n_per_class;
    ``kwargs`` go to :func:`synth_word`.

    Raises TypeError when rng is not a numpy Generator or n_per_class not an integer, ValueError for
    n_per_class < 1; a bad keyword argument raises as in :func:`synth_word`.
    """
    rng = _check_rng(rng)
    labels = np.repeat(np.arange(len(WORDS)), positive_int(n_per_class, "n_per_class"))
    rng.shuffle(labels)
    orders = list(WORDS.values())
    waves = np.stack([synth_word(orders[k], rng, **kwargs) for k in labels])
    return waves, labels.astype(np.int64)


def frame_signal(x, frame_len: int = FRAME_LEN, hop: int = HOP) -> np.ndarray:
    """Cut x (N,) into overlapping frames: frame k = x[k*hop : k*hop + frame_len].

    Returns (1 + (N - frame_len) // hop, frame_len); samples after the last full frame are dropped.
    frame_len and hop count samples.

    Raises TypeError when x is not numbers or frame_len / hop not an integer; ValueError when x is
    not 1-D and finite or shorter than frame_len, or frame_len or hop < 1.
    """
    frame_len, hop = positive_int(frame_len, "frame_len"), positive_int(hop, "hop")
    x = numeric_array(x, "x")
    if x.ndim != 1 or len(x) < frame_len:
        raise ValueError(f"x has shape {x.shape}, frame_len={frame_len}, hop={hop}: expected a 1-D signal "
                         f"with at least frame_len samples and positive frame_len and hop")
    n_frames = 1 + (len(x) - frame_len) // hop
    return x[np.arange(n_frames)[:, None] * hop + np.arange(frame_len)]


def band_energies(frames, n_bands: int = N_BANDS) -> np.ndarray:
    """Log energy in ``n_bands`` equal-width frequency bands of each Hann-windowed frame.

    frames: (n_frames, frame_len) -> (n_frames, n_bands); E_kb = log(eps + sum over the FFT bins
    of band b of |X_k(f)|^2), with the DC bin left out and the remaining bins split evenly.

    Raises TypeError when frames is not numbers or n_bands not an integer; ValueError when frames is
    not 2-D and finite, has no frame or fewer than n_bands frequency bins (frame_len // 2), or
    n_bands < 1.
    """
    frames = numeric_array(frames, "frames", ndim=2)
    n_bands = positive_int(n_bands, "n_bands")
    if frames.shape[1] // 2 < max(n_bands, 1) or frames.shape[0] == 0:
        raise ValueError(f"frames has shape {frames.shape} and n_bands={n_bands}: expected (n_frames >= 1, "
                         f"frame_len) with at least n_bands frequency bins (frame_len // 2 >= n_bands)")
    spectrum = np.abs(np.fft.rfft(frames * np.hanning(frames.shape[-1]), axis=-1)) ** 2
    bins = spectrum[..., 1:]
    edges = np.linspace(0, bins.shape[-1], n_bands + 1).astype(int)
    energy = np.stack([bins[..., a:b].sum(-1) for a, b in zip(edges[:-1], edges[1:])], axis=-1)
    return np.log(1e-3 + energy)


def band_centres(n_bands: int = N_BANDS, frame_len: int = FRAME_LEN, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """Centre frequency in Hz of each band of :func:`band_energies`: (n_bands,); frame_len in
    samples, sample_rate in Hz.

    Raises TypeError when an argument is not an integer, ValueError when one is < 1 or
    frame_len // 2 < n_bands.
    """
    n_bands, frame_len = positive_int(n_bands, "n_bands"), positive_int(frame_len, "frame_len")
    sample_rate = positive_int(sample_rate, "sample_rate")
    if frame_len // 2 < n_bands:
        raise ValueError(f"n_bands={n_bands} with frame_len={frame_len}: expected frame_len // 2 >= n_bands "
                         "(at least one frequency bin per band)")
    freqs = np.fft.rfftfreq(frame_len, 1 / sample_rate)[1:]
    edges = np.linspace(0, len(freqs), n_bands + 1).astype(int)
    return np.array([freqs[a:b].mean() for a, b in zip(edges[:-1], edges[1:])])


def speech_features(waves, frame_len: int = FRAME_LEN, hop: int = HOP, n_bands: int = N_BANDS) -> np.ndarray:
    """waves (n, N) -> log band energies (n, T, n_bands), T = 1 + (N - frame_len) // hop.

    Raises TypeError when waves is not numbers or frame_len, hop, n_bands not an integer; ValueError
    when waves is not 2-D and finite, n = 0, N < frame_len, an integer argument is < 1, or
    frame_len // 2 < n_bands.
    """
    waves = numeric_array(waves, "waves", ndim=2)
    frame_len = positive_int(frame_len, "frame_len")
    if waves.shape[0] == 0 or waves.shape[1] < frame_len:
        raise ValueError(f"waves has shape {waves.shape}: expected (n >= 1, N >= frame_len = {frame_len})")
    return np.stack([band_energies(frame_signal(w, frame_len, hop), n_bands) for w in np.asarray(waves)])


# --- video ---------------------------------------------------------------------------------------

def moving_blob_videos(n_per_class: int, rng, size: int = 16, frames: int = 12, sigma: float = 1.5,
                       noise: float = 0.3) -> tuple[np.ndarray, np.ndarray]:
    """Videos of a Gaussian blob (width ``sigma`` px) crossing a size x size frame in one of
    :data:`DIRECTIONS` at 0.5-0.9 px per frame, from a random start that keeps it inside,
    plus white noise. Returns (videos (n, frames, size, size), labels (n,) int64 indexing
    DIRECTIONS), n = 4 * n_per_class.

    Raises TypeError when rng is not a numpy Generator or an argument of the wrong type; ValueError
    when an integer argument is < 1, sigma <= 0, noise < 0, or size is too small for the blob to
    travel ``frames`` steps inside the frame.
    """
    rng = _check_rng(rng)
    n_per_class, size, frames = (positive_int(v, n) for v, n in
                                 ((n_per_class, "n_per_class"), (size, "size"), (frames, "frames")))
    sigma = check_number(sigma, "sigma", low=0, low_open=True)
    noise = check_number(noise, "noise", low=0)
    margin = 2.0
    if size - 1 - 2 * margin <= 0.9 * (frames - 1):
        raise ValueError(f"size={size} is too small for frames={frames}: the blob moves up to 0.9 px per frame "
                         f"and keeps {margin:g} px from each edge, so expected size > {1 + 2 * margin + 0.9 * (frames - 1):g}")
    labels = np.repeat(np.arange(len(DIRECTIONS)), n_per_class)
    rng.shuffle(labels)
    grid = np.arange(size)
    videos = np.empty((len(labels), frames, size, size))
    for k, label in enumerate(labels):
        speed = rng.uniform(0.5, 0.9)
        travel = speed * (frames - 1)
        along = rng.uniform(margin, size - 1 - margin - travel) + speed * np.arange(frames)
        if label in (1, 3):                                  # left / up: run the path backwards
            along = (size - 1) - along
        across = np.full(frames, rng.uniform(margin, size - 1 - margin))
        rows, cols = (across, along) if label in (0, 1) else (along, across)
        for t in range(frames):
            videos[k, t] = np.exp(-((grid[:, None] - rows[t]) ** 2 + (grid[None, :] - cols[t]) ** 2)
                                  / (2 * sigma ** 2))
    videos += noise * rng.standard_normal(videos.shape)
    return videos, labels.astype(np.int64)


def frame_profiles(videos) -> np.ndarray:
    """Per-frame features: the row sums and the column sums of every frame (where the blob is,
    vertically and horizontally). videos (n, T, size, size) -> (n, T, 2 * size).

    Raises TypeError when videos is not numbers, ValueError when it is not finite or not of shape
    (n, T, size, size).
    """
    videos = numeric_array(videos, "videos")
    if videos.ndim != 4 or videos.shape[-1] != videos.shape[-2]:
        raise ValueError(f"videos has shape {videos.shape}: expected (n, T, size, size)")
    return np.concatenate([videos.sum(-1), videos.sum(-2)], axis=-1)


# --- feature scaling -----------------------------------------------------------------------------

def standardize(train, *others):
    """Scale features with the mean and standard deviation of ``train`` (per feature, last axis).

    train: (n, F), (n, T, F) or more axes; each of ``others``: any shape ending in F. Returns the
    tuple (train, *others) scaled, shapes unchanged.

    Raises TypeError when an array is not numbers; ValueError when train is not 2-D to 4-D or has
    no row, an array is not finite, or one of others does not end in F.
    """
    train = numeric_array(train, "train", ndim=(2, 3, 4))
    if train.shape[0] == 0:
        raise ValueError(f"train has shape {train.shape}: expected at least one row")
    F = train.shape[-1]
    others = [numeric_array(a, f"others[{i}]") for i, a in enumerate(others)]
    for i, a in enumerate(others):
        if a.ndim < 1 or a.shape[-1] != F:
            raise ValueError(f"others[{i}] has shape {a.shape}: expected {F} features on the last axis, like train")
    axes = tuple(range(train.ndim - 1))
    mean, std = train.mean(axes), train.std(axes) + 1e-8
    return tuple((a - mean) / std for a in (train, *others))
