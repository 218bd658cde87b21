"""Spoofed replies: a mail speaks for its sender only as far as the sender is proven.

Proof is the receiving server's Authentication-Results (its authserv-id trusted in
MAIL_AUTHSERV_IDS) or a DKIM signature we verify ourselves, with the key fetched from a
real DNS server on loopback. A clue to a request (the subject tag, a stored Message-ID,
even our signed reply token) says which request a mail answers, never who wrote it:

- unproven, in a participant's name: added, marked "Sender not verified" for agents, and
  the request's status stays as it was;
- unproven, from anyone else: a new request of its own;
- an agent's reply by mail needs the agent token and a proven agent address.
"""

import pytest
from accounts import make_user
from desk import page, signed_in
from inbound import MAIL_SETTINGS, build, outbox, proven, reply_to, take, tickets
from mailauth import DkimKey, authentication_results

from helpdesk.extensions import db
from helpdesk.models import Ticket, utcnow
from helpdesk.tickets import conversation

ANN = "ann@example.org"
MALLORY = "mallory@example.net"
UNVERIFIED = "Sender not verified"


@pytest.fixture
def app(make_app):
    return make_app(**MAIL_SETTINGS)


@pytest.fixture(scope="module")
def ann_key():
    """example.org's real signing key (its public half is published per test)."""
    return DkimKey("example.org")


@pytest.fixture
def published(ann_key, loopback_dns):
    loopback_dns.publish(ann_key)
    return ann_key


def ann_files(app, **kwargs):
    """Ann's first mail, proven; the request waits for her (an agent answered)."""
    outcome = take(app, proven(build(sender=ANN, **kwargs)))
    assert outcome.kind == "request", outcome.describe()
    with app.app_context():
        conversation.set_status(Ticket.by_ref(outcome.ticket_ref), "waiting_customer")
    return outcome.ticket_ref


def ann_notice(app):
    """The confirmation we mailed Ann: its Reply-To and Message-ID carry her token."""
    return [m for m in outbox(app, ANN) if "We received your request" in m.subject][-1]


def only(app):
    (ticket,) = tickets(app)
    return ticket


def agent_page(app, ref):
    client = signed_in(app, "agent@help.example.com")
    return page(client, f"/agent/requests/{ref}")


# --- the three attacks -----------------------------------------------------------------

def test_a_forged_from_with_the_subject_tag_is_marked_and_changes_no_status(app):
    ref = ann_files(app)
    forged = build(sender=ANN, subject=f"Re: [{ref}] Export", body="Please close my account.")
    outcome = take(app, forged)
    assert (outcome.kind, outcome.ticket_ref) == ("reply", ref)
    ticket = only(app)
    assert ticket.status == "waiting_customer"
    assert ticket.messages[-1].body == "Please close my account."
    html = agent_page(app, ref)
    assert html.count(UNVERIFIED) == 1
    assert f"this mail says it is from {ANN}, but its origin could not be checked" in html


def test_a_stranger_replying_to_the_requesters_own_message_id_starts_a_new_request(app):
    ref = ann_files(app, message_id="<ann-first@example.org>")
    raw = build(sender=MALLORY, subject="Re: The export button does nothing",
                body="Send the invoice to me instead.",
                headers={"In-Reply-To": "<ann-first@example.org>"})
    outcome = take(app, raw)
    assert outcome.kind == "request" and outcome.ticket_ref != ref
    assert f"answers {ref}" in outcome.reason
    first, second = tickets(app)
    assert len(first.messages) == 1 and first.status == "waiting_customer"
    assert second.requester_email == MALLORY


def test_a_forged_from_on_the_requesters_message_id_is_marked_and_changes_no_status(app):
    ref = ann_files(app, message_id="<ann-first@example.org>")
    raw = build(sender=ANN, subject="Re: The export button does nothing", body="Never mind.",
                headers={"In-Reply-To": "<ann-first@example.org>"})
    assert take(app, raw).ticket_ref == ref
    assert only(app).status == "waiting_customer"
    assert UNVERIFIED in agent_page(app, ref)


def test_a_forwarded_notice_does_not_let_its_holder_speak_as_the_requester(app):
    ref = ann_files(app)
    notice = ann_notice(app)
    outcome = take(app, reply_to(notice, sender=ANN, body="Refund me to IBAN XX00 1234."))
    assert (outcome.kind, outcome.ticket_ref) == ("reply", ref)
    assert "sender not proven" in outcome.reason
    assert only(app).status == "waiting_customer"
    assert UNVERIFIED in agent_page(app, ref)


