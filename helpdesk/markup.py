"""What requesters and agents type, as safe HTML: CommonMark through markdown-it-py.

markdown-it-py parses in time linear in the text's length (no backtracking over brackets,
emphasis runs or nested quotes), so a hostile reply, description or preview costs what its
size costs. On top of that, two hard bounds: text longer than MARKDOWN_MAX_CHARS, and text
nested deeper than the parser follows (where markdown-it would drop what is inside), are
shown as plain paragraphs instead. Raw HTML is shown as text, images as their alt text,
and links keep their href only for http, https and mailto (or a relative address). The
result then passes through nh3, so a slip in one rule never becomes a script on the page.

This module sits at the bottom layer: it imports nothing from helpdesk's feature packages.
"""

import html
import re
from functools import lru_cache, partial
from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt

URL_SCHEMES = frozenset({"http", "https", "mailto"})

# The longest form fields (descriptions, replies) hold 20,000 characters; longer text comes
# from mail and is shown as typed, without Markdown.
MARKDOWN_MAX_CHARS = 20_000

USER_TAGS = frozenset({
    "a", "p", "br", "strong", "em", "b", "i", "code", "pre", "blockquote", "ul", "ol", "li",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td", "del",
})
_clean_user = partial(
    nh3.clean,
    tags=set(USER_TAGS),
    attributes={"a": {"href", "title"}, "th": {"align"}, "td": {"align"}},
    url_schemes=set(URL_SCHEMES),
    link_rel="nofollow noopener noreferrer",
)


def allowed_href(url):
    """True for a relative address or one of URL_SCHEMES (what nh3 would keep too)."""
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return False
    return scheme == "" or scheme in URL_SCHEMES


def align_table_cells(state):
    """Core rule: `align="right"` on table cells instead of markdown-it's inline style,
    which the sanitizer strips (a right-aligned column of numbers would lose it)."""
    for token in state.tokens:
        if token.type in ("th_open", "td_open"):
            style = str(token.attrGet("style") or "")
            if style.startswith("text-align:"):
                token.attrs.pop("style")
                token.attrSet("align", style.partition(":")[2])


def _restrict_links(state):
    """Core rule: a link to another scheme keeps its text and loses its href."""
    for token in state.tokens:
        for child in token.children or ():
            if child.type == "link_open" and not allowed_href(str(child.attrGet("href"))):
                child.attrs.pop("href")


def _image_as_text(renderer, tokens, idx, options, env):
    # No pictures from other sites in a conversation (tracking pixels): the alt text stays.
    return html.escape(renderer.renderInlineAsText(tokens[idx].children or [], options, env))


def exceeds_nesting(tokens, md):
    """True when a block opened at the parser's nesting limit, whose content it dropped."""
    limit = md.options["maxNesting"]
    return any(t.nesting == 1 and t.level + 1 >= limit for t in tokens)


def _user_parser():
    md = MarkdownIt("commonmark", {"html": False, "breaks": True}).enable("table")
    # Every destination is parsed as a link; _restrict_links then drops unsafe hrefs, so
    # `[click](javascript:...)` shows "click" rather than the raw brackets.
    md.validateLink = lambda url: True
    md.core.ruler.push("helpdesk_links", _restrict_links)
    md.core.ruler.push("helpdesk_align", align_table_cells)
    md.add_render_rule("image", _image_as_text)
    return md


_USER = _user_parser()
_BLANK_LINES = re.compile(r"\n[ \t]*\n\s*")


def plain_html(text):
    """Text as paragraphs (blank lines) and line breaks, nothing else interpreted."""
    paragraphs = _BLANK_LINES.split(text.replace("\r\n", "\n").strip())
    return "".join("<p>" + html.escape(p).replace("\n", "<br>\n") + "</p>\n"
                   for p in paragraphs if p)


def render_user_text(text):
    """Render untrusted Markdown: raw HTML escaped, http/https/mailto links only."""
    text = text or ""
    if len(text) > MARKDOWN_MAX_CHARS:
        return _clean_user(plain_html(text))
    if len(text) <= REMEMBERED_CHARS:
        return _remembered(text)
    return render_markdown(text)


# A conversation page shows every message again on each visit, and parsing and cleaning one
# was two fifths of a 40-message page. The HTML depends on the text alone, so the last few
# hundred short texts are kept (at most about 8 MB per process).
REMEMBERED_CHARS = 4_000


