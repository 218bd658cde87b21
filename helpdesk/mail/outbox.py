"""The outbox: mail is queued in the caller's transaction and delivered after commit.

`queue_mail` only adds a row, so a request and the mail that reports it commit (or roll
back) together. `send_pending` delivers due rows: each row is first *claimed* by a
conditional UPDATE that only one sender can win (several web workers and a cron job may
run at once), then sent, then marked sent. A failure schedules a retry with exponential
backoff. A sender that crashes between claim and send leaves a stale claim, which is
taken over after MAIL_CLAIM_TIMEOUT. The one window where a mail can go out twice (the
SMTP server accepted it and the process died before marking it sent) keeps the same
Message-ID, so mail programs show it once.
"""

import logging
import re
import smtplib
import socket
import ssl
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import or_, select, update

from ..extensions import db
from ..models import Outbox, utcnow

log = logging.getLogger(__name__)

BACKOFF_BASE = 60  # seconds; doubles per failed attempt
BACKOFF_MAX = 3600
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def header_text(value, limit=900):
    """Text safe for a header: CR, LF and other controls become spaces (no injection)."""
    return " ".join(_CONTROL.sub(" ", str(value or "")).split())[:limit]


def mail_domain():
    config = current_app.config
    for candidate in (config.get("MAIL_DEFAULT_SENDER"), config.get("SUPPORT_ADDRESS")):
        _, address = parseaddr(header_text(candidate or ""))
        if "@" in address:
            return address.rsplit("@", 1)[1]
    host = urlsplit(config.get("EXTERNAL_URL") or "").hostname
    return host or "helpdesk.invalid"


def default_sender():
    config = current_app.config
    sender = config.get("MAIL_DEFAULT_SENDER") or config.get("SUPPORT_ADDRESS")
    if sender:
        return header_text(sender)
    return formataddr((config["SITE_NAME"], f"no-reply@{mail_domain()}"))


def new_message_id(tag="hd"):
    return make_msgid(idstring=tag, domain=mail_domain())


def queue_mail(to, subject, body_text, body_html=None, headers=None, ticket_id=None):
    """Add one mail to the outbox in the current transaction; the caller commits.

    `to` is one address or a list; `headers` may add Reply-To, In-Reply-To, References...
    Every value is stripped of CR/LF here, whatever its origin.
    """
    recipients = [to] if isinstance(to, str) else list(to)
    recipients = [header_text(r, 254) for r in recipients if header_text(r, 254)]
    if not recipients:
        raise ValueError("a mail needs at least one recipient")
    extra = {header_text(k, 60): header_text(v) for k, v in (headers or {}).items()}
    extra.setdefault("Message-ID", new_message_id())
    row = Outbox(to=", ".join(recipients), subject=header_text(subject, 400),
                 body_text=body_text, body_html=body_html, headers=extra,
                 ticket_id=ticket_id, next_attempt_at=utcnow())
    db.session.add(row)
    return row


def build_message(row):
    message = EmailMessage()
    message["From"] = default_sender()
    message["To"] = row.to
    message["Subject"] = row.subject
    message["Date"] = formatdate(localtime=False)
    for name, value in (row.headers or {}).items():
        if name.lower() not in ("from", "to", "subject", "date"):
            message[name] = value
    if "Auto-Submitted" not in message:
        # Our notices are automatic: well-behaved auto-responders stay quiet (no loops).
        message["Auto-Submitted"] = "auto-generated"
    message.set_content(row.body_text)
    if row.body_html:
        message.add_alternative(row.body_html, subtype="html")
    return message


def _claim(row_id, now):
    """Take one due row for this sender; False when another sender has it."""
    stale = now - timedelta(seconds=current_app.config["MAIL_CLAIM_TIMEOUT"])
    result = db.session.execute(
        update(Outbox)
        .where(Outbox.id == row_id, Outbox.sent_at.is_(None),
               or_(Outbox.claimed_at.is_(None), Outbox.claimed_at < stale))
        .values(claimed_at=now, attempts=Outbox.attempts + 1)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount == 1


def due_ids(limit=50):
    now = utcnow()
    stale = now - timedelta(seconds=current_app.config["MAIL_CLAIM_TIMEOUT"])
    return list(db.session.execute(
        select(Outbox.id)
        .where(Outbox.sent_at.is_(None), Outbox.next_attempt_at <= now,
               Outbox.attempts < current_app.config["MAIL_MAX_ATTEMPTS"],
               or_(Outbox.claimed_at.is_(None), Outbox.claimed_at < stale))
        .order_by(Outbox.next_attempt_at, Outbox.id).limit(limit)).scalars())


def send_pending(limit=50):
    """Deliver due mail; returns (sent, failed). Safe to run from several processes."""
    sent = failed = 0
    ids = due_ids(limit)
    if not ids:
        return sent, failed
    transport = _Transport(current_app.config)
    try:
        for row_id in ids:
            if not _claim(row_id, utcnow()):
                continue
            row = db.session.get(Outbox, row_id)
            try:
                transport.send(build_message(row), row)
            except Exception as exc:  # any failure: keep the mail and try again later
                _failed(row, exc)
                failed += 1
                transport.reset()
            else:
                row.sent_at, row.claimed_at, row.last_error = utcnow(), None, None
                sent += 1
            db.session.commit()
    finally:
        transport.close()
    return sent, failed


def _failed(row, exc):
    delay = min(BACKOFF_BASE * 2 ** max(row.attempts - 1, 0), BACKOFF_MAX)
    row.claimed_at = None
    row.next_attempt_at = utcnow() + timedelta(seconds=delay)
    row.last_error = f"{exc.__class__.__name__}: {exc}"[:1000]
    gave_up = row.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]
    level = logging.ERROR if gave_up else logging.WARNING
    log.log(level, "mail %s to %s not sent (attempt %s): %s", row.id, row.to, row.attempts,
            row.last_error)


class _Transport:
    """One SMTP connection per batch, opened on first use; the log when no server is set."""

    def __init__(self, config):
        self.config = config
        self.smtp = None

    def send(self, message, row):
        if not self.config.get("MAIL_SERVER"):
            log.info("No MAIL_SERVER set; mail not sent, listed on /dev/outbox in debug mode:\n%s",
                     message.as_string())
            return
        if self.smtp is None:
            self.smtp = self._connect()
        envelope_from = parseaddr(message["From"])[1]
        self.smtp.send_message(message, from_addr=envelope_from,
                               to_addrs=[parseaddr(a)[1] for a in row.to.split(",")])

    def _connect(self):
        c = self.config
        timeout = c["MAIL_TIMEOUT"]
        if c["MAIL_USE_SSL"]:
            smtp = smtplib.SMTP_SSL(c["MAIL_SERVER"], c["MAIL_PORT"], timeout=timeout,
                                    context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(c["MAIL_SERVER"], c["MAIL_PORT"], timeout=timeout)
            if c["MAIL_USE_TLS"]:
                smtp.starttls(context=ssl.create_default_context())
        if c.get("MAIL_USERNAME"):
            smtp.login(c["MAIL_USERNAME"], c.get("MAIL_PASSWORD") or "")
        return smtp

    def reset(self):
        self.close()

    def close(self):
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError, socket.timeout):
                pass
            self.smtp = None


def recent(limit=50):
    """The newest queued mail, for the debug outbox page."""
    return list(db.session.execute(
        select(Outbox).order_by(Outbox.id.desc()).limit(limit)).scalars())

