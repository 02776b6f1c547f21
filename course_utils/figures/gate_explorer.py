"""Chapter 5's gate explorer: one LSTM or GRU unit, every gate and the new state drawn as bars.

::

    from course_utils.figures.gate_explorer import gate_explorer, gate_figure
    explorer = gate_explorer()                  # in JupyterLab: sliders + a bar chart that redraws
    fig = gate_figure("lstm", x_t=1.0, c_prev=0.5, b_f=2.0)   # the same drawing, static (the book)

The cell has one input and one hidden unit (D = H = 1), so every gate is a single number. Every
gate reads the input and the previous state with weight 1 and differs only by its bias, which
the sliders set: its pre-activation is ``a = x_t + h_{t-1} + b``, except the GRU's candidate,
whose bias ``b_n`` is the recurrent one, ``b_hn``, where the reset gate can reach it (below).
The numbers come from the
course's reference cells (:func:`course_utils.cells.lstm.lstm_step_forward` and
:func:`course_utils.cells.gru.gru_step_forward`), so the explorer shows exactly what the chapters
compute::

    LSTM:          i, f, o = σ(a_i), σ(a_f), σ(a_o);  g = tanh(a_g)
                   C_t = f C_{t-1} + i g;              h_t = o tanh(C_t)
    GRU, both forms:      h_t = (1 - z) n + z h_{t-1}     (z -> 1 keeps the old state)
    GRU, reset after:     n = tanh(x_t + r (h_{t-1} + b_n))   (PyTorch, cuDNN)
    GRU, reset before:    n = tanh(x_t + r h_{t-1} + b_n)     (Cho et al. 2014)

With a single unit the recurrent weight is a scalar, ``W_hn (r h) = r (W_hn h)``, so the two
forms differ only through ``b_n``: reset after the product scales it by r, reset before does
not; with ``b_n = 0`` they coincide. With several units the matrix W_hn mixes them and the
forms differ even without a bias (Chapter 5).

The explorer is an ``ipywidgets.interactive``: every change reruns :func:`gate_figure` and shows
the new PNG in the widget's output area (matplotlib's inline backend).
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from course_utils.cells.gru import gru_step_forward
from course_utils.cells.lstm import lstm_step_forward
from course_utils._checks import check_number
from course_utils.cells.params import GATE_NAMES, CellParams
from course_utils.figures.palette import GATE_BAR_COLORS, STATE_BAR_COLORS

__all__ = ["FORMS", "GATE_BIASES", "DEFAULTS", "INPUT_RANGE", "STATE_RANGE", "unit_params", "unit_step",
           "gate_figure", "gate_explorer"]

FORMS = {"lstm": "LSTM", "gru-reset-after": "GRU, reset after (PyTorch)",
         "gru-reset-before": "GRU, reset before (Cho et al.)"}
"""The cells the explorer draws (the values its ``kind`` argument takes) and their labels in the menu:
the LSTM and the GRU's two forms, which share the kind ``"gru"`` of ``params.KINDS``."""
GATE_BIASES = {family: tuple(f"b_{g}" for g in GATE_NAMES[family]) for family in ("lstm", "gru")}
"""The bias slider of each gate, in PyTorch's gate order (``params.GATE_NAMES``):
b_i, b_f, b_g, b_o (LSTM); b_r, b_z, b_n (GRU)."""
DEFAULTS = {"x_t": 0.5, "h_prev": 0.3, "c_prev": 1.0, "b_i": 0.0, "b_f": 1.0, "b_g": 0.0, "b_o": 0.0,
            "b_r": 0.0, "b_z": 0.0, "b_n": 0.0}
INPUT_RANGE = (-3.0, 3.0, 0.1)      # x_t, C_{t-1} and every bias: min, max, step
STATE_RANGE = (-1.0, 1.0, 0.05)     # h_{t-1} (a tanh output)


def _family(kind: str) -> str:
    if kind not in FORMS:
        raise ValueError(f"kind must be one of {tuple(FORMS)}, got {kind!r}")
    return kind.split("-")[0]


