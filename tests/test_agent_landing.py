"""Agents and admins sign in to the desk; requesters to "My requests"; a safe `next` wins."""

import pytest
from accounts import make_user, sign_in, sign_in_with_password
from test_auth_password import reset

PASSWORD = "a long enough password"


@pytest.mark.parametrize("role", ["agent", "admin"])
def test_an_agent_signing_in_with_a_password_lands_on_the_desk(app, client, role):
    make_user(app, "dana@example.com", role=role, password=PASSWORD)
    response = sign_in_with_password(client, "dana@example.com", PASSWORD)
    assert response.status_code == 303 and response.headers["Location"] == "/agent/"
    assert "<h1>Queue</h1>" in client.get("/agent/").get_data(as_text=True)


def test_an_agent_signing_in_by_link_lands_on_the_desk(app, client):
    make_user(app, "dana@example.com", role="agent")
    response = sign_in(client, app, "dana@example.com")
    assert response.headers["Location"] == "/agent/"


def test_a_requester_still_lands_on_my_requests(app, client):
    make_user(app, "ann@example.com", password=PASSWORD)
    assert sign_in_with_password(client, "ann@example.com", PASSWORD).headers["Location"] \
        == "/requests"
    other = app.test_client()
    assert sign_in(other, app, "ann@example.com").headers["Location"] == "/requests"


def test_a_safe_next_wins_for_an_agent(app, client):
    make_user(app, "dana@example.com", role="agent", password=PASSWORD)
    response = sign_in_with_password(client, "dana@example.com", PASSWORD,
                                     next="/articles/account/passwords")
    assert response.headers["Location"] == "/articles/account/passwords"


def test_an_unsafe_next_sends_an_agent_to_the_desk_not_away(app, client):
    make_user(app, "dana@example.com", role="agent", password=PASSWORD)
    response = sign_in_with_password(client, "dana@example.com", PASSWORD,
                                     next="//evil.example/agent/")
    assert response.headers["Location"] == "/agent/"


def test_an_unproven_agent_account_is_not_sent_to_the_desk(app, client):
    make_user(app, "dana@example.com", role="agent", password=PASSWORD, verified=False)
    response = sign_in_with_password(client, "dana@example.com", PASSWORD)
    assert response.headers["Location"] == "/requests"


def test_an_agent_setting_a_new_password_lands_on_the_desk(app, client):
    make_user(app, "dana@example.com", role="agent", password=PASSWORD)
    response = reset(client, app, email="dana@example.com")
    assert response.headers["Location"] == "/agent/"
