"""Throw bad inputs at the public API of course_utils and tabulate what happens.

    python tests/fuzz_api.py --n 250            # 250 cases spread over all modules (all if --n 0), a table
    python tests/fuzz_api.py --n 0 --list raw   # also list every raw traceback with its exact input

Each case changes ONE argument of a valid call to a bad value (wrong type, bool for an integer,
zero, negative, nan, wrong rank or length, out-of-range id, unknown choice, ...). Outcomes:

- clear error: a ValueError / TypeError / KeyError / FileNotFoundError raised by course_utils code
  itself (not by NumPy, PyTorch or Python internals) whose message names the bad argument;
- raw traceback: any other exception (an internal error, or one that does not name the argument);
- silent wrong result: the call returned although the input is meaningless.

The cases are deterministic (no randomness in the inputs), so two runs give the same table.
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import traceback
import warnings
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

PACKAGE = Path(os.environ.get("FUZZ_PACKAGE", Path(__file__).resolve().parents[1] / "course_utils")).resolve()
NAN, INF = math.nan, math.inf
CLEAR, RAW, SILENT = "clear error", "raw traceback", "silent wrong result"
ACCEPTED = (ValueError, TypeError, KeyError, FileNotFoundError)

# bad values by the kind of argument they replace
POS_INT = [True, 0, -1, 2.5, "3", None]
NONNEG_INT = [True, -1, 2.5, "3", None]
POS_NUM = [0.0, -1.0, NAN, INF, "1", None, True]
NONNEG_NUM = [-1.0, NAN, INF, "1", None]
PROB = [-0.1, 1.5, NAN, "0.5", None]
CHOICE = ["bogus", 3, None, ["x"]]
BOOL = ["yes", None, 2]


@dataclass
class Case:
    module: str
    function: str
    arg: str
    value: object
    call: object
    expect: tuple = ()     # words the message must contain instead of the argument's name

    @property
    def label(self) -> str:
        value = self.value if not isinstance(self.value, (np.ndarray, torch.Tensor)) else _describe(self.value)
        return f"{self.module}.{self.function}({self.arg}={value!r})"


def _describe(a):
    kind = "tensor" if isinstance(a, torch.Tensor) else "array"
    return _Repr(f"{kind}(shape={tuple(a.shape)}, dtype={a.dtype})")


class _Repr(str):
    def __repr__(self):
        return str(self)


def mutate(module, function, fn, good: dict, bad: dict, expect: tuple = ()) -> list[Case]:
    """One case per (argument, bad value): fn(**{**good, arg: value}) (none if fn does not exist,
    e.g. when this script is run against an older version of the package)."""
    cases = []
    if fn is None:
        return cases
    for arg, values in bad.items():
        for value in values:
            cases.append(Case(module, function, arg, value,
                              (lambda arg=arg, value=value: fn(**{**good, arg: value})), expect))
    return cases


def classify(case: Case) -> tuple[str, str]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            case.call()
    except ACCEPTED as exc:
        frames = traceback.extract_tb(exc.__traceback__)
        inside = bool(frames) and Path(frames[-1].filename).resolve().is_relative_to(PACKAGE)
        message = str(exc)
        names_arg = any(word in message for word in (case.expect or (case.arg,)))
        if inside and names_arg:
            return CLEAR, f"{type(exc).__name__}: {message.splitlines()[0][:160]}"
        where = "" if inside else f" (raised in {Path(frames[-1].filename).name})"
        return RAW, f"{type(exc).__name__}: {message.splitlines()[0][:160] if message else ''}{where}"
    except Exception as exc:  # noqa: BLE001 - everything else is what we count
        frames = traceback.extract_tb(exc.__traceback__)
        where = f" (raised in {Path(frames[-1].filename).name})" if frames else ""
        return RAW, f"{type(exc).__name__}: {str(exc).splitlines()[0][:160] if str(exc) else ''}{where}"
    return SILENT, "returned without an error"


# --- the cases ------------------------------------------------------------------------------------

def cases_tools() -> list[Case]:
    """Tasks, training, applications, gradient checks and the authoring commands."""
    from course_utils.data import bias, reviews, signals
    from course_utils.cells import cost, gradcheck, jacobians, scan
    from course_utils.learning import baselines, charmodel, interpret, metrics, models, sweep
    from course_utils.data import tasks, text
    from course_utils.learning import training
    from course_utils.authoring import workshop
    from course_utils.authoring.course import parse_course
    out: list[Case] = []

    # tasks
    out += mutate("tasks", "adding_problem", tasks.adding_problem, {"batch": 4, "length": 10},
                  {"batch": POS_INT, "length": POS_INT + [1], "variant": CHOICE, "positions": CHOICE,
                   "generator": [-1, 2.5, "seed", np.random.default_rng(0)]})
    out += mutate("tasks", "copy_task", tasks.copy_task, {"batch": 2, "delay": 3},
                  {"batch": POS_INT, "delay": POS_INT, "n_symbols": POS_INT, "length": POS_INT,
                   "recall_only": BOOL})
    out += mutate("tasks", "copy_baseline", tasks.copy_baseline, {"recall_only": False, "delay": 5},
                  {"n_symbols": POS_INT, "delay": [0, -1, 2.5], "length": [0, True]})
    out += mutate("tasks", "constant_solved_fraction", tasks.constant_solved_fraction, {},
                  {"tolerance": POS_NUM + [0.6]})
    out += mutate("tasks", "solved_fraction", tasks.solved_fraction,
                  {"prediction": torch.zeros(4, 1), "target": torch.zeros(4, 1)},
                  {"prediction": [torch.zeros(4), [0.0] * 4, torch.zeros(0, 1)], "tolerance": [0.0, NAN, "x"]})

    # text
    vocab = text.Vocab.from_items("abcdef")
    out += mutate("text", "Vocab.decode", vocab.decode, {"ids": [0, 1]},
                  {"ids": [[-1], [1.7], [6], [True], "ab", [[0], [1, 2]], None]})
    out += mutate("text", "Vocab.encode", vocab.encode, {"sequence": "abc"},
                  {"sequence": ["abz", 5, None, [["a"]]]})
    out += mutate("text", "Vocab", text.Vocab, {"items": "abc"}, {"items": ["aab", [["a"]], 5]})
    ids = np.arange(200) % 6
    out += mutate("text", "char_batches", text.char_batches, {"ids": ids},
                  {"ids": [ids.astype(float), ids[:5], ids.reshape(20, 10), "abc", [-1, 2, 3] * 50],
                   "seq_len": POS_INT, "batch_size": POS_INT})
    out += mutate("text", "unigram_probs", text.unigram_probs, {"ids": ids, "vocab_size": 6},
                  {"ids": [np.array([0, 7]), np.array([0.5]), None], "vocab_size": POS_INT,
                   "alpha": NONNEG_NUM})
    out += mutate("text", "unigram_perplexity", text.unigram_perplexity,
                  {"train_ids": ids, "valid_ids": ids, "vocab_size": 6},
                  {"valid_ids": [np.array([], dtype=np.int64), np.array([9]), [[1]]], "vocab_size": [0, True]})
    out += mutate("charmodel", "softmax_with_temperature", charmodel.softmax_with_temperature,
                  {"logits": np.zeros((2, 3)), "temperature": 1.0},
                  {"logits": [np.array([NAN, 0.0]), [], "abc", np.float64(1.0), None],
                   "temperature": POS_NUM})
    model = models.SequenceModel("lstm", 3, 4, 6, vocab_size=6, readout="all")
    out += mutate("charmodel", "sample", charmodel.sample,
                  {"model": model, "vocab": vocab, "prompt": "ab", "length": 3},
                  {"model": ["model", None], "vocab": ["abcdef", text.Vocab.from_items("abc")],
                   "prompt": ["", "xyz", 5], "length": NONNEG_INT, "temperature": POS_NUM, "seed": [-1, 1.5],
                   "n": POS_INT})
    out += mutate("charmodel", "mean_log_likelihood", charmodel.mean_log_likelihood,
                  {"model": model, "vocab": vocab, "text": "abcabc"},
                  {"text": ["", "a", "xyz", 3], "context": ["zz", 5], "vocab": [None]})
    out += mutate("charmodel", "evaluate_char_model", charmodel.evaluate_char_model, {"model": model, "ids": ids},
                  {"ids": [ids[:3], np.array([0, 9] * 20), ids.astype(float)], "streams": POS_INT})

    # training
    out += mutate("training", "TrainConfig", training.TrainConfig, {},
                  {"steps": POS_INT, "lr": POS_NUM, "clip": [0.0, -1.0, NAN, "1"], "optimizer": CHOICE,
                   "weight_decay": NONNEG_NUM, "seed": NONNEG_INT, "device": ["gpu7", 5],
                   "progress": BOOL, "eval_every": NONNEG_INT})
    out += mutate("training", "set_seed", training.set_seed, {"seed": 0}, {"seed": NONNEG_INT})
    m = models.SequenceModel("rnn", 2, 4, 1)

    def batch_fn(step, rng):
        return torch.zeros(4, 5, 2), torch.zeros(4, 1)
    quick = training.TrainConfig(steps=1, progress=False, device="cpu")
    out += mutate("training", "train", training.train,
                  {"model": m, "batch_fn": batch_fn, "loss_fn": training.mse_loss, "config": quick},
                  {"model": ["m", None], "batch_fn": [None, (lambda s, r: torch.zeros(3))],
                   "loss_fn": [None, (lambda mm, x, y: 1.0)], "config": [{"steps": 1}, 5],
                   "eval_fn": ["e", (lambda mm: "good")]})
    out += mutate("training", "mse_loss", training.mse_loss,
                  {"model": m, "inputs": torch.zeros(4, 5, 2), "targets": torch.zeros(4, 1)},
                  {"targets": [torch.zeros(4), np.zeros((4, 1)), torch.zeros(4, 1, dtype=torch.int64)],
                   "inputs": [torch.zeros(4, 5, 3), np.zeros((4, 5, 2)), torch.zeros(4, 5, 2).double()]},
                  expect=("targets", "x has", "x must"))   # the model names its input x
    mc = models.SequenceModel("rnn", 2, 4, 3)
    out += mutate("training", "cross_entropy_loss", training.cross_entropy_loss,
                  {"model": mc, "inputs": torch.zeros(4, 5, 2), "targets": torch.zeros(4, dtype=torch.int64)},
                  {"targets": [torch.zeros(4), torch.full((4,), 3), torch.full((4,), -2), torch.zeros(4, 2).long()]})

    # gradcheck
    out += mutate("gradcheck", "numerical_gradient", gradcheck.numerical_gradient,
                  {"f": (lambda: 0.0), "array": np.zeros(3)},
                  {"array": [np.zeros(3, dtype=np.float32), [0.0], None], "eps": POS_NUM, "order": [3, True, "2"],
                   "f": ["f", None]})
    out += mutate("gradcheck", "rel_error", gradcheck.rel_error, {"a": np.zeros(3), "b": np.zeros(3)},
                  {"b": [np.zeros(2), ["a"] * 3, None]})
    out += mutate("gradcheck", "check_cell_gradients", gradcheck.check_cell_gradients, {"kind": "rnn", "T": 1},
                  {"kind": CHOICE, "T": POS_INT, "B": POS_INT, "H": POS_INT, "seed": NONNEG_INT,
                   "nonlinearity": CHOICE, "eps": [0.0, NAN, "1"], "order": [3, True], "step": BOOL})

    # models
    good = {"kind": "gru", "input_size": 2, "hidden_size": 4, "output_size": 1}
    out += mutate("models", "SequenceModel", models.SequenceModel, good,
                  {"kind": CHOICE, "input_size": POS_INT, "hidden_size": POS_INT, "output_size": POS_INT,
                   "num_layers": POS_INT, "vocab_size": [0, True, 2.5], "readout": CHOICE,
                   "forget_bias": [1.0, "1"]})
    g = models.SequenceModel("gru", 2, 4, 1)
    out += mutate("models", "SequenceModel.forward", g.forward, {"x": torch.zeros(3, 5, 2)},
                  {"x": [torch.zeros(3, 5, 3), np.zeros((3, 5, 2)), torch.zeros(3, 5, 2).double(),
                         torch.full((3, 5, 2), NAN), torch.zeros(3, 0, 2), torch.zeros(5, 2)],
                   "state0": [torch.zeros(2, 3, 4), (torch.zeros(1, 3, 4),) * 2, np.zeros((1, 3, 4))]})
    lstm2 = models.SequenceModel("lstm", 2, 4, 1, num_layers=2)
    out += mutate("models", "SequenceModel(lstm, 2 layers).forward", lstm2.forward, {"x": torch.zeros(3, 5, 2)},
                  {"state0": [torch.zeros(2, 3, 4), torch.zeros(3, 3, 4), (torch.zeros(1, 3, 4), torch.zeros(2, 3, 4))]})
    tok = models.SequenceModel("rnn", 2, 4, 1, vocab_size=5)
    out += mutate("models", "SequenceModel(vocab 5).forward", tok.forward, {"x": torch.zeros(3, 5).long()},
                  {"x": [torch.full((3, 5), 5), torch.full((3, 5), -1), torch.zeros(3, 5)]})
    out += mutate("models", "forget_bias", models.forget_bias, {"lstm": torch.nn.LSTM(2, 3)},
                  {"layer": [1, -1, True], "lstm": [torch.nn.GRU(2, 3)]})
    out += mutate("models", "set_forget_bias", models.set_forget_bias, {"lstm": torch.nn.LSTM(2, 3), "value": 1.0},
                  {"value": [NAN, "1"], "lstm": [None]})
    out += mutate("models", "model_parameter_count", getattr(models, "model_parameter_count", None), good,
                  {"input_size": [0, True], "num_layers": [0, 2.5]})
    out += mutate("models", "hidden_size_for_budget", models.hidden_size_for_budget,
                  {"kind": "rnn", "input_size": 2, "output_size": 1, "budget": 100},
                  {"budget": POS_INT + [3], "input_size": [0, True]})
    out += mutate("models", "count_parameters", models.count_parameters, {"module": g}, {"module": ["g", None]})

    # reviews, bias
    data = reviews.make_reviews(20, seed=0)
    rv = reviews.review_vocab(data)
    out += mutate("reviews", "make_reviews", reviews.make_reviews, {"n": 5},
                  {"n": POS_INT, "seed": [-1, 1.5, "0"], "p_positive": PROB, "p_not": PROB, "p_really": PROB,
                   "form_probs": [(0.5, 0.5), (1.0, 0.0, NAN), "abc"],
                   "lexicon": [None, reviews.Lexicon(("the food",), ("good",), ("bad",))]})
    out += mutate("reviews", "encode_reviews", reviews.encode_reviews, {"data": data, "vocab": rv},
                  {"length": [0, True, 2, 2.5], "data": [None, data.tokens], "vocab": [None]})
    xs = reviews.encode_reviews(data, rv)
    out += mutate("reviews", "bag_of_words", reviews.bag_of_words, {"x": xs, "vocab_size": len(rv)},
                  {"x": [xs + 100, xs[0], xs.astype(float) + 0.5, -xs - 1], "vocab_size": [0, True, 3]})
    X, y = np.ones((6, 3)), np.array([0, 1] * 3)
    out += mutate("baselines", "fit_logistic_regression", baselines.fit_logistic_regression, {"X": X, "y": y},
                  {"X": [np.ones(6), np.ones((5, 3)), np.full((6, 3), NAN)], "y": [np.array([0, 2] * 3), y[:4]],
                   "l2": [-1.0, NAN], "steps": POS_INT, "lr": POS_NUM})
    out += mutate("baselines", "predict_logistic", baselines.predict_logistic, {"X": X, "w": np.zeros(3), "b": 0.0},
                  {"w": [np.zeros(4), None], "b": [NAN, "0"]})
    out += mutate("training", "array_batch_fn", training.array_batch_fn, {"x": xs, "y": data.labels},
                  {"y": [data.labels[:3], data.labels.astype(float)], "batch_size": POS_INT,
                   "weights": [np.full(20, NAN), -np.ones(20)], "x": [xs[0], xs[..., None], -xs - 1]})
    out += mutate("training", "predict_numpy", training.predict_numpy,
                  {"model": models.SequenceModel("rnn", 3, 4, 2, vocab_size=len(rv)), "x": xs},
                  {"x": [xs + 100, xs[0], xs.astype(float)], "batch_size": POS_INT, "model": [None]})
    out += mutate("metrics", "accuracy_by", metrics.accuracy_by, {"y_true": y, "y_pred": y, "groups": y},
                  {"y_pred": [y[:3], np.array([])], "groups": [y[:2], np.array(["all", "b"] * 3)]})
    out += mutate("bias", "make_group_reviews", bias.make_group_reviews, {"n": 10},
                  {"n": POS_INT, "minority_share": PROB, "minority_p_positive": PROB, "label_noise": PROB,
                   "p_not": PROB})
    grp = np.array(["majority", "minority"] * 3)
    out += mutate("bias", "group_error_rates", bias.group_error_rates, {"pred": y, "y": y, "group": grp},
                  {"pred": [y[:2], np.array([])], "group": [grp[:2]]})
    out += mutate("bias", "balanced_weights", bias.balanced_weights, {"group": grp, "labels": y},
                  {"labels": [y[:2]], "group": [np.array([])]})

    # signals
    rng = np.random.default_rng(0)
    out += mutate("signals", "synth_word", signals.synth_word, {"phones": "aiu", "rng": rng},
                  {"phones": ["xyz", "", 5], "rng": [0, None], "sample_rate": POS_INT, "clip_seconds": POS_NUM,
                   "noise": NONNEG_NUM})
    out += mutate("signals", "make_speech_dataset", signals.make_speech_dataset,
                  {"n_per_class": 1, "rng": rng}, {"n_per_class": POS_INT})
    out += mutate("signals", "frame_signal", signals.frame_signal, {"x": np.zeros(300)},
                  {"x": [np.zeros(10), np.zeros((3, 300)), "abc", np.full(300, NAN)],
                   "frame_len": POS_INT, "hop": POS_INT})
    frames = np.zeros((4, 128))
    out += mutate("signals", "band_energies", signals.band_energies, {"frames": frames},
                  {"frames": [np.zeros(128), np.zeros((4, 1)), "x"], "n_bands": POS_INT + [200]})
    out += mutate("signals", "band_centres", signals.band_centres, {},
                  {"n_bands": POS_INT + [200], "frame_len": POS_INT, "sample_rate": POS_INT})
    out += mutate("signals", "speech_features", signals.speech_features, {"waves": np.zeros((2, 300))},
                  {"waves": [np.zeros(300), np.zeros((2, 10)), None]})
    out += mutate("signals", "moving_blob_videos", signals.moving_blob_videos, {"n_per_class": 1, "rng": rng},
                  {"n_per_class": POS_INT, "size": POS_INT + [6], "frames": POS_INT, "sigma": POS_NUM,
                   "noise": NONNEG_NUM, "rng": [1]})
    out += mutate("signals", "frame_profiles", signals.frame_profiles, {"videos": np.zeros((2, 3, 4, 4))},
                  {"videos": [np.zeros((2, 3, 4)), np.zeros((2, 3, 4, 5)), "v"]})
    out += mutate("signals", "standardize", signals.standardize, {"train": np.ones((4, 3))},
                  {"train": [np.zeros((0, 3)), np.ones(3), "t", np.full((4, 3), NAN)]})
    out += mutate("baselines", "fit_softmax", baselines.fit_softmax, {"X": X, "y": y, "n_classes": 2},
                  {"X": [np.ones(6), np.ones((4, 3))], "y": [np.array([0, 5] * 3), y.astype(float) + 0.5],
                   "n_classes": POS_INT, "steps": POS_INT, "lr": POS_NUM, "l2": [-1.0, NAN]})
    out += mutate("baselines", "predict_softmax", baselines.predict_softmax, {"W": np.zeros((4, 2)), "X": X},
                  {"W": [np.zeros((3, 2)), np.zeros(4)], "X": [np.ones(3)]})
    out += mutate("baselines", "fit_linear", baselines.fit_linear, {"X": np.arange(12.0).reshape(6, 2) ** 2,
                                                                     "Y": np.ones(6)},
                  {"X": [np.ones(6), np.ones((2, 2)), np.full((6, 2), NAN)], "Y": [np.ones(5), np.ones((6, 2)), "y"]})
    out += mutate("baselines", "predict_linear", baselines.predict_linear, {"coef": np.ones(3), "X": np.ones((4, 2))},
                  {"coef": [np.ones(4), np.ones(0), None], "X": [np.ones(2), np.full((4, 2), NAN)]})
    out += mutate("metrics", "accuracy", metrics.accuracy, {"y_true": y, "y_pred": y},
                  {"y_pred": [y[:2], np.array([])]})
    out += mutate("metrics", "confusion_matrix", metrics.confusion_matrix, {"y_true": y, "y_pred": y, "n_classes": 2},
                  {"y_pred": [y + 5, y - 2, y[:3], y + 0.5], "n_classes": POS_INT})

    # interpret
    out += mutate("interpret", "code_features", interpret.code_features, {"text": "x = 1\n"},
                  {"text": [5, None, b"x = 1\n", "x = (\n"]})
    lm = models.SequenceModel("lstm", 3, 4, 6, vocab_size=6, readout="all")
    out += mutate("interpret", "lstm_activations", interpret.lstm_activations, {"model": lm, "ids": np.arange(5)},
                  {"ids": [np.array([9]), np.array([-1]), np.arange(6).reshape(2, 3), np.array([0.5]), "abc"],
                   "model": [g, None]})
    S, f = np.random.default_rng(0).standard_normal((50, 3)), np.arange(50.0)
    out += mutate("interpret", "unit_correlations", interpret.unit_correlations, {"states": S, "feature": f},
                  {"states": [S[:, 0], np.full((50, 3), NAN), "s"], "feature": [f[:5], np.full(50, NAN)]})
    S2, f2 = np.random.default_rng(0).standard_normal((1200, 3)), np.arange(1200.0)
    out += mutate("interpret", "shifted_max_correlations", interpret.shifted_max_correlations,
                  {"states": S2, "feature": f2, "n": 5},
                  {"n": POS_INT, "seed": [-1, 1.5], "min_shift": [-1, 2.5, 700], "feature": [f2[:5]]})

    # jacobians
    out += mutate("jacobians", "recurrent_matrix", jacobians.recurrent_matrix, {"H": 4, "lambda1": 1.0},
                  {"H": POS_INT, "lambda1": [-1.0, NAN, INF, "1", None], "structure": CHOICE, "seed": [-1, 1.5]})
    out += mutate("jacobians", "pascanu_bound", jacobians.pascanu_bound, {"lambda1": 1.0},
                  {"lambda1": [-1.0, NAN, "1"], "activation": ["bogus", None, ["x"], -1.0, 0.0],
                   "lags": [[-1, 2], "abc", [1.5]]})
    W = 0.5 * np.eye(3)
    out += mutate("jacobians", "jacobian_norms_vs_lag", jacobians.jacobian_norms_vs_lag, {"W_hh": W, "T": 5},
                  {"W_hh": [np.eye(3)[:2], np.full((3, 3), NAN), "W"], "T": POS_INT, "activation": CHOICE,
                   "batch": POS_INT})
    out += mutate("jacobians", "spectral_norm", jacobians.spectral_norm, {"W": W},
                  {"W": [np.zeros(3), "W", np.full((2, 2), NAN)]})
    out += mutate("jacobians", "input_gradient_norms_by_lag", getattr(jacobians, "input_gradient_norms_by_lag", None),
                  {"module": torch.nn.RNN(2, 3, batch_first=True), "x": torch.zeros(2, 4, 2)},
                  {"x": [torch.zeros(2, 4, 3), np.zeros((2, 4, 2)), torch.zeros(4, 2)], "module": [None]})

    # cost
    out += mutate("cost", "flops_per_step", cost.flops_per_step, {"kind": "lstm", "D": 3, "H": 4},
                  {"kind": CHOICE, "D": POS_INT, "H": POS_INT, "B": POS_INT})
    out += mutate("cost", "sequence_flops", cost.sequence_flops, {"kind": "gru", "T": 5, "B": 2, "D": 3, "H": 4},
                  {"T": POS_INT})
    out += mutate("cost", "parameter_count", cost.parameter_count, {"kind": "rnn", "D": 3, "H": 4},
                  {"num_layers": POS_INT, "bidirectional": BOOL, "H": [0, True]})
    out += mutate("cost", "median_time", cost.median_time, {"fn": (lambda: None)},
                  {"fn": [None, "f"], "repeats": POS_INT, "warmup": NONNEG_INT})
    out += mutate("cost", "loglog_slope", cost.loglog_slope, {"x": [1.0, 2.0, 4.0], "y": [1.0, 2.0, 4.0]},
                  {"x": [[1.0], [1.0, -2.0, 4.0], [1.0, 1.0, 1.0], [1.0, NAN, 4.0], "abc"], "y": [[1.0, 2.0]]})

    # scan
    mp = scan.init_mingru(2, 3)
    out += mutate("scan", "init_mingru", scan.init_mingru, {"input_size": 2, "hidden_size": 3},
                  {"input_size": POS_INT, "hidden_size": POS_INT, "seed": [-1, 1.5]})
    out += mutate("scan", "mingru_forward", scan.mingru_forward, {"x": np.zeros((4, 1, 2)), "params": mp},
                  {"x": [np.zeros((4, 2)), np.zeros((4, 1, 3)), np.full((4, 1, 2), NAN), "x"],
                   "h0": [np.zeros((2, 3)), np.zeros(3), mp], "method": CHOICE, "params": [None]})
    a = np.full((4, 2), 0.5)
    for fname, fn in (("linear_recurrence_loop", scan.linear_recurrence_loop),
                      ("linear_recurrence_scan", scan.linear_recurrence_scan)):
        out += mutate("scan", fname, fn, {"a": a, "b": a},
                      {"b": [a[:3], "b"], "h0": [np.zeros(5), np.zeros((2, 2))], "a": [np.zeros((0, 2))]})

    # sweep
    out += mutate("sweep", "grid_search", sweep.grid_search, {"fn": (lambda a: a), "axes": {"a": [1, 2]}},
                  {"axes": [{}, {"a": 3}, {"a": []}, [1, 2], {"b": [1]}], "fn": [None, (lambda a: "x")]})
    out += mutate("sweep", "main_effects", sweep.main_effects,
                  {"scores": np.zeros((2, 3)), "axes": {"a": [1, 2], "b": [1, 2, 3]}},
                  {"scores": [np.zeros((3, 2)), "s", np.full((2, 3), NAN)], "axes": [{"a": 5}]})
    out += mutate("sweep", "effect_sizes", sweep.effect_sizes, {"effects": {"a": np.zeros(2)}},
                  {"effects": [{"a": []}, [1, 2], {"a": "x"}]})

    # course (book.toml) and workshop
    book = ('title = "T"\nauthors = ["A"]\ndescription = "D"\nrepository = "https://x/y"\n'
            '[[chapters]]\nnotebook = "{nb}"\ntitle = "C"\nminutes = {minutes}\nobjectives = ["a", "b"]\n')
    parse = (lambda text: parse_course(text, Path(tempfile.gettempdir()), "book.toml"))
    texts = [book.format(nb=nb, minutes=10) for nb in
             ("/etc/x.ipynb", "../x.ipynb", "notebooks/./x.ipynb", "notebooks/../x.ipynb", "notebooks/a/x.ipynb",
              "x.ipynb", "notebooks\\\\x.ipynb", "notebooks/x.txt")]
    texts += [book.format(nb="notebooks/x.ipynb", minutes=m) for m in ("true", "0", "-5", "1.5", '"10"')]
    texts += ["not toml [", "", "\ufeff" + book.format(nb="/x.ipynb", minutes=1)]
    out += mutate("course", "parse_course", parse, {"text": texts[0]}, {"text": texts}, expect=("book.toml",))
    out += mutate("workshop", "schedule", workshop.schedule, {"total_minutes": 60},
                  {"total_minutes": NONNEG_INT, "start": ["9am", "25:00", 900, None], "block": POS_INT,
                   "break_minutes": NONNEG_INT, "lunch_minutes": NONNEG_INT, "chapters": ["04_lstm", [4], ["nope"]]})
    from course_utils.authoring.course import load_course
    course = load_course()
    out += mutate("workshop", "check_output_folder", getattr(workshop, "check_output_folder", None), {"course": course},
                  {"out": [".", "notebooks", "notebooks/sub", str(course.root), str(course.root.parent), "", None,
                           "notebooks/00_introduction.ipynb/.."]})
    return out


def cases_cells() -> list[Case]:
    """The cells (rnn/lstm/gru), their parameters, the torch bridge and the time-series helpers."""
    from course_utils.cells import bridge, gru, lstm, params, rnn
    from course_utils.data import series
    out: list[Case] = []
    for kind, fwd in (("rnn", rnn.rnn_forward), ("lstm", lstm.lstm_forward), ("gru", gru.gru_forward)):
        p = params.init_params(kind, 3, 4)
        out += mutate(kind, f"{kind}_forward", fwd, {"x": np.zeros((5, 2, 3)), "params": p},
                      {"x": [np.zeros((5, 3)), np.zeros((5, 2, 4)), np.full((5, 2, 3), NAN), "x",
                             np.zeros((5, 2, 3), dtype=np.float32), np.zeros((5, 2, 3), dtype=complex)],
                       "params": [None, params.init_params("rnn" if kind != "rnn" else "gru", 3, 4)],
                       ("state0" if kind == "lstm" else "h0"): [p]})   # the old order: params as the state
    out += mutate("params", "init_params", params.init_params, {"kind": "gru", "input_size": 3, "hidden_size": 4},
                  {"kind": CHOICE, "input_size": POS_INT, "hidden_size": POS_INT, "nonlinearity": CHOICE,
                   "seed": [-1, 1.5]})
    layers = [params.init_params("lstm", 2, 3), params.init_params("lstm", 3, 3)]
    out += mutate("bridge", "stacked_forward", bridge.stacked_forward, {"x": np.zeros((4, 2, 2)), "layers": layers},
                  {"state0": [np.zeros((2, 2, 3)), np.zeros((3, 2, 3)), (np.zeros((1, 2, 3)),) * 2,
                              layers, layers[0]],   # the last two: the old order, layers as the state
                   "x": [np.zeros((4, 2)), np.zeros((4, 2, 5))], "layers": [[], None, "lstm"]})
    out += mutate("bridge", "from_torch", bridge.from_torch, {"module": torch.nn.GRU(2, 3)},
                  {"module": [None, torch.nn.Linear(2, 3), "gru"]})
    y = np.arange(40.0)
    out += mutate("series", "mae", series.mae, {"y_true": y, "y_pred": y},
                  {"y_pred": [y[:, None], y[:5], np.full(40, NAN), "y"]})
    out += mutate("series", "rmse", series.rmse, {"y_true": y, "y_pred": y}, {"y_pred": [y[:, None], y[:5]]})
    out += mutate("series", "seasonal_naive_forecast", series.seasonal_naive_forecast,
                  {"y": y, "start": 20, "stop": 30}, {"season": [0, -1, True, 2.5], "start": [-5, 50], "stop": [10]})
    out += mutate("series", "make_windows", series.make_windows, {"y": y, "window": 4},
                  {"window": POS_INT + [100], "horizon": POS_INT, "y": [y[:, None]]})
    out += mutate("series", "autocorrelation", series.autocorrelation, {"x": y, "max_lag": 5},
                  {"max_lag": [-1, 100, True, 2.5], "x": [np.zeros((3, 3))]})
    out += mutate("series", "random_walk", series.random_walk, {"n": 10, "rng": np.random.default_rng(0)},
                  {"n": POS_INT, "sigma": [-1.0, NAN], "rng": [0]})
    return out


def run(n: int = 0, listing: str = "", stream=None) -> dict:
    """Run ``n`` cases spread over the list (all when n <= 0); print the table; return {(group, outcome): count}."""
    stream = stream or sys.stdout
    torch.set_num_threads(1)
    os.environ.setdefault("MPLBACKEND", "Agg")
    groups = [("tools", c) for c in cases_tools()] + [("cells", c) for c in cases_cells()]
    if 0 < n < len(groups):     # an even spread over every module, not the first n
        picks = sorted({round(i * (len(groups) - 1) / max(n - 1, 1)) for i in range(n)})
        groups = [groups[i] for i in picks]
    table = defaultdict(Counter)
    details = []
    for group, case in groups:
        outcome, detail = classify(case)
        table[(group, case.module)][outcome] += 1
        details.append((group, case, outcome, detail))
    print(f"{len(groups)} bad inputs", file=stream)
    print(f"{'group':7} {'module':10} {CLEAR:>12} {RAW:>14} {SILENT:>20}", file=stream)
    totals = Counter()
    for (group, module), counts in sorted(table.items()):
        print(f"{group:7} {module:10} {counts[CLEAR]:>12} {counts[RAW]:>14} {counts[SILENT]:>20}", file=stream)
        for outcome, count in counts.items():
            totals[(group, outcome)] += count
    for group in ("tools", "cells"):
        print(f"{group:7} {'TOTAL':10} {totals[(group, CLEAR)]:>12} {totals[(group, RAW)]:>14} "
              f"{totals[(group, SILENT)]:>20}", file=stream)
    for group, case, outcome, detail in details:
        if listing and outcome != CLEAR and (listing == "all" or listing in outcome):
            print(f"  [{group}] {outcome}: {case.label} -> {detail}", file=stream)
    return dict(totals)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=250, help="number of cases (0 = all)")
    parser.add_argument("--list", default="", help="'raw', 'silent' or 'all': list those outcomes with their input")
    args = parser.parse_args(argv)
    run(args.n, args.list)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
