"""Spelling variants: swapping for augmentation, rewriting to one form for prediction."""

from __future__ import annotations

import stance
from stance.spelling import SpellingVariants

VARIANTS = SpellingVariants.from_dict({
    "_about": "ignored",
    "en": [["Kyiv", "Kiev"], ["Zelenskyy", "Zelenskiy", "Zelensky"]],
    "ru": [["в Украине", "на Украине"]],
})


def test_swap_goes_both_ways_and_respects_word_edges():
    assert VARIANTS.swap("Kiev and Kyiv", "en") == "Kyiv and Kiev"
    assert VARIANTS.swap("Zelensky's aide met Zelenskyy", "en") == "Zelenskyy's aide met Zelenskiy"
    assert VARIANTS.swap("Kievan Rus", "en") == "Kievan Rus"
    assert VARIANTS.swap("Война на Украине", "ru") == "Война в Украине"


def test_canonical_form_is_the_first_of_each_group():
    assert VARIANTS.canonical("The Kiev regime and Zelensky") == "The Kyiv regime and Zelenskyy"
    assert VARIANTS.canonical("Война на Украине") == "Война в Украине"
    assert VARIANTS.canonical("Kievan Rus") == "Kievan Rus"
    assert "_about" not in VARIANTS.groups


def test_model_results_do_not_depend_on_spelling(tiny_model):
    model = stance.load(tiny_model)
    assert model.info.spelling_variants["en"] == [["Kyiv", "Kiev"]]
    a, b = model.predict(["The Kiev regime sabotaged the talks.", "The Kyiv regime sabotaged the talks."])
    assert a.stance_scores == b.stance_scores and a.technique_scores == b.technique_scores
    assert a.text == "The Kiev regime sabotaged the talks."  # results keep the user's text
