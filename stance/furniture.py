"""Page furniture: text that belongs to the web page, not to the article.

Menus, widgets, comment prompts and machine-translation credits are dropped
before sentences are labelled or scored (see ``labels/GUIDELINES.md``), so the
labelled data and the scorer see the same units.
"""

from __future__ import annotations

import re

# Whole lines (or sentences) that are page chrome. Matched case-insensitively
# against the stripped text; each pattern must match the entire line.
_FURNITURE_PATTERNS = (
    r"skip to (the )?(main )?content",
    r"advertisement",
    r"live broadcast",
    r"main slide",
    r"beginning of the article",
    r"select important",
    r"on|off",
    r"leave a (reply|comment)",
    r"your email address will not be published\..*",
    r"required fields are marked \*?",
    r"share( this( article)?)?( on \w+)?",
    r"(read|see) (more|also)\W*",
    r"related( articles| news)?:?",
    r"key takeaways:?",
    r"(переведено|перекладено) сервисом .*",
    r"(переведено|перекладено) сервісом .*",
    r"translated by .*",
    r"озвучить текст|озвучити текст",
    r"поделиться|поділитися",
    r"реклама",
    # font-size / date widgets such as "date 2025-05-20 + ↺ − 16 px"
    r"(date\s+)?[\d\-./ ]*\s*\+\s*\S?\s*[−-]\s*\d+\s*px",
    # bare datelines: "May 20, 2025", "2025-05-20", "20.05.2025"
    r"(january|february|march|april|may|june|july|august|september|october|"
    r"november|december)\s+\d{1,2},\s+\d{4}",
    r"\d{4}-\d{2}-\d{2}|\d{1,2}\.\d{1,2}\.\d{4}",
)
_FURNITURE = re.compile(
    "|".join(f"(?:{p})" for p in _FURNITURE_PATTERNS), re.IGNORECASE
)
_HAS_LETTER = re.compile(r"[^\W\d_]")


def is_furniture(text: str) -> bool:
    """True when ``text`` (a line or a sentence) is page furniture."""
    stripped = text.strip().strip("•·-–—*|").strip()
    if not _HAS_LETTER.search(stripped):
        return True  # numbers, rules, bullets and symbols alone
    if _FURNITURE.fullmatch(stripped):
        return True
    # Section kickers such as "INSIDE RUSSIA": up to six words, all capitals.
    words = stripped.split()
    return len(words) <= 6 and stripped.isupper() and not stripped.endswith((".", "!", "?"))
