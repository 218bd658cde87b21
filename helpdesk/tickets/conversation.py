"""The conversation service: replies, internal notes, status, ratings and the audit trail.

Requester pages, the agent desk and inbound mail all change a
request through these functions, so the rules live in one place:

- A requester's public reply sets `open` ("Waiting for support") and tells the assignee
  (or the agents) by mail. On a resolved or closed request it reopens it while the request
  is within REOPEN_DAYS of being resolved/closed; after that it starts a new request linked
  to the old one (`Ticket.parent_id`), which receives the message.
- An agent's public reply sets `waiting_customer` ("Waiting for you"), or the status the
  agent chose to send it with (e.g. "Send and mark resolved"), and mails the requester,
  attachments listed with links; a reply that resolves carries the rating link itself, so
  the requester gets one mail, not two.
- An internal note (agents only) changes no status and is never shown or sent to the
  requester.
- Every status change is written to the audit trail (`TicketChange`).

Each public function commits once: the message, its files, the status change, the audit
rows and the mail (outbox rows) succeed or fail together, and files already written are
removed when the commit fails. Callers check who may act (the views check ownership; mail
ingestion checks participants); these functions check only the rules above.
"""

from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from .. import access
from ..emails import normalize_email
from ..extensions import db
from ..models import Attachment, Message, Rating, Ticket, TicketChange, utcnow
from ..outgoing import notices, sender, webhooks
from ..urls import external_url
from ..vocabulary import (
    AGENT_STATUS_LABELS,
    CHANNELS,
    DONE_STATUSES,
    OPEN_STATUSES,
    STATUSES,
)
from . import links, storage
from .service import note_address_proven, remove_stored, store_uploads, with_refused

COMMENT_MAX = 2000


class ConversationError(ValueError):
    """A rule refused the change; the message is for the person who tried."""


class EmptyReply(ConversationError):
    """Neither text nor files."""


class NotAllowed(ConversationError):
    """This change does not apply to the request as it is (or to this author)."""


class ReopenPeriodOver(ConversationError):
    """Resolved or closed more than REOPEN_DAYS ago."""


class AlreadyRated(ConversationError):
    """A request is rated once."""


def _address(user, email):
    return normalize_email(user.email if user is not None else email)


def agent_link(ticket):
    """Where a mail to agents points: the request's page on the agent desk."""
    return external_url("agent.request_page", ref=ticket.ref)


def requester_link(ticket, anchor=""):
    """A signed link that opens the request for its requester without signing in."""
    link = external_url("tickets.view", ref=ticket.ref, t=links.view_token(ticket))
    return link + (f"#{anchor}" if anchor else "")


def reopen_deadline(ticket):
    """Until when a resolved or closed request may be reopened (None: no limit applies)."""
    since = ticket.closed_at or ticket.resolved_at
    if since is None:
        return None
    return since + timedelta(days=current_app.config["REOPEN_DAYS"])


def can_reopen(ticket, now=None):
    deadline = reopen_deadline(ticket)
    return ticket.status in DONE_STATUSES and (deadline is None or (now or utcnow()) <= deadline)


# --- the audit trail -----------------------------------------------------------------------

def record_change(ticket, field, old, new, actor=None, actor_email=None):
    """Add one audit row (who changed `field` of `ticket` from `old` to `new`, and when).

    Adds to the session without committing: it belongs to the caller's transaction.
    Returns the row, or None when nothing changed.
    """
    old_text = None if old is None else str(old)[:255]
    new_text = None if new is None else str(new)[:255]
    if old_text == new_text:
        return None
    change = TicketChange(ticket=ticket, actor_id=getattr(actor, "id", None),
                          actor_email=_address(actor, actor_email) or None,
                          field=str(field)[:32], old=old_text, new=new_text,
                          created_at=utcnow())
    db.session.add(change)
    return change


def _apply_status(ticket, status, actor, actor_email, now):
    """Change the status and its timestamps, with an audit row; False when unchanged."""
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}")
    old = ticket.status
    if old == status:
        return False
    ticket.status = status
    if status == "resolved":
        ticket.resolved_at, ticket.closed_at = now, None
    elif status == "closed":
        ticket.closed_at = now
        ticket.resolved_at = ticket.resolved_at or now
    else:
        ticket.resolved_at = ticket.closed_at = None
    ticket.updated_at = now
    record_change(ticket, "status", old, status, actor, actor_email)
    webhooks.status_changed(ticket, old, status)
    return True


# --- replies and notes ---------------------------------------------------------------------

