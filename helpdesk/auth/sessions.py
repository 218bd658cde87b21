"""Signing in and out of this browser, and where to go afterwards.

Sessions live on the server (session_store.py). Signing in starts a new one under a new
key: everything stored before is dropped (a value an attacker planted before sign-in, the
CSRF token, links opened before) and the old session is deleted. Signing out deletes the
session, so a copy of the cookie opens nothing afterwards. "Keep me signed in" makes the
session and its cookie last REMEMBER_COOKIE_DURATION instead of ending with the browser.
The user id stored in the session carries the account's session version
(models.User.get_id), so a password reset or "sign out everywhere" ends every other
session as well.
"""

import time
from urllib.parse import unquote, urlsplit

from flask import current_app, session
from flask_login import login_user, logout_user

from .. import access
from .session_store import REMEMBER

AUTH_AT = "auth_at"  # when this session signed in (epoch seconds), for re-authentication
AUTH_METHOD = "auth_method"  # "link" or "password"
DEFAULT_NEXT = "/requests"
DESK_NEXT = "/agent/"
MAX_NEXT_CHARS = 500


def start(user, remember=False, method="link"):
    """Sign `user` in on a brand-new session; False when the account may not sign in."""
    if not user.is_active:
        return False
    session.regenerate()
    login_user(user, fresh=True)
    if remember:
        session[REMEMBER] = True
    session[AUTH_AT] = int(time.time())
    session[AUTH_METHOD] = method
    return True


def end():
    """Sign out here: this session is deleted on the server; a new, empty one follows."""
    logout_user()
    session.regenerate()


def recently_signed_in():
    """True when this session signed in moments ago (not restored from a remember cookie)."""
    if session.get("_fresh") is not True:
        return False
    signed_in_at = session.get(AUTH_AT)
    return (isinstance(signed_in_at, int)
            and time.time() - signed_in_at <= current_app.config["REAUTH_MAX_AGE"])


def landing(user, next_path=None):
    """Where a sign-in ends: a safe `next` when one was asked for, else the desk for agents
    and admins (their work is there, not in "My requests") and "My requests" for others."""
    if next_path:
        return next_path
    return DESK_NEXT if access.is_staff(user) else DEFAULT_NEXT


def safe_next(target, default=DEFAULT_NEXT):
    """`target` when it is a path on this site, else `default`.

    Refused: other hosts (`https://evil`, `//evil`), backslashes that browsers read as
    slashes (`/\\evil`), control characters and spaces that browsers strip (`/\\t/evil`),
    and the same tricks percent-encoded once or twice.
    """
    if not isinstance(target, str) or not target or len(target) > MAX_NEXT_CHARS:
        return default
    if any(ord(ch) <= 32 or ord(ch) == 127 for ch in target):
        return default
    candidate = target
    for _ in range(3):  # look through up to three layers of percent-encoding
        if not _local_path(candidate):
            return default
        decoded = unquote(candidate)
        if decoded == candidate:
            return target
        candidate = decoded
    return default


def _local_path(text):
    if not text.startswith("/") or text.startswith(("//", "/\\")):
        return False
    if "\\" in text or any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
        return False
    parts = urlsplit(text)
    return not parts.scheme and not parts.netloc
