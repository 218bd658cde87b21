"""What the API reads and answers, as marshmallow schemas: the OpenAPI description is
generated from these and the routes that use them."""

from datetime import timezone

from marshmallow import Schema, validate
from marshmallow import fields as ma

from ..auth.api_tokens import ACCESS, NAME_MAX, SCOPES
from ..tickets.forms import DESCRIPTION_MAX, REPLY_MAX, SUMMARY_MAX
from ..vocabulary import PRIORITIES, STATUSES


class UtcDateTime(ma.DateTime):
    """The database keeps UTC without an offset; RFC 3339 wants one, so it says Z."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return super()._serialize(value, attr, obj, **kwargs)


CURSOR = {"cursor": ma.String(load_default="", validate=validate.Length(max=64),
                                  metadata={"description": "next_cursor of the last page"})}


class ErrorBody(Schema):
    code = ma.String(required=True)
    message = ma.String(required=True)
    field_messages = ma.Dict(keys=ma.String(), values=ma.List(ma.String()),
                             required=True, data_key="fields")


class Error(Schema):
    error = ma.Nested(ErrorBody, required=True)


# --- tokens -------------------------------------------------------------------------------

class CodeRequest(Schema):
    email = ma.Email(required=True, validate=validate.Length(max=254))


class Sent(Schema):
    sent = ma.Boolean(required=True)
    message = ma.String(required=True)


class TokenRequest(Schema):
    code = ma.String(required=True, validate=validate.Length(min=1, max=1000),
                         metadata={"description": "the `token` of the emailed sign-in link"})
    name = ma.String(load_default="", validate=validate.Length(max=NAME_MAX))


class Token(Schema):
    id = ma.Integer(required=True)
    name = ma.String(required=True)
    scope = ma.String(required=True, validate=validate.OneOf(SCOPES))
    access = ma.String(required=True, validate=validate.OneOf(ACCESS))
    hint = ma.String(required=True, metadata={"description": "the token's first letters"})
    created_at = UtcDateTime(required=True)
    last_used_at = UtcDateTime(allow_none=True)


class NewToken(Token):
    token = ma.String(required=True, metadata={"description": "shown this once only"})


class Me(Schema):
    email = ma.String(required=True)
    role = ma.String(required=True)
    verified = ma.Boolean(required=True)
    token = ma.Nested(Token, required=True)


# --- requests -------------------------------------------------------------------------------

class TypeField(Schema):
    name = ma.String(required=True)
    label = ma.String(required=True)
    kind = ma.String(required=True)
    required = ma.Boolean(required=True)
    choices = ma.List(ma.String(), required=True)


class RequestType(Schema):
    slug = ma.String(required=True)
    name = ma.String(required=True)
    description = ma.String(required=True)
    type_fields = ma.List(ma.Nested(TypeField), required=True, data_key="fields")


class RequestTypes(Schema):
    items = ma.List(ma.Nested(RequestType), required=True)


class Attachment(Schema):
    id = ma.String(required=True)
    name = ma.String(required=True)
    content_type = ma.String(required=True)
    size = ma.Integer(required=True)
    url = ma.String(required=True, metadata={"description": "download with the token"})


class Message(Schema):
    id = ma.Integer(required=True)
    from_support = ma.Boolean(required=True)
    author = ma.String(required=True)
    body = ma.String(required=True)
    internal = ma.Boolean(required=True)
    created_at = UtcDateTime(required=True)
    attachments = ma.List(ma.Nested(Attachment), required=True)


class RequestLine(Schema):
    ref = ma.String(required=True)
    type = ma.String(required=True)
    summary = ma.String(required=True)
    status = ma.String(required=True, validate=validate.OneOf(STATUSES))
    status_label = ma.String(required=True)
    created_at = UtcDateTime(required=True)
    updated_at = UtcDateTime(required=True)


class RequestPage(Schema):
    items = ma.List(ma.Nested(RequestLine), required=True)
    next_cursor = ma.String(required=True, allow_none=True)


class Rating(Schema):
    score = ma.Integer(required=True)
    comment = ma.String(required=True)


class Request(RequestLine):
    description = ma.String(required=True)
    type_values = ma.Dict(keys=ma.String(), required=True, data_key="fields")
    environment = ma.Dict(keys=ma.String(), values=ma.String(), required=True)
    messages = ma.List(ma.Nested(Message), required=True)
    can_reopen = ma.Boolean(required=True)
    rating = ma.Nested(Rating, allow_none=True, required=True)


class Filed(Schema):
    ref = ma.String(required=True)
    status = ma.String(required=True)
    url = ma.String(required=True)


class ListArgs(Schema):
    status = ma.String(load_default="all", validate=validate.OneOf(["all", "open", "closed"]))
    cursor = CURSOR["cursor"]


class RateBody(Schema):
    score = ma.Integer(required=True, validate=validate.Range(min=1, max=5))
    comment = ma.String(load_default="", validate=validate.Length(max=2000))


class Posted(Schema):
    message_id = ma.Integer(required=True)
    ref = ma.String(required=True, metadata={
        "description": "where it landed: a new request when the old one closed long ago"})


# --- articles --------------------------------------------------------------------------------

class SearchArgs(Schema):
    q = ma.String(required=True, validate=validate.Length(max=200))
    limit = ma.Integer(load_default=5, validate=validate.Range(min=1, max=10))


class Hit(Schema):
    slug = ma.String(required=True)
    title = ma.String(required=True)
    url = ma.String(required=True)
    snippet = ma.String(required=True)
    highlights = ma.List(ma.List(ma.Integer()), required=True)


class Hits(Schema):
    query = ma.String(required=True)
    results = ma.List(ma.Nested(Hit), required=True)


class Article(Schema):
    slug = ma.String(required=True)
    title = ma.String(required=True)
    url = ma.String(required=True)
    summary = ma.String(required=True)
    html = ma.String(required=True)


# --- the desk --------------------------------------------------------------------------------

class QueueArgs(Schema):
    view = ma.String(load_default="open", validate=validate.OneOf(
        ["mine", "unassigned", "open", "waiting", "resolved", "all", "spam"]))
    status = ma.String(load_default="", validate=validate.OneOf([""] + list(STATUSES)))
    type = ma.String(load_default="", validate=validate.Length(max=64))
    assignee = ma.String(load_default="", validate=validate.Length(max=12),
                             metadata={"description": "an agent's id, or none"})
    priority = ma.String(load_default="", validate=validate.OneOf([""] + list(PRIORITIES)))
    channel = ma.String(load_default="", validate=validate.OneOf(["", "web", "email"]))
    q = ma.String(load_default="", validate=validate.Length(max=200))
    sort = ma.String(load_default="updated", validate=validate.OneOf(
        ["updated", "stale", "created", "oldest"]))
    cursor = CURSOR["cursor"]


class QueueLine(RequestLine):
    priority = ma.String(required=True)
    channel = ma.String(required=True)
    requester_email = ma.String(required=True)
    assignee_id = ma.Integer(allow_none=True, required=True)


class QueuePage(Schema):
    items = ma.List(ma.Nested(QueueLine), required=True)
    next_cursor = ma.String(required=True, allow_none=True)


class Change(Schema):
    field = ma.String(required=True)
    old = ma.String(allow_none=True, required=True)
    new = ma.String(allow_none=True, required=True)
    actor = ma.String(allow_none=True, required=True)
    created_at = UtcDateTime(required=True)


class DeskRequest(Request):
    priority = ma.String(required=True)
    channel = ma.String(required=True)
    requester_email = ma.String(required=True)
    assignee_id = ma.Integer(allow_none=True, required=True)
    changes = ma.List(ma.Nested(Change), required=True)


class DeskMessage(Schema):
    body = ma.String(load_default="", validate=validate.Length(max=REPLY_MAX))
    internal = ma.Boolean(load_default=False)


class Properties(Schema):
    status = ma.String(validate=validate.OneOf(STATUSES))
    priority = ma.String(validate=validate.OneOf(PRIORITIES))
    type = ma.String(validate=validate.Length(min=1, max=64))
    assignee_id = ma.Integer(allow_none=True, validate=validate.Range(min=1, max=2**31 - 1),
                                 metadata={"description": "null unassigns"})


class Changed(Schema):
    changed = ma.List(ma.String(), required=True)


# The multipart/JSON body of a new request (read by hand: files and JSON both).
NEW_REQUEST_PROPERTIES = {
    "type": {"type": "string", "maxLength": 64},
    "summary": {"type": "string", "minLength": 1, "maxLength": SUMMARY_MAX},
    "description": {"type": "string", "minLength": 1, "maxLength": DESCRIPTION_MAX},
    "fields": {"type": "object", "description": "the type's own fields by name"},
    "app_version": {"type": "string", "maxLength": 200},
    "os": {"type": "string", "maxLength": 200},
    "device": {"type": "string", "maxLength": 200},
    "locale": {"type": "string", "maxLength": 16,
               "description": "the requester's language, one of the site's SUPPORTED_LOCALES"
                              " (mail to them is written in it); default: the account's saved"
                              " language, else the site's default"},
}
