"""The queue marks "New reply" on requests the requester answered since this agent last
opened them, one agent at a time."""

import re

from accounts import file_request, get_user
from desk import page, reply, signed_in

from helpdesk.extensions import db
from helpdesk.models import Ticket
from helpdesk.tickets import conversation


def requester_writes(app, ref, body="It still fails."):
    with app.test_request_context():
        conversation.add_reply(Ticket.by_ref(ref), body=body, author_email="ann@example.com")


def agent_writes(app, ref, email, body, internal=False):
    with app.test_request_context():
        conversation.add_reply(Ticket.by_ref(ref), body=body, internal=internal,
                               author=db.session.merge(get_user(app, email)))


def marked(client):
    """The references the queue (All view) marks "New reply"."""
    html = page(client, "/agent/?view=all")
    return set(re.findall(r'(HD-\d+)</span> <span class="badge badge-new">New reply</span>',
                          html))


def test_a_requesters_answer_since_the_agent_looked_is_marked(app):
    dana = signed_in(app, "dana@example.com")
    ref = file_request(app)
    reply(dana, ref, "Which browser do you use?")  # opens the page, then sends
    assert marked(dana) == set()
    requester_writes(app, ref, "Firefox 128.")
    assert marked(dana) == {ref}


def test_opening_the_request_clears_the_mark(app):
    dana = signed_in(app, "dana@example.com")
    ref = file_request(app)
    page(dana, f"/agent/requests/{ref}")
    requester_writes(app, ref)
    assert marked(dana) == {ref}
    page(dana, f"/agent/requests/{ref}")
    assert marked(dana) == set()


def test_each_agent_has_their_own_mark(app):
    dana = signed_in(app, "dana@example.com")
    eve = signed_in(app, "eve@example.com")
    ref = file_request(app)
    requester_writes(app, ref)
    page(dana, f"/agent/requests/{ref}")
    assert marked(dana) == set()
    assert marked(eve) == {ref}


def test_a_new_request_alone_is_not_a_new_reply(app):
    dana = signed_in(app, "dana@example.com")
    file_request(app)
    assert marked(dana) == set()


def test_what_agents_write_marks_nothing(app):
    dana = signed_in(app, "dana@example.com")
    signed_in(app, "eve@example.com")
    ref = file_request(app)
    page(dana, f"/agent/requests/{ref}")
    agent_writes(app, ref, "eve@example.com", "I'll take this one.", internal=True)
    agent_writes(app, ref, "eve@example.com", "Could you send a screenshot?")
    assert marked(dana) == set()
