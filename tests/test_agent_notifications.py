"""Who is told what by mail, read from a real SMTP server: the requester (an agent's reply,
resolved with the satisfaction link) and agents (new request, requester's reply, assignment).
Every mail carries [HD-1042] in its subject and the headers that thread replies."""

import io
import re

import pytest
from accounts import file_request, make_user
from desk import reply, send, signed_in, user_id
from filing import PNG

from helpdesk.extensions import db
from helpdesk.models import Ticket
from helpdesk.outgoing.outbox import send_pending
from helpdesk.tickets import conversation

BASE = "https://help.example.com"


@pytest.fixture
def mail_app(make_app, smtp_server):
    return make_app(**smtp_server.config(), EXTERNAL_URL=BASE,
                    SUPPORT_ADDRESS="support@example.com")


def deliver(app):
    with app.app_context():
        send_pending()


def fresh(app, smtp_server):
    """Deliver what is queued, then forget it: the test reads only what comes next."""
    deliver(app)
    smtp_server.envelopes.clear()


def text_of(mail):
    return mail.get_body(("plain",)).get_content()


def to(smtp_server, address):
    return [m for m in smtp_server.messages if address in m["To"]]


def test_an_agents_reply_reaches_the_requester_with_its_files(mail_app, smtp_server):
    client = signed_in(mail_app)
    ref = file_request(mail_app, summary="Export fails")
    fresh(mail_app, smtp_server)
    reply(client, ref, "Please update to **3.2**.", files=[(io.BytesIO(PNG), "where.png")])
    deliver(mail_app)
    (mail,) = smtp_server.messages
    assert mail["To"] == "ann@example.com"
    assert mail["Subject"] == f"[{ref}] Re: Export fails"
    body = text_of(mail)
    assert "Please update to 3.2." in body and "**" not in body
    assert "<strong>3.2</strong>" in mail.get_body(("html",)).get_content()
    assert re.search(rf"where\.png: {BASE}/attachments/\S+/where\.png\?t=\S+", body)
    assert re.search(rf"{BASE}/requests/{ref}\?t=\S+", body)


def test_the_reply_mail_threads_with_the_earlier_mail(mail_app, smtp_server):
    client = signed_in(mail_app)
    ref = file_request(mail_app)
    deliver(mail_app)
    (received,) = [m for m in smtp_server.messages if m["To"] == "ann@example.com"]
    smtp_server.envelopes.clear()
    reply(client, ref, "An answer")
    deliver(mail_app)
    (mail,) = smtp_server.messages
    assert mail["In-Reply-To"] == received["Message-ID"]
    assert received["Message-ID"] in mail["References"]
    assert mail["Message-ID"] != received["Message-ID"]
    assert re.fullmatch(r"support\+\S+@example\.com", mail["Reply-To"])
    assert mail["X-Helpdesk-Request"] == ref


def test_an_internal_note_mails_nobody(mail_app, smtp_server):
    client = signed_in(mail_app)
    ref = file_request(mail_app)
    fresh(mail_app, smtp_server)
    reply(client, ref, "Just for us", action="note")
    deliver(mail_app)
    assert smtp_server.messages == []


def test_resolving_mails_the_requester_the_satisfaction_link(mail_app, smtp_server):
    client = signed_in(mail_app)
    ref = file_request(mail_app, summary="Export fails")
    fresh(mail_app, smtp_server)
    send(client, f"/agent/requests/{ref}/update", {"status": "resolved"})
    deliver(mail_app)
    (mail,) = smtp_server.messages
    assert mail["To"] == "ann@example.com"
    assert mail["Subject"] == f"[{ref}] Resolved: Export fails"
    assert re.search(rf"{BASE}/requests/{ref}\?t=\S+#rate", text_of(mail))


