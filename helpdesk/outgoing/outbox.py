"""The outbox: mail is queued in the caller's transaction and delivered after commit.

`queue_mail` only adds a row, so a request and the mail that reports it commit (or roll
back) together. `send_pending` delivers due rows. Several senders may run at once (a
thread in every web worker, `helpdesk mail send` from cron, other hosts), so a sender
first *claims* a small batch: it stamps the rows with its own random token, and only rows
that nobody holds can be stamped. On PostgreSQL the rows are picked with
`SELECT ... FOR UPDATE SKIP LOCKED`, so concurrent senders take different rows instead of
queueing behind each other; on SQLite a single conditional UPDATE runs under the
database's one write lock, which makes it just as exclusive. Every later change (sent,
failed) is made only while the row still carries the sender's token.

Each mail is marked sent in its own commit right after the SMTP server accepts it. A
sender that dies before that leaves its claim behind; the claim expires after
MAIL_CLAIM_TIMEOUT and another sender retries the mail. A failure schedules a retry with
exponential backoff. The one window where a mail can go out twice (the server accepted
it and the process died before the commit) keeps the same Message-ID, so mail programs
show it once.
"""

import logging
import re
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import and_, func, or_, select, update

from ..extensions import db
from ..models import Outbox, utcnow
from .transport import ServerUnavailable, Transport

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


def _due(now):
    """Rows a sender may take: unsent, due, not given up, and not held by a live claim."""
    config = current_app.config
    stale = now - timedelta(seconds=config["MAIL_CLAIM_TIMEOUT"])
    return and_(Outbox.sent_at.is_(None), Outbox.next_attempt_at <= now,
                Outbox.attempts < config["MAIL_MAX_ATTEMPTS"],
                or_(Outbox.claimed_at.is_(None), Outbox.claimed_at < stale))


def _anything_due():
    """A cheap read first, so idle senders never take the write lock."""
    found = db.session.execute(select(Outbox.id).where(_due(utcnow())).limit(1)).first()
    db.session.rollback()  # end the read before the claim opens a write transaction
    return found is not None


def claim(limit):
    """Claim up to `limit` due mails for this sender; returns (token, rows)."""
    token = secrets.token_hex(16)
    now = utcnow()
    due = _due(now)
    pick = (select(Outbox.id).where(due).order_by(Outbox.next_attempt_at, Outbox.id)
            .limit(limit))
    if db.session.get_bind().dialect.name == "postgresql":
        # Lock the picked rows first (skipping rows other senders are locking), then stamp
        # them: two statements in one transaction. Folded into one UPDATE ... IN (SELECT
        # ... FOR UPDATE), PostgreSQL may re-run the pick for every row and claim them all.
        ids = list(db.session.execute(pick.with_for_update(skip_locked=True)).scalars())
        chosen = Outbox.id.in_(ids)
    else:
        # SQLite: one statement under the database's single write lock, so the pick and
        # the stamp cannot interleave with another sender's. `due` is checked again on the
        # row being stamped.
        chosen = and_(Outbox.id.in_(pick.correlate(None).scalar_subquery()), due)
    db.session.execute(
        update(Outbox).where(chosen)
        .values(claim_token=token, claimed_at=now, attempts=Outbox.attempts + 1)
        .execution_options(synchronize_session=False))
    db.session.commit()
    rows = list(db.session.execute(
        select(Outbox).where(Outbox.claim_token == token)
        .order_by(Outbox.next_attempt_at, Outbox.id)).scalars())
    return token, rows


