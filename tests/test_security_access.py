"""Who may see and change a request: every route and action against every kind of visitor.

Allowed: the owner (signed in, address verified) and whoever opened the signed link from
the confirmation mail (that one request). Agents may read. Everyone else, including an
unverified account holding the owner's very address, gets 404 and changes nothing.
"""

import re
from datetime import timedelta

import pytest
from accounts import (
    file_request,
    make_user,
    page_token,
    sign_in,
    sign_in_with_password,
    ticket,
)
from filing import PNG, multipart

from helpdesk.extensions import db
from helpdesk.models import Ticket, utcnow
from helpdesk.tickets import links

ACTORS = ["owner", "signed_link", "agent", "another_requester", "unverified_same_address",
          "visitor", "expired_link", "tampered_link"]
REQUESTER_SIDE = {"owner", "signed_link"}
READERS = REQUESTER_SIDE | {"agent"}


@pytest.fixture
def request_ref(app):
    return file_request(app, email="ann@example.com", files=[("shot.png", PNG)])


def view_token(app, ref):
    with app.test_request_context():
        return links.view_token(Ticket.by_ref(ref))


def become(app, actor, ref):
    """A browser for `actor`, with whatever it has visited or signed in with."""
    client = app.test_client()
    if actor == "owner":
        sign_in(client, app, "ann@example.com")
    elif actor == "agent":
        make_user(app, "agent@example.com", role="agent")
        sign_in(client, app, "agent@example.com")
    elif actor == "another_requester":
        sign_in(client, app, "bob@example.com")
    elif actor == "unverified_same_address":
        make_user(app, "ann@example.com", verified=False, password="a long password")
        sign_in_with_password(client, "ann@example.com", "a long password")
    elif actor == "signed_link":
        assert client.get(f"/requests/{ref}?t={view_token(app, ref)}").status_code == 200
    elif actor == "expired_link":
        token = view_token(app, ref)
        app.config["REQUEST_LINK_MAX_AGE_DAYS"] = -1
        assert client.get(f"/requests/{ref}?t={token}").status_code == 404
        app.config["REQUEST_LINK_MAX_AGE_DAYS"] = 14
    elif actor == "tampered_link":
        token = view_token(app, ref)
        forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
        assert client.get(f"/requests/{ref}?t={forged}").status_code == 404
    return client


def attachment_url(app, ref):
    with app.app_context():
        item = Ticket.by_ref(ref).attachments[0]
        return f"/attachments/{item.public_id}/{item.original_name}"


def post(client, url, **fields):
    fields["csrf_token"] = page_token(client, "/login")
    data, content_type = multipart(fields)
    return client.post(url, data=data, content_type=content_type)


def resolve(app, ref):
    with app.app_context():
        found = Ticket.by_ref(ref)
        found.status, found.resolved_at = "resolved", utcnow() - timedelta(days=1)
        db.session.commit()


@pytest.mark.parametrize("actor", ACTORS)
def test_viewing_the_request(app, request_ref, actor):
    client = become(app, actor, request_ref)
    response = client.get(f"/requests/{request_ref}")
    assert response.status_code == (200 if actor in READERS else 404)
    assert ("The export button does nothing" in response.get_data(as_text=True)) == (
        actor in READERS)


@pytest.mark.parametrize("actor", ACTORS)
def test_downloading_its_attachment(app, request_ref, actor):
    client = become(app, actor, request_ref)
    response = client.get(attachment_url(app, request_ref))
    assert response.status_code == (200 if actor in READERS else 404)


@pytest.mark.parametrize("actor", ACTORS)
def test_replying(app, request_ref, actor):
    client = become(app, actor, request_ref)
    response = post(client, f"/requests/{request_ref}/reply", body="hello")
    assert response.status_code == (303 if actor in REQUESTER_SIDE else 404)
    assert len(ticket(app, request_ref).messages) == (2 if actor in REQUESTER_SIDE else 1)


@pytest.mark.parametrize("actor", ACTORS)
def test_previewing_a_reply(app, request_ref, actor):
    client = become(app, actor, request_ref)
    response = post(client, f"/requests/{request_ref}/reply", body="hello", preview="1")
    assert response.status_code == (200 if actor in REQUESTER_SIDE else 404)


@pytest.mark.parametrize("actor", ACTORS)
def test_marking_solved(app, request_ref, actor):
    client = become(app, actor, request_ref)
    response = post(client, f"/requests/{request_ref}/solve")
    assert response.status_code == (303 if actor in REQUESTER_SIDE else 404)
    assert ticket(app, request_ref).status == ("resolved" if actor in REQUESTER_SIDE else "open")


@pytest.mark.parametrize("actor", ACTORS)
def test_reopening(app, request_ref, actor):
    resolve(app, request_ref)
    client = become(app, actor, request_ref)
    response = post(client, f"/requests/{request_ref}/reopen")
    assert response.status_code == (303 if actor in REQUESTER_SIDE else 404)
    assert ticket(app, request_ref).status == ("open" if actor in REQUESTER_SIDE else "resolved")


@pytest.mark.parametrize("actor", ACTORS)
def test_rating(app, request_ref, actor):
    resolve(app, request_ref)
    client = become(app, actor, request_ref)
    response = post(client, f"/requests/{request_ref}/rate", score="1")
    assert response.status_code == (303 if actor in REQUESTER_SIDE else 404)
    assert (ticket(app, request_ref).rating is not None) == (actor in REQUESTER_SIDE)


@pytest.mark.parametrize("actor", ["owner", "agent", "another_requester",
                                   "unverified_same_address"])
def test_my_requests_lists_it_only_for_its_owner(app, request_ref, actor):
    client = become(app, actor, request_ref)
    page = client.get("/requests").get_data(as_text=True)
    assert (request_ref in page) == (actor == "owner")


def test_a_missing_request_and_someone_elses_look_the_same(app, request_ref):
    client = become(app, "another_requester", request_ref)
    client.get("/articles/")  # shows (and so clears) the "signed in" notice
    theirs = client.get(f"/requests/{request_ref}")
    missing = client.get("/requests/HD-9999")
    assert theirs.status_code == missing.status_code == 404
    strip = lambda r: re.sub(r"HD-\d+", "HD-x", r.get_data(as_text=True))  # noqa: E731
    assert strip(theirs) == strip(missing)


def test_a_signed_link_opens_only_its_own_request(app, request_ref):
    other = file_request(app, email="ann@example.com", summary="Second request")
    client = become(app, "signed_link", request_ref)
    assert client.get(f"/requests/{other}").status_code == 404
    assert post(client, f"/requests/{other}/solve").status_code == 404


def test_a_signed_link_dies_when_the_request_moves_to_another_address(app, request_ref):
    token = view_token(app, request_ref)
    with app.app_context():
        Ticket.by_ref(request_ref).requester_email = "someone@else.example"
        db.session.commit()
    assert app.test_client().get(f"/requests/{request_ref}?t={token}").status_code == 404


def test_a_deactivated_owner_loses_access(app, request_ref):
    client = become(app, "owner", request_ref)
    with app.app_context():
        from helpdesk.models import User
        user = db.session.execute(
            db.select(User).where(User.email == "ann@example.com")).scalar_one()
        user.is_active = False
        db.session.commit()
    assert client.get(f"/requests/{request_ref}").status_code == 404
