"""What one request's page shows an agent, loaded in a fixed number of queries.

Kept out of the view so the page costs the same whatever the request holds: the request
with its requester's account, the whole conversation (notes included) with authors and
files, the audit trail with who made each change, the requester's other requests, agents
for the assignee list and saved replies.
"""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload, load_only, selectinload

from ..extensions import db
from ..models import Message, Ticket, TicketChange
from . import collisions

OTHER_REQUESTS = 10


@dataclass
class RequestView:
    ticket: Ticket
    messages: list
    changes: list
    others: list
    others_more: bool
    parent_ref: str | None
    marker: collisions.Marker


def load(ref):
    """The request `ref` (any case) with what its page needs, or None."""
    ticket_id = Ticket.id_from_ref(ref)
    if not ticket_id:
        return None
    return db.session.execute(
        select(Ticket).where(Ticket.id == ticket_id)
        .options(joinedload(Ticket.assignee), joinedload(Ticket.requester),
                 joinedload(Ticket.rating))).scalar_one_or_none()


def contents(ticket):
    """What the agents' page of `ticket` shows: its messages, changes and neighbours."""
    messages = list(db.session.execute(
        select(Message).where(Message.ticket_id == ticket.id)
        .options(selectinload(Message.attachments), joinedload(Message.author))
        .order_by(Message.id)).scalars())
    changes = list(db.session.execute(
        select(TicketChange).where(TicketChange.ticket_id == ticket.id)
        .order_by(TicketChange.id)).scalars())
    others = list(db.session.execute(
        select(Ticket).options(load_only(Ticket.id, Ticket.summary, Ticket.status,
                                         Ticket.created_at, Ticket.spam, raiseload=True))
        .where(Ticket.requester_email == ticket.requester_email, Ticket.id != ticket.id)
        .order_by(Ticket.created_at.desc(), Ticket.id.desc())
        .limit(OTHER_REQUESTS + 1)).scalars())
    marker = collisions.Marker(max((m.id for m in messages), default=0),
                               max((c.id for c in changes), default=0))
    return RequestView(ticket, messages, changes, others[:OTHER_REQUESTS],
                       len(others) > OTHER_REQUESTS,
                       Ticket.ref_of(ticket.parent_id),
                       marker)

