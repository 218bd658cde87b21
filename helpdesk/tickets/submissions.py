"""The request form's one-time token, bound to the browser that opened the form.

The token names one filing: sending the form again (a refresh, a double click) finds the
request it made instead of filing twice. It is `<nonce>.<mac>`, the MAC taken over this
browser's session, so only that browser can use it: a token copied from someone else's
form is refused, and it never opens their request. The confirmation page after Send is
shown to the browser whose token made the request, and to no one else.
"""

import base64
import hashlib
import hmac
import secrets

from flask import current_app, session

MAX_CHARS = 64  # the column's size; longer values are not tokens of ours


def _mac(binding, nonce):
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"submission|{binding}|{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:16]).decode().rstrip("=")


def new_token():
    nonce = secrets.token_urlsafe(16)
    return f"{nonce}.{_mac(session.binding(), nonce)}"


def made_here(token):
    """True when `token` was issued to this browser's session."""
    if not isinstance(token, str) or len(token) > MAX_CHARS or token.count(".") != 1:
        return False
    if not session:  # a browser without a session was issued nothing
        return False
    nonce, mac = token.split(".")
    return hmac.compare_digest(_mac(session.binding(), nonce), mac)