def _while_claimed(row_id, token, **values):
    """Change a row only if this sender still holds it; False when the claim was lost."""
    result = db.session.execute(
        update(Outbox).where(Outbox.id == row_id, Outbox.claim_token == token)
        .values(**values).execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount == 1


def _renew(token):
    """Refresh this sender's claims; returns the ids it still holds."""
    db.session.execute(update(Outbox).where(Outbox.claim_token == token)
                       .values(claimed_at=utcnow()).execution_options(synchronize_session=False))
    db.session.commit()
    return set(db.session.execute(select(Outbox.id).where(Outbox.claim_token == token))
               .scalars())


def _release(token):
    """Hand back mail claimed but not tried (a sender stopping): due again at once."""
    db.session.execute(update(Outbox).where(Outbox.claim_token == token)
                       .values(claim_token=None, claimed_at=None, attempts=Outbox.attempts - 1)
                       .execution_options(synchronize_session=False))
    db.session.commit()


def send_pending(limit=50, should_stop=None):
    """Deliver due mail; returns (sent, failed). Safe to run from several processes.

    Call it outside a transaction of your own (a sender thread, the CLI): it starts by
    ending any, so that it sees what other senders committed. `should_stop` (a callable)
    is asked before each mail; once it answers true, the rest of the batch is handed back.
    """
    config = current_app.config
    should_stop = should_stop or (lambda: False)
    sent = failed = 0
    db.session.rollback()  # no read transaction of the caller may hold a stale snapshot
    while sent + failed < limit and not should_stop() and _anything_due():
        token, rows = claim(min(config["MAIL_CLAIM_BATCH"], limit - sent - failed))
        if not rows:
            break  # other senders took them
        outcome = _send_batch(token, rows, should_stop)
        sent, failed = sent + outcome.sent, failed + outcome.failed
        if outcome.failed:
            break  # let backoff work; the next run tries again
    return sent, failed


@dataclass
class _BatchTally:
    sent: int = 0
    failed: int = 0


def _send_batch(token, rows, should_stop):
    config = current_app.config
    outcome = _BatchTally()
    claimed = time.monotonic()
    transport = Transport(config)
    try:
        for position, row in enumerate(rows):
            if should_stop():
                _release(token)
                return outcome
            if time.monotonic() - claimed > config["MAIL_CLAIM_TIMEOUT"] / 2:
                # A slow server: renew the claim on what is left before it can expire
                # under us, and skip a mail another sender has taken over meanwhile.
                if row.id not in _renew(token):
                    continue
                claimed = time.monotonic()
            try:
                transport.send(build_message(row), row.to.split(","))
            except ServerUnavailable as exc:
                # No server: every mail of the batch waits, without one timeout each.
                for waiting in rows[position:]:
                    _failed(waiting, token, exc)
                    outcome.failed += 1
                return outcome
            except Exception as exc:  # any failure: keep the mail and try again later
                _failed(row, token, exc)
                outcome.failed += 1
                transport.reset()
                continue
            if _while_claimed(row.id, token, sent_at=utcnow(), claimed_at=None,
                              claim_token=None, last_error=None):
                outcome.sent += 1
            else:
                log.warning("mail %s was sent after its claim expired; another sender may"
                            " send it again (same Message-ID)", row.id)
    finally:
        transport.close()
    return outcome


def _failed(row, token, exc):
    delay = min(BACKOFF_BASE * 2 ** max(row.attempts - 1, 0), BACKOFF_MAX)
    error = f"{exc.__class__.__name__}: {exc}"[:1000]
    _while_claimed(row.id, token, claimed_at=None, claim_token=None, last_error=error,
                   next_attempt_at=utcnow() + timedelta(seconds=delay))
    gave_up = row.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]
    level = logging.ERROR if gave_up else logging.WARNING
    log.log(level, "mail %s to %s not sent (attempt %s): %s", row.id, row.to, row.attempts,
            error)


def backlog():
    """What waits in the outbox, for /healthz and monitors.

    pending: not sent and still to be tried; oldest_seconds: age of the oldest of them;
    failed: given up after MAIL_MAX_ATTEMPTS (kept for a person to look at).
    """
    max_attempts = current_app.config["MAIL_MAX_ATTEMPTS"]
    unsent = Outbox.sent_at.is_(None)
    pending, oldest = db.session.execute(
        select(func.count(Outbox.id), func.min(Outbox.created_at))
        .where(unsent, Outbox.attempts < max_attempts)).one()
    failed = db.session.execute(
        select(func.count(Outbox.id)).where(unsent, Outbox.attempts >= max_attempts)).scalar()
    age = max((utcnow() - oldest).total_seconds(), 0.0) if oldest else 0.0
    return {"pending": pending, "oldest_seconds": round(age, 1), "failed": failed}


def purge_sent(days):
    """Drop delivered mail older than `days` (its bodies hold personal links)."""
    cutoff = utcnow() - timedelta(days=days)
    result = db.session.execute(
        Outbox.__table__.delete().where(Outbox.sent_at.is_not(None), Outbox.sent_at < cutoff))
    db.session.commit()
    return result.rowcount


def recent(limit=50):
    """The newest queued mail, for the debug outbox page."""
    return list(db.session.execute(
        select(Outbox).order_by(Outbox.id.desc()).limit(limit)).scalars())

