"""The plain-torch encoder used for prediction computes what transformers' encoder computes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import torch

from stance.encoder import light_encoder, supports


def _compare(hf_model, config: dict, tolerance: float = 1e-5) -> None:
    torch.manual_seed(1)
    ours = light_encoder(config)
    ours.load_state_dict(hf_model.state_dict(), strict=False, assign=True)
    ours.eval()
    ids = torch.randint(5, config["vocab_size"], (3, 11))
    mask = torch.ones_like(ids)
    mask[1, 7:] = 0  # padded rows
    mask[2, 3:] = 0
    ids[mask == 0] = config.get("pad_token_id", 0)
    with torch.inference_mode():
        theirs = hf_model(input_ids=ids, attention_mask=mask).last_hidden_state
        mine = ours(ids, mask).last_hidden_state
    keep = mask.bool()
    assert torch.allclose(theirs[keep], mine[keep], atol=tolerance)


@pytest.mark.parametrize("kind", ["bert", "xlm-roberta"])
def test_matches_transformers(kind):
    from transformers import BertConfig, BertModel, XLMRobertaConfig, XLMRobertaModel

    torch.manual_seed(0)
    sizes = dict(vocab_size=99, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                 intermediate_size=64, max_position_embeddings=40)
    if kind == "bert":
        hf = BertModel(BertConfig(**sizes), add_pooling_layer=False).eval()
    else:
        hf = XLMRobertaModel(XLMRobertaConfig(**sizes, pad_token_id=1), add_pooling_layer=False).eval()
    config = hf.config.to_dict()
    assert supports(config)
    _compare(hf, config)


def test_unknown_architectures_are_left_to_transformers():
    assert not supports({"model_type": "deberta-v2", "hidden_act": "gelu"})
    assert not supports({"model_type": "bert", "hidden_act": "relu"})


def test_loading_a_model_does_not_import_transformers(tiny_model):
    code = (f"import sys, stance\nm = stance.load({str(tiny_model)!r}, fast='off')\n"
            "m.predict('The talks lasted two hours.')\n"
            "print(sorted(k for k in sys.modules if k.split('.')[0] == 'transformers'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.slow
def test_matches_transformers_on_the_real_base():
    from transformers import AutoModel

    from stance.base_model import ensure_base_model

    base = ensure_base_model()
    hf = AutoModel.from_pretrained(base, add_pooling_layer=False, num_hidden_layers=6).eval()
    config = json.loads(open(f"{base}/config.json").read())
    config["num_hidden_layers"] = 6
    _compare(hf, config, tolerance=1e-4)