@lru_cache(maxsize=512)
def _remembered(text):
    return render_markdown(text)


def render_markdown(text):
    """render_user_text without the length bound (the benchmark times the parser with it)."""
    tokens = _USER.parse(text)
    if exceeds_nesting(tokens, _USER):
        return _clean_user(plain_html(text))
    return _clean_user(_USER.renderer.render(tokens, _USER.options, {}))


# --- the same Markdown as plain text, for the text part of a mail ---------------------------

def plain_text(text):
    """What a reader of the rendered Markdown sees, as text: no `**`, links as "title (url)".

    Paragraphs are split by blank lines, list items keep a "-" or their number, quotes a
    "> ", code blocks are indented by four spaces; images become their alt text. Text
    past the same bounds as render_user_text is given back as typed.
    """
    text = (text or "").replace("\r\n", "\n")
    if len(text) > MARKDOWN_MAX_CHARS:
        return text
    tokens = _USER.parse(text)
    if exceeds_nesting(tokens, _USER):
        return text
    return _PlainWriter().write(tokens)


def _inline_plain(children):
    parts, links = [], []
    for token in children or ():
        if token.type in ("text", "code_inline"):
            parts.append(token.content)
        elif token.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif token.type == "image":
            parts.append(_USER.renderer.renderInlineAsText(token.children or [], _USER.options, {}))
        elif token.type == "link_open":
            links.append((len(parts), str(token.attrGet("href") or "")))
        elif token.type == "link_close" and links:
            start, href = links.pop()
            shown = "".join(parts[start:])
            if href and href != shown and href != "mailto:" + shown:
                parts.append(f" ({href})")
    return "".join(parts)


class _PlainWriter:
    """Blocks joined by blank lines; list items and table rows by single line breaks."""

    def __init__(self):
        self.blocks = []     # (text, tight): a tight block follows the one before on the next line
        self.lists = []      # per open list: [next number or None for bullets, items so far]
        self.marker = None   # the marker of the list item whose first block comes next
        self.item_tight = False
        self.quotes = 0
        self.row = None
        self.rows = 0

    def write(self, tokens):
        for token in tokens:
            handler = getattr(self, "_" + token.type, None)
            if handler is not None:
                handler(token)
        out = ""
        for text, tight in self.blocks:
            out += ("\n" if tight else "\n\n") + text if out else text
        return out

    def _add(self, text, tight=False):
        indent = "  " * max(0, len(self.lists) - 1)
        if self.marker is not None:
            lead, rest = indent + self.marker, indent + " " * len(self.marker)
            self.marker, tight = None, self.item_tight
        else:
            lead = rest = indent + ("   " if self.lists else "")
        lines = text.split("\n")
        lines = [lead + lines[0]] + [rest + line if line else line for line in lines[1:]]
        if self.quotes:
            lines = ["> " * self.quotes + line for line in lines]
        self.blocks.append(("\n".join(lines), tight))

    def _bullet_list_open(self, token):
        self.lists.append([None, 0])

    def _ordered_list_open(self, token):
        self.lists.append([int(token.attrGet("start") or 1), 0])

    def _bullet_list_close(self, token):
        self.lists.pop()

    _ordered_list_close = _bullet_list_close

    def _list_item_open(self, token):
        current = self.lists[-1]
        current[1] += 1
        self.item_tight = current[1] > 1 or len(self.lists) > 1
        if current[0] is None:
            self.marker = "- "
        else:
            self.marker = f"{current[0]}. "
            current[0] += 1

    def _blockquote_open(self, token):
        self.quotes += 1

    def _blockquote_close(self, token):
        self.quotes -= 1

    def _inline(self, token):
        if self.row is not None:
            self.row.append(_inline_plain(token.children))
        else:
            self._add(_inline_plain(token.children))

    def _fence(self, token):
        self._add("\n".join("    " + line for line in token.content.rstrip("\n").split("\n")))

    _code_block = _fence

    def _hr(self, token):
        self._add("----")

    def _table_open(self, token):
        self.rows = 0

    def _tr_open(self, token):
        self.row = []

    def _tr_close(self, token):
        cells, self.row = self.row, None
        self.rows += 1
        self._add(" | ".join(cells), tight=self.rows > 1)
