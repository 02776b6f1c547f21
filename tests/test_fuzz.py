"""The fuzz run of tests/fuzz_api.py: every bad input to the modules of this package that it covers
gives a clear error (no raw traceback from NumPy/PyTorch/Python internals, no silent result)."""
import io
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import fuzz_api  # noqa: E402


def test_every_bad_input_gets_a_clear_error():
    out = io.StringIO()
    totals = fuzz_api.run(0, listing="all", stream=out)
    assert sum(totals.values()) >= 900, out.getvalue()
    for group in ("tools", "cells"):
        assert totals.get((group, fuzz_api.RAW), 0) == 0, out.getvalue()
        assert totals.get((group, fuzz_api.SILENT), 0) == 0, out.getvalue()


def test_command_line_prints_the_table(capsys):
    assert fuzz_api.main(["--n", "30"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("30 bad inputs") and "raw traceback" in text and "tools   TOTAL" in text


def test_classify_tells_the_three_outcomes_apart():
    import numpy as np

    def clear(n):
        raise ValueError(f"n must be positive, got {n}")
    cases = [fuzz_api.Case("m", "f", "n", -1, lambda: clear(-1)),
             fuzz_api.Case("m", "f", "n", "x", lambda: np.zeros(3) + "x"),
             fuzz_api.Case("m", "f", "n", 0, lambda: 0.0)]
    outcomes = [fuzz_api.classify(c)[0] for c in cases]
    assert outcomes == [fuzz_api.RAW, fuzz_api.RAW, fuzz_api.SILENT]   # clear() is not course_utils code
    from course_utils.data.tasks import copy_task
    assert fuzz_api.classify(fuzz_api.Case("tasks", "copy_task", "delay", 0, lambda: copy_task(2, 0)))[0] == fuzz_api.CLEAR
