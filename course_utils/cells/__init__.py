"""The recurrent cells in NumPy and what checks them: parameters, the RNN, LSTM and GRU
kernels, the minGRU scan, the bridge to torch.nn, gradient checks, Jacobians and costs."""
