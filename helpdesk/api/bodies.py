"""Reading a call's body: JSON, or multipart form data when files come with it."""

import json

from flask import request
from werkzeug.datastructures import MultiDict

from .blueprint import ApiError

FILES = "attachments"


def values():
    """(dict of the body's values, list of uploaded files). Files come only in multipart."""
    if request.mimetype == "application/json":
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            raise ApiError(400, "bad_json", "Send a JSON object.")
        return data, []
    if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        data = {k: request.form.get(k) for k in request.form}
        if isinstance(data.get("fields"), str):
            try:
                data["fields"] = json.loads(data["fields"])
            except ValueError:
                raise ApiError(422, "invalid", "Some values are not valid.",
                               {"fields": ["Send the type's fields as a JSON object."]}) from None
        files = [f for f in request.files.getlist(FILES) if f and f.filename]
        return data, files
    if not request.content_length and not request.mimetype:
        return {}, []
    raise ApiError(415, "unsupported", "Send application/json or multipart/form-data.")


def text(data, name, default=""):
    """A text value of the body; anything but text is a 422 for that field."""
    value = data.get(name, default)
    if value is None:
        value = default
    if not isinstance(value, str):
        raise ApiError(422, "invalid", "Some values are not valid.", {name: ["Send text."]})
    return value


def form_data(pairs):
    """A MultiDict for a WTForms form from (name, value) pairs, text only."""
    return MultiDict([(k, v) for k, v in pairs if v is not None])
