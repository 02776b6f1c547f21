"""Chapter 6's experiment: the runner (one run, parallel == serial, sweeps, the seeds command), its records
(experiment_records) and its measurements (experiment_analysis: gradient by time, baseline, give-up)."""
import json
import math
import subprocess
import sys

import numpy as np
import pytest
import torch

from course_utils.cells import params
from course_utils.learning import experiment_records, experiments
from course_utils.learning.experiment_analysis import (constant_baseline, give_up_step,
                                                       input_gradient_norms_by_time, results_by)
from course_utils.learning.experiment_records import RECORD_KEYS, SCHEMA, group_runs, load_results
from course_utils.learning.experiments import (AddingResult, AddingRun, run_all, seed_runs, sweep, train_adding,
                                               with_seed)
from course_utils.learning.models import SequenceModel
from course_utils.data.tasks import adding_batches
from course_utils.learning.training import History

TINY = dict(max_steps=20, eval_every=10, batch=16, n_valid=32, n_test=64, budget=300)
FD_EPS = 1e-3
FD_TOL = 1e-3


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_input_gradient_norms_by_time_matches_finite_differences(kind):
    torch.manual_seed(0)
    model = SequenceModel(kind, 2, 5, 1).double()
    x = torch.randn(3, 6, 2, dtype=torch.float64)
    profile = input_gradient_norms_by_time(model, x)
    assert profile.shape == (6,) and profile.dtype == np.float64
    grads = torch.zeros_like(x)
    with torch.no_grad():
        for b in range(3):
            for t in range(6):
                for d in range(2):
                    e = torch.zeros_like(x)
                    e[b, t, d] = FD_EPS
                    grads[b, t, d] = (model(x + e)[b, 0] - model(x - e)[b, 0]) / (2 * FD_EPS)
    np.testing.assert_allclose(profile, grads.norm(dim=-1).mean(0).numpy(), rtol=FD_TOL)


def test_input_gradient_norms_by_time_restores_eval_mode():
    model = SequenceModel("gru", 2, 3, 1).eval()
    input_gradient_norms_by_time(model, torch.zeros(2, 4, 2))
    assert not model.training


def test_train_adding_is_deterministic_and_restores_threads():
    threads = torch.get_num_threads()
    run = AddingRun("lstm", 8, seed=1, forget_bias=1.0, **TINY)
    a, b = train_adding(run), train_adding(run)
    assert torch.get_num_threads() == threads
    assert a.history.loss == b.history.loss and a.test_mse == b.test_mse
    assert a.history.eval["step"] == [10, 20] and set(a.history.eval) >= {"mse", "grad_early", "grad_late"}


def test_train_adding_flushes_subnormals_only_during_the_run():
    tiny = torch.tensor([1e-30], dtype=torch.float32)
    assert float(tiny * 1e-10) > 0                      # 1e-40 is a float32 subnormal, kept by default
    seen = []

    class Spy(AddingRun):
        def should_stop(self, history):
            seen.append(float(tiny * 1e-10))            # evaluated inside the run
            return super().should_stop(history)

    train_adding(Spy("rnn", 5, **TINY))
    assert seen and all(v == 0.0 for v in seen)        # flushed during training
    assert float(tiny * 1e-10) > 0                      # and the default is back afterwards


def test_result_model_reproduces_the_trained_predictions():
    run = AddingRun("rnn", 6, **TINY)
    result = train_adding(run)
    x, y = run.data("test")
    with torch.no_grad():
        mse = float(((result.model()(x) - y) ** 2).mean())
    assert mse == pytest.approx(result.test_mse, rel=1e-6)


def test_early_stop_when_validation_mse_is_low():
    result = train_adding(AddingRun("gru", 5, stop_below=10.0, **TINY))
    assert result.history.steps == 10 and "stop_fn" in result.history.stopped


def test_validation_and_test_sets_differ_and_depend_on_seed():
    run = AddingRun("rnn", 7, n_valid=8, n_test=8)
    assert not torch.equal(run.data("valid")[0], run.data("test")[0])
    assert not torch.equal(run.data("test")[0], AddingRun("rnn", 7, seed=1, n_valid=8, n_test=8).data("test")[0])


def test_parallel_results_equal_serial_results():
    runs = [AddingRun("rnn", 6, **TINY), AddingRun("lstm", 6, **TINY)]
    serial = run_all(runs, processes=1, progress=False)
    parallel = run_all(runs, processes=2, progress=False)
    for s, p in zip(serial, parallel):
        assert s.run == p.run and s.history.loss == p.history.loss and s.test_mse == p.test_mse


