"""The course's drawn diagrams: the unrolled RNN (Chapter 1), the gated cells (Chapters 4 and 5)
and the encoder-decoder (Chapter 7), in one style: rounded boxes (:func:`box`) for states (blue), inputs (sand), sigmoid gates (lilac) and tanh layers
(rose), the colours of :mod:`course_utils.figures.palette`; small circles for the elementwise
operations (⊙ product, + sum, 1 − z); arrows (:func:`arrow`) for the data flow.
The symbols are the notation card's (Chapter 0): gates i, f, g, o of the LSTM and r, z, n of the
GRU, cell state C_t, hidden state h_t, and PyTorch's GRU convention
h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t−1}.

Each ``draw_*`` function draws on ``ax`` (a new figure when None) and returns the Figure (the
caller shows or closes it); :data:`ALT_TEXT` holds a text description of each diagram for screen
readers, also returned by :func:`alt_text`. :func:`box` and :func:`arrow` are the two shapes every
boxes-and-arrows figure of the course is made of. A wrong
argument raises ``TypeError`` (wrong type) or ``ValueError`` (wrong value), naming the argument,
what was expected and what was received.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.patches import Circle, FancyBboxPatch

from course_utils._checks import (check_bool, check_choice, check_str, check_type, numeric_array, positive_int,
                                  positive_number)
from course_utils.figures.palette import (
    DECODER_STATE,
    GATE,
    INPUT,
    LABEL,
    LINE,
    NEUTRAL,
    NOTE,
    PATH_COLOR,
    RESET_COLOR,
    RESET_FILL,
    STATE,
    TANH,
)

__all__ = ["ALT_TEXT", "alt_text", "box", "arrow", "draw_unrolled_rnn", "draw_lstm_cell", "draw_gru_cell", "draw_encoder_decoder"]

ALT_TEXT = {
    "unrolled-rnn": (
        "Diagram of a vanilla RNN, first folded, then unrolled over four steps. On the left, one "
        "hidden state h_t sits above its input x_t; an arrow labelled W_x goes up from x_t to h_t, "
        "and a loop labelled W_h leaves h_t and comes back to it. An equals sign follows. On the "
        "right, the same network drawn once per step: the initial state h_0, then h_1 to h_4 in a "
        "row, each with its input x_1 to x_4 below it. Every upward arrow is labelled W_x and every "
        "arrow from one state to the next is labelled W_h: the same weights at every step."
    ),
    "lstm": (
        "Diagram of one LSTM cell at step t. Two states enter from the left: the cell state C_{t-1} "
        "along the top and the hidden state h_{t-1} along the bottom; the input x_t enters below it. "
        "Both h_{t-1} and x_t feed four boxes: the forget gate f_t (sigmoid), the input gate i_t "
        "(sigmoid), the candidate g_t (tanh) and the output gate o_t (sigmoid). Along the top, "
        "highlighted in red as the path that carries the gradient, C_{t-1} is multiplied elementwise "
        "by f_t, then the product i_t ⊙ g_t is added, giving C_t = f_t ⊙ C_{t-1} + i_t ⊙ g_t, which "
        "leaves on the right; on this path the gradient from C_t to C_{t-1} is only multiplied by f_t, "
        "with no weight matrix and no squashing function. A branch of C_t goes through tanh and is "
        "multiplied by the output gate o_t, giving the new hidden state h_t = o_t ⊙ tanh(C_t), which "
        "leaves on the right."),
    "gru-reset-after": (
        "Diagram of one GRU cell at step t with the reset after the product (PyTorch's torch.nn.GRU "
        "and cuDNN, reset_after=True). The hidden state h_{t-1} enters at the top left and is the "
        "only state. It and the input x_t feed two sigmoid gates: the update gate z_t and the reset "
        "gate r_t. Along the top, h_{t-1} is multiplied elementwise by z_t and added to "
        "(1 - z_t) ⊙ n_t, giving h_t = (1 - z_t) ⊙ n_t + z_t ⊙ h_{t-1}. The candidate n_t is a tanh "
        "of a sum: W_in x_t + b_in plus the recurrent term. For the recurrent term, h_{t-1} is first "
        "multiplied by the weights, W_hn h_{t-1} + b_hn, and the reset gate r_t then multiplies the "
        "result elementwise, after the product: r_t ⊙ (W_hn h_{t-1} + b_hn). That reset node is "
        "highlighted."),
    "gru-reset-before": (
        "Diagram of one GRU cell at step t with the reset before the product (Cho et al. 2014, "
        "reset_after=False). The hidden state h_{t-1} enters at the top left and is the only state. "
        "It and the input x_t feed two sigmoid gates: the update gate z_t and the reset gate r_t. "
        "Along the top, h_{t-1} is multiplied elementwise by z_t and added to (1 - z_t) ⊙ n_t, giving "
        "h_t = (1 - z_t) ⊙ n_t + z_t ⊙ h_{t-1}. The candidate n_t is a tanh of a sum: W_in x_t + b_in "
        "plus the recurrent term. For the recurrent term, the reset gate r_t first multiplies h_{t-1} "
        "elementwise, before the product, and the weights then act on the result: "
        "W_hn (r_t ⊙ h_{t-1}) + b_hn. That reset node is highlighted."),
    "encoder-decoder": (
        "Diagram of an encoder-decoder (sequence-to-sequence) model translating the source "
        "\"le chat dort\" into the target \"the cat sleeps\". On the left, the encoder reads the "
        "source: each source word (le, chat, dort) feeds the encoder state above it (h_1, h_2, h_3), "
        "and arrows carry each state to the next. The last state, the context c = h_3, passes to "
        "the right and starts the decoder. On the right, the decoder writes the target: each "
        "decoder state (s_1, s_2, s_3) reads one word below it and emits one target word above it "
        "(the, cat, sleeps); it reads <go> at the first step and then the word emitted at the step "
        "before (the, cat), and arrows carry each state to the next. Dashed red arrows labelled "
        "attention run from every encoder state to the first decoder state: with attention, every "
        "decoder step looks at every encoder state."),
}


def alt_text(kind: str) -> str:
    """The screen-reader description of a diagram: ``"unrolled-rnn"``, ``"lstm"``, ``"gru-reset-after"``,
    ``"gru-reset-before"`` or ``"encoder-decoder"``. Raises ValueError for any other ``kind``."""
    return ALT_TEXT[check_choice(kind, "kind", tuple(ALT_TEXT))]


def _axes(ax, figsize: tuple[float, float]) -> Axes:
    """``ax`` when it is a matplotlib Axes, a new figure's axes of ``figsize`` inches when None;
    a TypeError naming ``ax`` otherwise."""
    if ax is None:
        return plt.subplots(figsize=figsize)[1]
    return check_type(ax, "ax", Axes, "a matplotlib Axes or None")


# --- the two shapes: a box and an arrow -------------------------------------------------------

def _point(value, name: str) -> tuple[float, float]:
    """``value`` as an ``(x, y)`` pair of finite floats (data coordinates)."""
    xy = numeric_array(value, name)
    if xy.shape != (2,):
        raise ValueError(f"{name} must be a point (x, y): two numbers, got shape {xy.shape}")
    return float(xy[0]), float(xy[1])


def box(ax, xy, text: str, color, width: float = 0.9, height: float = 0.6) -> None:
    """A rounded box of ``width`` x ``height`` (data units) centred on ``xy``, filled with
    ``color`` (a :mod:`~course_utils.figures.palette` colour such as ``STATE``), its edge in
    ``palette.LINE``, with ``text`` (plain or mathtext, 11 pt) in its centre; drawn on ``ax``.

    ``xy``: the centre, a pair ``(x, y)`` (shape (2,)). Returns None. Raises TypeError when ``ax``
    is not a matplotlib Axes or ``text`` not a str, ValueError when ``xy`` is not two finite
    numbers or ``width``, ``height`` are not positive (matplotlib refuses a bad ``color``).
    """
    check_type(ax, "ax", Axes, "a matplotlib Axes")
    x, y = _point(xy, "xy")
    check_str(text, "text")
    width, height = positive_number(width, "width"), positive_number(height, "height")
    ax.add_patch(FancyBboxPatch((x - width / 2, y - height / 2), width, height,
                                boxstyle="round,pad=0.05", facecolor=color, edgecolor=LINE))
    ax.text(x, y, text, ha="center", va="center", fontsize=11)


def arrow(ax, start, end, text: str = "", offset=(0.0, 0.0)) -> None:
    """A straight arrow from ``start`` to ``end`` (its head at ``end``) in ``palette.LINE``,
    drawn on ``ax``; a non-empty ``text`` (9 pt, ``palette.LABEL``) is written at its midpoint
    moved by ``offset``.

    ``start``, ``end``, ``offset``: pairs ``(x, y)`` in data units (shape (2,)). Returns None.
    Raises TypeError when ``ax`` is not a matplotlib Axes or ``text`` not a str, ValueError when
    ``start``, ``end`` or ``offset`` is not two finite numbers.
    """
    check_type(ax, "ax", Axes, "a matplotlib Axes")
    start, end, offset = _point(start, "start"), _point(end, "end"), _point(offset, "offset")
    check_str(text, "text")
    ax.annotate("", xy=end, xytext=start, arrowprops=dict(arrowstyle="-|>", color=LINE, lw=1.2))
    if text:
        ax.text((start[0] + end[0]) / 2 + offset[0], (start[1] + end[1]) / 2 + offset[1], text,
                ha="center", va="center", fontsize=9, color=LABEL)


# --- drawing helpers of the cell diagrams -------------------------------------------------------

def _op(ax, xy, symbol, color="white", edge=LINE, gid=None, lw=1.2):
    """An elementwise operation: a small circle with its symbol (⊙, +, 1−)."""
    circle = Circle(xy, 0.22, facecolor=color, edgecolor=edge, lw=lw, zorder=3)
    if gid:
        circle.set_gid(gid)
    ax.add_patch(circle)
    ax.text(xy[0], xy[1], symbol, ha="center", va="center", fontsize=12 if symbol != "1−" else 9, zorder=4)


def _line(ax, points, color=LINE, lw=1.2, head=True, gid=None):
    """A polyline through ``points``; the last segment ends in an arrow head if ``head``. With a
    ``gid``, the line and its arrow carry it (tests find the highlighted path by it)."""
    xs, ys = zip(*points)
    if gid:                                   # the whole path as one line, so that it can be found
        (line,) = ax.plot(xs, ys, color=color, lw=lw, solid_capstyle="butt", zorder=1, gid=gid)
    elif len(points) > 2 or not head:
        ax.plot(xs[:-1] if head else xs, ys[:-1] if head else ys, color=color, lw=lw,
                solid_capstyle="butt", zorder=1)
    if head:
        start = points[-2]
        note = ax.annotate("", xy=points[-1], xytext=start,
                           arrowprops=dict(arrowstyle="-|>", color=color, lw=lw, shrinkA=0, shrinkB=0))
        if gid:
            note.set_gid(gid)


def _dot(ax, xy, color=LINE):
    ax.plot([xy[0]], [xy[1]], "o", color=color, markersize=4, zorder=2)


def _small_box(ax, xy, text, color, width):
    """A flat box with a longer formula, set smaller than the state boxes' labels."""
    box(ax, xy, "", color, width=width, height=0.5)
    ax.text(xy[0], xy[1], text, ha="center", va="center", fontsize=9)


