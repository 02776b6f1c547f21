"""Grid search and main effects (course_utils.learning.sweep)."""
import numpy as np
import pytest

from course_utils.learning.sweep import effect_sizes, grid_search, main_effects

AXES = {"a": [1, 2], "b": [10, 20, 30]}


def test_grid_search_calls_every_combination_in_order():
    calls = []
    scores = grid_search(lambda a, b: calls.append((a, b)) or a * b, AXES)
    assert calls == [(1, 10), (1, 20), (1, 30), (2, 10), (2, 20), (2, 30)]
    assert scores.shape == (2, 3) and scores[1, 2] == 60


def test_main_effects_average_over_the_other_axes():
    scores = np.array([[1.0, 2.0, 3.0], [3.0, 4.0, 5.0]])
    effects = main_effects(scores, AXES)
    assert np.allclose(effects["a"], [2.0, 4.0]) and np.allclose(effects["b"], [2.0, 3.0, 4.0])
    assert effect_sizes(effects) == {"a": 2.0, "b": 2.0}
    assert list(effect_sizes({"x": [0, 1], "y": [0, 5]})) == ["y", "x"]


def test_bad_shapes_and_axes_are_refused():
    with pytest.raises(ValueError, match="expected \\(2, 3\\)"):
        main_effects(np.zeros((3, 2)), AXES)
    with pytest.raises(ValueError, match="non-empty"):
        grid_search(lambda: 0, {})
