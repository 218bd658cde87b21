"""The help center through the API: search, suggestions while typing, one article."""

from flask import url_for

from .. import events
from ..kb import get_shelf
from ..locales import choose
from . import schemas
from .blueprint import BEARER, ApiError, any_token, bp

MIN_CHARS = 2


def _hit(info, hit):
    return {"slug": hit.slug, "title": info.title,
            "url": url_for("kb.article", path=hit.slug), "snippet": hit.snippet,
            "highlights": [list(span) for span in hit.highlights]}


@bp.get("/articles/search")
@any_token
@bp.arguments(schemas.SearchArgs, location="query")
@bp.response(200, schemas.Hits)
@bp.doc(security=BEARER)
def search_articles(args):
    """Articles matching a query, best first."""
    text = args["q"].strip()
    found = []
    if len(text) >= MIN_CHARS:
        # In the language the client asks for (Accept-Language), else the default one.
        results = get_shelf().search(text, choose(), page=1, pagelen=args["limit"])
        found = results.hits
        events.record(events.SEARCH, query=text, result_count=results.total)
    return {"query": args["q"], "results": [_hit(info, h) for info, h in found]}


@bp.get("/articles/suggest")
@any_token
@bp.arguments(schemas.SearchArgs, location="query")
@bp.response(200, schemas.Hits)
@bp.doc(security=BEARER)
def suggest_articles(args):
    """Answers while the person types (the last word may be half typed)."""
    text = args["q"]
    found = []
    if len(text.strip()) >= MIN_CHARS:
        found = get_shelf().suggest(text, choose(), limit=args["limit"])
        events.record(events.SUGGEST, query=text.strip(), result_count=len(found))
    return {"query": text, "results": [_hit(info, h) for info, h in found]}


@bp.get("/articles/<path:slug>")
@any_token
@bp.response(200, schemas.Article)
@bp.doc(security=BEARER)
def read_article(slug):
    """One published article, rendered to HTML (the same HTML as its page)."""
    shelf = get_shelf()
    shown = shelf.resolve(slug, choose()) if len(slug) <= 255 else None
    loaded = shelf.load(shown.info) if shown else None
    if loaded is None:
        raise ApiError(404, "not_found", "No such article.")
    article, rendered = loaded
    slug = article.slug
    events.record(events.VIEWED, slug=slug)
    return {"slug": slug, "title": article.title, "url": url_for("kb.article", path=slug),
            "summary": article.summary or "", "html": rendered.html}