def test_a_forwarded_notice_answered_from_an_unproven_stranger_starts_a_new_request(app):
    ref = ann_files(app)
    outcome = take(app, reply_to(ann_notice(app), sender=MALLORY, body="I am Ann's boss."))
    assert outcome.kind == "request" and outcome.ticket_ref != ref
    assert len(tickets(app)[0].messages) == 1


# --- proven mail lands as before ----------------------------------------------------------

def test_a_reply_the_receiving_server_proved_lands_and_reopens_the_conversation(app):
    ref = ann_files(app)
    outcome = take(app, proven(reply_to(ann_notice(app), sender=ANN, body="Still broken.")))
    assert (outcome.kind, outcome.ticket_ref) == ("reply", ref)
    assert f"sender proven: dmarc=pass by {MAIL_SETTINGS['MAIL_AUTHSERV_IDS'][0]}" in \
        outcome.reason
    ticket = only(app)
    assert ticket.status == "open" and ticket.messages[-1].body == "Still broken."
    assert UNVERIFIED not in agent_page(app, ref)


def test_an_aligned_dkim_pass_in_the_trusted_header_proves_the_sender(app):
    ref = ann_files(app)
    raw = authentication_results(build(sender=ANN, subject=f"Re: [{ref}] x", body="Hi."),
                                 "dkim=pass header.d=example.org header.i=@example.org;"
                                 " spf=none smtp.mailfrom=example.org")
    assert "dkim=pass d=example.org" in take(app, raw).reason
    assert only(app).status == "open"


def test_a_reply_with_a_valid_dkim_signature_lands_and_reopens_the_conversation(
        app, published, loopback_dns):
    ref = ann_files(app)
    signed = published.sign(reply_to(ann_notice(app), sender=ANN, body="Still broken."))
    outcome = take(app, signed)
    assert (outcome.kind, outcome.ticket_ref) == ("reply", ref)
    assert "sender proven: dkim verified d=example.org" in outcome.reason
    assert "s2026._domainkey.example.org" in loopback_dns.table.questions
    assert only(app).status == "open"
    assert UNVERIFIED not in agent_page(app, ref)


def test_a_signature_of_a_parent_domain_proves_a_subdomains_sender(app, loopback_dns):
    key = DkimKey("example.org", selector="parent")
    loopback_dns.publish(key)
    raw = key.sign(build(sender="ann@eu.example.org"))
    outcome = app.test_cli_runner().invoke(args=["mail", "ingest"], input=raw)
    assert "sender proven: dkim verified d=example.org" in outcome.output


# --- what proves nothing -------------------------------------------------------------------

@pytest.mark.parametrize("forged", [
    # Another server's word: anyone can write a header in its name.
    lambda raw: authentication_results(raw, "dmarc=pass header.from=example.org",
                                       by="mx.mallory.example.net"),
    # The trusted name, but below the receiving server's own block: the sender wrote it.
    lambda raw: authentication_results(
        b"Received: from mail.example.net by mx.help.example.com\n" + authentication_results(
            raw, "dmarc=pass header.from=example.org"), "dmarc=fail header.from=example.org"),
    # A pass for some other domain.
    lambda raw: authentication_results(raw, "dmarc=pass header.from=example.net;"
                                       " dkim=pass header.d=example.net"),
    # SPF for the envelope sender only, of another domain.
    lambda raw: authentication_results(raw, "spf=pass smtp.mailfrom=bounces@example.net"),
], ids=["untrusted-authserv-id", "below-the-servers-block", "other-domain", "spf-unaligned"])
def test_authentication_results_that_prove_nothing_count_for_nothing(app, forged):
    ref = ann_files(app)
    outcome = take(app, forged(build(sender=ANN, subject=f"Re: [{ref}] x", body="Close it.")))
    assert "sender not proven" in outcome.reason
    assert only(app).status == "waiting_customer"


def test_a_dmarc_fail_from_the_receiving_server_outweighs_a_dkim_pass(app):
    ref = ann_files(app)
    raw = authentication_results(build(sender=ANN, subject=f"Re: [{ref}] x"),
                                 "dkim=pass header.d=example.org; dmarc=fail"
                                 " header.from=example.org")
    outcome = take(app, raw)
    assert "dmarc=fail for example.org" in outcome.reason
    assert only(app).status == "waiting_customer"


def test_a_trusted_header_decides_and_no_own_dkim_check_overrules_it(app, published):
    ref = ann_files(app)
    signed = published.sign(build(sender=ANN, subject=f"Re: [{ref}] x"))
    raw = authentication_results(signed, "dkim=fail header.d=example.org")
    assert "sender not proven: dkim=fail" in take(app, raw).reason


