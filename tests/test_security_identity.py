"""Proving who you are before you see or act on what is someone else's.

An address typed into a form, or registered without opening the mail sent to it, proves
nothing: it never makes an agent, never opens a conversation, and agents are told when a
request's address was never proven.
"""

import re

import pytest
from accounts import (
    last_link,
    make_user,
    outbox,
    page_token,
    post,
    sign_in,
    sign_in_with_password,
    ticket,
)
from filing import form_page, hidden_fields, multipart, post_request, ref_from

from helpdesk.agent import people

ATTACKER_PASSWORD = "the attacker's own password"


def register(client, email, password=ATTACKER_PASSWORD):
    return post(client, "/register", {"email": email, "password": password,
                                      "confirm": password}, token_from="/register")


def agent_client(app, email="carol@example.com", role="agent"):
    make_user(app, email, role=role)
    client = app.test_client()
    sign_in(client, app, email)
    return client


def customer_request(app):
    client = app.test_client()
    return ref_from(post_request(client, email="alice@example.com",
                                 summary="My invoice shows the wrong VAT number"))


# --- a registration nobody proved never becomes an agent ------------------------------------

def test_an_invitation_drops_the_password_of_an_address_registered_before(app):
    ref = customer_request(app)
    attacker = app.test_client()
    register(attacker, "newhire@example.com")
    with app.test_request_context():
        people.invite("newhire@example.com", "agent", inviter=None)
    response = sign_in_with_password(attacker, "newhire@example.com", ATTACKER_PASSWORD)
    assert response.status_code == 400  # the password is gone with the invitation
    assert attacker.get("/agent/").status_code in (302, 303, 404)
    assert attacker.get(f"/agent/requests/{ref}").status_code in (302, 303, 404)


def test_creating_an_agent_from_the_command_line_starts_from_a_clean_account(app, runner):
    attacker = app.test_client()
    register(attacker, "newhire@example.com")
    result = runner.invoke(args=["users", "create", "newhire@example.com", "--role", "agent"])
    assert result.exit_code == 0, result.output
    assert sign_in_with_password(attacker, "newhire@example.com",
                                 ATTACKER_PASSWORD).status_code == 400


def test_a_session_of_the_earlier_registration_ends_with_the_invitation(app):
    attacker = app.test_client()
    register(attacker, "newhire@example.com")
    sign_in_with_password(attacker, "newhire@example.com", ATTACKER_PASSWORD)
    with app.test_request_context():
        people.invite("newhire@example.com", "agent", inviter=None)
    page = attacker.get("/articles/").get_data(as_text=True)
    assert "newhire@example.com" not in page  # signed out


def test_a_desk_role_on_an_unverified_account_opens_nothing(app):
    ref = customer_request(app)
    make_user(app, "unproven@example.com", role="agent", verified=False,
              password="a long enough password")
    client = app.test_client()
    sign_in_with_password(client, "unproven@example.com", "a long enough password")
    assert client.get("/agent/").status_code == 404
    assert client.get(f"/requests/{ref}").status_code == 404


def test_the_invited_person_gets_the_desk_once_the_link_proves_the_address(app):
    with app.test_request_context():
        people.invite("newhire@example.com", "agent", inviter=None)
    client = app.test_client()
    link = last_link(app, "newhire@example.com", "/login/link")
    client.get(link)
    token = re.search(r"token=([^&#\s]+)", link).group(1)
    post(client, "/login/link", {"token": token}, token_from=link)
    assert client.get("/agent/").status_code == 200


# --- filing in someone else's name --------------------------------------------------------------

def agent_replies(app, ref, body="We refunded the VAT difference."):
    carol = agent_client(app)
    page = carol.get(f"/agent/requests/{ref}").get_data(as_text=True)
    fields = hidden_fields(page)
    data = {"csrf_token": fields["csrf_token"], "seen": fields["seen"], "body": body,
            "send": "1"}
    body_bytes, content_type = multipart(data)
    response = carol.post(f"/agent/requests/{ref}/reply", data=body_bytes,
                          content_type=content_type)
    assert response.status_code == 303, response.status_code


