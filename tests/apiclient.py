"""Helpers for tests of the JSON API: tokens, and calls that carry one."""

from accounts import last_link, make_user, token_of

from helpdesk.auth import api_tokens
from helpdesk.extensions import db
from helpdesk.models import User


def token_for(app, email, scope="requester", access="write", role=None, verified=True):
    """A token for `email` (the account made if new), as the account page would give it."""
    with app.app_context():
        user = db.session.execute(db.select(User).where(User.email == email)).scalar_one_or_none()
    if user is None:
        make_user(app, email, verified=verified,
                  role=role or ("agent" if scope == "agent" else "requester"))
    with app.app_context():
        user = db.session.execute(db.select(User).where(User.email == email)).scalar_one()
        _token, secret = api_tokens.issue(user, "test", scope, access)
        return secret


def bearer(secret):
    return {"Authorization": f"Bearer {secret}"}


def signed_in_by_code(client, app, email):
    """The app's sign-in: ask for a code, read it from the mail, trade it for a token."""
    assert client.post("/api/v1/auth/code", json={"email": email}).status_code == 202
    code = token_of(last_link(app, email, "/login/link"))
    answer = client.post("/api/v1/auth/token", json={"code": code, "name": "phone"})
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()["token"]


def error_code(response):
    return response.get_json()["error"]["code"]
