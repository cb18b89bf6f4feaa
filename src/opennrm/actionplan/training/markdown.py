"""Teaching materials are written in Markdown and shown as HTML; this is the only place
that turns one into the other.

CommonMark with raw HTML switched off: whatever HTML a writer types is shown as text, so a
material cannot carry a script or a form. Links keep markdown-it's check, which refuses
`javascript:`, `vbscript:`, `file:` and `data:` targets (they stay as plain text), and
images are not rendered at all: the pages load nothing from other hosts.
"""

from __future__ import annotations

from functools import cache

from markdown_it import MarkdownIt


@cache
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False})
    md.disable("image")
    return md


def to_html(text: str) -> str:
    """Safe HTML for a Markdown text (to be marked safe by the caller's template)."""
    html: str = _parser().render(text or "")
    return html
