"""Figures and widgets, one look for all: ``palette`` (every colour, named once), ``plots`` (the
style, ``setup`` and ``label``, and the plots of measurements), ``diagrams`` (the boxes-and-arrows
drawings: the gated cells, Chapter 7's encoder-decoder, and their ``box`` and ``arrow``), and the
two explorers, ``gradient_explorer`` (Chapter 3) and ``gate_explorer`` (Chapter 5)."""
