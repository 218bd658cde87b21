"""Reading requests for their requester: the "My requests" list and one request's page.

Queries only; nothing here changes data. Every value that reaches SQL is bound or picked
from an allowlist (filters, sort keys), and the number of queries per page does not depend
on how many rows it shows: the list is two queries (counts per filter, one page of rows),
one request's page loads its messages with their authors, then their files, in two.

Text search follows the agents' rule (helpdesk/agent/search.py: words by their stem,
references, addresses), internal notes left out.
"""

import math
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, load_only, selectinload

from ..extensions import db
from ..models import Attachment, Message, Ticket
from ..vocabulary import DONE_STATUSES, OPEN_STATUSES
from . import search

FILTERS = {"open": OPEN_STATUSES, "closed": DONE_STATUSES, "all": None}
SORTS = {"updated": (Ticket.updated_at.desc(), Ticket.id.desc()),
         "created": (Ticket.created_at.desc(), Ticket.id.desc())}
DEFAULT_FILTER = "all"
DEFAULT_SORT = "updated"


@dataclass
class RequestsPage:
    rows: list
    counts: dict  # filter name -> number of requests with the other criteria applied
    filter: str
    type: str
    q: str
    sort: str
    page: int
    pages: int
    per_page: int
    total: int = 0
    args: dict = field(default_factory=dict)  # the criteria, for links to other pages


def clean_args(args, known_types):
    """The list's criteria from query-string `args`; anything unknown falls back to defaults."""
    status = args.get("status", DEFAULT_FILTER, type=str)
    type_slug = args.get("type", "", type=str)
    sort = args.get("sort", DEFAULT_SORT, type=str)
    q = search.clean(args.get("q", "", type=str))
    raw_page = args.get("page", "1", type=str)
    page = int(raw_page) if raw_page.isdigit() and len(raw_page) < 7 else 1
    return dict(status=status if status in FILTERS else DEFAULT_FILTER,
                type=type_slug if type_slug in known_types else "",
                sort=sort if sort in SORTS else DEFAULT_SORT, q=q, page=max(page, 1))


def my_requests(email, status=DEFAULT_FILTER, type="", q="", sort=DEFAULT_SORT, page=1,
                per_page=20):
    """One page of the requests of `email` (a verified address) and the counts per filter."""
    criteria = [Ticket.requester_email == email]
    if type:
        criteria.append(Ticket.type == type)
    found = search.find(q, requester=email)
    narrow = found.apply if found is not None else (lambda statement: statement)

    by_status = dict(db.session.execute(narrow(
        select(Ticket.status, func.count(Ticket.id)).where(*criteria)
        .group_by(Ticket.status))).all())
    counts = {name: sum(n for s, n in by_status.items() if statuses is None or s in statuses)
              for name, statuses in FILTERS.items()}
    total = counts[status]
    pages = max(math.ceil(total / per_page), 1)
    page = min(page, pages)
    statuses = FILTERS[status]
    if statuses is not None:
        criteria.append(Ticket.status.in_(statuses))
    rows = []
    if total:
        rows = list(db.session.execute(narrow(
            select(Ticket)
            .options(load_only(Ticket.id, Ticket.type, Ticket.summary, Ticket.status,
                               Ticket.created_at, Ticket.updated_at, Ticket.requester_email,
                               raiseload=True))
            .where(*criteria).order_by(*SORTS[sort])
            .limit(per_page).offset((page - 1) * per_page))).scalars())
    defaults = {"status": DEFAULT_FILTER, "sort": DEFAULT_SORT}
    args = {k: v for k, v in dict(status=status, type=type, q=q, sort=sort).items()
            if v and v != defaults.get(k)}
    return RequestsPage(rows=rows, counts=counts, filter=status, type=type, q=q, sort=sort,
                        page=page, pages=pages, per_page=per_page, total=total, args=args)


def public_messages(ticket):
    """The public conversation of `ticket`: messages (no internal notes) with files and authors.

    Internal notes, and files attached to them, are filtered out here, in the query, so no
    template can show them by mistake.
    """
    messages = list(db.session.execute(
        select(Message).where(Message.ticket_id == ticket.id, Message.internal.is_(False))
        .options(selectinload(Message.attachments), joinedload(Message.author))
        .order_by(Message.id)).scalars())
    return messages


def follow_ups(ticket):
    """Requests started from this one after it closed (reference and summary only)."""
    return list(db.session.execute(
        select(Ticket).options(load_only(Ticket.id, Ticket.summary, raiseload=True))
        .where(Ticket.parent_id == ticket.id).order_by(Ticket.id)).scalars())


def public_attachment(public_id):
    """An attachment by its random id, with its message (to check it is not an internal note)."""
    return db.session.execute(
        select(Attachment).where(Attachment.public_id == public_id[:64])
        .options(selectinload(Attachment.message))).scalar_one_or_none()
