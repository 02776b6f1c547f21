"""Training with PyTorch: small models, the training loop, sweeps, Chapter 6's experiment
and looking inside trained models."""
