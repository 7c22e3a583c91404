"""Organizer-written Markdown to safe HTML: markdown-it-py renders, nh3 sanitizes.

Raw HTML in the Markdown is allowed through the renderer on purpose and then cut down by nh3 to a
small whitelist, so ``<strong>`` typed by hand survives while ``<script>``, ``on*=`` handlers,
styles and ``javascript:`` links never reach a page. Headings are shifted down one level (``#``
becomes ``<h2>``) because the event title is the page's only ``<h1>``.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

ALLOWED_TAGS = frozenset(
    {"p", "br", "strong", "em", "a", "ul", "ol", "li", "h2", "h3", "h4", "blockquote", "code"}
    | {"pre"}
)
ALLOWED_ATTRIBUTES = {"a": {"href"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener nofollow"
MAX_HEADING = 4

_md = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False})


def _demote_headings(tokens: list[Token]) -> None:
    for token in tokens:
        if token.type in {"heading_open", "heading_close"}:
            level = min(int(token.tag[1]) + 1, MAX_HEADING)
            token.tag = f"h{level}"


def render(text: str) -> str:
    """Markdown → sanitized HTML, safe to mark as safe in a template."""
    tokens = _md.parse(text or "")
    _demote_headings(tokens)
    html = _md.renderer.render(tokens, _md.options, {})
    return sanitize(html)


def sanitize(html: str) -> str:
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
    ).strip()
