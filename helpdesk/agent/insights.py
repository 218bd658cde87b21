"""Insights: the deflection funnel and its weekly trend, and how requests are handled.

Read-only aggregates over a chosen period (dates in UTC; `end` is exclusive). Grouping is
done by the database (GROUP BY kind and day), weeks are folded in Python so the same code
runs on SQLite and PostgreSQL. Content gaps and per-article figures are in `gaps.py`.

The deflection rate is solved / (solved + requests filed): of the people who reached an
end of the request form, the share who left with an answer instead of a request.
"""

import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, select

from ..events import REQUEST_FILED, SEARCH, SOLVED, SUGGESTION_OPENED, SUGGESTION_SHOWN
from ..extensions import db
from ..models import Event, Message, Rating, Ticket, User, utcnow
from ..vocabulary import STAFF_ROLES

DEFAULT_DAYS = 28
MAX_DAYS = 3 * 366
FUNNEL = (  # key, label
    ("searches", _l("Searches")),
    ("shown", _l("Suggestions shown")),
    ("opened", _l("Opened from suggestions")),
    ("solved", _l("“Solved” answers")),
    ("filed", _l("Requests filed")),
)


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime  # exclusive

    @property
    def first_day(self):
        return self.start.date()

    @property
    def last_day(self):
        return (self.end - timedelta(days=1)).date()

    @property
    def days(self):
        return (self.end - self.start).days

    def args(self):
        return {"from": self.first_day.isoformat(), "to": self.last_day.isoformat()}


def _day(text):
    try:
        return date.fromisoformat(str(text or "").strip()[:10])
    except ValueError:
        return None


def parse_period(args, today=None):
    """The period from `from` and `to` (YYYY-MM-DD, inclusive); default the last 28 days.

    Returns (period, problem): a problem message when the given dates could not be used.
    """
    today = today or utcnow().date()
    first, last = _day(args.get("from")), _day(args.get("to"))
    problem = None
    if (args.get("from") and first is None) or (args.get("to") and last is None):
        problem = _("Dates are written YYYY-MM-DD; showing the last four weeks instead.")
        first = last = None
    last = last or today
    first = first or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        problem = _("The start date was after the end date; they were swapped.")
        first, last = last, first
    if (last - first).days >= MAX_DAYS:
        problem = _("Periods are limited to %(num)d days; the start was moved.", num=MAX_DAYS)
        first = last - timedelta(days=MAX_DAYS - 1)
    start = datetime.combine(first, datetime.min.time())
    return Period(start, datetime.combine(last + timedelta(days=1), datetime.min.time())), problem


def _in(column, period):
    return and_(column >= period.start, column < period.end)


def _as_date(value):
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def week_of(day):
    """The Monday that starts the ISO week of `day`."""
    return day - timedelta(days=day.weekday())


def _stage(kind, with_results):
    return {SEARCH: "searches", SUGGESTION_OPENED: "opened", SOLVED: "solved",
            REQUEST_FILED: "filed"}.get(kind) or (
        "shown" if kind == SUGGESTION_SHOWN and with_results else None)


def funnel_by_day(period):
    """{day: {stage: count}} from one GROUP BY over the events of the period."""
    has_results = case((Event.result_count > 0, 1), else_=0)
    day = func.date(Event.created_at)
    rows = db.session.execute(
        select(Event.kind, has_results, day, func.count())
        .where(_in(Event.created_at, period),
               Event.kind.in_((SEARCH, SUGGESTION_SHOWN, SUGGESTION_OPENED, SOLVED,
                               REQUEST_FILED)))
        .group_by(Event.kind, has_results, day)).all()
    found = {}
    for kind, with_results, when, n in rows:
        stage = _stage(kind, with_results)
        if stage:
            counts = found.setdefault(_as_date(when), dict.fromkeys(dict(FUNNEL), 0))
            counts[stage] += n
    return found


def deflection_rate(counts):
    done = counts["solved"] + counts["filed"]
    return counts["solved"] / done if done else None


@dataclass
class Funnel:
    totals: dict
    rate: float | None
    weeks: list  # [(monday, counts, rate)]