def test_sweep_gives_each_kind_its_learning_rate_and_lstm_its_forget_bias():
    runs = sweep(lengths=(10, 50), lr={"rnn": 1e-2, "lstm": 2e-2, "gru": 3e-2}, forget_bias=1.0)
    assert [(r.kind, r.length) for r in runs][:3] == [("rnn", 10), ("lstm", 10), ("gru", 10)]
    assert {r.kind: r.lr for r in runs} == {"rnn": 1e-2, "lstm": 2e-2, "gru": 3e-2}
    assert {r.kind: r.forget_bias for r in runs} == {"rnn": None, "lstm": 1.0, "gru": None}
    assert {r.seed for r in with_seed(runs, 3)} == {3}


def test_sweep_defaults_to_every_kind():
    assert tuple(dict.fromkeys(r.kind for r in sweep(lengths=(10,)))) == params.KINDS


def test_schedule_weights_are_the_recorded_run_times_relative_to_the_lstm():
    """SCHEDULE_WEIGHT's numbers come from Chapter 6's recorded runs (seconds per step and time step)."""
    seconds, work = {}, {}
    for r in load_results("notebooks/data/ch6_seeds.json")["runs"]:
        seconds[r["kind"]] = seconds.get(r["kind"], 0.0) + r["seconds"]
        work[r["kind"]] = work.get(r["kind"], 0) + r["steps"] * r["length"]
    per_step = {kind: seconds[kind] / work[kind] for kind in seconds}
    assert tuple(experiments.SCHEDULE_WEIGHT) == params.KINDS
    for kind, weight in experiments.SCHEDULE_WEIGHT.items():
        assert weight == pytest.approx(per_step[kind] / per_step["lstm"], abs=0.05), kind


def test_runs_are_started_longest_first():
    runs = [AddingRun("lstm", 100), AddingRun("gru", 50), AddingRun("rnn", 100), AddingRun("gru", 100),
            AddingRun("rnn", 10, max_steps=20_000)]
    assert experiments._longest_first(runs) == [3, 4, 1, 2, 0]     # 260k, 220k, 130k, 110k, 100k


def test_comparable_parameter_counts():
    from course_utils.learning.models import count_parameters
    counts = [count_parameters(AddingRun(c, 10).build()) for c in ("rnn", "lstm", "gru")]
    assert max(counts) <= 4700 and min(counts) > 0.95 * 4700


def test_run_all_refuses_other_objects():
    with pytest.raises(TypeError, match="AddingRun"):
        run_all([("rnn", 10)])


def fake_result(kind, length, forget_bias=None, values=(0.2, 0.0)):
    history = History(loss=[1.0, 1.0], grad_norm=[1.0, 1.0],
                      eval={"step": [1, 2], "mse": [0.2, 0.1], "grad_early": list(values)})
    return AddingResult(AddingRun(kind, length, forget_bias=forget_bias), history, 0.1, None, 0.0)


def test_results_by_filters_lstm_forget_bias():
    results = [fake_result("rnn", 10), fake_result("lstm", 10, 1.0), fake_result("lstm", 10, 0.0)]
    picked = results_by(results, forget_bias=1.0)
    assert set(picked) == {("rnn", 10), ("lstm", 10)} and picked["lstm", 10].run.forget_bias == 1.0


def test_give_up_stops_a_run_still_near_the_baseline_but_not_before_its_step():
    stuck = train_adding(AddingRun("rnn", 5, give_up_after=20, give_up_above=0.0, max_steps=40, eval_every=10,
                                   batch=16, n_valid=32, n_test=64, budget=300))
    assert stuck.history.steps == 20 and "stop_fn" in stuck.history.stopped
    never = train_adding(AddingRun("rnn", 5, give_up_after=20, give_up_above=1e9, **TINY))
    assert never.history.steps == 20 and never.history.stopped is None


# --- the seeds command: a reduced version of the runs behind Chapter 6's tables ------------------

TINY_ARGS = ["seeds", "--seeds", "3", "--lengths", "6", "--max-steps", "20", "--eval-every", "10", "--batch", "16",
             "--n-valid", "32", "--n-test", "64", "--budget", "300", "--forget-bias", "0", "1", "--quiet"]


@pytest.fixture(scope="module")
def tiny_file(tmp_path_factory):
    out = tmp_path_factory.mktemp("seeds") / "sub" / "tiny.json"
    data = experiments.main(TINY_ARGS + ["--device", "cpu", "--out", str(out)])
    return out, data


