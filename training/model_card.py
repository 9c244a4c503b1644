"""The model card (``README.md``) written into every trained model folder.

It leads with the split the model is furthest from (``unseen``: outlets never seen in
training or tuning), then the other held-out splits, each per language next to the
baselines, with calibration, a confusion matrix and the model's surest mistakes.
"""

from __future__ import annotations

from stance.model_folder import ModelInfo

SPLIT_TITLES = {
    "unseen": "Outlets the model never saw (`unseen`: pages of outlets with no page in train or dev)",
    "test": "Test-split results: held-out pages of seen outlets and held-out sentences of the five "
            "articles (`test`)",
}


def _f(x) -> str:
    return f"{x:.3f}" if isinstance(x, (int, float)) else str(x)


def _headline_table(rows: dict[str, dict], languages: list[str]) -> list[str]:
    head = "| | " + " | ".join(f"stance F1 {k} | technique F1 {k}" for k in languages) + " |"
    lines = [head, "|---" * (1 + 2 * len(languages)) + "|"]
    for name, figures in rows.items():
        cells = []
        for key in languages:
            fig = figures.get(key, {})
            cells += [_f(fig.get("stance_macro_f1", "-")), _f(fig.get("technique_macro_f1", "-"))]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def evaluation_splits(metrics: dict) -> list[str]:
    """The held-out splits a run reported on, ``unseen`` first."""
    names = [k[: -len("_headline")] for k in metrics if k.endswith("_headline")
             and not k.startswith("baselines_")]
    return sorted(names, key=lambda n: (n != "unseen", n))


def render_model_card(info: ModelInfo) -> str:
    metrics, training = info.metrics, info.training
    splits = evaluation_splits(metrics)
    lines = [
        f"# {info.name} {info.version}",
        "",
        "Sentence-level stance and persuasion-technique classifier for news about the "
        "Russia-Ukraine war (English, Russian, Ukrainian), built by `stance train`.",
        "",
        "## What it predicts",
        "",
        "- **stance** (exactly one, softmax with a temperature tuned on dev): "
        + ", ".join(f"`{n}`" for n in info.stance_labels),
        "- **techniques** (zero or more, one sigmoid each, threshold tuned on dev): "
        + ", ".join(f"`{n}` ({info.thresholds[n]:.2f})" for n in info.technique_labels),
        f"- stance temperature: {info.temperature}",
        "",
        "Label definitions: " + "; ".join(f"`{k}`: {v}" for k, v in
                                           {**info.schema.get('stance', {}),
                                            **info.schema.get('techniques', {})}.items()),
        "",
    ]
    for split in splits:
        lines += _split_section(split, metrics)
    lines += [
        "## How it was built",
        "",
        f"- base encoder: `{info.base_model}` (mean pooling, text prefix `{info.text_prefix!r}`, "
        f"max length {info.max_length} tokens; longer texts are truncated and flagged)",
        "- context: " + _context_line(info),
        f"- training data: labels with SHA-256 `{training.get('data_hash', '?')}`; rows per split "
        "(train with spelling-swap copies): " + ", ".join(
            f"{k[:-5]} {v}" for k, v in training.items() if k.endswith("_rows")),
        f"- fine-tuning: {training.get('train_seconds', '?')} s on {training.get('threads', '?')} "
        f"CPU threads, peak memory {training.get('peak_memory_mib', '?')} MiB, torch "
        f"{training.get('torch', '?')}",
        f"- arguments: `{training.get('config', {})}`",
    ]
    if info.base_weights:
        lines.append(f"- stored in compact form: float16 tensors without the word-embedding table, "
                     f"taken at load from `{info.base_weights['base']}` (SHA-256 of the table "
                     f"`{info.base_weights['sha256'][:16]}...`)")
    lines += _flip_lines(metrics)
    lines += _fast_path_lines(info.fast_paths)
    lines += [
        "",
        "## Known limits",
        "",
        "- The labelled data are sentences of five articles about the May 2025 Istanbul talks "
        "(with their Russian and Ukrainian translations), sentences written for training, and "
        "sentences written natively in each language, modelled on real pages of many outlets "
        "(2022-2026). Topics, outlets and periods far from these are out of distribution; the "
        "`unseen` figures above are the best guide to a new outlet.",
        "- " + _context_limit(info),
        "- Figures come from finite splits (see the supports): differences of a few points "
        "are within noise.",
        "",
    ]
    return "\n".join(lines)


