"""Password accounts: registration with verification, reset, a changed address, sessions."""

import re

from accounts import (
    file_request,
    get_user,
    last_link,
    make_user,
    outbox,
    post,
    sign_in,
    sign_in_with_password,
    signed_in_as,
    token_of,
)

from helpdesk.outgoing.outbox import send_pending

PASSWORD = "correct horse battery"


def register(client, email="ann@example.com", password=PASSWORD, confirm=None, **extra):
    return post(client, "/register", {"email": email, "password": password,
                                      "confirm": password if confirm is None else confirm,
                                      **extra})


def verify(client, app, email="ann@example.com"):
    link = last_link(app, email, "/register/verify")
    assert client.get(link).status_code == 200
    return post(client, "/register/verify", {"token": token_of(link)}, token_from=link)


# --- registration -----------------------------------------------------------------------------

def test_registering_sends_a_verification_mail_by_smtp(make_app, smtp_server):
    app = make_app(**smtp_server.config(), EXTERNAL_URL="https://help.example.com")
    response = register(app.test_client())
    assert response.status_code == 303
    with app.app_context():
        send_pending()
    (mail,) = smtp_server.messages
    assert mail["To"] == "ann@example.com" and "Confirm your email" in mail["Subject"]
    assert "https://help.example.com/register/verify?token=" in mail.get_body(
        ("plain",)).get_content()


def test_a_registered_but_unverified_account_sees_no_requests(app, client):
    ref = file_request(app, email="ann@example.com")
    register(client)
    sign_in_with_password(client, "ann@example.com", PASSWORD)
    page = client.get("/requests").get_data(as_text=True)
    assert signed_in_as(client) == "ann@example.com"
    assert "Confirm your email address" in page and ref not in page
    assert client.get(f"/requests/{ref}").status_code == 404


def test_confirming_the_address_shows_the_requests(app, client):
    ref = file_request(app, email="ann@example.com")
    register(client)
    response = verify(client, app)
    assert response.status_code == 303
    assert get_user(app, "ann@example.com").is_verified
    assert ref in client.get("/requests").get_data(as_text=True)


def test_opening_the_verification_link_alone_verifies_nothing(app, client):
    register(client)
    app.test_client().get(last_link(app, "ann@example.com", "/register/verify"))
    assert not get_user(app, "ann@example.com").is_verified


def test_a_verification_link_works_once(app, client):
    register(client)
    link = last_link(app, "ann@example.com", "/register/verify")
    verify(client, app)
    assert app.test_client().get(link).status_code == 400


def test_passwords_are_stored_hashed_with_the_configured_method(app, client):
    register(client)
    stored = get_user(app, "ann@example.com").password_hash
    assert PASSWORD not in stored and stored.startswith("pbkdf2:sha256:1000$")


def test_without_test_settings_passwords_are_hashed_with_scrypt(make_app, monkeypatch):
    monkeypatch.undo()  # drop the suite's fast hashing: the shipped default applies
    app = make_app()
    register(app.test_client())
    assert get_user(app, "ann@example.com").password_hash.startswith("scrypt:")


def test_a_short_password_is_refused_and_the_email_kept(app, client):
    response = register(client, password="short")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "at least 10 characters" in page and 'value="ann@example.com"' in page
    assert get_user(app, "ann@example.com") is None


def test_passwords_that_differ_are_refused(app, client):
    response = register(client, confirm="something else entirely")
    assert response.status_code == 400 and "do not match" in response.get_data(as_text=True)


def test_registering_an_existing_account_changes_nothing_and_tells_its_owner(app, client):
    make_user(app, "ann@example.com", password="the real password")
    before = get_user(app, "ann@example.com").password_hash
    register(client)
    assert get_user(app, "ann@example.com").password_hash == before
    (mail,) = outbox(app, "ann@example.com")
    assert "already have an account" in mail.subject


def test_registering_again_ends_the_sessions_of_an_unproven_registration(app):
    squatter = app.test_client()
    register(squatter, password="squatter password")
    sign_in_with_password(squatter, "ann@example.com", "squatter password")
    assert signed_in_as(squatter) == "ann@example.com"
    register(app.test_client())  # the address's owner registers too
    assert signed_in_as(squatter) is None


def test_an_old_verification_link_dies_when_the_password_changes(app, client):
    register(client, password="squatter password")
    old_link = last_link(app, "ann@example.com", "/register/verify")
    register(app.test_client())
    assert app.test_client().get(old_link).status_code == 400


