"""Tools for authors and instructors: the course's structure, the book, PDF and slides, the
student edition, workshops and JupyterHub, timing, the benchmark and the launcher."""