def _fast_path_lines(fast_paths) -> list[str]:
    """How far each measured fast path strays from fp32: accuracy and batch consistency."""
    if not fast_paths or not fast_paths.get("paths"):
        return []
    reference = fast_paths.get("reference_consistency", {})
    split = fast_paths.get("consistency_split", "?")
    lines = ["", "## Fast inference paths against fp32", "",
             "Measured on the saved weights (`training/fast_paths.py`): the change of macro-F1 "
             f"against fp32 (`off`) on each held-out split, and, on {reference.get('sentences', '?')} "
             f"`{split}` sentences, how much a sentence's result changes between being read alone "
             "and in a batch of 32. `fast=\"auto\"` never takes an int8 path.", "",
             "| path | macro-F1 change, stance / technique | largest probability change alone vs. "
             "in a batch, stance / technique | stance calls changed | technique sets changed |",
             "|---|---|---|---|---|"]

    def row(name: str, accuracy: str, c: dict) -> str:
        return (f"| `{name}` | {accuracy} | {c.get('largest_stance_probability_change', '?')} / "
                f"{c.get('largest_technique_probability_change', '?')} | "
                f"{c.get('stance_calls_changed', '?')} | {c.get('technique_sets_changed', '?')} |")

    lines.append(row("off", "(reference)", reference))
    for path, measured in fast_paths["paths"].items():
        accuracy = "; ".join(f"{split_name} {d['stance_macro_f1']:+.4f} / {d['technique_macro_f1']:+.4f}"
                             for split_name, d in measured.items()
                             if isinstance(d, dict) and "stance_macro_f1" in d)
        lines.append(row(path, accuracy, measured.get("consistency", {})))
    return lines


def _split_section(split: str, metrics: dict) -> list[str]:
    figures = metrics.get(split, {})
    languages = ["all"] + sorted(k for k in figures if k != "all")
    lines = [f"## {SPLIT_TITLES.get(split, f'`{split}` split')}", "",
             "Decisions (temperature, thresholds) were taken on dev only.", ""]
    rows = {"this model": metrics.get(f"{split}_headline", {})}
    for name, theirs in metrics.get(f"baselines_{split}_headline", {}).items():
        rows[f"baseline: {name}"] = theirs
    alone = metrics.get(f"{split}_headline_without_context")
    if alone:
        rows["this model, sentences read alone"] = alone
    lines += _headline_table(rows, languages)
    notes = _beats_baselines(metrics, split)
    if notes:
        lines += ["", notes]
    everything = figures.get("all", {})
    if everything:
        lines += ["", "Per stance class (all languages):", "",
                  "| class | precision | recall | F1 | support | base rate |", "|---|---|---|---|---|---|"]
        for name, m in everything["stance_per_class"].items():
            rate = everything.get("stance_base_rates", {}).get(name, "-")
            lines.append(f"| `{name}` | {_f(m['precision'])} | {_f(m['recall'])} | {_f(m['f1'])} | "
                         f"{m['support']} | {_f(rate)} |")
        lines += ["", "Per technique (all languages):", "",
                  "| technique | precision | recall | F1 | support | base rate |", "|---|---|---|---|---|---|"]
        for name, m in everything["technique_per_label"].items():
            lines.append(f"| `{name}` | {_f(m['precision'])} | {_f(m['recall'])} | {_f(m['f1'])} | "
                         f"{m['support']} | {_f(m['base_rate'])} |")
    lines += _confusion_lines(figures)
    lines += _calibration_lines(metrics.get(f"{split}_calibration", {}))
    errors = metrics.get(f"{split}_confident_errors", [])
    if errors:
        lines += ["", "The wrong stance calls the model was surest of (gold label, then prediction):", ""]
        for e in errors:
            lines.append(f"- ({e['lang']}) \"{e['text']}\" gold `{e['gold']}`, predicted "
                         f"`{e['predicted']}` ({e['probability']:.2f})")
    return lines + [""]


def _confusion_lines(figures: dict) -> list[str]:
    lines = []
    for lang, fig in figures.items():
        matrix = fig.get("stance_confusion")
        if not matrix:
            continue
        names = list(fig["stance_per_class"])
        if not lines:
            lines += ["", "Stance confusion (rows: gold, columns: predicted):", ""]
        lines += [f"| {lang} | " + " | ".join(f"→ {n}" for n in names) + " |",
                  "|---" * (len(names) + 1) + "|"]
        lines += [f"| {n} | " + " | ".join(str(c) for c in row) + " |" for n, row in zip(names, matrix)]
        lines.append("")
    return lines


