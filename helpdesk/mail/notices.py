"""The mails a request sends, rendered from templates/mail/ (plain text and HTML)."""

from flask import current_app, render_template
from sqlalchemy import select

from ..extensions import db
from ..models import User
from .outbox import header_text, new_message_id, queue_mail


def subject_for(ticket, text):
    """"[HD-1042] text": the tag threads replies and lets people search their mail."""
    return header_text(f"[{ticket.ref}] {text}", 400)


def thread_headers(ticket):
    headers = {"Message-ID": new_message_id(ticket.ref), "X-Helpdesk-Request": ticket.ref}
    support = current_app.config.get("SUPPORT_ADDRESS")
    if support:
        headers["Reply-To"] = support
    return headers


def queue_notice(ticket, template, to, subject, **context):
    """Render templates/mail/<template>.txt and .html and queue them for `to`."""
    context = dict(context, ticket=ticket, site_name=current_app.config["SITE_NAME"])
    return queue_mail(to, subject_for(ticket, subject),
                      render_template(f"mail/{template}.txt", **context),
                      render_template(f"mail/{template}.html", **context),
                      headers=thread_headers(ticket), ticket_id=ticket.id)


def agent_recipients():
    """AGENT_NOTIFY_ADDRESS when set, else every active agent and admin."""
    configured = current_app.config.get("AGENT_NOTIFY_ADDRESS")
    if configured:
        return [a.strip() for a in str(configured).split(",") if a.strip()]
    return list(db.session.execute(
        select(User.email).where(User.role.in_(("agent", "admin")), User.is_active.is_(True))
        .order_by(User.id)).scalars())
