"""What each agent last saw of a request, and which requests the requester answered since.

Opening a request's page records the time for that agent (a read marker, like a mail
program's: it changes nothing anyone else sees, and SameSite cookies mean only a page
the agent really opened can set it). The queue then marks with "New reply" the requests
whose requester wrote after that time; a request the agent never opened is marked once
the requester wrote more than the request itself.
"""

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Message, TicketView, User, utcnow
from ..vocabulary import STAFF_ROLES


def mark_seen(ticket, agent):
    """Now is when `agent` last looked at `ticket`. Commits."""
    now = utcnow()
    row = db.session.get(TicketView, (agent.id, ticket.id))
    if row is None:
        db.session.add(TicketView(user_id=agent.id, ticket_id=ticket.id, seen_at=now))
    else:
        row.seen_at = now
    try:
        db.session.commit()
    except IntegrityError:  # the same agent's other tab got there first: its time will do
        db.session.rollback()


def new_replies(ticket_ids, agent):
    """The ids among `ticket_ids` the requester wrote to since `agent` last opened them."""
    ids = [i for i in ticket_ids if isinstance(i, int)]
    if not ids:
        return set()
    first = (select(Message.ticket_id, func.min(Message.id).label("first_id"))
             .where(Message.ticket_id.in_(ids)).group_by(Message.ticket_id).subquery())
    staff = select(User.id).where(User.role.in_(STAFF_ROLES))
    latest = db.session.execute(
        select(Message.ticket_id, func.max(Message.created_at))
        .join(first, first.c.ticket_id == Message.ticket_id)
        .where(Message.id > first.c.first_id, Message.internal.is_(False),
               or_(Message.author_id.is_(None), Message.author_id.not_in(staff)))
        .group_by(Message.ticket_id)).all()
    if not latest:
        return set()
    seen = dict(db.session.execute(
        select(TicketView.ticket_id, TicketView.seen_at)
        .where(TicketView.user_id == agent.id, TicketView.ticket_id.in_(ids))).all())
    return {ticket_id for ticket_id, at in latest
            if seen.get(ticket_id) is None or at > seen[ticket_id]}
