"""Scoring speed on CPU: the naive way vs. the library's paths, side by side in one run.

    python benchmarks/throughput.py [--model models/default] [--sentences 3000]

Inputs: the sentences of the corpus articles (../shared/corpus), repeated to
``--sentences``, each with the context the model was trained to read (for the
default model, the sentence before it). All rows use the same trained model and
the same inputs: the naive rows pad each (sentence, context) pair to the model's
whole window, ``max_length`` plus the context's token budget. Printed:
sentences per second and the ratio to the naive way, one-sentence ``predict``
latency (p50/p95), model load time, peak resident memory while scoring, and
test-split accuracy of the reference (fp32) and fast paths.

Absolute times drift on shared machines; the ratios from one run are what count.
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


def _window(info) -> int:
    window = info.context_window
    return info.max_length + (window.max_tokens + 2 if window else 0)


def _naive_batch(tok, info, texts, contexts, **kwargs):
    texts = [info.text_prefix + t for t in texts]
    if info.context_window is None:
        return tok(texts, truncation=True, max_length=info.max_length, return_tensors="pt", **kwargs)
    return tok(texts, [c or " " for c in contexts], truncation="only_second", max_length=_window(info),
               return_tensors="pt", **kwargs)


def naive_fixed_padding(model, tok, texts, contexts, batch_size=32) -> None:
    """What a user writes by hand: batches padded to the full window, fp32, no sorting."""
    import torch

    info, net = model.info, model.model
    with torch.inference_mode():
        for i in range(0, len(texts), batch_size):
            batch = _naive_batch(tok, info, texts[i:i + batch_size], contexts[i:i + batch_size],
                                 padding="max_length")
            out = net(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
            torch.softmax(out["stance_logits"], -1), torch.sigmoid(out["technique_logits"])


def naive_per_sentence(model, tok, texts, contexts) -> None:
    """``pipeline("text-classification")``-style: one forward pass per sentence."""
    import torch

    info, net = model.info, model.model
    with torch.inference_mode():
        for t, c in zip(texts, contexts):
            batch = _naive_batch(tok, info, [t], [c])
            net(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])


def timed(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def measure_in_subprocess(model_path: str, fast: str, what: str, arg: str = "",
                          context: bool = True) -> dict:
    """Load time and peak memory must be measured in a fresh process."""
    code = f"""
import json, re, resource, sys, time
t0 = time.perf_counter()
import stance, torch, transformers, transformers.models.auto.modeling_auto
t1 = time.perf_counter()
model = stance.load({model_path!r}, fast={fast!r})
t2 = time.perf_counter()
out = {{"import_s": t1 - t0, "load_s": t2 - t1}}
if {what!r} == "score":
    from stance.scoring import ScoreOptions, score_inputs
    t3 = time.perf_counter()
    summary = score_inputs(model, [{arg!r}], ScoreOptions(out={arg!r} + "/../out-{fast}-{context}.jsonl",
                                                        progress=False, context={context!r}))
    out.update(score_s=time.perf_counter() - t3, sentences=summary.sentences,
               model_share=summary.model_seconds / summary.seconds)
try:  # VmHWM is this process's own peak (ru_maxrss would count the parent's pages before exec)
    status = open("/proc/self/status").read()
    out["peak_rss_mib"] = int(re.search(r"VmHWM:\\s+(\\d+)", status).group(1)) / 1024
