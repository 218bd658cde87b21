"""Spam and removal: marking requests as spam, blocking senders, deleting a request.

A blocked address is refused quietly: the request form shows its usual thanks but nothing
is saved or mailed (tickets.service.open_request raises SenderBlocked), and inbound mail
asks `service.is_blocked(sender)` before making anything of a mail.
"""

import logging

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ..emails import normalize_email
from ..extensions import db
from ..models import BlockedSender, InboundMail, Outbox
from . import conversation, storage

log = logging.getLogger(__name__)


def mark_spam(ticket, actor, block_sender=False):
    """Hide `ticket` from the queue's views (audit row); optionally block its sender."""
    if not ticket.spam:
        ticket.spam = True
        conversation.record_change(ticket, "spam", "no", "yes", actor)
    if block_sender:
        _block(ticket.requester_email, actor, f"spam: {ticket.ref}")
    try:
        db.session.commit()
    except IntegrityError:  # the address was blocked a moment ago by someone else
        db.session.rollback()
        mark_spam(ticket, actor)


def not_spam(ticket, actor):
    """Back into the views; the sender, if blocked, stays blocked until unblocked."""
    if ticket.spam:
        ticket.spam = False
        conversation.record_change(ticket, "spam", "yes", "no", actor)
        db.session.commit()


def _block(email, actor, reason):
    email = normalize_email(email)
    if not email or db.session.execute(
            select(BlockedSender.id).where(BlockedSender.email == email)).first():
        return
    db.session.add(BlockedSender(email=email, reason=reason[:255], blocked_by_id=actor.id))


def block(email, actor, reason="blocked by an agent"):
    _block(email, actor, reason)
    try:
        db.session.commit()
    except IntegrityError:  # blocked a moment ago by someone else
        db.session.rollback()


def unblock(blocked):
    db.session.delete(blocked)
    db.session.commit()


def blocked_list():
    return list(db.session.execute(
        select(BlockedSender).order_by(BlockedSender.created_at.desc())).scalars())


def delete_requests(tickets):
    """Delete requests with their messages, files, ratings, audit trail and queued mail.

    Mail received for them stays recorded (so it is not taken in again) without its text.
    Files are removed from disk after the commit: a failed commit leaves everything.
    Returns how many requests went.
    """
    tickets = list(tickets)
    keys = stage_deletion(tickets)
    commit_and_remove(keys)
    if tickets:
        log.info("deleted %d requests (%s) with %d files", len(tickets),
                 ", ".join(t.ref for t in tickets[:20]), len(keys))
    return len(tickets)


def stage_deletion(tickets):
    """Delete `tickets` in the current transaction; returns the storage keys of their files."""
    ids = [t.id for t in tickets]
    if not ids:
        return []
    keys = [a.storage_key for t in tickets for a in t.attachments]
    db.session.execute(Outbox.__table__.delete().where(Outbox.ticket_id.in_(ids)))
    db.session.execute(update(InboundMail).where(InboundMail.ticket_id.in_(ids))
                       .values(full_text=None).execution_options(synchronize_session=False))
    for ticket in tickets:
        db.session.delete(ticket)
    db.session.flush()
    return keys


def commit_and_remove(keys):
    """Commit, then remove the files (a failed commit keeps them, with their rows)."""
    try:
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    for key in keys:
        storage.remove(key)


def delete_request(ticket):
    return delete_requests([ticket])
