"""Markdown for timeline entries and post-mortems: rendered, then sanitised with nh3."""

import markdown as md
import nh3
from django.utils.safestring import mark_safe

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a", "h3", "h4", "h5", "hr",
    "table", "thead", "tbody", "tr", "th", "td", "del",
}


_EXTENSIONS = ["fenced_code", "tables", "sane_lists"]
_parser: md.Markdown | None = None


def _markdown(text: str) -> str:
    """One reused parser per process (building one costs more than rendering a short entry)."""
    global _parser
    if _parser is None:
        _parser = md.Markdown(extensions=_EXTENSIONS)
    try:
        return _parser.reset().convert(text)
    except Exception:
        _parser = None  # never reuse a parser left in an unknown state
        raise


def sanitised_html(text: str) -> str:
    """Markdown to sanitised HTML, as a plain string (what TimelineEntry.text_html stores)."""
    html = _markdown(text or "")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


def render_markdown(text: str) -> str:
    return mark_safe(sanitised_html(text))  # noqa: S308 - sanitised by nh3 in sanitised_html
