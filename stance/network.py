"""The network: one transformer encoder, mean pooling, and two heads (a torch module).

The stance head is single-label (softmax over the stance classes); the
technique head is multi-label (one sigmoid per technique). Both read the same
pooled sentence vector, so one forward pass gives both. When the input is a
pair (sentence, neighbouring context), only the sentence's tokens are pooled; when it
is a passage of several sentences (window context), each sentence's tokens are pooled
into a vector of its own.
The sizes of the heads come from the label names stored with the model, never
from code.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import torch
from torch import nn


def mean_pool(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """Average the token vectors that are not padding."""
    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)


class StanceNetwork(nn.Module):
    """Encoder + stance head + technique head.

    ``forward`` returns a dict with ``stance_logits`` (batch x stances) and
    ``technique_logits`` (batch x techniques), plus ``loss`` when labels are given.

    With ``context_vector``, the heads read each sentence's vector next to the vector
    of the sentence before it (``context_index``: the row of the batch that holds the
    previous sentence, -1 where there is none, which reads a learned ``no_context``
    vector instead). Every sentence is then encoded once, alone.
    """

    def __init__(self, encoder: nn.Module, n_stance: int, n_techniques: int, dropout: float = 0.1,
                 context_vector: bool = False):
        super().__init__()
        self.encoder = encoder
        hidden = encoder.config.hidden_size
        self.context_vector = context_vector
        features = 2 * hidden if context_vector else hidden
        if context_vector:
            self.no_context = nn.Parameter(torch.zeros(hidden))
        self.dropout = nn.Dropout(dropout)
        self.stance_head = nn.Linear(features, n_stance)
        self.technique_head = nn.Linear(features, n_techniques)
        # Loss weights for class imbalance; set by the trainer, saved as buffers.
        self.register_buffer("stance_weight", torch.ones(n_stance), persistent=True)
        self.register_buffer("technique_pos_weight", torch.ones(n_techniques), persistent=True)
        self.label_smoothing = 0.0  # training only; set by the trainer, never saved

    @classmethod
    def from_encoder_config(cls, config, n_stance: int, n_techniques: int,
                            context_vector: bool = False) -> "StanceNetwork":
        """An untrained model of the given ``transformers`` encoder architecture."""
        from transformers import AutoModel

        return cls(AutoModel.from_config(config, add_pooling_layer=False), n_stance, n_techniques,
                   context_vector=context_vector)

    @classmethod
    def from_state_dict(cls, config: Mapping[str, Any], n_stance: int, n_techniques: int,
                        state_dict: dict[str, torch.Tensor]) -> "StanceNetwork":
        """Build a model around saved weights (``config``: the folder's ``config.json``).

        BERT-family encoders are built from :mod:`stance.encoder` (plain torch, no
        ``transformers`` import) on the ``meta`` device, taking the saved tensors as
        they are; other architectures go through ``transformers``.
        """
        from .encoder import light_encoder, supports

        context_vector = "no_context" in state_dict
        if not supports(config):
            return cls._from_transformers(config, n_stance, n_techniques, state_dict, context_vector)
        encoder = light_encoder(config)
        with torch.device("meta"):
            model = cls(encoder, n_stance, n_techniques, context_vector=context_vector)
        model.load_state_dict(state_dict, strict=True, assign=True)
        return model

    @classmethod
    def _from_transformers(cls, config: Mapping[str, Any], n_stance: int, n_techniques: int,
                           state_dict: dict[str, torch.Tensor], context_vector: bool) -> "StanceNetwork":
        """The slow, general way: any architecture ``transformers`` knows. Buffers that are
        not saved are copied from a one-layer, tiny-vocabulary twin built on the CPU."""
        from transformers import AutoConfig

        config = AutoConfig.for_model(**dict(config))
        with torch.device("meta"):
            model = cls.from_encoder_config(config, n_stance, n_techniques, context_vector)
        model.load_state_dict(state_dict, strict=True, assign=True)
        missing = [name for name, buf in model.named_buffers() if buf.is_meta]
        if missing:
            twin_config = copy.deepcopy(config)
            twin_config.vocab_size = 8
            twin_config.num_hidden_layers = 1
            twin = dict(cls.from_encoder_config(twin_config, n_stance, n_techniques,
                                                context_vector).named_buffers())
            if not all(name in twin for name in missing):
                model = cls.from_encoder_config(config, n_stance, n_techniques, context_vector)
                model.load_state_dict(state_dict, strict=True)
                return model
            for name in missing:
                owner, _, attr = name.rpartition(".")
                model.get_submodule(owner).register_buffer(attr, twin[name].clone(), persistent=False)
        return model

    @classmethod
    def from_pretrained_encoder(cls, path: str, n_stance: int, n_techniques: int,
                                num_hidden_layers: int | None = None, context_vector: bool = False,
                                **kwargs) -> "StanceNetwork":
        """Start training from a pretrained encoder (a local folder, or a Hub id), keeping
        only its first ``num_hidden_layers`` layers when given (never adding any).

        A local folder's weights are read directly and the dropped layers never loaded,
        so no "unexpected keys" report is printed for them.
        """
        from pathlib import Path

        from safetensors.torch import load_file
        from transformers import AutoConfig, AutoModel

        config = AutoConfig.from_pretrained(path, **kwargs)
        if num_hidden_layers:
            config.num_hidden_layers = min(num_hidden_layers, config.num_hidden_layers)
        weights = Path(path, "model.safetensors")
        if weights.is_file():
            encoder = AutoModel.from_config(config, add_pooling_layer=False)
            wanted = encoder.state_dict()
            state = {k: v for k, v in load_file(weights).items() if k in wanted}
            missing = [k for k in wanted if k not in state and not k.endswith(("position_ids",))]
            if not missing:
                encoder.load_state_dict(state, strict=False)
                return cls(encoder, n_stance, n_techniques, context_vector=context_vector)
        encoder = AutoModel.from_pretrained(path, add_pooling_layer=False, config=config, **kwargs)
        return cls(encoder, n_stance, n_techniques, context_vector=context_vector)

    @property
    def config(self):
        return self.encoder.config

    def encode(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
               pool_mask: torch.Tensor | None = None,
               passage_of: torch.Tensor | None = None) -> torch.Tensor:
        """The sentence vector: all tokens attend to each other (context included), but
        only those in ``pool_mask`` (default: every non-padding token) are averaged.

        With ``passage_of`` (a window-context model, :mod:`stance.windows`), each row of
        ``input_ids`` is a passage of several sentences, and each row of ``pool_mask`` is
        one sentence of the passage ``passage_of`` names: one vector per sentence."""
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        if passage_of is not None:
            hidden = hidden[passage_of]
        return mean_pool(hidden, attention_mask if pool_mask is None else pool_mask)

    def heads(self, pooled: torch.Tensor, context: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """Logits from sentence vectors (and, for a context-vector model, the vectors of the
        sentences before them: one row each, or None for "no sentence before")."""
        if self.context_vector:
            if context is None:
                context = self.no_context.expand_as(pooled)
            pooled = torch.cat([pooled, context], dim=-1)
        features = self.dropout(pooled)
        return {"stance_logits": self.stance_head(features),
                "technique_logits": self.technique_head(features)}

    def context_of(self, pooled: torch.Tensor, context_index: torch.Tensor) -> torch.Tensor:
        """For each row, the vector of the row ``context_index`` points at (``no_context`` at -1)."""
        picked = pooled[context_index.clamp(min=0)]
        none = self.no_context.to(pooled.dtype).expand_as(picked)
        return torch.where((context_index >= 0).unsqueeze(-1), picked, none)

    def forward(self, input_ids, attention_mask, pool_mask=None, context_index=None, labeled=None,
                stance_labels=None, technique_labels=None, passage_of=None, **_):
        pooled = self.encode(input_ids, attention_mask, pool_mask, passage_of)
        context = None
        if self.context_vector and context_index is not None:
            context = self.context_of(pooled, context_index)
        out = self.heads(pooled, context)
        if stance_labels is not None and technique_labels is not None:
            stance_logits, technique_logits = out["stance_logits"], out["technique_logits"]
            if labeled is not None:  # rows present only as another row's context carry no loss
                keep = labeled.bool()
                stance_logits, technique_logits = stance_logits[keep], technique_logits[keep]
                stance_labels, technique_labels = stance_labels[keep], technique_labels[keep]
            stance_loss = nn.functional.cross_entropy(
                stance_logits, stance_labels, weight=self.stance_weight,
                label_smoothing=self.label_smoothing,
            )
            technique_loss = nn.functional.binary_cross_entropy_with_logits(
                technique_logits, technique_labels.to(technique_logits.dtype),
                pos_weight=self.technique_pos_weight,
            )
            out["loss"] = stance_loss + technique_loss
        return out
