"""Scoring speed of the local scorer and of the Ray engine, side by side in one run.

    python benchmarks/ray_throughput.py [--model models/default] [--sentences 3000] [--no-tiny]

Inputs: the corpus articles (../shared/corpus), copied as separate files until they hold
``--sentences`` sentences. Each model is scored by ``stance score`` (the local scorer,
torch on every core of this machine), then by ``stance score --engine ray`` on a local
Ray with the machine's CPUs: one actor with all the threads, one actor with one thread,
and one actor per CPU. Every run uses the same model, inputs and inference path
(``--fast``, default auto) and reads each sentence with its context.

Printed per run: sentences per second end to end (for Ray: from submitting the job, actor
start and model loading included, Ray's own start excluded: it starts once per session),
the seconds until the first results came back (actor start, model load, first batch),
the sentences per second after them (the actors running), and whether the results equal
the local scorer's (labels exactly, scores to 1e-4: bf16 sums depend on batch shapes).

The tiny model is built here (a 2-layer BERT of hidden size 32, trained for a few steps on
the test suite's toy labels): its timings are the engine's overhead. The real model
(``models/default``) is measured when present. Absolute times drift on shared machines:
compare the rows of one run, and say what else ran (the load average is printed). Ray's
workers run at the driver's priority here (``RAY_worker_niceness=0``; Ray's default is 15).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def corpus_copies(corpus: Path, sentences: int, folder: Path) -> int:
    """Copies of the corpus articles in ``folder`` holding at least ``sentences`` sentences."""
    from stance.article import segment_article

    articles = sorted(corpus.glob("*.txt"))
    if not articles:
        raise SystemExit(f"no corpus articles in {corpus}")
    sizes = [len(segment_article(p.read_text(encoding="utf-8")).spans) for p in articles]
    copies = math.ceil(sentences / sum(sizes))
    folder.mkdir(parents=True)
    for copy in range(copies):
        for path in articles:
            shutil.copy(path, folder / f"{copy:03d}_{path.name}")
    return copies * sum(sizes)


def tiny_model(folder: Path) -> Path:
    """The test suite's tiny model, with room for a sentence and its context (128 positions)."""
    sys.path.insert(0, str(REPO / "tests"))
    import torch
    from conftest import make_tokenizer, toy_rows, write_labels
    from stance_training.config import TrainConfig
    from stance_training.train import train
    from transformers import BertConfig, BertModel

    torch.manual_seed(0)
    base = folder / "base"
    tokenizer = make_tokenizer(max_length=128)
    config = BertConfig(vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2,
                        num_attention_heads=2, intermediate_size=64, max_position_embeddings=128)
    BertModel(config, add_pooling_layer=False).save_pretrained(base)
    tokenizer.save_pretrained(base)
    labels = write_labels(folder / "labels", toy_rows())
    out = folder / "model"
    train(TrainConfig(labels=str(labels), out=str(out), base_model=str(base), epochs=1,
                      batch_size=8, max_length=32, baselines=False))
    return out


def records(path: Path) -> dict:
    return {r["doc_id"]: r for r in map(json.loads, path.read_text().splitlines())}


def ray_records(out: Path) -> tuple[dict, float, float]:
    """The articles written by a Ray run; the seconds from submitting it to its first results
    (``started``, a timestamp, is the submission); and the sentences per second after them."""
    import pyarrow.parquet as pq

    from stance.distributed.tables import record_from_row

    parts = sorted((out / "articles").glob("*.parquet"), key=lambda p: p.stat().st_mtime)
    rows = {r["doc_id"]: record_from_row(r) for p in parts for r in pq.read_table(p).to_pylist()}
    sizes = [sum(r["n_sentences"] for r in pq.read_table(p).to_pylist()) for p in parts]
    times = [p.stat().st_mtime for p in parts]
    # the first results come as one burst of partitions (one actor call's documents)
    burst = sum(1 for t in times if t <= times[0] + 0.25)
    seconds = times[-1] - times[burst - 1]
    return rows, times[0], sum(sizes[burst:]) / seconds if seconds > 0 else float("nan")


