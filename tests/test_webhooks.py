"""Webhooks: registered by an admin, queued with the change, signed, retried, paused."""

import hashlib
import hmac
import json
import time

import pytest
from accounts import file_request, make_user, outbox, post
from desk import reply, signed_in
from hookreceiver import Receiver

from helpdesk.extensions import db
from helpdesk.models import Ticket, Webhook, WebhookDelivery
from helpdesk.outgoing import hook_delivery, webhooks
from helpdesk.tickets import conversation


@pytest.fixture
def app(make_app):
    return make_app(WEBHOOK_ALLOW_PRIVATE=True)  # the receiver listens on 127.0.0.1


@pytest.fixture
def receiver():
    with Receiver() as found:
        yield found


def hook_for(app, url, events=webhooks.EVENTS):
    with app.app_context():
        hook = webhooks.register(url, events, "admin@example.com")
        return hook.id, hook.secret


def deliver(app):
    with app.app_context():
        return hook_delivery.deliver_pending()


def verified(secret, headers, body):
    parts = dict(p.split("=", 1) for p in headers["Helpdesk-Signature"].split(","))
    expected = hmac.new(secret.encode(), f"{parts['t']}.{body}".encode(), hashlib.sha256)
    return hmac.compare_digest(parts["v1"], expected.hexdigest()) and (
        abs(time.time() - int(parts["t"])) < 300)


def test_an_admin_registers_a_hook_and_sees_its_secret_once(app, receiver):
    client = signed_in(app, "boss@example.com", role="admin")
    answer = post(client, "/agent/webhooks", {"url": receiver.url,
                                              "events": ["request.created"]},
                  token_from="/agent/webhooks")
    assert answer.status_code == 200
    with app.app_context():
        secret = db.session.execute(db.select(Webhook.secret)).scalar_one()
    assert secret in answer.get_data(as_text=True)
    assert secret not in client.get("/agent/webhooks").get_data(as_text=True)


def test_an_agent_cannot_reach_the_webhooks_page(app):
    client = signed_in(app, "agent@example.com", role="agent")
    assert client.get("/agent/webhooks").status_code == 403


def test_a_new_request_is_delivered_signed(app, receiver):
    _id, secret = hook_for(app, receiver.url)
    ref = file_request(app, "ann@example.com")
    assert deliver(app) == (1, 0)
    headers, body = receiver.received[0]
    event = json.loads(body)
    assert event["event"] == "request.created" and event["request"]["ref"] == ref
    assert verified(secret, headers, body)
    assert not verified("another secret", headers, body)


def test_messages_and_status_changes_are_delivered(app, receiver):
    hook_for(app, receiver.url, [webhooks.MESSAGE_ADDED, webhooks.STATUS_CHANGED])
    ref = file_request(app, "ann@example.com")
    client = signed_in(app)
    reply(client, ref, "We are on it.")
    deliver(app)
    events = [json.loads(body) for _headers, body in receiver.received]
    assert [e["event"] for e in events] == ["message.added", "status.changed"]
    assert events[0]["message"]["body"] == "We are on it."
    assert events[1]["change"] == {"old": "open", "new": "waiting_customer"}


def test_an_event_is_queued_in_the_same_transaction_as_the_change(app, receiver):
    hook_for(app, receiver.url, [webhooks.STATUS_CHANGED])
    ref = file_request(app, "ann@example.com")
    with app.app_context():
        ticket = Ticket.by_ref(ref)
        conversation._apply_status(ticket, "resolved", None, "x@example.com",
                                   ticket.created_at)
        db.session.rollback()  # the change is undone: its event must go with it
        assert db.session.execute(db.select(WebhookDelivery)).first() is None


def test_a_failing_receiver_is_retried_later_then_the_hook_is_paused_and_admins_told(
        make_app):
    app = make_app(WEBHOOK_ALLOW_PRIVATE=True, WEBHOOK_PAUSE_AFTER=2, WEBHOOK_RETRY_SECONDS=0)
    make_user(app, "admin@example.com", role="admin")
    with Receiver(status=500) as failing:
        hook_id, _secret = hook_for(app, failing.url, [webhooks.REQUEST_CREATED])
        file_request(app, "ann@example.com")
        assert deliver(app) == (0, 1)
        with app.app_context():
            delivery = db.session.execute(db.select(WebhookDelivery)).scalar_one()
            assert delivery.attempts == 1 and delivery.last_status == 500
            assert db.session.get(Webhook, hook_id).paused_at is None
        assert deliver(app) == (0, 1)
        assert len(failing.received) == 2
        with app.app_context():
            assert db.session.get(Webhook, hook_id).paused_at is not None
        assert any("paused" in m.subject for m in outbox(app, "admin@example.com"))
        assert deliver(app) == (0, 0)  # paused: nothing more is tried


def test_a_failed_delivery_waits_before_the_next_try(app):
    with Receiver(status=503) as failing:
        hook_for(app, failing.url, [webhooks.REQUEST_CREATED])
        file_request(app, "ann@example.com")
        deliver(app)
        assert deliver(app) == (0, 0)  # not due yet
    with app.app_context():
        delivery = db.session.execute(db.select(WebhookDelivery)).scalar_one()
        assert (delivery.next_attempt_at - delivery.created_at).total_seconds() >= 25


def test_private_and_loopback_addresses_are_refused_without_the_setting(make_app):
    app = make_app()
    with app.app_context():
        for url in ("http://127.0.0.1:9/x", "http://10.0.0.5/x", "http://[::1]/x",
                    "http://localhost/x", "ftp://example.com/x", "file:///etc/passwd"):
            with pytest.raises(webhooks.HookRefused):
                webhooks.register(url, webhooks.EVENTS, "admin@example.com")


def test_the_address_is_checked_again_at_delivery(make_app, receiver):
    allowed = make_app(WEBHOOK_ALLOW_PRIVATE=True)
    hook_id, _secret = hook_for(allowed, receiver.url, [webhooks.REQUEST_CREATED])
    file_request(allowed, "ann@example.com")
    strict = make_app(WEBHOOK_ALLOW_PRIVATE=False)
    assert deliver(strict) == (0, 1)
    assert receiver.received == []
    with strict.app_context():
        delivery = db.session.execute(db.select(WebhookDelivery)).scalar_one()
        assert "private or local" in delivery.last_error


def test_the_mail_send_command_also_delivers_webhooks(app, receiver):
    hook_for(app, receiver.url, [webhooks.REQUEST_CREATED])
    file_request(app, "ann@example.com")
    result = app.test_cli_runner().invoke(args=["mail", "send"])
    assert "webhooks: 1 delivered, 0 failed" in result.output
    assert len(receiver.received) == 1
