"""The Python API contract on a tiny trained model."""

from __future__ import annotations

import dataclasses

import pytest

import stance
from stance.locate import ModelNotFoundError


@pytest.fixture(scope="module")
def model(tiny_model):
    return stance.load(tiny_model)


def test_list_in_list_out_same_order(model):
    texts = ["The talks lasted two hours.", "Russia is a terrorist state.", "The Kiev regime."]
    preds = model.predict(texts)
    assert [p.text for p in preds] == texts
    single = model.predict(texts[1])
    assert single.stance_scores == preds[1].stance_scores


def test_result_shape(model):
    p = model.predict("Russia offers blackmail, not peace.")
    assert p.stance in model.stance_labels
    assert set(p.stance_scores) == set(model.stance_labels)
    assert abs(sum(p.stance_scores.values()) - 1) < 1e-4
    assert set(p.technique_scores) == set(model.technique_labels)
    assert isinstance(p.techniques, tuple)
    assert all(p.technique_scores[t] >= model.info.thresholds[t] for t in p.techniques)
    assert p.to_dict()["stance"] == p.stance
    assert "Prediction(stance=" in repr(p)
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.stance = "neutral"
    with pytest.raises(TypeError):
        p.stance_scores["neutral"] = 1.0


def test_non_string_item_names_its_index(model):
    with pytest.raises(TypeError, match="item 1 is int, not str"):
        model.predict(["fine", 42])


def test_empty_item_names_its_index(model):
    with pytest.raises(ValueError, match="item 2 is empty or whitespace only"):
        model.predict(["fine", "also fine", "   "])


def test_wrong_container(model):
    with pytest.raises(TypeError, match="string or a list of strings"):
        model.predict(12)


def test_long_text_is_truncated_and_flagged(model):
    long_text = " ".join(["the talks lasted two hours"] * 200)
    p = model.predict(long_text)
    assert p.truncated is True
    assert model.predict("The talks lasted two hours.").truncated is False


def test_threshold_override(model):
    name = model.technique_labels[0]
    assert name in model.predict("The talks.", thresholds={name: 0.0}).techniques
    assert name not in model.predict("The talks.", thresholds={name: 1.0}).techniques
    with pytest.raises(ValueError, match="unknown technique 'nope'"):
        model.predict("x", thresholds={"nope": 0.3})


def test_batch_size_does_not_change_results(model):
    texts = [f"The talks lasted {'two ' * i}hours." for i in range(7)]
    a = [p.stance_scores for p in model.predict(texts, batch_size=1)]
    b = [p.stance_scores for p in model.predict(texts, batch_size=64)]
    for x, y in zip(a, b):
        assert all(abs(x[k] - y[k]) < 1e-4 for k in x)


def test_score_article(model):
    text = "Talks in Istanbul\n\nThe talks lasted two hours. Russia is a terrorist state.\nLeave a Reply"
    article = model.score_article(text, lang="en")
    assert [s.text for s in article.sentences] == ["Talks in Istanbul", "The talks lasted two hours.",
                                                   "Russia is a terrorist state."]
    for s in article.sentences:
        assert text[s.start:s.end] == s.text
    assert abs(sum(article.stance_shares.values()) - 1) < 1e-6
    assert article.leaning in model.stance_labels
    assert 0 <= article.leaning_confidence <= 1
    assert set(article.technique_counts) == set(model.technique_labels)
    data = article.to_dict()
    assert data["n_sentences"] == 3 and len(data["sentences"]) == 3
    with pytest.raises(ValueError, match="no sentences"):
        model.score_article("Skip to main content\nAdvertisement")


def test_module_level_predict_caches_the_model(tiny_model, monkeypatch):
    stance._cache.clear()
    calls = []
    real = stance.load
    monkeypatch.setattr(stance, "load", lambda *a, **k: calls.append(a) or real(*a, **k))
    stance.predict("The talks.", model=str(tiny_model))
    stance.predict(["The talks."], model=str(tiny_model))
    assert len(calls) == 1


def test_missing_default_model_lists_places_and_command(tmp_path, monkeypatch):
    import stance.locate as locate

    monkeypatch.setenv("STANCE_MODEL", str(tmp_path / "nowhere"))
    monkeypatch.setenv("STANCE_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(locate, "checkout_models_dir", lambda: tmp_path / "models")
    with pytest.raises(ModelNotFoundError) as err:
        stance.load()
    message = str(err.value)
    assert "$STANCE_MODEL" in message and str(tmp_path / "models" / "default") in message
    assert str(tmp_path / "home" / "models" / "default") in message
    assert "stance train --labels labels --out models/default" in message


def test_explicit_missing_folder(tmp_path):
    with pytest.raises(ModelNotFoundError, match="neither a local folder nor a Hugging Face Hub id"):
        stance.load(str(tmp_path / "no" / "such" / "model"))


def test_env_var_picks_the_model(tiny_model, monkeypatch):
    monkeypatch.setenv("STANCE_MODEL", str(tiny_model))
    assert stance.load().path == tiny_model


def test_import_is_light():
    import subprocess
    import sys

    code = "import sys, stance; print('torch' in sys.modules, 'training' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
