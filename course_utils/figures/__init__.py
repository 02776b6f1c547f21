"""Figures and widgets: one look for every plot, the explorers and the cell diagrams."""
