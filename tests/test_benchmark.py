"""The benchmark runs (quick mode) and prints the documented JSON schema; no timing is asserted."""
import json
import subprocess
import sys

from course_utils.benchmark import format_table

KEYS = {"cell", "pass", "scratch_ms", "torch_ms", "ratio"}


def test_benchmark_quick_json_schema():
    done = subprocess.run([sys.executable, "-m", "course_utils.benchmark", "--quick", "--json"],
                          capture_output=True, text=True, timeout=120, check=True)
    rows = json.loads(done.stdout)
    assert {(r["cell"], r["pass"]) for r in rows} == {(c, p) for c in ("rnn", "lstm", "gru")
                                                      for p in ("forward", "forward+backward")}
    for row in rows:
        assert set(row) == KEYS
        assert all(isinstance(row[k], float) and row[k] > 0 for k in ("scratch_ms", "torch_ms", "ratio"))


def test_benchmark_table_names_the_settings():
    info = dict(T=100, B=32, D=64, H=128, dtype="float32", repeats=21, torch_threads=1, numpy_blas_threads=1)
    rows = [{"cell": "gru", "pass": "forward", "scratch_ms": 2.0, "torch_ms": 1.0, "ratio": 2.0}]
    table = format_table(rows, info).splitlines()
    assert "torch threads 1, numpy BLAS threads 1" in table[0]
    assert table[2].split() == ["gru", "forward", "2.00", "1.00", "2.00"]
