"""The one article pipeline: language, sentences, contexts, prediction, aggregation.

``StanceClassifier.score_article`` and the batch scorer (``stance score``) both
go through here, so an article gets the same result whichever door it comes in by.
Segmenting is separate from scoring: the scorer segments each document on its
own (one bad document fails alone) and then scores many at once, so that the
model sees full batches of sentences from several articles.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .aggregate import aggregate_article
from .language import detect_language
from .results import ArticleResult, SentenceResult
from .segment import Span, split_sentences
from .text_gate import is_blank, repair_surrogates

if TYPE_CHECKING:  # pragma: no cover
    from .classifier import StanceClassifier


class EmptyArticleError(ValueError):
    """An article with no sentence to score (empty, or only page furniture)."""


@dataclass(frozen=True)
class SegmentedArticle:
    """An article cut into sentences, with the language it was cut in."""

    language: str
    spans: tuple[Span, ...]

    @property
    def sentences(self) -> list[str]:
        return [span.text for span in self.spans]


def segment_article(text: str, lang: str | None = None) -> SegmentedArticle:
    """Detect the language (unless given) and cut ``text`` into sentences, furniture and
    sentences of invisible characters dropped. Unpaired surrogates are replaced by
    U+FFFD first (one for one: offsets stay valid).

    Raises :class:`EmptyArticleError` when no sentence is left.
    """
    if not isinstance(text, str):
        raise TypeError(f"an article must be a string, got {type(text).__name__}")
    text, _ = repair_surrogates(text)
    language = lang or detect_language(text)
    spans = tuple(s for s in split_sentences(text, language) if not is_blank(s.text))
    if not spans:
        raise EmptyArticleError("the article has no sentences to score (empty, or only page furniture)")
    return SegmentedArticle(language, spans)


def article_contexts(classifier: "StanceClassifier", sentences: Sequence[str]) -> list[str]:
    """The context of each sentence of one article, as the model was trained to read it
    ('' for every sentence of a model trained without context)."""
    window = classifier.context_window
    return [""] * len(sentences) if window is None else window.contexts(list(sentences))


def score_segmented(classifier: "StanceClassifier", articles: Sequence[SegmentedArticle], *,
                    context: bool = True, batch_size: int = 32,
                    thresholds: Mapping[str, float] | None = None,
                    explain: bool | str = False) -> list[ArticleResult]:
    """Score already segmented articles in one batched pass; one result per article, in order.

    ``context=False`` reads every sentence alone (faster, less accurate for a
    model trained with context).
    """
    texts: list[str] = []
    contexts: list[str] = []
    for article in articles:
        sentences = article.sentences
        texts += sentences
        contexts += article_contexts(classifier, sentences) if context else [""] * len(sentences)
    predictions = classifier.predict(texts, context=contexts, batch_size=batch_size,
                                     thresholds=thresholds, explain=explain) if texts else []
    results, at = [], 0
    for article in articles:
        own = predictions[at:at + len(article.spans)]
        at += len(article.spans)
        sentences = tuple(SentenceResult(s.text, s.start, s.end, p) for s, p in zip(article.spans, own))
        results.append(aggregate_article(sentences, article.language, classifier.stance_labels,
                                         classifier.technique_labels, classifier.info.stance_default))
    return results


def score_articles(classifier: "StanceClassifier", texts: Sequence[str], *, lang: str | None = None,
                   context: bool = True, batch_size: int = 32,
                   thresholds: Mapping[str, float] | None = None,
                   explain: bool | str = False) -> list[ArticleResult]:
    """Segment and score whole articles; one :class:`ArticleResult` per text, in order."""
    segmented = [segment_article(text, lang) for text in texts]
    return score_segmented(classifier, segmented, context=context, batch_size=batch_size,
                           thresholds=thresholds, explain=explain)