def _gate(ax, xy, name, activation, color):
    box(ax, xy, f"{name}\n{activation}", color, width=0.8, height=0.85)


def _finish(ax, xlim, ylim, title):
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title, fontsize=10)


def _inputs(ax, gates_x, h_y, x_y):
    """The two input lines: h_{t-1} along ``h_y`` and x_t along ``x_y``; each gate at x in
    ``gates_x`` gets one arrow from each line (from the left half of its box and the right half)."""
    for gx, top in gates_x:
        _dot(ax, (gx - 0.15, h_y))
        _line(ax, [(gx - 0.15, h_y), (gx - 0.15, top)])
        _dot(ax, (gx + 0.15, x_y))
        _line(ax, [(gx + 0.15, x_y), (gx + 0.15, top)])


# --- Chapter 1: the vanilla RNN, folded and unrolled ----------------------------------------

def draw_unrolled_rnn(T: int = 4, ax=None, title: str | None = None):
    """The RNN ``h_t = φ(W_x x_t + W_h h_{t-1} + b)`` drawn folded (a loop) and unrolled over T steps.

    Boxes: inputs x_t (bottom), states h_t (middle), the initial state h_0 (left). Arrows carry
    the shared weights W_x (up) and W_h (right). T: steps drawn, a positive int. Returns the
    Figure. Raises TypeError or ValueError for a bad T, ax or title.
    """
    T = positive_int(T, "T")
    if title is not None:
        check_str(title, "title")
    ax = _axes(ax, (1.9 * T + 3.2, 2.6))
    box(ax, (0.0, 1.0), "$h_t$", STATE)
    box(ax, (0.0, 0.0), "$x_t$", INPUT)
    arrow(ax, (0.0, 0.3), (0.0, 0.7), "$W_x$", (0.3, 0.0))
    ax.annotate("", xy=(-0.2, 1.36), xytext=(0.5, 1.1),   # the loop: h_t feeds the next step
                arrowprops=dict(arrowstyle="-|>", color=LINE, lw=1.2, connectionstyle="arc3,rad=1.2"))
    ax.text(0.62, 1.62, "$W_h$", ha="center", fontsize=9, color=LABEL)
    ax.text(0.95, 0.5, "=", ha="center", va="center", fontsize=18)
    left = 2.0
    box(ax, (left, 1.0), "$h_0$", NEUTRAL)
    for t in range(1, T + 1):
        cx = left + 1.7 * t
        box(ax, (cx, 1.0), f"$h_{t}$", STATE)
        box(ax, (cx, 0.0), f"$x_{t}$", INPUT)
        arrow(ax, (cx, 0.3), (cx, 0.7), "$W_x$", (0.3, 0.0))
        arrow(ax, (cx - 1.25, 1.0), (cx - 0.45, 1.0), "$W_h$", (0.0, 0.22))
    ax.set_xlim(-0.8, left + 1.7 * T + 0.7)
    ax.set_ylim(-0.5, 2.1)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title or f"One cell unrolled over T = {T} steps: the same $W_x$, $W_h$, $b$ at every step")
    return ax.figure


