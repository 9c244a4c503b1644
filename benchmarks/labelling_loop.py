"""Does labelling what ``stance suggest`` picks help more than labelling at random?

    python benchmarks/labelling_loop.py                 # the full simulation
    python benchmarks/labelling_loop.py --smoke --out /tmp/loop    # end to end in seconds

A simulation on the project's own labels. The modelled sentences of train and dev (real
pages of many outlets; the measured run in ``benchmarks/results/labelling_loop.*`` used the
3,042 of labels ``2860f002``) are cut into ``--folds`` folds by outlet, as ``stance-train-cv``
cuts them; fold 0 (``--eval-folds`` > 1: folds 0, 1, ...) is the evaluation set, outlets
never seen in training, and the other folds are the pool an analyst could label. Every
run starts from the same random ``--start`` sentences of the pool; each round adds
``--per-round`` sentences chosen either

- **suggest**: by ``stance suggest``'s own ranking and selection (the model of the round
  before predicts the rest of the pool; uncertainty from :mod:`stance.labelling.uncertainty`,
  picks by :func:`stance.labelling.selection.select`: at most ``--per-document`` per
  excerpt, languages balanced, near-duplicates removed by the model's sentence vectors), or
- **random**: uniformly from the rest of the pool,

and a small model (``--num-layers 2 --epochs 2`` by default) is retrained from the base.
Each added sentence keeps the split the stable rule gave it (train, or dev: the dev part
of what is labelled so far tunes the temperature and thresholds, as ``stance import``
followed by ``stance train`` would). Every model is scored on the evaluation fold
(stance and technique macro-F1, all languages). The test and unseen splits are never
touched. ``--with-base`` adds the corpus, translated and authored training sentences
to every training set.

Writes to ``--out``: ``labelling_loop.json`` (settings and every point),
``labelling_loop.md`` (the table, mean over evaluation folds) and the plot
(``labelling_loop.png`` with matplotlib, else ``labelling_loop.svg``), and prints the table.

``--smoke`` runs the whole loop on a tiny BERT built in-process (as the tests build
theirs) with a vocabulary from the labels, on small numbers: a check that the script
works, not a measurement.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

STRATEGIES = ("random", "suggest")
#: the defaults of the full run and of --smoke (an option given on the command line wins)
FULL = {"start": 200, "rounds": 4, "per_round": 200, "epochs": 2.0, "batch_size": 16,
        "max_length": 128, "max_eval": 0, "threads": None}
SMOKE = {"start": 60, "rounds": 2, "per_round": 30, "epochs": 1.0, "batch_size": 16,
         "max_length": 32, "max_eval": 150, "threads": 1}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="labelling_loop.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--labels", default=str(REPO / "labels"), help="labels folder")
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "labelling_loop"),
                        help="folder for the report, table and plot")
    parser.add_argument("--start", type=int, help="pool sentences labelled at the start (200)")
    parser.add_argument("--rounds", type=int, help="rounds of labelling (4)")
    parser.add_argument("--per-round", type=int, help="sentences added per round (200)")
    parser.add_argument("--per-document", type=int, default=3,
                        help="suggest: at most this many sentences of one excerpt per round")
    parser.add_argument("--folds", type=int, default=4, help="outlet folds of the modelled sentences")
    parser.add_argument("--eval-folds", type=int, default=1,
                        help="run the simulation with each of the first N folds as evaluation set "
                        "(1: one fixed held-out outlet set; --folds: full grouped cross-validation)")
    parser.add_argument("--max-eval", type=int,
                        help="score at most this many evaluation sentences (default 0: all)")
    parser.add_argument("--with-base", action="store_true",
                        help="add the corpus, translated and authored training sentences to every "
                        "training set")
    parser.add_argument("--base-model", default=None, help="base encoder (default: the project's)")
    parser.add_argument("--num-layers", type=int, default=2, help="encoder layers kept")
    parser.add_argument("--epochs", type=float, help="training epochs (2)")
    parser.add_argument("--batch-size", type=int, help="(16)")
    parser.add_argument("--max-length", type=int, help="tokens read per sentence (128)")
    parser.add_argument("--threads", type=int, help="CPU threads for torch (default: torch's "
                        "choice; 1 with --smoke)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--smoke", action="store_true",
                        help="tiny in-process base and small numbers: checks the script end to end")
    args = parser.parse_args(argv)
    for key, value in (SMOKE if args.smoke else FULL).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    for key in ("start", "rounds", "per_round", "per_document", "folds", "eval_folds", "batch_size"):
        if getattr(args, key) < 1:
            parser.error(f"--{key.replace('_', '-')} must be at least 1")
    if args.eval_folds > args.folds:
        parser.error("--eval-folds cannot exceed --folds")
    return args


def tiny_base(folder: Path, texts: list[str], vocabulary: int = 3000) -> Path:
    """A 2-layer BERT with a word-level tokenizer over the commonest words of ``texts``."""
    import torch
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    split = pre_tokenizers.Whitespace().pre_tokenize_str
    words = Counter(word for t in texts for word, _ in split(t.lower()))
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    vocab = {tok: i for i, tok in enumerate(specials + sorted(w for w, _ in words.most_common(vocabulary)))}
    backend = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
    backend.normalizer = normalizers.Lowercase()
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    backend.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B [SEP]",
        special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])])
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=backend, unk_token="[UNK]",
                                        pad_token="[PAD]", cls_token="[CLS]", sep_token="[SEP]",
                                        mask_token="[MASK]", model_max_length=64)
    torch.manual_seed(0)
    config = BertConfig(vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2,
                        num_attention_heads=2, intermediate_size=64, max_position_embeddings=128)
    BertModel(config, add_pooling_layer=False).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


class Simulation:
    """The data, the training recipe and the two strategies (see the module's docstring)."""

    def __init__(self, args: argparse.Namespace, scratch: Path):
        from stance_training.config import TrainConfig
        from stance_training.data import prepare_data

        self.args = args
        base = args.base_model
        if args.smoke and base is None:
            from stance.labelset import read_records

            base = str(tiny_base(scratch / "tiny-base", [r.text for r in read_records(args.labels)]))
        self.config = TrainConfig(
            labels=args.labels, out=str(scratch / "model"), base_model=base,
            num_layers=args.num_layers, epochs=args.epochs, batch_size=args.batch_size,
            max_length=args.max_length, seed=args.seed, threads=args.threads, baselines=False,
            overwrite=True, log_file=str(Path(args.out) / "labelling_loop.train.log"))
        from datasets import disable_progress_bars

        from stance_training.progress import open_log

        disable_progress_bars()

        open_log(self.config.log_path)  # the trainer's figures go there; a few lines to stderr
        self.data = prepare_data(dataclasses.replace(self.config, spelling_augment=False))
        self.pool, self.pool_split, self.base_rows = [], [], []
        for split in ("train", "dev"):
            for row in self.data.splits[split].to_list():
                if row["origin"] == "modelled":
                    self.pool.append(row)
                    self.pool_split.append(split)
                elif split == "train" and args.with_base:
                    self.base_rows.append(row)

    # -- one model ----------------------------------------------------------------------

    def train(self, labelled: list[int]):
        """A model fitted on the labelled pool sentences (their train part), calibrated on
        their dev part; returns the classifier and the number of train and dev rows."""
        from datasets import Dataset

        from stance_training.calibrate import calibrate
        from stance_training.data import spelling_copies
        from stance_training.fit import fit
        from stance_training.train import classifier_for

        train_rows = [self.pool[i] for i in labelled if self.pool_split[i] == "train"] + self.base_rows
        dev_rows = [self.pool[i] for i in labelled if self.pool_split[i] == "dev"]
        if self.config.spelling_augment:
            train_rows = train_rows + spelling_copies(train_rows, self.data.variants)
        splits = {"train": Dataset.from_list(train_rows),
                  "dev": Dataset.from_list(dev_rows or train_rows)}  # no dev yet: tune on train
        data = dataclasses.replace(self.data, splits=splits)
        fitted = fit(self.config, data)
        clf = classifier_for(fitted, data, self.config)
        temperature, thresholds, _ = calibrate(clf, data.dev)
        clf.info = dataclasses.replace(clf.info, temperature=temperature, thresholds=thresholds)
        return clf, len(train_rows), len(dev_rows)

    def evaluate(self, clf, rows: list[dict]) -> dict:
        """Stance and technique macro-F1 over ``rows`` (all languages together)."""
        import numpy as np
        import torch
        from datasets import Dataset

        from stance_training.evaluation import headline, score_by_language
        from stance_training.predictions import split_outputs

        ds = Dataset.from_list(rows)
        logits, probs = split_outputs(clf, ds)
        limits = np.asarray([clf.info.thresholds[n] for n in clf.technique_labels])
        figures = headline(score_by_language(
            ds["lang"], torch.argmax(logits, dim=-1).numpy(), ds["stance_labels"],
            (probs >= limits).astype(np.int8), np.asarray(ds["technique_labels"]).reshape(len(ds), -1),
            clf.stance_labels, clf.technique_labels))
        return figures["all"]

    # -- the two strategies -----------------------------------------------------------------

    def pick_suggest(self, clf, candidates: list[int], labelled: set[int], n: int) -> list[int]:
        """``stance suggest``'s choice among the unlabelled candidates."""
        from stance.labelling.candidates import Candidate
        from stance.labelling.selection import select
        from stance.labelling.uncertainty import uncertainty
        from stance.labelset.check import normalise_text

        known = {normalise_text(self.pool[i]["text"]) for i in labelled}
        rest = [i for i in candidates if i not in labelled
                and normalise_text(self.pool[i]["text"]) not in known]
        rows = [self.pool[i] for i in rest]
        stance_probs, tech_probs, _ = clf.predict_probabilities(
            [r["text"] for r in rows], 64, [r["context"] for r in rows])
        found, scores = [], []
        for row, sp, tp in zip(rows, stance_probs, tech_probs):
            stance_scores = dict(zip(clf.stance_labels, sp))
            technique_scores = dict(zip(clf.technique_labels, tp))
            found.append(Candidate(doc_id=row["group"], source=row["group"], content_hash="",
                                   lang=row["lang"], index=row["place"], text=row["text"],
                                   context=row["context"],
                                   stance=max(stance_scores, key=stance_scores.get),
                                   stance_scores=stance_scores, techniques=(),
                                   technique_scores=technique_scores))
            scores.append(uncertainty(stance_scores, technique_scores, clf.info.thresholds))
        picked, _ = select(found, scores, n, per_document=self.args.per_document,
                           vectors=lambda texts: clf.sentence_vectors(texts)[0])
        return [rest[i] for i in picked]

    @staticmethod
    def pick_random(rng: random.Random, candidates: list[int], labelled: set[int], n: int) -> list[int]:
        rest = [i for i in candidates if i not in labelled]
        return rng.sample(rest, min(n, len(rest)))

    # -- the loop ---------------------------------------------------------------------------

    def run(self) -> list[dict]:
        from stance_training.crossval import outlet_folds

        args = self.args
        fold_of = outlet_folds([row["outlet"] for row in self.pool], args.folds)
        points = []
        for fold in range(args.eval_folds):
            evaluation = [r for r in self.pool if fold_of[r["outlet"]] == fold]
            if args.max_eval and len(evaluation) > args.max_eval:
                evaluation = random.Random(args.seed).sample(evaluation, args.max_eval)
            candidates = [i for i, r in enumerate(self.pool) if fold_of[r["outlet"]] != fold]
            needed = args.start + args.rounds * args.per_round
            if len(candidates) < needed:
                raise SystemExit(f"the pool of fold {fold} has {len(candidates)} sentences, too few "
                                 f"for --start {args.start} plus {args.rounds} rounds of "
                                 f"{args.per_round} ({needed}): lower them, or use fewer --folds")
            start = random.Random(args.seed + fold).sample(candidates, args.start)
            first = None  # the model on the start set, shared by both strategies
            for strategy in STRATEGIES:
                rng = random.Random(f"{args.seed}-{fold}-{strategy}")
                labelled = list(start)
                for round_ in range(args.rounds + 1):
                    started = time.time()
                    if round_ == 0 and first is not None:
                        clf, n_train, n_dev, figures, seconds = first
                    else:
                        clf, n_train, n_dev = self.train(labelled)
                        figures = self.evaluate(clf, evaluation)
                        seconds = round(time.time() - started, 1)
                        if round_ == 0:
                            first = (clf, n_train, n_dev, figures, seconds)
                    point = {"fold": fold, "strategy": strategy, "round": round_,
                             "labels_added": len(labelled) - len(start), "train_rows": n_train,
                             "dev_rows": n_dev, "eval_rows": len(evaluation),
                             "stance_macro_f1": figures["stance_macro_f1"],
                             "technique_macro_f1": figures["technique_macro_f1"],
                             "languages_added": dict(Counter(self.pool[i]["lang"]
                                                             for i in labelled[len(start):])),
                             "seconds": seconds}
                    points.append(point)
                    print(f"fold {fold} {strategy:<7} +{point['labels_added']:>5} labels: stance "
                          f"{point['stance_macro_f1']:.3f}, techniques {point['technique_macro_f1']:.3f}",
                          file=sys.stderr, flush=True)
                    if round_ == args.rounds:
                        break
                    chosen = set(labelled)
                    if strategy == "suggest":
                        new = self.pick_suggest(clf, candidates, chosen, args.per_round)
                    else:
                        new = self.pick_random(rng, candidates, chosen, args.per_round)
                    labelled += new
        return points


def curves(points: list[dict]) -> dict[str, list[dict]]:
    """Mean over evaluation folds, per strategy and number of labels added."""
    out = {}
    for strategy in STRATEGIES:
        by_added: dict[int, list[dict]] = {}
        for p in points:
            if p["strategy"] == strategy:
                by_added.setdefault(p["round"], []).append(p)
        out[strategy] = [{"labels_added": round(statistics.mean(p["labels_added"] for p in group)),
                          "stance_macro_f1": statistics.mean(p["stance_macro_f1"] for p in group),
                          "technique_macro_f1": statistics.mean(p["technique_macro_f1"] for p in group)}
                         for _, group in sorted(by_added.items())]
    return out


def table(mean: dict[str, list[dict]]) -> str:
    lines = ["| labels added | stance macro-F1, random | stance macro-F1, suggest | "
             "technique macro-F1, random | technique macro-F1, suggest |",
             "|---:|---:|---:|---:|---:|"]
    for r, s in zip(mean["random"], mean["suggest"]):
        lines.append(f"| {s['labels_added']} | {r['stance_macro_f1']:.3f} | {s['stance_macro_f1']:.3f} "
                     f"| {r['technique_macro_f1']:.3f} | {s['technique_macro_f1']:.3f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from learning_curves import plot

    from stance.atomic import atomic_write_text

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    started = time.time()
    with tempfile.TemporaryDirectory(prefix="labelling-loop-") as scratch:
        if args.threads:
            import torch

            torch.set_num_threads(args.threads)
        simulation = Simulation(args, Path(scratch))
        points = simulation.run()
    mean = curves(points)
    settings = {k: v for k, v in vars(args).items() if k not in ("out",)}
    settings["added"] = sorted({p["labels_added"] for p in points} - {0})
    settings["pool"] = len(simulation.pool)
    report = {"settings": settings, "points": points, "mean": mean,
              "seconds": round(time.time() - started, 1)}
    atomic_write_text(out / "labelling_loop.json", json.dumps(report, indent=2) + "\n")
    text = table(mean)
    title = ("Labelling loop: suggest vs random" + (" (smoke run, tiny model: not a measurement)"
                                                    if args.smoke else ""))
    atomic_write_text(out / "labelling_loop.md", f"{title}\n\n{text}\n")
    figure = plot(mean, out / "labelling_loop", title)
    print(text)
    print(f"report: {out / 'labelling_loop.json'}; plot: {figure} ({report['seconds']:.0f} s)",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
