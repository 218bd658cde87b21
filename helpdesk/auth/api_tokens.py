"""Tokens for the JSON API: made, checked, listed and revoked here, and nowhere else.

A token is a random secret shown once; only its SHA-256 digest is stored, so the table
cannot be used to call the API. Each token has a scope (acting as a requester, or as an
agent for an integration) and an access level (read, or read and write). What a token may
reach is still decided by helpdesk/access.py on every call: a token never grants more than
its account may do on the pages, and an agent token stops working when its account is no
longer staff.
"""

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select

from .. import access
from ..extensions import db
from ..models import ApiToken, utcnow
from . import service

SCOPES = ("requester", "agent")
ACCESS = ("read", "write")
PREFIX = "hd_"
NAME_MAX = 100
# The last use is written at most this often, so a busy integration does not write a row
# on every call.
TOUCH_EVERY = timedelta(minutes=5)


class TokenRefused(ValueError):
    """A token cannot be made as asked; the message is for the person."""


def digest(secret):
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def issue(user, name="", scope="requester", access_level="read"):
    """A new token for `user`: (ApiToken, secret). The secret is not kept anywhere. Commits."""
    if scope not in SCOPES:
        raise TokenRefused("Choose requester or agent.")
    if access_level not in ACCESS:
        raise TokenRefused("Choose read or write.")
    if scope == "agent" and not access.is_staff(user):
        raise TokenRefused("Only agents can make agent tokens.")
    if not access.may_sign_in(user):
        raise TokenRefused(service.INACTIVE)
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=" ".join((name or "").split())[:NAME_MAX],
                     digest=digest(secret), hint=secret[:8], scope=scope,
                     access=access_level, created_at=utcnow())
    db.session.add(token)
    db.session.commit()
    return token, secret


def authenticate(secret):
    """The live token for `secret` (its account active), or None."""
    if not isinstance(secret, str) or not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    token = db.session.execute(
        select(ApiToken).where(ApiToken.digest == digest(secret))).scalar_one_or_none()
    if token is None or token.revoked_at is not None or not access.may_sign_in(token.user):
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
        token.last_used_at = now
        db.session.commit()
    return token


def listing(user):
    """The tokens of `user` that still work, newest first."""
    return list(db.session.execute(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.id.desc())).scalars())


def revoke(user, token_id):
    """Revoke one of `user`'s tokens; False when there is no such token of theirs. Commits."""
    token = db.session.get(ApiToken, token_id) if isinstance(token_id, int) else None
    if token is None or token.user_id != user.id or token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    db.session.commit()
    return True


def exchange_sign_in_code(code, name=""):
    """Use an emailed sign-in code (the token of the mailed link) once, for a requester token.

    Returns (ApiToken, secret), or raises TokenRefused with the reason to show.
    """
    outcome = service.use_sign_in_link(code)
    if outcome.problem or outcome.user is None:
        raise TokenRefused(outcome.problem or service.EXPIRED)
    return issue(outcome.user, name or "Mobile app", "requester", "write")

