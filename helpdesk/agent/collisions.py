"""Telling an agent, before their reply goes out, that the request moved while they wrote.

The request page carries a marker of the latest activity it showed: the newest message id
and the newest audit-trail id ("<message>-<change>"; ids only grow). When a reply or note
comes back with an older marker, the page is shown again with the draft kept and the new
activity listed, and a fresh marker: sending again is the agent's confirmation.
"""

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Message, TicketChange


@dataclass(frozen=True)
class Marker:
    message_id: int = 0
    change_id: int = 0

    def __str__(self):
        return f"{self.message_id}-{self.change_id}"

    @classmethod
    def parse(cls, text):
        """The marker in a form, or None when it is missing or malformed."""
        left, sep, right = str(text or "").partition("-")
        if not sep or not left.isdigit() or not right.isdigit() or len(text) > 30:
            return None
        return cls(int(left), int(right))


def current(ticket):
    """The marker of everything on `ticket` now (two indexed MAX lookups)."""
    last_message = db.session.execute(
        select(func.max(Message.id)).where(Message.ticket_id == ticket.id)).scalar()
    last_change = db.session.execute(
        select(func.max(TicketChange.id)).where(TicketChange.ticket_id == ticket.id)).scalar()
    return Marker(last_message or 0, last_change or 0)


@dataclass
class Activity:
    messages: list
    changes: list

    def __bool__(self):
        return bool(self.messages or self.changes)


def since(ticket, seen):
    """Messages and changes newer than the marker `seen` (None: treat all as seen)."""
    if seen is None:
        seen = current(ticket)
    messages = list(db.session.execute(
        select(Message).options(joinedload(Message.author))
        .where(Message.ticket_id == ticket.id, Message.id > seen.message_id)
        .order_by(Message.id)).scalars())
    changes = list(db.session.execute(
        select(TicketChange).where(TicketChange.ticket_id == ticket.id,
                                   TicketChange.id > seen.change_id)
        .order_by(TicketChange.id)).scalars())
    return Activity(messages, changes)
