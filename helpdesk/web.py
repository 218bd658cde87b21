"""What every page shares: security headers, cookies, error pages and template helpers."""

import logging
from datetime import datetime, timezone
from pathlib import Path

from flask import g, has_request_context, jsonify, make_response, render_template, request, session
from flask_babel import force_locale, format_decimal, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from jinja2 import FileSystemBytecodeCache
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from . import redisconf, script_texts
from .auth.redis_store import RedisStore
from .auth.session_store import DatabaseStore, ServerSessionInterface, is_personal
from .extensions import db
from .jsonerrors import CODES, error_response
from .kb import segments
from .settings import make_private_dir
from .text import byte_size
from .zones import when, zone

log = logging.getLogger(__name__)

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}



TEMPLATE_CACHE = "cache/templates"  # under the instance folder


def init_app(app):
    shared = redisconf.client(app)
    store = (RedisStore(shared, app.config["REDIS_KEY_PREFIX"]) if shared is not None
             else DatabaseStore())
    app.session_interface = ServerSessionInterface(store, unsaved=unsaved_session_page)
    # Compiled templates kept on disk: every worker, and every worker that replaces one,
    # loads them instead of compiling each page's templates again (half a second of CPU
    # per worker). Jinja checks each entry against its template's source.
    cache = Path(app.instance_path) / TEMPLATE_CACHE
    make_private_dir(cache)
    app.jinja_env.bytecode_cache = FileSystemBytecodeCache(str(cache))
    app.jinja_env.globals["site_name"] = lambda: app.config["SITE_NAME"]
    app.jinja_env.globals["page_lang"] = page_lang
    app.jinja_env.globals["script_texts"] = script_texts.for_page
    app.jinja_env.filters["segments"] = lambda hit: segments(hit.snippet, hit.highlights)
    app.jinja_env.filters["isodate"] = lambda ts: _date(ts).isoformat()
    app.jinja_env.filters["humandate"] = lambda ts: when(
        datetime.fromtimestamp(ts or 0, tz=timezone.utc), timezone.utc, "date", page_locale())
    app.jinja_env.filters["local_time"] = lambda moment, style="long": local_clock(style)(moment)
    app.jinja_env.filters["number"] = format_decimal
    app.jinja_env.filters["file_size"] = file_size

    @app.after_request
    def security_headers(response):
        headers = response.headers
        for name, value in SECURITY_HEADERS.items():
            if name not in headers:
                headers[name] = value
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response

    @app.after_request
    def private_pages(response):
        # A page for someone signed in, or for a browser holding a request's link, may
        # show their own data: never kept in shared caches or the browser's history.
        if is_personal(session):
            response.headers.setdefault("Cache-Control", "private, no-store")
        return response

    @app.after_request
    def language_varies(response):
        # A response written in the reader's language differs by their browser's language
        # and their switch cookie: a cache must not give one reader's French to another.
        if "locale" in g:
            response.vary.add("Accept-Language")
            response.vary.add("Cookie")
        return response

    icon = (Path(app.static_folder) / "favicon.ico").read_bytes()

    @app.get("/favicon.ico")
    def favicon():
        # Browsers ask for this path before reading any page; pages also link the SVG.
        # Served from memory: a browser that drops the request half-way (it often does
        # when the page moves on) leaves no open file behind.
        response = make_response(icon)
        response.mimetype = "image/vnd.microsoft.icon"
        response.cache_control.public = True
        response.cache_control.max_age = 86400
        return response

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _error_page(
            400, _l("This form has expired. Go back, reload the page and try again."))

    @app.errorhandler(413)
    def too_large(error):
        return _error_page(413, too_large_message(app.config))

    @app.errorhandler(HTTPException)
    def http_error(error):
        if error.response is not None:  # a page made for this refusal (keeps a draft)
            return error.response
        return _error_page(error.code, RATE_LIMITED if error.code == 429 else error.description)

    @app.errorhandler(500)
    def server_error(error):
        return _error_page(500, None)

    @app.errorhandler(OperationalError)
    @app.errorhandler(PoolTimeout)
    def database_unavailable(error):
        return database_unavailable_page(error)

    for error in redisconf.ERRORS:
        app.register_error_handler(error, busy_page)


def too_large_message(config):
    """Why an upload was refused before it reached the form, and what to do next."""
    length = request.content_length
    if length is not None and length <= config["MAX_CONTENT_LENGTH"]:
        return text_too_large_message(config)
    return _("What you sent is too large: this site accepts up to %(total)s in one go (at most"
             " %(count)s files of %(size)s each). Go back with your browser's Back button,"
             " remove or shrink the largest files (a screenshot of part of the screen, or a"
             " zipped log), and send again. Nothing was saved yet.",
             total=byte_size(config["MAX_CONTENT_LENGTH"]), count=config["ATTACHMENT_MAX_COUNT"],
             size=byte_size(config["ATTACHMENT_MAX_BYTES"]))


def text_too_large_message(config):
    """A body under the upload limit was refused: a text field, or the form, was too big."""
    return _("What you sent has more text than this site accepts: each field takes up to"
             " %(size)s (and a form at most %(parts)s fields and files). Go back with your"
             " browser's Back button, shorten the longest text (attach a long log as a file"
             " instead), and send again. Nothing was saved yet.",
             size=byte_size(config["MAX_FORM_MEMORY_SIZE"]), parts=config["MAX_FORM_PARTS"])


def wants_json():
    """A page's script asked for JSON (a preview in place, so chosen files stay chosen)."""
    return request.accept_mimetypes.best == "application/json"


# Set by the page's script from the browser's own zone (helpdesk.js); read, never trusted.
ZONE_COOKIE = "tz"