@pytest.mark.parametrize("spoil, why", [
    (lambda key, raw: key.sign(raw).replace(b"Close my account", b"Close all accounts"),
     "body hash mismatch"),
    (lambda key, raw: key.sign(raw).replace(b"Subject: Re:", b"Subject: Fwd:"),
     "the signature does not verify"),
    (lambda key, raw: DkimKey("example.org", selector="s2026").sign(raw),
     "the signature does not verify"),  # signed with a key other than the published one
    (lambda key, raw: DkimKey("example.org", selector="gone").sign(raw), "no key published"),
    # dkimpy will not make such a signature; other signers do (and it proves nothing).
    (lambda key, raw: b"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.org;"
     b" s=s2026; h=to:subject; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;"
     b" b=dGhpcyBpcyBub3QgYSBzaWduYXR1cmU=\n" + raw, "the From header is not signed"),
    (lambda key, raw: key.sign(raw, length=True), "signs only part of the body"),
], ids=["body-changed", "header-changed", "wrong-key", "no-key", "from-unsigned", "l-tag"])
def test_a_broken_or_partial_dkim_signature_proves_nothing(app, published, spoil, why):
    ref = ann_files(app)
    raw = build(sender=ANN, subject=f"Re: [{ref}] x", body="Close my account.")
    outcome = take(app, spoil(published, raw))
    assert "sender not proven" in outcome.reason and why in outcome.reason
    assert only(app).status == "waiting_customer"


def test_a_valid_signature_of_another_domain_does_not_prove_the_from_address(app, loopback_dns):
    mallory = DkimKey("example.net")
    loopback_dns.publish(mallory)
    ref = ann_files(app)
    outcome = take(app, mallory.sign(build(sender=ANN, subject=f"Re: [{ref}] x")))
    assert "d=example.net: not the sender's domain example.org" in outcome.reason
    assert only(app).status == "waiting_customer"


def test_many_signatures_cost_at_most_three_key_lookups(app, loopback_dns):
    raw = build(sender=ANN)
    for number in range(8):
        raw = DkimKey("example.org", selector=f"k{number}", bits=1024).sign(raw)
    outcome = take(app, raw)
    assert outcome.kind == "request" and "too many signatures" in outcome.reason
    assert len(loopback_dns.table.questions) == 3


def test_a_dns_server_that_never_answers_leaves_the_sender_unproven(make_app, published):
    import socket
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # takes questions, answers none
    silent.bind(("127.0.0.1", 0))
    try:
        app = make_app(**MAIL_SETTINGS, MAIL_DKIM_DNS_SERVERS=(
            f"127.0.0.1:{silent.getsockname()[1]}",), MAIL_DKIM_DNS_TIMEOUT=0.3)
        outcome = take(app, published.sign(build(sender=ANN)))
    finally:
        silent.close()
    assert outcome.kind == "request"
    assert "no answer for the key s2026._domainkey.example.org. in time" in outcome.reason


def test_dkim_is_not_checked_when_the_site_turns_it_off(make_app, published, loopback_dns):
    app = make_app(**MAIL_SETTINGS, MAIL_DKIM_VERIFY=False)
    outcome = take(app, published.sign(build(sender=ANN)))
    assert "MAIL_DKIM_VERIFY is off" in outcome.reason
    assert loopback_dns.table.questions == []


# --- what an unproven reply does and does not do ------------------------------------------

def test_an_unproven_reply_to_a_long_closed_request_starts_no_request_in_the_senders_name(app):
    ref = ann_files(app)
    with app.app_context():
        ticket = Ticket.by_ref(ref)
        ticket.status = "closed"
        ticket.closed_at = ticket.resolved_at = utcnow().replace(year=2020)
        db.session.commit()
    before = len(outbox(app, ANN))
    outcome = take(app, build(sender=ANN, subject=f"Re: [{ref}] x", body="Reopen it."))
    assert (outcome.kind, outcome.ticket_ref) == ("reply", ref)
    assert [t.status for t in tickets(app)] == ["closed"]
    assert len(outbox(app, ANN)) == before  # nothing mailed in Ann's name to Ann


def test_agents_are_told_of_an_unproven_reply_as_unverified(app):
    make_user(app, "agent@help.example.com", role="agent")
    ref = ann_files(app)
    take(app, build(sender=ANN, subject=f"Re: [{ref}] x", body="Close it."))
    told = outbox(app, "agent@help.example.com")[-1]
    assert "sender not verified" in told.subject and "Close it." in told.body_text


