"""Section bodies: Markdown written by editors, rendered to HTML that cannot run script.

This is the one Markdown configuration: the page, the publishing checks and the readability
score all read a body through `parse()`, so what the checks report is what the page shows.
"""

import nh3
from markdown_it import MarkdownIt

# Raw HTML in the source is shown as text, never passed through; nh3 cleans the result anyway.
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "img", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "th": {"align"},
    "td": {"align"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto", "tel"}

# A section's heading is the page's <h2>: the highest heading inside its body becomes <h3>.
TOP_BODY_HEADING = 3


def parse(text):
    """The tokens of a body as the page renders them (headings already at their page level)."""
    tokens = _markdown.parse(text or "")
    headings = [token for token in tokens if token.type in ("heading_open", "heading_close")]
    if headings:
        shift = TOP_BODY_HEADING - min(int(token.tag[1]) for token in headings)
        for token in headings:
            token.tag = f"h{min(int(token.tag[1]) + shift, 6)}"
    return tokens


def render_markdown(text):
    html = _markdown.renderer.render(parse(text), _markdown.options, {})
    return sanitize_html(html)


def _keep_attribute(tag, attribute, value):
    # Images come from this site only: another host would learn who reads which health page.
    if tag == "img" and attribute == "src" and not (value.startswith("/") and not value.startswith("//")):
        return None
    return value


def sanitize_html(html):
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer",
        attribute_filter=_keep_attribute,
    )
