"""Fine-tuning for ``stance``: data, base model, training, calibration, baselines, model card.

Needs the ``train`` extra (``pip install 'stance[train]'``). Imports ``stance``;
``stance`` never imports this package except lazily from ``stance train``.
"""
