"""The requester's calls (the mobile app): file, list, read, reply, solve, reopen, rate.

Who may act on a request is helpdesk.access's answer, as on the pages; someone else's
request and a request that does not exist both answer 404.
"""

import hashlib

from flask import current_app, g, request, url_for

from .. import access, locales
from ..extensions import limiter
from ..models import Ticket
from ..tickets import conversation, environment, listing, service, storage
from ..tickets.forms import form_class
from ..tickets.types import request_types
from . import bodies, present, schemas
from .blueprint import (
    BEARER,
    ApiError,
    any_token,
    bp,
    decode_cursor,
    encode_cursor,
    needs_token,
    token_key,
)

IDEMPOTENCY_MAX = 200


def refused_files(refused):
    """A file over the size limit is a 413; any other refused file (kind, count) a 422."""
    too_big = isinstance(refused, storage.TooLarge)
    return ApiError(413 if too_big else 422, "attachment_refused", str(refused),
                    {"attachments": [str(refused)]})


def _own(ref):
    """The request `ref` of the token's account, else 404."""
    ticket = Ticket.by_ref(ref) if isinstance(ref, str) and len(ref) < 20 else None
    if ticket is None or not access.acts_as_requester(ticket, g.api_user):
        raise ApiError(404, "not_found", "No such request.")
    return ticket


def _type_fields(request_type):
    return [{"name": f.name, "label": f.label, "kind": f.kind, "required": f.required,
             "choices": [value for value, _label in f.choices]} for f in request_type.fields]


@bp.get("/request-types")
@needs_token("requester")
@bp.response(200, schemas.RequestTypes)
@bp.doc(security=BEARER)
def list_types():
    """The kinds of request and the fields each asks for."""
    return {"items": [{"slug": t.slug, "name": t.name, "description": t.description,
                       "type_fields": _type_fields(t)} for t in request_types().values()]}


# --- filing --------------------------------------------------------------------------------

def _email_limit():
    return current_app.config["REQUEST_RATE_LIMIT_EMAIL"]


def _user_key():
    return "api-request:" + token_key()


def _form_pairs(data, request_type, email):
    pairs = [("email", email), ("summary", bodies.text(data, "summary")),
             ("description", bodies.text(data, "description"))]
    own = data.get("fields") or {}
    if not isinstance(own, dict):
        raise ApiError(422, "invalid", "Some values are not valid.",
                       {"fields": ["Send the type's fields as an object."]})
    unknown = sorted(set(own) - {f.name for f in request_type.fields})
    if unknown:
        raise ApiError(422, "invalid", "Some values are not valid.",
                       {f"fields.{name}": ["This type has no such field."] for name in unknown})
    for f in request_type.fields:
        value = own.get(f.name)
        if f.kind == "checkbox":
            if value is not None and not isinstance(value, bool):
                raise ApiError(422, "invalid", "Some values are not valid.",
                               {f"fields.{f.name}": ["Send true or false."]})
            pairs.append((f.name, "y" if value else None))
        elif value is not None:
            if not isinstance(value, str):
                raise ApiError(422, "invalid", "Some values are not valid.",
                               {f"fields.{f.name}": ["Send text."]})
            pairs.append((f.name, value))
    for name in environment.APP_FIELDS:
        pairs.append((name, bodies.text(data, name)))
    return pairs


def _submission_token(user):
    """An Idempotency-Key makes a retried call return the first request, never a second;
    it is bound to the account, so nobody can reach someone else's request with it."""
    key = request.headers.get("Idempotency-Key", "")
    if not key:
        return None
    if len(key) > IDEMPOTENCY_MAX:
        raise ApiError(400, "bad_idempotency_key", "Keep the Idempotency-Key under 200 characters.")
    return hashlib.sha256(f"{user.id}:{key}".encode()).hexdigest()


