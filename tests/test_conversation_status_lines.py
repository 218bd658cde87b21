"""Solved and reopened leave a line in the conversation, for the requester and the agents;
marking your own request solved asks for the rating on the page, not by a second mail."""

import re

import pytest
from accounts import file_request, outbox, sign_in
from desk import page, reply, send, signed_in
from test_agent_names import name_agent
from test_conversation_pages import press

from helpdesk.agent.actions import auto_close_resolved
from helpdesk.extensions import db
from helpdesk.models import Ticket, utcnow


@pytest.fixture
def carol(app, client):
    sign_in(client, app, "carol@example.com")
    return client


def lines(html):
    """The status lines of a conversation, as read: "Marked solved by you"."""
    return [" ".join(re.sub(r"<[^>]+>", "", line).split()).split(" on ")[0]
            for line in re.findall(r'<li class="status-line[^"]*">(.*?)</li>', html, re.S)]


def test_marking_solved_asks_for_the_rating_on_the_page_and_mails_nothing(app, carol):
    ref = file_request(app, email="carol@example.com")
    before = len(outbox(app, "carol@example.com"))
    response = press(carol, ref, "solve")
    html = carol.get(response.headers["Location"]).get_data(as_text=True)
    assert "Rate our help" in html
    mails = outbox(app, "carol@example.com")
    assert len(mails) == before and not [m for m in mails if "Resolved:" in m.subject]


def test_marked_solved_is_a_line_for_the_requester_and_the_agents(app, carol):
    ref = file_request(app, email="carol@example.com")
    press(carol, ref, "solve")
    assert lines(page(carol, f"/requests/{ref}")) == ["Marked solved by you"]
    agent = signed_in(app)
    assert lines(page(agent, f"/agent/requests/{ref}")) == ["Marked solved by carol@example.com"]


def test_the_line_names_the_requester_when_they_gave_a_name(app, carol):
    ref = file_request(app, email="carol@example.com")
    name_agent(app, "carol@example.com", "Carol Customer")
    press(carol, ref, "solve")
    agent = signed_in(app)
    html = page(agent, f"/agent/requests/{ref}")
    assert lines(html) == ["Marked solved by Carol Customer"]
    assert re.search(r"Marked solved by Carol Customer\s+on <time datetime=", html)


def test_reopening_is_a_line_too(app, carol):
    ref = file_request(app, email="carol@example.com")
    press(carol, ref, "solve")
    press(carol, ref, "reopen")
    assert lines(page(carol, f"/requests/{ref}")) == ["Marked solved by you", "Reopened by you"]


def test_an_agent_resolving_shows_their_name_to_the_requester(app, carol):
    agent = signed_in(app, "dana@example.com")
    name_agent(app, "dana@example.com", "Dana Agent")
    ref = file_request(app, email="carol@example.com")
    reply(agent, ref, "Fixed.", then_status="resolved")
    html = page(carol, f"/requests/{ref}")
    assert lines(html) == ["Resolved by Dana Agent"]
    # after the reply that resolved it, not before
    assert html.index("Fixed.") < html.index('class="status-line')


def test_closing_on_its_own_says_automatically(app, carol):
    agent = signed_in(app)
    ref = file_request(app, email="carol@example.com")
    send(agent, f"/agent/requests/{ref}/update", {"status": "resolved"})
    with app.app_context():
        found = Ticket.by_ref(ref)
        found.resolved_at = utcnow().replace(year=2020)
        db.session.commit()
        auto_close_resolved()
    assert lines(page(carol, f"/requests/{ref}"))[-1] == "Closed automatically"
