"""A mistyped common domain ("frank@gmial.con") is caught before anything is sent: the form
comes back asking "Did you mean frank@gmail.com?", with a button that fills it in; sending
the address as typed again goes through."""

import re
from html import unescape

import pytest
from accounts import outbox, page_token, post
from filing import hidden_fields, post_request

from helpdesk.emails import suggest_address
from helpdesk.extensions import db
from helpdesk.models import Ticket, User

TYPO, FIXED = "frank@gmial.con", "frank@gmail.com"


def tickets(app):
    with app.app_context():
        return list(db.session.execute(db.select(Ticket.requester_email)).scalars())


def offered(page):
    match = re.search(r'<button[^>]*name="use_email" value="([^"]+)"', page)
    return unescape(match.group(1)) if match else None


@pytest.mark.parametrize("typed, meant", [
    ("frank@gmial.con", "frank@gmail.com"), ("ann@hotmial.com", "ann@hotmail.com"),
    ("Bo@Yaho.com", "Bo@yahoo.com"), ("c@outlok.com", "c@outlook.com"),
    ("d@gmail.co", "d@gmail.com"), ("e@icloud.cmo", "e@icloud.com"),
])
def test_a_slip_in_a_common_domain_is_corrected(typed, meant):
    assert suggest_address(typed) == meant


@pytest.mark.parametrize("address", ["frank@gmail.com", "ann@example.com", "bo@acme.org",
                                     "c@gmx.de", "d@mail.com", "not an address", ""])
def test_real_and_unknown_domains_get_no_suggestion(address):
    assert suggest_address(address) is None


def test_the_request_form_asks_before_sending_to_a_mistyped_domain(app, client):
    response = post_request(client, email=TYPO)
    page = response.get_data(as_text=True)
    assert "Did you mean" in page and offered(page) == FIXED
    assert "The export button does nothing" in page  # what was typed is kept
    assert tickets(app) == []


def test_sending_the_same_address_again_files_the_request(app, client):
    page = post_request(client, email=TYPO).get_data(as_text=True)
    response = post_request(client, hidden=hidden_fields(page), email=TYPO)
    assert response.status_code == 303 and tickets(app) == [TYPO]


def test_the_suggestion_fills_the_field_without_sending(app, client):
    page = post_request(client, email=TYPO).get_data(as_text=True)
    again = post_request(client, hidden=hidden_fields(page), email=TYPO, use_email=FIXED)
    html = again.get_data(as_text=True)
    assert f'value="{FIXED}"' in html and "Did you mean" not in html and tickets(app) == []
    sent = post_request(client, hidden=hidden_fields(html), email=FIXED)
    assert sent.status_code == 303 and tickets(app) == [FIXED]


def test_sign_in_asks_before_mailing_a_link_to_a_mistyped_domain(app, client):
    page = post(client, "/login", {"email": TYPO}).get_data(as_text=True)
    assert offered(page) == FIXED and outbox(app) == []
    hidden = hidden_fields(page)
    response = post(client, "/login", {"email": TYPO, "email_checked": hidden["email_checked"]})
    assert response.status_code == 303 and [m.to for m in outbox(app)] == [TYPO]


def test_registration_asks_about_a_mistyped_domain(app, client):
    data = {"email": TYPO, "password": "a long enough password",
            "confirm": "a long enough password"}
    page = post(client, "/register", data, token_from="/register").get_data(as_text=True)
    assert offered(page) == FIXED and "with your password typed again" in page
    with app.app_context():
        assert db.session.execute(db.select(User)).first() is None
    data["email_checked"] = hidden_fields(page)["email_checked"]
    data["csrf_token"] = page_token(client, "/register")
    assert post(client, "/register", data).status_code == 303


def test_the_form_script_can_ask_before_sending(client):
    assert client.get(f"/requests/email-check?email={TYPO}").get_json() == {"suggestion": FIXED}
    assert client.get("/requests/email-check?email=frank@gmail.com").get_json() == {
        "suggestion": None}
