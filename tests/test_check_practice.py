"""Checkers of Chapter 11: correct answers pass, each common mistake gets its hint, stubs are "not attempted"."""
import numpy as np
import pytest

from course_utils.exercises.check import practice as check


def stub(*args, **kwargs):
    """What the student edition leaves."""
    raise NotImplementedError

# ------------------------------------------------------------------ balanced weights


def weights_ok(group, labels):
    cells = list(zip(group.tolist(), labels.tolist()))
    counts = {c: cells.count(c) for c in set(cells)}
    w = np.array([1.0 / counts[c] for c in cells])
    return w / w.sum()


def weights_unnormalised(group, labels):
    cells = list(zip(group.tolist(), labels.tolist()))
    return np.array([1.0 / cells.count(c) for c in cells])


def weights_by_group(group, labels):
    g = group.tolist()
    w = np.array([1.0 / g.count(x) for x in g])
    return w / w.sum()


def weights_counts(group, labels):
    cells = list(zip(group.tolist(), labels.tolist()))
    w = np.array([float(cells.count(c)) for c in cells])
    return w / w.sum()


def test_balanced_weights_accepts_a_correct_answer():
    fb = check.balanced_weights(weights_ok)
    assert fb.passed, fb.text


@pytest.mark.parametrize("wrong, hint", [
    (weights_unnormalised, "sum to 1"),
    (weights_by_group, "(group, label) cells"),
    (weights_counts, "the common cells weigh the most"),
])
def test_balanced_weights_mistakes_get_their_hint(wrong, hint):
    fb = check.balanced_weights(wrong)
    assert fb.status == "incorrect" and hint in fb.text, fb.text

# ------------------------------------------------------------------ unit correlations


def corr_ok(states, feature):
    s = states - states.mean(axis=0)
    f = feature - feature.mean()
    den = np.sqrt((s ** 2).sum(axis=0) * (f ** 2).sum())
    return np.divide(s.T @ f, den, out=np.zeros(states.shape[1]), where=den > 0)


def corr_loop(states, feature):
    """np.corrcoef per unit, with the constant-unit case handled: also correct."""
    out = np.zeros(states.shape[1])
    for k in range(states.shape[1]):
        if np.std(states[:, k]) > 0:
            out[k] = np.corrcoef(states[:, k], feature)[0, 1]
    return out


def corr_covariance(states, feature):
    return (states - states.mean(axis=0)).T @ (feature - feature.mean()) / len(feature)


def corr_not_centred(states, feature):
    den = np.sqrt((states ** 2).sum(axis=0) * (feature ** 2).sum())
    return np.divide(states.T @ feature, den, out=np.zeros(states.shape[1]), where=den > 0)


def corr_nan_for_constant(states, feature):
    s = states - states.mean(axis=0)
    f = feature - feature.mean()
    with np.errstate(all="ignore"):
        return s.T @ f / np.sqrt((s ** 2).sum(axis=0) * (f ** 2).sum())


def corr_abs(states, feature):
    return np.abs(corr_ok(states, feature))


@pytest.mark.parametrize("answer", [corr_ok, corr_loop])
def test_unit_correlations_accepts_correct_answers(answer):
    fb = check.unit_correlations(answer)
    assert fb.passed, fb.text


@pytest.mark.parametrize("wrong, hint", [
    (corr_covariance, "covariance"),
    (corr_not_centred, "Subtract the means"),
    (corr_nan_for_constant, "zero variance"),
    (corr_abs, "the sign matters"),
])
def test_unit_correlations_mistakes_get_their_hint(wrong, hint):
    fb = check.unit_correlations(wrong)
    assert fb.status == "incorrect" and hint in fb.text, fb.text

# ------------------------------------------------------------------ predicted main effects


def test_main_effect_spreads_prediction():
    assert check.main_effect_spreads(lambda: (1.6, 0.0)).passed
    swapped = check.main_effect_spreads(lambda: (0.0, 1.6))
    assert swapped.status == "incorrect" and "swapped" in swapped.text
    cells = check.main_effect_spreads(lambda: (2.0, 0.4))
    assert cells.status == "incorrect" and "single cells" in cells.text


@pytest.mark.parametrize("checker", [check.balanced_weights, check.unit_correlations, check.main_effect_spreads])
def test_stubs_are_not_attempted(checker):
    assert checker(stub).status == "not attempted"


def test_checkers_are_exported_from_the_package():
    from course_utils.exercises import check as package
    for name in check.__all__:
        assert getattr(package, name) is getattr(check, name)
