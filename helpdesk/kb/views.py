"""Help center pages: home, categories, articles, search, and the suggest API, each in
the reader's language (`locales.choose()`), the default language's articles standing in
for those not translated."""

from pathlib import PurePosixPath
from urllib.parse import urlencode

from babel import Locale
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
from ..locales import choose, for_keystroke
from . import feedback, get_kb, get_shelf
from .files import IMAGE_EXTENSIONS, safe_file, split_locale

bp = Blueprint("kb", __name__)

SUGGEST_MIN_CHARS = 2
SUGGEST_DEFAULT, SUGGEST_MAX = 5, 10


@bp.before_request
def notice_changed_articles():
    get_shelf().check()


def _reader():
    return get_shelf().reader(choose())


def _query_text():
    return request.args.get("q", "", type=str)[:current_app.config["SEARCH_MAX_QUERY_CHARS"]]


@bp.get("/")
def home():
    reader = _reader()
    root = reader.categories.get("")
    return render_template(
        "kb/home.html",
        categories=root.children if root else [],
        top_articles=reader.articles_in(""),
        counts=reader.counts(),
        most_viewed=feedback.most_viewed(reader.articles),
        most_helpful=feedback.most_helpful(reader.articles),
    )


@bp.get("/articles/")
def categories():
    return _category_page("")


@bp.get("/articles/<path:path>")
def article(path):
    shelf = get_shelf()
    locale = choose()
    reader = shelf.reader(locale)
    if path.endswith("/"):
        return _category_page(path.rstrip("/"))
    if PurePosixPath(path).suffix.lower() in IMAGE_EXTENSIONS:
        return _article_image(path)
    if path.endswith(".md"):
        # "passwords.md" and the translation's own file name "passwords.fr.md" alike.
        slug = split_locale(path[:-3], shelf.editions)[0]
        if shelf.knows(slug):
            return redirect(url_for("kb.article", path=slug), 301)
    shown = reader.resolve(path)
    if shown is None and path in reader.categories:
        return redirect(url_for("kb.article", path=path + "/"), 301)
    if shown is not None and shown.moved:
        # This reader's language has the article under another name.
        return redirect(url_for("kb.article", path=shown.info.slug), 302)
    loaded = shelf.load(shown.info) if shown else (
        shelf.default.load(path) if shelf.warming else None)
    if loaded is None:
        abort(404)
    article, rendered = loaded
    events.record(events.VIEWED, slug=article.slug)
    info = shown.info if shown else None
    return render_template(
        "kb/article.html", article=article, rendered=rendered,
        crumbs=reader.breadcrumbs(article.category),
        related=shelf.related(info, locale) if info else [],
        vote=feedback.visitor_vote(article.slug, events.visitor(create=False)),
        article_locale=info.locale if info else shelf.default_locale,
        missing_in=language_name(locale) if shown and shown.fallback else None,
        languages=_other_languages(shelf, info) if info else [],
    )


def language_name(code, in_language=None):
    """A language's name as its readers write it mid-sentence ("français", "English")."""
    return Locale.parse(code).get_display_name(in_language or code) or code


def _other_languages(shelf, info):
    """[(locale, its name, the language switch's URL back to that version)] for the
    other languages the article is written in."""
    return [(code, language_name(code).capitalize(), switch_url(code, url_for("kb.article",
                                                                              path=other.slug)))
            for code, other in shelf.versions(info).items() if code != info.locale]


def switch_url(code, next_path):
    """The language switch (`/language/<code>?next=`), which remembers the choice and
    comes back to `next_path`."""
    return f"{request.script_root}/language/{code}?{urlencode({'next': next_path})}"


@bp.post("/articles/<path:path>")
def vote(path):
    if not get_shelf().knows(path):
        abort(404)
    answer = request.form.get("helpful", "")
    if answer not in ("yes", "no"):
        flash(_("Choose Yes or No to tell us whether the article helped."), "error")
    else:
        feedback.vote(path, events.visitor(), answer == "yes")
        flash(_("Thank you for your feedback."), "success")
    return redirect(url_for("kb.article", path=path, _anchor="feedback"), 303)


def _category_page(slug):
    reader = _reader()
    category = reader.categories.get(slug)
    if category is None:
        abort(404)
    return render_template(
        "kb/category.html", category=category,
        crumbs=reader.breadcrumbs(slug)[:-1] if slug else [],
        articles=reader.articles_in(slug), counts=reader.counts(),
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
    text = _query_text().strip()
    page = request.args.get("page", 1, type=int) or 1
    page = min(max(page, 1), 1000)
    results = None
    if text:
        results = get_shelf().search(text, choose(), page=page,
                                     pagelen=current_app.config["SEARCH_PAGE_SIZE"])
        events.record(events.SEARCH, query=text, result_count=results.total,
                      visitor=events.visitor(create=False))
    return render_template("kb/search.html", q=text, results=results, reader_locale=choose())


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
        found = get_shelf().suggest(text, for_keystroke(), limit=limit)
        # No visitor id: it lives in the browser's session, and reading that would cost a
        # query on every keystroke (nothing counts these events per visitor).
        events.record(events.SUGGEST, query=text.strip(), result_count=len(found))
    return jsonify(query=text, results=[{
        "slug": hit.slug,
        "title": info.title,
        "url": _article_url(hit.slug),
        "snippet": hit.snippet,
        "highlights": hit.highlights,
    } for info, hit in found])
