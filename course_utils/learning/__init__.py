"""Models, training and evaluation with PyTorch: the small sequence models (``models``), the
training loop and batching (``training``), the linear baselines fitted on the same data
(``baselines``), metrics (``metrics``), sweeps (``sweep``), Chapter 3's clipping sweep
(``clipping``), Chapter 6's experiment (the runs and their command line in ``experiments``, their
JSON records and files in ``experiment_records``, what is measured on them in
``experiment_analysis``), the character language model (``charmodel``), Chapter 7's date translator
(``translation``) and looking inside trained models (``interpret``)."""
