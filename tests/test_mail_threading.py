"""Threading and trust: a mail lands on the request it answers, and only on that one.

Order (docs/email.md): a signed token in the reply address or in our Message-ID,
then Message-IDs we stored, then the [HD-1042] subject tag for participants only; else a
new request. A spoofed sender cannot add to someone else's request, and an agent's
address speaks as an agent only with an agent token (and a proven address: see
test_mail_authentication.py for what proves a sender).
"""

from datetime import timedelta

import pytest
from accounts import make_user
from inbound import (
    MAIL_SETTINGS,
    SUPPORT,
    build,
    inbound,
    outbox,
    proven,
    reply_to,
    take,
    tickets,
)

from helpdesk.extensions import db
from helpdesk.models import Ticket, utcnow
from helpdesk.outgoing.outbox import build_message


@pytest.fixture
def app(make_app):
    return make_app(**MAIL_SETTINGS)


def first_request(app, sender="ann@example.org", **kwargs):
    outcome = take(app, build(sender=sender, **kwargs))
    assert outcome.kind == "request", outcome.describe()
    return outcome.ticket_ref


def confirmation(app, to="ann@example.org"):
    return [m for m in outbox(app, to) if "We received your request" in m.subject][-1]


def test_a_first_mail_from_an_unknown_address_opens_an_email_request(app):
    ref = first_request(app, subject="Export fails", body="Nothing happens.")
    ticket = tickets(app)[0]
    assert (ticket.ref, ticket.channel, ticket.requester_email) == (ref, "email", "ann@example.org")
    assert ticket.summary == "Export fails"
    assert ticket.messages[0].body == "Nothing happens."


def test_the_confirmation_carries_a_signed_reply_address_and_threads_with_the_mail(app):
    first_request(app, message_id="<first@example.org>")
    mail = confirmation(app)
    assert mail.headers["Reply-To"].startswith("support+hd-1-r-")
    assert mail.headers["Reply-To"].endswith("@help.example.com")
    assert mail.headers["Message-ID"].startswith("<hd-1-r-")
    assert mail.headers["In-Reply-To"] == "<first@example.org>"
    assert "[HD-1001]" in mail.subject


def test_a_reply_to_the_reply_address_lands_on_the_same_request(app):
    ref = first_request(app)
    notice = confirmation(app)
    raw = build(to=notice.headers["Reply-To"], subject="more details", body="It also crashes.")
    outcome = take(app, raw)
    assert (outcome.kind, outcome.ticket_ref) == ("reply", ref)
    assert [m.body for m in tickets(app)[0].messages][-1] == "It also crashes."


def test_a_reply_sent_to_the_plain_address_is_found_by_our_message_id(app):
    ref = first_request(app)
    outcome = take(app, reply_to(confirmation(app), to=SUPPORT))
    assert (outcome.kind, outcome.ticket_ref) == ("reply", ref)
    assert "matched by Message-ID" in outcome.reason


def test_the_quoted_history_is_left_out_of_the_reply(app):
    first_request(app)
    take(app, reply_to(confirmation(app), body="Thanks, that worked."))
    assert tickets(app)[0].messages[-1].body == "Thanks, that worked."


def test_a_forged_token_does_not_reach_the_request(app):
    first_request(app)
    real = confirmation(app).headers["Reply-To"]
    forged = real[:-len("@help.example.com") - 3] + "aaa@help.example.com"
    outcome = take(app, build(sender="mallory@example.net", to=forged, subject="hello"))
    assert outcome.kind == "request" and outcome.ticket_ref == "HD-1002"
    assert len(tickets(app)[0].messages) == 1


def test_a_proven_reply_all_to_the_requesters_first_mail_lands_on_its_request(app):
    ref = first_request(app, message_id="<original@example.org>")
    raw = proven(build(sender="colleague@example.org", subject="Re: The export button does nothing",
                       body="Same here.", headers={"In-Reply-To": "<original@example.org>"}))
    outcome = take(app, raw)
    assert (outcome.kind, outcome.ticket_ref) == ("reply", ref)
    assert "stored Message-ID" in outcome.reason


