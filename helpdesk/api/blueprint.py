"""The API's blueprint, its JSON errors, token checks and per-token limits.

Every answer of the API is JSON; every error is `{"error": {"code", "message", "fields"}}`
with its HTTP status. A call proves who it is by `Authorization: Bearer <token>` only:
session cookies are never read here, so a page on another site cannot use a signed-in
browser, and the blueprint needs no CSRF token.
"""

import base64
import binascii
import hashlib
import math
import time
from functools import wraps

from flask import current_app, g, request
from flask_limiter.util import get_remote_address
from flask_smorest import Blueprint
from werkzeug.exceptions import HTTPException

from .. import access
from ..auth import api_tokens
from ..extensions import limiter
from ..jsonerrors import CODES, error_response

bp = Blueprint("api", __name__, url_prefix="/api/v1",
               description="The JSON API for the mobile app and integrations.")

BEARER = [{"token": []}]


class ApiError(Exception):
    """An error answer: status, a stable code, a message for people, and per-field messages."""

    def __init__(self, status, code, message, fields=None):
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields or {}


@bp.after_request
def _private(response):
    # Answers carry a person's requests or a new token: never kept by any cache.
    response.headers.setdefault("Cache-Control", "no-store")
    return response


@bp.errorhandler(ApiError)
def _api_error(error):
    headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else None
    return error_response(error.status, error.code, error.message, error.fields, headers)


@bp.errorhandler(HTTPException)
def _http_error(error):
    status = error.code or 500
    fields = {}
    data = getattr(error, "data", None) or {}
    messages = data.get("messages") if isinstance(data, dict) else None
    if isinstance(messages, dict):  # webargs: {location: {field: [messages]}}
        for found in messages.values():
            if isinstance(found, dict):
                fields.update({str(k): _flat(v) for k, v in found.items()})
    headers = {}
    if status == 429:
        headers["Retry-After"] = str(_retry_after())
    if status == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    message = error.description if status != 422 else "Some values are not valid."
    return error_response(status, CODES.get(status, "error"), message, fields, headers)


def _flat(value):
    if isinstance(value, dict):
        return [f"{k}: {m}" for k, v in value.items() for m in _flat(v)]
    return [str(m) for m in value] if isinstance(value, (list, tuple)) else [str(value)]


def _retry_after():
    found = limiter.current_limit
    if found is None:
        return 60
    return max(math.ceil(found.reset_at - time.time()), 1)


# --- tokens -----------------------------------------------------------------------------------

def _bearer():
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def token_key():
    """Limits count per token (a digest of it, no database look-up), else per address."""
    secret = _bearer()
    if secret:
        return "api-token:" + hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()[:32]
    return "api-ip:" + get_remote_address()


def _api_limit():
    return current_app.config["API_RATE_LIMIT"]


limiter.limit(_api_limit, key_func=token_key)(bp)


def live_token():
    """The call's live token (sets g.api_token and g.api_user), else a 401."""
    token = api_tokens.authenticate(_bearer())
    if token is None:
        raise ApiError(401, "unauthorized", "Send a valid token: Authorization: Bearer <token>.")
    g.api_token, g.api_user = token, token.user
    return token


def needs_token(scope, write=False):
    """The view runs only for a live token of `scope` ("requester" or "agent"); a write
    needs a token with write access."""
    def decorate(view):
        @wraps(view)
        def checked(*args, **kwargs):
            token = live_token()
            if token.scope != scope:
                raise ApiError(403, "wrong_scope", f"This call needs a {scope} token.")
            if scope == "agent" and not access.is_staff(token.user):
                raise ApiError(403, "forbidden", "This account is not an agent.")
            if write and token.access != "write":
                raise ApiError(403, "read_only", "This token may only read.")
            return view(*args, **kwargs)
        return checked
    return decorate


def any_token(view):
    """Any live token, of either scope (articles, files, the caller's own account)."""
    @wraps(view)
    def checked(*args, **kwargs):
        live_token()
        return view(*args, **kwargs)
    return checked


# --- cursors ----------------------------------------------------------------------------------

def encode_cursor(page):
    return base64.urlsafe_b64encode(f"p{page}".encode()).decode().rstrip("=")


def decode_cursor(cursor):
    """The page a cursor points at (1 without one); a cursor we did not make is a 400."""
    if not cursor:
        return 1
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raw = ""
    if not (raw.startswith("p") and raw[1:].isdigit() and len(raw) <= 7 and int(raw[1:]) >= 1):
        raise ApiError(400, "bad_cursor", "This cursor is not one the API gave.",
                       {"cursor": ["Use next_cursor from the previous page."]})
    return int(raw[1:])
