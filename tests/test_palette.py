"""course_utils.figures.palette: the course's colours, each named once and valid for matplotlib."""
import re
from pathlib import Path

import pytest
from matplotlib.colors import is_color_like

from course_utils.cells import params
from course_utils.figures import palette

FIGURES = Path(palette.__file__).parent


@pytest.mark.parametrize("name", [n for n in palette.__all__ if n != "KIND_COLORS"])
def test_every_colour_is_a_matplotlib_colour(name):
    assert is_color_like(getattr(palette, name)), name


def test_one_colour_per_cell_kind():
    assert tuple(palette.KIND_COLORS) == params.KINDS
    assert all(is_color_like(c) for c in palette.KIND_COLORS.values())
    assert len(set(palette.KIND_COLORS.values())) == len(params.KINDS)


def test_box_colours_are_distinct():
    boxes = (palette.STATE, palette.INPUT, palette.GATE, palette.TANH, palette.NEUTRAL, palette.DECODER_STATE,
             palette.RESET_FILL)
    assert len(set(boxes)) == len(boxes)


def test_no_figure_module_spells_a_palette_hex_colour():
    """The palette's hex colours appear in palette.py only: the figures import them by name."""
    hexes = {v.lower() for n in palette.__all__ for v in [getattr(palette, n)]
             if isinstance(v, str) and v.startswith("#")}
    for path in sorted(FIGURES.glob("*.py")):
        if path.name == "palette.py":
            continue
        found = {h.lower() for h in re.findall(r"#[0-9a-fA-F]{6}\b", path.read_text(encoding="utf-8"))}
        assert not found & hexes, f"{path.name} spells {sorted(found & hexes)}: import them from palette"