def file_request(user, data, files, on_behalf=None):
    """Check a new request like the form does and open it; returns (Ticket, status)."""
    slug = bodies.text(data, "type")
    request_type = request_types().get(slug)
    if request_type is None:
        raise ApiError(422, "invalid", "Some values are not valid.",
                       {"type": ["Choose a type from /api/v1/request-types."]})
    email = on_behalf or user.email
    form = form_class(request_type)(formdata=bodies.form_data(
        _form_pairs(data, request_type, email)), meta={"csrf": False})
    if not form.validate():
        problems = {("fields." + k if request_type.field_named(k) else k): list(v)
                    for k, v in form.errors.items() if k not in ("attachments",)}
        if problems:
            raise ApiError(422, "invalid", "Some values are not valid.", problems)
    env = environment.collect(request.user_agent.string, form.data)
    locale = _locale(data) or (None if on_behalf else user.locale)
    try:
        ticket = service.open_request(service.NewRequest(
            request_type=request_type, email=email, summary=form.summary.data,
            description=form.description.data, fields=form.type_values(), environment=env,
            uploads=[service.Upload(f.stream, f.filename) for f in files],
            submission_token=_submission_token(user), channel="web",
            user=None if on_behalf else user, address_proven=not on_behalf, locale=locale))
    except service.AlreadyFiled as done:
        return done.ticket, 200
    except service.SenderBlocked:
        raise ApiError(403, "sender_blocked", "Requests from this address are not accepted.") \
            from None
    except (service.TooManyFiles, storage.AttachmentRefused) as refused:
        raise refused_files(refused) from None
    return ticket, 201


def _locale(data):
    """The optional `locale` of a new request: one of the site's languages, exactly."""
    code = bodies.text(data, "locale")
    if code and code not in locales.offered():
        raise ApiError(422, "invalid", "Some values are not valid.",
                       {"locale": [f"Choose one of: {', '.join(locales.offered())}."]})
    return code or None


def filed(ticket, status, endpoint):
    """The answer to filing: where the new request is read (`endpoint`), and its status."""
    return {"ref": ticket.ref, "status": ticket.status,
            "url": url_for(endpoint, ref=ticket.ref)}, status


@bp.post("/requests")
@needs_token("requester", write=True)
@limiter.limit(_email_limit, key_func=_user_key)
@bp.response(201, schemas.Filed)
@bp.alt_response(200, schema=schemas.Filed, description="Filed before with this Idempotency-Key")
@bp.doc(security=BEARER, requestBody={"required": True, "content": {
    "application/json": {"schema": {"type": "object", "required": ["type", "summary",
                                                                   "description"],
                                    "properties": schemas.NEW_REQUEST_PROPERTIES}},
    "multipart/form-data": {"schema": {"type": "object", "required": ["type", "summary",
                                                                      "description"],
                                       "properties": dict(schemas.NEW_REQUEST_PROPERTIES, **{
                                           "fields": {"type": "string",
                                                      "description": "a JSON object"},
                                           "attachments": {"type": "array", "items": {
                                               "type": "string", "format": "binary"}}})}}}})
def new_request():
    """File a request of a type, with its fields, device details and files (multipart)."""
    data, files = bodies.values()
    return filed(*file_request(g.api_user, data, files), "api.read_request")


# --- following --------------------------------------------------------------------------------

@bp.get("/requests")
@needs_token("requester")
@bp.arguments(schemas.ListArgs, location="query")
@bp.response(200, schemas.RequestPage)
@bp.doc(security=BEARER)
def list_requests(args):
    """The account's requests, last changed first, a page at a time."""
    user = g.api_user
    page_number = decode_cursor(args["cursor"])
    if not user.is_verified:
        return {"items": [], "next_cursor": None}
    page = listing.my_requests(user.email, status=args["status"], page=page_number,
                               per_page=current_app.config["API_PAGE_SIZE"])
    rows = page.rows if page.page == page_number else []
    more = page_number < page.pages
    return {"items": [present.line(t) for t in rows],
            "next_cursor": encode_cursor(page_number + 1) if more and rows else None}