def funnel(period):
    by_day = funnel_by_day(period)
    totals = dict.fromkeys(dict(FUNNEL), 0)
    weeks = {}
    monday = week_of(period.first_day)
    while monday <= period.last_day:  # every week of the period, empty ones too
        weeks[monday] = dict.fromkeys(dict(FUNNEL), 0)
        monday += timedelta(days=7)
    for day, counts in by_day.items():
        week = weeks.setdefault(week_of(day), dict.fromkeys(dict(FUNNEL), 0))
        for key, n in counts.items():
            totals[key] += n
            week[key] += n
    return Funnel(totals, deflection_rate(totals),
                  [(m, c, deflection_rate(c)) for m, c in sorted(weeks.items())])


# --- requests ----------------------------------------------------------------------------

@dataclass
class RequestStats:
    by_type_status: dict  # (type, status) -> count
    types: list  # type slugs present, most requests first
    per_type: dict  # type -> count
    created: int
    first_response: float | None  # median seconds
    responded: int
    resolution: float | None  # median seconds
    resolved: int


def filed_requests(period):
    made = [_in(Ticket.created_at, period), Ticket.spam.is_(False)]
    grid = {(t, s): n for t, s, n in db.session.execute(
        select(Ticket.type, Ticket.status, func.count()).where(*made)
        .group_by(Ticket.type, Ticket.status)).all()}
    per_type = {}
    for (type_slug, _status), n in grid.items():
        per_type[type_slug] = per_type.get(type_slug, 0) + n
    first_answer = (
        select(Message.ticket_id, func.min(Message.created_at).label("answered_at"))
        .join(User, User.id == Message.author_id)
        .where(Message.internal.is_(False), User.role.in_(STAFF_ROLES))
        .group_by(Message.ticket_id).subquery())
    response_times = [
        (answered - created).total_seconds() for created, answered in db.session.execute(
            select(Ticket.created_at, first_answer.c.answered_at)
            .join(first_answer, first_answer.c.ticket_id == Ticket.id).where(*made)).all()]
    resolution_times = [
        (resolved - created).total_seconds() for created, resolved in db.session.execute(
            select(Ticket.created_at, Ticket.resolved_at)
            .where(*made, Ticket.resolved_at.is_not(None))).all()]
    return RequestStats(
        by_type_status=grid, types=sorted(per_type, key=lambda t: (-per_type[t], t)),
        per_type=per_type,
        created=sum(grid.values()),
        first_response=_median(response_times), responded=len(response_times),
        resolution=_median(resolution_times), resolved=len(resolution_times))


def _median(values):
    values = [max(v, 0.0) for v in values]
    return statistics.median(values) if values else None


def duration(seconds):
    """"3 h 20 min", "2 d 4 h", "45 min" for a number of seconds (None: "–")."""
    if seconds is None:
        return "–"
    minutes = int(round(seconds / 60))
    if minutes < 60:
        return _("%(num)d min", num=minutes)
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return (_("%(hours)d h %(minutes)d min", hours=hours, minutes=minutes) if minutes
                else _("%(num)d h", num=hours))
    days, hours = divmod(hours, 24)
    return (_("%(days)d d %(hours)d h", days=days, hours=hours) if hours
            else _("%(num)d d", num=days))


# --- satisfaction ------------------------------------------------------------------------

@dataclass
class Satisfaction:
    count: int
    average: float | None
    distribution: dict  # score -> count, 5..1
    comments: list  # [(created_at, score, comment, ref)]


COMMENTS_SHOWN = 20


def satisfaction(period):
    when = _in(Rating.created_at, period)
    distribution = dict.fromkeys((5, 4, 3, 2, 1), 0)
    for score, n in db.session.execute(
            select(Rating.score, func.count()).where(when).group_by(Rating.score)).all():
        if score in distribution:
            distribution[score] = n
    count = sum(distribution.values())
    average = sum(s * n for s, n in distribution.items()) / count if count else None
    comments = [(created, score, comment, Ticket(id=ticket_id).ref)
                for created, score, comment, ticket_id in db.session.execute(
                    select(Rating.created_at, Rating.score, Rating.comment, Rating.ticket_id)
                    .where(when, Rating.comment != "")
                    .order_by(Rating.created_at.desc()).limit(COMMENTS_SHOWN)).all()]
    return Satisfaction(count, average, distribution, comments)


# --- stored queries ------------------------------------------------------------------------

def retention():
    """(EVENT_RETENTION_DAYS, the oldest stored event's time or None)."""
    oldest = db.session.execute(select(func.min(Event.created_at))).scalar()
    return current_app.config["EVENT_RETENTION_DAYS"], oldest
