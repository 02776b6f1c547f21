"""Parameters of the recurrent cells in PyTorch's fused layout.

A cell with input size ``D``, hidden size ``H`` and ``G`` gates keeps four arrays::

    weight_ih (G*H, D)   W_ih, input weights of all gates stacked row-wise
    weight_hh (G*H, H)   W_hh, recurrent weights of all gates stacked row-wise
    bias_ih   (G*H,)     b_ih
    bias_hh   (G*H,)     b_hh

with ``G = 1`` for the vanilla RNN, ``G = 4`` for the LSTM (gates i, f, g, o, in this
order) and ``G = 3`` for the GRU (gates r, z, n). One matrix product
``x_t @ W_ih.T + h_{t-1} @ W_hh.T`` therefore computes the pre-activations of every
gate at once. ``params.gate("f")`` cuts out the rows of one gate, so a chapter can write
the per-gate form ``W_f [h_{t-1}, x_t] + b_f`` and check that it is the same computation.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from course_utils._checks import check_bool, check_choice, check_int, nonnegative_int, positive_int

GATE_NAMES = {"rnn": ("h",), "lstm": ("i", "f", "g", "o"), "gru": ("r", "z", "n")}
"""Gate names of each cell kind in PyTorch's fused order: the one source of the kinds, the gate
names and the gate counts G (``gate_count``)."""
KINDS = tuple(GATE_NAMES)
NONLINEARITIES = ("tanh", "relu")
ARRAY_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
"""The four arrays of every cell, in PyTorch's names and order."""

__all__ = ["GATE_NAMES", "KINDS", "NONLINEARITIES", "ARRAY_NAMES", "gate_count", "gate_rows", "gate_views",
           "parameter_count", "GateView", "CellParams", "init_params", "input_projection", "sigmoid",
           "fused_grads", "zero_grads", "add_grads", "CHUNK", "reverse_chunks"]


def gate_count(kind: str) -> int:
    """G, the number of gate blocks stacked in the fused weights: 1 (rnn), 4 (lstm), 3 (gru).

    Raises ValueError naming ``kind`` when it is not one of ``KINDS``.
    """
    if not isinstance(kind, str) or kind not in GATE_NAMES:
        raise ValueError(f"kind is {kind!r}: expected one of {sorted(GATE_NAMES)}")
    return len(GATE_NAMES[kind])


def gate_rows(kind: str, name: str, H: int) -> slice:
    """The slice kH:(k+1)H that holds gate ``name`` of a ``kind`` cell in a gate-stacked axis of length G*H,
    e.g. ``gate_rows("lstm", "f", H)`` is ``slice(H, 2H)`` (k is the gate's place in ``GATE_NAMES[kind]``).

    Raises ValueError for an unknown kind, a gate name the kind does not have or H < 0, TypeError for a
    non-integer H.
    """
    gate_count(kind)
    if name not in GATE_NAMES[kind]:
        raise ValueError(f"name is {name!r}: expected one of {GATE_NAMES[kind]} for a {kind}")
    H = nonnegative_int(H, "H")
    k = GATE_NAMES[kind].index(name)
    return slice(k * H, (k + 1) * H)


def gate_views(A: np.ndarray, kind: str) -> dict[str, np.ndarray]:
    """The gate blocks of a gate-stacked array as named views, e.g. {"i": …, "f": …, "g": …, "o": …}.

    A (…, G*H) with the gates of ``kind`` in PyTorch's order (``GATE_NAMES[kind]``), gate k in
    columns kH:(k+1)H; each view is (…, H) and shares memory with ``A`` (a NumPy array or a torch tensor).

    Raises TypeError when ``A`` is not an array (has no shape), ValueError when it is 0-D, ``kind`` is
    unknown or the last axis is not a multiple of the number of gates.
    """
    G = gate_count(kind)
    if not hasattr(A, "shape"):
        raise TypeError(f"A must be a NumPy array (…, G*H), got {type(A).__name__}")
    if len(A.shape) == 0:
        raise ValueError(f"A has shape {tuple(A.shape)}: expected at least 1-D (…, G*H)")
    if A.shape[-1] % G:
        raise ValueError(f"A must have a last axis of G*H = {G}*H for {kind!r}, got shape {A.shape}")
    H = A.shape[-1] // G
    return {name: A[..., gate_rows(kind, name, H)] for name in GATE_NAMES[kind]}


