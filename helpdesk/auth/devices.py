"""Device cookies: a browser where someone signed in before is known for that account.

After a successful sign-in the browser gets a signed, long-lived cookie with a random
device id and the accounts that signed in on it (at most a few, as keyed digests, so the
cookie does not spell out anyone's address). Password failures
from such a browser are counted for that device alone (throttle.py), so an attacker
guessing from elsewhere cannot lock the owner's own browsers out.
"""

import hashlib
import hmac
import secrets

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeSerializer

COOKIE = "helpdesk_device"
MAX_ACCOUNTS = 5
MAX_COOKIE_CHARS = 2000
LIFETIME = 365 * 24 * 3600


def _serializer():
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="helpdesk.device")


def _read():
    raw = request.cookies.get(COOKIE, "")
    if not raw or len(raw) > MAX_COOKIE_CHARS:
        return None
    try:
        data = _serializer().loads(raw)
    except BadSignature:
        return None
    if (not isinstance(data, dict) or not isinstance(data.get("n"), str)
            or not isinstance(data.get("e"), list)):
        return None
    return data


def _account(email):
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"device|{email}".encode(), hashlib.sha256).hexdigest()[:24]


def known_for(email):
    """This browser's device id when `email` signed in on it before, else None."""
    data = _read()
    return data["n"] if data is not None and _account(email) in data["e"] else None


def remember(response, email):
    """Mark this browser as one where `email` signed in."""
    data = _read() or {"n": secrets.token_urlsafe(16), "e": []}
    account = _account(email)
    kept = [e for e in data["e"] if isinstance(e, str) and e != account][-(MAX_ACCOUNTS - 1):]
    data["e"] = kept + [account]
    response.set_cookie(COOKIE, _serializer().dumps(data), max_age=LIFETIME, httponly=True,
                        secure=bool(current_app.config["SESSION_COOKIE_SECURE"]
                                    or request.is_secure),
                        samesite="Lax")
    return response
