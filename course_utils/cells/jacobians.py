"""How much gradient survives k steps back: Jacobian products and gradient norms versus lag.

The chain rule through an RNN ``h_t = φ(W_h h_{t-1} + W_x x_t + b)`` multiplies one Jacobian
per step::

    ∂h_T/∂h_k = Π_{t=k+1..T} J_t,      J_t = ∂h_t/∂h_{t-1} = diag(φ'(a_t)) W_h      (H, H)

and since ``‖diag(φ')‖ ≤ γ`` (γ = sup|φ'|: 1 for tanh, 1/4 for the sigmoid) and
``‖W_h‖_2 = λ₁`` (the largest *singular value*), the spectral norm obeys the bound of
Pascanu, Mikolov & Bengio (2013)::

    ‖∂h_T/∂h_k‖_2 ≤ (γ λ₁)^(T-k)

The *lag* ℓ = T - k counts how many steps back the gradient travels (ℓ = 0: ∂h_T/∂h_T = I).

What is here (used by Chapter 3; Chapters 4 and 6 reuse the torch helper):

* :func:`recurrent_matrix` - an ``(H, H)`` W_h with a chosen largest singular value λ₁;
* :func:`pascanu_bound` - ``(γ λ₁)^ℓ`` for an activation name or a number γ;
* :func:`jacobian_norms_vs_lag` - run a small NumPy RNN (tanh, sigmoid, relu or linear) and
  measure ``‖∂h_T/∂h_{T-ℓ}‖_2`` for every lag and every sequence of a batch (:class:`LagProfile`);
* :func:`input_gradient_norms_by_lag` - for any ``torch.nn.RNN/LSTM/GRU`` (or a module with such
  an ``.rnn``), the norm of the gradient of a fixed random read-out of ``h_T`` with respect to each
  input ``x_{T-ℓ}``, averaged over the batch: the gradient "reaching" a signal ℓ steps back,
  indexed by LAG (entry 0 is the last input). (``experiment_analysis.input_gradient_norms_by_time`` measures a
  model's prediction instead and is indexed by TIME, entry 0 the first input: reverse one to
  compare it with the other.)

Training with exploding gradients and clipping (Chapter 3's ``sgd_clip_sweep``) is in
:mod:`course_utils.learning.clipping`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from course_utils._checks import check_choice, check_number, nonnegative_int, numeric_array, positive_int
from course_utils.cells.params import sigmoid

GAMMA = {"tanh": 1.0, "sigmoid": 0.25, "relu": 1.0, "linear": 1.0}
"""γ = sup |φ'(a)| for each activation (the constant of the bound)."""
ACTIVATIONS = tuple(GAMMA)
STRUCTURES = ("orthogonal", "gaussian")

__all__ = ["GAMMA", "ACTIVATIONS", "STRUCTURES", "spectral_norm", "recurrent_matrix", "pascanu_bound", "LagProfile",
           "jacobian_norms_vs_lag", "input_gradient_norms_by_lag"]


def _activation(name: str):
    """(φ, φ' written as a function of the output h = φ(a)) for ``name`` in ``ACTIVATIONS``."""
    if name == "tanh":
        return np.tanh, lambda h: 1.0 - h * h
    if name == "sigmoid":
        return sigmoid, lambda h: h * (1.0 - h)
    if name == "relu":
        return (lambda a: np.maximum(a, 0.0)), lambda h: (h > 0).astype(h.dtype)
    if name == "linear":
        return (lambda a: a), np.ones_like
    raise ValueError(f"activation must be one of {ACTIVATIONS}, got {name!r}")


def _gamma(activation) -> float:
    if isinstance(activation, str):
        if activation not in GAMMA:
            raise ValueError(f"activation must be one of {ACTIVATIONS} or a number γ > 0, got {activation!r}")
        return GAMMA[activation]
    if isinstance(activation, (bool, np.bool_)) or not isinstance(activation, (int, float, np.integer, np.floating)):
        raise TypeError(f"activation must be one of {ACTIVATIONS} or a number γ > 0, got "
                        f"{type(activation).__name__} {activation!r}")
    check_number(activation, "activation (as the number γ)", low=0, low_open=True)
    gamma = float(activation)
    if not gamma > 0:
        raise ValueError(f"activation as a number is γ and must be positive, got {activation!r}")
    return gamma


