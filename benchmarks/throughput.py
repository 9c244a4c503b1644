"""Scoring speed on CPU: the naive way vs. every inference path, side by side in one run.

    python benchmarks/throughput.py [--model models/default] [--sentences 3000]
                                    [--paths off,bf16,int8,onnx,onnx-int8]

Inputs: the sentences of the corpus articles (../shared/corpus), repeated to
``--sentences``, each with the context the model was trained to read. All rows use the
same trained model and inputs. Printed, side by side:

- sentences per second through ``predict`` and through ``stance score`` (with context and
  ``--no-context``) for each path, and the ratio to the naive way: one forward pass per
  batch of 32 sentences read with their context (pairs for a pair or window model, with
  64 tokens of context; the sentence and its neighbour encoded separately for a vector
  model), fp32, padded to the whole window, no sorting;
- ``stance.load()`` plus the first one-sentence ``predict`` in a fresh process (the median
  of ``--load-runs`` fresh processes, each path's cache already built), and whether that
  process imported torch;
- one-sentence ``predict`` latency (p50/p95);
- peak memory while scoring;
- stance and technique macro-F1 of each path on the test and unseen splits, next to fp32.

The CPU's features are printed first: the fast path that ``fast="auto"`` picks depends on
them (see ``stance/precision.py``). Absolute times drift on shared machines; the ratios
from one run are what count.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def corpus_sentences(corpus: Path, n: int, model) -> tuple[list[str], list[str]]:
    """Sentences of the corpus articles, and each one's context, repeated to ``n``."""
    from stance.article import article_contexts
    from stance.segment import split_sentences

    base, contexts = [], []
    for path in sorted(corpus.glob("*.txt")):
        sentences = [s.text for s in split_sentences(path.read_text(encoding="utf-8"), "en")]
        base += sentences
        contexts += article_contexts(model, sentences)
    repeat = n // len(base) + 1
    return (base * repeat)[:n], (contexts * repeat)[:n]


def naive(model, texts, contexts, batch_size=32) -> None:
    """What a user writes by hand: every batch padded to the whole window, fp32, no sorting,
    each sentence read with its context (a pair, or the neighbour encoded separately)."""
    import torch

    info, net, enc = model.info, model.model, model.encoder
    window = model.context_window
    by_vector = window is not None and window.by_vector
    # the yardstick for every model: pairs with 64 tokens of context (a window model's
    # max_tokens is its passage budget, not a context length)
    context_tokens = 0 if window is None or by_vector else 64 if window.by_window else window.max_tokens
    width = info.max_length + context_tokens

    def padded(rows):
        ids = torch.full((len(rows), width), enc.pad_id, dtype=torch.long)
        mask = torch.zeros_like(ids)
        for i, row in enumerate(rows):
            ids[i, :len(row)] = torch.tensor(row[:width])
            mask[i, :len(row)] = 1
        return ids, mask

    with torch.inference_mode():
        for i in range(0, len(texts), batch_size):
            chunk, around = texts[i:i + batch_size], contexts[i:i + batch_size]
            if by_vector:
                own, _, _ = enc.encode(chunk, info.max_length)
                ctx, _, _ = enc.encode([c or " " for c in around], info.max_length)
                vectors = net.encode(*padded(own))
                context = net.encode(*padded(ctx))
                out = net.heads(vectors, context)
            else:
                ids, _, _ = enc.encode(chunk, info.max_length, around if window else None,
                                       context_tokens)
                out = net(*padded(ids))
            torch.softmax(out["stance_logits"], -1), torch.sigmoid(out["technique_logits"])


