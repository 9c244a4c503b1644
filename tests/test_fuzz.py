"""Arbitrary Unicode through every door: predict, score_article and the batch scorer.

Nothing a user feeds in may crash: a text is either scored or refused with the
one documented error. Unpaired surrogates (valid in JSON) and zero-width
characters are the cases that once broke it. The fast set runs a seeded 2,000
examples; the slow set 10,000.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import stance
from stance.article import EmptyArticleError
from stance.scoring import ScoreOptions, score_inputs
from stance.text_gate import REPLACEMENT, gate, is_blank

# Every code point, surrogates included, with the troublesome ones made common.
TRICKY = st.sampled_from(["\ud800", "\udfff", "\u200b", "\ufeff", "\x00", "\u202e", "\n", " ",
                          "Kyiv", "Київ", "Киев", ".", "«", "\U0001f600"])
TEXTS = st.lists(st.one_of(st.characters(codec=None), TRICKY), max_size=40).map("".join)


def _settings(n: int):
    return settings(max_examples=n, derandomize=True, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def model(tiny_model):
    return stance.load(tiny_model, fast="off")


def _predict_or_refuse(model, text: str) -> None:
    try:
        p = model.predict(text)
    except ValueError as err:
        assert is_blank(text) and "empty or whitespace only" in str(err)
        return
    assert not is_blank(text)
    assert p.text == gate(text).text and len(p.text) == len(text)
    assert p.replaced_characters == sum(0xD800 <= ord(c) <= 0xDFFF for c in text)
    json.dumps(p.to_dict(), ensure_ascii=False).encode("utf-8")  # writable as UTF-8


def _article_or_refuse(model, text: str) -> None:
    try:
        article = model.score_article(text, lang="en")
    except EmptyArticleError:
        return
    repaired = gate(text).text
    for s in article.sentences:
        assert repaired[s.start:s.end] == s.text and not is_blank(s.text)
    json.dumps(article.to_dict(), ensure_ascii=False).encode("utf-8")


def test_gate_examples(model):
    assert gate("a\ud800b").text == f"a{REPLACEMENT}b"
    assert is_blank("\u200b\u200b\ufeff ") and not is_blank("\u200bx")
    with pytest.raises(ValueError, match="item 1 is empty or whitespace only"):
        model.predict(["fine", "\u200b\u200b"])
    [a, b] = model.predict(["bad \ud800 text", "good text"])  # one bad string never fails the list
    assert a.replaced_characters == 1 and b.replaced_characters == 0


def test_fuzzed_predict_fast(model):
    @_settings(2000)
    @given(TEXTS)
    def check(text):
        _predict_or_refuse(model, text)

    check()


def test_fuzzed_score_article_fast(model):
    @_settings(500)
    @given(TEXTS)
    def check(text):
        _article_or_refuse(model, text)

    check()


def _score_jsonl(model, tmp_path, texts: list[str]) -> None:
    feed = tmp_path / "feed.jsonl"
    # json.dumps escapes surrogates as \ud800: a legal JSON file, as users send them.
    feed.write_text("".join(json.dumps({"id": f"d{i}", "text": t}) + "\n" for i, t in enumerate(texts)),
                    encoding="utf-8")
    out = tmp_path / "out.jsonl"
    for path in (out, tmp_path / "out.errors.jsonl"):
        path.unlink(missing_ok=True)
    summary = score_inputs(model, [str(feed)], ScoreOptions(out=str(out), progress=False, language="en"))
    assert summary.scored + summary.failed == len(texts)
    done = [json.loads(line)["doc_id"] for line in out.read_text(encoding="utf-8").split("\n")
            if line] if out.exists() else []
    errors_file = tmp_path / "out.errors.jsonl"
    failed = [json.loads(line)["doc_id"] for line in errors_file.read_text(encoding="utf-8").split("\n")
              if line] if errors_file.exists() else []
    assert sorted(done + failed) == sorted(f"d{i}" for i in range(len(texts)))


def test_fuzzed_scorer_fast(model, tmp_path):
    @_settings(40)
    @given(st.lists(TEXTS, min_size=1, max_size=8))
    def check(texts):
        _score_jsonl(model, tmp_path, texts)

    check()


@pytest.mark.slow
def test_fuzzed_predict_and_articles_10000(model):
    @_settings(10_000)
    @given(TEXTS)
    def check(text):
        _predict_or_refuse(model, text)
        _article_or_refuse(model, text)

    check()
