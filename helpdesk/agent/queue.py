"""The agents' queue: views with counts, filters, text search, allowlisted sort, paging.

Queries only. The number of statements per page does not depend on how many requests
there are or how many a page shows: the counts of every view are summed from
`queue_count` (a few dozen rows the database keeps by trigger, migration 0009) instead of
counting every request, the page is one SELECT of the listed columns (assignees are named
from the agents list the page loads anyway), and paging fetches one row more than it
shows instead of counting every match (a count over a text search would read every
request).

The page's rows are picked by id first, from the queue indexes alone (each led by `spam`,
ordered by its sort column, carrying the columns views and filters test), and only the
rows shown are then read: page 200 skips 19,900 index entries, not 19,900 requests.
"""

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import Boolean, Integer, String, column, func, select, table

from ..extensions import db
from ..locales import gettext as _
from ..models import Ticket, User, utcnow
from ..tickets import search
from ..vocabulary import CHANNELS, OPEN_STATUSES, PRIORITIES, STAFF_ROLES, STATUSES

TABS = (  # the queue's tabs, chosen by ?view=: name, label
    ("mine", _l("My open requests")),
    ("unassigned", _l("Unassigned")),
    ("open", _l("All open")),
    ("waiting", _l("Waiting for customer")),
    # A tab names a set of requests, where a status names one ("Résolues", not "Résolue").
    ("resolved", lazy_pgettext("queue view", "Resolved")),
    ("all", lazy_pgettext("queue view", "All")),
    ("spam", lazy_pgettext("queue view", "Spam")),
)
TAB_NAMES = tuple(name for name, _ in TABS)
DEFAULT_TAB = "open"
SORTS = {  # name -> (label, ORDER BY); each is backed by an index on its column
    "updated": (_l("Last activity, newest first"), (Ticket.updated_at.desc(), Ticket.id.desc())),
    "stale": (_l("Last activity, oldest first"), (Ticket.updated_at.asc(), Ticket.id.asc())),
    "created": (_l("Newest requests first"), (Ticket.created_at.desc(), Ticket.id.desc())),
    "oldest": (_l("Oldest requests first"), (Ticket.created_at.asc(), Ticket.id.asc())),
}
DEFAULT_SORT = "updated"
MAX_PAGE = 100_000
LISTED = (Ticket.id, Ticket.type, Ticket.summary, Ticket.status, Ticket.priority,
          Ticket.channel, Ticket.requester_email, Ticket.assignee_id, Ticket.created_at,
          Ticket.updated_at, Ticket.spam)
QUEUE_COUNT = table("queue_count", column("spam", Boolean), column("status", String),
                    column("assignee_id", Integer), column("n", Integer))


@dataclass
class Criteria:
    view: str = DEFAULT_TAB
    status: str = ""
    type: str = ""
    assignee: str = ""  # an agent's id, "none", or ""
    priority: str = ""
    channel: str = ""
    q: str = ""
    sort: str = DEFAULT_SORT
    page: int = 1

    def args(self, **changes):
        """Query-string arguments that give these criteria (defaults left out)."""
        values = dict(view=self.view, status=self.status, type=self.type,
                      assignee=self.assignee, priority=self.priority, channel=self.channel,
                      q=self.q, sort=self.sort, page=self.page)
        values.update(changes)
        defaults = {"view": DEFAULT_TAB, "sort": DEFAULT_SORT, "page": 1}
        return {k: v for k, v in values.items() if v not in ("", None) and defaults.get(k) != v}

    @property
    def filtered(self):
        return any((self.status, self.type, self.assignee, self.priority, self.channel, self.q))


@dataclass(frozen=True)
class Line:
    """One request as the queue lists it: plain values, no ORM object per row."""
    id: int
    type: str
    summary: str
    status: str
    priority: str
    channel: str
    requester_email: str
    assignee_id: int | None
    created_at: datetime
    updated_at: datetime
    spam: bool

    @property
    def ref(self):
        return Ticket.ref_of(self.id)


@dataclass
class QueuePage:
    rows: list
    counts: dict
    criteria: Criteria
    has_next: bool
    per_page: int
    agents: dict = field(default_factory=dict)  # id -> Agent, for names and the lists
    # One clock for the whole page: every row's age is measured from the same moment.
    now: datetime = field(default_factory=utcnow)


def parse(args, type_slugs, agent_ids):
    """Criteria from query-string `args`; anything unknown falls back to its default."""
    def pick(name, allowed, default=""):
        value = args.get(name, default, type=str)
        return value if value in allowed else default

    raw_page = args.get("page", "1", type=str)
    page = int(raw_page) if raw_page.isdigit() and len(raw_page) <= 6 else 1
    assignee = args.get("assignee", "", type=str)
    if assignee != "none" and not (assignee.isdigit() and int(assignee) in agent_ids):
        assignee = ""
    return Criteria(view=pick("view", TAB_NAMES, DEFAULT_TAB), status=pick("status", STATUSES),
                    type=pick("type", type_slugs), assignee=assignee,
                    priority=pick("priority", PRIORITIES), channel=pick("channel", CHANNELS),
                    q=search.clean(args.get("q", "", type=str)),
                    sort=pick("sort", SORTS, DEFAULT_SORT), page=min(max(page, 1), MAX_PAGE))