def spectral_norm(W) -> float:
    """λ₁ = ‖W‖_2, the largest singular value of the matrix ``W`` (m, n) (NumPy, torch or nested lists).

    Raises TypeError when W is not numeric, ValueError when it is not a non-empty 2-D array or holds nan or inf.
    """
    W = numeric_array(W, "W", ndim=2, min_size=1)
    return float(np.linalg.norm(W, 2))


def recurrent_matrix(H: int, lambda1: float, structure: str = "orthogonal", seed: int = 0) -> np.ndarray:
    """A recurrent matrix W_h (H, H), float64, whose largest singular value is ``lambda1``.

    structure="orthogonal": ``λ₁ Q`` with Q a random orthogonal matrix. Every singular value, and
        every eigenvalue's modulus, equals λ₁, so a *linear* RNN meets the bound with equality.
    structure="gaussian": a matrix of N(0, 1) entries rescaled to ``‖W‖_2 = λ₁``. Its other
        singular values are smaller and its spectral radius is only about λ₁/2, so gradients
        shrink faster than the bound says.

    Drawn from ``np.random.default_rng(seed)``. Raises TypeError for a non-integer H or seed or a
    non-number lambda1, ValueError for H < 1, lambda1 < 0 (or nan, inf), a negative seed or an unknown structure.
    """
    H = positive_int(H, "H")
    lambda1 = check_number(lambda1, "lambda1", low=0)
    check_choice(structure, "structure", STRUCTURES)
    seed = nonnegative_int(seed, "seed")
    A = np.random.default_rng(seed).standard_normal((H, H))
    if structure == "orthogonal":
        Q, R = np.linalg.qr(A)
        return lambda1 * Q * np.sign(np.diag(R))   # sign fix: Q is Haar-distributed
    return A * (lambda1 / spectral_norm(A))


def pascanu_bound(lambda1: float, activation="tanh", lags=None) -> np.ndarray:
    """The upper bound ``(γ λ₁)^ℓ`` on ``‖∂h_T/∂h_{T-ℓ}‖_2`` for every lag ℓ in ``lags``
    (Pascanu, Mikolov & Bengio 2013; see the module docstring).

    activation: a name in ``GAMMA`` or the number γ itself. lags: integers, any shape (default 0..50).
    Returns a float64 array shaped like ``lags`` ((51,) by default).

    Raises TypeError when lambda1 is not a number, activation neither a name nor a number, or lags
    not numeric; ValueError for lambda1 < 0 (or nan, inf), an unknown name, γ <= 0, or lags that are
    negative, fractional, nan or inf.
    """
    lambda1 = check_number(lambda1, "lambda1", low=0)
    gamma = _gamma(activation)
    if lags is None:
        lags = np.arange(51)
    else:
        lags = numeric_array(lags, "lags", dtype=None)
        if lags.dtype.kind == "f" and not np.array_equal(lags, np.round(lags)) or (lags < 0).any():
            raise ValueError(f"lags must be non-negative integers, got {lags.tolist()!r}")
    return (gamma * lambda1) ** lags.astype(np.float64)