def parameter_count(kind: str, D: int, H: int, num_layers: int = 1, bidirectional: bool = False,
                    biases: int = 2) -> int:
    """Trainable parameters of ``torch.nn.RNN/GRU/LSTM(D, H, num_layers, bidirectional=...)``:
    the one formula the course uses (``cost``, ``models`` and the tests call this).

    Per layer and direction: ``G * (H * (D_l + H) + biases * H)`` where ``D_l = D`` for the
    first layer and ``dirs * H`` above it (the layer reads both directions' states);
    ``biases`` is 2 (b_ih and b_hh, PyTorch), 1 (one folded bias) or 0 (``bias=False``).

    Raises ValueError for an unknown kind, a size < 1 or ``biases`` outside 0..2; TypeError for a
    non-integer size or ``biases``, or a ``bidirectional`` that is not True/False.
    """
    G = gate_count(kind)
    D, H, num_layers = (positive_int(v, n) for v, n in ((D, "D"), (H, "H"), (num_layers, "num_layers")))
    check_bool(bidirectional, "bidirectional")
    biases = check_int(biases, "biases", minimum=0, maximum=2)
    dirs = 2 if bidirectional else 1
    return sum(dirs * G * (H * ((D if layer == 0 else dirs * H) + H) + biases * H)
               for layer in range(num_layers))


def _shapes(kind: str, D: int, H: int) -> dict[str, tuple[int, ...]]:
    """The shape of each array of a ``kind`` cell with input size D and hidden size H, in ``ARRAY_NAMES`` order."""
    GH = gate_count(kind) * H
    return dict(zip(ARRAY_NAMES, ((GH, D), (GH, H), (GH,), (GH,))))


@dataclass
class GateView:
    """The parameters of one gate: views into the fused arrays (writing to them writes the cell).

    ``W_ih (H, D)``, ``W_hh (H, H)``, ``b_ih (H,)``, ``b_hh (H,)``. ``W_concat (H, H+D)`` is
    ``[W_hh | W_ih]``, the matrix ``W`` of ``W [h_{t-1}, x_t]``, and ``b = b_ih + b_hh``
    (both are new arrays, not views).
    """

    name: str
    W_ih: np.ndarray
    W_hh: np.ndarray
    b_ih: np.ndarray
    b_hh: np.ndarray

    @property
    def W_concat(self) -> np.ndarray:
        """``[W_hh | W_ih]`` (H, H+D), a new array."""
        return np.concatenate([self.W_hh, self.W_ih], axis=1)

    @property
    def b(self) -> np.ndarray:
        """``b_ih + b_hh`` (H,), a new array."""
        return self.b_ih + self.b_hh


