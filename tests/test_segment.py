"""Sentence splitting in English, Russian and Ukrainian, offsets, furniture, HTML."""

from __future__ import annotations

from stance.furniture import is_furniture
from stance.language import detect_language
from stance.scoring.html_text import html_to_text
from stance.segment import split_sentences


def texts(text, lang=None):
    spans = split_sentences(text, lang)
    for s in spans:
        assert text[s.start:s.end] == s.text
    return [s.text for s in spans]


def test_english_with_abbreviations_and_quotes():
    text = ('U.S. Special Envoy Keith Kellogg met Andriy Yermak on May 16. '
            '"We fought Sweden for 21 years. How long are you ready to fight?" he asked.')
    assert texts(text, "en") == [
        "U.S. Special Envoy Keith Kellogg met Andriy Yermak on May 16.",
        "We fought Sweden for 21 years.",
        'How long are you ready to fight?" he asked.',
    ]


def test_one_sentence_quotation_keeps_its_marks():
    text = "“We said eight,” the editor related on X. The talks ended."
    assert texts(text, "en") == ["“We said eight,” the editor related on X.", "The talks ended."]


def test_russian_abbreviations():
    text = ("Об этом сообщил пресс-секретарь Д. С. Песков, т. е. официально. "
            "«Мы готовы к переговорам», — сказал он. Переговоры продолжатся в г. Стамбуле.")
    assert texts(text, "ru") == [
        "Об этом сообщил пресс-секретарь Д. С. Песков, т. е. официально.",
        "«Мы готовы к переговорам», — сказал он.",
        "Переговоры продолжатся в г. Стамбуле.",
    ]


def test_ukrainian():
    text = ("Делегації зустрілися в Стамбулі 16 травня. Переговори тривали майже дві години! "
            "Чи буде наступний раунд?")
    assert texts(text, "uk") == [
        "Делегації зустрілися в Стамбулі 16 травня.",
        "Переговори тривали майже дві години!",
        "Чи буде наступний раунд?",
    ]


def test_footnote_markers_split_and_stay_out():
    text = "Zelensky arrived in Turkey on May 15.[3] Putin did not travel."
    assert texts(text, "en") == ["Zelensky arrived in Turkey on May 15.", "Putin did not travel."]


def test_headlines_are_sentences_and_furniture_is_dropped():
    text = ("Skip to main content\nAdvertisement\nINSIDE RUSSIA\nMay 20, 2025\n"
            "Lavrov and Rubio discuss Istanbul talks\n\nThe talks lasted two hours.\n"
            "Leave a Reply\nYour email address will not be published. Required fields are marked *\n"
            "Переведено сервисом «Яндекс Переводчик»\n date 2025-05-20 + ↺ − 16 px\n")
    assert texts(text, "en") == ["Lavrov and Rubio discuss Istanbul talks",
                                 "The talks lasted two hours."]


def test_bullets_lose_their_marker():
    assert texts("Key Takeaways:\n- Russian forces advanced near Lyman.", "en") == [
        "Russian forces advanced near Lyman."]


def test_furniture_rules():
    assert is_furniture("Live broadcast")
    assert is_furniture("   ")
    assert not is_furniture("Kremlin playing for more time")


def test_language_detection():
    assert detect_language("Президент України заявив, що переговори тривають.") == "uk"
    assert detect_language("Президент России заявил, что переговоры продолжатся.") == "ru"
    assert detect_language("The talks lasted two hours.") == "en"


def test_html_main_text_extraction():
    html = """<html><head><title>Talks in Istanbul</title></head><body>
    <nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav>
    <article><h1>Talks in Istanbul</h1>
    <p>The Russian and Ukrainian delegations met in Istanbul on Friday for the first direct talks
    in three years, and the meeting lasted almost two hours.</p>
    <p>Both sides agreed to exchange 1,000 prisoners of war each, the head of the Russian
    delegation said after the meeting.</p></article>
    <footer>Leave a Reply. Share on Facebook. Cookie settings.</footer></body></html>"""
    text = html_to_text(html)
    assert "Both sides agreed to exchange 1,000 prisoners of war each" in text
    assert "Cookie settings" not in text and "Sport" not in text
