"""Where the course's files are: the repository root, the folder holding ``book.toml``.

The data modules (the CO2 record, the Python corpus) and the saved experiment results read files
relative to it, and the authoring tools read ``book.toml`` from it; this root module lets all of
them find it without depending on one another.
"""
from __future__ import annotations

from pathlib import Path

__all__ = ["BOOK_FILE", "BookFileError", "find_root"]

BOOK_FILE = "book.toml"


class BookFileError(ValueError):
    """``book.toml`` is missing, does not parse, or breaks a rule; the message says where."""


def find_root(start: Path | None = None) -> Path:
    """The folder holding ``book.toml``: ``start`` or one of its parents when ``start`` is given;
    else the current folder or one of its parents, else the repository this package was
    installed from (editable install).

    Raises :class:`BookFileError` when no such folder is found (the message names where the
    search began).
    """
    if start is not None:
        candidates = [Path(start).resolve()]
    else:
        candidates = [Path.cwd().resolve(), Path(__file__).resolve().parent]
    for base in candidates:
        for folder in (base, *base.parents):
            if (folder / BOOK_FILE).is_file():
                return folder
    raise BookFileError(f"could not find {BOOK_FILE} in {candidates[0]} or any parent folder")
