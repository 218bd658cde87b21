"""Help articles as sanitized HTML with a table of contents (CommonMark, markdown-it-py).

Articles are written by the help center's own authors, so raw HTML is allowed (and then
sanitized by nh3); they still go through the same linear-time parser as user text. On top
of CommonMark: tables, admonitions (`!!! note "Title"`), definition lists, attributes
(`{#id .class}`), code highlighted by Pygments, heading anchors with a "#" permalink and a
table of contents of levels 2-3, relative links to `.md` files pointed at their pages.
"""

import re
from dataclasses import dataclass
from functools import partial
from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.admon import admon_plugin
from mdit_py_plugins.attrs import attrs_block_plugin, attrs_plugin
from mdit_py_plugins.deflist import deflist_plugin
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import TextLexer, get_lexer_by_name
from pygments.util import ClassNotFound

from ..markup import (
    URL_SCHEMES,
    align_table_cells,
    allowed_href,
    exceeds_nesting,
    plain_html,
)
from .files import CATEGORY_FILES

TOC_LEVELS = (2, 3)

_ARTICLE_TAGS = set(nh3.ALLOWED_TAGS) - {"area", "map"}
_ARTICLE_ATTRIBUTES = {tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()}
for _tag, _extra in {
    "*": {"id", "class", "title", "lang", "dir"},
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height", "loading"},
    "td": {"align"},
    "th": {"align"},
}.items():
    _ARTICLE_ATTRIBUTES.setdefault(_tag, set()).update(_extra)

_clean_article = partial(
    nh3.clean,
    tags=_ARTICLE_TAGS,
    clean_content_tags={"script", "style"},
    attributes=_ARTICLE_ATTRIBUTES,
    url_schemes=set(URL_SCHEMES),
    link_rel="noopener noreferrer",
    # Code blocks and tables scroll sideways on a phone; a keyboard reaches them too.
    set_tag_attribute_values={"img": {"loading": "lazy"}, "pre": {"tabindex": "0"},
                              "table": {"tabindex": "0"}},
)


@dataclass
class Rendered:
    html: str
    toc: list  # [(level, anchor id, title)] for headings of level 2 and 3


def article_href(href):
    """Point a relative link to a `.md` file at its article (or category) URL.

    Pages live at `/articles/<slug>` with no trailing slash, so a link relative to the
    file's folder resolves the same way in the browser once `.md` is dropped.
    """
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not parts.path.endswith(".md"):
        return href
    path = parts.path
    folder, _, name = path.rpartition("/")
    if name in CATEGORY_FILES:
        path = f"{folder}/" if folder else "./"
    else:
        path = path[:-3]
    return path + (f"#{parts.fragment}" if parts.fragment else "")


def _links(state):
    """Core rule: article links rewritten; other schemes lose the address, keep the text."""
    for token in state.tokens:
        for child in token.children or ():
            attr = {"link_open": "href", "image": "src"}.get(child.type)
            if attr is None:
                continue
            url = str(child.attrGet(attr))
            if not allowed_href(url):
                child.attrs.pop(attr)
            elif attr == "href":
                child.attrSet("href", article_href(url))


# --- headings: anchors, permalinks, table of contents ------------------------------------

_NOT_WORD = re.compile(r"[^\w\s-]")
_SEPARATORS = re.compile(r"[-\s]+")
_NUMBERED = re.compile(r"^(.*)_([0-9]+)$")


def slugify(text):
    """A readable anchor that keeps non-ASCII letters: "Configuración de correo" ->
    "configuración-de-correo" (the ids the help center has always used)."""
    return _SEPARATORS.sub("-", _NOT_WORD.sub("", text).strip().lower())


def _unique(anchor, used, next_number):
    """`anchor`, or `anchor_1`, `anchor_2`... when taken (an empty one becomes `_1`).

    `next_number` remembers each base's next free number, so a page of a thousand
    headings named alike costs a thousand steps, not half a million."""
    while anchor in used or not anchor:
        numbered = _NUMBERED.match(anchor)
        base, number = ((numbered.group(1), int(numbered.group(2)) + 1) if numbered
                        else (anchor, 1))
        number = max(number, next_number.get(base, 1))
        next_number[base] = number + 1
        anchor = f"{base}_{number}"
    used.add(anchor)
    return anchor


def _heading_text(inline):
    return "".join(child.content for child in inline.children or ()
                   if child.type in ("text", "code_inline", "image")).strip()


def _headings(state):
    """Core rule: an id and a "#" permalink on every heading; levels 2-3 listed in the TOC."""
    headings = [(i, t) for i, t in enumerate(state.tokens) if t.type == "heading_open"]
    used = {str(t.attrGet("id")) for _, t in headings if t.attrGet("id")}
    numbers, toc = {}, state.env.setdefault("toc", [])
    for index, token in headings:
        inline = state.tokens[index + 1]
        title = " ".join(_heading_text(inline).split())
        anchor = str(token.attrGet("id") or "") or _unique(slugify(title), used, numbers)
        token.attrSet("id", anchor)
        link = Token("link_open", "a", 1, attrs={
            "class": "headerlink", "href": f"#{anchor}", "title": "Link to this section"})
        inline.children = (inline.children or []) + [
            link, Token("text", "", 0, content="#"), Token("link_close", "a", -1)]
        level = int(token.tag[1])
        if level in TOC_LEVELS:
            toc.append((level, anchor, title))


# --- code -------------------------------------------------------------------------------

def _lexer(info):
    name = (info or "").split(maxsplit=1)[0] if (info or "").strip() else ""
    try:
        return get_lexer_by_name(name) if name else TextLexer()
    except ClassNotFound:
        return TextLexer()


def _code_block(renderer, tokens, idx, options, env):
    token = tokens[idx]
    # A formatter per block: requests render articles on several threads at once.
    return highlight(token.content, _lexer(token.info),
                     HtmlFormatter(cssclass="highlight", wrapcode=True))


def _article_parser():
    md = (MarkdownIt("commonmark", {"html": True}).enable("table")
          .use(admon_plugin).use(deflist_plugin).use(attrs_plugin).use(attrs_block_plugin))
    md.validateLink = lambda url: True  # _links decides, so a bad link keeps its text
    md.core.ruler.push("helpdesk_links", _links)
    md.core.ruler.push("helpdesk_align", align_table_cells)
    md.core.ruler.push("helpdesk_headings", _headings)
    md.add_render_rule("fence", _code_block)
    md.add_render_rule("code_block", _code_block)
    return md


_ARTICLE = _article_parser()


def render_article(body):
    """Render a trusted article body to sanitized HTML with a table of contents."""
    env = {}
    tokens = _ARTICLE.parse(body or "", env)
    if exceeds_nesting(tokens, _ARTICLE):
        return Rendered(html=_clean_article(plain_html(body)), toc=[])
    html_out = _ARTICLE.renderer.render(tokens, _ARTICLE.options, env)
    return Rendered(html=_clean_article(html_out), toc=env.get("toc", []))
