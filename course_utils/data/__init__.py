"""Tasks and data: synthetic benchmarks, signals, the CO2 series, text, reviews, the bias data."""