def test_an_unproven_reply_is_not_linked_to_the_requesters_account(app):
    make_user(app, ANN)
    ref = ann_files(app)
    take(app, build(sender=ANN, subject=f"Re: [{ref}] x", body="Close it."))
    message = only(app).messages[-1]
    assert message.author_id is None and message.author_email == ANN


def test_an_unproven_new_request_is_still_a_request_and_marked_for_agents(app):
    outcome = take(app, build(sender=ANN, subject="Printer on fire"))
    assert outcome.kind == "request"
    assert "sender not proven" in outcome.reason
    assert UNVERIFIED in agent_page(app, outcome.ticket_ref)


def test_a_proven_new_request_carries_no_mark(app):
    outcome = take(app, proven(build(sender=ANN, subject="Printer on fire")))
    assert "sender proven" in outcome.reason
    assert UNVERIFIED not in agent_page(app, outcome.ticket_ref)


def test_a_proven_new_request_has_a_proven_address_and_an_unproven_one_does_not(app):
    proven_ref = take(app, proven(build(sender=ANN, subject="Printer on fire"))).ticket_ref
    unproven_ref = take(app, build(sender="bob@example.org", subject="Scanner")).ticket_ref
    client = signed_in(app, "agent@help.example.com")
    assert "Address not proven" not in page(client, f"/agent/requests/{proven_ref}")
    assert "Address not proven" in page(client, f"/agent/requests/{unproven_ref}")


def test_a_proven_reply_from_the_requester_proves_the_address(app):
    ref = take(app, build(sender=ANN, subject="Printer on fire")).ticket_ref
    take(app, proven(build(sender=ANN, subject=f"Re: [{ref}] Printer on fire", body="Still.")))
    assert "Address not proven" not in agent_page(app, ref)


def test_web_messages_carry_no_mark(app):
    from accounts import file_request
    ref = file_request(app, email=ANN)
    assert UNVERIFIED not in agent_page(app, ref)


# --- agents by mail ----------------------------------------------------------------------

def agents_notice(app):
    return outbox(app, "agent@help.example.com")[-1]


def test_an_agents_reply_by_mail_needs_a_proven_agent_address(app):
    make_user(app, "agent@help.example.com", role="agent")
    ann_files(app)
    forged = reply_to(agents_notice(app), sender="agent@help.example.com",
                      body="Your refund is approved.")
    outcome = take(app, forged)
    assert outcome.kind == "ignored" and "could not be proven" in outcome.reason
    assert len(only(app).messages) == 1
    assert not any("refund" in m.body_text for m in outbox(app, ANN))


def test_a_proven_agents_reply_by_mail_answers_as_the_agent(app):
    make_user(app, "agent@help.example.com", role="agent")
    ann_files(app)
    raw = proven(reply_to(agents_notice(app), sender="agent@help.example.com",
                          body="Please update to 3.2.2."), domain="help.example.com")
    outcome = take(app, raw)
    assert outcome.kind == "reply"
    ticket = only(app)
    assert ticket.messages[-1].author_id is not None
    assert any("Please update to 3.2.2." in m.body_text for m in outbox(app, ANN))


def test_a_proven_stranger_cannot_use_an_agents_notice(app):
    make_user(app, "agent@help.example.com", role="agent")
    ann_files(app)
    raw = proven(reply_to(agents_notice(app), sender=MALLORY), domain="example.net")
    assert take(app, raw).kind == "ignored"
    assert len(only(app).messages) == 1


# --- bounded work -----------------------------------------------------------------------

@pytest.mark.parametrize("others, status", [(19, "open"), (20, "waiting_customer")])
def test_only_the_first_twenty_authentication_results_are_read(app, others, status):
    ref = ann_files(app)
    raw = authentication_results(build(sender=ANN, subject=f"Re: [{ref}] x"),
                                 "dmarc=pass header.from=example.org")
    for number in range(others):  # other filters' verdicts, stacked above the server's own
        raw = authentication_results(raw, "none", by=f"filter{number}.example.net")
    take(app, raw)
    assert only(app).status == status


def test_a_wrong_dns_server_setting_keeps_the_mail_with_a_clear_reason(make_app, published):
    app = make_app(**MAIL_SETTINGS, MAIL_DKIM_DNS_SERVERS=("127.0.0.1:domain",))
    outcome = take(app, published.sign(build(sender=ANN)))
    assert outcome.kind == "kept"
    assert "MAIL_DKIM_DNS_SERVERS: 127.0.0.1:domain is not a list of IP addresses" in \
        outcome.reason
    assert tickets(app) == []
