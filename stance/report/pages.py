"""The HTML of the index and of each article page, rendered from Jinja templates with
autoescaping on: document ids, sources, sentence text and label names are untrusted and
always reach the page as text.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

import jinja2
from markupsafe import Markup

from . import charts
from .evidence import pieces
from .labels import LabelSet, display_name
from .names import page_name
from .records import Article
from .templates import CSS, SORT_SCRIPT, TEMPLATES

ARTICLES_FOLDER = "articles"
SNIPPET_LENGTH = 120
TOP_SNIPPET = 90
CONFIDENCE_HELP = ("0 to 1. For a side: how far its mean probability is ahead of the other "
                   "side's, weighted by how many sentences are partisan at all. When the "
                   "article takes no side: the share of its sentences that take none.")


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.DictLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True,
                             lstrip_blocks=True)
    env.globals["display"] = display_name
    env.globals["confidence_help"] = CONFIDENCE_HELP
    return env


def _csp(script: str | None) -> str:
    """Nothing may load from anywhere; the one inline script runs by its hash, so markup
    that slipped into a page could never run a script of its own."""
    if script:
        digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
        scripts = f"'sha256-{digest}'"
    else:
        scripts = "'none'"
    return (f"default-src 'none'; style-src 'unsafe-inline'; script-src {scripts}; "
            "img-src data:; base-uri 'none'; form-action 'none'")


@dataclass(frozen=True)
class SiteInfo:
    """What every page says about where it came from."""

    results_name: str
    generated: str
    models: str
    scale: float  # top of the technique-rate axis, common to every chart of the report


def describe_model(model: dict) -> str:
    if not model:
        return ""
    name = " ".join(str(model[k]) for k in ("name", "version") if model.get(k) is not None)
    context = model.get("context")
    if not context:
        read = "sentences read alone"
    elif isinstance(context, dict):
        before, after = context.get("before", 0), context.get("after", 0)
        parts = [f"{n} sentence{'s' if n != 1 else ''} {where}"
                 for n, where in ((before, "before"), (after, "after")) if n]
        read = "read with " + (" and ".join(parts) or "context")
    else:
        read = "read with context"
    return f"model {name} ({read})" if name else read


def _clip(text: str, length: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[:length - 1].rstrip() + "…"


def _snippet(article: Article) -> str:
    """The first sentence long enough to say what the article is about (a date line or a
    rubric comes first in many pages)."""
    texts = [" ".join(s.text.split()) for s in article.sentences[:6]]
    return _clip(next((t for t in texts if len(t) >= 40), texts[0]), SNIPPET_LENGTH)


def _short_name(doc_id: str) -> str:
    tail = re.split(r"[/\\]", doc_id.rstrip("/\\"))[-1]
    return tail or doc_id or "(no id)"


@dataclass
class IndexRow:
    """What the index shows of one article (kept for every article while pages are written)."""

    line: int
    doc_id: str
    name: str
    source: str
    href: str
    snippet: str
    language: str
    n_sentences: int
    leaning: str
    leaning_confidence: float
    stance_shares: dict[str, float]
    rates: dict[str, float]
    counts: dict[str, int]
    stance_counts: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_article(cls, article: Article) -> "IndexRow":
        return cls(line=article.line, doc_id=article.doc_id, name=_short_name(article.doc_id),
                   source=article.source, href=f"{ARTICLES_FOLDER}/{page_name(article.doc_id)}",
                   snippet=_snippet(article), language=article.language,
                   n_sentences=article.n_sentences, leaning=article.leaning,
                   leaning_confidence=article.leaning_confidence,
                   stance_shares=dict(article.stance_shares), rates=dict(article.technique_rate),
                   counts={t: sum(t in s.techniques for s in article.sentences)
                           for t in article.technique_rate},
                   stance_counts=dict(Counter(s.stance for s in article.sentences)))


def _index_view(row: IndexRow, labels: LabelSet, scale: float) -> dict:
    stances = list(labels.stances)
    order = stances.index(row.leaning) if row.leaning in stances else len(stances)
    partisan = sum(v for k, v in row.stance_shares.items() if k != labels.default_stance)
    return {
        **row.__dict__,
        "leaning_key": f"{order + row.leaning_confidence / 2:.4f}",
        "partisan": f"{partisan:.4f}",
        "stance_bar": charts.mini_stance_bar(row.stance_shares, labels, width=104),
        "rate_bars": {t: charts.mini_rate_bar(r, scale, labels.colour(t), t)
                      for t, r in row.rates.items()},
    }


def _totals(rows: list[IndexRow], labels: LabelSet, scale: float) -> dict:
    sentences = sum(r.n_sentences for r in rows)
    stance_counts: Counter = Counter()
    technique_counts: Counter = Counter()
    for row in rows:
        stance_counts.update(row.stance_counts)
        technique_counts.update(row.counts)
    shares = {s: stance_counts[s] / sentences for s in labels.stances} if sentences else {}
    rates = {t: round(100 * technique_counts[t] / sentences, 2) for t in labels.techniques} \
        if sentences else {}
    languages = Counter(r.language or "?" for r in rows)
    return {
        "sentences": sentences,
        "languages": ", ".join(f"{lang} {n}" for lang, n in languages.most_common()),
        "stance_chart": charts.stance_chart(shares, labels),
        "technique_chart": charts.technique_chart(rates, dict(technique_counts), labels, scale),
    }


def render_index(rows: list[IndexRow], labels: LabelSet, info: SiteInfo) -> str:
    return environment().get_template("index.html").render(
        rows=[_index_view(r, labels, info.scale) for r in rows], labels=labels, info=info,
        totals=_totals(rows, labels, info.scale), scale=info.scale,
        css=Markup(CSS), label_css=Markup(labels.css()), script=Markup(SORT_SCRIPT),
        csp=_csp(SORT_SCRIPT))


def _tint(probability: float, n_classes: int) -> str:
    """Background strength of a sentence: faint near chance, stronger the surer the model."""
    chance = 1.0 / max(n_classes, 2)
    sureness = max(0.0, min(1.0, (probability - chance) / (1.0 - chance)))
    return f"{0.08 + 0.22 * sureness:.3f}"


def _sentence_view(number: int, sentence, labels: LabelSet) -> dict:
    stance_line = " · ".join(f"{display_name(k)} {v:.2f}"
                             for k, v in sentence.stance_scores.items())
    title = f"Sentence {number}: {display_name(sentence.stance)} " \
            f"{sentence.stance_scores[sentence.stance]:.2f}\n{stance_line}"
    if sentence.technique_scores:
        title += "\n" + " · ".join(
            f"{display_name(k)} {v:.2f}" + (" ✓" if k in sentence.techniques else "")
            for k, v in sentence.technique_scores.items())
    plain = sentence.stance == labels.default_stance
    notes = []
    if sentence.truncated:
        notes.append("longer than the model's window: only its beginning was read")
    if sentence.replaced_characters:
        notes.append(f"{sentence.replaced_characters} unreadable character(s) shown as �")
    return {
        "number": number, "stance": sentence.stance, "title": title, "partisan": not plain,
        "probability": sentence.stance_scores[sentence.stance],
        "css": "plain" if plain else labels.css_class(sentence.stance),
        "alpha": _tint(sentence.stance_scores[sentence.stance], len(sentence.stance_scores)),
        "para": sentence.gap_before is not None and sentence.gap_before >= 2,
        "pieces": pieces(sentence, hidden=(labels.default_stance,) if labels.default_stance else ()),
        "techniques": sentence.techniques,
        "technique_scores": sentence.technique_scores, "notes": notes,
    }


def render_article(article: Article, labels: LabelSet, info: SiteInfo) -> str:
    top = [(label, [(i + 1, _clip(article.sentences[i].text, TOP_SNIPPET))
                    for i in article.top_sentences[label]])
           for label in labels.all if article.top_sentences.get(label)]
    view = {
        "name": _short_name(article.doc_id), "source": article.source,
        "language": article.language, "n_sentences": article.n_sentences,
        "model": describe_model(article.model), "content_hash": article.content_hash,
        "leaning": article.leaning, "leaning_confidence": article.leaning_confidence,
        "stance_chart": charts.stance_chart(article.stance_shares, labels),
        "technique_chart": charts.technique_chart(
            article.technique_rate, {t: sum(t in s.techniques for s in article.sentences)
                                     for t in article.technique_rate}, labels, info.scale),
        "sentences": [_sentence_view(i + 1, s, labels) for i, s in enumerate(article.sentences)],
        "has_evidence": any(s.evidence for s in article.sentences),
        "top": top,
    }
    return environment().get_template("article.html").render(
        a=view, labels=labels, info=info, css=Markup(CSS), label_css=Markup(labels.css()),
        script=None, csp=_csp(None))