def unit_params(kind: str, **biases) -> CellParams:
    """The one-unit cell (D = H = 1, float64): weights 1, the gate biases in ``bias_ih``, ``bias_hh`` = 0,
    except the GRU's candidate bias b_n, which goes to ``bias_hh`` (b_hn, inside the reset).

    kind: "lstm", "gru-reset-after" or "gru-reset-before"; biases: b_i, b_f, b_g, b_o (LSTM) or
    b_r, b_z, b_n (GRU), each defaulting to ``DEFAULTS``; each a (1,) bias of the (G, 1) weights.

    Raises ValueError for an unknown ``kind`` or a bias the cell does not have, TypeError or
    ValueError (naming it) for a bias that is not a finite number.
    """
    family = _family(kind)
    names = GATE_BIASES[family]
    unknown = sorted(set(biases) - set(names))
    if unknown:
        raise ValueError(f"biases {unknown} do not belong to a {FORMS[kind]} cell: expected some of {names}")
    G = len(names)
    b_ih = np.array([check_number(biases.get(n, DEFAULTS[n]), n) for n in names])
    b_hh = np.zeros(G)
    if family == "gru":                       # b_n is b_hn, the bias the reset gate may scale
        n = names.index("b_n")
        b_hh[n], b_ih[n] = b_ih[n], 0.0
    return CellParams(family, np.ones((G, 1)), np.ones((G, 1)), b_ih, b_hh,
                      reset_after=kind != "gru-reset-before")


def unit_step(kind: str, x_t: float, h_prev: float, c_prev: float = 0.0, **biases) -> dict[str, float]:
    """One step of the one-unit cell: every gate and the new state as plain floats.

    Returns ``{"i", "f", "g", "o", "c", "h"}`` for the LSTM, ``{"r", "z", "n", "h"}`` for the GRU.
    ``c_prev`` is ignored by the GRU.

    Raises what :func:`unit_params` raises, and TypeError or ValueError (naming it) when ``x_t``,
    ``h_prev`` or ``c_prev`` is not a finite number.
    """
    p = unit_params(kind, **biases)
    x_t, h_prev, c_prev = check_number(x_t, "x_t"), check_number(h_prev, "h_prev"), check_number(c_prev, "c_prev")
    x, h0 = np.array([[float(x_t)]]), np.array([[float(h_prev)]])
    if p.kind == "lstm":
        (h, c), cache = lstm_step_forward(x, (h0, np.array([[float(c_prev)]])), p)
        return {**{k: float(v[0, 0]) for k, v in cache.gates.items()}, "c": float(c[0, 0]), "h": float(h[0, 0])}
    h, cache = gru_step_forward(x, h0, p)
    return {**{k: float(v[0, 0]) for k, v in cache.gates.items()}, "h": float(h[0, 0])}


def _finding(kind: str, v: dict) -> str:
    """A title that reads the state update off the current numbers (matplotlib mathtext)."""
    g = f"({v['g']:.2f})" if v.get("g", 0.0) < 0 else f"{v.get('g', 0.0):.2f}"
    if kind == "lstm":
        return (rf"$C_t = {v['f']:.2f}\,C_{{t-1}} + {v['i']:.2f} \cdot {g} = {v['c']:.2f}$,   "
                rf"$h_t = {v['o']:.2f} \tanh(C_t) = {v['h']:.2f}$")
    return rf"$h_t = {1 - v['z']:.2f}\,n + {v['z']:.2f}\,h_{{t-1}} = {v['h']:.2f}$   (z keeps the old state)"


