"""A requester's data: everything we hold about an address, exported or erased.

Export: one ZIP with `data.json` (the account, every request with its fields, environment,
messages, internal notes marked as such, audit trail and rating, and the mail received
from the address) and every attached file under `attachments/`. Erase: the requests of
the address with their files (as `spam.delete_requests`), its account, the mail queued to
it or received from it, its bounce record and the statistics rows that quote its
requests' summaries; its name is removed from messages and audit rows on other people's
requests. A blocked address stays blocked (keeping the block is the point of it).
"""

import json
import logging
import tempfile
import zipfile

from flask_babel import gettext as _
from sqlalchemy import or_, select, update
from sqlalchemy.orm import selectinload

from ..emails import normalize_email
from ..extensions import db
from ..models import (
    Event,
    FailingAddress,
    InboundMail,
    Message,
    Outbox,
    Ticket,
    TicketChange,
    User,
    utcnow,
)
from ..text import LIKE_ESCAPE, like_escaped
from ..tickets import spam, storage

log = logging.getLogger(__name__)
ERASED = "erased"


class PrivacyError(ValueError):
    """The export or erasure cannot be done; the message is for the admin."""


def _requests(email):
    return list(db.session.execute(
        select(Ticket).where(Ticket.requester_email == email)
        .options(selectinload(Ticket.messages).selectinload(Message.attachments),
                 selectinload(Ticket.changes), selectinload(Ticket.rating))
        .order_by(Ticket.id)).scalars())


def _time(value):
    return value.isoformat() + "Z" if value else None


def _file_name(attachment):
    return f"attachments/{attachment.public_id}-{storage.clean_name(attachment.original_name)}"


def collect(email):
    """The export's JSON document (a dict) for `email`."""
    email = normalize_email(email)
    user = db.session.execute(select(User).where(User.email == email)).scalar_one_or_none()
    received = db.session.execute(
        select(InboundMail).where(InboundMail.sender == email).order_by(InboundMail.id)).scalars()
    return {
        "email": email,
        "exported_at": _time(utcnow()),
        "account": None if user is None else {
            "email": user.email, "name": user.display_name, "role": user.role,
            "active": user.is_active,
            "created_at": _time(user.created_at),
            "email_verified_at": _time(user.email_verified_at),
            "has_password": bool(user.password_hash)},
        "requests": [_request(t) for t in _requests(email)],
        "mail_received": [{"received_at": _time(m.received_at), "subject": m.subject,
                           "status": m.status, "text": m.full_text} for m in received],
    }


def _request(ticket):
    return {
        "ref": ticket.ref, "type": ticket.type, "name": ticket.requester_name,
        "summary": ticket.summary,
        "description": ticket.description, "fields": ticket.fields or {},
        "status": ticket.status, "priority": ticket.priority, "channel": ticket.channel,
        "environment": ticket.environment, "created_at": _time(ticket.created_at),
        "updated_at": _time(ticket.updated_at), "resolved_at": _time(ticket.resolved_at),
        "closed_at": _time(ticket.closed_at),
        "messages": [{
            "from": m.author_email, "internal": m.internal, "source": m.source,
            "created_at": _time(m.created_at), "body": m.body,
            "attachments": [{"name": a.original_name, "type": a.content_type, "size": a.size,
                             "sha256": a.sha256, "file": _file_name(a)}
                            for a in m.attachments]} for m in ticket.messages],
        "changes": [{"field": c.field, "from": c.old, "to": c.new, "by": c.actor_email,
                     "at": _time(c.created_at)} for c in ticket.changes],
        "rating": None if ticket.rating is None else {
            "score": ticket.rating.score, "comment": ticket.rating.comment,
            "created_at": _time(ticket.rating.created_at)},
    }


def export_zip(email):
    """A temporary file holding the ZIP (rewound; the caller sends and closes it)."""
    email = normalize_email(email)
    document = collect(email)
    if document["account"] is None and not document["requests"] \
            and not document["mail_received"]:
        raise PrivacyError(_("We hold nothing for %(email)s.", email=email))
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(document, indent=2, ensure_ascii=False))
        for ticket in _requests(email):
            for attachment in ticket.attachments:
                try:
                    archive.write(storage.path_for(attachment.storage_key),
                                  _file_name(attachment))
                except (OSError, ValueError):
                    archive.writestr(_file_name(attachment) + ".missing.txt",
                                     "This file was not found in the storage.\n")
    out.seek(0)
    return out


def erase(email, actor):
    """Erase everything held about `email` (see the module docstring). Returns a summary.

    Accounts of agents and admins are not erased here: change their role first.
    """
    email = normalize_email(email)
    user = db.session.execute(select(User).where(User.email == email)).scalar_one_or_none()
    if user is not None and user.is_agent:
        raise PrivacyError(_("%(email)s is an agent or admin: change the role to requester "
                             "first.", email=email))
    if user is not None and actor is not None and user.id == actor.id:
        raise PrivacyError(_("You cannot erase your own account."))
    tickets = _requests(email)
    refs = [t.ref for t in tickets]
    keys = spam.stage_deletion(tickets)
    # Traces on other people's requests: keep the conversation, drop the name.
    by_them = [Message.author_email == email]
    if user is not None:
        by_them.append(Message.author_id == user.id)
    db.session.execute(update(Message).where(or_(*by_them))
                       .values(author_email=ERASED, author_id=None)
                       .execution_options(synchronize_session=False))
    db.session.execute(update(TicketChange).where(TicketChange.actor_email == email)
                       .values(actor_email=ERASED, actor_id=None)
                       .execution_options(synchronize_session=False))
    db.session.execute(Outbox.__table__.delete().where(_addressed_to(email)))
    db.session.execute(InboundMail.__table__.update().where(InboundMail.sender == email)
                       .values(sender=None, subject=None, full_text=None))
    db.session.execute(FailingAddress.__table__.delete().where(FailingAddress.email == email))
    if refs:
        db.session.execute(Event.__table__.delete().where(
            Event.kind == "request_filed", Event.slug.in_(refs)))
    if user is not None:
        db.session.execute(update(Ticket).where(Ticket.requester_id == user.id)
                           .values(requester_id=None)
                           .execution_options(synchronize_session=False))
        db.session.delete(user)
    spam.commit_and_remove(keys)
    log.info("erased %s: %d requests, account %s", email, len(tickets),
             "removed" if user is not None else "none")
    return {"requests": len(tickets), "account": user is not None}


def _addressed_to(email):
    """Outbox rows with `email` among their recipients (stored as "a, b, c")."""
    escaped = like_escaped(email)
    return or_(Outbox.to == email,
               Outbox.to.like(f"{escaped}, %", escape=LIKE_ESCAPE),
               Outbox.to.like(f"%, {escaped}", escape=LIKE_ESCAPE),
               Outbox.to.like(f"%, {escaped}, %", escape=LIKE_ESCAPE))

