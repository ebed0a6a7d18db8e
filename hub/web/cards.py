"""Model cards: Markdown written by uploaders, rendered to HTML and sanitised before it reaches a page."""

import markdown
import nh3
from django.utils.safestring import mark_safe

from hub.deltas.cards import split_front_matter

EXTENSIONS = ["fenced_code", "tables", "sane_lists"]


def render_card(text):
    """Safe HTML for a card: scripts, event handlers, styles and javascript: links are stripped."""
    html = markdown.markdown(strip_front_matter(text or ""), extensions=EXTENSIONS, output_format="html")
    return mark_safe(nh3.clean(html, link_rel="noopener noreferrer nofollow"))


def strip_front_matter(text):
    """Drop a leading YAML block (`---` ... `---`), which model cards use for metadata, not for reading."""
    return split_front_matter(text)[1]
