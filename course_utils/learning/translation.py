"""A translation-like task for the language chapter (7, Section 7.6): dates to ISO 8601.

The source is a date written the way people write it ("3 March 1998", "3/3/98",
"Tuesday, March 3, 1998", ...), the target the same date as ``1998-03-03``. The data are
generated, so every target is known to be right, and the task needs what translation needs:
reading a variable-length sequence, reordering (the year comes first in the target) and
looking words up (``March`` -> ``03``), while the weekday must be ignored.

A character-level encoder-decoder::

    train_set = make_dates(4000, seed=0)
    test_set = make_dates(1000, seed=1, exclude=train_set.sources)
    x, y = encode_sources(train_set.sources), encode_targets(train_set.targets)
    model = DateTranslator(len(SOURCE_VOCAB), len(TARGET_VOCAB))
    history = train_translator(model, x, y, steps=300)
    pred = decode_targets(greedy_decode(model, encode_sources(test_set.sources)))
    exact_match(pred, test_set.targets)

Layout is time first, as ``torch.nn.GRU`` without ``batch_first``: sources ``x: (S, B)``
int64 ids, padded on the left with id 0 so that every row's last step is its last character;
targets ``y: (T, B)`` with ``T = TARGET_LENGTH = 10`` (an ISO date always has ten characters,
so the decoder writes exactly ten and needs no end symbol).
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from course_utils._checks import check_type, id_array, nonnegative_int, positive_int
from course_utils.data.text import Vocab
from course_utils.learning.training import TrainConfig, train

__all__ = ["FIRST_DATE", "LAST_DATE", "MONTHS", "WEEKDAYS", "FORMATS", "TARGET_LENGTH", "PAD", "START",
           "SOURCE_VOCAB", "TARGET_VOCAB", "DatePairs", "write_date", "make_dates", "encode_sources",
           "encode_targets", "decode_targets", "teacher_forcing_inputs", "DateTranslator", "teacher_forcing_loss",
           "greedy_decode", "train_translator", "exact_match", "most_frequent_target"]

FIRST_DATE, LAST_DATE = dt.date(1950, 1, 1), dt.date(2049, 12, 31)
# Two-digit years: 50-99 are 1950-1999, 00-49 are 2000-2049 (the range above), so "98" is unambiguous.
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
FORMATS = {
    "3 March 1998": lambda d: f"{d.day} {MONTHS[d.month - 1]} {d.year}",
    "March 3, 1998": lambda d: f"{MONTHS[d.month - 1]} {d.day}, {d.year}",
    "Tuesday, March 3, 1998": lambda d: (f"{WEEKDAYS[d.weekday()]}, {MONTHS[d.month - 1]} "
                                         f"{d.day}, {d.year}"),
    "3 Mar 98": lambda d: f"{d.day} {MONTHS[d.month - 1][:3]} {d.year % 100:02d}",
    "03.03.1998": lambda d: f"{d.day:02d}.{d.month:02d}.{d.year}",          # day first
    "3/3/98": lambda d: f"{d.month}/{d.day}/{d.year % 100:02d}",             # month first (US)
}
TARGET_LENGTH = 10
PAD, START = "<pad>", "<s>"
SOURCE_VOCAB = Vocab.from_items("".join(MONTHS + WEEKDAYS) + "0123456789 ,./", specials=(PAD,))
TARGET_VOCAB = Vocab((START, "-", *"0123456789"))


@dataclass(frozen=True)
class DatePairs:
    """``sources[i]`` is ``dates[i]`` written in the format named ``formats[i]`` (a key of
    :data:`FORMATS`); ``targets[i]`` is ``dates[i].isoformat()``."""

    sources: tuple
    targets: tuple
    formats: tuple
    dates: tuple

    def __len__(self) -> int:
        return len(self.sources)


def write_date(date, fmt: str) -> str:
    """``date`` (a ``datetime.date`` from 1950 to 2049) written in the format named ``fmt``, a string.

    Raises TypeError when date is not a datetime.date (a datetime.datetime included), ValueError when
    it lies outside 1950-2049 or fmt is not a key of :data:`FORMATS`.
    """
    check_type(date, "date", dt.date, "a datetime.date")
    if isinstance(date, dt.datetime):
        raise TypeError(f"date must be a datetime.date, got datetime {date!r} (pass its .date())")
    if not FIRST_DATE <= date <= LAST_DATE:
        raise ValueError(f"date must lie between {FIRST_DATE} and {LAST_DATE} (two-digit years are "
                         f"read in that range), got {date}")
    if not isinstance(fmt, str) or fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {tuple(FORMATS)}, got {fmt!r}")
    return FORMATS[fmt](date)


def make_dates(n: int, seed: int = 0, formats=None, exclude=()) -> DatePairs:
    """``n`` (source, target) pairs: a date drawn uniformly from 1950-01-01 to 2049-12-31 and a
    format drawn uniformly from ``formats`` (default: all of :data:`FORMATS`), with
    ``np.random.default_rng(seed)``: same arguments, same pairs. Sources listed in ``exclude``
    (e.g. a training set's) are drawn again, so a held-out set shares no source with it.

    Raises TypeError for a non-integer n or seed, formats that are not a non-empty tuple or list, or
    an exclude that is not a collection of strings; ValueError for n < 1, a negative seed, an unknown
    format name, or n larger than the distinct pairs left after ``exclude``.
    """
    n, seed = positive_int(n, "n"), nonnegative_int(seed, "seed")
    formats = tuple(FORMATS) if formats is None else formats
    if isinstance(formats, str) or not isinstance(formats, (tuple, list)) or not formats:
        raise TypeError(f"formats must be a non-empty tuple of format names from {tuple(FORMATS)}, "
                        f"got {formats!r}")
    for name in formats:
        if not isinstance(name, str) or name not in FORMATS:
            raise ValueError(f"formats contains {name!r}: expected names from {tuple(FORMATS)}")
    exclude = _excluded_sources(exclude)
    rng, days = np.random.default_rng(seed), (LAST_DATE - FIRST_DATE).days + 1
    if n > days * len(formats) - len(exclude):
        raise ValueError(f"n={n} is more than the distinct pairs left ({days * len(formats)} minus "
                         f"{len(exclude)} excluded)")
    rows = []
    while len(rows) < n:
        date = FIRST_DATE + dt.timedelta(days=int(rng.integers(days)))
        fmt = formats[int(rng.integers(len(formats)))]
        source = FORMATS[fmt](date)
        if source not in exclude:
            rows.append((source, date.isoformat(), fmt, date))
    return DatePairs(*map(tuple, zip(*rows)))


def _excluded_sources(exclude) -> set:
    """``exclude`` as a set of strings, or a clear error naming it."""
    if isinstance(exclude, (str, bytes)) or not isinstance(exclude, Iterable):
        got = "a single string" if isinstance(exclude, str) else f"{type(exclude).__name__} {exclude!r}"
        raise TypeError("exclude must be a collection of source strings (e.g. a training set's "
                        f".sources), got {got}")
    exclude = list(exclude)
    for item in exclude:
        if not isinstance(item, str):
            raise TypeError(f"exclude contains {type(item).__name__} {item!r}: expected source "
                            "strings such as '3 March 1998'")
    return set(exclude)


def encode_sources(sources, vocab: Vocab = SOURCE_VOCAB) -> torch.Tensor:
    """Ids ``(S, B)`` int64 of ``B`` strings, ``S`` = the longest; shorter ones are padded on the
    left with the pad id 0, so that row ``S - 1`` holds every string's last character.

    Raises TypeError when sources is not a list or tuple of strings or vocab not a Vocab, ValueError
    when sources is empty or a string holds a character outside ``vocab``.
    """
    sources = _strings(sources, "sources")
    check_type(vocab, "vocab", Vocab, "a course_utils.data.text.Vocab")
    S = max(len(s) for s in sources)
    ids = np.zeros((S, len(sources)), dtype=np.int64)
    for b, s in enumerate(sources):
        if s:
            ids[S - len(s):, b] = vocab.encode(s, f"sources[{b}]")
    return torch.from_numpy(ids)


def encode_targets(targets) -> torch.Tensor:
    """Ids ``(T, B)`` int64 of ``B`` ISO dates, ``T = TARGET_LENGTH``.

    Raises TypeError when targets is not a list or tuple of strings, ValueError when it is empty or a
    target does not have ``TARGET_LENGTH`` characters of :data:`TARGET_VOCAB`.
    """
    targets = _strings(targets, "targets")
    for b, t in enumerate(targets):
        if len(t) != TARGET_LENGTH:
            raise ValueError(f"targets[{b}] = {t!r} has {len(t)} characters: expected an ISO date "
                             f"of {TARGET_LENGTH}, e.g. '1998-03-03'")
    return torch.from_numpy(np.stack([TARGET_VOCAB.encode(t, "targets") for t in targets], axis=1))


def decode_targets(ids) -> list:
    """The ``B`` strings of target ids ``(T, B)`` (NumPy or torch integers; a start symbol, never a
    target, reads ``?``): a list of B strings of T characters.

    Raises TypeError when ids are not integers, ValueError when they are not 2-D or an id lies outside
    [0, len(TARGET_VOCAB)).
    """
    ids = id_array(ids, "ids", ndim=2, vocab_size=len(TARGET_VOCAB))
    chars = np.array(["?" if item == START else item for item in TARGET_VOCAB.items])
    return ["".join(col) for col in chars[ids].T]


def teacher_forcing_inputs(y: torch.Tensor) -> torch.Tensor:
    """The decoder's inputs ``(T, B)`` under teacher forcing: the start id, then the correct
    target shifted by one step (``y[:-1]``), so step t reads the right character t - 1.

    Raises TypeError when y is not a torch tensor, ValueError when it is not (T, B) int64 with T, B >= 1
    or holds an id outside the target vocabulary.
    """
    _check_ids(y, "y", len(TARGET_VOCAB))
    start = torch.full((1, y.shape[1]), TARGET_VOCAB.index[START], dtype=y.dtype, device=y.device)
    return torch.cat([start, y[:-1]])


class DateTranslator(nn.Module):
    """Encoder-decoder: ``Embedding -> GRU`` reads the source into its last state ``c``
    ``(1, B, H)``; a second ``Embedding -> GRU -> Linear`` starts from ``c`` and writes the
    target one character per step.

    ``forward(x, y_in)``: sources ``x: (S, B)`` and decoder inputs ``y_in: (T, B)`` (under
    teacher forcing, :func:`teacher_forcing_inputs`) -> logits ``(T, B, V_target)``.

    Raises TypeError when a size is not an integer, ValueError when one is < 1.
    """

    def __init__(self, source_vocab_size: int, target_vocab_size: int, embed_size: int = 16,
                 hidden_size: int = 64):
        super().__init__()
        self.source_vocab_size = positive_int(source_vocab_size, "source_vocab_size")
        self.target_vocab_size = positive_int(target_vocab_size, "target_vocab_size")
        embed_size = positive_int(embed_size, "embed_size")
        hidden_size = positive_int(hidden_size, "hidden_size")
        self.source_embedding = nn.Embedding(self.source_vocab_size, embed_size)
        self.encoder = nn.GRU(embed_size, hidden_size)
        self.target_embedding = nn.Embedding(self.target_vocab_size, embed_size)
        self.decoder = nn.GRU(embed_size + hidden_size, hidden_size)
        self.head = nn.Linear(hidden_size, self.target_vocab_size)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """The encoder's last state ``c: (1, B, H)`` for sources ``x: (S, B)``.

        Raises TypeError when x is not a torch tensor, ValueError when it is not (S, B) int64 with S, B >= 1
        or holds an id outside the source vocabulary.
        """
        _check_ids(x, "x", self.source_vocab_size)
        return self.encoder(self.source_embedding(x))[1]

    def decode(self, y_in: torch.Tensor, state: torch.Tensor, c: torch.Tensor):
        """Logits ``(T, B, V_target)`` and the last state ``(1, B, H)`` after reading ``y_in:
        (T, B)`` from ``state: (1, B, H)`` (T = 1 is one step of greedy decoding). Every step
        also reads the encoder's summary ``c: (1, B, H)`` next to its input character.

        Raises TypeError when y_in is not a torch tensor, ValueError when it is not (T, B) int64 ids of
        the target vocabulary or state or c is not a tensor of shape (1, B, H).
        """
        _check_ids(y_in, "y_in", self.target_vocab_size)
        shape = (1, y_in.shape[1], self.decoder.hidden_size)
        for name, value in (("state", state), ("c", c)):
            if not isinstance(value, torch.Tensor) or tuple(value.shape) != shape:
                got = tuple(value.shape) if isinstance(value, torch.Tensor) else type(value).__name__
                raise ValueError(f"{name} must be a tensor of shape {shape} (1, B, H), got {got}")
        inputs = torch.cat([self.target_embedding(y_in), c.expand(len(y_in), -1, -1)], dim=-1)
        out, state = self.decoder(inputs, state)
        return self.head(out), state

    def forward(self, x: torch.Tensor, y_in: torch.Tensor) -> torch.Tensor:
        """Logits ``(T, B, target_vocab_size)`` for sources ``x: (S, B)`` and decoder inputs ``y_in: (T, B)``
        (the targets shifted right behind the start id, as :func:`teacher_forcing_inputs` makes them).

        The encoder's summary ``c`` is both the decoder's first state and its context at every step.
        Raises TypeError when ``x`` or ``y_in`` is not a tensor, ValueError when it is not 2-D int64, holds an
        id outside its vocabulary, or when ``x`` and ``y_in`` differ in B."""
        c = self.encode(x)
        _check_ids(y_in, "y_in", self.target_vocab_size)
        if y_in.shape[1] != x.shape[1]:
            raise ValueError(f"x has B = {x.shape[1]} sequences but y_in has {y_in.shape[1]}: "
                             "expected one decoder input per source")
        return self.decode(y_in, c, c)[0]


def teacher_forcing_loss(model: DateTranslator, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy (nats per character) of ``model`` on targets ``y: (T, B)`` when every
    decoder step reads the correct previous character; ``x: (S, B)``. A 0-D tensor.

    Raises TypeError when model is not a DateTranslator or x or y is not a torch tensor, ValueError
    when x or y is not 2-D int64 ids of its vocabulary or they differ in B.
    """
    check_type(model, "model", DateTranslator, "a DateTranslator")
    logits = model(x, teacher_forcing_inputs(y))
    return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))


