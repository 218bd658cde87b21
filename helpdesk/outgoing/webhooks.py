"""Webhooks: URLs an admin registered, told when a request is created, a message is added
or a status changes.

An event is queued here as a `WebhookDelivery` row in the caller's transaction, so a
delivery exists exactly when the change it reports was committed (the outbox's rule for
mail). The background sender delivers them (hook_delivery.py). Only http(s) URLs are
accepted, and never one that points at this machine or the private network unless
WEBHOOK_ALLOW_PRIVATE is set: checked when the admin enters it and again, on the resolved
address, at every delivery.
"""

import json
import secrets
import uuid
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..models import Webhook, WebhookDelivery, utcnow
from . import hook_targets

REQUEST_CREATED = "request.created"
MESSAGE_ADDED = "message.added"
STATUS_CHANGED = "status.changed"
EVENTS = (REQUEST_CREATED, MESSAGE_ADDED, STATUS_CHANGED)
URL_MAX = 1000


class HookRefused(ValueError):
    """A URL or a choice of events that cannot be registered; the message is for the admin."""


def check_url(url):
    """The URL if it may be registered, else HookRefused saying why."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if len(url) > URL_MAX or parts.scheme not in ("http", "https") or not parts.hostname:
        raise HookRefused("Enter an http:// or https:// address.")
    if parts.username or parts.password:
        raise HookRefused("Leave user names and passwords out of the address.")
    problem = hook_targets.refusal(parts.hostname, parts.port or (443 if parts.scheme == "https"
                                                                 else 80))
    if problem:
        raise HookRefused(problem)
    return url


def register(url, events, admin_email):
    """A new hook: (Webhook, secret). The secret signs every delivery. Commits."""
    url = check_url(url)
    chosen = [e for e in EVENTS if e in set(events or ())]
    if not chosen:
        raise HookRefused("Choose at least one event.")
    hook = Webhook(url=url, events=chosen, secret=secrets.token_hex(32),
                   created_by=admin_email, created_at=utcnow(), failures=0)
    db.session.add(hook)
    db.session.commit()
    return hook


def hooks():
    return list(db.session.execute(select(Webhook).order_by(Webhook.id)).scalars())


def recent_deliveries(hook, limit=20):
    """The hook's log: its latest deliveries, newest first."""
    return list(db.session.execute(
        select(WebhookDelivery).where(WebhookDelivery.webhook_id == hook.id)
        .order_by(WebhookDelivery.id.desc()).limit(limit)).scalars())


def set_paused(hook, paused):
    """Pause or resume a hook; resuming starts its failure count again. Commits."""
    hook.paused_at = utcnow() if paused else None
    if not paused:
        hook.failures = 0
    db.session.commit()


def remove(hook):
    db.session.delete(hook)
    db.session.commit()


# --- queueing, in the caller's transaction -------------------------------------------------

def _request(ticket):
    return {"ref": ticket.ref, "type": ticket.type, "summary": ticket.summary,
            "status": ticket.status, "priority": ticket.priority, "channel": ticket.channel,
            "requester_email": ticket.requester_email}


def queue(event, ticket, **details):
    """Queue `event` about `ticket` for every live hook that asked for it (no commit)."""
    if not current_app.config["WEBHOOKS_ENABLED"]:
        return
    live = [h for h in db.session.execute(
        select(Webhook).where(Webhook.paused_at.is_(None))).scalars() if event in h.events]
    if not live:
        return
    now = utcnow()
    for hook in live:
        body = json.dumps({"id": uuid.uuid4().hex, "event": event,
                           "created_at": now.isoformat() + "Z", "request": _request(ticket),
                           **details}, sort_keys=True, default=str)
        db.session.add(WebhookDelivery(webhook_id=hook.id, event=event, body=body,
                                       next_attempt_at=now, created_at=now, attempts=0))


def request_created(ticket):
    queue(REQUEST_CREATED, ticket)


def message_added(ticket, message):
    queue(MESSAGE_ADDED, ticket, message={
        "id": message.id, "internal": bool(message.internal), "body": message.body or "",
        "author_email": message.author_email, "source": message.source})


def status_changed(ticket, old, new):
    queue(STATUS_CHANGED, ticket, change={"old": old, "new": new})