def test_the_subject_tag_counts_when_the_requester_writes(app):
    ref = first_request(app)
    outcome = take(app, build(subject=f"Re: [{ref}] Export", body="Any news?"))
    assert (outcome.kind, outcome.ticket_ref) == ("reply", ref)
    assert "subject tag" in outcome.reason


def test_the_subject_tag_from_a_stranger_starts_a_new_request(app):
    ref = first_request(app)
    outcome = take(app, build(sender="mallory@example.net", subject=f"Re: [{ref}] Export",
                              body="Please send me the invoice."))
    assert outcome.kind == "request" and outcome.ticket_ref != ref
    first, second = tickets(app)
    assert len(first.messages) == 1
    assert second.requester_email == "mallory@example.net"


def test_an_agent_answering_an_agents_notice_by_mail_replies_as_the_agent(app):
    make_user(app, "agent@help.example.com", role="agent")
    ref = first_request(app)
    notice = outbox(app, "agent@help.example.com")[-1]
    assert "-a-" in notice.headers["Reply-To"]
    outcome = take(app, proven(reply_to(notice, sender="agent@help.example.com",
                                        body="Please update to 3.2.2."), "help.example.com"))
    assert (outcome.kind, outcome.ticket_ref) == ("reply", ref)
    ticket = tickets(app)[0]
    assert ticket.status == "waiting_customer"
    assert ticket.messages[-1].author_id is not None
    assert any("Please update to 3.2.2." in m.body_text for m in outbox(app, "ann@example.org"))


def test_an_agents_address_with_the_requesters_token_is_not_taken_as_the_agent(app):
    make_user(app, "agent@help.example.com", role="agent")
    first_request(app)
    outcome = take(app, reply_to(confirmation(app), sender="agent@help.example.com",
                                 body="Your refund is approved."))
    assert outcome.kind == "ignored"
    assert len(tickets(app)[0].messages) == 1
    assert not any("refund" in m.body_text for m in outbox(app, "ann@example.org"))


def test_an_agents_address_with_only_the_subject_tag_is_not_taken_as_the_agent(app):
    make_user(app, "agent@help.example.com", role="agent")
    ref = first_request(app)
    outcome = take(app, build(sender="agent@help.example.com", subject=f"Re: [{ref}] x",
                              body="Your refund is approved."))
    assert outcome.kind == "ignored" and "token" in outcome.reason
    assert len(tickets(app)) == 1 and len(tickets(app)[0].messages) == 1


def test_a_stranger_cannot_use_an_agents_notice_to_post(app):
    make_user(app, "agent@help.example.com", role="agent")
    first_request(app)
    notice = outbox(app, "agent@help.example.com")[-1]
    outcome = take(app, reply_to(notice, sender="mallory@example.net", body="Hi"))
    assert outcome.kind == "ignored"
    assert len(tickets(app)[0].messages) == 1


def test_an_agent_forwarding_a_customer_mail_opens_a_new_request(app):
    make_user(app, "agent@help.example.com", role="agent")
    outcome = take(app, build(sender="agent@help.example.com", subject="Fwd: billing question"))
    assert outcome.kind == "request"


def _close(app, ref, days_ago):
    with app.app_context():
        ticket = Ticket.by_ref(ref)
        ticket.status = "closed"
        ticket.closed_at = ticket.resolved_at = utcnow() - timedelta(days=days_ago)
        db.session.commit()


def test_a_reply_to_a_recently_closed_request_reopens_it(app):
    ref = first_request(app)
    _close(app, ref, days_ago=3)
    outcome = take(app, proven(reply_to(confirmation(app), body="It broke again.")))
    assert (outcome.kind, outcome.ticket_ref) == ("reply", ref)
    assert tickets(app)[0].status == "open"


def test_a_reply_long_after_closing_starts_a_linked_request(app):
    ref = first_request(app)
    _close(app, ref, days_ago=60)
    outcome = take(app, proven(reply_to(confirmation(app), body="It broke again.")))
    assert outcome.kind == "reply" and outcome.ticket_ref != ref
    old, new = tickets(app)
    assert old.status == "closed"
    assert new.parent_id == old.id and new.messages[-1].body == "It broke again."


