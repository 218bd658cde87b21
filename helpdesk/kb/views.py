"""Help center pages: home, categories, articles, search, and the suggest API."""

from pathlib import PurePosixPath

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _

from .. import events
from . import feedback, get_kb
from .files import IMAGE_EXTENSIONS, safe_file

bp = Blueprint("kb", __name__)

SUGGEST_MIN_CHARS = 2
SUGGEST_DEFAULT, SUGGEST_MAX = 5, 10


@bp.before_request
def notice_changed_articles():
    get_kb().check()


def _query_text():
    return request.args.get("q", "", type=str)[:current_app.config["SEARCH_MAX_QUERY_CHARS"]]


@bp.get("/")
def home():
    kb = get_kb()
    root = kb.categories.get("")
    return render_template(
        "kb/home.html",
        categories=root.children if root else [],
        top_articles=kb.articles_in(""),
        counts={slug: kb.count_in(slug) for slug in kb.categories},
        most_viewed=feedback.most_viewed(kb.articles),
        most_helpful=feedback.most_helpful(kb.articles),
    )


@bp.get("/articles/")
def categories():
    return _category_page("")


@bp.get("/articles/<path:path>")
def article(path):
    kb = get_kb()
    if path.endswith("/"):
        return _category_page(path.rstrip("/"))
    if PurePosixPath(path).suffix.lower() in IMAGE_EXTENSIONS:
        return _article_image(path)
    if path.endswith(".md") and path[:-3] in kb.articles:
        return redirect(url_for("kb.article", path=path[:-3]), 301)
    if path not in kb.articles and path in kb.categories:
        return redirect(url_for("kb.article", path=path + "/"), 301)
    loaded = kb.load(path)
    if loaded is None:
        abort(404)
    article, rendered = loaded
    events.record(events.VIEWED, slug=path)
    related = kb.related(path)
    return render_template(
        "kb/article.html", article=article, rendered=rendered,
        crumbs=kb.breadcrumbs(article.category), related=related,
        vote=feedback.visitor_vote(path, events.visitor(create=False)),
    )


@bp.post("/articles/<path:path>")
def vote(path):
    kb = get_kb()
    if path not in kb.articles:
        abort(404)
    answer = request.form.get("helpful", "")
    if answer not in ("yes", "no"):
        flash(_("Choose Yes or No to tell us whether the article helped."), "error")
    else:
        feedback.vote(path, events.visitor(), answer == "yes")
        flash(_("Thank you for your feedback."), "success")
    return redirect(url_for("kb.article", path=path, _anchor="feedback"), 303)


def _category_page(slug):
    kb = get_kb()
    category = kb.categories.get(slug)
    if category is None:
        abort(404)
    return render_template(
        "kb/category.html", category=category, crumbs=kb.breadcrumbs(slug)[:-1] if slug else [],
        articles=kb.articles_in(slug), counts={s: kb.count_in(s) for s in kb.categories},
    )


def _article_image(path):
    found = safe_file(get_kb().articles_dir, path)
    if found is None:
        abort(404)
    response = send_file(found, max_age=3600, conditional=True)
    # Images come from the help center's authors, but an SVG can carry script: sandbox it.
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; sandbox")
    return response


@bp.get("/search")
def search():
    kb = get_kb()
    text = _query_text().strip()
    page = request.args.get("page", 1, type=int) or 1
    page = min(max(page, 1), 1000)
    results = None
    if text:
        results = kb.search(text, page=page, pagelen=current_app.config["SEARCH_PAGE_SIZE"])
        results.hits = [(kb.articles[h.slug], h) for h in results.hits if h.slug in kb.articles]
        events.record(events.SEARCH, query=text, result_count=results.total,
                      visitor=events.visitor(create=False))
    return render_template("kb/search.html", q=text, results=results)


def _article_url(slug):
    """url_for per result, memoised: the suggest answer lists the same articles often."""
    cache = current_app.extensions.setdefault("helpdesk.article_urls", {})
    key = (request.script_root, slug)
    if key not in cache:
        if len(cache) > 50_000:
            cache.clear()
        cache[key] = url_for("kb.article", path=slug)
    return cache[key]


@bp.get("/api/suggest")
def suggest():
    kb = get_kb()
    raw_limit = request.args.get("limit")
    limit = SUGGEST_DEFAULT
    if raw_limit is not None:
        try:
            limit = int(raw_limit)
        except ValueError:
            return jsonify(error="limit must be a whole number between 1 and 10"), 400
        limit = min(max(limit, 1), SUGGEST_MAX)
    text = _query_text()
    found = []
    if len(text.strip()) >= SUGGEST_MIN_CHARS:
        found = kb.suggest(text, limit=limit)
        # No visitor id: it lives in the browser's session, and reading that would cost a
        # query on every keystroke (nothing counts these events per visitor).
        events.record(events.SUGGEST, query=text.strip(), result_count=len(found))
    return jsonify(query=text, results=[{
        "slug": hit.slug,
        "title": kb.articles[hit.slug].title,
        "url": _article_url(hit.slug),
        "snippet": hit.snippet,
        "highlights": hit.highlights,
    } for hit in found])