@dataclass(frozen=True)
class CellParams:
    """Weights of one RNN / LSTM / GRU layer (one direction) in PyTorch's fused layout.

    kind: "rnn" | "lstm" | "gru"; nonlinearity: "tanh" | "relu" (relu for the rnn only);
    reset_after (gru only): True applies the reset gate after the recurrent product,
    ``r ⊙ (W_hn h + b_hn)``, as ``torch.nn.GRU`` and cuDNN do; False applies it before,
    ``W_hn (r ⊙ h) + b_hn``, as the original GRU (see ``course_utils.cells.gru``). The name is Keras'.
    Arrays: weight_ih (G*H, D), weight_hh (G*H, H), bias_ih (G*H,), bias_hh (G*H,).

    Frozen: fields cannot be reassigned after validation (``p.replace(...)`` makes a new,
    validated object); the arrays' entries can still be written in place, e.g. through
    ``p.gate("f").b_ih``.

    The arrays are read with ``np.asarray``. Raises TypeError when reset_after is not True/False;
    ValueError for an unknown kind or nonlinearity (relu for a gated cell), reset_after=False for
    another kind than the gru, a dtype other than float32/float64, arrays of other shapes than above
    or of different dtypes, or nan/inf. Each names the field.
    """

    kind: str
    weight_ih: np.ndarray
    weight_hh: np.ndarray
    bias_ih: np.ndarray
    bias_hh: np.ndarray
    nonlinearity: str = "tanh"
    reset_after: bool = True

    def __post_init__(self):
        if not isinstance(self.kind, str) or self.kind not in GATE_NAMES:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r}")
        if not isinstance(self.nonlinearity, str) or self.nonlinearity not in NONLINEARITIES:
            raise ValueError(f"nonlinearity must be one of {NONLINEARITIES}, got {self.nonlinearity!r}")
        if self.nonlinearity != "tanh" and self.kind != "rnn":
            raise ValueError(f"nonlinearity must be 'tanh' for a {self.kind} (only the rnn takes 'relu'), "
                             f"got {self.nonlinearity!r}")
        if not isinstance(self.reset_after, (bool, np.bool_)):
            raise TypeError(f"reset_after must be True or False, got {self.reset_after!r}")
        if not self.reset_after and self.kind != "gru":
            raise ValueError(f"reset_after=False applies to the gru only: expected True for a {self.kind}")
        object.__setattr__(self, "reset_after", bool(self.reset_after))
        for name in ARRAY_NAMES:                       # frozen: set the validated arrays once, here
            object.__setattr__(self, name, np.asarray(getattr(self, name)))
        dtype = self.weight_ih.dtype
        if dtype not in (np.float32, np.float64):
            raise ValueError(f"weight_ih has dtype {dtype}: expected float32 or float64")
        if self.weight_ih.ndim != 2:
            raise ValueError(f"weight_ih has shape {self.weight_ih.shape}: expected (G*H, D), a matrix")
        G = gate_count(self.kind)
        GH, D = self.weight_ih.shape
        if GH % G:
            raise ValueError(f"weight_ih has shape {self.weight_ih.shape}: its rows must be {G}*H for a {self.kind}")
        H = GH // G
        for name, shape in _shapes(self.kind, D, H).items():
            a = getattr(self, name)
            if a.shape != shape:
                raise ValueError(f"{name} has shape {a.shape}: expected {shape} for a {self.kind} with D={D}, H={H}")
            if a.dtype != dtype:
                raise ValueError(f"{name} has dtype {a.dtype} but weight_ih has dtype {dtype}: expected {dtype}")
            if not np.all(np.isfinite(a)):
                raise ValueError(f"{name} contains non-finite values (nan or inf): expected finite numbers")

    @property
    def gates(self) -> tuple[str, ...]:
        """Gate names in fused order: ("h",), ("i", "f", "g", "o") or ("r", "z", "n")."""
        return GATE_NAMES[self.kind]

    @property
    def G(self) -> int:
        """The number of gate blocks (1, 4 or 3)."""
        return len(self.gates)

    @property
    def D(self) -> int:
        """Input size."""
        return self.weight_ih.shape[1]

    @property
    def H(self) -> int:
        """Hidden size."""
        return self.weight_hh.shape[1]

    @property
    def dtype(self) -> np.dtype:
        """The arrays' dtype (float32 or float64)."""
        return self.weight_ih.dtype

    def gate(self, name: str | None = None) -> GateView:
        """Per-gate views, e.g. ``params.gate("f").W_ih`` is ``weight_ih[H:2H]`` for an LSTM.

        For the vanilla RNN the single "gate" is ``"h"`` (``name`` may be omitted).
        Raises ValueError when ``name`` is not one of ``self.gates``.
        """
        if name is None and self.kind == "rnn":
            name = "h"
        if name not in self.gates:
            raise ValueError(f"gate must be one of {self.gates} for a {self.kind}, got {name!r}")
        rows = gate_rows(self.kind, name, self.H)
        return GateView(name, self.weight_ih[rows], self.weight_hh[rows], self.bias_ih[rows], self.bias_hh[rows])

    def as_dict(self) -> dict[str, np.ndarray]:
        """``{"weight_ih": ..., "weight_hh": ..., "bias_ih": ..., "bias_hh": ...}`` (the arrays, not copies)."""
        return {name: getattr(self, name) for name in ARRAY_NAMES}

    def replace(self, **changes) -> "CellParams":
        """A new, validated CellParams with some fields replaced, e.g. ``p.replace(reset_after=False)``.

        Raises TypeError for a name that is not a field, and what :class:`CellParams` raises for the new values.
        """
        unknown = sorted(set(changes) - {f.name for f in dataclasses.fields(self)})
        if unknown:
            raise TypeError(f"replace got the field(s) {unknown}: expected fields of CellParams, "
                            f"{[f.name for f in dataclasses.fields(self)]}")
        return dataclasses.replace(self, **changes)

    def astype(self, dtype) -> "CellParams":
        """A validated copy with every array converted to ``dtype``.

        Raises TypeError for a dtype NumPy does not know, ValueError for one other than float32/float64
        (naming weight_ih) or when an array was given nan or inf in place since construction.
        """
        dtype = _known_dtype(dtype)
        return self.replace(**{k: v.astype(dtype) for k, v in self.as_dict().items()})

    def copy(self) -> "CellParams":
        """A validated copy with copied arrays; raises ValueError when an array was given nan or inf in
        place since construction."""
        return self.replace(**{k: v.copy() for k, v in self.as_dict().items()})