def _calibration_lines(calibration: dict) -> list[str]:
    if not calibration:
        return []
    lines = ["", "Calibration (expected calibration error, 10 bins; lower is better):", "",
             "| | stance ECE before temperature | stance ECE | "
             + " | ".join(f"{t} ECE" for t in calibration["all"]["technique_ece"]) + " |",
             "|---" * (3 + len(calibration["all"]["technique_ece"])) + "|"]
    for lang, c in calibration.items():
        lines.append(f"| {lang} | {_f(c['stance_ece_raw'])} | {_f(c['stance_ece'])} | "
                     + " | ".join(_f(v) for v in c["technique_ece"].values()) + " |")
    reliability = calibration["all"].get("technique_reliability", {})
    if reliability:
        lines += ["", "Technique reliability (all languages): mean predicted probability against the "
                  "share of true positives, per probability bin:", ""]
        for name, rows in reliability.items():
            cells = "; ".join(f"{r['bin']}: {r['mean_probability']:.2f} vs {r['positive_rate']:.2f} "
                              f"(n={r['n']})" for r in rows)
            lines.append(f"- `{name}`: {cells}")
    return lines


def _flip_lines(metrics: dict) -> list[str]:
    raw = metrics.get("spelling_swap_stance_changes_without_normalisation", {})

    def flips(table: dict) -> str:
        return "; ".join(f"{k}: {v['changed']} of {v['sentences']} ({100 * v['rate']:.1f}%)"
                         for k, v in table.items()) or "no sentence contains one"

    lines = []
    for split in evaluation_splits(metrics):
        table = metrics.get(f"spelling_swap_stance_changes_{split}")
        if table is None:
            continue
        if not lines:
            lines = ["", "Spelling swaps (Kiev/Kyiv, на/в Украине, ... from `spelling_variants.json`): "
                     "prediction rewrites listed forms to one form before the model reads the text."]
        lines.append(f"- {split}: stance changes when only the spelling is swapped: {flips(table)}; "
                     f"without that rewriting (the network alone): {flips(raw.get(split, {}))}.")
    return lines


def _context_line(info: ModelInfo) -> str:
    window = info.context_window
    if window is None:
        return "none: each sentence is read alone"
    if window.by_vector:
        return ("each sentence is encoded once, alone; the heads read its vector next to the vector "
                "of the sentence before it (a learned 'no context' vector for the first). "
                "`score_article` and `stance score` supply the neighbours; `predict` takes them as "
                "`context=`")
    if window.by_window:
        return (f"consecutive sentences of an article are read together as passages of at most "
                f"{window.max_tokens} tokens, each sentence encoded once and pooled over its own "
                "tokens (it attends to the sentences before and after it in its passage). "
                "`score_article` and `stance score` supply the order; `predict` reads a list whose "
                "`context=` for each sentence is the sentence just before it as one passage, a "
                "sentence with any other context after that context, and one without it alone")
    return (f"each sentence is read with {window.before} sentence(s) before it and {window.after} "
            f"after it (at most {window.max_tokens} tokens of them) as the second segment of a pair; "
            "only the sentence's own tokens are pooled. `score_article` and `stance score` supply "
            "the neighbours; `predict` takes them as `context=` and reads a sentence alone without it")


def _context_limit(info: ModelInfo) -> str:
    if info.context_window is None:
        return ("Stance depends on context the model does not see (it reads one sentence at a "
                "time); quotations framed by the author are a known source of error.")
    return ("A sentence given to `predict` without `context=` is read alone, which is less "
            "accurate where the framing sits in the neighbouring sentence; whole articles "
            "(`score_article`, `stance score`) get their neighbours automatically. The figures "
            "above were measured with the context. Framing further away than the window is not seen.")


def _beats_baselines(metrics: dict, split: str) -> str:
    """Say plainly where a baseline matches or beats the model (pooled and per language)."""
    mine = metrics.get(f"{split}_headline", {})
    notes = []
    for name, figures in metrics.get(f"baselines_{split}_headline", {}).items():
        for subset, theirs in figures.items():
            for key, label in (("stance_macro_f1", "stance"), ("technique_macro_f1", "technique")):
                ours = mine.get(subset, {}).get(key)
                if ours is not None and theirs.get(key, -1) >= ours:
                    notes.append(f"'{name}' matches or beats this model on {label} macro-F1 "
                                 f"({subset}: {theirs[key]:.3f} vs {ours:.3f})")
    if not metrics.get(f"baselines_{split}_headline"):
        return ""
    if not notes:
        return ("The fine-tuned model beats every baseline on both macro-F1 figures, pooled and "
                "in every language.")
    return "**Where a baseline is as good or better:** " + "; ".join(notes) + "."