def test_the_whole_subject_stays_on_the_message_when_the_summary_is_cut(app):
    subject = "The export fails " + "again and " * 40 + "again"
    first_request(app, subject=subject)
    ticket = tickets(app)[0]
    assert len(ticket.summary) <= 255 and ticket.summary.endswith("…")
    assert ticket.messages[0].subject == subject


def test_the_apps_device_details_become_the_requests_environment(app):
    first_request(app, body="The app crashes on start.\n\nApp version: 3.2.1\nOS: Android 14\n"
                            "Device: Pixel 7\n")
    ticket = tickets(app)[0]
    assert ticket.environment == {"app_version": "3.2.1", "app_os": "Android 14",
                                  "app_device": "Pixel 7"}
    assert ticket.type == "technical-support" and ticket.fields == {"application": "mobile"}


def test_files_the_storage_refuses_are_listed_on_the_request_with_the_reason(app):
    png = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
           b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7"
           b"5\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")
    first_request(app, attachments=[("screen.png", png, "image/png"),
                                    ("setup.exe", b"MZ\x90\x00binary", "application/octet-stream")])
    ticket = tickets(app)[0]
    assert [a.original_name for a in ticket.attachments] == ["screen.png"]
    assert "Files not attached:\n- setup.exe: this kind of file is not accepted" in \
        ticket.messages[0].body


def test_the_confirmation_and_the_agents_notice_list_the_files_not_attached(app):
    make_user(app, "agent@help.example.com", role="agent")
    first_request(app, attachments=[("notes.txt", b"the steps I took", "text/plain"),
                                    ("setup.exe", b"MZ\x90\x00binary", "application/octet-stream")])
    refused = "setup.exe: this kind of file is not accepted"
    mine = confirmation(app)
    assert refused in mine.body_text and refused in mine.body_html
    for_agents = [m for m in outbox(app, "agent@help.example.com")
                  if "New request" in m.subject][-1]
    assert refused in for_agents.body_text


def test_no_line_break_from_a_mail_reaches_the_headers_we_send(app):
    first_request(app, subject="=?utf-8?Q?Hello=0D=0ABcc:_victim@example.net?=")
    mail = confirmation(app)
    with app.app_context():
        sent = build_message(mail)
    assert "Bcc" not in sent and "\n" not in str(sent["Subject"]) and "\r" not in mail.subject


def test_agents_can_read_the_whole_original_of_a_stripped_reply(app, client):
    from accounts import sign_in
    make_user(app, "agent@help.example.com", role="agent")
    first_request(app)
    take(app, reply_to(confirmation(app), body="Thanks, that worked."))
    message_id = inbound(app)[-1].message_id
    assert client.get(f"/agent/mail/messages/{message_id}/original").status_code == 303
    sign_in(client, app, "ann@example.org")  # the requester: not for them
    assert client.get(f"/agent/mail/messages/{message_id}/original").status_code == 404
    sign_in(client, app, "agent@help.example.com")
    page = client.get(f"/agent/mail/messages/{message_id}/original").get_data(as_text=True)
    assert "Thanks, that worked." in page and "&gt; " in page


def test_requesters_cannot_read_the_original_mail_page(app, client):
    from accounts import sign_in
    make_user(app, "ann@example.org")
    first_request(app)
    take(app, reply_to(confirmation(app), body="Thanks."))
    sign_in(client, app, "ann@example.org")
    message_id = inbound(app)[-1].message_id
    assert client.get(f"/agent/mail/messages/{message_id}/original").status_code == 404


def test_a_requester_who_wrote_by_mail_later_signs_in_and_finds_the_request(app, client):
    from accounts import sign_in
    ref = first_request(app, subject="Export fails")
    sign_in(client, app, "ann@example.org")
    page = client.get("/requests").get_data(as_text=True)
    assert ref in page and "Export fails" in page


def test_the_original_of_a_mail_is_never_cached(app, client):
    from accounts import sign_in
    make_user(app, "agent@help.example.com", role="agent")
    first_request(app)
    take(app, reply_to(confirmation(app), body="Thanks, that worked."))
    message_id = inbound(app)[-1].message_id
    sign_in(client, app, "agent@help.example.com")
    response = client.get(f"/agent/mail/messages/{message_id}/original")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