def add_reply(ticket, *, body, author=None, author_email=None, source="web", uploads=(),
              internal=False, mail_message_id=None, subject=None, sender_proven=None,
              inbound=None, status=None):
    """Add a message to `ticket` and apply the rules above; returns the Message.

    `author` is a User or None (an email-only requester, then `author_email` says who).
    `uploads` are service.Upload objects, stored like the request form's files (same
    limits). From the web (`source="web"`) one refused file refuses the whole reply
    (AttachmentRefused or TooManyFiles is raised and nothing is saved), since the person is
    there to fix it; from mail the good files are kept, the refused ones are listed at the
    end of the message with the reason, and also given as `message.refused`.

    The returned message's `ticket` is where it landed: a new, linked request when a
    requester wrote to a request closed more than REOPEN_DAYS ago.

    `sender_proven` (mail only; None from the web) is kept on the message. False: nobody
    could check that the mail is from `author_email`, so the reply changes no status and
    starts no follow-up request; agents are told, with the mail's subject saying so.
    `inbound` (mail only) is the mail's InboundMail record, finished in the same commit.
    `status` (an agent's public reply only) is the status the reply sets instead of
    `waiting_customer`.
    Raises EmptyReply (no text, no file) and NotAllowed (an internal note by a non-agent).
    """
    body = body if isinstance(body, str) else ""
    uploads = list(uploads or ())
    agent = access.is_staff(author)
    if internal and not agent:
        raise NotAllowed("Only agents can write internal notes.")
    email = _address(author, author_email)
    if not email:
        raise ValueError("a reply needs its author's email address")
    if not body.strip() and not uploads:
        raise EmptyReply("Write a message or attach a file.")
    if status is not None and (status not in STATUSES or not agent or internal):
        raise NotAllowed("Choose a status from the list.")

    refused, stored = [], []
    try:
        stored = store_uploads(uploads, source != "web", refused)
        message = _add(ticket, body, author, email, source, internal, mail_message_id, subject,
                       stored, refused, agent, sender_proven, status)
        if inbound is not None:
            inbound.ticket_id, inbound.message_id = message.ticket_id, message.id
        db.session.commit()
    except BaseException:
        db.session.rollback()
        remove_stored(stored)
        raise
    message.refused = refused
    sender.wake()
    return message


def _add(ticket, body, author, email, source, internal, mail_message_id, subject, stored,
         refused, agent, sender_proven, status=None):
    now = utcnow()
    target = ticket
    unproven = sender_proven is False
    if (not internal and not agent and not unproven and ticket.status in DONE_STATUSES
            and not can_reopen(ticket, now)):
        target = _follow_up(ticket, body, source)
    body = with_refused(body, refused)
    message = Message(ticket=target, author_id=getattr(author, "id", None), author_email=email,
                      body=body, internal=bool(internal), source=source if source in CHANNELS
                      else "web", mail_message_id=mail_message_id, subject=subject,
                      sender_proven=sender_proven, created_at=now)
    db.session.add(message)
    if sender_proven and email == (target.requester_email or "").lower():
        note_address_proven(target)  # an authenticated mail from the requester's address
    for item in stored:
        db.session.add(Attachment(
            public_id=storage.public_id(), ticket=target, message=message,
            original_name=item.original_name, content_type=item.content_type, size=item.size,
            sha256=item.sha256, storage_key=item.storage_key, inline_ok=item.inline_ok))
    db.session.flush()
    webhooks.message_added(target, message)
    if internal:
        return message  # no status change and nothing for the requester
    target.updated_at = now
    if agent:
        _apply_status(target, status or "waiting_customer", author, email, now)
        _mail_requester(target, message)
    elif unproven:
        _mail_agents(target, message, unproven=True)
    else:
        _apply_status(target, "open", author, email, now)
        _mail_agents(target, message, follow_up_of=ticket if target is not ticket else None)
        if target is not ticket:
            notices.queue_notice(target, "follow_up_started", target.requester_email,
                                 _("New request after %(ref)s: %(summary)s",
                                   ref=ticket.ref, summary=target.summary),
                                 parent=ticket, link=requester_link(target),
                                 reopen_days=current_app.config["REOPEN_DAYS"])
    return message


def _follow_up(closed, body, source):
    """A new request linked to `closed`, for a reply that came after the reopen period."""
    assignee = closed.assignee
    ticket = Ticket(type=closed.type, requester_email=closed.requester_email,
                    requester_id=closed.requester_id, summary=closed.summary, description=body,
                    fields=dict(closed.fields or {}), channel=source if source in CHANNELS
                    else "web", status="open", priority=closed.priority,
                    assignee_id=assignee.id if assignee is not None and assignee.is_active
                    else None, parent_id=closed.id)
    db.session.add(ticket)
    db.session.flush()  # the reference exists from here on
    return ticket


