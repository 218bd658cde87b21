"""Automatic mail never becomes a request and never makes us send mail: no loops.

Auto-replies (RFC 3834 Auto-Submitted, Precedence, X-Autoreply and friends), bounces
(delivery-status reports and mailer-daemon notices) and our own mail coming back are
recorded as ignored, with the reason. A bounce marks the address our mail failed to
reach, and the request page shows it.
"""

import pytest
from accounts import make_user, sign_in
from inbound import (
    MAIL_SETTINGS,
    SUPPORT,
    build,
    inbound,
    outbox,
    reply_to,
    take,
    tickets,
)

from helpdesk.extensions import db
from helpdesk.models import User
from helpdesk.outgoing import failing
from helpdesk.tickets import spam


@pytest.fixture
def app(make_app):
    return make_app(**MAIL_SETTINGS)


def assert_ignored_quietly(app, raw, why):
    before = len(outbox(app))
    outcome = take(app, raw)
    assert outcome.kind == "ignored" and why in outcome.reason, outcome.describe()
    assert len(outbox(app)) == before  # no mail goes out for it
    return outcome


@pytest.mark.parametrize("header, value, why", [
    ("Auto-Submitted", "auto-replied", "Auto-Submitted"),
    ("Auto-Submitted", "auto-generated", "Auto-Submitted"),
    ("Precedence", "bulk", "Precedence"),
    ("Precedence", "junk", "Precedence"),
    ("Precedence", "list", "Precedence"),
    ("X-Autoreply", "yes", "X-Autoreply"),
    ("X-Autorespond", "Out of office", "X-Autorespond"),
])
def test_an_auto_reply_opens_no_request(app, header, value, why):
    assert_ignored_quietly(app, build(subject="Out of office", headers={header: value}), why)
    assert tickets(app) == []


def test_auto_submitted_no_is_a_person_writing(app):
    outcome = take(app, build(headers={"Auto-Submitted": "no"}))
    assert outcome.kind == "request"


def test_an_auto_reply_to_our_confirmation_adds_nothing_and_sends_nothing(app):
    take(app, build())
    notice = outbox(app, "ann@example.org")[-1]
    auto = reply_to(notice, body="I am away until Monday.")
    auto = auto.replace(b"\nMIME-Version", b"\nAuto-Submitted: auto-replied\nMIME-Version", 1)
    assert_ignored_quietly(app, auto, "Auto-Submitted")
    assert len(tickets(app)[0].messages) == 1


def test_our_own_notice_coming_back_is_ignored(app):
    take(app, build())
    notice = outbox(app, "ann@example.org")[-1]
    looped = build(sender=SUPPORT, to=SUPPORT, subject=notice.subject, body=notice.body_text,
                   message_id=notice.headers["Message-ID"],
                   headers={"X-Helpdesk-Request": notice.headers["X-Helpdesk-Request"]})
    assert_ignored_quietly(app, looped, "our own")


def test_mail_from_our_own_address_is_ignored(app):
    assert_ignored_quietly(app, build(sender=f"Help Center <{SUPPORT}>"), "our own address")


def _dsn(recipient, action="failed", status="5.1.1"):
    return f"""From: MAILER-DAEMON@mx.example.org (Mail Delivery System)
To: {SUPPORT}
Subject: Undelivered Mail Returned to Sender
Message-ID: <bounce-{recipient}@mx.example.org>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b"

--b
Content-Type: text/plain

I'm sorry to have to inform you that your message could not be delivered.

--b
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.org

Final-Recipient: rfc822; {recipient}
Action: {action}
Status: {status}
Diagnostic-Code: smtp; 550 5.1.1 <{recipient}>: Recipient address rejected

--b--
""".replace("\n", "\r\n").encode()


def test_a_bounce_opens_no_request_and_marks_the_address_as_failing(app):
    take(app, build(sender="ann@example.org"))
    assert_ignored_quietly(app, _dsn("ann@example.org"), "bounce")
    assert len(tickets(app)) == 1
    with app.app_context():
        row = failing.status("ann@example.org")
        assert row is not None and "Recipient address rejected" in row.reason


def test_a_delay_notice_marks_nothing(app):
    take(app, build(sender="ann@example.org"))
    assert_ignored_quietly(app, _dsn("ann@example.org", action="delayed", status="4.4.1"), "delay")
    with app.app_context():
        assert failing.status("ann@example.org") is None


def test_a_bounce_for_an_address_we_never_mailed_marks_nothing(app):
    assert_ignored_quietly(app, _dsn("stranger@example.net"), "bounce")
    with app.app_context():
        assert failing.status("stranger@example.net") is None


def test_a_mailer_daemon_notice_without_a_report_is_still_a_bounce(app):
    raw = build(sender="MAILER-DAEMON@mx.example.org", subject="Mail delivery failed",
                body="A message that you sent could not be delivered.",
                headers={"Return-Path": "<>"})
    assert_ignored_quietly(app, raw, "bounce")


def test_a_person_forwarding_a_bounce_to_support_is_heard(app):
    outcome = take(app, build(subject="Fwd: Undelivered Mail Returned to Sender",
                              body="I got this when I wrote to you. Why?"))
    assert outcome.kind == "request"


def test_the_request_page_shows_that_mail_to_the_requester_bounces(app, client):
    make_user(app, "agent@help.example.com", role="agent")
    ref = take(app, build(sender="ann@example.org")).ticket_ref
    take(app, _dsn("ann@example.org"))
    sign_in(client, app, "agent@help.example.com")
    page = client.get(f"/requests/{ref}").get_data(as_text=True)
    assert "email to this address is bouncing" in page


def test_mail_from_a_failing_address_clears_the_mark(app):
    take(app, build(sender="ann@example.org"))
    take(app, _dsn("ann@example.org"))
    take(app, build(sender="ann@example.org", subject="I fixed my mailbox"))
    with app.app_context():
        assert failing.status("ann@example.org") is None


def test_every_ignored_mail_is_recorded_with_its_reason(app):
    take(app, build(headers={"Precedence": "bulk"}))
    rows = inbound(app)
    assert [(r.status, r.reason) for r in rows] == [
        ("ignored", "bulk or list mail (Precedence: bulk)")]


def test_mail_from_a_sender_an_agent_blocked_is_refused_quietly(app):
    agent_id = make_user(app, "agent@example.com", role="agent")
    first = take(app, build(sender="pest@example.net"))
    assert first.kind == "request"
    with app.app_context():
        spam.block("pest@example.net", db.session.get(User, agent_id))
    assert_ignored_quietly(app, build(sender="pest@example.net", subject="Again"),
                           "sender blocked")
    assert len(tickets(app)) == 1
