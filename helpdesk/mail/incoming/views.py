"""Admin and agent pages for incoming mail. Each checks the role server-side; anyone else
gets 404, as if the page did not exist."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from ...extensions import db
from ...models import InboundMail
from . import ingest, kept

bp = Blueprint("mail_incoming", __name__)
RECENT_IGNORED = 50


def _user():
    user = current_user
    if not (user and user.is_authenticated and user.is_active):
        return None
    return user


def _require_admin():
    user = _user()
    if user is None or user.role != "admin":
        abort(404)


def _require_agent():
    user = _user()
    if user is None or not user.is_agent:
        abort(404)


@bp.get("/agent/mail/kept")
def kept_list():
    """Mail that could not be handled, with the reason, and recently ignored mail."""
    _require_admin()
    ignored = db.session.execute(
        select(InboundMail).where(InboundMail.status == "ignored")
        .order_by(InboundMail.id.desc()).limit(RECENT_IGNORED)).scalars().all()
    return render_template("mail/kept.html", kept=kept.listing(), ignored=ignored)


@bp.post("/agent/mail/kept/<name>/retry")
def kept_retry(name):
    _require_admin()
    if not kept.NAME.match(name) or kept.read(name) is None:
        abort(404)
    outcome = ingest.retry(name)
    flash(f"{name}: {outcome.describe()}", "error" if outcome.kept else "success")
    return redirect(url_for(".kept_list"), 303)


@bp.get("/agent/mail/messages/<int:message_id>/original")
def original(message_id):
    """The whole text of the mail that became a message (quoted history included)."""
    _require_agent()
    found = db.session.execute(
        select(InboundMail).where(InboundMail.message_id == message_id)).scalar_one_or_none()
    if found is None:
        abort(404)
    return render_template("mail/original.html", mail=found)
