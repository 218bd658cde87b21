"""`helpdesk maintenance`: housekeeping that is safe to run often (cron, every few minutes).

Every task is idempotent, touches only what is due, and may run on several hosts at once:
deletes are conditional, the index update takes the index's writer lock, and closing
requests goes through the ticket service like any other change. One failing task is
reported and the others still run; the command then exits non-zero so cron mails it.
"""

import logging
from dataclasses import dataclass

from flask import current_app

from .agent.actions import auto_close_resolved
from .events import purge_old
from .extensions import db
from .kb import get_shelf
from .outgoing.outbox import backlog, purge_sent
from .tickets.search import compact_fulltext
from .tickets.service import remove_orphan_files

log = logging.getLogger(__name__)


@dataclass
class TaskReport:
    task: str
    ok: bool
    summary: str


def auto_close():
    """Resolved requests close after AUTO_CLOSE_DAYS (the conversation service decides)."""
    closed = auto_close_resolved(current_app.config["AUTO_CLOSE_DAYS"])
    return f"{closed} resolved requests closed"


def orphan_files():
    return f"{remove_orphan_files()} orphan attachment files removed"


def article_index():
    """Bring this host's index up to date; a missing or corrupt one is rebuilt."""
    shelf = get_shelf()
    shelf.wait()
    return "; ".join(shelf.summary(shelf.sync()))


def old_events():
    days = current_app.config["EVENT_RETENTION_DAYS"]
    return f"{purge_old(days)} events older than {days} days removed"


def outbox():
    days = current_app.config["OUTBOX_RETENTION_DAYS"]
    removed = purge_sent(days)
    waiting = backlog()
    return (f"{removed} delivered mails older than {days} days removed; {waiting['pending']}"
            f" waiting (oldest {waiting['oldest_seconds']:.0f} s), {waiting['failed']} given up")


def desk_search_index():
    segments = compact_fulltext()
    if segments is None:
        return "nothing to do (the desk's full text is the database's own)"
    if segments > 1:
        return f"full-text index merged from {segments} segments into one"
    return "full-text index already in one segment"


def expired_sessions():
    removed = current_app.session_interface.store.purge_expired()
    return f"{removed} expired sessions removed"


TASKS = (
    ("auto-close", auto_close),
    ("orphan files", orphan_files),
    ("article index", article_index),
    ("desk search index", desk_search_index),
    ("events", old_events),
    ("outbox", outbox),
    ("sessions", expired_sessions),
)


def run():
    """Run every task; returns a list of TaskReport."""
    outcomes = []
    for name, task in TASKS:
        try:
            outcomes.append(TaskReport(name, True, task()))
        except Exception as exc:  # report it, run the rest
            db.session.rollback()
            log.exception("maintenance task %s failed", name)
            outcomes.append(TaskReport(name, False, f"failed: {exc.__class__.__name__}: {exc}"))
    return outcomes
