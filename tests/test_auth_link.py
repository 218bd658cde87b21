"""Signing in by emailed link: the link proves the address, works once, and expires."""

import re

import pytest
from accounts import (
    file_request,
    get_user,
    last_link,
    make_user,
    outbox,
    post,
    request_link,
    sign_in,
    signed_in_as,
    token_of,
    use_link,
)

from helpdesk.outgoing.outbox import send_pending


def test_asking_for_a_link_says_to_check_the_inbox(app, client):
    response = request_link(client, "ann@example.com")
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Check your email" in page and "ann@example.com" in page


def test_the_sign_in_mail_arrives_by_smtp_with_a_link(make_app, smtp_server):
    app = make_app(**smtp_server.config(), EXTERNAL_URL="https://help.example.com")
    request_link(app.test_client(), "Ann@Example.com")
    with app.app_context():
        send_pending()
    (mail,) = smtp_server.messages
    assert mail["To"] == "ann@example.com"
    assert "sign-in link" in mail["Subject"]
    text = mail.get_body(("plain",)).get_content()
    assert re.search(r"https://help\.example\.com/login/link\?token=\S+", text)
    assert "20 minutes" in text


def test_opening_the_link_asks_before_signing_in(app, client):
    request_link(client, "ann@example.com")
    page = client.get(last_link(app, "ann@example.com", "/login/link"))
    assert page.status_code == 200
    assert "Sign in as ann@example.com" in page.get_data(as_text=True)
    assert page.headers["Referrer-Policy"] == "same-origin"  # the token stays on this site
    assert signed_in_as(client) is None


def test_a_mail_scanner_fetching_the_link_does_not_use_it_up(app, client):
    request_link(client, "ann@example.com")
    link = last_link(app, "ann@example.com", "/login/link")
    scanner = app.test_client()
    for _ in range(3):
        assert scanner.get(link).status_code == 200
    use_link(client, link)
    assert signed_in_as(client) == "ann@example.com"


def test_pressing_sign_in_signs_in_and_goes_to_my_requests(app, client):
    response = sign_in(client, app, "ann@example.com")
    assert response.status_code == 303 and response.headers["Location"] == "/requests"
    assert signed_in_as(client) == "ann@example.com"


def test_a_link_works_only_once(app, client):
    request_link(client, "ann@example.com")
    link = last_link(app, "ann@example.com", "/login/link")
    use_link(client, link)
    other = app.test_client()
    assert other.get(link).status_code == 400
    response = post(other, "/login/link", {"token": token_of(link)})
    assert response.status_code == 400 and "expired or was already used" in response.get_data(
        as_text=True)
    assert signed_in_as(other) is None


def test_an_expired_link_does_not_sign_in(make_app):
    app = make_app(LOGIN_LINK_MAX_AGE=-1)  # already past its age when it arrives
    client = app.test_client()
    request_link(client, "ann@example.com")
    link = last_link(app, "ann@example.com", "/login/link")
    assert client.get(link).status_code == 400
    assert post(client, "/login/link", {"token": token_of(link)}).status_code == 400
    assert signed_in_as(client) is None


def test_a_tampered_link_does_not_sign_in(app, client):
    request_link(client, "ann@example.com")
    token = token_of(last_link(app, "ann@example.com", "/login/link"))
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    assert client.get(f"/login/link?token={forged}").status_code == 400
    assert post(client, "/login/link", {"token": forged}).status_code == 400
    assert signed_in_as(client) is None


def test_a_link_for_a_new_address_creates_a_verified_account(app, client):
    sign_in(client, app, "new@example.com")
    user = get_user(app, "new@example.com")
    assert user.is_verified and user.role == "requester" and user.password_hash is None


def test_signing_in_by_link_shows_requests_filed_before_the_account_existed(app, client):
    ref = file_request(app, email="ann@example.com", channel="email")
    sign_in(client, app, "ann@example.com")
    assert ref in client.get("/requests").get_data(as_text=True)


def test_a_link_drops_a_password_that_was_never_confirmed(app, client):
    # Someone registered this address with their own password but never proved it.
    make_user(app, "ann@example.com", verified=False, password="squatter password")
    sign_in(client, app, "ann@example.com")
    user = get_user(app, "ann@example.com")
    assert user.is_verified and user.password_hash is None


def test_a_deactivated_account_cannot_sign_in_by_link(app, client):
    make_user(app, "gone@example.com", active=False)
    response = sign_in(client, app, "gone@example.com")
    assert response.status_code == 400
    assert signed_in_as(client) is None


def test_the_link_returns_to_the_page_asked_for(app, client):
    ref = file_request(app)
    response = sign_in(client, app, "ann@example.com", next_path=f"/requests/{ref}")
    assert response.headers["Location"] == f"/requests/{ref}"


def test_a_page_for_signed_in_people_sends_visitors_to_sign_in_and_back(client):
    response = client.get("/requests?status=open")
    assert response.status_code in (302, 303)
    assert response.headers["Location"] == "/login?next=/requests?status%3Dopen"


def close_browser(client):
    """What a browser does when it closes: cookies without an expiry date are gone."""
    for cookie in list(client._cookies.values()):
        if cookie.expires is None:
            client.delete_cookie(cookie.decoded_key, domain=cookie.domain, path=cookie.path)


@pytest.mark.parametrize("remember", [False, True])
def test_keeping_me_signed_in_outlasts_the_browser_only_when_asked(app, client, remember):
    sign_in(client, app, "ann@example.com", remember=remember)
    close_browser(client)
    assert (signed_in_as(client) == "ann@example.com") is remember


def test_sign_out_asks_first_and_a_get_changes_nothing(app, client):
    sign_in(client, app, "ann@example.com")
    page = client.get("/logout")
    assert page.status_code == 200 and "Sign out" in page.get_data(as_text=True)
    assert signed_in_as(client) == "ann@example.com"


def test_sign_out_ends_a_kept_session_too(app, client):
    sign_in(client, app, "ann@example.com", remember=True)
    response = post(client, "/logout", token_from="/logout")
    assert response.status_code == 303
    close_browser(client)
    assert signed_in_as(client) is None
    assert client.get("/requests").status_code in (302, 303)


def test_the_quick_start_journey_works_through_the_local_outbox_page(make_app):
    # No MAIL_SERVER, debug mode: the mail is readable on /dev/outbox.
    app = make_app(DEBUG=True)
    client = app.test_client()
    ref = file_request(app, email="ann@example.com")
    request_link(client, "ann@example.com")
    sent_page = client.get("/login/sent").get_data(as_text=True)
    assert "/dev/outbox" in sent_page
    outbox_page = client.get("/dev/outbox").get_data(as_text=True)
    link = re.search(r"http://localhost(/login/link\?token=[^\s<]+)", outbox_page).group(1)
    use_link(client, link.replace("&amp;", "&"))
    assert ref in client.get("/requests").get_data(as_text=True)


def test_every_link_request_queues_exactly_one_mail(app, client):
    request_link(client, "ann@example.com")
    request_link(client, "nobody@example.com")
    assert [row.to for row in outbox(app)] == ["ann@example.com", "nobody@example.com"]
