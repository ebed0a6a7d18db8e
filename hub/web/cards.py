"""Model cards: Markdown written by uploaders, rendered to HTML and sanitised before it reaches a page."""

import re

import markdown
import nh3
from django.utils.safestring import mark_safe

EXTENSIONS = ["fenced_code", "tables", "sane_lists"]


def render_card(text):
    """Safe HTML for a card: scripts, event handlers, styles and javascript: links are stripped."""
    html = markdown.markdown(strip_front_matter(text or ""), extensions=EXTENSIONS, output_format="html")
    return mark_safe(nh3.clean(html, link_rel="noopener noreferrer nofollow"))


_FRONT_MATTER = re.compile(r"\A---\s*\n.*?\n---\s*(\n|\Z)", re.DOTALL)


def strip_front_matter(text):
    """Drop a leading YAML block (`---` ... `---`), which model cards use for metadata, not for reading."""
    return _FRONT_MATTER.sub("", text, count=1)
