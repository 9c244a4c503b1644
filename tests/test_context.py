"""Neighbouring-sentence context: the window, the pair encoding, training rows, prediction."""

from __future__ import annotations

import dataclasses
import json

import pytest
import torch

import stance
from stance.classifier import check_contexts
from stance.context import ContextWindow
from stance.labelset.records import LabelRecord
from stance.model_folder import ModelFolderError, ModelInfo
from stance.tokenization import TokenEncoder
from stance_training.data import article_contexts

from conftest import make_tokenizer


def test_window_gives_each_sentence_its_neighbours():
    sentences = ["A.", "B.", "C."]
    assert ContextWindow(1, 0).contexts(sentences) == ["", "A.", "B."]
    assert ContextWindow(1, 1).contexts(sentences) == ["B.", "A. C.", "B."]
    assert ContextWindow(2, 0).contexts(sentences) == ["", "A.", "A. B."]


@pytest.mark.parametrize("before, after, tokens", [(0, 0, 64), (-1, 1, 64), (1, 0, 0)])
def test_window_rejects_nonsense(before, after, tokens):
    with pytest.raises(ValueError, match="context"):
        ContextWindow(before, after, tokens)


@pytest.fixture(scope="module")
def encoder():
    return TokenEncoder.from_transformers(make_tokenizer())


def test_pair_starts_as_the_sentence_alone_and_pools_only_it(encoder):
    alone, _, pooled_alone = encoder.encode(["the talks lasted two hours ."], 32)
    pair, cut, pooled = encoder.encode(["the talks lasted two hours ."], 32,
                                       ["moscow said kyiv war peace"], 3)
    assert pooled_alone == [len(alone[0])]
    assert pooled == pooled_alone
    assert pair[0][:pooled[0]] == alone[0]
    assert len(pair[0]) == len(alone[0]) + 3 + 1  # three context tokens and the closing [SEP]
    assert cut == [False]
    ids, attention, pool = encoder.pad(pair, pooled)
    assert pool[0].sum().item() == pooled[0] and attention[0].sum().item() == len(pair[0])


def test_empty_context_is_the_sentence_alone(encoder):
    texts = ["the talks lasted two hours .", "russia is a terrorist state ."]
    assert encoder.encode(texts, 32, ["", ""], 8) == encoder.encode(texts, 32)


def test_long_sentence_is_cut_before_its_context(encoder):
    text = " ".join(["war"] * 50)
    ids, cut, pooled = encoder.encode([text], 16, ["moscow said"], 8)
    assert cut == [True] and pooled == [16]
    assert len(ids[0]) == 16 + 2 + 1


def test_contexts_count_must_match(encoder):
    with pytest.raises(ValueError, match="2 contexts for 1 texts"):
        encoder.encode(["a"], 8, ["x", "y"], 4)


def _record(id_, text, lang="en", start=None, derived=None, source="art", origin="corpus"):
    return LabelRecord(id=id_, text=text, lang=lang, source=source, stance="neutral", techniques=(),
                       origin=origin if derived is None else "translation", derived_from=derived,
                       split="train" if derived is None else None, start=start)


def test_training_contexts_follow_article_order_and_language():
    records = [
        _record("s2", "Second.", start=10),
        _record("s1", "First.", start=0),
        _record("s1-ru", "Первое.", lang="ru", derived="s1"),
        _record("s2-ru", "Второе.", lang="ru", derived="s2"),
        _record("x1", "Invented.", source="authored", origin="authored"),
    ]
    contexts = article_contexts(records, ContextWindow(1, 0))
    assert contexts == {"s1": "", "s2": "First.", "s1-ru": "", "s2-ru": "Первое."}
    assert article_contexts(records, None) == {}


def test_a_translation_of_a_translation_keeps_its_place_in_the_article():
    records = [
        _record("s1", "First.", start=0),
        _record("s2", "Second.", start=10),
        _record("s1-ru", "Первое.", lang="ru", derived="s1"),
        _record("s2-ru", "Второе.", lang="ru", derived="s2"),
        _record("s1-uk", "Перше.", lang="uk", derived="s1-ru"),
        _record("s2-uk", "Друге.", lang="uk", derived="s2-ru"),
    ]
    contexts = article_contexts(records, ContextWindow(1, 0))
    assert contexts["s1-uk"] == "" and contexts["s2-uk"] == "Перше."


def test_check_contexts_messages():
    assert check_contexts(None, 2) is None
    assert check_contexts(["a", None], 2) == ["a", ""]
    assert check_contexts("a", 1) == ["a"]
    with pytest.raises(ValueError, match="got 1 contexts for 2 texts"):
        check_contexts(["a"], 2)
    with pytest.raises(TypeError, match="context 1 is int"):
        check_contexts(["a", 3], 2)
    with pytest.raises(TypeError, match="context must be a string or a list"):
        check_contexts(5, 1)


@pytest.fixture(scope="module")
def model(tiny_model):
    return stance.load(tiny_model)


def test_model_records_its_window(model, tiny_model):
    data = json.loads((tiny_model / "stance.json").read_text())
    assert data["context"] == {"before": 1, "after": 0, "max_tokens": 64}
    assert data["format_version"] == 2
    assert model.context_window == ContextWindow(1, 0, 64)


def test_context_reaches_the_network(model):
    text = "The talks lasted two hours."
    alone = model.predict(text)
    framed = model.predict(text, context="The Kiev regime sabotaged the talks.")
    assert alone.stance_scores != framed.stance_scores
    assert model.predict(text, context="") == alone


