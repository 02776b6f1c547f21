"""Helpers for the recurrent-networks course, grouped by concept.

The maths first, then what it is used for, then the tools around it:

- ``course_utils.cells``: the recurrent cells in NumPy (``params``, ``validate``, ``rnn``, ``lstm``,
  ``gru``, the minGRU ``scan``), the ``bridge`` to ``torch.nn``, ``gradcheck``, ``jacobians`` and
  ``cost``; its ``__init__`` states the conventions they share.
- ``course_utils.data``: tasks and data (``tasks``, ``signals``, ``series``, ``reviews``, ``bias``;
  ``text`` holds the character model's corpus, vocabulary and batches).
- ``course_utils.learning``: training with PyTorch (``models``, ``training``, ``sweep``,
  ``experiments``, ``interpret``, ``clipping``, ``translation``; ``charmodel`` trains, evaluates,
  samples from (``sample``, ``softmax_with_temperature``) and scores (``mean_log_likelihood``) the
  character model).
- ``course_utils.exercises``: the exercises (``harness``, ``compare``, ``sandbox`` and the checkers in
  ``check``: ``from course_utils.exercises import check``).
- ``course_utils.figures``: ``plots``, ``widgets``, ``gate_explorer``, ``diagrams`` (the cell
  diagrams and Chapter 7's encoder-decoder).
- ``course_utils.authoring``: tools for authors and instructors (``course``, ``book``, ``pdf``,
  ``slides``, ``student_edition``, ``publish``, ``workshop``, ``hub``, ``nbgrader_export``,
  ``timing``, ``benchmark``, ``launcher``, ...).

``_checks`` holds the generic input validation every module shares.
"""
