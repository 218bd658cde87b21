"""`GET /healthz`: is the database reachable, the article index readable, mail flowing?

The outbox part is information for monitors (alert when `oldest_seconds` grows or
`failed` is not 0); a backlog alone does not make the site unhealthy, since requests are
still taken and the mail goes out once the SMTP server is back. With REDIS_URL set, Redis
is checked too: without it sign-ins and limits wait for it (the busy page).
"""

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from . import redisconf
from .extensions import db
from .kb import get_kb
from .outgoing.outbox import backlog

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    checks, healthy = {}, True
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = {"ok": True}
    except Exception as exc:  # report, never raise: this page is for monitors
        checks["database"] = {"ok": False, "error": exc.__class__.__name__}
        healthy = False
        db.session.rollback()
    kb = get_kb()
    try:
        index = kb.index
        checks["index"] = {"ok": True, "warming": index is None,
                           "documents": index.doc_count() if index else 0,
                           "articles": len(kb.articles), "skipped": len(kb.errors)}
    except Exception as exc:
        checks["index"] = {"ok": False, "error": exc.__class__.__name__}
        healthy = False
    if checks["database"]["ok"]:
        try:
            checks["outbox"] = {"ok": True, **backlog()}
        except Exception as exc:
            checks["outbox"] = {"ok": False, "error": exc.__class__.__name__}
        finally:
            db.session.rollback()
    else:
        checks["outbox"] = {"ok": False, "error": "database unavailable"}
    shared = redisconf.client(current_app)
    if shared is not None:
        try:
            shared.ping()
            checks["redis"] = {"ok": True}
        except redisconf.ERRORS as exc:
            checks["redis"] = {"ok": False, "error": exc.__class__.__name__}
            healthy = False
    return jsonify(status="ok" if healthy else "error", **checks), 200 if healthy else 503
