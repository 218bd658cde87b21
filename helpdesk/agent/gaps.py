"""Content gaps and articles: what people looked for and did not find, article by article.

- Queries with no results: help-center searches that found nothing.
- Queries with no click: searches with results after which the same visitor opened no
  article within CLICK_WINDOW. Events carry no link from a search to a click, so the
  visitor id and time decide. The request form's suggestions store no text (see
  helpdesk/events.py), so they count in the funnel but list no query here.
- Requests filed after suggestions that did not help: `request_filed` events whose form
  had shown suggestions, newest first, with the request's summary read from the request
  itself (gone when the request is).
- Articles: views, helpful / not helpful votes, times suggested, opened from suggestions
  and "solved", per article, for the period.

Matching searches to clicks is done in Python over the period's events (two queries, at
most ROW_LIMIT rows each): the SQL for "a later event of the same visitor within 30
minutes" differs per database, and a period's events fit in memory.
"""

import bisect
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import and_, case, func, select

from ..events import (
    REQUEST_FILED,
    SEARCH,
    SOLVED,
    SUGGESTION_OPENED,
    SUGGESTION_SHOWN,
    VIEWED,
)
from ..extensions import db
from ..models import ArticleVote, Event, Ticket

CLICK_WINDOW = timedelta(minutes=30)
TOP = 20
ROW_LIMIT = 200_000
FILED_SHOWN = 50


def _in(column, period):
    return and_(column >= period.start, column < period.end)


def _normal(query):
    return " ".join((query or "").lower().split())


def no_results(period, limit=TOP):
    """[(query, times)] of searches and suggestions that found nothing, most frequent first."""
    text = func.lower(func.trim(Event.query))
    return [(q, n) for q, n in db.session.execute(
        select(text, func.count()).where(
            _in(Event.created_at, period), Event.kind.in_((SEARCH, SUGGESTION_SHOWN)),
            Event.result_count == 0, Event.query.is_not(None), Event.query != "")
        .group_by(text).order_by(func.count().desc(), text).limit(limit)).all()]


def _times_by_visitor(kinds, period):
    found = {}
    rows = db.session.execute(
        select(Event.visitor, Event.created_at)
        .where(Event.kind.in_(kinds), Event.visitor.is_not(None),
               Event.created_at >= period.start, Event.created_at < period.end + CLICK_WINDOW)
        .order_by(Event.created_at).limit(ROW_LIMIT))
    for visitor, when in rows:
        found.setdefault(visitor, []).append(when)
    return found


def _clicked(clicks, visitor, when):
    times = clicks.get(visitor)
    if not times:
        return False
    i = bisect.bisect_left(times, when)
    return i < len(times) and times[i] <= when + CLICK_WINDOW


def no_click(period, limit=TOP):
    """[(query, times)] of searches with results followed by no article opened."""
    counts = {}
    for kind, click_kinds in ((SEARCH, (VIEWED,)), (SUGGESTION_SHOWN, (SUGGESTION_OPENED,))):
        clicks = _times_by_visitor(click_kinds, period)
        rows = db.session.execute(
            select(Event.query, Event.visitor, Event.created_at)
            .where(Event.kind == kind, _in(Event.created_at, period), Event.result_count > 0,
                   Event.visitor.is_not(None), Event.query.is_not(None))
            .limit(ROW_LIMIT))
        for query, visitor, when in rows:
            key = _normal(query)
            if key and not _clicked(clicks, visitor, when):
                counts[key] = counts.get(key, 0) + 1
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]


@dataclass
class Filed:
    count: int
    rows: list  # [(created_at, summary or None, ref, suggestions shown)]


def filed_after_suggestions(period, limit=FILED_SHOWN):
    """Requests sent although the form had shown suggestions: what to write next."""
    where = [Event.kind == REQUEST_FILED, _in(Event.created_at, period), Event.result_count > 0]
    count = db.session.execute(select(func.count()).where(*where)).scalar()
    rows = db.session.execute(
        select(Event.created_at, Event.slug, Event.result_count).where(*where)
        .order_by(Event.created_at.desc(), Event.id.desc()).limit(limit)).all()
    ids = {Ticket.id_from_ref(ref) for _, ref, _ in rows} - {None}
    summaries = dict(db.session.execute(
        select(Ticket.id, Ticket.summary).where(Ticket.id.in_(ids))).all()) if ids else {}
    return Filed(count, [(when, summaries.get(Ticket.id_from_ref(ref)), ref, shown)
                         for when, ref, shown in rows])


@dataclass
class ArticleRow:
    slug: str
    title: str
    views: int = 0
    helpful: int = 0
    not_helpful: int = 0
    suggested: int = 0
    opened: int = 0
    solved: int = 0


def articles(period, known):
    """[ArticleRow] for every article with activity in the period, most viewed first.

    `known` maps slugs to ArticleInfo (titles); articles removed since keep their slug.
    """
    found = {}

    def row(slug):
        if slug not in found:
            info = known.get(slug)
            found[slug] = ArticleRow(slug, info.title if info else slug)
        return found[slug]

    counted = {VIEWED: "views", SUGGESTION_OPENED: "opened", SOLVED: "solved"}
    for kind, slug, n in db.session.execute(
            select(Event.kind, Event.slug, func.count())
            .where(_in(Event.created_at, period), Event.kind.in_(tuple(counted)),
                   Event.slug.is_not(None))
            .group_by(Event.kind, Event.slug)).all():
        setattr(row(slug), counted[kind], getattr(row(slug), counted[kind]) + n)
    # A suggestion event lists the slugs it showed ("a,b,c"); identical lists group first.
    for slugs, n in db.session.execute(
            select(Event.slug, func.count())
            .where(_in(Event.created_at, period), Event.kind == SUGGESTION_SHOWN,
                   Event.slug.is_not(None))
            .group_by(Event.slug)).all():
        for slug in dict.fromkeys(s for s in slugs.split(",") if s):
            row(slug).suggested += n
    helpful = case((ArticleVote.helpful.is_(True), 1), else_=0)
    for slug, yes, total in db.session.execute(
            select(ArticleVote.slug, func.sum(helpful), func.count())
            .where(_in(ArticleVote.updated_at, period)).group_by(ArticleVote.slug)).all():
        row(slug).helpful += int(yes or 0)
        row(slug).not_helpful += int(total - (yes or 0))
    return sorted(found.values(), key=lambda r: (-r.views, -r.suggested, r.title.lower()))
