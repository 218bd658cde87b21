"""Signing in from the app (an emailed code for a token), the caller's account, signing out."""

from flask import current_app, g, request

from ..auth import api_tokens, service
from ..emails import normalize_email
from ..extensions import limiter
from . import schemas
from .blueprint import BEARER, ApiError, any_token, bp

SENT = ("If the address can receive mail, a sign-in code is on its way. Send the `token` "
        "of the emailed link to /api/v1/auth/token.")


def _ip_limit():
    return current_app.config["AUTH_RATE_LIMIT_IP"]


def _email_limit():
    return current_app.config["AUTH_RATE_LIMIT_EMAIL"]


def _typed_email():
    data = request.get_json(silent=True) if request.is_json else None
    email = data.get("email") if isinstance(data, dict) else None
    return normalize_email(email if isinstance(email, str) else "")[:254]


def token_fields(token):
    return {"id": token.id, "name": token.name, "scope": token.scope, "access": token.access,
            "hint": token.hint, "created_at": token.created_at,
            "last_used_at": token.last_used_at}


@bp.post("/auth/code")
@limiter.limit(_ip_limit)
@limiter.limit(_email_limit, key_func=lambda: "api-code:" + _typed_email(),
               exempt_when=lambda: not _typed_email())
@bp.arguments(schemas.CodeRequest)
@bp.response(202, schemas.Sent)
def send_code(body):
    """Email a sign-in code to an address (the same answer whether it has an account)."""
    service.send_sign_in_link(body["email"])
    return {"sent": True, "message": SENT}


@bp.post("/auth/token")
@limiter.limit(_ip_limit)
@bp.arguments(schemas.TokenRequest)
@bp.response(201, schemas.NewToken)
def exchange_code(body):
    """Trade the emailed code, once, for a requester token (shown this once)."""
    try:
        token, secret = api_tokens.exchange_sign_in_code(body["code"], body["name"])
    except api_tokens.TokenRefused as refused:
        raise ApiError(400, "code_refused", str(refused)) from None
    return dict(token_fields(token), token=secret)


@bp.get("/me")
@any_token
@bp.response(200, schemas.Me)
@bp.doc(security=BEARER)
def me():
    """Who the token acts for, and the token itself."""
    user = g.api_user
    return {"email": user.email, "role": user.role, "verified": user.is_verified,
            "token": token_fields(g.api_token)}


@bp.delete("/auth/token")
@any_token
@bp.response(204)
@bp.doc(security=BEARER)
def revoke_current():
    """Sign out: the token used for this call stops working."""
    api_tokens.revoke(g.api_user, g.api_token.id)
    return ""
