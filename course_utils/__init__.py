"""Helpers for the recurrent-networks course."""
