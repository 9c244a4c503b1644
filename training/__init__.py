"""Fine-tuning for ``stance``, installed as ``stance_training``: data, base model, fitting,
calibration, evaluation, baselines, model card.

Needs the ``train`` extra (``pip install 'stance[train]'``). It imports ``stance``;
``stance`` never imports it (``stance train`` finds it through an entry point).
"""
