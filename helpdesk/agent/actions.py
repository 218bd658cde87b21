"""Agents changing requests: status, priority, assignee and type, one by one or in bulk.

Every change is written to the audit trail (`conversation.record_change`) in the same
transaction as the change itself, and status changes go through the conversation service,
which owns the status rules and the requester's "resolved" mail. An agent assigned a
request by someone else is told by mail (through the outbox, in the same transaction).
"""

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import access
from ..extensions import db
from ..models import Ticket, utcnow
from ..outgoing import notices, sender
from ..tickets import conversation
from ..vocabulary import AGENT_STATUS_LABELS, PRIORITIES, STATUSES

BULK_MAX = 100  # requests one bulk action may change (a queue page shows fewer)


class ActionError(ValueError):
    """A change that cannot be made; the message is for the agent."""


@dataclass
class Changes:
    """What an agent asked to change; None leaves a property as it is."""

    status: str | None = None
    priority: str | None = None
    assignee_id: int | None = None
    unassign: bool = False
    type: str | None = None


def _assign(ticket, assignee, actor):
    old = ticket.assignee
    if (old.id if old else None) == (assignee.id if assignee else None):
        return False
    ticket.assignee_id = assignee.id if assignee else None
    ticket.assignee = assignee
    ticket.updated_at = utcnow()
    conversation.record_change(ticket, "assignee", old.email if old else None,
                               assignee.email if assignee else None, actor)
    if assignee is not None and assignee.id != actor.id:
        notices.queue_notice(ticket, "request_assigned", assignee.email,
                             _l("Assigned to you: %(summary)s", summary=ticket.summary),
                             actor=actor,
                             link=conversation.agent_link(ticket),
                             status=AGENT_STATUS_LABELS.get(ticket.status, ticket.status))
    return True


def _set(ticket, name, value, actor):
    old = getattr(ticket, name)
    if old == value:
        return False
    setattr(ticket, name, value)
    ticket.updated_at = utcnow()
    conversation.record_change(ticket, name, old, value, actor)
    return True


def validate(changes, request_types):
    """Check the asked values against the allowlists; returns the assignee (or None)."""
    if changes.status is not None and changes.status not in STATUSES:
        raise ActionError(_("Choose a status from the list."))
    if changes.priority is not None and changes.priority not in PRIORITIES:
        raise ActionError(_("Choose a priority from the list."))
    if changes.type is not None and changes.type not in request_types:
        raise ActionError(_("Choose a kind of request from the list."))
    assignee = None
    if changes.assignee_id is not None:
        assignee = access.staff_by_id(changes.assignee_id)
        if assignee is None:
            raise ActionError(_("Requests can only be assigned to active agents."))
    return assignee


def update(ticket, changes, actor, request_types):
    """Apply `changes` to one request; returns the names of what changed. Commits once."""
    assignee = validate(changes, request_types)
    changed = _apply(ticket, changes, assignee, actor)
    _finish(ticket, changes, actor, changed)
    return changed


def _apply(ticket, changes, assignee, actor):
    changed = []
    if changes.priority is not None and _set(ticket, "priority", changes.priority, actor):
        changed.append("priority")
    if changes.type is not None and _set(ticket, "type", changes.type, actor):
        changed.append("type")
    if (assignee is not None or changes.unassign) and _assign(ticket, assignee, actor):
        changed.append("assignee")
    return changed


def _finish(ticket, changes, actor, changed):
    if changes.status is not None and changes.status != ticket.status:
        # The conversation service applies the status rules and commits everything above
        # in the same transaction (and mails the requester when it resolves).
        conversation.set_status(ticket, changes.status, actor=actor)
        changed.append("status")
        return
    sender.commit_and_send()


def bulk(ticket_ids, changes, actor, request_types):
    """The same change to many requests; returns how many changed.

    Assignments and priorities commit together; each status change then goes through the
    conversation service (one commit per request), since resolving mails each requester.
    """
    ids = [i for i in dict.fromkeys(ticket_ids) if isinstance(i, int)][:BULK_MAX]
    if not ids:
        raise ActionError(_("Select at least one request."))
    assignee = validate(changes, request_types)
    tickets = list(db.session.execute(
        select(Ticket).where(Ticket.id.in_(ids)).order_by(Ticket.id)).scalars())
    touched = set()
    for ticket in tickets:
        if _apply(ticket, changes, assignee, actor):
            touched.add(ticket.id)
    sender.commit_and_send()
    if changes.status is not None:
        for ticket in tickets:
            if ticket.status != changes.status:
                conversation.set_status(ticket, changes.status, actor=actor)
                touched.add(ticket.id)
    return len(touched)


def auto_close_resolved(days=None, limit=500):
    """Close requests resolved more than `days` (AUTO_CLOSE_DAYS) ago; returns how many.

    Through the conversation service like any other change, so each close is in the audit
    trail (by nobody: "automatically"). At most `limit` per run; the next run does the
    rest. Safe on several hosts at once: a request already closed is skipped.
    """
    days = current_app.config["AUTO_CLOSE_DAYS"] if days is None else days
    cutoff = utcnow() - timedelta(days=days)
    ids = list(db.session.execute(
        select(Ticket.id).where(Ticket.status == "resolved", Ticket.resolved_at < cutoff)
        .order_by(Ticket.id).limit(limit)).scalars())
    closed = 0
    for ticket_id in ids:
        ticket = db.session.get(Ticket, ticket_id)
        db.session.refresh(ticket)
        if ticket.status == "resolved" and conversation.set_status(ticket, "closed"):
            closed += 1
    return closed