def init_params(kind: str, input_size: int, hidden_size: int, seed: int = 0, dtype=np.float64,
                nonlinearity: str = "tanh", reset_after: bool = True, bias: bool = True) -> CellParams:
    """Random cell parameters drawn like PyTorch: every entry ~ U(-1/sqrt(H), 1/sqrt(H)).

    The draws come from ``np.random.default_rng(seed)`` (weight_ih, weight_hh, bias_ih, bias_hh
    in this order), so they are reproducible but not the numbers torch would draw.
    ``bias=False`` (torch's option of that name) sets both biases to zero; the weights are drawn
    as with biases. Returns arrays weight_ih (G*H, D), weight_hh (G*H, H), biases (G*H,) of ``dtype``.

    Raises TypeError for a non-integer size or seed, a ``bias`` or ``reset_after`` that is not
    True/False, or a dtype NumPy does not know; ValueError for an unknown kind or nonlinearity, a size
    < 1, a negative seed, a dtype other than float32/float64, or what :class:`CellParams` refuses (relu
    for a gated cell, reset_after=False for a non-gru). Each names the argument.
    """
    check_choice(kind, "kind", KINDS)
    dtype = _known_dtype(dtype)
    check_bool(bias, "bias")
    input_size, hidden_size = positive_int(input_size, "input_size"), positive_int(hidden_size, "hidden_size")
    seed = nonnegative_int(seed, "seed")
    rng = np.random.default_rng(seed)
    k = 1.0 / np.sqrt(hidden_size)
    arrays = {name: rng.uniform(-k, k, size=shape).astype(dtype)
              for name, shape in _shapes(kind, input_size, hidden_size).items()}
    if not bias:
        arrays["bias_ih"][:], arrays["bias_hh"][:] = 0, 0
    return CellParams(kind, **arrays, nonlinearity=nonlinearity, reset_after=reset_after)


def _known_dtype(dtype) -> np.dtype:
    """``dtype`` as a NumPy dtype; a TypeError naming it when NumPy does not know it (a dtype other
    than float32/float64 is refused by :class:`CellParams`, naming the array)."""
    try:
        return np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype must be float32 or float64 (e.g. np.float64), got {dtype!r}") from None


