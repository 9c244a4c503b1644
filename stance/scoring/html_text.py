"""The main text of an HTML page, by trafilatura (boilerplate, menus and comments removed)."""

from __future__ import annotations


def html_to_text(html: str) -> str:
    """Return the article text of ``html`` (its title first); ``""`` when no main text is found."""
    import trafilatura

    text = trafilatura.extract(html, include_comments=False, include_tables=False,
                               favor_recall=True, with_metadata=False)
    if not text:
        return ""
    metadata = trafilatura.extract_metadata(html)
    title = getattr(metadata, "title", None) if metadata is not None else None
    if title and not text.startswith(title):
        text = f"{title}\n\n{text}"
    return text