def test_a_new_request_goes_to_every_active_agent(mail_app, smtp_server):
    make_user(mail_app, "agent@example.com", role="agent")
    make_user(mail_app, "boss@example.com", role="admin")
    make_user(mail_app, "gone@example.com", role="agent", active=False)
    ref = file_request(mail_app, summary="Printer on fire")
    deliver(mail_app)
    (mail,) = [m for m in smtp_server.messages if m["To"] != "ann@example.com"]
    assert mail["To"] == "agent@example.com, boss@example.com"
    assert mail["Subject"] == f"[{ref}] New request: Printer on fire"
    assert f"{BASE}/agent/requests/{ref}" in text_of(mail)


def test_a_new_request_goes_to_the_agents_address_when_one_is_set(make_app, smtp_server):
    app = make_app(**smtp_server.config(), EXTERNAL_URL=BASE,
                   AGENT_NOTIFY_ADDRESS="team@example.com")
    make_user(app, "agent@example.com", role="agent")
    file_request(app)
    deliver(app)
    assert sorted(m["To"] for m in smtp_server.messages) == ["ann@example.com",
                                                             "team@example.com"]


def test_a_requesters_reply_goes_to_the_assignee(mail_app, smtp_server):
    client = signed_in(mail_app)
    make_user(mail_app, "bob@example.com", role="agent")
    ref = file_request(mail_app, summary="Export fails")
    send(client, f"/agent/requests/{ref}/update", {"assignee": str(user_id(mail_app,
                                                                          "agent@example.com"))})
    fresh(mail_app, smtp_server)
    with mail_app.test_request_context():
        conversation.add_reply(Ticket.by_ref(ref), body="Still broken",
                               author_email="ann@example.com")
    deliver(mail_app)
    (mail,) = smtp_server.messages
    assert mail["To"] == "agent@example.com"
    assert mail["Subject"] == f"[{ref}] New reply: Export fails"
    assert "Still broken" in text_of(mail)
    assert f"{BASE}/agent/requests/{ref}" in text_of(mail)


def test_an_agent_assigned_by_someone_else_is_told(mail_app, smtp_server):
    client = signed_in(mail_app)
    bob = make_user(mail_app, "bob@example.com", role="agent")
    ref = file_request(mail_app, summary="Export fails")
    fresh(mail_app, smtp_server)
    send(client, f"/agent/requests/{ref}/update", {"assignee": str(bob)})
    deliver(mail_app)
    (mail,) = smtp_server.messages
    assert mail["To"] == "bob@example.com"
    assert mail["Subject"] == f"[{ref}] Assigned to you: Export fails"
    body = text_of(mail)
    assert "agent@example.com assigned request" in body
    assert f"{BASE}/agent/requests/{ref}" in body
    assert mail["Message-ID"] and mail["X-Helpdesk-Request"] == ref


def test_taking_a_request_oneself_sends_no_mail(mail_app, smtp_server):
    client = signed_in(mail_app)
    ref = file_request(mail_app)
    fresh(mail_app, smtp_server)
    send(client, f"/agent/requests/{ref}/update", {"assignee": str(user_id(mail_app,
                                                                          "agent@example.com"))})
    deliver(mail_app)
    assert smtp_server.messages == []


def test_every_desk_mail_is_tagged_and_threaded(mail_app, smtp_server):
    client = signed_in(mail_app)
    bob = make_user(mail_app, "bob@example.com", role="agent")
    ref = file_request(mail_app)
    reply(client, ref, "Answer")
    send(client, f"/agent/requests/{ref}/update", {"assignee": str(bob), "status": "resolved"})
    deliver(mail_app)
    assert len(smtp_server.messages) >= 5
    for mail in smtp_server.messages:
        assert mail["Subject"].startswith(f"[{ref}] "), mail["Subject"]
        assert re.fullmatch(r"<[^<>@\s]+@[^<>@\s]+>", mail["Message-ID"])
        assert mail["X-Helpdesk-Request"] == ref
    with mail_app.app_context():
        db.session.remove()
