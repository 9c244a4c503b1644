"""The model card (``README.md``) written into every trained model folder."""

from __future__ import annotations

from pathlib import Path

from stance.model_folder import ModelInfo


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


def render_model_card(info: ModelInfo) -> str:
    metrics, training = info.metrics, info.training
    test = metrics.get("test", {})
    languages = ["all"] + sorted(k for k in test if k != "all")
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
        "## How it was built",
        "",
        f"- base encoder: `{info.base_model}` (mean pooling, text prefix `{info.text_prefix!r}`, "
        f"max length {info.max_length} tokens; longer texts are truncated and flagged)",
        "- context: " + _context_line(info),
        f"- training data: labels with SHA-256 `{training.get('data_hash', '?')}`; "
        f"{training.get('train_rows', '?')} training rows (spelling-swap copies included), "
        f"{training.get('dev_rows', '?')} dev, {training.get('test_rows', '?')} test",
        f"- fine-tuning: {training.get('train_seconds', '?')} s on {training.get('threads', '?')} "
        f"CPU threads, peak memory {training.get('peak_memory_mib', '?')} MiB, torch "
        f"{training.get('torch', '?')}",
        f"- arguments: `{training.get('config', {})}`",
        "",
        "## Test-split results (decisions were taken on dev only)",
        "",
    ]
    rows = {"this model": test}
    for name, figures in metrics.get("baselines_test_headline", {}).items():
        rows[f"baseline: {name}"] = figures
    lines += _headline_table(rows, languages)
    alone = metrics.get("test_headline_without_context")
    if alone:
        lines += ["", "The same test sentences read alone (no `context=`, as `predict` does by default):", ""]
        lines += _headline_table({"this model, no context": alone}, languages)
    all_test = test.get("all", {})
    if all_test:
        lines += ["", "Per stance class (all languages):", "",
                  "| class | precision | recall | F1 | support | base rate |", "|---|---|---|---|---|---|"]
        for name, m in all_test["stance_per_class"].items():
            rate = all_test.get("stance_base_rates", {}).get(name, "-")
            lines.append(f"| `{name}` | {_f(m['precision'])} | {_f(m['recall'])} | {_f(m['f1'])} | "
                         f"{m['support']} | {_f(rate)} |")
        lines += ["", "Per technique (all languages):", "",
                  "| technique | precision | recall | F1 | support | base rate |", "|---|---|---|---|---|---|"]
        for name, m in all_test["technique_per_label"].items():
            lines.append(f"| `{name}` | {_f(m['precision'])} | {_f(m['recall'])} | {_f(m['f1'])} | "
                         f"{m['support']} | {_f(m['base_rate'])} |")
    model_beats = _beats_baselines(metrics)
    if model_beats:
        lines += ["", model_beats]
    flips = metrics.get("spelling_swap_stance_changes_test", {})
    raw = metrics.get("spelling_swap_stance_changes_without_normalisation", {})

    def _flips(table: dict) -> str:
        return "; ".join(f"{k}: {v['changed']} of {v['sentences']} ({100 * v['rate']:.1f}%)"
                         for k, v in table.items()) or "no sentence contains one"

    if flips:
        lines += ["", "Spelling swaps (Kiev/Kyiv, на/в Украине, ... from `spelling_variants.json`): "
                  "prediction rewrites listed forms to one form before the model reads the text. "
                  f"Stance changes when only the spelling is swapped, test: {_flips(flips)}."]
        if raw:
            lines += [f"Without that rewriting (the network alone), test: {_flips(raw.get('test', {}))}; "
                      f"dev: {_flips(raw.get('dev', {}))}."]
    lines += [
        "",
        "## Known limits",
        "",
        "- Trained on sentences of five articles about the May 2025 Istanbul talks and their "
        "Russian and Ukrainian translations, plus sentences written for training (marked "
        "`authored` in the labels): topics, outlets and periods far from these are out "
        "of distribution, and the test split shares articles with training.",
        "- The Russian and Ukrainian data are translations of English sentences, not native text.",
        "- " + _context_limit(info),
        "- Test figures come from a small split (see supports above): differences of a few "
        "points are within noise.",
        "",
    ]
    return "\n".join(lines)


def _context_line(info: ModelInfo) -> str:
    window = info.context_window
    if window is None:
        return "none: each sentence is read alone"
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
            "(`score_article`, `stance score`) get their neighbours automatically. The test "
            "figures above were measured with the context. Framing further away than the "
            "window is not seen.")


def _beats_baselines(metrics: dict) -> str:
    """Say plainly where a baseline matches or beats the model (pooled and per language)."""
    mine = metrics.get("test_headline", {})
    notes = []
    for name, figures in metrics.get("baselines_test_headline", {}).items():
        for subset, theirs in figures.items():
            for key, label in (("stance_macro_f1", "stance"), ("technique_macro_f1", "technique")):
                ours = mine.get(subset, {}).get(key)
                if ours is not None and theirs.get(key, -1) >= ours:
                    notes.append(f"'{name}' matches or beats this model on {label} macro-F1 "
                                 f"({subset}: {theirs[key]:.3f} vs {ours:.3f})")
    if not notes:
        return ("The fine-tuned model beats every baseline on both macro-F1 figures, pooled and "
                "in every language.")
    return "**Where a baseline is as good or better:** " + "; ".join(notes) + "."




