"""What sits between the web server and the views: the proxy's headers and the request id.

Behind a reverse proxy the client's address, the scheme (https) and the host arrive in
X-Forwarded-* headers. They are trusted only when PROXY_FIX_X_FOR / _X_PROTO / _X_HOST /
_X_PORT / _X_PREFIX say how many proxies set them (0 = off, the default: a visitor could
send them too). With X-Forwarded-For trusted, rate limits count real clients instead of
the proxy's one address; with X-Forwarded-Proto, cookies are marked Secure.

Every request gets an id: a sane X-Request-ID from the proxy is kept (so the proxy's log,
the app's log and the response line up), anything else is replaced by a fresh one. It is
echoed in the response and added to every log record written while the request runs.
"""

import re
import uuid

from flask import g, has_request_context, request
from werkzeug.middleware.proxy_fix import ProxyFix

HEADER = "X-Request-ID"
_SANE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:+=/-]{0,127}")
PROXY_KEYS = ("x_for", "x_proto", "x_host", "x_port", "x_prefix")


def init_app(app):
    hops = {key: int(app.config.get(f"PROXY_FIX_{key.upper()}") or 0) for key in PROXY_KEYS}
    if any(hops.values()):
        app.wsgi_app = ProxyFix(app.wsgi_app, **hops)

    @app.before_request
    def assign_request_id():
        given = request.headers.get(HEADER, "")
        g.request_id = given if _SANE.fullmatch(given) else uuid.uuid4().hex

    @app.after_request
    def echo_request_id(response):
        response.headers[HEADER] = current_request_id()
        return response


def current_request_id():
    """The id of the request being served, or "-" outside one (threads, the CLI)."""
    if not has_request_context():
        return "-"
    found = g.get("request_id")
    if found is None:  # before_request has not run (an error while routing, say)
        found = g.request_id = uuid.uuid4().hex
    return found
