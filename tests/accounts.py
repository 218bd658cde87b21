"""Helpers for tests about accounts and following requests: people, requests, signing in.

Signing in goes through the real pages (the sign-in form, the emailed link, its
confirmation button); links are read from the outbox table, or from the SMTP fixture in
tests about mail.
"""

import io
import re
from html import unescape

from helpdesk.extensions import db
from helpdesk.models import Outbox, Ticket, User, utcnow
from helpdesk.tickets import service

LINK = re.compile(r"https?://[^\s\"<>]+")


def make_user(app, email, verified=True, password=None, role="requester", active=True):
    """An account; returns its id. `password` is hashed the way the app does it."""
    from helpdesk.auth.passwords import hash_password
    with app.app_context():
        user = User(email=email, role=role, is_active=active,
                    email_verified_at=utcnow() if verified else None)
        if password:
            user.password_hash = hash_password(password)
        db.session.add(user)
        db.session.commit()
        return user.id


def get_user(app, email):
    with app.app_context():
        user = db.session.execute(db.select(User).where(User.email == email)).scalar_one_or_none()
        if user is not None:
            db.session.expunge(user)
        return user


def file_request(app, email="ann@example.com", summary="The export button does nothing",
                 description="I click Export and nothing happens.", type_slug="technical-support",
                 fields=None, channel="web", files=()):
    """File a request through the ticket service (as the web form or a mail would); its ref."""
    with app.test_request_context():
        request_type = app.extensions["helpdesk.request_types"][type_slug]
        if fields is None:
            fields = {"application": "web"} if type_slug == "technical-support" else {}
        ticket = service.open_request(service.NewRequest(
            request_type=request_type, email=email, summary=summary, description=description,
            fields=fields, channel=channel,
            uploads=[service.Upload(io.BytesIO(content), name) for name, content in files]))
        return ticket.ref


def ticket(app, ref):
    """A detached copy of the request `ref`, read fresh from the database."""
    with app.app_context():
        found = Ticket.by_ref(ref)
        if found is not None:
            found.messages, found.attachments, found.rating  # load before detaching
            for m in found.messages:
                m.attachments
            db.session.expunge_all()
        return found


def page_token(client, url="/login"):
    """The CSRF token this client's session gets on `url` (a page with a form)."""
    page = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def post(client, url, data=None, token_from="/login", **kwargs):
    """POST like a browser: with the session's CSRF token."""
    data = dict(data or {})
    data.setdefault("csrf_token", page_token(client, token_from))
    return client.post(url, data=data, **kwargs)


def outbox(app, to=None):
    """Queued mail (newest last), optionally only to `to`."""
    with app.app_context():
        rows = db.session.execute(db.select(Outbox).order_by(Outbox.id)).scalars().all()
        db.session.expunge_all()
    return [r for r in rows if to is None or to in [a.strip() for a in r.to.split(",")]]


def last_link(app, to, path):
    """The newest link to `path` (e.g. "/login/link") in mail queued for `to`, as a path."""
    for row in reversed(outbox(app, to)):
        for url in LINK.findall(row.body_text):
            url = unescape(url)
            found = re.search(r"https?://[^/]+(/.*)", url)
            if found and found.group(1).startswith(path):
                return found.group(1)
    raise AssertionError(f"no {path} link in mail to {to}")


def token_of(link):
    return re.search(r"token=([^&#\s]+)", link).group(1)


def request_link(client, email, next_path=None, remember=False):
    """Ask for a sign-in link on the sign-in page."""
    data = {"email": email}
    if next_path is not None:
        data["next"] = next_path
    if remember:
        data["remember"] = "y"
    return post(client, "/login", data)


def use_link(client, link, remember=False):
    """Open an emailed sign-in link and press its "Sign in" button."""
    page = client.get(link)
    assert page.status_code == 200, page.status_code
    data = {"token": token_of(link)}
    if remember:
        data["remember"] = "y"
    return post(client, "/login/link", data, token_from=link)


def sign_in(client, app, email, next_path=None, remember=False):
    """Sign `client` in as `email` by emailed link, as a person would. Returns the response."""
    request_link(client, email, next_path, remember)
    return use_link(client, last_link(app, email, "/login/link"), remember)


def sign_in_with_password(client, email, password, **extra):
    return post(client, "/login", {"email": email, "password": password, **extra})


def signed_in_as(client):
    """The address shown in the page header, or None when signed out."""
    page = client.get("/articles/").get_data(as_text=True)
    match = re.search(r'title="Your account">([^<]+)<', page)
    return unescape(match.group(1)) if match else None


def both_requests_kept_their_change(app, client):
    """Two requests of one browser, saved one after the other, each store one value: True
    when the session afterwards holds both (and what it held before)."""
    client.get("/login")  # the browser has a session (its CSRF token)
    cookie = client.get_cookie("session").value
    interface = app.session_interface
    with app.test_request_context(headers={"Cookie": f"session={cookie}"}):
        from flask import request
        slow = interface.open_session(app, request)
        quick = interface.open_session(app, request)
        slow["visitor"], quick["grant:7"] = "v1", 1
        interface.save_session(app, quick, app.response_class())
        interface.save_session(app, slow, app.response_class())
        again = interface.open_session(app, request)
        return again["visitor"] == "v1" and again["grant:7"] == 1 and "csrf_token" in again