def gate_figure(kind: str = "lstm", x_t: float = DEFAULTS["x_t"], h_prev: float = DEFAULTS["h_prev"],
                c_prev: float = DEFAULTS["c_prev"], **biases):
    """Bar chart of one step of the one-unit cell: the gates (left) and old versus new state (right).

    Sigmoid gates are blue (0..1), the tanh candidate orange (-1..1); the title spells out the
    update with the current numbers. Returns the matplotlib Figure (the caller shows or closes it).
    Raises what :func:`unit_step` raises for its arguments.
    """
    v = unit_step(kind, x_t, h_prev, c_prev, **biases)
    family = _family(kind)
    gates = GATE_NAMES[family]
    fig, (left, right) = plt.subplots(1, 2, figsize=(7.0, 3.2), gridspec_kw={"width_ratios": [3, 2]})
    kinds = ["tanh" if g in ("g", "n") else "sigmoid" for g in gates]
    left.bar(gates, [v[g] for g in gates], color=[GATE_BAR_COLORS[k] for k in kinds])
    for k, g in enumerate(gates):
        left.text(k, v[g] + (0.04 if v[g] >= 0 else -0.12), f"{v[g]:.2f}", ha="center", fontsize=9)
    left.axhline(0.0, color="0.3", lw=0.8)
    left.set_ylim(-1.15, 1.15)
    left.set_ylabel("gate value")
    left.set_title(f"{FORMS[kind]}: gates (blue σ, orange tanh)", fontsize=10)
    states = [("C", c_prev, v["c"]), ("h", h_prev, v["h"])] if family == "lstm" else [("h", h_prev, v["h"])]
    pos = np.arange(len(states))
    right.bar(pos - 0.18, [s[1] for s in states], width=0.36, color=STATE_BAR_COLORS[0], label="before (t−1)")
    right.bar(pos + 0.18, [s[2] for s in states], width=0.36, color=STATE_BAR_COLORS[1], label="after (t)")
    right.set_xticks(pos, [s[0] for s in states])
    right.axhline(0.0, color="0.3", lw=0.8)
    top = max(1.2, max(abs(s[1]) for s in states) * 1.15, max(abs(s[2]) for s in states) * 1.15)
    right.set_ylim(-top, top)
    right.set_ylabel("state value")
    right.set_title("state", fontsize=10)
    right.legend(frameon=False, fontsize=8, loc="lower right")
    fig.suptitle(_finding(kind, v), fontsize=10)
    fig.tight_layout()
    return fig


def _draw(x_t, h_prev, c_prev, b_i, b_f, b_g, b_o, b_r, b_z, b_n, kind):
    names = GATE_BIASES[_family(kind)]
    values = dict(b_i=b_i, b_f=b_f, b_g=b_g, b_o=b_o, b_r=b_r, b_z=b_z, b_n=b_n)
    fig = gate_figure(kind, x_t, h_prev, c_prev, **{n: values[n] for n in names})
    plt.show()   # inline backend: the PNG goes into the widget's output area
    plt.close(fig)
    return fig   # kept as ``explorer.result`` (tests read its bars)


def gate_explorer(kind: str = "lstm", **values):
    """An ``ipywidgets.interactive``: sliders for x_t, h_{t-1}, C_{t-1} and every gate bias, and a
    menu for the cell; each change redraws :func:`gate_figure`.

    Controls (``explorer.children``): FloatSliders ``x_t``, ``h_prev``, ``c_prev``, ``b_i``,
    ``b_f``, ``b_g``, ``b_o``, ``b_r``, ``b_z``, ``b_n``, the Dropdown ``kind`` (labelled "cell"), then the Output
    area. Sliders that the chosen cell does not use are hidden. ``values`` override ``DEFAULTS``.
    Sliders redraw when released (``continuous_update=False``).

    Raises ValueError for an unknown ``kind`` or a name in ``values`` that is not in ``DEFAULTS``.
    """
    import ipywidgets as w
    _family(kind)
    unknown = sorted(set(values) - set(DEFAULTS))
    if unknown:
        raise ValueError(f"unknown explorer values {unknown}: expected some of {sorted(DEFAULTS)}")
    start = {**DEFAULTS, **values}
    labels = {"x_t": "input x_t", "h_prev": "h_{t−1}", "c_prev": "C_{t−1} (LSTM)"}

    def slider(name):
        lo, hi, step = STATE_RANGE if name == "h_prev" else INPUT_RANGE
        return w.FloatSlider(value=start[name], min=lo, max=hi, step=step, description=labels.get(name, name),
                             continuous_update=False, style={"description_width": "initial"})

    controls = {name: slider(name) for name in DEFAULTS}
    controls["kind"] = w.Dropdown(options=[(label, key) for key, label in FORMS.items()], value=kind,
                                  description="cell")   # the learner's label; the argument is ``kind``

    def show_used(change=None):
        family = _family(controls["kind"].value)
        for name, control in controls.items():
            used = name in ("x_t", "h_prev", "kind") or name in GATE_BIASES[family] or \
                (name == "c_prev" and family == "lstm")
            control.layout.display = None if used else "none"

    controls["kind"].observe(show_used, names="value")
    show_used()
    return w.interactive(_draw, **controls)
