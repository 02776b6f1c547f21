"""The course's colours, named once: every figure module imports them from here.

Boxes of the drawn figures (:func:`course_utils.figures.diagrams.draw_unrolled_rnn` and the other diagrams
of :mod:`course_utils.figures.diagrams`) are coloured by role: states blue, inputs sand, sigmoid
gates lilac, tanh layers rose, and grey for what a step is given rather than computes (the
initial state h_0, the decoder's input words). Lines and arrows are dark grey, their labels a
lighter grey. The plots of measurements colour each cell kind the same way in every chapter
(:data:`KIND_COLORS`); Chapter 5's gate explorer draws its bars in :data:`GATE_BAR_COLORS` and
:data:`STATE_BAR_COLORS`.

Colours are matplotlib colour strings (hex ``"#rrggbb"``, a grey level ``"0.2"``, or a named
colour); they are constants, with nothing to call.
"""
from __future__ import annotations

__all__ = ["STATE", "INPUT", "GATE", "TANH", "NEUTRAL", "DECODER_STATE", "PATH_COLOR", "RESET_COLOR",
           "RESET_FILL", "LINE", "LABEL", "NOTE", "KIND_COLORS", "GATE_BAR_COLORS", "STATE_BAR_COLORS"]

# --- boxes of the drawn figures, by role ------------------------------------------------------
STATE = "#cfe3f5"           # blue: states h_t, C_t (the encoder's h_t too)
INPUT = "#f5e6c8"           # sand: inputs x_t, input and output words
GATE = "#e2d9f3"            # lilac: sigmoid gates
TANH = "#f6d5d0"            # rose: tanh layers
NEUTRAL = "#e8e8e8"         # grey: given, not computed: the initial state h_0, the decoder's inputs
DECODER_STATE = "#d9ecd0"   # green: the decoder's states s_t (Chapter 7)

# --- highlights -------------------------------------------------------------------------------
PATH_COLOR = "crimson"      # the LSTM's additive cell path
RESET_COLOR = "#7b3fa0"     # where the GRU's reset gate acts: its lines and the reset node's edge
RESET_FILL = "#efe6f7"      # the GRU's reset node, filled

# --- lines and text ---------------------------------------------------------------------------
LINE = "0.2"                # box edges, arrows and data-flow lines
LABEL = "0.25"              # labels on arrows and lines (W_x, W_h, z_t ⊙ h_{t-1})
NOTE = "0.35"               # small notes beside a drawing ("to step t+1")

# --- plots of measurements: one colour per cell kind (the keys are params.KINDS) ----------------
KIND_COLORS = {"rnn": "tab:red", "lstm": "tab:blue", "gru": "tab:green"}

# --- Chapter 5's gate explorer: bars ----------------------------------------------------------
GATE_BAR_COLORS = {"sigmoid": "#4c72b0", "tanh": "#dd8452"}   # a gate's bar, by its activation: blue, orange
STATE_BAR_COLORS = ("0.7", "#55a868")                         # the old state (grey), the new state (green)
