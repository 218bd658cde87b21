"""Helpers for tests about incoming mail: writing raw mails, ingesting them, reading what
they became. Mails are built with the email package (modern policy), as a mail program
would write them, and ingested through the same function the CLI, IMAP fetch and the
retry page use.
"""

import email
import email.policy
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from mailauth import RECEIVING_SERVER, authentication_results

from helpdesk.extensions import db
from helpdesk.inbound.ingest import ingest
from helpdesk.models import InboundMail, Outbox, Ticket

SUPPORT = "support@help.example.com"
# Mail reaches the help desk through its receiving server, whose verdicts it trusts.
MAIL_SETTINGS = {"SUPPORT_ADDRESS": SUPPORT, "EXTERNAL_URL": "https://help.example.com",
                 "MAIL_DEFAULT_SENDER": f"Help Center <{SUPPORT}>",
                 "MAIL_AUTHSERV_IDS": (RECEIVING_SERVER,)}


def build(sender="ann@example.org", to=SUPPORT, subject="The export button does nothing",
          body="I click Export and nothing happens.", message_id=None, headers=None,
          attachments=(), html=None):
    """Raw bytes of a mail; `attachments` are (filename, bytes, maintype/subtype) tuples."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    if subject is not None:
        message["Subject"] = subject
    message["Date"] = format_datetime(datetime(2026, 11, 2, 9, 30, tzinfo=UTC))
    if message_id is not False:
        message["Message-ID"] = message_id or make_msgid(domain="example.org")
    for name, value in (headers or {}).items():
        message[name] = value
    if body is not None:
        message.set_content(body)
    if html is not None:
        if body is None:
            message.set_content(html, subtype="html")
        else:
            message.add_alternative(html, subtype="html")
    for filename, data, kind in attachments:
        maintype, subtype = kind.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()


def reply_to(notice, sender="ann@example.org", body="Thanks, that worked.", to=None,
             subject=None, quote=True, attachments=()):
    """A reply to a notice we sent (an Outbox row or a parsed received message), the way
    a mail program writes one: to its Reply-To, In-Reply-To its Message-ID, quoting it."""
    headers = notice.headers if isinstance(notice, Outbox) else dict(notice.items())
    text = notice.body_text if isinstance(notice, Outbox) else notice.get_body(
        ("plain",)).get_content()
    original_subject = notice.subject if isinstance(notice, Outbox) else notice["Subject"]
    quoted = "\n".join("> " + line for line in text.splitlines())
    full = body + (f"\n\nOn Mon, 2 Nov 2026 at 10:00, Help Center <{SUPPORT}> wrote:\n{quoted}\n"
                   if quote else "")
    refs = " ".join(filter(None, [headers.get("References"), headers["Message-ID"]]))
    return build(sender=sender, to=to or headers.get("Reply-To") or SUPPORT,
                 subject=subject or f"Re: {original_subject}", body=full,
                 headers={"In-Reply-To": headers["Message-ID"], "References": refs},
                 attachments=attachments)


def proven(raw, domain="example.org"):
    """`raw` as the receiving server passes on a mail whose sender it proved (DMARC)."""
    return authentication_results(raw, f"dmarc=pass (p=reject) header.from={domain}")


def take(app, raw, source="test"):
    """Ingest `raw` in an app context; returns the MailOutcome."""
    with app.app_context():
        return ingest(raw, source=source)


def tickets(app):
    with app.app_context():
        found = db.session.execute(db.select(Ticket).order_by(Ticket.id)).scalars().all()
        for ticket in found:  # load what tests read before the objects leave the session
            for message in ticket.messages:
                list(message.attachments)
            list(ticket.attachments)
        db.session.expunge_all()
        return found


def inbound(app):
    with app.app_context():
        rows = db.session.execute(db.select(InboundMail).order_by(InboundMail.id)).scalars().all()
        db.session.expunge_all()
        return rows


def outbox(app, to=None):
    with app.app_context():
        rows = db.session.execute(db.select(Outbox).order_by(Outbox.id)).scalars().all()
        db.session.expunge_all()
    return [r for r in rows if to is None or to in r.to]


def parse_sent(envelope_or_bytes):
    data = getattr(envelope_or_bytes, "original_content", None) or getattr(
        envelope_or_bytes, "content", envelope_or_bytes)
    return email.message_from_bytes(data, policy=email.policy.default)
