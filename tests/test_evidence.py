"""Evidence: which words drive a sentence's stance and techniques, with exact offsets."""

from __future__ import annotations

import pytest

import stance
from stance.evidence import METHODS


@pytest.fixture(scope="module")
def model(tiny_model):
    return stance.load(tiny_model, fast="off")


@pytest.mark.parametrize("method", METHODS)
def test_evidence_names_words_of_the_original_text(model, method):
    text = "The Kiev regime sabotaged the talks in Istanbul, the ministry said."
    p = model.predict(text, context="The talks lasted two hours.", explain=method)
    assert set(p.evidence) == {p.stance, *p.techniques}
    for items in p.evidence.values():
        assert 0 < len(items) <= 5
        for e in items:
            assert text[e.start:e.end] == e.text and e.weight != 0
        assert [abs(e.weight) for e in items] == sorted((abs(e.weight) for e in items), reverse=True)
    # "Kiev" is rewritten to "Kyiv" before the model reads it; offsets still point into the input
    assert all("Kyiv" not in e.text for items in p.evidence.values() for e in items)


def test_evidence_is_opt_in_and_serialised(model):
    plain = model.predict("The talks lasted two hours.")
    assert plain.evidence is None and "evidence" not in plain.to_dict()
    explained = model.predict(["The talks lasted two hours.", "Russia is a terrorist state."],
                              explain=True)
    data = explained[1].to_dict()
    assert set(data["evidence"]) == {explained[1].stance, *explained[1].techniques}
    assert {"start", "end", "text", "weight"} == set(data["evidence"][explained[1].stance][0])


def test_articles_carry_evidence(model, tiny_vector_model):
    text = "The talks lasted two hours. Russia is a terrorist state."
    for m in (model, stance.load(tiny_vector_model, fast="off")):
        article = m.score_article(text, lang="en", explain=True)
        for s in article.sentences:
            for items in s.prediction.evidence.values():
                for e in items:
                    assert s.text[e.start:e.end] == e.text
        assert "evidence" in article.to_dict()["sentences"][0]


def test_bad_requests_are_refused(tiny_model):
    model = stance.load(tiny_model, fast="int8")
    with pytest.raises(ValueError, match="integrated gradients need the model in PyTorch floats"):
        model.predict("The talks lasted two hours.", explain="gradients")
    with pytest.raises(ValueError, match="unknown evidence method 'saliency'"):
        model.predict("The talks lasted two hours.", explain="saliency")


@pytest.mark.parametrize("method", METHODS)
def test_a_window_model_explains_the_sentence_read_after_its_context(tiny_window_model, method):
    m = stance.load(tiny_window_model, fast="off")
    text = "Russia is a terrorist state and the Kremlin lies."
    context = "The talks in Istanbul lasted two hours and ended without a deal."
    p = m.predict(text, context=context, explain=method)
    assert set(p.evidence) == {p.stance, *p.techniques}
    for items in p.evidence.values():
        assert items
        for e in items:  # words of the sentence (never of its context), each with a weight
            assert text[e.start:e.end] == e.text and e.weight != 0
