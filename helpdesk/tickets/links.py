"""Signed links that show one request without a password, for a limited time."""

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

SALT = "helpdesk.request-view"


def _serializer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def view_token(ticket):
    # The email is part of the signed value: a request moved to another address (or a
    # reused id after a delete) does not open with an old link.
    return _serializer().dumps({"t": ticket.id, "e": ticket.requester_email})


def token_opens(ticket, token):
    """True when `token` is a valid, unexpired link for this very request."""
    if not token or len(token) > 500:
        return False
    max_age = current_app.config["REQUEST_LINK_MAX_AGE_DAYS"] * 86400
    try:
        data = _serializer().loads(token, max_age=max_age)
    except BadSignature:  # includes SignatureExpired
        return False
    return (isinstance(data, dict) and data.get("t") == ticket.id
            and data.get("e") == ticket.requester_email)
