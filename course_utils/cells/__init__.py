"""The recurrent cells in NumPy and what checks them: parameters, the RNN, LSTM and GRU
kernels, the minGRU scan, the bridge to torch.nn, gradient checks, Jacobians and costs.

Modules, one concept each: ``params`` (``CellParams`` in PyTorch's fused layout, gate names,
parameter counts, the shared kernel pieces), ``validate`` (the cells' argument checks),
``rnn``, ``lstm``, ``gru`` (forward, backward and a plain reference loop each), ``scan``
(minGRU), ``bridge`` (to and from ``torch.nn``, stacked and bidirectional layers), ``gradcheck``,
``jacobians``, ``cost``.

Conventions every cell module follows:

- Arguments: inputs, then state, then parameters: ``rnn_step_forward(x_t, h_prev, params)``,
  ``lstm_forward(x, state0, params)``. Backward takes the upstream gradient, then the cache,
  then the optional gradient of the final state: ``lstm_backward(dh, cache, dstate_T)``.
- Names: a gradient is ``d`` + the name of what it differentiates (``dh``, ``dstate_T`` for
  ``state_T``, ``dh_n`` for the stacked layers' ``h_n``, ``dx``). The RNN's and GRU's state is one
  array (``h0``, ``h_prev``); the LSTM's is the pair ``(h, c)`` (``state0``, ``state``).
- Kernels: stated once at the top of ``rnn.py`` (``_kernel``, ``_step``, ``_step_back``, the
  cache, backward in chunks of ``params.CHUNK`` steps); each module's docstring numbers its
  equations and the kernel's comments cite the numbers.

Changing a cell, traced through the files it touches:

- ``bias=False`` (as ``torch.nn.LSTM(..., bias=False)``) is zero biases, and adding 0.0 changes
  no floating-point result, so no kernel changes. ``params.init_params(..., bias=False)`` builds
  such a cell; ``bridge.from_torch`` reads a bias-free module as zero biases and
  ``bridge.to_torch`` writes them back, refusing nonzero ones; ``params.parameter_count(...,
  biases=0)`` is torch's count for ``bias=False`` (``biases=2`` for the default). Backward still
  returns ``bias_ih``/``bias_hh`` gradients: a training loop for a bias-free cell drops them
  (torch's module has no bias parameters to update). Tests:
  ``test_cells_vs_torch.py::test_bias_free_modules_run_through_the_same_kernels``,
  ``test_bridge.py``, ``test_params.py``.
- A peephole LSTM (Gers and Schmidhuber 2000: the gates also read the cell state, i and f c_{t-1},
  o the new c_t) follows the ``reset_after`` precedent: the kind stays "lstm", with a flag and an extra
  array. ``params.CellParams`` gains the flag and an optional (3H,) peephole array beside the
  four of ``ARRAY_NAMES`` (validation, ``as_dict``, ``astype``, ``copy``); ``parameter_count``
  adds 3H per layer and direction. In ``lstm.py``: (2) gains w ⊙ c terms and o moves after (4),
  so ``_step`` activates i, f, g in the one tanh and o after c_t (``sigmoid_via_tanh``'s scale
  also halves w_i, w_f, w_o); (6)-(9) gain the peephole paths (dc_{t-1} += da_i ⊙ w_i +
  da_f ⊙ w_f, dc_t += da_o ⊙ w_o, dw = Σ da ⊙ c) in ``_factors``, ``_step_back`` and the
  gradients after ``fused_grads``; ``lstm_forward_reference`` gains the terms. ``bridge.to_torch``
  refuses peephole parameters (``torch.nn.LSTM`` has none), so there is no torch comparison:
  the tests compare the kernel with the reference loop and with finite differences
  (``gradcheck.check_cell_gradients`` takes the flag as it takes ``reset_after``), by adding the
  peephole case to the parameter lists of ``test_cells_vs_torch.py`` and ``test_gradcheck.py``;
  ``cost.ELEMENTWISE`` gains its extra products.
"""
