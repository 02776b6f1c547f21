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
guide lists their hints). Give the module an ``__all__`` listing only its checkers, add its
import line below and its name to :data:`CHECKER_MODULES` (both in the table's order), and
decorate each checker with ``@exercise("N.k")`` (its exercise number).

Every checker takes two options: ``reveal=True`` shows the right answer of a "predict, then
verify" exercise (a wrong prediction never shows it otherwise), and ``time_limit=`` (seconds)
bounds the learner's code. ``check.reveal("1.2")`` shows an answer without a guess;
``check.EXERCISES`` maps exercise numbers to checkers.
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
from course_utils.exercises.harness import EXERCISES, reveal

CHECKER_MODULES = (intro, rnn, gated, backprop, memory, language, applications, practice_api, practice)
"""The checker modules in the table's order (the instructor guide lists their mistakes so)."""

__all__ = [name for module in CHECKER_MODULES for name in module.__all__] + ["EXERCISES", "reveal", "CHECKER_MODULES"]