def test_the_browser_that_filed_sees_its_confirmation_but_not_the_conversation(app):
    filer = app.test_client()
    ref = ref_from(post_request(filer, email="victim@example.com"))
    assert filer.get(f"/requests/{ref}/sent").status_code == 200
    agent_replies(app, ref)
    page = filer.get(f"/requests/{ref}")
    assert page.status_code == 404
    assert "We refunded the VAT difference" not in page.get_data(as_text=True)


def test_the_browser_that_filed_cannot_answer_in_the_requesters_name(app):
    filer = app.test_client()
    ref = ref_from(post_request(filer, email="victim@example.com"))
    agent_replies(app, ref)
    response = post(filer, f"/requests/{ref}/reply", {"body": "Please send it to me instead"})
    assert response.status_code == 404
    assert len(ticket(app, ref).messages) == 2


def test_the_mailed_link_opens_the_conversation(app):
    filer = app.test_client()
    ref = ref_from(post_request(filer, email="victim@example.com"))
    agent_replies(app, ref)
    mailbox = app.test_client()
    link = last_link(app, "victim@example.com", f"/requests/{ref}")
    page = mailbox.get(link)
    assert page.status_code == 200
    assert "We refunded the VAT difference" in page.get_data(as_text=True)


def test_agents_are_told_when_a_requesters_address_was_never_proven(app):
    ref = ref_from(post_request(app.test_client(), email="victim@example.com"))
    carol = agent_client(app)
    assert "Address not proven" in carol.get(f"/agent/requests/{ref}").get_data(as_text=True)


def test_a_reply_through_the_mailed_link_proves_the_address(app):
    ref = ref_from(post_request(app.test_client(), email="victim@example.com"))
    mailbox = app.test_client()
    mailbox.get(last_link(app, "victim@example.com", f"/requests/{ref}"))
    post(mailbox, f"/requests/{ref}/reply", {"body": "Yes, this is me."})
    carol = agent_client(app)
    assert "Address not proven" not in carol.get(f"/agent/requests/{ref}").get_data(
        as_text=True)


def test_a_request_from_a_signed_in_verified_account_is_proven(app):
    client = app.test_client()
    sign_in(client, app, "ann@example.com")
    ref = ref_from(post_request(client, email="ann@example.com"))
    carol = agent_client(app)
    assert "Address not proven" not in carol.get(f"/agent/requests/{ref}").get_data(
        as_text=True)


# --- the form's token opens nothing for anyone else ------------------------------------------

def test_another_visitors_submission_token_does_not_open_their_request(app):
    victim = app.test_client()
    hidden = hidden_fields(form_page(victim))
    ref = ref_from(post_request(victim, hidden=hidden, email="victim@example.com",
                                summary="Private: my card was charged twice"))
    thief = app.test_client()
    own = hidden_fields(form_page(thief))
    response = post_request(thief, hidden={**own, "submission_token": hidden["submission_token"]},
                            email="thief@example.com", summary="Anything")
    assert response.status_code == 400
    assert ref not in response.headers.get("Location", "")
    assert "my card was charged twice" not in response.get_data(as_text=True)
    assert thief.get(f"/requests/{ref}/sent").status_code == 404


def test_sending_the_same_form_twice_shows_its_confirmation_once_filed(app):
    client = app.test_client()
    hidden = hidden_fields(form_page(client))
    first = ref_from(post_request(client, hidden=hidden))
    again = post_request(client, hidden=hidden)
    assert ref_from(again) == first
    assert client.get(again.headers["Location"]).status_code == 200
    assert len([m for m in outbox(app, "ann@example.com")
                if "We received your request" in m.subject]) == 1


@pytest.mark.parametrize("token", ["", "not-a-token", "x" * 5000, "a.b.c"])
def test_a_made_up_submission_token_files_nothing(app, token):
    client = app.test_client()
    hidden = {**hidden_fields(form_page(client)), "submission_token": token}
    response = post_request(client, hidden=hidden)
    assert response.status_code == 400
    assert page_token(client, "/requests/new/technical-support")  # the form is shown again
