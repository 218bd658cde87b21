"""Markdown to safe HTML.

`render_article` is for the help center's own files (trusted authors, raw HTML allowed and
then sanitized); `render_user_text` is for what requesters and agents type (raw HTML shown
as text, links limited). Both pass through nh3, so a slip in one rule never becomes a
script on the page.
"""

import threading
from dataclasses import dataclass
from functools import partial
from urllib.parse import urlsplit

import markdown
import nh3
from markdown.extensions import Extension
from markdown.extensions.toc import slugify_unicode
from markdown.treeprocessors import Treeprocessor

from .files import CATEGORY_FILES

URL_SCHEMES = {"http", "https", "mailto"}

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
    url_schemes=URL_SCHEMES,
    link_rel="noopener noreferrer",
)

_USER_TAGS = {
    "a", "p", "br", "strong", "em", "b", "i", "code", "pre", "blockquote", "ul", "ol", "li",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td", "del",
}
_clean_user = partial(
    nh3.clean,
    tags=_USER_TAGS,
    attributes={"a": {"href", "title"}, "th": {"align"}, "td": {"align"}},
    url_schemes=URL_SCHEMES,
    link_rel="nofollow noopener noreferrer",
)


@dataclass
class Rendered:
    html: str
    toc: list  # [(level, anchor id, title)] for headings of level 2 and 3


class _ArticleLinks(Treeprocessor):
    """Point relative links to `.md` files at their article (or category) URLs.

    Pages live at `/articles/<slug>` with no trailing slash, so a link relative to the
    file's folder resolves the same way in the browser once `.md` is dropped.
    """

    def run(self, root):
        for element in root.iter("a"):
            href = element.get("href")
            if href:
                element.set("href", article_href(href))
        for element in root.iter("img"):
            element.set("loading", "lazy")


def article_href(href):
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


class _ArticleExtension(Extension):
    def extendMarkdown(self, md):
        md.treeprocessors.register(_ArticleLinks(md), "helpdesk_article_links", 1)


class _EscapeHtml(Extension):
    """Treat raw HTML typed by users as text (Python-Markdown no longer has safe_mode)."""

    def extendMarkdown(self, md):
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")


_local = threading.local()


def _article_md():
    md = getattr(_local, "article", None)
    if md is None:
        md = _local.article = markdown.Markdown(
            extensions=[
                "tables", "fenced_code", "codehilite", "toc", "admonition", "attr_list",
                "def_list", "sane_lists", "md_in_html", _ArticleExtension(),
            ],
            extension_configs={
                # `align=` survives sanitizing; the default `style=` would be stripped
                # and a right-aligned column of numbers would lose its alignment.
                "tables": {"use_align_attribute": True},
                "codehilite": {"guess_lang": False, "css_class": "highlight"},
                "toc": {"slugify": slugify_unicode, "permalink": "#",
                        "permalink_title": "Link to this section", "toc_depth": "2-3"},
            },
            output_format="html",
        )
    return md.reset()


def _user_md():
    md = getattr(_local, "user", None)
    if md is None:
        md = _local.user = markdown.Markdown(
            extensions=["fenced_code", "tables", "sane_lists", "nl2br", _EscapeHtml()],
            extension_configs={"tables": {"use_align_attribute": True}},
            output_format="html",
        )
    return md.reset()


def _flatten(tokens):
    for token in tokens:
        yield token["level"], token["id"], token["name"]
        yield from _flatten(token["children"])


def render_article(body):
    """Render a trusted article body to sanitized HTML with a table of contents."""
    md = _article_md()
    html = md.convert(body)
    toc = [(level, anchor, _strip_tags(name)) for level, anchor, name in _flatten(md.toc_tokens)]
    return Rendered(html=_clean_article(html), toc=toc)


def render_user_text(text):
    """Render untrusted Markdown: raw HTML escaped, http/https/mailto links only."""
    return _clean_user(_user_md().convert(text or ""))


def _strip_tags(html):
    return nh3.clean(html, tags=set()).replace("&amp;", "&").replace("&lt;", "<").replace(
        "&gt;", ">").replace("&quot;", '"').replace("&#39;", "'")
