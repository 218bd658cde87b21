"""Delivering webhooks: signed, to the checked address, retried with back-off, paused after
repeated failure (and the admins told).

Each delivery is a POST of the JSON event with `Helpdesk-Signature: t=<unix time>,
v1=<hex HMAC-SHA256 of "<t>.<body>" with the hook's secret>` (as Stripe signs): the
receiver recomputes it and refuses old timestamps, so a captured delivery cannot be
replayed later. Several processes may deliver at once: a row is claimed before it is sent.
"""

import hashlib
import hmac
import http.client
import logging
import socket
import ssl
import time
from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update

from .. import access
from ..extensions import db
from ..models import User, Webhook, WebhookDelivery, utcnow
from . import notices
from .hook_targets import usable

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "Helpdesk-Signature"
CLAIM_EXPIRES = timedelta(minutes=5)
BACKOFF_MAX = timedelta(hours=6)


def signature(secret, timestamp, body):
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body.encode(), hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


class _PinnedHTTPS(http.client.HTTPSConnection):
    """HTTPS to an address checked beforehand, with the host's name for SNI and the
    certificate check."""

    def __init__(self, host, address, port, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _post(url, address, headers, body, timeout):
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if parts.scheme == "https":
        conn = _PinnedHTTPS(parts.hostname, address, port, timeout)
    else:
        conn = http.client.HTTPConnection(address, port, timeout=timeout)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    host = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
    try:
        conn.request("POST", path, body=body.encode(), headers=dict(headers, Host=host))
        response = conn.getresponse()
        response.read(64 * 1024)
        return response.status
    finally:
        conn.close()


def _due():
    now = utcnow()
    return (WebhookDelivery.delivered_at.is_(None), WebhookDelivery.next_attempt_at <= now,
            WebhookDelivery.attempts < current_app.config["WEBHOOK_MAX_ATTEMPTS"],
            or_(WebhookDelivery.claimed_at.is_(None),
                WebhookDelivery.claimed_at < now - CLAIM_EXPIRES))


def _claim(delivery_id):
    """True when this process now holds the delivery (another may have taken it)."""
    done = db.session.execute(update(WebhookDelivery).where(
        WebhookDelivery.id == delivery_id, *_due()).values(claimed_at=utcnow())
        .execution_options(synchronize_session=False))
    db.session.commit()
    return done.rowcount == 1


def deliver_pending(limit=50):
    """Deliver due webhook events of live hooks; returns (delivered, failed)."""
    db.session.rollback()
    ids = list(db.session.execute(
        select(WebhookDelivery.id).join(Webhook).where(Webhook.paused_at.is_(None), *_due())
        .order_by(WebhookDelivery.id).limit(limit)).scalars())
    delivered = failed = 0
    for delivery_id in ids:
        if not _claim(delivery_id):
            continue
        delivery = db.session.get(WebhookDelivery, delivery_id)
        if _deliver(delivery):
            delivered += 1
        else:
            failed += 1
    return delivered, failed


def _deliver(delivery):
    hook, config = delivery.webhook, current_app.config
    timestamp = int(time.time())
    headers = {"Content-Type": "application/json", "User-Agent": "helpdesk-webhooks",
               SIGNATURE_HEADER: signature(hook.secret, timestamp, delivery.body),
               "Helpdesk-Event": delivery.event, "Helpdesk-Delivery": str(delivery.id)}
    parts = urlsplit(hook.url)
    address, problem = usable(parts.hostname or "", parts.port or (
        443 if parts.scheme == "https" else 80))
    status = None
    if problem is None:
        try:
            status = _post(hook.url, address, headers, delivery.body,
                           config["WEBHOOK_TIMEOUT"])
            if not 200 <= status < 300:
                problem = f"answered HTTP {status}"
        except (OSError, http.client.HTTPException) as exc:
            problem = f"could not deliver: {exc}"[:500]
    now = utcnow()
    delivery.attempts += 1
    delivery.last_status, delivery.claimed_at = status, None
    if problem is None:
        delivery.delivered_at, delivery.last_error = now, None
        hook.failures = 0
        db.session.commit()
        return True
    delivery.last_error = problem[:500]
    delivery.next_attempt_at = now + min(
        timedelta(seconds=config["WEBHOOK_RETRY_SECONDS"] * 2 ** (delivery.attempts - 1)),
        BACKOFF_MAX)
    hook.failures += 1
    if hook.failures >= config["WEBHOOK_PAUSE_AFTER"] and hook.paused_at is None:
        hook.paused_at = now
        _tell_admins(hook, problem)
    log.warning("webhook %s delivery %s failed: %s", hook.id, delivery.id, problem)
    db.session.commit()
    return False


def _tell_admins(hook, problem):
    admins = list(db.session.execute(
        select(User.email).where(User.role == "admin", *access.staff_condition())).scalars())
    if not admins:
        return
    site = current_app.config["SITE_NAME"]
    context = dict(hook=hook, problem=problem, site_name=site)
    # The address is cut so that a long one leaves room for the rest of the subject.
    notices.queue_personal(admins, _l("A webhook of %(site)s was paused: %(url)s", site=site,
                                      url=hook.url[:150]),
                           "webhook_paused", html=False, **context)
