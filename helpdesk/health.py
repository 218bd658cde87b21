"""`GET /healthz`: is the database reachable and the article index readable?"""

from flask import Blueprint, jsonify
from sqlalchemy import text

from .extensions import db
from .kb import get_kb

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
    kb = get_kb()
    try:
        index = kb.index
        checks["index"] = {"ok": True, "warming": index is None,
                           "documents": index.doc_count() if index else 0,
                           "articles": len(kb.articles), "skipped": len(kb.errors)}
    except Exception as exc:
        checks["index"] = {"ok": False, "error": exc.__class__.__name__}
        healthy = False
    return jsonify(status="ok" if healthy else "error", **checks), 200 if healthy else 503
