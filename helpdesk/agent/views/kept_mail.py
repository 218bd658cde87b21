"""Incoming mail on the desk: mail that could not be handled (admins) and the whole
original text of a mail that became a message (agents)."""

from flask import abort, flash, redirect, render_template, url_for
from sqlalchemy import select

from ...extensions import db
from ...inbound import ingest, kept
from ...models import InboundMail
from .. import gate
from . import bp

RECENT_IGNORED = 50


@bp.get("/mail/kept")
@gate.admin_only
def kept_list():
    """Mail that could not be handled, with the reason, and recently ignored mail."""
    ignored = db.session.execute(
        select(InboundMail).where(InboundMail.status == "ignored")
        .order_by(InboundMail.id.desc()).limit(RECENT_IGNORED)).scalars().all()
    return render_template("mail/kept.html", kept=kept.listing(), ignored=ignored)


@bp.post("/mail/kept/<name>/retry")
@gate.admin_only
def kept_retry(name):
    if not kept.NAME.match(name) or kept.read(name) is None:
        abort(404)
    outcome = ingest.retry(name)
    flash(f"{name}: {outcome.describe()}", "error" if outcome.kept else "success")
    return redirect(url_for(".kept_list"), 303)


@bp.get("/mail/messages/<int:message_id>/original")
def original(message_id):
    """The whole text of the mail that became a message (quoted history included)."""
    found = db.session.execute(
        select(InboundMail).where(InboundMail.message_id == message_id)).scalar_one_or_none()
    if found is None:
        abort(404)
    return render_template("mail/original.html", mail=found)
