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


def perplexity_bits_then_exp(logits, targets):
    log2_p = _log_probs(logits)[np.arange(len(targets)), targets] / np.log(2)
    return float(np.exp(-log2_p.mean()))


def perplexity_column_index(logits, targets):
    return float(np.exp(-_log_probs(logits)[:, targets].mean()))


def perplexity_mean_of_row_perplexities(logits, targets):
    return float(np.mean(np.exp(-_log_probs(logits)[np.arange(len(targets)), targets])))


def stub(*args, **kwargs):
    """What the student edition leaves."""
    raise NotImplementedError


def test_perplexity_accepts_a_correct_answer():
    fb = check.perplexity(perplexity_ok)
    assert fb.passed, fb.text


PERPLEXITY_WRONG = [
    (perplexity_returns_cross_entropy, "cross-entropy itself"),
    (perplexity_sum, "summed the negative log-likelihoods"),
    (perplexity_base2, "exponentiated with base 2"),
    (perplexity_raw_logits, "raw logit"),
    (perplexity_arithmetic, "geometric"),
    (perplexity_bits_then_exp, "mixed two bases"),
    (perplexity_column_index, "[:, targets]"),
    (perplexity_mean_of_row_perplexities, "averaged per-character perplexities"),
]


def _only_hint(feedback, fragment, mistakes):
    """The feedback has one hint, the catalogued hint containing ``fragment``, and no other catalogued hint."""
    mine = [m.hint for m in mistakes if fragment in m.hint]
    others = {m.hint for m in mistakes} - set(mine)
    return (len(set(mine)) == 1 and mine[0] in feedback.text and feedback.text.count("Hint:") == 1
            and not [h for h in others if h in feedback.text])


@pytest.mark.parametrize("wrong, hint", PERPLEXITY_WRONG)
def test_perplexity_mistakes_get_their_hint_and_no_other(wrong, hint):
    fb = check.perplexity(wrong)
    assert fb.status == "incorrect" and _only_hint(fb, hint, check.PERPLEXITY_MISTAKES), fb.text


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


def softmax_whole_array(logits, temperature):
    z = np.asarray(logits, dtype=float) / temperature
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum()


def softmax_whole_array_global_max(logits, temperature):
    z = np.asarray(logits, dtype=float) / temperature
    e = np.exp(z - z.max())
    return e / np.sum(e)


def softmax_divides_probabilities(logits, temperature):
    return softmax_ok(logits, 1.0) / temperature


def softmax_ignores_temperature(logits, temperature):
    return softmax_ok(logits, 1.0)


def softmax_log_probabilities(logits, temperature):
    z = np.asarray(logits, dtype=float) / temperature
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def softmax_power_renormalised(logits, temperature):
    """p ** (1/τ), renormalised: the same distribution written another way (correct)."""
    q = softmax_ok(logits, 1.0) ** (1 / temperature)
    return q / q.sum(axis=-1, keepdims=True)


@pytest.mark.parametrize("answer", [softmax_ok, softmax_power_renormalised])
def test_softmax_temperature_accepts_correct_answers(answer):
    fb = check.softmax_temperature(answer)
    assert fb.passed, fb.text


@pytest.mark.parametrize("wrong, hint", [
    (softmax_multiplies, "multiplied the logits"),
    (softmax_axis0, "first axis (axis=0)"),
    (softmax_power_unnormalised, "renormalise"),
    (softmax_no_shift, "Subtract the largest logit"),
    (softmax_whole_array, "sum of the whole array"),
    (softmax_whole_array_global_max, "sum of the whole array"),
    (softmax_divides_probabilities, "divided the probabilities by τ"),
    (softmax_ignores_temperature, "τ never enters"),
    (softmax_log_probabilities, "log-probabilities"),
])
def test_softmax_temperature_mistakes_get_their_hint_and_no_other(wrong, hint):
    with np.errstate(all="ignore"):
        fb = check.softmax_temperature(wrong)
    assert fb.status == "incorrect" and _only_hint(fb, hint, check.TEMPERATURE_MISTAKES), fb.text


def test_normalising_over_the_whole_array_passes_the_one_dimensional_case_only():
    logits = np.array([0.3, -1.2, 2.0, 0.5])
    assert np.allclose(softmax_whole_array(logits, 1.5), softmax_ok(logits, 1.5))
    assert check.softmax_temperature(softmax_whole_array).status == "incorrect"


def test_softmax_temperature_stub_is_not_attempted():
    assert check.softmax_temperature(stub).status == "not attempted"

# ------------------------------------------------------------------ uniform perplexity (predict)


@pytest.mark.parametrize("answer, hint", [
    (lambda: float(np.log(96)), "cross-entropy"),
    (lambda: float(np.log2(96)), "cross-entropy"),
    (lambda: 1 / 96, "not a probability"),
    (lambda: 20.136849533444366, "unigram"),
    (lambda: 50.0, "what is -log p for each of them"),
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

# ------------------------------------------------------------------ one dtype policy for 7.1 and 7.2


def test_a_float32_answer_is_correct_with_a_note_in_both_exercises():
    def perplexity32(logits, targets):
        return np.float32(perplexity_ok(logits, targets))

    def softmax32(logits, temperature):
        z = np.asarray(logits, dtype=np.float32) / np.float32(temperature)
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)

    for feedback in (check.perplexity(perplexity32), check.softmax_temperature(softmax32)):
        assert feedback.passed, feedback.text
        assert "has dtype float32, so it was checked to float32's precision" in feedback.text, feedback.text


def test_a_torch_tensor_is_a_wrong_type_with_how_to_convert_it_in_both_exercises():
    torch = pytest.importorskip("torch")

    def perplexity_torch(logits, targets):
        log_p = torch.log_softmax(torch.as_tensor(logits, dtype=torch.float32), dim=-1)
        return torch.exp(-log_p[torch.arange(len(targets)), torch.as_tensor(targets)].mean())

    def softmax_torch(logits, temperature):
        return torch.softmax(torch.as_tensor(logits, dtype=torch.float32) / temperature, dim=-1)

    scalar = check.perplexity(perplexity_torch)
    assert scalar.status == "wrong type" and "convert it with `.item()`" in scalar.text, scalar.text
    array = check.softmax_temperature(softmax_torch)
    assert array.status == "wrong type" and "convert it with `.detach().numpy()`" in array.text, array.text
    converted = check.softmax_temperature(lambda logits, temperature: softmax_torch(logits, temperature).numpy())
    assert converted.passed and "float32" in converted.text, converted.text


def test_an_answer_that_changes_the_callers_logits_is_correct_with_a_note():
    def perplexity_in_place(logits, targets):
        logits -= logits.max(axis=1, keepdims=True)
        logits -= np.log(np.exp(logits).sum(axis=1, keepdims=True))
        return float(np.exp(-logits[np.arange(len(targets)), targets].mean()))

    def softmax_in_place(logits, temperature):
        logits /= temperature
        logits -= logits.max(axis=-1, keepdims=True)
        np.exp(logits, out=logits)
        return logits / logits.sum(axis=-1, keepdims=True)

    for feedback in (check.perplexity(perplexity_in_place), check.softmax_temperature(softmax_in_place)):
        assert feedback.passed, feedback.text
        assert "Note: your function changed its input `logits` in place" in feedback.text, feedback.text
    assert "in place" not in check.softmax_temperature(softmax_ok).text
