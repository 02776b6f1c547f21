"""Text for the language chapter (7) and the limits chapter (11): characters and words as sequences.

The data of the character-level language model::

    corpus = load_python_corpus()                      # Python 3.11.7 standard-library files
    vocab = Vocab.from_items(corpus.train + corpus.valid)
    train_ids, valid_ids = vocab.encode(corpus.train), vocab.encode(corpus.valid)   # int64 (N,)
    batch_fn = char_batches(train_ids, seq_len=64, batch_size=32)   # x, y: (B, T), y = x shifted by one
    unigram_perplexity(train_ids, valid_ids, len(vocab))   # the baseline that ignores all context

Token ids are int64 arrays in ``[0, V)``, ``V = len(vocab)``; a model reads ``x: (B, T)`` ids and
returns logits ``(B, T, V)`` for the next character. Perplexity is ``exp`` of the mean
cross-entropy in nats per character.

The model itself is learning, not data: training, evaluating, sampling from and scoring it
(``train_char_model``, ``evaluate_char_model``, ``sample`` with its ``softmax_with_temperature``,
``mean_log_likelihood``) are in :mod:`course_utils.learning.charmodel`. Sequence classification (synthetic reviews, where word
order decides the label) lives in :mod:`course_utils.data.reviews`.

Every function checks its inputs: a wrong type raises ``TypeError``, a wrong value, shape or an
item outside the vocabulary ``ValueError`` (ids that are not integers: ``TypeError`` from
``Vocab.decode``, ``ValueError`` elsewhere), a missing corpus ``FileNotFoundError``; each message
names the argument, what was expected and what was received.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from course_utils._checks import (
    check_number,
    check_type,
    id_array,
    positive_int,
)
from course_utils._paths import find_root

__all__ = ["PYTHON_VERSION", "CORPUS_DIR", "TRAIN_FILES", "VALID_FILES", "Corpus", "load_python_corpus",
           "Vocab", "char_batches", "unigram_probs", "unigram_perplexity"]

PYTHON_VERSION = "3.11.7"
CORPUS_DIR = Path("notebooks") / "data" / "python_stdlib"
TRAIN_FILES = ("bisect.py", "cmd.py", "contextlib.py", "copy.py", "glob.py", "pprint.py",
               "queue.py", "string.py", "textwrap.py")
VALID_FILES = ("fnmatch.py", "graphlib.py")   # whole held-out files: no window of them is seen in training


@dataclass(frozen=True)
class Corpus:
    """Training and validation text; ``files`` maps each file name to ``"train"`` or ``"valid"``."""

    train: str
    valid: str
    files: dict


def _data_root(root) -> Path:
    if root is not None:
        check_type(root, "root", (str, Path), "a folder path (str or pathlib.Path) or None")
        if not Path(root).is_dir():
            raise FileNotFoundError(f"root={str(root)!r} is not a folder: expected the folder holding the "
                                    f"corpus files {TRAIN_FILES[0]}, ...")
        return Path(root)
    return find_root() / CORPUS_DIR


def load_python_corpus(root=None) -> Corpus:
    """Concatenate the shipped standard-library files (see ``notebooks/data/README.md``).

    ``root``: the folder holding the ``.py`` files (default: ``notebooks/data/python_stdlib`` of
    the course). Files are joined in the order of ``TRAIN_FILES`` / ``VALID_FILES``.
    Raises TypeError when ``root`` is not a path, FileNotFoundError when the folder or one of the
    files is missing.
    """
    folder = _data_root(root)
    texts = {}
    for name in TRAIN_FILES + VALID_FILES:
        path = folder / name
        if not path.is_file():
            raise FileNotFoundError(f"corpus file {name} is missing from {folder}: expected the "
                                    f"Python {PYTHON_VERSION} standard-library snapshot shipped with the course")
        texts[name] = path.read_text(encoding="utf-8")
    files = {name: "train" for name in TRAIN_FILES} | {name: "valid" for name in VALID_FILES}
    return Corpus(train="".join(texts[n] for n in TRAIN_FILES),
                  valid="".join(texts[n] for n in VALID_FILES), files=files)


class Vocab:
    """A fixed list of items (characters or words) and their ids ``0 .. len-1``.

    ``encode`` maps a string (one item per character) or a list of words to an int64 array;
    ``decode`` maps ids back (a string when the items are characters, else a list).
    Raises TypeError when ``items`` is not an iterable of hashable items, ValueError when an item
    repeats.
    """

    def __init__(self, items):
        try:
            self.items = tuple(items)
            distinct = set(self.items)
        except TypeError as exc:
            raise TypeError(f"items must be an iterable of hashable items (characters or words), got "
                            f"{type(items).__name__} ({exc})") from None
        if len(distinct) != len(self.items):
            raise ValueError("items must be distinct: the vocabulary lists each item once")
        self.index = {item: i for i, item in enumerate(self.items)}

    @classmethod
    def from_items(cls, sequence, specials=()) -> "Vocab":
        """``specials`` first (e.g. ``("<pad>",)`` gets id 0), then the sorted distinct items of
        ``sequence``. Raises TypeError when the items are not hashable and mutually comparable or
        ``specials`` is a string (not a tuple of items)."""
        try:
            rest = sorted(set(sequence) - set(specials))
        except TypeError as exc:
            raise TypeError(f"sequence must be an iterable of hashable, mutually comparable items (str "
                            f"characters or words), got {type(sequence).__name__} ({exc})") from None
        if isinstance(specials, str):
            raise TypeError(f"specials must be a tuple of items such as ('<pad>',), got the string {specials!r}")
        return cls(tuple(specials) + tuple(rest))

    def __len__(self) -> int:
        return len(self.items)

    def __repr__(self) -> str:
        return f"Vocab({len(self)} items)"

    def encode(self, sequence, name: str = "sequence") -> np.ndarray:
        """int64 ids ``(len(sequence),)`` of a string (one item per character) or a list of items;
        ``name`` names the argument in error messages. Raises TypeError when ``sequence`` is not a
        string or a list of hashable items, ValueError when it holds an item not in the vocabulary."""
        if isinstance(sequence, (bytes, np.ndarray)) or not hasattr(sequence, "__iter__"):
            raise TypeError(f"{name} must be a string or a list of items, got {type(sequence).__name__}")
        try:
            return np.fromiter((self.index[item] for item in sequence), dtype=np.int64)
        except KeyError as exc:
            raise ValueError(f"{name} contains {exc.args[0]!r}: {exc.args[0]!r} is not in the vocabulary of "
                             f"{len(self)} items: expected only items seen when the vocabulary was built") from None
        except TypeError as exc:
            raise TypeError(f"{name} must hold hashable items (characters or words), got {exc}") from None

    def decode(self, ids):
        """Items of integer ids in ``[0, len(vocab))`` (any shape, read in order): a string when the
        items are characters, else a list. Raises TypeError when ``ids`` are not integers (floats,
        booleans, a string), ValueError when an id is negative or ``>= len(vocab)``."""
        ids = id_array(ids, "ids", ndim=None, vocab_size=len(self))
        items = [self.items[i] for i in ids.ravel()]
        return "".join(items) if all(isinstance(x, str) and len(x) == 1 for x in self.items) else items


def _ids(ids, name: str, vocab_size: int | None = None) -> np.ndarray:
    try:
        return id_array(ids, name, ndim=1, vocab_size=vocab_size)
    except TypeError as exc:        # wrong dtype or type: same wording as a wrong shape
        raise ValueError(f"{exc}; expected a 1-D array of int ids") from None


def char_batches(ids, seq_len: int = 64, batch_size: int = 32):
    """A ``batch_fn(step, rng)`` for :func:`course_utils.learning.training.train`: random windows of the text.

    ``ids``: int ids ``(N,)``, N > ``seq_len + 1``. ``batch_fn`` returns ``(x, y)``, both ``(B, T) =
    (batch_size, seq_len)`` int64 tensors, with ``y[:, t] = x[:, t + 1]`` in the text (the next character).
    Raises TypeError when ``seq_len`` or ``batch_size`` is not an integer, ValueError when one is
    below 1, or ``ids`` is not a 1-D array of integer ids or is too short.
    """
    seq_len, batch_size = positive_int(seq_len, "seq_len"), positive_int(batch_size, "batch_size")
    data = torch.from_numpy(_ids(ids, "ids"))
    if len(data) < seq_len + 2:
        raise ValueError(f"ids has {len(data)} items: expected more than seq_len + 1 = {seq_len + 1}")
    offsets = torch.arange(seq_len + 1)

    def batch_fn(step, rng):
        starts = torch.randint(0, len(data) - seq_len - 1, (batch_size,), generator=rng)
        window = data[starts[:, None] + offsets]
        return window[:, :-1], window[:, 1:]
    return batch_fn


def unigram_probs(ids, vocab_size: int, alpha: float = 1.0) -> np.ndarray:
    """Add-``alpha`` smoothed character frequencies ``(V,)``: (count + alpha) / (N + alpha V).

    ``ids``: int ids ``(N,)`` in ``[0, vocab_size)``. Raises TypeError when ``vocab_size`` is not an
    integer or ``alpha`` not a number, ValueError when ``vocab_size < 1``, ``alpha < 0``, ``ids``
    is not a 1-D array of ids below ``vocab_size``, or ``ids`` is empty with ``alpha = 0``.
    """
    vocab_size = positive_int(vocab_size, "vocab_size")
    alpha = check_number(alpha, "alpha", low=0)
    ids = _ids(ids, "ids", vocab_size)
    if alpha == 0 and len(ids) == 0:
        raise ValueError("ids is empty and alpha=0: expected some ids or alpha > 0 (no frequencies to estimate)")
    counts = np.bincount(ids, minlength=vocab_size).astype(np.float64)
    return (counts + alpha) / (counts.sum() + alpha * vocab_size)


def unigram_perplexity(train_ids, valid_ids, vocab_size: int, alpha: float = 1.0) -> float:
    """Perplexity on ``valid_ids`` of the unigram model fitted on ``train_ids``: the best a model
    that ignores all context can do (up to smoothing). exp(-mean_t log p(x_t)).

    ``train_ids`` ``(N,)``, ``valid_ids`` ``(M,)``: int ids in ``[0, vocab_size)``; returns a float
    (inf when ``alpha = 0`` and a validation id never occurs in training). Raises as
    :func:`unigram_probs` does, and ValueError when ``valid_ids`` is empty.
    """
    p = unigram_probs(train_ids, vocab_size, alpha)
    valid = _ids(valid_ids, "valid_ids", len(p))
    if len(valid) == 0:
        raise ValueError("valid_ids is empty: expected at least one id to score")
    with np.errstate(divide="ignore"):     # alpha = 0 and an unseen id: perplexity inf, as it should be
        return float(np.exp(-np.log(p[valid]).mean()))
