"""A minimal parallel-scan recurrence: minGRU (Feng et al. 2024, "Were RNNs all we needed?").

minGRU drops the hidden state from the gates, so every coefficient can be computed for all
steps at once::

    z_t  = sigmoid(W_z x_t + b_z)            (T, B, H)
    h~_t = W_h x_t + b_h                     (T, B, H)
    h_t  = (1 - z_t) * h_{t-1} + z_t * h~_t  =  a_t * h_{t-1} + b_t

with ``a_t = 1 - z_t`` and ``b_t = z_t * h~_t``. A linear recurrence ``h_t = a_t h_{t-1} + b_t``
composes with the associative operator

    (a1, b1) o (a2, b2) = (a1 * a2,  a2 * b1 + b2)        ("first apply 1, then 2")

so all T states follow from a scan: :func:`linear_recurrence_scan` runs the Hillis-Steele
scan, ``ceil(log2 T)`` rounds of whole-array operations, instead of T dependent steps
(:func:`linear_recurrence_loop`). Both accept NumPy arrays or torch tensors.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from course_utils._checks import is_real_number, nonnegative_int, positive_int, torch_tensor_types
from course_utils.cells.params import sigmoid
from course_utils.cells.validate import check_state_before_params

__all__ = ["MinGRUParams", "init_mingru", "mingru_coefficients", "mingru_step", "combine", "linear_recurrence_loop",
           "linear_recurrence_scan", "mingru_forward"]


@dataclass
class MinGRUParams:
    """The minGRU's weights: weight_z, weight_h (H, D); bias_z, bias_h (H,); float NumPy arrays.

    Raises TypeError when an array is not a float NumPy array, ValueError when weight_z is not a
    non-empty matrix (H, D) or another array's shape disagrees with it; each names the array.
    """

    weight_z: np.ndarray
    bias_z: np.ndarray
    weight_h: np.ndarray
    bias_h: np.ndarray

    def __post_init__(self):
        for name in ("weight_z", "bias_z", "weight_h", "bias_h"):
            a = getattr(self, name)
            if not isinstance(a, np.ndarray) or a.dtype.kind != "f":
                got = f"an array of dtype {a.dtype}" if isinstance(a, np.ndarray) else type(a).__name__
                raise TypeError(f"{name} must be a float NumPy array, got {got}")
        if self.weight_z.ndim != 2 or 0 in self.weight_z.shape:
            raise ValueError(f"weight_z has shape {self.weight_z.shape}: expected a matrix (H, D) with H, D >= 1")
        H, D = self.weight_z.shape
        for name, shape in (("bias_z", (H,)), ("weight_h", (H, D)), ("bias_h", (H,))):
            if getattr(self, name).shape != shape:
                raise ValueError(f"{name} has shape {getattr(self, name).shape}: expected {shape} "
                                 f"(H={H}, D={D} from weight_z)")

    @property
    def D(self) -> int:
        """Input size."""
        return self.weight_z.shape[1]

    @property
    def H(self) -> int:
        """Hidden size."""
        return self.weight_z.shape[0]


def init_mingru(input_size: int, hidden_size: int, seed: int = 0, dtype=np.float64) -> MinGRUParams:
    """Draw U(-1/sqrt(H), 1/sqrt(H)) weights and biases, like PyTorch's recurrent layers, from
    ``np.random.default_rng(seed)``: a :class:`MinGRUParams` with weights (H, D), biases (H,) of ``dtype``.

    Raises TypeError for a non-integer size or seed or a dtype NumPy does not know, ValueError for a
    size < 1, a negative seed or a dtype that is not a float.
    """
    input_size, hidden_size = positive_int(input_size, "input_size"), positive_int(hidden_size, "hidden_size")
    seed = nonnegative_int(seed, "seed")
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype must be a NumPy float dtype such as np.float64, got {dtype!r}") from None
    if dtype.kind != "f":
        raise ValueError(f"dtype must be a float dtype, got {dtype}")
    rng = np.random.default_rng(seed)
    k = 1.0 / np.sqrt(hidden_size)

    def u(*shape):
        return rng.uniform(-k, k, shape).astype(dtype)

    return MinGRUParams(u(hidden_size, input_size), u(hidden_size), u(hidden_size, input_size), u(hidden_size))


def _sigmoid(a):
    """σ(a) for a NumPy array (``params.sigmoid``, no overflow) or a torch tensor (``Tensor.sigmoid``)."""
    if isinstance(a, np.ndarray):
        return sigmoid(a)
    return a.sigmoid()


def _seq(a, name: str, min_ndim: int = 1):
    """A NumPy array of real numbers or a float torch tensor, finite, at least ``min_ndim``-D, not empty."""
    if isinstance(a, np.ndarray):
        if a.dtype.kind not in "iuf":
            raise TypeError(f"{name} has dtype {a.dtype}: expected real numbers")
        if a.dtype.kind != "f":
            a = a.astype(np.float64)
        finite = bool(np.isfinite(a).all())
    else:
        import torch
        if not isinstance(a, torch.Tensor):
            raise TypeError(f"{name} must be a NumPy array or a torch tensor, got {type(a).__name__}")
        if not a.is_floating_point():
            a = a.double()
        finite = bool(torch.isfinite(a).all())
    if a.ndim < min_ndim or (a.ndim and a.shape[0] == 0):
        raise ValueError(f"{name} has shape {tuple(a.shape)}: expected at least {min_ndim}-D with T >= 1 steps")
    if not finite:
        raise ValueError(f"{name} contains nan or inf: expected finite numbers")
    return a


def _check_params(params) -> MinGRUParams:
    if not isinstance(params, MinGRUParams):
        raise TypeError(f"params must be a MinGRUParams (from init_mingru), got {type(params).__name__}")
    return params


def _check_h0(h0, shape, name="h0", like=None, like_name="a"):
    if h0 is None:
        return None
    h0 = _seq(h0, name, min_ndim=0)
    _numpy_with_numpy(h0, name, like, like_name)
    if tuple(h0.shape) != tuple(shape):
        raise ValueError(f"{name} has shape {tuple(h0.shape)}: expected {tuple(shape)}")
    return h0


def _numpy_with_numpy(a, name: str, like, like_name: str) -> None:
    """A NumPy ``like`` cannot be combined with a torch ``a`` (NumPy's operators refuse tensors)."""
    if isinstance(like, np.ndarray) and not isinstance(a, np.ndarray):
        raise TypeError(f"{name} is a {type(a).__name__} but {like_name} is a NumPy array: expected a NumPy "
                        f"array (or pass {like_name} as a torch tensor too)")


def _weights(params: MinGRUParams, like):
    arrays = (params.weight_z, params.bias_z, params.weight_h, params.bias_h)
    if isinstance(like, np.ndarray):
        return arrays
    import torch
    return tuple(torch.as_tensor(w, dtype=like.dtype) for w in arrays)


def mingru_coefficients(x, params: MinGRUParams):
    """x (T, B, D) -> (a, b), each (T, B, H): ``a = 1 - z``, ``b = z * h~`` for every step at once.

    x is a NumPy array or a torch tensor (integers are read as float64); a and b are of the same kind.
    Raises TypeError when params is not a MinGRUParams or x is neither a real-valued NumPy array nor a
    torch tensor, ValueError when x is not (T, B, D) with T >= 1 and D = params.D or holds nan or inf.
    """
    params = _check_params(params)
    x = _seq(x, "x")
    if x.ndim != 3 or x.shape[-1] != params.D:
        raise ValueError(f"x has shape {tuple(x.shape)}: expected (T, B, {params.D})")
    W_z, b_z, W_h, b_h = _weights(params, x)
    z = _sigmoid(x @ W_z.T + b_z)
    h_tilde = x @ W_h.T + b_h
    return 1 - z, z * h_tilde


def mingru_step(x_t, h_prev, params: MinGRUParams):
    """One step: x_t (B, D), h_prev (B, H) -> h_t (B, H) = (1 - z) * h_prev + z * h~.

    Raises TypeError when params is not a MinGRUParams, x_t or h_prev is not a NumPy array or torch
    tensor (h_prev None included) or h_prev is a tensor for a NumPy x_t; ValueError when x_t is not
    (B, D) with B >= 1 and D = params.D, h_prev is not (B, H), or either holds nan or inf.
    """
    params = _check_params(params)
    x_t = _seq(x_t, "x_t", 2)
    if x_t.ndim != 2 or x_t.shape[-1] != params.D:
        raise ValueError(f"x_t has shape {tuple(x_t.shape)}: expected (B, {params.D})")
    h_prev = _check_h0(h_prev, (x_t.shape[0], params.H), "h_prev", x_t, "x_t")
    if h_prev is None:
        raise TypeError(f"h_prev must be an array of shape {(x_t.shape[0], params.H)}, got None")
    W_z, b_z, W_h, b_h = _weights(params, x_t)
    z = _sigmoid(x_t @ W_z.T + b_z)
    return (1 - z) * h_prev + z * (x_t @ W_h.T + b_h)


def combine(a1, b1, a2, b2):
    """The scan operator: apply ``h -> a1 h + b1`` then ``h -> a2 h + b2``: ``(a1 a2, a2 b1 + b2)``.

    Operands: numbers, NumPy arrays or torch tensors whose shapes broadcast (elementwise products);
    returns the pair (a, b) in the broadcast shape. Raises TypeError for an operand that is not a
    number, array or tensor, or a NumPy array meeting a tensor in a product; ValueError for shapes
    that do not broadcast.
    """
    try:
        return a1 * a2, a2 * b1 + b2
    except (TypeError, ValueError, RuntimeError):
        _combine_error(a1=a1, b1=b1, a2=a2, b2=b2)
        raise


def _combine_error(**operands) -> None:
    """Say why :func:`combine`'s products failed (called only after they did)."""
    tensor = torch_tensor_types()
    for name, v in operands.items():
        if not (is_real_number(v) or isinstance(v, (np.ndarray, *tensor))):
            raise TypeError(f"{name} must be a number, a NumPy array or a torch tensor, got {type(v).__name__}")
    if any(isinstance(v, np.ndarray) for v in operands.values()) and \
            any(isinstance(v, tensor) for v in operands.values()):
        kinds = ", ".join(f"{n} {type(v).__name__}" for n, v in operands.items())
        raise TypeError(f"the operands mix NumPy arrays and torch tensors ({kinds}): expected one kind")
    shapes = {name: tuple(np.shape(v)) for name, v in operands.items()}
    try:
        np.broadcast_shapes(*shapes.values())
    except ValueError:
        raise ValueError(f"the operands have shapes {shapes}: expected shapes that broadcast together") from None


def _with_h0(a, b, h0):
    if h0 is None:
        return b
    b = b.copy() if isinstance(b, np.ndarray) else b.clone()
    b[0] = b[0] + a[0] * h0            # fold h0 into the first step
    return b


def linear_recurrence_loop(a, b, h0=None):
    """h_t = a_t * h_{t-1} + b_t, one step at a time. a, b (T, ...); h0 (...) or None (zeros).
    Returns h (T, ...), a NumPy array or torch tensor like ``b``.

    Raises TypeError when a, b or h0 is neither a real-valued NumPy array nor a torch tensor, or ``a``
    is a NumPy array and ``b`` or ``h0`` a tensor; ValueError when a and b differ in shape, T < 1,
    h0's shape is not a's without T, or any holds nan or inf.
    """
    a, b = _pair(a, b)
    b = _with_h0(a, b, _check_h0(h0, a.shape[1:], like=a))
    h = b.copy() if isinstance(b, np.ndarray) else b.clone()
    for t in range(1, h.shape[0]):
        h[t] = a[t] * h[t - 1] + b[t]
    return h


def _pair(a, b):
    """The coefficients a, b (T, ...) of the linear recurrence, checked (see :func:`linear_recurrence_loop`)."""
    a, b = _seq(a, "a"), _seq(b, "b")
    _numpy_with_numpy(b, "b", a, "a")
    if a.shape != b.shape:
        raise ValueError(f"a has shape {tuple(a.shape)} but b has {tuple(b.shape)}: expected equal shapes")
    return a, b


def linear_recurrence_scan(a, b, h0=None):
    """The same h as :func:`linear_recurrence_loop`, by a Hillis-Steele inclusive scan.

    Round k (offset d = 2^k) combines every position t >= d with the prefix ending at t - d:
    ``(A_t, B_t) <- (A_{t-d}, B_{t-d}) o (A_t, B_t)``. After ceil(log2 T) rounds, B_t = h_t.
    Work is O(T log T) (Blelloch's two-sweep scan does O(T)), but each round is one vectorised
    operation over the whole sequence.

    a, b (T, ...); h0 (...) or None (zeros) -> h (T, ...). Raises what :func:`linear_recurrence_loop`
    raises, for the same arguments.
    """
    a, b = _pair(a, b)
    B = _with_h0(a, b, _check_h0(h0, a.shape[1:], like=a))
    A = a.copy() if isinstance(a, np.ndarray) else a.clone()
    B = B.copy() if isinstance(B, np.ndarray) else B.clone()
    T, d = a.shape[0], 1
    while d < T:
        # right-hand sides are evaluated before the (overlapping) slices are written
        A_new, B_new = combine(A[:-d], B[:-d], A[d:], B[d:])
        B[d:] = B_new
        if 2 * d < T:              # the last round needs no A
            A[d:] = A_new
        d *= 2
    return B


def mingru_forward(x, h0=None, params: MinGRUParams | None = None, method: str = "scan"):
    """minGRU over a sequence: ``mingru_forward(x, h0, params)``, state before params as in
    the cells. x (T, B, D), h0 (B, H) or None (zeros) -> h (T, B, H); ``params`` is required.
    method: "scan" (parallel, log2 T rounds) or "loop" (sequential).

    Raises TypeError when params is missing or passed in h0's place, is not a MinGRUParams, or x or
    h0 is neither a NumPy array nor a torch tensor (h0 a tensor for a NumPy x included); ValueError
    for an unknown method, x not (T, B, D) with T >= 1 and D = params.D, h0 not (B, H), or nan or inf.
    """
    params = check_state_before_params("mingru_forward", "h0", h0, params, MinGRUParams)
    if method not in ("scan", "loop"):
        raise ValueError(f"method is {method!r}: expected 'scan' or 'loop'")
    a, b = mingru_coefficients(x, params)
    h0 = _check_h0(h0, a.shape[1:], like=a, like_name="x")
    solve = linear_recurrence_scan if method == "scan" else linear_recurrence_loop
    return solve(a, b, h0)