def greedy_decode(model: DateTranslator, x: torch.Tensor, length: int = TARGET_LENGTH) -> torch.Tensor:
    """Target ids ``(length, B)`` for sources ``x: (S, B)``: start from the encoder's state and
    the start id, and at every step feed back the arg-max of the previous step (no teacher).
    Runs without gradients, in ``eval()`` mode (restored afterwards).

    Raises TypeError when model is not a DateTranslator, x not a torch tensor or length not an
    integer; ValueError when x is not (S, B) int64 ids of the source vocabulary or length < 1.
    """
    check_type(model, "model", DateTranslator, "a DateTranslator")
    length = positive_int(length, "length")
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            c = state = model.encode(x)
            y = torch.full((1, x.shape[1]), TARGET_VOCAB.index[START], dtype=torch.int64, device=x.device)
            out = []
            for _ in range(length):
                logits, state = model.decode(y, state, c)
                y = logits.argmax(-1)            # (1, B)
                out.append(y[0])
    finally:
        model.train(was_training)
    return torch.stack(out)


def train_translator(model: DateTranslator, x: torch.Tensor, y: torch.Tensor, steps: int = 300,
                     batch_size: int = 64, lr: float = 1e-2, seed: int = 0):
    """Train ``model`` in place with Adam (gradient norm clipped at 1) on random batches of the
    columns of ``x: (S, B)`` and ``y: (T, B)``, minimising :func:`teacher_forcing_loss`; returns
    the :class:`course_utils.learning.training.History` (on the CPU: the result does not depend on a GPU).

    Raises TypeError when model is not a DateTranslator, x or y not a torch tensor, steps, batch_size
    or seed not an integer or lr not a number; ValueError when x or y is not 2-D int64 ids of its
    vocabulary, they differ in the number of columns, steps or batch_size < 1, lr <= 0 or seed < 0.
    """
    check_type(model, "model", DateTranslator, "a DateTranslator")
    _check_ids(x, "x", model.source_vocab_size)
    _check_ids(y, "y", model.target_vocab_size)
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"x has {x.shape[1]} sequences (columns) but y has {y.shape[1]}: expected "
                         "one target per source")
    batch_size = positive_int(batch_size, "batch_size")

    def batch_fn(step, rng):
        cols = torch.randint(0, x.shape[1], (batch_size,), generator=rng)
        return x[:, cols], y[:, cols]

    config = TrainConfig(steps=steps, lr=lr, clip=1.0, seed=nonnegative_int(seed, "seed"),
                         device="cpu", progress=False)
    history = train(model, batch_fn, teacher_forcing_loss, config)
    model.eval()
    return history