@dataclass
class LagProfile:
    """Measured ``‖∂h_T/∂h_{T-ℓ}‖_2`` for each lag and sequence, with the bound.

    lags (T+1,): 0..T. norms (T+1, B): norm for lag ℓ (row) and sequence b (column); lag T is h_0.
    lambda1: ‖W_h‖_2; activation: its name; gamma: sup|φ'|.
    """

    lags: np.ndarray
    norms: np.ndarray
    lambda1: float
    activation: str
    gamma: float

    @property
    def bound(self) -> np.ndarray:
        """(T+1,) the bound (γ λ₁)^ℓ; raises :func:`pascanu_bound`'s ValueError if ``lambda1`` or ``gamma``
        was set out of range."""
        return pascanu_bound(self.lambda1, self.gamma, self.lags)

    @property
    def median(self) -> np.ndarray:
        """(T+1,) the median over the batch of the measured norms."""
        return np.median(self.norms, axis=1)

    @property
    def within_bound(self) -> bool:
        """True if every measured norm is at most the bound (up to rounding, relative 1e-9)."""
        return bool(np.all(self.norms <= self.bound[:, None] * (1 + 1e-9) + 1e-300))


def jacobian_norms_vs_lag(W_hh, activation: str = "tanh", T: int = 50, *, batch: int = 8,
                          input_size: int = 4, input_scale: float = 1.0, seed: int = 0,
                          W_ih=None, b=None, x=None, h0=None) -> LagProfile:
    """Run ``h_t = φ(W_hh h_{t-1} + W_ih x_t + b)`` for t = 1..T and measure every Jacobian product.

    W_hh (H, H). Inputs, unless given: x (T, B, D) ~ N(0, input_scale²); W_ih (H, D) ~
    N(0, 1/D); b (H,) zeros; h0 (B, H) zeros; drawn from ``np.random.default_rng(seed)`` with
    B = ``batch`` and D = ``input_size``. Returns a :class:`LagProfile` whose ``norms[ℓ, b]`` is
    the spectral norm of ``∂h_T/∂h_{T-ℓ} = J_T J_{T-1} ... J_{T-ℓ+1}`` for sequence b,
    ``J_t = diag(φ'(a_t)) W_hh``. Cost: T batched (B, H, H) products and SVDs.
    A given ``x`` sets B and D (``batch`` and ``input_size`` are then not used) and must have T steps.

    Raises TypeError for a non-integer T, batch, input_size or seed, a non-number input_scale, or an
    array that is not numeric; ValueError when W_hh is not a non-empty square matrix, activation is
    not in ``ACTIVATIONS`` (a number γ is not accepted here), a size is < 1, input_scale < 0, x is not
    (T, B, D), W_ih not (H, D), b not (H,), h0 not (B, H), or an array holds nan or inf.
    """
    W = numeric_array(W_hh, "W_hh")
    if W.ndim != 2 or W.shape[0] != W.shape[1] or W.size == 0:
        raise ValueError(f"W_hh has shape {W.shape}: expected a square matrix (H, H)")
    T = positive_int(T, "T")
    batch, input_size = positive_int(batch, "batch"), positive_int(input_size, "input_size")
    input_scale = check_number(input_scale, "input_scale", low=0)
    seed = nonnegative_int(seed, "seed")
    phi, dphi = _activation(activation)
    H, rng = W.shape[0], np.random.default_rng(seed)
    if x is None:
        x = input_scale * rng.standard_normal((T, batch, input_size))
    x = numeric_array(x, "x")
    if x.ndim != 3 or x.shape[0] != T or 0 in x.shape:
        raise ValueError(f"x has shape {x.shape}: expected (T, B, D) with T={T}")
    _, B, D = x.shape
    if W_ih is None:
        W_ih = rng.standard_normal((H, D)) / np.sqrt(D)
    W_ih = numeric_array(W_ih, "W_ih")
    if W_ih.shape != (H, D):
        raise ValueError(f"W_ih has shape {W_ih.shape}: expected {(H, D)} (H from W_hh, D from x)")
    b = np.zeros(H) if b is None else numeric_array(b, "b")
    h = np.zeros((B, H)) if h0 is None else numeric_array(h0, "h0").copy()
    if h.shape != (B, H) or b.shape != (H,):
        raise ValueError(f"h0 has shape {h.shape} and b {b.shape}: expected {(B, H)} and {(H,)}")
    derivs = np.empty((T, B, H))
    for t in range(T):                              # forward: keep φ'(a_t) for every step
        h = phi(h @ W.T + x[t] @ W_ih.T + b)
        derivs[t] = dphi(h)
    P = np.broadcast_to(np.eye(H), (B, H, H)).copy()  # ∂h_T/∂h_T
    norms = np.empty((T + 1, B))
    norms[0] = 1.0
    for lag in range(1, T + 1):                     # P <- P J_t with t = T - lag + 1
        P = P @ (derivs[T - lag][:, :, None] * W)
        norms[lag] = np.linalg.norm(P, 2, axis=(1, 2))
    return LagProfile(np.arange(T + 1), norms, spectral_norm(W), activation, GAMMA[activation])


