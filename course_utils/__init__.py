"""Helpers for the recurrent-networks course, grouped by concept, the maths first.

The three cells the course derives, in the notation card of Chapter 0 (σ the logistic
function, ⊙ the elementwise product), each written out in NumPy in ``course_utils.cells``:

    RNN   h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)                     cells.rnn
    LSTM  [i_t, f_t, o_t] = σ(·),  g_t = tanh(·),  each of W_i∗ x_t + b_i∗ + W_h∗ h_{t-1} + b_h∗
          c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t,  h_t = o_t ⊙ tanh(c_t)                 cells.lstm
    GRU   r_t, z_t = σ(·),  n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t-1} + b_hn))
          h_t = (1 - z_t) ⊙ n_t + z_t ⊙ h_{t-1}                                   cells.gru

Then what they are used for, then the tools around them:

- ``course_utils.cells``: the recurrent cells in NumPy (``params``, ``validate``, ``rnn``, ``lstm``,
  ``gru``, the minGRU ``scan``), the ``bridge`` to ``torch.nn``, ``gradcheck``, ``jacobians`` and
  ``cost``; its ``__init__`` states the conventions they share.
- ``course_utils.data``: tasks and data (``tasks``, ``signals``, ``series``, ``reviews``, ``bias``;
  ``text`` holds the character model's corpus, vocabulary and batches).
- ``course_utils.learning``: models, training and evaluation (``models``, ``training``,
  ``baselines`` (the linear baselines fitted on the networks' data), ``metrics``, ``sweep``,
  ``experiments`` (Chapter 6's runs and command), ``experiment_records``, ``experiment_analysis``,
  ``interpret``, ``clipping``, ``translation``; ``charmodel`` trains, evaluates,
  samples from (``sample``, ``softmax_with_temperature``) and scores (``mean_log_likelihood``) the
  character model).
- ``course_utils.exercises``: the exercises (``harness``, ``compare``, ``sandbox`` and the checkers in
  ``check``: ``from course_utils.exercises import check``).
- ``course_utils.figures``: ``palette`` (every colour, named once), ``plots`` (the style and the
  plots of measurements), ``diagrams`` (the cell diagrams and Chapter 7's encoder-decoder, drawn
  with its ``box`` and ``arrow``), ``gradient_explorer`` (Chapter 3), ``gate_explorer`` (Chapter 5).
- ``course_utils.authoring``: tools for authors and instructors (``course``, ``book``, ``pdf``,
  ``slides``, ``student_edition``, ``publish``, ``workshop``, ``hub``, ``nbgrader_export``,
  ``timing``, ``benchmark``, ``launcher``, ...).

``_checks`` holds the generic input validation every module shares, ``_paths`` finds the course
root (``book.toml``).
"""
