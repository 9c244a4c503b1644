"""Batches for the trainer, padded the way prediction pads them."""

from __future__ import annotations

import torch

from stance.tokenization import TokenEncoder


class StanceCollator:
    """Pads token ids and builds the attention and pooling masks with the same
    :class:`TokenEncoder` that prediction uses, so training sees exactly the
    inputs the saved model will see."""

    def __init__(self, encoder: TokenEncoder):
        self.encoder = encoder

    def __call__(self, features: list[dict]) -> dict[str, torch.Tensor]:
        input_ids, attention_mask, pool_mask = self.encoder.pad(
            [f["input_ids"] for f in features], [f["pooled"] for f in features])
        return {
            "input_ids": input_ids,
            "attention_mask": attention_mask,
            "pool_mask": pool_mask,
            "stance_labels": torch.tensor([f["stance_labels"] for f in features], dtype=torch.long),
            "technique_labels": torch.tensor([f["technique_labels"] for f in features],
                                             dtype=torch.float32),
        }
