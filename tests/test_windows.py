"""The window context: consecutive sentences read as one passage, each encoded once."""

import json

import numpy as np
import pytest

import stance
from stance.tokenization import TokenEncoder
from conftest import make_tokenizer
from stance.context import ContextWindow
from stance.windows import pack_passages, pad_passages, passage_batches

A, B, C, D = [0, 10, 2], [0, 11, 11, 2], [0, 12, 2], [0, 13, 13, 13, 2]


def test_consecutive_sentences_share_a_passage_and_keep_their_own_tokens():
    (passage,) = pack_passages([A, B, C], [[], A, B], budget=64)
    assert passage.ids == tuple(A + B + C)
    assert passage.rows == (0, 1, 2)
    assert passage.spans == ((0, 3), (3, 7), (7, 10))


def test_the_budget_cuts_a_run_and_the_next_passage_starts_without_a_prefix():
    passages = pack_passages([A, B, C, D], [[], A, B, C], budget=8)
    assert [p.rows for p in passages] == [(0, 1), (2, 3)]
    assert passages[1].ids == tuple(C + D)


def test_a_context_that_is_not_the_sentence_before_is_read_first_and_pooled_for_nothing():
    passages = pack_passages([A, C], [[], D], budget=64)
    assert [p.rows for p in passages] == [(0,), (1,)]
    assert passages[1].ids == tuple(D + C) and passages[1].spans == ((5, 8),)


def test_a_long_context_is_cut_to_the_room_left_and_keeps_its_closing_token():
    (passage,) = pack_passages([C], [D], budget=6)
    assert passage.ids == (0, 13, 2, *C) and passage.spans == ((3, 6),)


def test_no_context_at_all_reads_each_sentence_alone():
    passages = pack_passages([A, B], [[], []], budget=64)
    assert [p.ids for p in passages] == [tuple(A), tuple(B)]


def test_contexts_must_match_the_sentences():
    with pytest.raises(ValueError, match="2 contexts for 3 sentences"):
        pack_passages([A, B, C], [[], A], budget=64)


def test_batches_hold_about_batch_size_sentences_and_every_passage_once():
    passages = pack_passages([A, B, C, D] * 5, [[]] + [A, B, C, D] * 4 + [A, B, C], budget=8)
    batches = passage_batches(passages, batch_size=4)
    assert sorted(r for batch in batches for p in batch for r in p.rows) == list(range(20))
    assert all(sum(len(p.rows) for p in batch) >= 4 for batch in batches[:-1])


def test_padding_gives_one_pooling_row_per_sentence():
    passages = pack_passages([A, B, C], [[], A, []], budget=64)
    input_ids, attention, pool, passage_of, members = pad_passages(passages, pad_id=1)
    assert input_ids.shape == (2, 8) and pool.shape == (3, 8)
    assert passage_of.tolist() == [0, 0, 1] and members.tolist() == [0, 1, 2]
    assert pool[1].tolist() == [0, 0, 0, 1, 1, 1, 1, 0]
    assert attention[1].tolist() == [1, 1, 1, 0, 0, 0, 0, 0]
    assert (input_ids[1, 3:] == 1).all()


@pytest.mark.parametrize("before, after, tokens", [(2, 0, 256), (1, 1, 256), (1, 0, 8), (1, 0, 600)])
def test_window_mode_settings_are_checked(before, after, tokens):
    with pytest.raises(ValueError):
        ContextWindow(before, after, tokens, "window")


# -- a tiny trained window model -----------------------------------------------------------

ARTICLE = ("The talks lasted two hours. Russia is a terrorist state. "
           "Both sides agreed a prisoners exchange.")


@pytest.fixture(scope="module")
def window_model(tiny_window_model):
    return stance.load(tiny_window_model, fast="off")


def test_window_model_records_its_mode(tiny_window_model, window_model):
    data = json.loads((tiny_window_model / "stance.json").read_text())
    assert data["context"]["mode"] == "window" and data["context"]["max_tokens"] == 256
    assert data["format_version"] == 5  # older versions of stance refuse it, never misread it
    assert window_model.context_window.by_window


def test_an_article_is_read_as_a_passage_and_predict_with_contexts_reads_the_same(window_model):
    article = window_model.score_article(ARTICLE, lang="en")
    sentences = [s.text for s in article.sentences]
    framed = window_model.predict(sentences, context=["", sentences[0], sentences[1]])
    assert [s.prediction for s in article.sentences] == framed
    alone = window_model.predict(sentences)
    # every sentence reads its neighbours, the first one too (the sentences after it)
    assert all(a.stance_scores != f.stance_scores for a, f in zip(alone, framed))


def test_window_model_encodes_each_sentence_of_an_article_once(window_model, monkeypatch):
    tokens = []
    real = window_model.model.encode

    def counting(input_ids, attention_mask, pool_mask=None, passage_of=None):
        tokens.append(int(attention_mask.sum()))
        return real(input_ids, attention_mask, pool_mask, passage_of)

    monkeypatch.setattr(window_model.model, "encode", counting)
    sentences = [f"The talks lasted {n} hours." for n in ("two", "three", "four", "five", "six")]
    article = window_model.score_article(" ".join(sentences), lang="en")
    alone, _, _ = window_model.preprocess(sentences)
    assert len(article.sentences) == 5 and sum(tokens) == sum(len(row) for row in alone)


