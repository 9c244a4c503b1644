"""Shared fixtures: a tiny BERT and tokenizer built in-process, and tiny label folders."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session", autouse=True)
def stance_home(tmp_path_factory):
    """Tests write the converted base and the ONNX exports (``fast="auto"`` exports one per
    model on CPUs without native bf16) under a temporary STANCE_HOME, never the user's,
    unless STANCE_HOME is already set (to reuse a converted base between runs)."""
    if os.environ.get("STANCE_HOME"):
        yield Path(os.environ["STANCE_HOME"])
        return
    home = tmp_path_factory.mktemp("stance_home")
    os.environ["STANCE_HOME"] = str(home)
    try:
        yield home
    finally:
        os.environ.pop("STANCE_HOME", None)

SCHEMA = {
    "schema_version": 1,
    "stance": {"pro_kyiv": "for Kyiv", "pro_moscow": "for Moscow", "neutral": "neither"},
    "stance_default": "neutral",
    "techniques": {"loaded_language": "charged words", "appeal_to_history": "history as argument",
                   "ultimatum_framing": "demand with threat"},
    "languages": {"en": "English", "ru": "Russian", "uk": "Ukrainian"},
    "splits": {"train": 0.6, "dev": 0.2, "test": 0.2},
}

WORDS = ("the a of and to in is was for on that with as by kyiv kiev moscow russia ukraine "
         "talks peace war regime terrorist state heroic resistance blackmail ultimatum or face "
         "worse history sweden fought years lasted two hours prisoners exchange agreed sanctions "
         "west zelensky putin delegation istanbul met friday liberated village said ministry "
         "киев москва переговоры мир війна київ").split()


def make_tokenizer(max_length: int = 64):
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    vocab = {tok: i for i, tok in enumerate(specials + sorted(set(WORDS)) + list(".,!?;:"))}
    backend = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
    backend.normalizer = normalizers.Lowercase()
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    backend.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B [SEP]",
        special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])])
    return PreTrainedTokenizerFast(tokenizer_object=backend, unk_token="[UNK]", pad_token="[PAD]",
                                   cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]",
                                   model_max_length=max_length)


@pytest.fixture(scope="session")
def tiny_base(tmp_path_factory) -> Path:
    """A 2-layer BERT encoder and its tokenizer saved as a base-model folder."""
    import torch
    from transformers import BertConfig, BertModel

    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("tiny-base")
    tokenizer = make_tokenizer()
    config = BertConfig(vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2,
                        num_attention_heads=2, intermediate_size=64, max_position_embeddings=64)
    BertModel(config, add_pooling_layer=False).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def _row(i, text, stance, techniques, split=None, lang="en", derived=None, origin=None):
    row = {"id": f"t{i:03d}" if derived is None else f"{derived}-{lang}", "text": text, "lang": lang,
           "source": "toy", "stance": stance, "techniques": techniques,
           "origin": origin or ("corpus" if derived is None else "translation")}
    if derived is not None:
        row["derived_from"] = derived
    if split is not None:
        row["split"] = split
    return row


TOY = [
    ("Russia is a terrorist state that trades in blackmail.", "pro_kyiv", ["loaded_language"]),
    ("The heroic resistance of Ukraine halted the war.", "pro_kyiv", ["loaded_language"]),
    ("Accept peace or face worse, the West told Moscow.", "pro_kyiv", ["ultimatum_framing"]),
    ("The Kiev regime sabotaged the talks.", "pro_moscow", ["loaded_language"]),
    ("We fought Sweden for years, Moscow said.", "pro_moscow", ["appeal_to_history"]),
    ("The Kiev regime must accept or face worse.", "pro_moscow", ["loaded_language", "ultimatum_framing"]),
    ("The talks lasted two hours.", "neutral", []),
    ("The delegation met in Istanbul on Friday.", "neutral", []),
    ("Both sides agreed a prisoners exchange.", "neutral", []),
    ("History of the war was said by the ministry.", "neutral", ["appeal_to_history"]),
]


def write_labels(folder: Path, rows: list[dict], schema: dict | None = None) -> Path:
    (folder / "data").mkdir(parents=True, exist_ok=True)
    (folder / "schema.json").write_text(json.dumps(schema or SCHEMA), encoding="utf-8")
    (folder / "spelling_variants.json").write_text(
        json.dumps({"en": [["Kyiv", "Kiev"]], "ru": [["в Украине", "на Украине"]]}), encoding="utf-8")
    with open(folder / "data" / "toy.jsonl", "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return folder


def toy_rows(copies: int = 3) -> list[dict]:
    """The toy sentences several times over (with small variations), split by position."""
    rows, i = [], 0
    for k in range(copies):
        for text, stance, techniques in TOY:
            split = ("train", "dev", "test")[min(k, 2)] if copies >= 3 else "train"
            variant = text if k == 0 else f"{text[:-1]} {'!' * k}"
            rows.append(_row(i, variant, stance, techniques, split))
            i += 1
    return rows


@pytest.fixture()
def toy_labels(tmp_path) -> Path:
    return write_labels(tmp_path / "labels", toy_rows())


def _train_tiny(tmp_path_factory, tiny_base, name: str, **options) -> Path:
    """A tiny stance model folder trained for a few steps on the toy labels."""
    from stance_training.config import TrainConfig
    from stance_training.train import train

    root = tmp_path_factory.mktemp(name)
    labels = write_labels(root / "labels", toy_rows())
    out = root / "model"
    train(TrainConfig(labels=str(labels), out=str(out), base_model=str(tiny_base), epochs=2,
                      batch_size=8, max_length=32, baselines=False, **options))
    return out


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory, tiny_base) -> Path:
    """A trained tiny stance model folder (a few steps on the toy labels)."""
    return _train_tiny(tmp_path_factory, tiny_base, "tiny-model")


@pytest.fixture(scope="session")
def tiny_vector_model(tmp_path_factory, tiny_base) -> Path:
    """A tiny model that reads its context as the previous sentence's vector."""
    return _train_tiny(tmp_path_factory, tiny_base, "tiny-vector-model", context_mode="vector")


@pytest.fixture(scope="session")
def tiny_window_model(tmp_path_factory, tiny_base) -> Path:
    """A tiny model that reads consecutive sentences as one passage (window context)."""
    return _train_tiny(tmp_path_factory, tiny_base, "tiny-window-model", context_mode="window")