def reader_zone():
    """The zone the browser reported, if the tz database knows it; else UTC."""
    if not has_request_context():
        return zone(None)
    if "reader_zone" not in g:
        g.reader_zone = zone(request.cookies.get(ZONE_COOKIE, ""))
    return g.reader_zone


def local_clock(style="long"):
    """A function writing a moment in the reader's zone and this page's language ("3
    December 2026, 06:36 CET"): the zone and language are looked up once, for a page that
    writes many moments."""
    zone, code = reader_zone(), page_locale()
    return lambda moment: when(moment, zone, style, code)


def page_locale():
    """The language this page (or the mail being written) is in, as "fr"."""
    return str(get_locale() or "en")


def file_size(size):
    """ "1.5 KiB" in English, "1,5 Kio" in French: a stored file's size for people."""
    size = size or 0
    if size < 1024:
        return _("%(num)s bytes", num=format_decimal(size))
    for unit in ("KiB", "MiB", "GiB"):
        size /= 1024
        if size < 1024 or unit == "GiB":
            break
    number = format_decimal(round(size, 1))
    return {"KiB": _("%(num)s KiB", num=number), "MiB": _("%(num)s MiB", num=number),
            "GiB": _("%(num)s GiB", num=number)}[unit]


def _date(timestamp):
    return datetime.fromtimestamp(timestamp or 0, tz=timezone.utc).date()


def page_lang():
    """The `lang` attribute of a page or mail: "fr", "en" (a BCP 47 tag)."""
    return str(get_locale() or "en").replace("_", "-")


def english(text):
    """A lazy text in English: the JSON API speaks to developers, in one language."""
    with force_locale("en"):
        return str(text)


TITLES = {
    400: _l("Bad request"), 403: _l("Not allowed"), 404: _l("Page not found"),
    405: _l("Not allowed"), 413: _l("Too large"), 429: _l("Too many requests"),
    500: _l("Something went wrong"), 503: _l("Temporarily unavailable"),
}


# Past a rate limit that has no page of its own (a form kept with what was typed).
RATE_LIMITED = _l("Too many attempts in a short time. Please wait a few minutes and try again.")

UNAVAILABLE = _l("The help desk cannot reach its database right now, so nothing was saved."
                 " Please try again in a minute; if you were sending a request, go back and"
                 " send it again (your browser keeps what you typed).")
RETRY_AFTER = "30"


def database_unavailable_page(error):
    """503 while the database is down, locked or overloaded: say so, keep nothing half-done.

    The service layer has already rolled back its transaction and removed stored files.
    The page is rendered without touching the database; if even that fails (a template
    that asks it something), a plain page is returned.
    """
    detail = getattr(error, "orig", None) or error
    log.error("database unavailable: %s", " ".join(str(detail).split())[:300])
    try:
        db.session.rollback()
    except Exception:  # the connection itself may be gone; the pool replaces it
        pass
    try:
        response = make_response(_error_page(503, UNAVAILABLE))
    except Exception:
        response = make_response(
            f"<!doctype html><title>Temporarily unavailable</title><h1>Temporarily"
            f" unavailable</h1><p>{english(UNAVAILABLE)}</p>", 503)
    response.headers["Retry-After"] = RETRY_AFTER
    return response


BUSY_TITLE = _l("Service busy, try again")
BUSY = _l("The help desk could not reach the service that keeps sign-ins and limits, so this"
          " page could not be answered and nothing was saved. Please try again in a moment;"
          " if you were sending a form, go back and send it again (your browser keeps what"
          " you typed).")
BUSY_RETRY_AFTER = "10"


def busy_page(error):
    """503 while Redis (sessions, limits with REDIS_FAILURE = "closed") cannot be reached.

    Raised before anything was saved: the session is read and limits are checked before a
    view changes anything, and a service that ends sessions has not committed yet. The
    page itself finds the session empty (session_store.ServerSession marks it unreadable)
    and touches nothing shared.
    """
    log.error("redis unavailable: %s", " ".join(str(error).split())[:300])
    try:
        db.session.rollback()
    except Exception:  # the database may be down as well; its pool recovers
        pass
    if request.path.startswith("/api/"):
        response = make_response(jsonify(error=english(BUSY_TITLE)), 503)
    else:
        response = make_response(render_template(
            "errors/error.html", code=503, title=BUSY_TITLE, description=BUSY), 503)
    response.headers["Retry-After"] = BUSY_RETRY_AFTER
    return response


def unsaved_session_page(response, error):
    """Turn an answer whose new session could not be stored into the "try again" page.

    Changed in place: Flask has built the response already when the session is saved.
    The security headers stay; a redirect or a download does not.
    """
    made = (busy_page(error) if isinstance(error, redisconf.ERRORS)
            else database_unavailable_page(error))
    response.status_code = made.status_code
    response.set_data(made.get_data())
    for name in ("Location", "Content-Disposition", "Cache-Control"):
        response.headers.pop(name, None)
    response.headers["Content-Type"] = made.headers["Content-Type"]
    response.headers["Retry-After"] = made.headers["Retry-After"]


def _error_page(code, description):
    # Errors the API's own handlers never see (no route matched, the app refused first)
    # still answer in its shape.
    if request.path.startswith("/api/v1/"):
        return error_response(code, CODES.get(code, "error"),
                              english(description or TITLES.get(code, "error")))
    if request.path.startswith("/api/"):
        return jsonify(error=english(description or TITLES.get(code, "error"))), code
    template = "errors/404.html" if code == 404 else "errors/error.html"
    return render_template(template, code=code, title=TITLES.get(code) or _("Error"),
                           description=description), code