def same_results(local: dict, on_ray: dict) -> str:
    """'yes', or what differs (labels must match exactly, scores to 1e-4)."""
    if sorted(local) != sorted(on_ray):
        return "different documents"
    worst, labels = 0.0, 0
    for doc_id, record in local.items():
        theirs = on_ray[doc_id]
        labels += record["leaning"] != theirs["leaning"]
        for key in ("stance_shares", "technique_rate"):
            for label, value in record[key].items():
                worst = max(worst, abs(value - theirs[key][label]))
        worst = max(worst, abs(record["leaning_confidence"] - theirs["leaning_confidence"]))
    if labels or worst > 1e-4:
        return f"no ({labels} leanings differ, largest score gap {worst:.1e})"
    return "yes"


def measure(model_path: Path, inputs: Path, work: Path, fast: str, cpus: int) -> list[tuple]:
    import stance
    from stance.distributed import RayScoreOptions, score_inputs_ray
    from stance.scoring import ScoreOptions, score_inputs

    rows = []
    model = stance.load(model_path, fast=fast)
    out = work / f"local-{model_path.parent.name}.jsonl"
    summary = score_inputs(model, [str(inputs)], ScoreOptions(out=str(out), progress=False))
    rate = summary.sentences / summary.seconds
    rows.append((f"stance score (local, {cpus} torch threads)", summary.sentences, rate, "-", rate,
                 "reference"))
    local = records(out)
    for actors, threads in ((1, cpus), (1, 1), (cpus, 1)):
        out = work / f"ray-{model_path.parent.name}-{actors}x{threads}"
        options = RayScoreOptions(out=str(out), progress=False, actors=actors, cpus_per_actor=threads,
                                  device="cpu", fast=fast, partition_documents=1)
        submitted = time.time()
        summary = score_inputs_ray([str(inputs)], options, model=model)
        on_ray, first_results, steady = ray_records(out)
        name = f"--engine ray, {actors} actor{'s' * (actors > 1)} x {threads} thread{'s' * (threads > 1)}"
        rows.append((name, summary.sentences, summary.sentences / summary.seconds,
                     f"{first_results - submitted:.1f}", steady, same_results(local, on_ray)))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=str(REPO / "models" / "default"),
                        help="the real model, measured when it exists (default: %(default)s)")
    parser.add_argument("--corpus", default=str(REPO.parent / "shared" / "corpus"))
    parser.add_argument("--sentences", type=int, default=3000)
    parser.add_argument("--fast", default="auto", help="inference path of every run (default: auto)")
    parser.add_argument("--no-tiny", action="store_true", help="skip the tiny model")
    args = parser.parse_args()

    # Ray runs its workers at nice 15; the local scorer runs at nice 0. Same priority for a
    # fair comparison on a machine where anything else runs.
    os.environ.setdefault("RAY_worker_niceness", "0")
    from stance.distributed.cluster import connect, local_cpus

    cpus = local_cpus()
    load = os.getloadavg()
    work = Path(tempfile.mkdtemp(prefix="ray-throughput-"))
    try:
        inputs = work / "inputs"
        total = corpus_copies(Path(args.corpus), args.sentences, inputs)
        models = [] if args.no_tiny else [("tiny (2 layers, hidden 32)", tiny_model(work / "tiny"))]
        if (Path(args.model) / "stance.json").exists():
            models.append((f"real ({args.model})", Path(args.model)))
        else:
            print(f"note: no model at {args.model}; measuring the tiny model only", file=sys.stderr)
        started = time.perf_counter()
        connection = connect(num_cpus=cpus)
        ray_start = time.perf_counter() - started
        print(f"{len(list(inputs.iterdir()))} documents, {total} sentences; {cpus} CPUs; load average "
              f"before {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} (1/5/15 min); Ray started in "
              f"{ray_start:.1f} s (not counted below); inference path {args.fast}\n")
        print("| model | run | sentences | sentences/s end to end | s to first results | "
              "sentences/s after them | same results |")
        print("| --- | --- | ---: | ---: | ---: | ---: | --- |")
        for name, path in models:
            for run, sentences, rate, first, steady, same in measure(path, inputs, work, args.fast, cpus):
                print(f"| {name} | {run} | {sentences} | {rate:.0f} | {first} | {steady:.0f} | {same} |",
                      flush=True)
        connection.close()
        load = os.getloadavg()
        print(f"\nload average after: {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