def timed(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def fresh_process(model_path: str, fast: str, score_folder: str | None = None,
                  context: bool = True) -> dict:
    """Load time, first prediction and peak memory, measured in a new process."""
    code = f"""
import json, re, sys, time
t0 = time.perf_counter()
import stance
model = stance.load({model_path!r}, fast={fast!r})
model.predict("Russia offers blackmail, not peace.")
out = {{"load_and_first_predict_s": time.perf_counter() - t0, "torch_imported": "torch" in sys.modules}}
if {score_folder!r}:
    from stance.scoring import ScoreOptions, score_inputs
    t3 = time.perf_counter()
    summary = score_inputs(model, [{score_folder!r}], ScoreOptions(
        out={score_folder!r} + "/../out-{fast}-{context}.jsonl", progress=False, context={context!r}))
    out.update(score_s=time.perf_counter() - t3, sentences=summary.sentences,
               model_share=summary.model_seconds / summary.seconds)
status = open("/proc/self/status").read()  # VmHWM: this process's own peak
out["peak_rss_mib"] = int(re.search(r"VmHWM:\\s+(\\d+)", status).group(1)) / 1024
print(json.dumps(out))
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if proc.returncode:
        raise RuntimeError(proc.stderr[-2000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def split_accuracy(model, split_name: str) -> dict:
    """Stance and technique macro-F1 on one split of labels/ (sentences with their context)."""
    from sklearn.metrics import f1_score

    from stance.labelset import load_checked, resolve_splits
    from stance_training.data import article_contexts

    _, records = load_checked(REPO / "labels")
    split = resolve_splits(records)
    contexts = article_contexts(records, model.context_window)
    rows = [r for r in records if split[r.id] == split_name]
    preds = model.predict([r.text for r in rows], context=[contexts.get(r.id, "") for r in rows],
                          batch_size=64)
    names = model.technique_labels
    truth = [[int(n in r.techniques) for n in names] for r in rows]
    guess = [[int(n in p.techniques) for n in names] for p in preds]
    return {"stance": f1_score([r.stance for r in rows], [p.stance for p in preds], average="macro"),
            "technique": f1_score(truth, guess, average="macro", zero_division=0)}


def article_folder(corpus: Path, folder: Path, sentences: int) -> None:
    from stance.segment import split_sentences

    texts = sorted(corpus.glob("*.txt"))
    sizes = [len(split_sentences(p.read_text(encoding="utf-8"), "en")) for p in texts]
    total, copies = 0, 0
    while total < sentences:
        for path, size in zip(texts, sizes):
            Path(folder, f"{copies:04d}_{path.name}").write_text(
                path.read_text(encoding="utf-8") + f"\n\nCopy {copies}.\n", encoding="utf-8")
            total += size + 1
        copies += 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=str(REPO / "models" / "default"))
    parser.add_argument("--corpus", default=str(REPO.parent / "shared" / "corpus"))
    parser.add_argument("--sentences", type=int, default=3000)
    parser.add_argument("--paths", default="off,bf16,int8,onnx,onnx-int8",
                        help="inference paths to compare (off = the fp32 reference)")
    parser.add_argument("--load-runs", type=int, default=5,
                        help="fresh processes timed for load plus first predict, per path")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    import torch

    import stance
    from stance.precision import choose_auto, cpu_features

    paths = args.paths.split(",")
    models = {p: stance.load(args.model, fast=p) for p in paths}
    reference = models.get("off") or stance.load(args.model, fast="off")
    texts, contexts = corpus_sentences(Path(args.corpus), args.sentences, reference)
    window = reference.context_window
    if window is not None and window.by_vector and len(set(texts)) < len(texts):
        print(f"note: {len(texts) - len(set(texts))} of the {len(texts)} sentences repeat others; a "
              "vector-context model encodes each distinct string once per call, so its rates are "
              f"overstated: compare models with --sentences {len(set(texts))} or fewer", flush=True)
    features = cpu_features()
    print(f"model {args.model} ({reference.version}); {len(texts)} sentences; context "
          f"{window.to_dict() if window else None}; torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads; CPU features: {', '.join(sorted(features)) or 'none'}; "
          f"fast='auto' picks {choose_auto(torch.device('cpu'))!r}", flush=True)
    for m in models.values():
        m.predict(texts[:128], context=contexts[:128])  # let kernels warm up before timing

    naive_rate = len(texts) / timed(naive, reference, texts, contexts)
    rows = [("naive: pairs padded to the window, fp32, batch 32, unsorted", naive_rate, None, None)]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp, "articles")
        folder.mkdir()
        article_folder(Path(args.corpus), folder, len(texts))
        fresh = {}
        for p, m in models.items():
            rate = len(texts) / timed(lambda: m.predict(texts, context=contexts))
            with_context = fresh_process(args.model, p, str(folder))
            alone = fresh_process(args.model, p, str(folder), context=False)
            fresh[p] = with_context
            rows.append((f"{p}: predict / score / score --no-context", rate,
                         with_context["sentences"] / with_context["score_s"],
                         alone["sentences"] / alone["score_s"]))
    print(f"\n{'path':<62} {'predict':>8} {'score':>8} {'alone':>8} {'score/alone':>12} {'score/naive':>12}")
    for name, rate, score, alone in rows:
        if score is None:
            print(f"{name:<62} {rate:>8.0f}")
            continue
        print(f"{name:<62} {rate:>8.0f} {score:>8.0f} {alone:>8.0f} {score / alone:>12.2f} "
              f"{score / naive_rate:>12.2f}")

    loads = {p: [fresh_process(args.model, p) for _ in range(args.load_runs)] for p in models}
    print(f"\n{'path':<12} {'load + 1st predict (s)':>24} {'torch':>6} {'p50 ms':>8} {'p95 ms':>8} "
          f"{'peak MiB':>9} {'test stance':>12} {'test tech':>10} {'unseen stance':>14} {'unseen tech':>12}")
    one, around = "Russia offers blackmail, not peace.", "The talks in Istanbul ended after two hours."
    for p, m in models.items():
        for _ in range(5):
            m.predict(one, context=around)
        lat = []
        for _ in range(100):
            start = time.perf_counter()
            m.predict(one, context=around)
            lat.append((time.perf_counter() - start) * 1000)
        lat.sort()
        test, unseen = split_accuracy(m, "test"), split_accuracy(m, "unseen")
        load = statistics.median(run["load_and_first_predict_s"] for run in loads[p])
        torch_used = "yes" if any(run["torch_imported"] for run in loads[p]) else "no"
        print(f"{p:<12} {load:>24.2f} {torch_used:>6} {statistics.median(lat):>8.1f} "
              f"{lat[94]:>8.1f} {fresh[p]['peak_rss_mib']:>9.0f} {test['stance']:>12.4f} "
              f"{test['technique']:>10.4f} {unseen['stance']:>14.4f} {unseen['technique']:>12.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