def test_seeds_command_writes_the_documented_schema(tiny_file):
    out, data = tiny_file
    on_disk = load_results(out)
    assert on_disk == json.loads(json.dumps(data))                   # what was returned is what was written
    assert on_disk["schema"] == SCHEMA and on_disk["torch"] == torch.__version__
    assert on_disk["device"].startswith("cpu") and on_disk["date"][:4].isdigit() and on_disk["seconds"] > 0
    assert on_disk["command"] == "python -m course_utils.learning.experiments " + " ".join(TINY_ARGS) + \
        f" --device cpu --out {out}"
    settings = on_disk["settings"]
    assert settings["seeds"] == [3] and settings["lengths"] == [6] and settings["max_steps"] == 20
    assert settings["kinds"] == ["rnn", "lstm", "gru"] and "cells" not in settings
    assert settings["lr"] == {"rnn": 0.01, "lstm": 0.02, "gru": 0.02} and settings["give_up_after"] is None
    assert settings["baseline_mse"] == pytest.approx(1 / 6)
    runs = on_disk["runs"]
    assert [(r["kind"], r["forget_bias"]) for r in runs] == [("rnn", None), ("lstm", 0.0), ("lstm", 1.0),
                                                            ("gru", None)]
    for r in runs:
        assert set(r) == set(RECORD_KEYS)
        assert r["seed"] == 3 and r["length"] == 6 and 0 < r["parameters"] <= 300
        assert r["steps"] == 20 and r["ended"] == "max_steps" and r["valid_step"] == [10, 20]
        assert len(r["valid_mse"]) == 2 and all(0 < v < 2 for v in r["valid_mse"])
        assert 0 < r["test_mse"] < 1 and r["seconds"] >= 0
        # the memoryless constant, fitted on the run's 20 training batches, scores about Var(y) = 1/6
        assert 0.08 < r["constant_test_mse"] < 0.3
        assert r["solved_at"] is None or r["solved_at"] in r["valid_step"]


def test_seeds_command_records_equal_a_direct_run(tiny_file):
    _, data = tiny_file
    record = data["runs"][1]
    direct = train_adding(AddingRun("lstm", 6, seed=3, forget_bias=0.0, max_steps=20, eval_every=10, batch=16,
                                    n_valid=32, n_test=64, budget=300))
    assert record["test_mse"] == pytest.approx(direct.test_mse, abs=1e-7)
    assert record["valid_mse"] == pytest.approx(direct.history.eval["mse"], rel=1e-4)


def test_constant_baseline_is_fitted_on_the_training_batches_the_run_saw():
    run = AddingRun("rnn", 5, seed=2, batch=8, n_test=16)
    rng = torch.Generator().manual_seed(2)
    batch_fn = adding_batches(5, 8)
    targets = torch.cat([batch_fn(step, rng)[1] for step in range(3)])
    constant, mse = constant_baseline(run, 3)
    assert constant == pytest.approx(float(targets.double().mean()))
    _, y_test = run.data("test")
    assert mse == pytest.approx(float(((y_test.double() - constant) ** 2).mean()))


def test_records_end_reason_give_up_and_stop_below():
    stuck = train_adding(AddingRun("rnn", 5, give_up_after=10, give_up_above=0.0, **TINY))
    assert experiment_records.result_record(stuck)["ended"] == "gave_up"
    done = experiment_records.result_record(train_adding(AddingRun("gru", 5, stop_below=10.0, **TINY)))
    assert done["ended"] == "stop_below" and done["steps"] == 10
    below = [step for step, m in zip(done["valid_step"], done["valid_mse"]) if m < 0.9 / 6]
    assert done["left_plateau_at"] == (below[0] if below else None)


def test_group_runs_and_seed_runs():
    runs = seed_runs([1, 0], [10], forget_biases=(0.0, 1.0), lr={"rnn": 0.05})
    assert [(r.seed, r.kind, r.forget_bias) for r in runs][:4] == [(1, "rnn", None), (1, "lstm", 0.0),
                                                                    (1, "lstm", 1.0), (1, "gru", None)]
    assert {r.kind: r.lr for r in runs} == {"rnn": 0.05, "lstm": 0.02, "gru": 0.02}
    records = [{"kind": r.kind, "length": r.length, "forget_bias": r.forget_bias, "lr": r.lr, "seed": r.seed}
               for r in runs]
    groups = group_runs(records)
    assert len(groups) == 4 and [r["seed"] for r in groups["lstm", 10, 0.0, 0.02]] == [0, 1]


def test_load_results_refuses_other_files(tmp_path):
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"schema": "something else", "runs": []}))
    with pytest.raises(ValueError, match="schema"):
        load_results(other)
    partial = tmp_path / "partial.json"
    partial.write_text(json.dumps({"schema": SCHEMA, "runs": [{"kind": "rnn"}]}))
    with pytest.raises(ValueError, match="lacks"):
        load_results(partial)


