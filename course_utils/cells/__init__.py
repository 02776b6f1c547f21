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

- ``bias=False`` (as ``torch.nn.LSTM(..., bias=False)``): no kernel changes. ``bridge.from_torch``
  reads such a module as zero biases (adding 0.0 changes no floating-point result),
  ``bridge.to_torch`` writes them back and refuses nonzero ones, and
  ``params.parameter_count(..., biases=0)`` counts the parameters. Tests: ``test_bridge.py``.
- A peephole LSTM (gates that also read c_{t-1}, Gers and Schmidhuber 2000): ``params`` gains the
  kind and its extra array (``GATE_NAMES``, ``_shapes``); ``lstm.py`` gains the terms in (2), in
  ``_step`` and, for backward, in ``_factors`` and ``_step_back``, plus one line in
  ``lstm_forward_reference``. ``torch.nn`` has no peephole LSTM, so ``bridge`` is untouched and the
  tests compare the kernel with the reference loop and with finite differences
  (``gradcheck``), both written over the kinds of ``params``.
"""