@bp.get("/requests/<ref>")
@needs_token("requester")
@bp.response(200, schemas.Request)
@bp.doc(security=BEARER)
def read_request(ref):
    """One request and its public conversation (internal notes never appear)."""
    ticket = _own(ref)
    return present.request(ticket, listing.public_messages(ticket))


@bp.post("/requests/<ref>/messages")
@needs_token("requester", write=True)
@bp.response(201, schemas.Posted)
@bp.doc(security=BEARER, requestBody={"required": True, "content": {
    "application/json": {"schema": {"type": "object", "properties": {
        "body": {"type": "string", "maxLength": 20000}}}},
    "multipart/form-data": {"schema": {"type": "object", "properties": {
        "body": {"type": "string", "maxLength": 20000},
        "attachments": {"type": "array", "items": {"type": "string", "format": "binary"}}}}}}})
def reply(ref):
    """Reply, with files; a reply to a request closed long ago starts a linked one."""
    ticket = _own(ref)
    data, files = bodies.values()
    return post_message(ticket, data, files, g.api_user, internal=False)


def post_message(ticket, data, files, user, internal):
    body = bodies.text(data, "body")
    if len(body) > 20000:
        raise ApiError(422, "invalid", "Some values are not valid.",
                       {"body": ["Keep it under 20000 characters."]})
    if not access.is_staff(user) or g.api_token.scope == "requester":
        service.note_address_proven(ticket)
        author = user if access.owns(user, ticket) else None
    else:
        author = user
    try:
        message = conversation.add_reply(
            ticket, body=body, author=author, author_email=ticket.requester_email
            if author is None else None, source="web", internal=internal,
            uploads=[service.Upload(f.stream, f.filename) for f in files])
    except conversation.ConversationError as refused:
        raise ApiError(422, "invalid", str(refused), {"body": [str(refused)]}) from None
    except (service.TooManyFiles, storage.AttachmentRefused) as refused:
        raise refused_files(refused) from None
    return {"message_id": message.id, "ref": message.ticket.ref}


def _conflict(refused):
    return ApiError(409, "conflict", str(refused))


def _move(ref, step):
    """Solve or reopen as the requester; a step that does not apply now is a 409."""
    ticket = _own(ref)
    service.note_address_proven(ticket)
    try:
        step(ticket, actor=g.api_user)
    except conversation.ConversationError as refused:
        raise _conflict(refused) from None
    return present.line(ticket)


@bp.post("/requests/<ref>/solve")
@needs_token("requester", write=True)
@bp.response(200, schemas.RequestLine)
@bp.doc(security=BEARER)
def solve(ref):
    """"My problem is solved": resolves the request."""
    return _move(ref, conversation.resolve)


@bp.post("/requests/<ref>/reopen")
@needs_token("requester", write=True)
@bp.response(200, schemas.RequestLine)
@bp.doc(security=BEARER)
def reopen(ref):
    """Open a resolved or closed request again, within the reopen period."""
    return _move(ref, conversation.reopen)


@bp.post("/requests/<ref>/rating")
@needs_token("requester", write=True)
@bp.arguments(schemas.RateBody)
@bp.response(201, schemas.Rating)
@bp.doc(security=BEARER)
def rate(body, ref):
    """Rate the help, 1 to 5, once the request is resolved."""
    ticket = _own(ref)
    try:
        rating = conversation.rate(ticket, body["score"], body["comment"])
    except conversation.ConversationError as refused:
        raise _conflict(refused) from None
    return {"score": rating.score, "comment": rating.comment}


@bp.get("/attachments/<public_id>")
@any_token
@bp.response(200, {"type": "string", "format": "binary"}, content_type="application/octet-stream")
@bp.doc(security=BEARER)
def download(public_id):
    """A file of a request the token may read (notes' files for agent tokens only)."""
    token = g.api_token
    found = listing.public_attachment(public_id) if len(public_id) < 64 else None
    allowed = (access.may_download(found, token.user) if token.scope == "agent"
               else access.may_download_as_requester(found, token.user))
    if not allowed:
        raise ApiError(404, "not_found", "No such file.")
    return storage.send(found)