def test_load_results_names_the_old_key_cell(tiny_file, tmp_path):
    out, data = tiny_file
    renamed = [{("cell" if k == "kind" else k): v for k, v in r.items()} for r in data["runs"]]
    old = tmp_path / "old.json"
    old.write_text(json.dumps({**data, "schema": "course_utils.learning.experiments/seeds/1", "runs": renamed}))
    with pytest.raises(ValueError, match=r"seeds/1.*key 'cell'.*'kind'"):
        load_results(old)
    hand_edited = tmp_path / "hand_edited.json"
    hand_edited.write_text(json.dumps({**data, "runs": renamed}))
    with pytest.raises(ValueError, match=r"old key 'cell'; expected the key 'kind'"):
        load_results(hand_edited)


@pytest.mark.parametrize("args, message", [
    (["--lengths", "1"], "argument --lengths: expected an integer >= 2, got '1'"),
    (["--seeds", "-1"], "argument --seeds: expected an integer >= 0, got '-1'"),
    (["--lr", "rnn:0.1"], "argument --lr: expected KIND=RATE"),
    (["--give-up-after", "0"], "argument --give-up-after: expected an integer >= 1, got '0'"),
    (["--kinds", "transformer"], "argument --kinds: invalid choice: 'transformer'"),
    (["--cells", "rnn"], "unrecognized arguments: --cells rnn"),
    ([], "the following arguments are required: --out"),
])
def test_seeds_command_names_the_bad_argument(args, message, capsys):
    with pytest.raises(SystemExit) as info:
        experiments.main(["seeds", *args] + (["--out", "x.json"] if args else []))
    assert info.value.code == 2 and message in capsys.readouterr().err


def test_seeds_help_lists_the_settings(capsys):
    with pytest.raises(SystemExit) as info:
        experiments.main(["seeds", "--help"])
    text = capsys.readouterr().out
    assert info.value.code == 0
    for option in ("--seeds", "--lengths", "--kinds", "--forget-bias", "--lr", "--max-steps", "--give-up-after", "--device",
                   "--processes", "--out"):
        assert option in text


def test_seeds_command_runs_as_a_module(tmp_path):
    out = tmp_path / "cli.json"
    args = ["seeds", "--kinds", "gru", "--lengths", "4", "--max-steps", "10", "--eval-every", "5", "--batch", "8",
            "--n-valid", "16", "--n-test", "16", "--budget", "200", "--quiet", "--out", str(out)]
    done = subprocess.run([sys.executable, "-m", "course_utils.learning.experiments", *args], capture_output=True, text=True,
                          timeout=600)   # a crash guard: importing torch on a loaded machine is slow
    assert done.returncode == 0, done.stderr
    (record,) = load_results(out)["runs"]
    assert record["kind"] == "gru" and record["steps"] == 10 and math.isfinite(record["test_mse"])


def test_give_up_step_finds_the_first_evaluation_still_above_the_level():
    record = {"valid_step": [500, 600, 625, 650], "valid_mse": [0.2, 0.01, 0.2, 0.1]}
    assert give_up_step(record, after=600, level=0.15) == 625
    assert give_up_step(record, after=500, level=0.15) == 500
    assert give_up_step(record, after=650, level=0.15) is None


def test_load_results_finds_a_repository_path_from_another_folder(tiny_file, tmp_path, monkeypatch):
    out, _ = tiny_file
    (tmp_path / "book.toml").write_text("")                 # what marks a repository root
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "results.json").write_text(out.read_text())
    (tmp_path / "notebooks").mkdir()
    monkeypatch.chdir(tmp_path / "notebooks")               # where a notebook runs
    assert load_results("data/results.json")["runs"] == load_results(out)["runs"]


def test_each_name_has_one_home():
    from course_utils.learning import experiment_analysis
    homes = [set(m.__all__) for m in (experiments, experiment_records, experiment_analysis)]
    assert all(not (a & b) for i, a in enumerate(homes) for b in homes[i + 1:]), homes
    assert {"load_results", "result_record", "write_results"} <= homes[1]
    assert {"input_gradient_norms_by_time", "constant_baseline", "give_up_step"} <= homes[2]


def test_constant_baseline_names_a_bad_steps():
    with pytest.raises(ValueError, match="steps must be a positive integer, got 0"):
        constant_baseline(AddingRun("rnn", 5, batch=8, n_test=16), 0)
    with pytest.raises(TypeError, match="steps must be an integer"):
        constant_baseline(AddingRun("rnn", 5, batch=8, n_test=16), 2.5)


def test_write_results_writes_one_line_per_record_and_reads_back(tmp_path):
    data = {"schema": SCHEMA, "command": "x", "runs": [dict.fromkeys(RECORD_KEYS, 1), dict.fromkeys(RECORD_KEYS)]}
    out = tmp_path / "sub" / "r.json"
    experiment_records.write_results(data, out)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[:4] == ["{", ' "schema": "' + SCHEMA + '",', ' "command": "x",', ' "runs": [']
    assert len(lines) == 4 + 2 + 2 and load_results(out) == data
    assert not list(tmp_path.glob("sub/*.part"))