# --- the LSTM -----------------------------------------------------------------------------------

def draw_lstm_cell(ax=None):
    """One LSTM step (PyTorch's gates i, f, g, o) as a data-flow diagram; returns the Figure.

    ``C_t = f_t ⊙ C_{t-1} + i_t ⊙ g_t`` runs along the top, its additive path
    ``C_{t-1} → ⊙ f_t → + → C_t`` drawn thick in red (the path that carries the gradient: one factor
    f_t per step); ``h_t = o_t ⊙ tanh(C_t)`` leaves on the right. The path's artists have the gid
    ``"cell-path"``. Description for screen readers: ``ALT_TEXT["lstm"]``.

    Draws on ``ax`` (a new 6.8 x 4.3 inch figure when None). Raises TypeError when ``ax`` is not a
    matplotlib Axes or None.
    """
    ax = _axes(ax, (6.8, 4.3))
    fig = ax.figure
    yc, gy, hy, xy = 5.0, 2.7, 1.0, 0.0                 # cell line, gates, h_{t-1} line, x_t line
    # the additive cell path, highlighted
    box(ax, (0.0, yc), "$C_{t-1}$", STATE)
    _line(ax, [(0.45, yc), (2.78, yc)], color=PATH_COLOR, lw=3.0, gid="cell-path")
    _op(ax, (3.0, yc), r"$\odot$", edge=PATH_COLOR, gid="cell-path", lw=2.0)
    _line(ax, [(3.22, yc), (5.18, yc)], color=PATH_COLOR, lw=3.0, gid="cell-path")
    _op(ax, (5.4, yc), "+", edge=PATH_COLOR, gid="cell-path", lw=2.0)
    _line(ax, [(5.62, yc), (9.15, yc)], color=PATH_COLOR, lw=3.0, gid="cell-path")
    box(ax, (9.6, yc), "$C_t$", STATE)
    ax.text(4.6, yc + 0.35, "the cell path carries the gradient: along it\n"
            r"$\partial C_t/\partial C_{t-1} = \mathrm{diag}(f_t)$ (no weight matrix, no squashing)",
            ha="center", va="bottom", fontsize=9, color=PATH_COLOR)
    # inputs
    box(ax, (0.0, hy), "$h_{t-1}$", STATE)
    box(ax, (0.0, xy), "$x_t$", INPUT)
    _line(ax, [(0.45, hy), (7.35, hy)], head=False)
    _line(ax, [(0.45, xy), (7.65, xy)], head=False)
    gates = {"f": 3.0, "i": 4.5, "g": 5.7, "o": 7.5}
    _inputs(ax, [(x, gy - 0.425) for x in gates.values()], hy, xy)
    ax.text(0.7, (hy + xy) / 2, "to every gate", fontsize=8, color=NOTE, va="center")
    _gate(ax, (gates["f"], gy), "$f_t$", r"$\sigma$", GATE)
    _gate(ax, (gates["i"], gy), "$i_t$", r"$\sigma$", GATE)
    _gate(ax, (gates["g"], gy), "$g_t$", r"$\tanh$", TANH)
    _gate(ax, (gates["o"], gy), "$o_t$", r"$\sigma$", GATE)
    # forget: f_t multiplies C_{t-1}
    _line(ax, [(3.0, gy + 0.425), (3.0, yc - 0.22)])
    # write: i_t ⊙ g_t is added
    _op(ax, (5.4, 3.9), r"$\odot$")
    _line(ax, [(gates["i"], gy + 0.425), (gates["i"], 3.9), (5.18, 3.9)])
    _line(ax, [(gates["g"], gy + 0.425), (gates["g"], 3.9), (5.62, 3.9)])
    _line(ax, [(5.4, 4.12), (5.4, yc - 0.22)])
    # read: h_t = o_t ⊙ tanh(C_t)
    _dot(ax, (8.5, yc), color=PATH_COLOR)
    box(ax, (8.5, 3.9), r"$\tanh$", TANH, width=0.8, height=0.5)
    _line(ax, [(8.5, yc), (8.5, 4.15)])
    _op(ax, (8.5, gy), r"$\odot$")
    _line(ax, [(8.5, 3.65), (8.5, gy + 0.22)])
    _line(ax, [(gates["o"] + 0.4, gy), (8.28, gy)])
    box(ax, (9.6, 1.4), "$h_t$", STATE)
    _line(ax, [(8.5, gy - 0.22), (8.5, 1.4), (9.15, 1.4)])
    ax.text(9.6, 0.7, "to step $t+1$\nand the output", ha="center", va="top", fontsize=8, color=NOTE)
    _finish(ax, (-0.6, 10.2), (-0.5, 6.3),
            "LSTM cell:\n" r"$C_t = f_t \odot C_{t-1} + i_t \odot g_t$,  $h_t = o_t \odot \tanh(C_t)$")
    return fig


