"""The benchmark runs (quick mode) and prints the documented JSON schema; no timing is asserted."""
import json
import subprocess
import sys

from course_utils.authoring.benchmark import format_table

KEYS = {"kind", "pass", "scratch_ms", "torch_ms", "ratio"}


def test_benchmark_quick_json_schema():
    done = subprocess.run([sys.executable, "-m", "course_utils.authoring.benchmark", "--quick", "--json"],
                          capture_output=True, text=True, timeout=120, check=True)
    rows = json.loads(done.stdout)
    assert {(r["kind"], r["pass"]) for r in rows} == {(c, p) for c in ("rnn", "lstm", "gru")
                                                      for p in ("forward", "forward+backward")}
    for row in rows:
        assert set(row) == KEYS
        assert all(isinstance(row[k], float) and row[k] > 0 for k in ("scratch_ms", "torch_ms", "ratio"))


def test_benchmark_table_names_the_settings():
    info = dict(T=100, B=32, D=64, H=128, dtype="float32", repeats=21, torch_threads=1, numpy_blas_threads=1)
    rows = [{"kind": "gru", "pass": "forward", "scratch_ms": 2.0, "torch_ms": 1.0, "ratio": 2.0}]
    table = format_table(rows, info).splitlines()
    assert "torch threads 1, numpy BLAS threads 1" in table[0]
    assert table[2].split() == ["gru", "forward", "2.00", "1.00", "2.00"]


def test_activation_forms_quick_json_schema():
    done = subprocess.run([sys.executable, "-m", "course_utils.authoring.benchmark", "--activations", "--quick", "--json"],
                          capture_output=True, text=True, timeout=120, check=True)
    forms = json.loads(done.stdout)
    assert set(forms) == {"one tanh", "exp sigmoids", "ratio"}
    assert all(isinstance(v, float) and v > 0 for v in forms.values())


def test_the_two_activation_forms_compute_the_same_gates():
    """What --activations times: tanh(a/2)/2 + 1/2 on i, f, o equals 1 / (1 + exp(-a))."""
    import numpy as np

    from course_utils.cells.lstm import sigmoid_via_tanh
    scale, shift = sigmoid_via_tanh(4)
    a = np.random.default_rng(0).standard_normal((5, 16))
    halved = a * scale                              # the kernel's block holds a/2 on i, f, o
    via_tanh = np.tanh(halved) * scale + shift
    exact = np.concatenate([1 / (1 + np.exp(-a[:, :8])), np.tanh(a[:, 8:12]), 1 / (1 + np.exp(-a[:, 12:]))], axis=1)
    assert np.abs(via_tanh - exact).max() < 1e-15


def test_sigmoid_via_tanh_refuses_a_bad_size():
    import pytest

    from course_utils.cells.lstm import sigmoid_via_tanh
    with pytest.raises(ValueError, match="H must be"):
        sigmoid_via_tanh(0)
