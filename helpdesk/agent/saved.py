"""Saved replies (canned responses): admins write them, agents insert them into replies.

Placeholders are filled by plain replacement of known names, never by a template engine
(an admin's text is data, not code): {name} the requester's name, {email} their address,
{ref} the reference, {summary} the request's summary, {agent} the agent's name (their
address when they have not given one).
"""

import re

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import SavedReply

TITLE_MAX = 120
BODY_MAX = 20000
PLACEHOLDER = re.compile(r"\{(name|email|ref|summary|agent)\}")


class SavedReplyError(ValueError):
    """Bad input for a saved reply; the message is for the admin."""


def listing():
    return list(db.session.execute(select(SavedReply).order_by(SavedReply.title)).scalars())


def get(reply_id):
    return db.session.get(SavedReply, reply_id) if isinstance(reply_id, int) else None


def requester_name(email):
    """A friendly name from an address: "ann.smith@example.com" -> "Ann Smith".

    For a request whose requester gave no name: the part before "@" is the best guess.
    """
    local = (email or "").split("@", 1)[0].split("+", 1)[0]
    words = [w for w in re.split(r"[._\-]+", local) if w]
    return " ".join(w[:1].upper() + w[1:] for w in words) or "there"


def fill(body, ticket, agent=None):
    values = {"name": ticket.known_requester_name or requester_name(ticket.requester_email),
              "email": ticket.requester_email, "ref": ticket.ref, "summary": ticket.summary,
              "agent": agent.name_or_email if agent is not None else ""}
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], body or "")


def _clean(title, body):
    title = " ".join(str(title or "").split())
    body = str(body or "").replace("\r\n", "\n")
    if not title:
        raise SavedReplyError(_("Give the saved reply a title."))
    if len(title) > TITLE_MAX:
        raise SavedReplyError(_("Keep the title under %(num)d characters.", num=TITLE_MAX))
    if not body.strip():
        raise SavedReplyError(_("Write the text of the saved reply."))
    if len(body) > BODY_MAX:
        raise SavedReplyError(_("Keep the text under %(num)d characters.", num=BODY_MAX))
    return title, body


def save(title, body, author, reply=None):
    """Create (reply=None) or change a saved reply. Commits."""
    title, body = _clean(title, body)
    if reply is None:
        reply = SavedReply(created_by_id=author.id)
        db.session.add(reply)
    reply.title, reply.body = title, body
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise SavedReplyError(_("Another saved reply already has this title.")) from None
    return reply


def delete(reply):
    db.session.delete(reply)
    db.session.commit()
