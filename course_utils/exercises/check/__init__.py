"""Checkers for the exercises: ``from course_utils.exercises import check`` then ``check.lstm_step(lstm_step)``.

One module per chapter group, each written by that chapter's author with the harness in
:mod:`course_utils.exercises.harness` and star-imported below, so every checker is reachable as
``check.<name>``:

================================  ===========================
module                            chapters
================================  ===========================
``check/intro.py``                0
``check/rnn.py``                  1-3
``check/gated.py``                4-5
``check/backprop.py``             4-5 (backward passes)
``check/memory.py``               6
``check/language.py``             7
``check/applications.py``         8-9
``check/practice_api.py``         10
``check/practice.py``             11
================================  ===========================

A checker takes the learner's function (or value) and returns a
:class:`course_utils.exercises.harness.Feedback`; put the call on the last line of the check cell so
Jupyter displays it. Give each checker its list of :class:`~course_utils.exercises.harness.Mistake`
objects and declare all of a module's lists in its module-level ``MISTAKES`` (the instructor
guide lists their hints, which :func:`registered_mistakes` collects). Give the module an
``__all__`` listing only its checkers, add its import line below and its name to
:data:`CHECKER_MODULES` (both in the table's order), and decorate each checker with
``@exercise("N.k")`` (its exercise number).

Every checker takes two options: ``reveal=True`` shows the right answer of a "predict, then
verify" exercise (a wrong prediction never shows it otherwise), and ``time_limit=`` (seconds)
bounds the learner's code. ``check.reveal("1.2")`` shows an answer without a guess;
``check.EXERCISES`` maps exercise numbers to checkers.

The exercises follow the library's one order (:mod:`course_utils.cells`): a forward function
takes the inputs, then the state, then the parameters; a backward function takes the upstream
gradient(s), then the cache. An exercise writes the library's state and parameter tuples out
(flattened) so that the learner sees every array: ``lstm_step_forward(x_t, state, params)``
becomes ``fn(x_t, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh)``, and ``lstm_step_backward(dstate,
cache)`` with ``dstate = (dh, dc)`` becomes ``fn(dh, dc, cache)``. Each checker's reference has
the learner's signature (``tests/test_check_conventions.py`` holds them to the order):

========  ============================================  ===============================================
exercise  the learner's function                        library counterpart
========  ============================================  ===============================================
0.1       ``fn(W_concat, H)``                           none (``CellParams`` keeps W_ih, W_hh apart)
0.2       ``fn(W)``                                     none (PyTorch's gate order, as in ``cells.lstm``)
1.1       ``fn(x, h0, W_x, W_h, b)``                    ``cells.rnn.rnn_forward(x, h0, params)``
2.1       ``fn(dh, x, h0, h, W_x, W_h)``                ``cells.rnn.rnn_backward(dh, cache)``, the cache
                                                        written out as x, h0, h and the weights
3.1       ``fn(grads, max_norm)``                       none (``torch.nn.utils.clip_grad_norm_``)
4.1       ``fn(x_t, h_prev, c_prev, W_ih, W_hh, b_ih,   ``cells.lstm.lstm_step_forward(x_t, state,
          b_hh)``                                       params)``
4.4       ``fn(dh, dc, cache)``                         ``cells.lstm.lstm_step_backward(dstate, cache)``
4.5       ``fn(dh, caches)``                            ``cells.lstm.lstm_backward(dh, cache)``
5.1       ``fn(x_t, h_prev, W_ih, W_hh, b_ih, b_hh)``   ``cells.gru.gru_step_forward(x_t, h_prev, params)``
5.4       ``fn(dh, cache)``                             ``cells.gru.gru_step_backward(dh, cache)``
6.1       ``fn(values, first, second)``                 ``data.tasks.adding_problem`` (draws its own)
6.3       ``fn(n_symbols, length, delay)``              ``data.tasks.copy_baseline``
7.1       ``fn(logits, targets)``                       none (the exponential of the cross-entropy)
7.2       ``fn(logits, temperature)``                   ``learning.charmodel.softmax_with_temperature``
8.1       ``fn(y, start, stop, season)``                ``data.series.seasonal_naive_forecast``
8.2       ``fn(y, window, horizon)``                    ``data.series.make_windows``
8.3       ``fn(flagged, true_positions)``               ``data.series.precision_recall``
9.1       ``fn(x, frame_len, hop)``                     ``data.signals.frame_signal``
10.1      ``fn(T, B, D, H)``                            T x ``cells.cost.matmul_flops_per_step``
10.3      ``fn(a1, b1, a2, b2)``                        ``cells.scan.combine``
11.1      ``fn(group, labels)``                         ``data.bias.balanced_weights``
11.2      ``fn(states, feature)``                       ``learning.interpret.unit_correlations``
========  ============================================  ===============================================

The other exercises (1.2, 2.2, 3.2, 4.2, 5.2, 6.2, 7.3, 8.4, 9.2, 10.2, 11.3) are predictions,
``fn() -> value`` (or the value itself).
"""
from course_utils.exercises.check import (
    applications,
    backprop,
    gated,
    intro,
    language,
    memory,
    practice,
    practice_api,
    rnn,
)
from course_utils.exercises.check.intro import *
from course_utils.exercises.check.rnn import *
from course_utils.exercises.check.gated import *
from course_utils.exercises.check.backprop import *
from course_utils.exercises.check.memory import *
from course_utils.exercises.check.language import *
from course_utils.exercises.check.applications import *
from course_utils.exercises.check.practice_api import *
from course_utils.exercises.check.practice import *
from course_utils.exercises.harness import EXERCISES, Mistake, reveal

CHECKER_MODULES = (intro, rnn, gated, backprop, memory, language, applications, practice_api, practice)
"""The checker modules in the table's order (the instructor guide lists their mistakes so)."""

__all__ = [name for module in CHECKER_MODULES for name in module.__all__] + [
    "EXERCISES", "reveal", "CHECKER_MODULES", "registered_mistakes"]


def registered_mistakes() -> dict[str, list[Mistake]]:
    """The mistakes each checker module declares in its ``MISTAKES`` list, by module name
    (``course_utils.exercises.check.rnn`` ...), in the order of :data:`CHECKER_MODULES`.

    Each hint appears once per module, where the module's list first has it; a module with no
    mistakes is left out.
    """
    groups: dict[str, list[Mistake]] = {}
    for module in CHECKER_MODULES:
        seen: set[str] = set()
        for mistake in module.MISTAKES:
            if mistake.hint not in seen:
                seen.add(mistake.hint)
                groups.setdefault(module.__name__, []).append(mistake)
    return groups
