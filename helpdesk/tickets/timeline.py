"""A conversation with its turning points: solved, resolved, reopened and closed lines
among the messages, read from the audit trail (`TicketChange`), for requesters and agents.

Only those status changes show: they are what both sides need to follow the conversation
("Marked solved by Carol", "Reopened by Dana"); the desk's history lists every other
change. Queries only.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import TicketChange
from ..vocabulary import DONE_STATUSES, OPEN_STATUSES


@dataclass
class StatusLine:
    created_at: datetime
    kind: str  # "solved" (by the requester), "resolved", "reopened" or "closed"
    who: str | None  # a name or an address; None: done automatically
    by_requester: bool
    status_line = True  # what templates test to tell a line from a message


def _kind(change, by_requester):
    if change.new == "resolved":
        return "solved" if by_requester else "resolved"
    if change.new == "closed":
        return "closed"
    if change.old in DONE_STATUSES and change.new in OPEN_STATUSES:
        return "reopened"
    return None


def status_lines(ticket, changes=None):
    """[StatusLine] of `ticket`, oldest first; `changes` when the caller loaded them."""
    if changes is None:
        changes = db.session.execute(
            select(TicketChange).options(joinedload(TicketChange.actor))
            .where(TicketChange.ticket_id == ticket.id, TicketChange.field == "status")
            .order_by(TicketChange.id)).scalars()
    requester = (ticket.requester_email or "").lower()
    lines = []
    for change in changes:
        if change.field != "status":
            continue
        by_requester = bool(change.actor_email) and change.actor_email == requester and not (
            change.actor is not None and change.actor.is_agent)
        kind = _kind(change, by_requester)
        if kind is None:
            continue
        if by_requester:
            who = ticket.known_requester_name or change.actor_email
        elif change.actor is not None:
            who = change.actor.name_or_email
        else:
            who = change.actor_email
        lines.append(StatusLine(change.created_at, kind, who, by_requester))
    return lines


def merged(messages, lines):
    """Messages and status lines in one list, in the order they happened."""
    entries = [(m.created_at, 0, i, m) for i, m in enumerate(messages)]
    entries += [(line.created_at, 1, i, line) for i, line in enumerate(lines)]
    return [entry for *_, entry in sorted(entries, key=lambda e: e[:3])]
