"""The recurrent cells in NumPy and what checks them: parameters, the RNN, LSTM and GRU
kernels, the minGRU scan, the bridge to torch.nn, gradient checks, Jacobians and costs.

Each cell module opens with its equations, numbered, forward and backward; in short:

    rnn    h_t = φ(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)
    lstm   c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t,   h_t = o_t ⊙ tanh(c_t)     (gates i, f, g, o)
    gru    h_t = (1 - z_t) ⊙ n_t + z_t ⊙ h_{t-1}                          (gates r, z, n)
    scan   minGRU: h_t = a_t ⊙ h_{t-1} + b_t with a_t, b_t from x_t alone, a parallel scan

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

How to change a cell (``bias=False``, a peephole LSTM), traced through the files it touches:
``docs/maintaining.md``.
"""