def _recurrent_part(module):
    """The torch recurrent module and whether it is batch-first (``module`` or ``module.rnn``)."""
    import torch
    rnn = module if isinstance(module, torch.nn.RNNBase) else getattr(module, "rnn", None)
    if not isinstance(rnn, torch.nn.RNNBase):
        raise TypeError(f"module must be a torch.nn.RNN/LSTM/GRU or have one as .rnn, got {type(module).__name__}")
    return rnn, bool(rnn.batch_first)


def input_gradient_norms_by_lag(module, x, seed: int = 0) -> np.ndarray:
    """How much gradient reaches each input, by lag: ``g[ℓ] = mean_b ‖∂(u·h_T^{(b)})/∂x_{T-ℓ}^{(b)}‖_2``.

    module: ``torch.nn.RNN``, ``nn.LSTM`` or ``nn.GRU`` (any layers/directions; the last layer's
        output at the last step is read) or a model with one as ``.rnn`` (e.g. ``SequenceModel``;
        only ``.rnn`` is used, so x must be what ``.rnn`` takes).
    x: float tensor (T, B, D), or (B, T, D) if the module is batch-first.
    u: a fixed random unit vector (``torch.Generator`` seeded with ``seed``), the same for all b.
    Returns a float64 NumPy array (T,) indexed by LAG ℓ = 0..T-1 (ℓ = 0 is the last input,
    ℓ = T-1 the first): the reverse of a by-time profile such as ``experiment_analysis.input_gradient_norms_by_time``.
    The module's parameters receive no gradient (they are not touched).

    Raises TypeError when module is neither a torch recurrent layer nor has one as ``.rnn``, or seed
    is not an integer; ValueError when x is not a non-empty float tensor of the layout above (a NumPy
    array included), its dtype differs from the module's, or seed is negative.
    """
    import torch
    rnn, batch_first = _recurrent_part(module)
    seed = nonnegative_int(seed, "seed")
    layout = f"{'(B, T, D)' if batch_first else '(T, B, D)'} with D={rnn.input_size}"
    if not isinstance(x, torch.Tensor) or x.dim() != 3 or not x.is_floating_point() \
            or x.shape[-1] != rnn.input_size or 0 in x.shape:
        raise ValueError(f"x must be a float tensor of shape {layout}, "
                         f"got {type(x).__name__} {tuple(getattr(x, 'shape', ()))}")
    dtype = next(rnn.parameters()).dtype
    if x.dtype != dtype:
        raise ValueError(f"x has dtype {x.dtype} but the module has dtype {dtype}: expected {dtype}")
    x = x.detach().clone().requires_grad_(True)
    out = rnn(x)[0]
    last = out[:, -1] if batch_first else out[-1]                     # (B, H or 2H)
    gen = torch.Generator().manual_seed(seed)
    u = torch.randn(last.shape[-1], generator=gen, dtype=torch.float64).to(last.dtype).to(last.device)
    (grad,) = torch.autograd.grad(last @ (u / u.norm()), x, grad_outputs=torch.ones(last.shape[0],
                                  dtype=last.dtype, device=last.device))
    per_step = grad.norm(dim=-1).mean(dim=0 if batch_first else 1)    # (T,)
    return per_step.flip(0).double().cpu().numpy()
