"""Signed, expiring, single-use tokens for the links we email.

A token is an itsdangerous signature over a small JSON payload with a random id (`jti`).
Each purpose has its own salt, so a sign-in link can never pass as a reset link. Reading a
token (`peek`) changes nothing, so mail scanners that fetch a link do not use it up;
`consume` records the id in `UsedToken` inside the caller's transaction, and the primary
key makes a second use fail even when two clicks race.
"""

import secrets
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import UsedToken, utcnow

SIGN_IN = "sign-in"
VERIFY = "verify"
RESET = "reset"
EMAIL_CHANGE = "email-change"

MAX_AGE_KEYS = {SIGN_IN: "LOGIN_LINK_MAX_AGE", RESET: "PASSWORD_RESET_MAX_AGE",
                VERIFY: "EMAIL_VERIFY_MAX_AGE", EMAIL_CHANGE: "EMAIL_VERIFY_MAX_AGE"}
MAX_TOKEN_CHARS = 1000


def _serializer(purpose):
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"helpdesk.{purpose}")


def max_age(purpose):
    return int(current_app.config[MAX_AGE_KEYS[purpose]])


def make(purpose, **data):
    """A new token for `purpose` carrying `data` (small JSON values) and a fresh id."""
    return _serializer(purpose).dumps(dict(data, jti=secrets.token_urlsafe(16)))


def _load(purpose, token):
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS:
        return None
    try:
        data = _serializer(purpose).loads(token, max_age=max_age(purpose))
    except BadSignature:  # also SignatureExpired
        return None
    if not isinstance(data, dict) or not isinstance(data.get("jti"), str):
        return None
    return data


def peek(purpose, token):
    """The payload of a valid, unexpired, unused token, or None. Changes nothing."""
    data = _load(purpose, token)
    if data is None or db.session.get(UsedToken, data["jti"]) is not None:
        return None
    return data


def consume(purpose, token):
    """Like `peek`, and marks the token used in the current transaction (flushed now).

    Returns None for a bad, expired or already used token; the caller commits.
    """
    data = peek(purpose, token)
    if data is None:
        return None
    now = utcnow()
    # Rows of links that have expired anyway are of no use: drop them as we go.
    db.session.execute(delete(UsedToken).where(UsedToken.expires_at < now))
    db.session.add(UsedToken(jti=data["jti"], purpose=purpose, used_at=now,
                             expires_at=now + timedelta(seconds=max_age(purpose))))
    try:
        db.session.flush()
    except IntegrityError:  # used a moment ago by a concurrent request
        db.session.rollback()
        return None
    return data