except (OSError, AttributeError):
    out["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_accuracy(model, with_context: bool = True) -> dict:
    """Stance and technique macro-F1 on the test split of labels/ (sentences with their context)."""
    from sklearn.metrics import f1_score

    from stance.labelset import load_checked, resolve_splits
    from stance_training.data import article_contexts

    _, records = load_checked(REPO / "labels")
    split = resolve_splits(records)
    contexts = article_contexts(records, model.context_window if with_context else None)
    test = [r for r in records if split[r.id] == "test"]
    preds = model.predict([r.text for r in test], context=[contexts.get(r.id, "") for r in test],
                          batch_size=64)
    stance = f1_score([r.stance for r in test], [p.stance for p in preds], average="macro")
    names = model.technique_labels
    truth = [[int(n in r.techniques) for n in names] for r in test]
    guess = [[int(n in p.techniques) for n in names] for p in preds]
    return {"stance_macro_f1": stance,
            "technique_macro_f1": f1_score(truth, guess, average="macro", zero_division=0)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=str(REPO / "models" / "default"))
    parser.add_argument("--corpus", default=str(REPO.parent / "shared" / "corpus"))
    parser.add_argument("--sentences", type=int, default=3000)
    parser.add_argument("--per-sentence-sample", type=int, default=300,
                        help="sentences for the slow one-at-a-time row (rate extrapolates)")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    import torch

    import stance

    from transformers import AutoTokenizer

    reference = stance.load(args.model, fast="off")
    fast = stance.load(args.model)  # the default path
    int8 = stance.load(args.model, fast="int8")
    texts, contexts = corpus_sentences(Path(args.corpus), args.sentences, reference)
    window = reference.context_window
    print(f"model {args.model}; {len(texts)} sentences; context "
          f"{window.to_dict() if window else None}; torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads, {os.cpu_count()} CPUs", flush=True)
    hf_tokenizer = AutoTokenizer.from_pretrained(args.model)
    warm = texts[:128]
    for m in (reference, fast, int8):
        m.predict(warm)  # let oneDNN build its kernels before timing
    rows = []

    naive_s = timed(naive_fixed_padding, reference, hf_tokenizer, texts, contexts)
    rows.append((f"naive: fixed padding to the window ({_window(reference.info)}), fp32, batch 32",
                 len(texts) / naive_s))
    sample = slice(0, args.per_sentence_sample)
    rows.append(("naive: one sentence per forward pass (pipeline-style)",
                 args.per_sentence_sample / timed(naive_per_sentence, reference, hf_tokenizer,
                                                  texts[sample], contexts[sample])))

    def predict_all(m):
        m.predict(texts, context=contexts)

    rows.append(("stance predict, reference path (fp32)", len(texts) / timed(predict_all, reference)))
    rows.append(("stance predict, int8 dynamic quantisation", len(texts) / timed(predict_all, int8)))
    rows.append((f"stance predict, default path ({fast.fast_path})",
                 len(texts) / timed(predict_all, fast)))

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp, "articles")
        folder.mkdir()
        corpus = sorted(Path(args.corpus).glob("*.txt"))
        copies = 0
        total = 0
        from stance.article import article_contexts
    from stance.segment import split_sentences

        sizes = [len(split_sentences(p.read_text(encoding="utf-8"), "en")) for p in corpus]
        while total < len(texts):
            for path, size in zip(corpus, sizes):
                Path(folder, f"{copies:04d}_{path.name}").write_text(
                    path.read_text(encoding="utf-8") + f"\n\nCopy {copies}.\n", encoding="utf-8")
                total += size + 1
            copies += 1
        scored = {}
        for mode in ("off", "auto"):
            scored[mode] = measure_in_subprocess(args.model, mode, "score", str(folder))
        rows.append(("stance score, reference path (fp32)",
                     scored["off"]["sentences"] / scored["off"]["score_s"]))
        rows.append((f"stance score, default path ({fast.fast_path})",
                     scored["auto"]["sentences"] / scored["auto"]["score_s"]))
        if fast.context_window is not None:
            alone = measure_in_subprocess(args.model, "auto", "score", str(folder), context=False)
            rows.append((f"stance score --no-context ({fast.fast_path}; sentences alone)",
                         alone["sentences"] / alone["score_s"]))

    naive_rate = rows[0][1]
    print(f"\n{'path':<58} {'sent/s':>8} {'x naive':>8}")
    for name, rate in rows:
        print(f"{name:<58} {rate:>8.0f} {rate / naive_rate:>8.2f}")

    one, around = "Russia offers blackmail, not peace.", "The talks in Istanbul ended after two hours."
    for _ in range(5):
        fast.predict(one, context=around)
    lat = []
    for _ in range(200):
        start = time.perf_counter()
        fast.predict(one, context=around)
        lat.append((time.perf_counter() - start) * 1000)
    lat.sort()
    print(f"\none-sentence predict with one sentence of context ({fast.fast_path}): p50 {statistics.median(lat):.1f} ms, "
          f"p95 {lat[int(0.95 * len(lat)) - 1]:.1f} ms")
    for mode in ("off", "auto"):
        s = scored[mode]
        print(f"{'reference' if mode == 'off' else 'default'} path: import of stance, torch and "
              f"transformers {s['import_s']:.2f} s, then model load {s['load_s']:.2f} s, "
              f"peak memory while scoring {s['peak_rss_mib']:.0f} MiB, "
              f"share of scoring time in the model {100 * s['model_share']:.0f}%")

    print()
    for name, m in (("reference (fp32)", reference), ("int8", int8),
                    (f"default ({fast.fast_path})", fast)):
        acc = test_accuracy(m)
        print(f"test split, {name:<18} stance macro-F1 {acc['stance_macro_f1']:.4f}, "
              f"technique macro-F1 {acc['technique_macro_f1']:.4f}")
    if fast.context_window is not None:
        acc = test_accuracy(fast, with_context=False)
        print(f"test split, default, sentences alone: stance macro-F1 {acc['stance_macro_f1']:.4f}, "
              f"technique macro-F1 {acc['technique_macro_f1']:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