def exact_match(predictions, targets) -> float:
    """The fraction (in [0, 1]) of ``predictions`` equal, character for character, to ``targets``;
    both are lists or tuples of B strings.

    Raises TypeError when either is not a list or tuple of strings, ValueError when either is empty
    or they differ in length.
    """
    predictions, targets = _strings(predictions, "predictions"), _strings(targets, "targets")
    if len(predictions) != len(targets):
        raise ValueError(f"predictions has {len(predictions)} strings but targets has {len(targets)}: "
                         "expected one prediction per target")
    return float(np.mean([p == t for p, t in zip(predictions, targets)]))


def most_frequent_target(targets) -> str:
    """The target that occurs most often in ``targets`` (the first of those tied): the trivial
    baseline that answers it whatever the source.

    Raises TypeError when targets is not a list or tuple of strings, ValueError when it is empty.
    """
    return Counter(_strings(targets, "targets")).most_common(1)[0][0]


def _strings(values, name: str) -> list:
    if isinstance(values, str) or not isinstance(values, (list, tuple)):
        raise TypeError(f"{name} must be a list or tuple of strings, got {type(values).__name__}")
    if not values:
        raise ValueError(f"{name} is empty: expected at least one string")
    for i, v in enumerate(values):
        if not isinstance(v, str):
            raise TypeError(f"{name}[{i}] must be a string, got {type(v).__name__} {v!r}")
    return list(values)


def _check_ids(ids, name: str, vocab_size: int) -> None:
    if not isinstance(ids, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor of int64 ids (T, B), got {type(ids).__name__}")
    if ids.dtype != torch.int64 or ids.dim() != 2 or min(ids.shape) < 1:
        raise ValueError(f"{name} has shape {tuple(ids.shape)} and dtype {ids.dtype}: expected int64 "
                         "ids of shape (T, B) with T, B >= 1")
    if int(ids.min()) < 0 or int(ids.max()) >= vocab_size:
        raise ValueError(f"{name} contains the id {int(ids.min()) if int(ids.min()) < 0 else int(ids.max())}"
                         f": expected ids in [0, {vocab_size})")
