"""A BERT-family encoder (BERT, RoBERTa, XLM-RoBERTa) in plain torch, for prediction.

Loading a model must be fast: importing ``transformers``' modeling code alone takes
longer than loading and running the whole model. Inference only needs the forward
pass of a post-LayerNorm transformer encoder, which is written here against the same
parameter names as ``transformers``' ``BertModel``/``XLMRobertaModel``, so a model
trained with ``transformers`` loads into it unchanged (a test checks the outputs match).
Architectures it does not know are loaded with ``transformers`` instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, Mapping

import torch
from torch import nn

#: model types whose encoder is the post-LayerNorm BERT encoder written here
SUPPORTED = {"bert": 0, "roberta": None, "xlm-roberta": None}


@dataclass(frozen=True)
class EncoderConfig:
    """The sizes of a BERT-family encoder, read from ``config.json``."""

    model_type: str
    vocab_size: int
    hidden_size: int
    num_hidden_layers: int
    num_attention_heads: int
    intermediate_size: int
    max_position_embeddings: int
    type_vocab_size: int = 2
    layer_norm_eps: float = 1e-12
    pad_token_id: int = 0
    hidden_act: str = "gelu"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "EncoderConfig":
        return cls(model_type=data.get("model_type", "bert"), vocab_size=data["vocab_size"],
                   hidden_size=data["hidden_size"], num_hidden_layers=data["num_hidden_layers"],
                   num_attention_heads=data["num_attention_heads"],
                   intermediate_size=data.get("intermediate_size", 4 * data["hidden_size"]),
                   max_position_embeddings=data.get("max_position_embeddings", 512),
                   type_vocab_size=data.get("type_vocab_size", 2),
                   layer_norm_eps=data.get("layer_norm_eps", 1e-12),
                   pad_token_id=data.get("pad_token_id", 0) or 0,
                   hidden_act=data.get("hidden_act", "gelu"))

    @property
    def position_offset(self) -> int:
        """RoBERTa-style models count positions from ``pad_token_id + 1``."""
        offset = SUPPORTED[self.model_type]
        return self.pad_token_id + 1 if offset is None else offset


def supports(config: Mapping[str, Any]) -> bool:
    return (config.get("model_type") in SUPPORTED and config.get("hidden_act", "gelu") == "gelu"
            and config.get("position_embedding_type", "absolute") == "absolute")


def _embedding(rows: int, dim: int) -> nn.Embedding:
    """An embedding table left uninitialised (its weights are always loaded afterwards).
    ``nn.Embedding``'s own random init on the ``meta`` device goes through torch's
    reference decompositions and imports ``torch._dynamo``: 2-3 s of a cold load."""
    return nn.Embedding(rows, dim, _weight=torch.empty(rows, dim))


class Embeddings(nn.Module):
    def __init__(self, c: EncoderConfig):
        super().__init__()
        self.word_embeddings = _embedding(c.vocab_size, c.hidden_size)
        self.position_embeddings = _embedding(c.max_position_embeddings, c.hidden_size)
        self.token_type_embeddings = _embedding(c.type_vocab_size, c.hidden_size)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.offset = c.position_offset

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        return self.from_words(self.word_embeddings(input_ids))

    def from_words(self, words: torch.Tensor) -> torch.Tensor:
        """Add position and token-type embeddings to word vectors, then normalise. Positions
        of the real tokens count up from the offset (as transformers does from the ids for
        RoBERTa, and from 0 for BERT); padding sits at the end and is masked anyway."""
        positions = torch.arange(words.shape[1], device=words.device) + self.offset
        hidden = words + self.position_embeddings(positions)[None] + self.token_type_embeddings.weight[0]
        return self.LayerNorm(hidden)


class Layer(nn.Module):
    """One post-LayerNorm transformer layer, with transformers' parameter names."""

    def __init__(self, c: EncoderConfig):
        super().__init__()
        h = c.hidden_size
        self.heads = c.num_attention_heads
        self.attention = nn.Module()
        self.attention.self = nn.Module()
        self.attention.self.query = nn.Linear(h, h)
        self.attention.self.key = nn.Linear(h, h)
        self.attention.self.value = nn.Linear(h, h)
        self.attention.output = nn.Module()
        self.attention.output.dense = nn.Linear(h, h)
        self.attention.output.LayerNorm = nn.LayerNorm(h, eps=c.layer_norm_eps)
        self.intermediate = nn.Module()
        self.intermediate.dense = nn.Linear(h, c.intermediate_size)
        self.output = nn.Module()
        self.output.dense = nn.Linear(c.intermediate_size, h)
        self.output.LayerNorm = nn.LayerNorm(h, eps=c.layer_norm_eps)

    def _split(self, x: torch.Tensor) -> torch.Tensor:
        b, t, h = x.shape
        return x.view(b, t, self.heads, h // self.heads).transpose(1, 2)

    def forward(self, hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        s = self.attention.self
        q, k, v = self._split(s.query(hidden)), self._split(s.key(hidden)), self._split(s.value(hidden))
        context = nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        context = context.transpose(1, 2).reshape(hidden.shape)
        out = self.attention.output
        hidden = out.LayerNorm(out.dense(context) + hidden)
        inner = nn.functional.gelu(self.intermediate.dense(hidden))
        return self.output.LayerNorm(self.output.dense(inner) + hidden)


class Encoder(nn.Module):
    """``forward(input_ids, attention_mask)`` gives ``.last_hidden_state``, as transformers does."""

    def __init__(self, config: EncoderConfig, raw: Mapping[str, Any] | None = None):
        super().__init__()
        self.embeddings = Embeddings(config)
        self.encoder = nn.Module()
        self.encoder.layer = nn.ModuleList(Layer(config) for _ in range(config.num_hidden_layers))
        self.config = SimpleNamespace(**{**dict(raw or {}), "hidden_size": config.hidden_size,
                                         "num_hidden_layers": config.num_hidden_layers})

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor):
        return SimpleNamespace(last_hidden_state=self.from_words(
            self.embeddings.word_embeddings(input_ids), attention_mask))

    def from_words(self, words: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Token states from word vectors (looked up, or interpolated as integrated
        gradients do)."""
        hidden = self.embeddings.from_words(words)
        # additive mask: 0 where a token may be attended, a large negative number elsewhere
        mask = (1.0 - attention_mask[:, None, None, :].to(hidden.dtype)) * torch.finfo(hidden.dtype).min
        for layer in self.encoder.layer:
            hidden = layer(hidden, mask)
        return hidden

    def get_input_embeddings(self) -> nn.Embedding:
        return self.embeddings.word_embeddings


def light_encoder(config: Mapping[str, Any]) -> Encoder:
    """An untrained encoder of this architecture, built without random initialisation."""
    with torch.device("meta"):
        return Encoder(EncoderConfig.from_dict(config), config)

