"""Who may open the agent desk: every /agent/ route is checked on the server.

The routes are read from the app's URL map, so a route added later is covered too:
a requester gets 404 (the desk does not exist for them), a signed-out visitor, a
deactivated agent and an agent idle for longer than AGENT_IDLE_TIMEOUT are sent to sign
in, and agents get 403 on admin pages.
"""

import re
import time

import pytest
from accounts import file_request, make_user, page_token, sign_in_with_password
from desk import PASSWORD, page, signed_in

from helpdesk.agent.gate import SEEN
from helpdesk.extensions import db
from helpdesk.models import User

SAMPLE = {"ref": "HD-1001", "user_id": "1", "reply_id": "1", "message_id": "1", "hook_id": "1",
          "name": "20250101-000000-abcdef.eml"}
ADMIN_ONLY = {"agent.people_page", "agent.invite", "agent.change_role", "agent.change_active",
              "agent.export", "agent.erase", "agent.delete", "agent.saved_replies",
              "agent.edit_saved_reply", "agent.delete_saved_reply", "agent.kept_list",
              "agent.kept_retry", "agent.webhooks_page", "agent.pause_webhook",
              "agent.delete_webhook"}


def agent_routes(app):
    """(method, url, endpoint) for every rule under /agent/, with sample values filled in."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/agent"):
            continue
        url = rule.rule
        for name in rule.arguments:
            url = re.sub(rf"<(?:[a-z]+:)?{name}>", SAMPLE[name], url)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((method, url, rule.endpoint))
    return found


def routes_of(app, blueprint_only=False):
    return [r for r in agent_routes(app) if not blueprint_only or r[2].startswith("agent.")]


def call(client, method, url, token):
    if method == "GET":
        return client.get(url)
    return client.post(url, data={"csrf_token": token, "email": "ann@example.com"})


@pytest.fixture
def desk_app(app):
    file_request(app)
    return app


def test_the_desk_has_the_routes_this_suite_checks(app):
    endpoints = {endpoint for _, _, endpoint in agent_routes(app)}
    assert {"agent.queue_page", "agent.request_page", "agent.reply", "agent.bulk",
            "agent.insights_page", "agent.insights_csv"} <= endpoints
    assert ADMIN_ONLY <= endpoints


def test_a_requester_gets_404_on_every_agent_route(desk_app):
    client = signed_in(desk_app, "ann@example.com", role="requester")
    token = page_token(client, "/requests")
    for method, url, _ in agent_routes(desk_app):
        response = call(client, method, url, token)
        assert response.status_code == 404, (method, url, response.status_code)


def test_a_signed_out_visitor_is_sent_to_sign_in_from_every_desk_route(desk_app, client):
    token = page_token(client, "/login")
    for method, url, _ in routes_of(desk_app, blueprint_only=True):
        response = call(client, method, url, token)
        assert response.status_code in (302, 303), (method, url, response.status_code)
        assert response.headers["Location"].startswith("/login"), (method, url)


def test_a_signed_out_visitor_never_sees_the_mail_pages_under_agent(desk_app, client):
    token = page_token(client, "/login")
    for method, url, endpoint in routes_of(desk_app):
        if not endpoint.startswith("agent."):
            assert call(client, method, url, token).status_code in (302, 303, 404), url


def test_a_sign_in_from_a_desk_link_comes_back_to_it(desk_app, client):
    response = client.get("/agent/requests/HD-1001")
    assert response.headers["Location"] == "/login?next=/agent/requests/HD-1001"


def test_a_deactivated_agent_is_signed_out_of_every_desk_route(desk_app):
    client = signed_in(desk_app, role="agent")
    page(client, "/agent/")
    with desk_app.app_context():
        found = db.session.execute(db.select(User).where(User.email == "agent@example.com")
                                   ).scalar_one()
        found.is_active = False
        db.session.commit()
    token = page_token(client, "/login")
    for method, url, _ in routes_of(desk_app, blueprint_only=True):
        response = call(client, method, url, token)
        assert response.status_code in (302, 303), (method, url, response.status_code)
        assert response.headers["Location"].startswith("/login")


def expire(client, seconds_ago):
    with client.session_transaction() as session:
        session[SEEN] = int(time.time()) - seconds_ago


def test_an_agent_idle_longer_than_the_limit_is_signed_out_of_every_desk_route(make_app):
    app = make_app(AGENT_IDLE_TIMEOUT=600)
    file_request(app)
    client = signed_in(app, role="admin")
    for method, url, _ in routes_of(app, blueprint_only=True):
        token = page_token(client, "/agent/")
        expire(client, 601)
        response = call(client, method, url, token)
        assert response.status_code in (302, 303), (method, url, response.status_code)
        assert response.headers["Location"].startswith("/login"), (method, url)
        sign_in_with_password(client, "agent@example.com", PASSWORD)  # back for the next


def test_the_idle_agent_reads_why_they_must_sign_in_again(make_app):
    app = make_app(AGENT_IDLE_TIMEOUT=1800)
    client = signed_in(app)
    expire(client, 1801)
    response = client.get("/agent/", follow_redirects=True)
    assert "signed out after 30 minutes without activity" in response.get_data(as_text=True)
    assert client.get("/agent/").status_code == 303  # still signed out


def test_an_agent_within_the_idle_limit_stays_signed_in(make_app):
    app = make_app(AGENT_IDLE_TIMEOUT=1800)
    client = signed_in(app)
    expire(client, 1700)
    assert client.get("/agent/").status_code == 200
    expire(client, 1700)  # each request counts as activity
    assert client.get("/agent/").status_code == 200


def test_idle_time_counts_on_every_page_not_only_the_desk(make_app):
    app = make_app(AGENT_IDLE_TIMEOUT=600)
    client = signed_in(app)
    expire(client, 700)
    client.get("/articles/")
    assert client.get("/agent/").status_code == 303


def test_a_requester_session_has_no_idle_limit(make_app):
    app = make_app(AGENT_IDLE_TIMEOUT=600)
    client = signed_in(app, "ann@example.com", role="requester")
    expire(client, 7200)
    assert client.get("/requests").status_code == 200


def test_keep_me_signed_in_does_not_outlast_an_agents_idle_limit(make_app):
    app = make_app(AGENT_IDLE_TIMEOUT=600)
    make_user(app, "agent@example.com", role="agent", password=PASSWORD)
    client = app.test_client()
    sign_in_with_password(client, "agent@example.com", PASSWORD, remember="y")
    assert client.get("/agent/").status_code == 200
    expire(client, 700)
    assert client.get("/agent/").status_code == 303


def test_an_agent_gets_403_on_admin_pages(desk_app):
    client = signed_in(desk_app, role="agent")
    token = page_token(client, "/agent/")
    for method, url, endpoint in routes_of(desk_app, blueprint_only=True):
        if endpoint in ADMIN_ONLY:
            assert call(client, method, url, token).status_code == 403, (method, url)


def test_an_agent_opens_every_desk_page_that_is_not_for_admins(desk_app):
    client = signed_in(desk_app, role="agent")
    for method, url, endpoint in routes_of(desk_app, blueprint_only=True):
        if (method == "GET" and endpoint not in ADMIN_ONLY
                and endpoint not in ("agent.insights_csv", "agent.original")):
            assert client.get(url).status_code == 200, url
