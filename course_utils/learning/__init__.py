"""Training with PyTorch: small models, the training loop, sweeps, Chapter 3's clipping sweep,
Chapter 6's experiment, the character language model and looking inside trained models."""
