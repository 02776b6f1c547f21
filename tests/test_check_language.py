"""Checkers of Chapter 7: correct answers pass, each common mistake gets its hint, stubs are "not attempted"."""
import numpy as np
import pytest

from course_utils.exercises.check import language as check

# ------------------------------------------------------------------ perplexity, learner-style answers


def _log_probs(logits):
    z = logits - logits.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def perplexity_ok(logits, targets):
    return float(np.exp(-_log_probs(logits)[np.arange(len(targets)), targets].mean()))


def perplexity_returns_cross_entropy(logits, targets):
    return float(-_log_probs(logits)[np.arange(len(targets)), targets].mean())


def perplexity_sum(logits, targets):
    return float(np.exp(-_log_probs(logits)[np.arange(len(targets)), targets].sum()))


def perplexity_base2(logits, targets):
    return float(2 ** (-_log_probs(logits)[np.arange(len(targets)), targets].mean()))


def perplexity_raw_logits(logits, targets):
    return float(np.exp(-logits[np.arange(len(targets)), targets].mean()))


def perplexity_arithmetic(logits, targets):
    p = np.exp(_log_probs(logits))[np.arange(len(targets)), targets]
    return float(1 / p.mean())


def stub(*args, **kwargs):
    """What the student edition leaves."""
    raise NotImplementedError


def test_perplexity_accepts_a_correct_answer():
    fb = check.perplexity(perplexity_ok)
    assert fb.passed, fb.text


@pytest.mark.parametrize("wrong, hint", [
    (perplexity_returns_cross_entropy, "its exponential"),
    (perplexity_sum, "Average the negative log-likelihood"),
    (perplexity_base2, "nats"),
    (perplexity_raw_logits, "Logits are not log-probabilities"),
    (perplexity_arithmetic, "geometric"),
])
def test_perplexity_mistakes_get_their_hint(wrong, hint):
    fb = check.perplexity(wrong)
    assert fb.status == "incorrect" and hint in fb.text, fb.text


def test_perplexity_stub_is_not_attempted():
    assert check.perplexity(stub).status == "not attempted"

# ------------------------------------------------------------------ temperature softmax


def softmax_ok(logits, temperature):
    z = np.asarray(logits, dtype=float) / temperature
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def softmax_multiplies(logits, temperature):
    return softmax_ok(np.asarray(logits) * temperature ** 2, temperature)


def softmax_axis0(logits, temperature):
    z = np.asarray(logits, dtype=float) / temperature
    e = np.exp(z - z.max())
    return e / e.sum(axis=0, keepdims=True)


def softmax_power_unnormalised(logits, temperature):
    return softmax_ok(logits, 1.0) ** (1 / temperature)


def softmax_no_shift(logits, temperature):
    e = np.exp(np.asarray(logits, dtype=float) / temperature)
    return e / e.sum(axis=-1, keepdims=True)


def softmax_power_renormalised(logits, temperature):
    """p ** (1/τ), renormalised: the same distribution written another way (correct)."""
    q = softmax_ok(logits, 1.0) ** (1 / temperature)
    return q / q.sum(axis=-1, keepdims=True)


@pytest.mark.parametrize("answer", [softmax_ok, softmax_power_renormalised])
def test_softmax_temperature_accepts_correct_answers(answer):
    fb = check.softmax_temperature(answer)
    assert fb.passed, fb.text


@pytest.mark.parametrize("wrong, hint", [
    (softmax_multiplies, "Divide the logits by the temperature"),
    (softmax_axis0, "last axis"),
    (softmax_power_unnormalised, "renormalise"),
    (softmax_no_shift, "Subtract the largest logit"),
])
def test_softmax_temperature_mistakes_get_their_hint(wrong, hint):
    with np.errstate(all="ignore"):
        fb = check.softmax_temperature(wrong)
    assert fb.status == "incorrect" and hint in fb.text, fb.text


def test_softmax_temperature_stub_is_not_attempted():
    assert check.softmax_temperature(stub).status == "not attempted"

# ------------------------------------------------------------------ uniform perplexity (predict)


@pytest.mark.parametrize("answer, hint", [
    (lambda: float(np.log(96)), "exponential"),
    (lambda: float(np.log2(96)), "exponential"),
    (lambda: 20.136849533444366, "unigram"),
    (lambda: 50.0, "exp(log V) = V"),
])
def test_uniform_perplexity_wrong_predictions_get_a_hint(answer, hint):
    fb = check.uniform_perplexity(answer)
    assert fb.status == "incorrect" and hint in fb.text, fb.text


def test_uniform_perplexity_is_the_vocabulary_size():
    assert check.uniform_perplexity(lambda: 96).passed
    assert check.uniform_perplexity(stub).status == "not attempted"


def test_checkers_are_exported_from_the_package():
    from course_utils.exercises import check as package
    for name in check.__all__:
        assert getattr(package, name) is getattr(check, name)
