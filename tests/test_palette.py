"""course_utils.figures.palette: the course's colours, each named once and valid for matplotlib."""
import re
from pathlib import Path

import pytest
from matplotlib.colors import is_color_like

from course_utils.cells import params
from course_utils.figures import palette

FIGURES = Path(palette.__file__).parent


def colours(value):
    """The colours a palette entry holds: itself, or the values of a dict, or the items of a tuple."""
    return list(value.values()) if isinstance(value, dict) else list(value) if isinstance(value, tuple) else [value]


@pytest.mark.parametrize("name", palette.__all__)
def test_every_colour_is_a_matplotlib_colour(name):
    assert all(is_color_like(c) for c in colours(getattr(palette, name))), name


def test_one_colour_per_cell_kind():
    assert tuple(palette.KIND_COLORS) == params.KINDS
    assert all(is_color_like(c) for c in palette.KIND_COLORS.values())
    assert len(set(palette.KIND_COLORS.values())) == len(params.KINDS)


def test_box_colours_are_distinct():
    boxes = (palette.STATE, palette.INPUT, palette.GATE, palette.TANH, palette.NEUTRAL, palette.DECODER_STATE,
             palette.RESET_FILL)
    assert len(set(boxes)) == len(boxes)


def test_gate_explorer_bars_by_activation_and_old_versus_new_state():
    assert set(palette.GATE_BAR_COLORS) == {"sigmoid", "tanh"} and len(palette.STATE_BAR_COLORS) == 2


def test_no_other_figures_module_spells_a_hex_colour():
    """Hex colours appear in palette.py only: the other figure modules import them by name."""
    for path in sorted(FIGURES.glob("*.py")):
        if path.name == "palette.py":
            continue
        found = re.findall(r"[\"']#[0-9a-fA-F]{6}[\"']", path.read_text(encoding="utf-8"))
        assert not found, f"{path.name} spells {found}: name them in palette.py and import them"
