"""The exercises keep the library's one argument order (issue 17).

The library (:mod:`course_utils.cells`) takes the inputs, then the state, then the parameters
(``lstm_step_forward(x_t, state, params)``), and for a backward function the upstream
gradient(s), then the cache (``lstm_step_backward(dstate, cache)``); the optional gradient of
the final state (``dstate_T``, ``dh_T``, ``dh_n``) comes last because it is optional. An
exercise writes the state and parameter tuples out, ``fn(x_t, h_prev, c_prev, W_ih, ...)``, and
each checker's reference has the learner's signature, so the references are what is checked:

* every checker's reference, found by calling the checker with ``check_function`` replaced by
  a recorder (so a new checker is covered without being listed here), follows the order;
* so do the modules' own reference and variant functions and every catalogued mistake;
* the rule accepts the library's signatures and rejects deliberately wrong fakes;
* the table in ``check/__init__.py``'s docstring names each exercise's reference signature and
  real library functions, and the package's import lines and chapter table match its modules.

The order is read from the parameter names with ``inspect.signature``: a name is an upstream
gradient (``dh``, ``dc``, ``dstate``, ``dout``), the cache (``cache``, ``caches``), an input
(``x``, ``x_t``, ``inputs``), a state (``h0``, ``h_prev``, ``c_prev``, ``state0``, ``states``) or a
parameter (``W_*``, ``b*``, ``params``); other names (sizes ``T, B, D, H``, ``logits``, ...)
are not ranked.
"""
from __future__ import annotations

import importlib
import inspect
import re
import types
from pathlib import Path

import pytest

from course_utils.cells import bridge, gru, lstm, rnn, scan
from course_utils.exercises import check, harness
from course_utils.exercises.harness import Feedback, check_function

# (kind, rank, pattern): names matching an earlier rank must come first
RANKS = (
    ("upstream gradient", 0, re.compile(r"d(h|c|x|state|out)(_\w+|\d+)?")),
    ("cache", 1, re.compile(r"caches?")),
    ("input", 2, re.compile(r"(x|inputs?)(_\w+|\d+)?")),
    ("state", 3, re.compile(r"(h|c|states?)(_\w+|\d+)?")),
    ("parameter", 4, re.compile(r"(W|b|params|weights?|bias(es)?)(_\w+)?")),
)
FINAL_STATE_GRADIENT = re.compile(r"d\w*_(T|n)")       # dh_T, dstate_T, dh_n: optional, last
POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


def kind_of(name: str):
    """(kind, rank) of a parameter name, or None for a name the rule does not rank."""
    for kind, rank, pattern in RANKS:
        if pattern.fullmatch(name):
            return kind, rank
    return None


def positional_names(fn) -> list[str]:
    """The names of ``fn``'s positional parameters (keyword-only options and ``*args`` left out)."""
    return [p.name for p in inspect.signature(fn).parameters.values() if p.kind in POSITIONAL]


def order_violations(fn) -> list[str]:
    """What breaks the order in ``fn``'s signature, e.g. ["W_ih (parameter) before h_prev (state)"]."""
    ranked = [(name, kind_of(name)) for name in positional_names(fn) if not FINAL_STATE_GRADIENT.fullmatch(name)]
    ranked = [(name, kind) for name, kind in ranked if kind is not None]
    return [f"{a} ({ka[0]}) before {b} ({kb[0]})"
            for i, (a, ka) in enumerate(ranked) for b, kb in ranked[i + 1:] if ka[1] > kb[1]]


def recorded_references(modules) -> dict[str, object]:
    """{exercise number (or checker name): reference} for every checker in ``modules``' ``__all__``.

    Each checker is called with ``check_function`` replaced, in its module, by a recorder that
    keeps the reference and answers "not attempted", so no learner code and no case runs.
    """
    found, seen = {}, []

    def record(fn, reference, cases, *, name="exercise", **options):
        seen.append(reference)
        return Feedback("not attempted", [], name)

    for module in modules:
        for name in module.__all__:
            checker = getattr(module, name)
            seen.clear()
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(module, "check_function", record)
                checker(None)
            assert len(seen) == 1, f"{module.__name__}.{name} called check_function {len(seen)} times"
            found[getattr(checker, "exercise_number", name)] = seen[0]
    return found


