"""Interpretability tools (course_utils.learning.interpret): code features, LSTM activations, correlation control."""
import numpy as np
import pytest
import torch

from course_utils.learning.interpret import (code_features, lstm_activations, shifted_max_correlations,
                                             unit_correlations)
from course_utils.learning.models import SequenceModel

FLOAT32 = 1e-5
EXACT = 1e-12
SOURCE = 'def f(a, b):\n    """Doc (not code)."""\n    x = [a, (b + 1)]  # note\n    return x\n'


def test_code_features_mark_strings_comments_brackets_indent_and_column():
    f = code_features(SOURCE)
    at = lambda s, k=0: SOURCE.index(s) + k  # noqa: E731
    assert f["in_string"][at('"""Doc')] == 1 and f["in_string"][at("(not")] == 1 and f["in_string"][at("x =")] == 0
    assert f["in_comment"][at("note")] == 1 and f["in_comment"][at("x =")] == 0
    assert f["bracket_depth"][at("a,")] == 1 and f["bracket_depth"][at("b + 1")] == 2
    assert f["bracket_depth"][at("(not")] == 0          # a bracket inside a string is not code
    assert f["bracket_depth"][at("):")] == 0 and f["bracket_depth"][at("return")] == 0
    assert f["indent"][at("return")] == 4 and f["indent"][at("def")] == 0
    assert f["column"][at("return")] == 4 and f["column"][at("def")] == 0
    assert all(v.shape == (len(SOURCE),) for v in f.values())


def test_code_features_reject_invalid_source():
    with pytest.raises(ValueError, match="not valid Python"):
        code_features('x = "unterminated\n')
    with pytest.raises(ValueError, match="not valid Python"):
        code_features("x = (1,\n")


def test_lstm_activations_match_torch():
    torch.manual_seed(0)
    model = SequenceModel("lstm", 5, 7, 9, vocab_size=9, readout="all")
    ids = np.random.default_rng(0).integers(0, 9, 30)
    acts = lstm_activations(model, ids)
    with torch.no_grad():
        h, (h_T, c_T) = model.states(torch.from_numpy(ids)[None])
    assert np.abs(acts["h"] - h[0].double().numpy()).max() < FLOAT32
    assert np.abs(acts["c"][-1] - c_T[0, 0].double().numpy()).max() < FLOAT32
    assert set(acts) == {"i", "f", "g", "o", "c", "h"} and acts["f"].shape == (30, 7)
    with pytest.raises(ValueError, match="one-layer"):
        lstm_activations(SequenceModel("gru", 5, 7, 9, vocab_size=9), ids)


def test_unit_correlations_agree_with_corrcoef_and_handle_constant_units():
    rng = np.random.default_rng(1)
    states, feature = rng.standard_normal((50, 4)), rng.standard_normal(50)
    states[:, 3] = 2.0
    r = unit_correlations(states, feature)
    assert np.allclose(r[:3], [np.corrcoef(states[:, k], feature)[0, 1] for k in range(3)], atol=EXACT)
    assert r[3] == 0.0


def test_shifted_control_is_high_only_for_aligned_features():
    rng = np.random.default_rng(2)
    feature = np.repeat(rng.integers(0, 2, 300), 10).astype(float)        # long runs, like docstrings
    states = rng.standard_normal((3000, 8))
    states[:, 5] += 3 * feature
    r = np.abs(unit_correlations(states, feature))
    null = shifted_max_correlations(states, feature, n=50)
    assert r.argmax() == 5 and r.max() > 0.5 > np.quantile(null, 0.95)
    with pytest.raises(ValueError, match="min_shift"):
        shifted_max_correlations(states[:100], feature[:100])