# --- password sign-in -------------------------------------------------------------------------

def test_signing_in_with_the_right_password(app, client):
    make_user(app, "ann@example.com", password=PASSWORD)
    response = sign_in_with_password(client, "ann@example.com", PASSWORD)
    assert response.status_code == 303 and response.headers["Location"] == "/requests"
    assert signed_in_as(client) == "ann@example.com"


def test_a_wrong_password_is_refused_without_keeping_it(app, client):
    make_user(app, "ann@example.com", password=PASSWORD)
    response = sign_in_with_password(client, "ann@example.com", "wrong password!")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "do not match" in page
    assert "wrong password!" not in page and 'value="ann@example.com"' in page
    assert signed_in_as(client) is None


def test_an_empty_password_sends_a_link_instead(app, client):
    make_user(app, "ann@example.com", password=PASSWORD)
    response = sign_in_with_password(client, "ann@example.com", "")
    assert response.headers["Location"] == "/login/sent"
    assert last_link(app, "ann@example.com", "/login/link")


# --- reset ------------------------------------------------------------------------------------

def reset(client, app, email="ann@example.com", new=("a brand new password",) * 2):
    post(client, "/reset", {"email": email})
    link = last_link(app, email, "/reset/confirm")
    assert client.get(link).status_code == 200
    return post(client, "/reset/confirm", {"token": token_of(link), "password": new[0],
                                           "confirm": new[1]}, token_from=link)


def test_reset_mail_arrives_by_smtp(make_app, smtp_server):
    app = make_app(**smtp_server.config())
    make_user(app, "ann@example.com", password=PASSWORD)
    post(app.test_client(), "/reset", {"email": "ann@example.com"})
    with app.app_context():
        send_pending()
    (mail,) = smtp_server.messages
    assert "new password" in mail["Subject"]
    assert "/reset/confirm?token=" in mail.get_body(("plain",)).get_content()


def test_a_reset_sets_the_new_password_and_signs_in(app, client):
    make_user(app, "ann@example.com", password=PASSWORD)
    response = reset(client, app)
    assert response.status_code == 303
    assert signed_in_as(client) == "ann@example.com"
    other = app.test_client()
    assert sign_in_with_password(other, "ann@example.com", PASSWORD).status_code == 400
    new = sign_in_with_password(other, "ann@example.com", "a brand new password")
    assert new.status_code == 303


def test_a_reset_ends_every_other_session(app, client):
    make_user(app, "ann@example.com", password=PASSWORD)
    laptop = app.test_client()
    sign_in_with_password(laptop, "ann@example.com", PASSWORD, remember="y")
    reset(client, app)
    assert signed_in_as(laptop) is None
    laptop.delete_cookie("session")  # the remember-me cookie does not bring it back either
    assert signed_in_as(laptop) is None
    assert signed_in_as(client) == "ann@example.com"


def test_a_reset_link_works_once(app, client):
    make_user(app, "ann@example.com", password=PASSWORD)
    post(client, "/reset", {"email": "ann@example.com"})
    link = last_link(app, "ann@example.com", "/reset/confirm")
    reset_page = {"token": token_of(link), "password": "first new password",
                  "confirm": "first new password"}
    assert post(client, "/reset/confirm", reset_page, token_from=link).status_code == 303
    again = app.test_client()
    assert again.get(link).status_code == 400
    reset_page["password"] = reset_page["confirm"] = "second new password"
    assert post(again, "/reset/confirm", reset_page).status_code == 400


def test_opening_a_reset_link_changes_nothing(app, client):
    make_user(app, "ann@example.com", password=PASSWORD)
    before = get_user(app, "ann@example.com").password_hash
    post(client, "/reset", {"email": "ann@example.com"})
    app.test_client().get(last_link(app, "ann@example.com", "/reset/confirm"))
    assert get_user(app, "ann@example.com").password_hash == before


def test_a_reset_with_a_bad_new_password_keeps_the_link_usable(app, client):
    make_user(app, "ann@example.com", password=PASSWORD)
    post(client, "/reset", {"email": "ann@example.com"})
    link = last_link(app, "ann@example.com", "/reset/confirm")
    response = post(client, "/reset/confirm", {"token": token_of(link), "password": "short",
                                               "confirm": "short"}, token_from=link)
    assert response.status_code == 400 and "at least 10" in response.get_data(as_text=True)
    assert client.get(link).status_code == 200


# --- the account page: a changed address, sessions ---------------------------------------------