REFERENCES = recorded_references(check.CHECKER_MODULES)


def test_every_checker_of_the_package_is_recorded():
    numbers = {getattr(m, n).exercise_number for m in check.CHECKER_MODULES for n in m.__all__}
    assert set(REFERENCES) == numbers and len(numbers) == 33


@pytest.mark.parametrize("number", sorted(REFERENCES, key=lambda n: tuple(map(int, n.split(".")))))
def test_every_checker_reference_follows_the_library_order(number):
    assert order_violations(REFERENCES[number]) == [], f"Exercise {number}'s reference"


def _own_functions(module):
    """The module's own reference and variant functions (``_lstm_ref``, ``_gru_step_variant``,
    ``_torch_lstm_step`` ...)."""
    return [f for name, f in vars(module).items() if inspect.isfunction(f) and f.__module__ == module.__name__
            and re.search(r"_(ref|reference|variant)$|^_torch_", name)]


@pytest.mark.parametrize("module", check.CHECKER_MODULES, ids=lambda m: m.__name__.rsplit(".", 1)[1])
def test_reference_variant_and_mistake_functions_follow_the_order(module):
    functions = _own_functions(module) + [m.implementation for m in module.MISTAKES]
    bad = {getattr(f, "__qualname__", repr(f)): order_violations(f) for f in functions if order_violations(f)}
    assert bad == {}, module.__name__


def test_the_gated_cells_references_have_the_library_order_written_out():
    # the forward steps: inputs, state, parameters; the backward ones: gradients, then the cache
    assert positional_names(REFERENCES["4.1"]) == ["x_t", "h_prev", "c_prev", "W_ih", "W_hh", "b_ih", "b_hh"]
    assert positional_names(REFERENCES["5.1"]) == ["x_t", "h_prev", "W_ih", "W_hh", "b_ih", "b_hh"]
    assert positional_names(REFERENCES["4.4"]) == ["dh", "dc", "cache"]
    assert positional_names(REFERENCES["4.5"]) == ["dh", "caches"]
    assert positional_names(REFERENCES["5.4"]) == ["dh", "cache"]
    assert positional_names(REFERENCES["2.1"]) == ["dh", "x", "h0", "h", "W_x", "W_h"]


LIBRARY = [rnn.rnn_step_forward, rnn.rnn_step_backward, rnn.rnn_forward, rnn.rnn_backward,
           rnn.rnn_forward_reference, lstm.lstm_step_forward, lstm.lstm_step_backward, lstm.lstm_forward, lstm.lstm_backward,
           lstm.lstm_forward_reference, gru.gru_step_forward, gru.gru_step_backward, gru.gru_forward,
           gru.gru_backward, gru.gru_forward_reference, bridge.cell_forward, bridge.cell_backward,
           bridge.stacked_forward, bridge.stacked_backward, scan.mingru_step, scan.mingru_forward]


@pytest.mark.parametrize("fn", LIBRARY, ids=lambda f: f.__name__)
def test_the_rule_is_the_librarys_own_order(fn):
    ranked = [n for n in positional_names(fn) if kind_of(n) and not FINAL_STATE_GRADIENT.fullmatch(n)]
    assert len(ranked) >= 2, f"{fn.__name__}: the rule ranks too few of its arguments to say anything"
    assert order_violations(fn) == []


def fake_forward(x_t, W_ih, h_prev):                    # the parameters before the state
    """A deliberately wrong signature."""


def fake_backward(cache, dh):                           # the cache before the upstream gradient
    """A deliberately wrong signature."""


def fake_params_first(params, x, state0):
    """A deliberately wrong signature."""


def test_the_rule_rejects_a_wrong_order():
    assert order_violations(fake_forward) == ["W_ih (parameter) before h_prev (state)"]
    assert order_violations(fake_backward) == ["cache (cache) before dh (upstream gradient)"]
    assert order_violations(fake_params_first) == ["params (parameter) before x (input)",
                                                   "params (parameter) before state0 (state)"]
    assert order_violations(lambda dh, cache, dstate_T=None: None) == []     # optional, last: allowed
    assert order_violations(lambda dh, dstate_T, cache: None) == []          # (exempt wherever it is)
    assert order_violations(lambda x, h0, W, *, order="ifgo": None) == []    # options are not ranked


