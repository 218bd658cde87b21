"""Helpers for the agent desk's tests: agents signed in through the real sign-in page,
requests filed through the ticket service, and forms posted with their CSRF token."""

import re
from html import unescape

from accounts import make_user, post, sign_in_with_password

PASSWORD = "a long enough password"


def signed_in(app, email="agent@example.com", role="agent", active=True):
    """A test client signed in (with a password, on /login) as a new account with `role`."""
    make_user(app, email, role=role, password=PASSWORD, active=active)
    client = app.test_client()
    response = sign_in_with_password(client, email, PASSWORD)
    assert response.status_code == 303, response.status_code
    return client


def user_id(app, email):
    from accounts import get_user
    return get_user(app, email).id


def page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def send(client, url, data, token_from="/agent/", files=None):
    """POST like the browser: with the session's CSRF token (and files, if any)."""
    data = dict(data)
    if files:
        data["attachments"] = files
        return post(client, url, data, token_from=token_from,
                    content_type="multipart/form-data")
    return post(client, url, data, token_from=token_from)


def seen_marker(html):
    """The reply form's marker of the activity the page showed."""
    return unescape(re.search(r'name="seen"[^>]*value="([^"]*)"', html).group(1))


def reply_form(client, ref):
    """(csrf token, seen marker) of the reply form on an agent's request page."""
    html = page(client, f"/agent/requests/{ref}")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    return token, seen_marker(html)


def reply(client, ref, body, action="send", files=None, **extra):
    """Send a reply (action "send"), a note ("note") or a helper action, as the page does."""
    token, seen = reply_form(client, ref)
    data = {"csrf_token": token, "seen": seen, "body": body, action: extra.pop("value", "1"),
            **extra}
    if files:
        data["attachments"] = files
    return client.post(f"/agent/requests/{ref}/reply", data=data,
                       content_type="multipart/form-data")


def queue_refs(html):
    """The references listed in the queue's table, in order."""
    return re.findall(r'<td[^>]*><a [^>]*href="/agent/requests/(HD-\d+)"', html)