@dataclass(frozen=True)
class Agent:
    email: str
    active: bool
    name: str | None = None

    @property
    def label(self):
        """How lists of agents show one: "Dana Agent (dana@example.com)" or the address."""
        return f"{self.name} ({self.email})" if self.name else self.email


def agents():
    """id -> Agent for every agent and admin (inactive ones too: old requests name them)."""
    return {i: Agent(email, bool(active), name) for i, email, active, name in db.session.execute(
        select(User.id, User.email, User.is_active, User.display_name)
        .where(User.role.in_(STAFF_ROLES)).order_by(User.email)).all()}


def tab_condition(view, me):
    if view == "spam":
        return [Ticket.spam.is_(True)]
    base = [Ticket.spam.is_(False)]
    return base + {
        "mine": [Ticket.assignee_id == me, Ticket.status.in_(OPEN_STATUSES)],
        "unassigned": [Ticket.assignee_id.is_(None), Ticket.status.in_(OPEN_STATUSES)],
        "open": [Ticket.status.in_(OPEN_STATUSES)],
        "waiting": [Ticket.status == "waiting_customer"],
        "resolved": [Ticket.status == "resolved"],
        "all": [],
    }[view]


def counts(me):
    """Requests in each view (filters and search aside), from the kept counts."""
    groups = (QUEUE_COUNT.c.spam, QUEUE_COUNT.c.status, QUEUE_COUNT.c.assignee_id)
    rows = db.session.execute(
        select(*groups, func.sum(QUEUE_COUNT.c.n)).group_by(*groups)).all()
    found = dict.fromkeys(TAB_NAMES, 0)
    for spam, status, assignee, n in rows:
        if spam:
            found["spam"] += n
            continue
        found["all"] += n
        if status in OPEN_STATUSES:
            found["open"] += n
            if assignee is None:
                found["unassigned"] += n
            elif assignee == me:
                found["mine"] += n
        if status == "waiting_customer":
            found["waiting"] += n
        elif status == "resolved":
            found["resolved"] += n
    return found


def conditions(criteria, me):
    where = tab_condition(criteria.view, me)
    if criteria.status:
        where.append(Ticket.status == criteria.status)
    if criteria.type:
        where.append(Ticket.type == criteria.type)
    if criteria.assignee == "none":
        where.append(Ticket.assignee_id.is_(None))
    elif criteria.assignee:
        where.append(Ticket.assignee_id == int(criteria.assignee))
    if criteria.priority:
        where.append(Ticket.priority == criteria.priority)
    if criteria.channel:
        where.append(Ticket.channel == criteria.channel)
    return where


def page(criteria, me, per_page, known_agents=None):
    """One page of the queue for the agent with id `me`."""
    known_agents = agents() if known_agents is None else known_agents
    found = counts(me)
    offset = (criteria.page - 1) * per_page
    # Past the last page of a whole view there is nothing to look for.
    beyond = not criteria.filtered and offset >= found[criteria.view]
    rows = [] if beyond else _rows(criteria, me, per_page, offset, found[criteria.view])
    return QueuePage(rows=rows[:per_page], counts=found, criteria=criteria,
                has_next=len(rows) > per_page, per_page=per_page, agents=known_agents)


def _rows(criteria, me, per_page, offset, in_view):
    order = SORTS[criteria.sort][1]
    ids = select(Ticket.id).where(*conditions(criteria, me)).correlate(None)
    text = search.find(criteria.q, wanted=offset + per_page + 1, among=in_view)
    if text is not None:
        ids = text.apply(ids)
    ids = ids.order_by(*order).limit(per_page + 1).offset(offset)
    return [Line(*row) for row in db.session.execute(
        select(*LISTED).where(Ticket.id.in_(ids.scalar_subquery())).order_by(*order))]


def age(created_at, now=None):
    """A request's age at a glance: "40 min", "5 h", "3 d", "7 w"."""
    seconds = max(((now or utcnow()) - created_at).total_seconds(), 0)
    if seconds < 3600:
        return _("%(num)d min", num=max(int(seconds // 60), 1))
    if seconds < 86400:
        return _("%(num)d h", num=int(seconds // 3600))
    if seconds < 14 * 86400:
        return _("%(num)d d", num=int(seconds // 86400))
    return _("%(num)d w", num=int(seconds // (7 * 86400)))


def age_class(ticket, now=None):
    """"age-old" for open requests older than three days, "age-new" for under a day."""
    seconds = ((now or utcnow()) - ticket.created_at).total_seconds()
    if ticket.status not in OPEN_STATUSES:
        return ""
    if seconds > 3 * 86400:
        return "age-old"
    return "age-new" if seconds < 86400 else ""