def fused_grads(d_ih: np.ndarray, x: np.ndarray, d_hh: np.ndarray, h_in: np.ndarray) -> dict[str, np.ndarray]:
    """Parameter gradients from the pre-activation gradients of N rows (N = B, or T*B stacked).

    d_ih (N, G*H) gradient of ``x @ W_ih.T + b_ih``; x (N, D);
    d_hh (N, G*H) gradient of ``h_in @ W_hh.T + b_hh``; h_in (N, H).
    Sums over all N rows with one matrix product per weight: returns a dict weight_ih (G*H, D),
    weight_hh (G*H, H), bias_ih (G*H,), bias_hh (G*H,).

    Raises TypeError for an argument that is not a NumPy array, ValueError when one is not 2-D or the
    row counts N or the widths of d_ih and d_hh differ (checked only after NumPy refused the products).
    """
    try:
        b_ih = d_ih.sum(axis=0)
        b_hh = b_ih.copy() if d_hh is d_ih else d_hh.sum(axis=0)
        return {"weight_ih": d_ih.T @ x, "weight_hh": d_hh.T @ h_in, "bias_ih": b_ih, "bias_hh": b_hh}
    except (AttributeError, TypeError, ValueError):
        _fused_grads_error(d_ih=d_ih, x=x, d_hh=d_hh, h_in=h_in)
        raise


def _fused_grads_error(**arrays) -> None:
    """Say which argument of :func:`fused_grads` does not fit (called only after NumPy failed)."""
    for name, a in arrays.items():
        if not isinstance(a, np.ndarray):
            raise TypeError(f"{name} must be a NumPy array, got {type(a).__name__}")
        if a.ndim != 2:
            raise ValueError(f"{name} has shape {a.shape}: expected a 2-D array (N, ...)")
    shapes = {name: a.shape for name, a in arrays.items()}
    if len({shape[0] for shape in shapes.values()}) > 1:
        raise ValueError(f"the arguments have shapes {shapes}: expected the same number of rows N")
    if shapes["d_ih"][1] != shapes["d_hh"][1]:
        raise ValueError(f"d_hh has shape {shapes['d_hh']} but d_ih has {shapes['d_ih']}: expected equal widths G*H")


CHUNK = 10
"""Steps per chunk in the cells' backward loops. Each loop walks back through the sequence a
chunk at a time: it stashes the chunk's pre-activation gradients (CHUNK, B, G*H) and turns them
into dx and the weight gradients with one matmul each (:func:`fused_grads`, summed over chunks by
:func:`add_grads`) while they are still in the processor's cache, and it reuses that one
buffer instead of holding (T, B, G*H): the gradient memory no longer grows with T. Speed is
about unchanged: timed against stashing all T steps (2026-11-30, interleaved medians at the
benchmark's shape), the LSTM's and GRU's forward+backward took 0.96-1.0 times as long and the
RNN's 1.02-1.13 times, its per-step work being a quarter of the LSTM's. CHUNK = 10 was the
fastest of 5, 10, 20, 50 and 100 for the LSTM."""


def reverse_chunks(T: int, size: int = CHUNK) -> list[tuple[int, int]]:
    """The steps 0…T-1 as ranges (t0, t1) of at most ``size`` steps, last first: the order of BPTT.

    ``reverse_chunks(25, 10)`` is ``[(15, 25), (5, 15), (0, 5)]``; T = 0 gives ``[]``.
    Raises TypeError for a non-integer T or size, ValueError for T < 0 or size < 1.
    """
    T, size = nonnegative_int(T, "T"), positive_int(size, "size")
    return [(max(0, t1 - size), t1) for t1 in range(T, 0, -size)]


def zero_grads(p: CellParams) -> dict[str, np.ndarray]:
    """Zero gradients shaped like ``p``'s arrays, ``{"weight_ih": (G*H, D), ...}``: where a backward
    loop starts summing its chunks (:func:`add_grads`)."""
    return {name: np.zeros_like(a) for name, a in p.as_dict().items()}


