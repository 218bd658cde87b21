"""Deflection-funnel events, recorded without slowing the response.

`record` only appends to an in-memory buffer; a daemon thread writes the buffer in one
transaction every `EVENTS_FLUSH_SECONDS` (and at exit). Article views are folded into the
`article_stat` counters in the same transaction, so the home page reads a small table
instead of counting events. A crash can lose at most one interval of events, which is
acceptable for statistics and never touches requests.
"""

import atexit
import logging
import secrets
import threading
import time
from collections import Counter
from datetime import timedelta

from flask import session
from sqlalchemy import delete

from . import redisconf
from .extensions import db
from .models import ArticleStat, Event, utcnow

log = logging.getLogger(__name__)

VIEWED = "article_viewed"
SEARCH = "search"
SUGGEST = "suggest"
# The request form's deflection funnel. suggestion_shown: result_count and the shown
# slugs joined by "," in `slug`; suggestion_opened and solved: the article's slug;
# request_filed: how many suggestions had been shown in `result_count` (0 = none) and the
# request's reference in `slug`. None of them keeps what was typed on the form (`query`
# stays empty): that is the start of a request, not a search. Only the help center's
# search box (search, suggest) stores its query.
SUGGESTION_SHOWN = "suggestion_shown"
SUGGESTION_OPENED = "suggestion_opened"
SOLVED = "solved"
REQUEST_FILED = "request_filed"


class EventBuffer:
    def __init__(self, app):
        self.app = app
        self.interval = app.config.get("EVENTS_FLUSH_SECONDS", 2.0)
        self._items = []
        self._lock = threading.Lock()
        self._thread = None

    def record(self, kind, query=None, result_count=None, slug=None, visitor=None):
        if query:
            # PostgreSQL rejects NUL in text, and one rejected row would fail every later
            # flush (failed batches are retried whole), so it never reaches the buffer.
            query = query.replace("\x00", "")
        item = {"kind": kind, "query": (query or None) and query[:200],
                "result_count": result_count, "slug": slug, "visitor": visitor,
                "created_at": utcnow()}
        with self._lock:
            self._items.append(item)
            if self._thread is None and self.interval > 0:
                self._start()

    def _start(self):
        self._thread = threading.Thread(target=self._run, name="helpdesk-events", daemon=True)
        self._thread.start()
        atexit.register(self._flush_at_exit)

    def _run(self):
        while True:
            time.sleep(self.interval)
            try:
                self.flush()
            except Exception:  # keep the thread alive; the next flush retries
                log.exception("could not store events")

    def _flush_at_exit(self):
        try:
            self.flush()
        except Exception as exc:  # the database may already be gone at exit
            log.warning("events not stored at exit: %s", exc)

    def flush(self):
        """Write buffered events now; returns how many were written."""
        with self._lock:
            items, self._items = self._items, []
        if not items:
            return 0
        with self.app.app_context():
            try:
                db.session.execute(db.insert(Event), items)
                views = Counter(i["slug"] for i in items if i["kind"] == VIEWED and i["slug"])
                if views:
                    add_to_stats(views, "views")
                db.session.commit()
            except Exception:
                db.session.rollback()
                with self._lock:  # put them back for the next attempt
                    self._items[:0] = items
                raise
            finally:
                db.session.remove()
        return len(items)


def add_to_stats(counts, column):
    """Add `counts` ({slug: n}) to one ArticleStat counter, creating rows as needed."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    rows = [{"slug": slug, "views": 0, "helpful": 0, "not_helpful": 0, column: n}
            for slug, n in counts.items()]
    stmt = insert(ArticleStat).values(rows)
    stmt = stmt.on_conflict_do_update(
        index_elements=["slug"],
        set_={column: getattr(ArticleStat, column) + getattr(stmt.excluded, column)})
    db.session.execute(stmt)


def buffer():
    from flask import current_app
    return current_app.extensions["helpdesk.events"]


def record(kind, **fields):
    buffer().record(kind, **fields)


def flush():
    return buffer().flush()


def purge_old(days):
    """Drop events older than the retention period; returns how many went."""
    cutoff = utcnow() - timedelta(days=days)
    result = db.session.execute(delete(Event).where(Event.created_at < cutoff))
    db.session.commit()
    return result.rowcount


def visitor(create=True):
    """The anonymous id a browser's events are counted under: a random token kept in its
    session, made on first need (`create=False` only reads it). None while the session
    store (Redis) cannot be reached: statistics never hold up an answer."""
    try:
        if create and "visitor" not in session:
            session["visitor"] = secrets.token_urlsafe(16)
        return session.get("visitor")
    except redisconf.ERRORS:
        return None