def _mail_requester(ticket, message):
    token = links.view_token(ticket)
    files = [(a.original_name, external_url("tickets.attachment", public_id=a.public_id,
                                            filename=a.original_name, t=token))
             for a in message.attachments]
    resolved = ticket.status == "resolved" and ticket.rating is None
    notices.queue_notice(ticket, "agent_reply", ticket.requester_email, f"Re: {ticket.summary}",
                         message=message, files=files, link=requester_link(ticket),
                         rate_link=requester_link(ticket, "rate") if resolved else None,
                         closed=ticket.status == "closed",
                         agent_name=message.author.display_name if message.author else None,
                         reopen_days=current_app.config["REOPEN_DAYS"])


def _mail_agents(ticket, message, follow_up_of=None, unproven=False):
    assignee = ticket.assignee
    if assignee is not None and assignee.is_active:
        recipients = [assignee.email]
    else:
        recipients = notices.agent_recipients()
    if not recipients:
        return
    subject = (f"New request after {follow_up_of.ref}: {ticket.summary}" if follow_up_of
               else f"New reply (sender not verified): {ticket.summary}" if unproven
               else f"New reply: {ticket.summary}")
    notices.queue_notice(ticket, "requester_reply", recipients, subject, message=message,
                         files=[a.original_name for a in message.attachments],
                         link=agent_link(ticket), follow_up_of=follow_up_of,
                         status=AGENT_STATUS_LABELS[ticket.status])


# --- status ----------------------------------------------------------------------------------

def set_status(ticket, status, actor=None, actor_email=None, notify=True):
    """Set any status (agents, maintenance); True when it changed. Commits.

    Resolving mails the requester a "resolved" notice with the satisfaction link, unless
    `notify` is False.
    """
    changed = _apply_status(ticket, status, actor, _address(actor, actor_email), utcnow())
    if changed and status == "resolved" and notify:
        notices.queue_notice(ticket, "request_resolved", ticket.requester_email,
                             _("Resolved: %(summary)s", summary=ticket.summary),
                             link=requester_link(ticket),
                             rate_link=requester_link(ticket, "rate"),
                             reopen_days=current_app.config["REOPEN_DAYS"])
    sender.commit_and_send()
    return changed


def resolve(ticket, actor=None, actor_email=None):
    """"My problem is solved" (or an agent resolving): only from an open status.

    A requester who marks it solved is on the page that asks for the rating already, so
    no "Resolved... how did we do?" mail follows; the conversation shows a line instead.
    """
    if ticket.status not in OPEN_STATUSES:
        raise NotAllowed("This request is already resolved.")
    return set_status(ticket, "resolved", actor, actor_email, notify=access.is_staff(actor))


def reopen(ticket, actor=None, actor_email=None):
    """Back to `open`, only within REOPEN_DAYS of being resolved or closed."""
    if ticket.status not in DONE_STATUSES:
        raise NotAllowed("This request is still open.")
    if not can_reopen(ticket):
        days = current_app.config["REOPEN_DAYS"]
        raise ReopenPeriodOver(f"This request was closed more than {days} days ago, so it "
                               "cannot be reopened. Write a reply to start a new request "
                               "linked to it.")
    return set_status(ticket, "open", actor, actor_email)


def rate(ticket, score, comment=""):
    """The requester's satisfaction, 1 to 5 and an optional comment: once, after resolution."""
    if isinstance(score, bool):
        score = None
    try:
        score = int(str(score).strip())
    except (TypeError, ValueError):
        score = None
    if score is None or not 1 <= score <= 5:
        raise ConversationError("Choose a rating from 1 to 5.")
    if ticket.status not in DONE_STATUSES:
        raise NotAllowed("You can rate a request once it is resolved.")
    if ticket.rating is not None:
        raise AlreadyRated("You already rated this request. Thank you!")
    comment = (comment if isinstance(comment, str) else "").strip()[:COMMENT_MAX]
    rating = Rating(ticket=ticket, score=score, comment=comment, created_at=utcnow())
    db.session.add(rating)
    record_change(ticket, "rating", None, score, actor_email=ticket.requester_email)
    try:
        db.session.commit()
    except IntegrityError:  # rated a moment ago from another tab
        db.session.rollback()
        raise AlreadyRated("You already rated this request. Thank you!") from None
    return rating