def add_grads(total: dict[str, np.ndarray], part: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Add the gradients ``part`` into ``total`` in place; returns ``total``.

    Both are dicts name -> array with the same keys and the same shape per key (no broadcasting).

    Raises TypeError when either is not a dict or a part's values cannot be added into total's dtype
    (floats into integers), ValueError naming the first key or shape that differs.
    """
    for name, d in (("total", total), ("part", part)):
        if not isinstance(d, dict):
            raise TypeError(f"{name} must be a dict name -> array, got {type(d).__name__}")
    if set(part) != set(total):
        raise ValueError(f"part has keys {sorted(part)}: expected the keys of total, {sorted(total)}")
    for name, g in part.items():
        if np.shape(g) != total[name].shape:
            raise ValueError(f"part[{name!r}] has shape {np.shape(g)}: expected {total[name].shape}, "
                             f"the shape of total[{name!r}]")
        try:
            total[name] += g
        except TypeError:
            raise TypeError(f"part[{name!r}] has dtype {np.asarray(g).dtype} but total[{name!r}] has dtype "
                            f"{np.asarray(total[name]).dtype}: expected values that can be added in place") from None
    return total


def sigmoid(a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """σ(a) = 1 / (1 + exp(-a)), computed as (1 + tanh(a/2)) / 2 (no overflow), elementwise.

    a: real numbers of any shape but 0-D (a NumPy array or a list); returns a float array of a's
    shape, written into ``out`` when given (a float NumPy array of that shape; it may be ``a`` itself).
    Raises TypeError when ``a`` is not numeric, ``out`` is not an array or cannot hold floats,
    ValueError when ``a`` is ragged or 0-D or ``out`` has another shape (checked only after NumPy refused).
    """
    try:
        y = np.multiply(a, 0.5, out=out)
        np.tanh(y, out=y)
        y += 1.0
        y *= 0.5
    except (TypeError, ValueError, AttributeError):
        _sigmoid_error(a, out)
        raise
    return y


def _sigmoid_error(a, out) -> None:
    """Say which argument of :func:`sigmoid` does not fit (called only after NumPy failed)."""
    try:
        arr = np.asarray(a)
    except ValueError:
        raise ValueError(f"a could not be read as an array, got a ragged {type(a).__name__}: expected real "
                         "numbers") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"a has dtype {arr.dtype}: expected real numbers")
    if arr.ndim == 0:
        raise ValueError(f"a is 0-D ({a!r}): expected an array of at least one dimension, e.g. "
                         "sigmoid(np.array([v]))[0] for one number")
    if out is not None:
        if not isinstance(out, np.ndarray):
            raise TypeError(f"out must be a NumPy array or None, got {type(out).__name__}")
        if out.dtype.kind not in "fc":
            raise TypeError(f"out has dtype {out.dtype}: expected a float array to hold σ(a)")
        if out.shape != arr.shape:
            raise ValueError(f"out has shape {out.shape} but a has shape {arr.shape}: expected {arr.shape}")


def input_projection(x: np.ndarray, weight_ih: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """``x @ W_ih.T + bias`` for x (..., D), all leading positions (every time step) in ONE matmul.

    weight_ih (G*H, D), bias (G*H,). Returns (..., G*H), a new C-contiguous array.
    Raises TypeError for an argument that is not a NumPy array, ValueError when x is 0-D, weight_ih
    is not 2-D or its D or G*H disagrees with x or bias (checked only after NumPy refused).
    """
    try:
        lead = x.shape[:-1]
        xp = x.reshape(-1, x.shape[-1]) @ weight_ih.T
        xp += bias
        return xp.reshape(*lead, weight_ih.shape[0])
    except (AttributeError, IndexError, TypeError, ValueError):
        _projection_error(x, weight_ih, bias)
        raise


def _projection_error(x, weight_ih, bias) -> None:
    """Say which argument of :func:`input_projection` does not fit (called only after NumPy failed)."""
    for name, a in (("x", x), ("weight_ih", weight_ih), ("bias", bias)):
        if not isinstance(a, np.ndarray):
            raise TypeError(f"{name} must be a NumPy array, got {type(a).__name__}")
    if x.ndim == 0 or weight_ih.ndim != 2:
        raise ValueError(f"x has shape {x.shape} and weight_ih {weight_ih.shape}: expected x (..., D) and "
                         "weight_ih (G*H, D)")
    if x.shape[-1] != weight_ih.shape[1]:
        raise ValueError(f"x has shape {x.shape} but weight_ih has {weight_ih.shape}: expected x's last axis "
                         f"D = {weight_ih.shape[1]}")
    if bias.shape not in ((weight_ih.shape[0],), ()):
        raise ValueError(f"bias has shape {bias.shape}: expected ({weight_ih.shape[0]},), weight_ih's rows")