def test_a_sentence_with_a_foreign_context_reads_it(window_model):
    sentence = "Russia is a terrorist state."
    alone = window_model.predict(sentence)
    framed = window_model.predict(sentence, context="The talks lasted two hours.")
    assert alone.stance_scores != framed.stance_scores


def test_results_do_not_depend_on_the_batch_size(window_model):
    text = " ".join([ARTICLE] * 6)
    big = window_model.score_article(text, lang="en", batch_size=64)
    small = window_model.score_article(text, lang="en", batch_size=2)
    for a, b in zip(big.sentences, small.sentences):
        assert a.prediction.stance == b.prediction.stance
        assert a.prediction.stance_scores == pytest.approx(dict(b.prediction.stance_scores), abs=2e-6)


def test_passages_never_overflow_the_position_table(window_model):
    """The tiny encoder has 64 positions; the 256-token budget is cut to fit them."""
    sentence = "The talks " + "lasted two hours and " * 12 + "ended."
    article = window_model.score_article(" ".join([sentence] * 4), lang="en")
    assert len(article.sentences) == 4
    p = window_model.predict(sentence, context=" ".join([sentence] * 3))
    assert p.stance in window_model.stance_labels


def test_onnx_runs_a_window_model_as_torch_does(tiny_window_model, window_model):
    pytest.importorskip("onnxruntime")
    onnx = stance.load(tiny_window_model, fast="onnx")
    text = " ".join([ARTICLE] * 3)
    reference = window_model.score_article(text, lang="en")
    got = onnx.score_article(text, lang="en")
    for a, b in zip(reference.sentences, got.sentences):
        assert a.prediction.stance == b.prediction.stance
        assert a.prediction.stance_scores == pytest.approx(dict(b.prediction.stance_scores), abs=1e-4)
    quantised = stance.load(tiny_window_model, fast="onnx-int8").score_article(text, lang="en")
    for a, b in zip(reference.sentences, quantised.sentences):
        assert a.prediction.stance_scores == pytest.approx(dict(b.prediction.stance_scores), abs=0.08)


def test_collator_packs_runs_into_passages_with_labels_in_pooling_order(encoder):
    from stance_training.batching import StanceCollator

    def feature(ids, context, label):
        return {"input_ids": ids, "context_ids": context, "stance_labels": label,
                "technique_labels": [float(label == 2)]}

    features = [feature(A, [], 0), feature(B, A, 1), feature(C, D, 2)]
    batch = StanceCollator(encoder, passage_tokens=64)(features)
    assert batch["input_ids"].shape[0] == 2 and batch["pool_mask"].shape[0] == 3
    assert batch["passage_of"].tolist() == [0, 0, 1]
    assert batch["stance_labels"].tolist() == [0, 1, 2]
    assert batch["technique_labels"].tolist() == [[0.0], [0.0], [1.0]]
    # the third sentence is read after its context, which carries no pooling row
    assert batch["pool_mask"][2].tolist()[:len(D) + len(C)] == [0] * len(D) + [1] * len(C)


@pytest.fixture()
def encoder():
    return TokenEncoder.from_transformers(make_tokenizer())


def test_sentences_in_another_order_are_linked_only_where_the_context_is_just_before(window_model):
    sentences = [s.text for s in window_model.score_article(ARTICLE, lang="en").sentences]
    contexts = ["", sentences[0], sentences[1]]
    order = [2, 0, 1]
    shuffled = window_model.predict([sentences[i] for i in order], context=[contexts[i] for i in order])
    # the third sentence comes first: it is read after its context, as a passage of two
    assert shuffled[0] == window_model.predict(sentences[2], context=sentences[1])
    # the first two are still consecutive: one passage, as in the article minus its third
    assert shuffled[1:] == window_model.predict(sentences[:2], context=contexts[:2])


def test_training_batches_put_runs_of_similar_width_together():
    from stance_training.batching import ArticleRunBatches

    groups = [f"a{i // 4}" for i in range(64)]
    places = [i % 4 for i in range(64)]
    width = {i: (i // 4) % 8 for i in range(64)}  # each run of an article has one width
    plain = ArticleRunBatches(groups, places, batch_size=8, seed=3)
    sorted_ = ArticleRunBatches(groups, places, batch_size=8, seed=3,
                                run_length=lambda run: width[run[0]])
    for batches in (plain, sorted_):
        epoch = list(batches)
        assert len(epoch) == len(batches) == 8
        assert sorted(i for batch in epoch for i in batch) == list(range(64))
    spread = [max(width[i] for i in b) - min(width[i] for i in b) for b in sorted_]
    assert max(spread) <= 1
    assert max(max(width[i] for i in b) - min(width[i] for i in b) for b in plain) > 1
