"""The help center through the API: search, suggestions while typing, one article."""

from flask import url_for

from .. import events
from ..kb import get_kb
from . import schemas
from .blueprint import BEARER, ApiError, any_token, bp

MIN_CHARS = 2


def _hit(kb, hit):
    return {"slug": hit.slug, "title": kb.articles[hit.slug].title,
            "url": url_for("kb.article", path=hit.slug), "snippet": hit.snippet,
            "highlights": [list(span) for span in hit.highlights]}


@bp.get("/articles/search")
@any_token
@bp.arguments(schemas.SearchArgs, location="query")
@bp.response(200, schemas.Hits)
@bp.doc(security=BEARER)
def search_articles(args):
    """Articles matching a query, best first."""
    kb, text = get_kb(), args["q"].strip()
    found = []
    if len(text) >= MIN_CHARS:
        results = kb.search(text, page=1, pagelen=args["limit"])
        found = [h for h in results.hits if h.slug in kb.articles]
        events.record(events.SEARCH, query=text, result_count=results.total)
    return {"query": args["q"], "results": [_hit(kb, h) for h in found]}


@bp.get("/articles/suggest")
@any_token
@bp.arguments(schemas.SearchArgs, location="query")
@bp.response(200, schemas.Hits)
@bp.doc(security=BEARER)
def suggest_articles(args):
    """Answers while the person types (the last word may be half typed)."""
    kb, text = get_kb(), args["q"]
    found = []
    if len(text.strip()) >= MIN_CHARS:
        found = [h for h in kb.suggest(text, limit=args["limit"]) if h.slug in kb.articles]
        events.record(events.SUGGEST, query=text.strip(), result_count=len(found))
    return {"query": text, "results": [_hit(kb, h) for h in found]}


@bp.get("/articles/<path:slug>")
@any_token
@bp.response(200, schemas.Article)
@bp.doc(security=BEARER)
def read_article(slug):
    """One published article, rendered to HTML (the same HTML as its page)."""
    loaded = get_kb().load(slug) if len(slug) <= 255 else None
    if loaded is None:
        raise ApiError(404, "not_found", "No such article.")
    article, rendered = loaded
    events.record(events.VIEWED, slug=slug)
    return {"slug": slug, "title": article.title, "url": url_for("kb.article", path=slug),
            "summary": article.summary or "", "html": rendered.html}