# --- the GRU, both forms ------------------------------------------------------------------------

def draw_gru_cell(reset_after: bool = True, ax=None):
    """One GRU step (gates r, z, n; h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t−1}) as a data-flow diagram;
    returns the Figure.

    ``reset_after=True`` (``torch.nn.GRU``, cuDNN): the reset multiplies the product,
    r_t ⊙ (W_hn h_{t−1} + b_hn). ``reset_after=False`` (Cho et al. 2014): the reset multiplies the
    state before the product, W_hn (r_t ⊙ h_{t−1}) + b_hn. The reset node has the gid ``"reset"``.
    Description for screen readers: ``ALT_TEXT["gru-reset-after"]`` / ``["gru-reset-before"]``.

    Draws on ``ax`` (a new 6.8 x 4.4 inch figure when None). Raises TypeError when ``reset_after``
    is not a bool or ``ax`` not a matplotlib Axes or None.
    """
    reset_after = check_bool(reset_after, "reset_after")
    ax = _axes(ax, (6.8, 4.4))
    fig = ax.figure
    ys, gy, hy, xy = 5.0, 2.7, 1.0, 0.0               # state line, gates, h_{t-1} line, x_t line
    xz, xr, xn = 2.8, 4.4, 8.0                        # update gate, reset gate, candidate column
    # the state line: h_t = z ⊙ h_{t-1} + (1 - z) ⊙ n
    box(ax, (0.0, ys), "$h_{t-1}$", STATE)
    _line(ax, [(0.45, ys), (xz - 0.22, ys)])
    _op(ax, (xz, ys), r"$\odot$")
    _line(ax, [(xz + 0.22, ys), (xn - 0.22, ys)])
    _op(ax, (xn, ys), "+")
    _line(ax, [(xn + 0.22, ys), (9.15, ys)])
    box(ax, (9.6, ys), "$h_t$", STATE)
    ax.text((xz + xn) / 2, ys + 0.3, r"$z_t \odot h_{t-1}$", ha="center", fontsize=9, color=LABEL)
    ax.text(9.6, ys - 0.45, "to step $t+1$\nand the output", ha="center", va="top", fontsize=8, color=NOTE)
    # h_{t-1} drops to the input line; x_t below it
    _dot(ax, (1.0, ys))
    _line(ax, [(1.0, ys), (1.0, hy), (5.0 if reset_after else 4.78, hy)])
    box(ax, (0.0, xy), "$x_t$", INPUT)
    _line(ax, [(0.45, xy), (xn, xy), (xn, 0.95 - 0.3)])
    ax.text(1.1, (hy + xy) / 2, "to both gates", fontsize=8, color=NOTE, va="center")
    _inputs(ax, [(xz, gy - 0.425), (xr, gy - 0.425)], hy, xy)
    _gate(ax, (xz, gy), "$z_t$", r"$\sigma$", GATE)
    _gate(ax, (xr, gy), "$r_t$", r"$\sigma$", GATE)
    # update gate: z_t into the state line, 1 - z_t into the candidate's product
    _line(ax, [(xz, gy + 0.425), (xz, ys - 0.22)])
    _op(ax, (xz + 1.0, 4.0), "1−")
    _line(ax, [(xz + 0.4, gy + 0.25), (xz + 0.84, 3.84)])
    _line(ax, [(xz + 1.22, 4.0), (xn - 0.22, 4.0)])
    _op(ax, (xn, 4.0), r"$\odot$")
    _line(ax, [(xn, 4.22), (xn, ys - 0.22)])
    ax.text((xz + xn) / 2 + 0.5, 4.12, r"$1 - z_t$", ha="center", fontsize=9, color=LABEL)
    # the candidate n_t = tanh(W_in x_t + b_in + recurrent term)
    _small_box(ax, (xn, 0.95), r"$W_{in} x_t + b_{in}$", INPUT, width=1.5)
    _op(ax, (xn, 2.0), "+")
    _line(ax, [(xn, 1.2), (xn, 1.78)])
    box(ax, (xn, 3.0), "$n_t$\n" + r"$\tanh$", TANH, width=0.8, height=0.85)
    _line(ax, [(xn, 2.22), (xn, 2.575)])
    _line(ax, [(xn, 3.425), (xn, 3.78)])
    if reset_after:
        # h_{t-1} -> W_hn h + b_hn -> ⊙ r -> +
        _small_box(ax, (5.9, hy), r"$W_{hn} h_{t-1} + b_{hn}$", STATE, width=1.8)
        _line(ax, [(5.9, hy + 0.25), (5.9, 1.78)])
        _op(ax, (5.9, 2.0), r"$\odot$", color=RESET_FILL, edge=RESET_COLOR, gid="reset", lw=2.0)
        _line(ax, [(xr + 0.4, gy), (5.9, gy), (5.9, 2.22)], color=RESET_COLOR, lw=1.6)
        _line(ax, [(6.12, 2.0), (xn - 0.22, 2.0)])
        note = r"reset after the product: $r_t \odot (W_{hn} h_{t-1} + b_{hn})$"
        title = ("GRU, reset after the product (torch.nn.GRU, cuDNN):\n"
                 r"$n_t = \tanh(W_{in} x_t + b_{in} + r_t \odot (W_{hn} h_{t-1} + b_{hn}))$")
    else:
        # h_{t-1} -> ⊙ r -> W_hn (.) + b_hn -> +
        _op(ax, (5.0, hy), r"$\odot$", color=RESET_FILL, edge=RESET_COLOR, gid="reset", lw=2.0)
        _line(ax, [(xr + 0.4, gy), (5.0, gy), (5.0, hy + 0.22)], color=RESET_COLOR, lw=1.6)
        _small_box(ax, (6.2, hy), r"$W_{hn}(\cdot) + b_{hn}$", STATE, width=1.5)
        _line(ax, [(5.22, hy), (5.4, hy)])
        _line(ax, [(6.2, hy + 0.25), (6.2, 2.0), (xn - 0.22, 2.0)])
        note = r"reset before the product: $W_{hn}(r_t \odot h_{t-1})$"
        title = ("GRU, reset before the product (Cho et al. 2014):\n"
                 r"$n_t = \tanh(W_{in} x_t + b_{in} + W_{hn}(r_t \odot h_{t-1}) + b_{hn})$")
    ax.text(5.9, -0.6, note, ha="center", fontsize=9, color=RESET_COLOR)
    _finish(ax, (-0.6, 10.2), (-0.9, 5.6), title)
    return fig