def change_email(client, new, password=None):
    data = {"new_email": new}
    if password is not None:
        data["password"] = password
    return post(client, "/account/email", data, token_from="/account")


def confirm_new_email(app, new):
    link = last_link(app, new, "/account/email/confirm")
    client = app.test_client()
    assert client.get(link).status_code == 200
    return post(client, "/account/email/confirm", {"token": token_of(link)}, token_from=link)


def test_changing_the_address_needs_the_current_password(app, client):
    make_user(app, "ann@example.com", password=PASSWORD)
    sign_in_with_password(client, "ann@example.com", PASSWORD)
    response = change_email(client, "ann@new.example", password="not my password")
    assert response.status_code == 400
    assert outbox(app, "ann@new.example") == []


def test_without_a_password_an_old_sign_in_must_be_renewed_first(make_app):
    app = make_app(REAUTH_MAX_AGE=-1)  # every sign-in already counts as old
    client = app.test_client()
    sign_in(client, app, "ann@example.com")
    response = change_email(client, "ann@new.example")
    assert response.status_code == 400 and "sign in again" in response.get_data(as_text=True)
    assert outbox(app, "ann@new.example") == []


def test_a_new_address_matches_no_request_before_it_is_confirmed(app, client):
    theirs = file_request(app, email="ann@new.example", summary="Someone else's request")
    sign_in(client, app, "ann@example.com")
    assert change_email(client, "ann@new.example").status_code == 303
    assert get_user(app, "ann@example.com") is not None
    assert theirs not in client.get("/requests").get_data(as_text=True)


def test_confirming_the_new_address_moves_the_account_and_its_requests(app, client):
    mine = file_request(app, email="ann@example.com")
    sign_in(client, app, "ann@example.com")
    change_email(client, "ann@new.example")
    assert confirm_new_email(app, "ann@new.example").status_code == 303
    assert get_user(app, "ann@example.com") is None
    assert get_user(app, "ann@new.example").is_verified
    browser = app.test_client()
    sign_in(browser, app, "ann@new.example")
    assert mine in browser.get("/requests").get_data(as_text=True)


def test_the_old_address_is_told_about_the_change(app, client):
    sign_in(client, app, "ann@example.com")
    change_email(client, "ann@new.example")
    confirm_new_email(app, "ann@new.example")
    assert any("was changed" in m.subject for m in outbox(app, "ann@example.com"))


def test_a_changed_address_ends_the_other_sessions(app, client):
    sign_in(client, app, "ann@example.com")
    change_email(client, "ann@new.example")
    confirm_new_email(app, "ann@new.example")
    assert signed_in_as(client) is None


def test_an_address_of_another_verified_account_cannot_be_taken(app, client):
    make_user(app, "bob@example.com")
    sign_in(client, app, "ann@example.com")
    change_email(client, "bob@example.com")
    response = confirm_new_email(app, "bob@example.com")
    assert response.status_code == 400 and "Another account" in response.get_data(as_text=True)
    assert get_user(app, "ann@example.com") is not None


def test_an_unverified_account_changing_address_leaves_old_requests_behind(app, client):
    # It never proved the old address, so requests sent from there are not its to take.
    theirs = file_request(app, email="ann@example.com")
    register(client)
    sign_in_with_password(client, "ann@example.com", PASSWORD)
    change_email(client, "mallory@example.com", password=PASSWORD)
    confirm_new_email(app, "mallory@example.com")
    with app.app_context():
        from helpdesk.models import Ticket
        assert Ticket.by_ref(theirs).requester_email == "ann@example.com"


def test_sign_out_everywhere_ends_every_session(app, client):
    laptop = app.test_client()
    sign_in(laptop, app, "ann@example.com", remember=True)
    sign_in(client, app, "ann@example.com")
    post(client, "/account/sessions/end", token_from="/account")
    assert signed_in_as(client) is None
    assert signed_in_as(laptop) is None


def test_the_account_page_needs_sign_in(client):
    response = client.get("/account")
    assert response.status_code in (302, 303) and "/login" in response.headers["Location"]


def test_an_unverified_account_can_ask_for_the_link_again(app, client):
    register(client)
    sign_in_with_password(client, "ann@example.com", PASSWORD)
    post(client, "/account/verify", token_from="/account")
    links = [m for m in outbox(app, "ann@example.com") if "Confirm your email" in m.subject]
    assert len(links) == 2
    assert re.search(r"/register/verify\?token=", links[-1].body_text)
