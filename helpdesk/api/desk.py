"""Agents and integrations: the queue, one request with notes and audit, replies, notes,
properties, and requests filed on someone's behalf. Agent tokens only."""

from flask import current_app, g
from werkzeug.datastructures import MultiDict

from ..agent import actions, pages, queue
from ..emails import normalize_email
from ..tickets.types import request_types
from . import bodies, present, schemas
from .blueprint import BEARER, ApiError, bp, decode_cursor, encode_cursor, needs_token
from .requester import file_request, filed, post_message

AGENT_BODY = {"type": "object", "properties": {
    "body": {"type": "string", "maxLength": 20000},
    "internal": {"type": "boolean", "description": "an internal note, never shown to the "
                                                  "requester"}}}


def _ticket(ref):
    ticket = pages.load(ref) if isinstance(ref, str) and len(ref) < 20 else None
    if ticket is None:
        raise ApiError(404, "not_found", "No such request.")
    return ticket


@bp.get("/desk/requests")
@needs_token("agent")
@bp.arguments(schemas.QueueArgs, location="query")
@bp.response(200, schemas.QueuePage)
@bp.doc(security=BEARER)
def queue_list(args):
    """The queue: a view (tab), filters, text search and sort, a page at a time."""
    known = queue.agents()
    query = MultiDict({k: v for k, v in args.items() if k != "cursor" and v})
    query["page"] = str(decode_cursor(args["cursor"]))
    criteria = queue.parse(query, set(request_types()), set(known))
    found = queue.page(criteria, g.api_user.id, current_app.config["API_PAGE_SIZE"], known)
    return {"items": [present.line(row, agent=True) for row in found.rows],
            "next_cursor": encode_cursor(criteria.page + 1) if found.has_next else None}


@bp.post("/desk/requests")
@needs_token("agent", write=True)
@bp.response(201, schemas.Filed)
@bp.alt_response(200, schema=schemas.Filed, description="Filed before with this Idempotency-Key")
@bp.doc(security=BEARER, requestBody={"required": True, "content": {
    "application/json": {"schema": {"type": "object",
                                    "required": ["email", "type", "summary", "description"],
                                    "properties": dict(schemas.NEW_REQUEST_PROPERTIES, email={
                                        "type": "string", "format": "email",
                                        "maxLength": 254})}}}})
def on_behalf():
    """File a request for someone (an integration filing from chat, say)."""
    data, files = bodies.values()
    email = normalize_email(bodies.text(data, "email"))
    if not email:
        raise ApiError(422, "invalid", "Some values are not valid.",
                       {"email": ["Enter the requester's email address."]})
    return filed(*file_request(g.api_user, data, files, on_behalf=email), "api.desk_request")


@bp.get("/desk/requests/<ref>")
@needs_token("agent")
@bp.response(200, schemas.DeskRequest)
@bp.doc(security=BEARER)
def desk_request(ref):
    """One request with its whole conversation (notes too) and its audit trail."""
    ticket = _ticket(ref)
    loaded = pages.contents(ticket)
    found = present.request(ticket, loaded.messages, agent=True)
    found["changes"] = [present.change(c) for c in loaded.changes]
    return found


@bp.post("/desk/requests/<ref>/messages")
@needs_token("agent", write=True)
@bp.response(201, schemas.Posted)
@bp.doc(security=BEARER, requestBody={"required": True, "content": {
    "application/json": {"schema": AGENT_BODY},
    "multipart/form-data": {"schema": {"type": "object", "properties": dict(
        AGENT_BODY["properties"], internal={"type": "string", "enum": ["true", "false"]},
        attachments={"type": "array", "items": {"type": "string", "format": "binary"}})}}}})
def desk_message(ref):
    """A reply to the requester, or an internal note (`internal: true`)."""
    ticket = _ticket(ref)
    data, files = bodies.values()
    internal = data.get("internal", False)
    if isinstance(internal, str):
        internal = internal.lower() in ("true", "1", "yes")
    if not isinstance(internal, bool):
        raise ApiError(422, "invalid", "Some values are not valid.",
                       {"internal": ["Send true or false."]})
    return post_message(ticket, data, files, g.api_user, internal=internal)


@bp.patch("/desk/requests/<ref>")
@needs_token("agent", write=True)
@bp.arguments(schemas.Properties)
@bp.response(200, schemas.Changed)
@bp.doc(security=BEARER)
def desk_update(body, ref):
    """Change status, priority, type or assignee (null unassigns); audited like the desk."""
    ticket = _ticket(ref)
    changes = actions.Changes(status=body.get("status"), priority=body.get("priority"),
                              type=body.get("type"))
    if "assignee_id" in body:
        if body["assignee_id"] is None:
            changes.unassign = True
        else:
            changes.assignee_id = body["assignee_id"]
    try:
        changed = actions.update(ticket, changes, g.api_user, request_types())
    except actions.ActionError as refused:
        name = next((k for k in body), "")
        raise ApiError(422, "invalid", str(refused), {name: [str(refused)]} if name else {}) \
            from None
    return {"changed": changed}