def test_score_article_reads_each_sentence_with_the_one_before(model):
    text = "The talks lasted two hours. Russia is a terrorist state. Both sides agreed a prisoners exchange."
    article = model.score_article(text, lang="en")
    sentences = [s.text for s in article.sentences]
    expected = model.predict(sentences, context=["", sentences[0], sentences[1]])
    assert [s.prediction for s in article.sentences] == expected


def test_model_without_context_ignores_it(model):
    plain = dataclasses.replace(model.info, context=None)
    original = model.info
    model.info = plain
    try:
        text = "The talks lasted two hours."
        assert model.predict(text, context="The Kiev regime sabotaged the talks.") == model.predict(text)
    finally:
        model.info = original


def test_bad_context_setting_is_refused(tiny_model, tmp_path):
    folder = tmp_path / "m"
    folder.mkdir()
    data = json.loads((tiny_model / "stance.json").read_text())
    data["context"] = {"before": 0, "after": 0}
    (folder / "stance.json").write_text(json.dumps(data))
    with pytest.raises(ModelFolderError, match="bad context setting"):
        ModelInfo.load(folder)


def test_pooling_mask_is_what_the_heads_read(model):
    ids = [[2, 20, 30, 3, 40, 41, 3]]
    input_ids, attention, pool = map(torch.from_numpy, model.encoder.pad(ids, [4]))
    with torch.inference_mode():
        pooled = model.model.encode(input_ids, attention, pool)
        everything = model.model.encode(input_ids, attention)
    assert not torch.allclose(pooled, everything)


# -- the context read as the previous sentence's own vector ---------------------------------

@pytest.fixture(scope="module")
def vector_model(tiny_vector_model):
    return stance.load(tiny_vector_model, fast="off")


def test_vector_model_records_its_mode(tiny_vector_model, vector_model):
    data = json.loads((tiny_vector_model / "stance.json").read_text())
    assert data["context"]["mode"] == "vector" and data["format_version"] == 3
    assert vector_model.context_window.by_vector


def test_vector_context_reaches_the_heads_and_articles_read_it(vector_model):
    text = "The talks lasted two hours. Russia is a terrorist state. Both sides agreed a prisoners exchange."
    article = vector_model.score_article(text, lang="en")
    sentences = [s.text for s in article.sentences]
    framed = vector_model.predict(sentences, context=["", sentences[0], sentences[1]])
    assert [s.prediction for s in article.sentences] == framed
    alone = vector_model.predict(sentences)
    assert alone[1].stance_scores != framed[1].stance_scores
    assert alone[0] == framed[0]  # the first sentence has no context either way
    single = vector_model.predict(sentences[1], context=sentences[0])
    # the same reading; a batch of one runs other matrix kernels than a batch of three,
    # so the last float digits may differ (the sixth decimal of a rounded probability)
    assert single.stance == framed[1].stance and single.techniques == framed[1].techniques
    assert single.stance_scores == pytest.approx(dict(framed[1].stance_scores), abs=2e-6)


def test_vector_model_encodes_each_sentence_of_an_article_once(vector_model, monkeypatch):
    rows = []
    real = vector_model.model.encode

    def counting(input_ids, attention_mask, pool_mask=None):
        rows.append(input_ids.shape[0])
        return real(input_ids, attention_mask, pool_mask)

    monkeypatch.setattr(vector_model.model, "encode", counting)
    text = " ".join(f"The talks lasted {n} hours." for n in ("two", "three", "four", "five", "six"))
    article = vector_model.score_article(text, lang="en")
    assert len(article.sentences) == 5 and sum(rows) == 5


def test_training_batches_keep_neighbours_together():
    from stance_training.batching import ArticleRunBatches

    groups = ["a"] * 20 + ["b"] * 5 + ["c", "d"]
    places = list(range(20)) + list(range(5)) + [0, 0]
    batches = ArticleRunBatches(groups, places, batch_size=8, seed=1)
    epoch1, epoch2 = list(batches), list(batches)
    assert len(epoch1) == len(batches) == 4 and epoch1 != epoch2
    for epoch in (epoch1, epoch2):
        assert sorted(i for batch in epoch for i in batch) == list(range(27))
        together = sum(1 for batch in epoch for i in batch if i - 1 in batch and groups[i] == groups[i - 1])
        assert together >= 15  # most sentences of an article have the one before in their batch


def test_collator_matches_contexts_to_rows_and_adds_missing_ones(encoder):
    from stance_training.batching import StanceCollator

    features = [{"input_ids": [2, 10, 3], "context_ids": [], "stance_labels": 0, "technique_labels": [0.0]},
                {"input_ids": [2, 11, 3], "context_ids": [2, 10, 3], "stance_labels": 1,
                 "technique_labels": [1.0]},
                {"input_ids": [2, 12, 3], "context_ids": [2, 99, 3], "stance_labels": 2,
                 "technique_labels": [0.0]}]
    batch = StanceCollator(encoder, context_vectors=True)(features)
    assert batch["input_ids"].shape[0] == 4
    assert batch["context_index"].tolist() == [-1, 0, 3, -1]
    assert batch["labeled"].tolist() == [1, 1, 1, 0]


def test_long_context_never_overflows_the_position_table(model):
    """The tiny encoder has 64 positions; a 32-token sentence with a long context must fit."""
    long = " ".join(["the talks lasted two hours"] * 20)
    p = model.predict(long, context=long)
    assert p.truncated
    sentence = "The talks " + "lasted two hours and " * 12 + "ended."
    article = model.score_article(" ".join([sentence] * 4), lang="en")
    assert len(article.sentences) == 4
