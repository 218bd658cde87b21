"""Requests, messages and files as the API answers them (plain dicts for the schemas)."""

from flask import url_for

from ..tickets import conversation
from ..vocabulary import AGENT_STATUS_LABELS, REQUESTER_STATUS_LABELS


def line(ticket, agent=False):
    labels = AGENT_STATUS_LABELS if agent else REQUESTER_STATUS_LABELS
    found = {"ref": ticket.ref, "type": ticket.type, "summary": ticket.summary,
             "status": ticket.status, "status_label": str(labels.get(ticket.status, ticket.status)),
             "created_at": ticket.created_at, "updated_at": ticket.updated_at}
    if agent:
        found.update(priority=ticket.priority, channel=ticket.channel,
                     requester_email=ticket.requester_email, assignee_id=ticket.assignee_id)
    return found


def attachment(found):
    return {"id": found.public_id, "name": found.original_name,
            "content_type": found.content_type, "size": found.size,
            "url": url_for("api.download", public_id=found.public_id)}


def message(ticket, found):
    from_support = found.author is not None and found.author.is_agent and (
        found.author_email != ticket.requester_email)
    return {"id": found.id, "from_support": from_support,
            "author": "Support" if from_support else (found.author_email or ""),
            "body": found.body or "", "internal": bool(found.internal),
            "created_at": found.created_at,
            "attachments": [attachment(a) for a in found.attachments]}


def _text_values(values):
    return {str(k): ("" if v is None else str(v)) for k, v in (values or {}).items()}


def request(ticket, messages, agent=False):
    found = line(ticket, agent)
    found.update(description=ticket.description or "", type_values=dict(ticket.fields or {}),
                 environment=_text_values(ticket.environment),
                 messages=[message(ticket, m) for m in messages],
                 can_reopen=conversation.can_reopen(ticket),
                 rating=({"score": ticket.rating.score, "comment": ticket.rating.comment}
                         if ticket.rating is not None else None))
    return found


def change(found):
    return {"field": found.field, "old": found.old, "new": found.new,
            "actor": found.actor_email, "created_at": found.created_at}