def test_a_drifting_checker_is_caught_through_its_recorded_reference():
    """A new checker module whose reference takes the weights before the state fails the rule."""
    module = types.ModuleType("course_utils.exercises.check.drift_for_test")
    module.check_function = check_function

    def _step_ref(x_t, W_ih, W_hh, b_ih, b_hh, h_prev):
        return x_t

    def step(fn):
        """Check a step whose reference drifted."""
        return module.check_function(fn, _step_ref, [], name="step")

    module.step, module.__all__ = step, ["step"]
    (reference,) = recorded_references([module]).values()
    assert reference is _step_ref
    assert "W_ih (parameter) before h_prev (state)" in order_violations(reference)


# --- the docstring of check/__init__.py --------------------------------------------------------

def _table_rows(doc: str, header: str) -> list[list[str]]:
    """The rows of the simple reST table whose header line starts with ``header``: one list of
    column texts per row, continuation lines (empty first column) joined to their row."""
    lines = doc.splitlines()
    top = next(i for i, line in enumerate(lines) if line.startswith(header)) - 1
    spans = [m.span() for m in re.finditer(r"=+", lines[top])]
    rows = []
    for line in lines[top + 3:]:
        if line.startswith("="):
            break
        cells = [line[a:b if k < len(spans) - 1 else None].strip() for k, (a, b) in enumerate(spans)]
        if cells[0]:
            rows.append(cells)
        else:
            rows[-1] = [f"{old} {new}".strip() for old, new in zip(rows[-1], cells)]
    return rows


def test_the_docstring_table_gives_each_references_signature_and_real_library_functions():
    rows = _table_rows(check.__doc__, "exercise")
    table = {number: re.fullmatch(r"``fn\((.*)\)``", learner).group(1) for number, learner, _ in rows}
    with_arguments = {n: ", ".join(positional_names(r)) for n, r in REFERENCES.items() if positional_names(r)}
    assert table == with_arguments
    predictions = re.search(r"The other exercises \(([\d., ]+)\) are predictions", " ".join(check.__doc__.split()))
    assert sorted(predictions.group(1).split(", ")) == sorted(set(REFERENCES) - set(with_arguments))
    for number, _, counterpart in rows:
        if not counterpart.startswith("none"):
            dotted = re.search(r"``([\w.]+)", counterpart).group(1)
            assert callable(_resolve(dotted)), f"Exercise {number}: course_utils.{dotted} is not a function"


def _resolve(dotted: str):
    """``course_utils.<dotted>`` (a module's attribute), or None where there is no such thing."""
    parts = dotted.split(".")
    for k in range(len(parts), 0, -1):
        try:
            target = importlib.import_module(".".join(["course_utils", *parts[:k]]))
        except ModuleNotFoundError:
            continue
        for part in parts[k:]:
            target = getattr(target, part, None)
        return target
    return None


def test_the_package_imports_its_modules_in_the_tables_order_and_their_chapters():
    source = Path(check.__file__).read_text(encoding="utf-8")
    table = _table_rows(check.__doc__, "module")
    modules = [re.fullmatch(r"``check/(\w+)\.py``", name).group(1) for name, _ in table]
    assert re.findall(r"^from course_utils\.exercises\.check\.(\w+) import \*$", source, re.MULTILINE) == modules
    assert [m.__name__.rsplit(".", 1)[1] for m in check.CHECKER_MODULES] == modules
    for module, (_, chapters) in zip(check.CHECKER_MODULES, table):
        first, last = re.match(r"(\d+)(?:-(\d+))?", chapters).groups()
        numbers = [getattr(module, name).exercise_number for name in module.__all__]
        assert all(int(first) <= int(n.split(".")[0]) <= int(last or first) for n in numbers), (module, numbers)
    assert set(check.__all__) >= {name for m in check.CHECKER_MODULES for name in m.__all__}
    assert all(getattr(check, name) is getattr(m, name) for m in check.CHECKER_MODULES for name in m.__all__)


def test_the_recorder_puts_the_harness_back():
    assert all(m.check_function is check_function for m in check.CHECKER_MODULES)
    assert harness.check_function is check_function