# --- the encoder-decoder (Chapter 7) ------------------------------------------------------------

def draw_encoder_decoder(source=("le", "chat", "dort"), target=("the", "cat", "sleeps"), ax=None,
                         attention: bool = True):
    """The encoder-decoder (sequence-to-sequence) model drawn with boxes and arrows; returns the
    Figure.

    Encoder states h_1..h_S read the source; the last one, the context c = h_S, starts the decoder,
    whose states s_1..s_T each emit one target word; step t reads the word emitted at step t-1
    (``<go>`` first). With ``attention``, dashed arrows show the first decoder step looking at
    every encoder state (every decoder step does so).

    ``source``, ``target``: tuples (or lists) of words, one box each. Draws on ``ax`` (a new
    8 x 3.2 inch figure when None). Description for screen readers of the default drawing:
    ``ALT_TEXT["encoder-decoder"]``. Raises TypeError when ``source`` or ``target`` is not a tuple
    or list of strings, ``ax`` not a matplotlib Axes or ``attention`` not a bool, ValueError when
    ``source`` or ``target`` is empty.
    """
    for name, words in (("source", source), ("target", target)):
        if not isinstance(words, (tuple, list)) or not all(isinstance(w, str) for w in words):
            raise TypeError(f"{name} must be a tuple or list of words (str), such as ('le', 'chat'), "
                            f"got {type(words).__name__} {words!r}")
        if not words:
            raise ValueError(f"{name} is empty: expected at least one word")
    check_bool(attention, "attention")
    ax = _axes(ax, (8.0, 3.2))
    S, T, gap = len(source), len(target), 1.5
    for k, word in enumerate(source):
        x = k * gap
        box(ax, (x, 0.0), word, INPUT, width=1.1)
        box(ax, (x, 1.2), f"$h_{k + 1}$", STATE)
        arrow(ax, (x, 0.3), (x, 0.9))
        if k:
            arrow(ax, (x - gap + 0.45, 1.2), (x - 0.45, 1.2))
    left = S * gap + 0.9
    arrow(ax, ((S - 1) * gap + 0.45, 1.2), (left - 0.45, 1.2), "$c$", (0.0, -0.22))
    inputs = ("<go>",) + tuple(target[:-1])   # each step reads the word emitted by the step before
    for k, (word, out) in enumerate(zip(inputs, target)):
        x = left + k * gap
        box(ax, (x, 0.0), word, NEUTRAL, width=1.1)
        box(ax, (x, 1.2), f"$s_{k + 1}$", DECODER_STATE)
        box(ax, (x, 2.4), out, INPUT, width=1.1)
        arrow(ax, (x, 0.3), (x, 0.9))
        arrow(ax, (x, 1.5), (x, 2.1))
        if k:
            arrow(ax, (x - gap + 0.45, 1.2), (x - 0.45, 1.2))
    if attention:
        for k in range(S):
            ax.annotate("", xy=(left - 0.3, 1.5), xytext=(k * gap, 1.5),
                        arrowprops=dict(arrowstyle="-|>", ls="--", color="tab:red", lw=0.8,
                                        connectionstyle=f"arc3,rad={-0.25 - 0.1 * (S - 1 - k)}"))
        ax.text((S - 1) * gap / 2 + 0.6, 2.75, "attention", color="tab:red", fontsize=9, ha="center")
    ax.text((S - 1) * gap / 2, -0.75, "encoder (reads the source)", ha="center", fontsize=10)
    ax.text(left + (T - 1) * gap / 2, -0.75, "decoder (writes the target)", ha="center", fontsize=10)
    ax.set_xlim(-0.8, left + (T - 1) * gap + 0.8)
    ax.set_ylim(-1.0, 3.3)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax.figure
