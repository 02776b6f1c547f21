"""The records of Chapter 6's runs and their JSON files: one dict per run (:data:`RECORD_KEYS`),
files of schema :data:`SCHEMA` written by ``python -m course_utils.learning.experiments seeds``
(:func:`write_results`), read back and checked (:func:`load_results`), and grouped by setting
(:func:`group_runs`).

A file holds the settings, the exact command, the PyTorch version, the device and the date, then one
line per run record; ``notebooks/data/README.md`` describes the three files Chapter 6 reads. The runs
are :mod:`course_utils.learning.experiments`, the measurements :mod:`course_utils.learning.experiment_analysis`.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from course_utils.data.tasks import BASELINE_MSE
from course_utils.learning.experiment_analysis import constant_baseline
from course_utils.learning.models import count_parameters

if TYPE_CHECKING:
    from course_utils.learning.experiments import AddingResult

__all__ = ["SCHEMA", "RECORD_KEYS", "result_record", "load_results", "write_results", "group_runs"]

SCHEMA = "course_utils.learning.experiments/seeds/2"
"""Version 2 names the cell type ``kind`` (records' key ``"kind"``, settings' ``"kinds"``, ``--kinds``);
version 1 called it ``cell`` (``"cell"``, ``"cells"``, ``--cells``). :func:`load_results` refuses
version 1 files with an error that says so. The schema is named after the command that writes the
files (``python -m course_utils.learning.experiments seeds``), not after this module."""
_SCHEMA_V1 = "course_utils.learning.experiments/seeds/1"
RECORD_KEYS = ("kind", "length", "seed", "lr", "forget_bias", "hidden_size", "parameters", "steps", "ended",
               "solved_at", "left_plateau_at", "test_mse", "constant_test_mse", "valid_step", "valid_mse",
               "seconds")
"""The keys of one run record, in the order :func:`result_record` writes them."""


def result_record(result: AddingResult) -> dict:
    """One run as a JSON-ready dict with the keys ``RECORD_KEYS``.

    ``ended``: ``"stop_below"`` (validation MSE fell below ``stop_below``), ``"gave_up"`` (the give-up
    rule), ``"max_steps"`` or ``"non_finite"``. ``solved_at``: first evaluated step with validation MSE
    below ``solved_below``; ``left_plateau_at``: first with validation MSE below ``give_up_above`` x
    the baseline (``None``: never). ``constant_test_mse``: see
    :func:`~course_utils.learning.experiment_analysis.constant_baseline`. ``valid_step`` and
    ``valid_mse`` are equal-length lists, one entry per evaluation (``valid_mse`` to 5 significant
    digits); ``test_mse`` and ``constant_test_mse`` are rounded to 7 decimals, ``seconds`` to 2.

    Raises nothing of its own for an :class:`~course_utils.learning.experiments.AddingResult`
    (anything else raises AttributeError).
    """
    run, history = result.run, result.history
    last_mse = history.eval["mse"][-1]
    if history.stopped is None:
        ended = "max_steps"
    elif "stop_fn" not in history.stopped:
        ended = "non_finite"
    else:
        ended = "stop_below" if last_mse < run.stop_below else "gave_up"
    return {
        "kind": run.kind, "length": run.length, "seed": run.seed, "lr": run.lr, "forget_bias": run.forget_bias,
        "hidden_size": run.hidden_size, "parameters": count_parameters(run.build()), "steps": history.steps,
        "ended": ended, "solved_at": result.steps_to_solve,
        "left_plateau_at": history.first_step("mse", run.give_up_above * BASELINE_MSE[run.variant]),
        "test_mse": round(result.test_mse, 7),
        "constant_test_mse": round(constant_baseline(run, history.steps)[1], 7),
        "valid_step": list(history.eval["step"]),
        "valid_mse": [float(f"{v:.5g}") for v in history.eval["mse"]],
        "seconds": round(result.seconds, 2),
    }


def write_results(data: dict, path) -> None:
    """Write a results file: ``data`` (its ``"runs"``: a list of run records, the rest metadata) as JSON.

    The metadata is indented, each run record takes one line; the text goes to ``PATH.part``, which is
    then renamed to ``path`` (a reader never sees half a file). The folder is created if needed.

    Raises KeyError when ``data`` has no ``"runs"``, TypeError when a value cannot be written as
    JSON, and OSError when the file cannot be written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    head = {k: v for k, v in data.items() if k != "runs"}
    text = json.dumps(head, indent=1)[:-2] + ',\n "runs": [\n' + \
        ",\n".join("  " + json.dumps(r) for r in data["runs"]) + "\n ]\n}\n"
    json.loads(text)                                     # the file is valid JSON
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def load_results(path) -> dict:
    """Read a file written by ``python -m course_utils.learning.experiments seeds`` (checks its schema).

    A relative ``path`` that does not exist from the working directory is taken from the repository
    root, so ``load_results("notebooks/data/ch6_seeds.json")`` works from a notebook too. Returns the
    file's dict: the metadata and ``"runs"``, one record (a dict with :data:`RECORD_KEYS`) per run.

    Raises FileNotFoundError when there is no such file, ValueError when its schema is not
    :data:`SCHEMA` (an old version 1 file gets a message saying what to rename) or a run record has
    the old key ``cell`` or lacks one of ``RECORD_KEYS``.
    """
    if not Path(path).exists() and not Path(path).is_absolute():
        from course_utils._paths import find_root
        path = find_root() / path
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    if data.get("schema") == _SCHEMA_V1:
        raise ValueError(f"{path}: schema {_SCHEMA_V1!r} is an old version whose run records name the cell "
                         f"type with the key 'cell'; expected schema {SCHEMA!r}, where that key is 'kind' "
                         "(rename the key 'cell' to 'kind' in every record, settings' 'cells' to 'kinds', "
                         "and set the schema, or run the command again with --kinds)")
    if data.get("schema") != SCHEMA:
        raise ValueError(f"{path}: expected a results file with schema {SCHEMA!r}, got {data.get('schema')!r}")
    for record in data["runs"]:
        if "cell" in record and "kind" not in record:
            raise ValueError(f"{path}: a run record has the old key 'cell'; expected the key 'kind' instead")
        missing = set(RECORD_KEYS) - set(record)
        if missing:
            raise ValueError(f"{path}: a run record lacks {sorted(missing)}")
    return data


def group_runs(records: list[dict]) -> dict[tuple, list[dict]]:
    """``{(kind, length, forget_bias, lr): [record, ...]}``, each list sorted by seed.

    ``records``: run records (dicts with the keys :data:`RECORD_KEYS`, as in
    ``load_results(path)["runs"]``). Raises KeyError when a record lacks one of ``kind``,
    ``length``, ``forget_bias``, ``lr`` or ``seed``.
    """
    groups: dict[tuple, list[dict]] = {}
    for r in records:
        groups.setdefault((r["kind"], r["length"], r["forget_bias"], r["lr"]), []).append(r)
    return {key: sorted(group, key=lambda r: r["seed"]) for key, group in groups.items()}
