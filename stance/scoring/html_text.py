"""The main text of an HTML page, by trafilatura (boilerplate, menus and comments removed)."""

from __future__ import annotations

import logging


def html_to_text(html: str) -> str:
    """Return the article text of ``html``; ``""`` when no main text is found."""
    import trafilatura

    # trafilatura logs extraction failures at WARNING on its own logger; keep that
    # logger quiet for this call only, without touching the root logger.
    log = logging.getLogger("trafilatura")
    previous = log.level
    log.setLevel(logging.ERROR)
    try:
        text = trafilatura.extract(html, include_comments=False, include_tables=False,
                                   favor_recall=True, with_metadata=False)
        if text:
            title = trafilatura.extract_metadata(html)
            headline = getattr(title, "title", None) if title is not None else None
            if headline and not text.startswith(headline):
                text = f"{headline}\n\n{text}"
    finally:
        log.setLevel(previous)
    return text or ""
