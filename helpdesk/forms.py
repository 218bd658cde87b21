"""What every form of the app shares: text read only from a web form's body, and bounds.

Flask-WTF fills a form from a JSON body when there is one, so `{"email": {"$ne": ""}}`
reached the validators as a dict, and a file part named like a text field reached them as
a file; both crashed validators that expect text. `Form` reads only the fields of a
urlencoded or multipart body (files only into file fields) and refuses JSON with a 400.
`MaxLength` stops a field's other validators once its length check fails (an address
validator has no business reading half a megabyte), and `Hidden` is a hidden field with
a length limit: a longer value was not set by our page and is refused. `FormRequest`
holds every body that is read whole into memory (urlencoded forms, JSON) to
MAX_FORM_MEMORY_SIZE, the limit Werkzeug puts on each text part of a multipart body.

This module sits at the bottom layer: it imports nothing from helpdesk's feature packages.
"""

import flask
from flask import abort, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import CombinedMultiDict, MultiDict
from wtforms import FileField, HiddenField
from wtforms.validators import Length, StopValidation, ValidationError

from .emails import normalize_email, suggest_address

SUBMIT_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
HIDDEN_MAX = 200

NOT_FORM_DATA = _l("This page takes the fields of a web form, not JSON. Nothing was saved:"
                   " send the form from the page itself.")
FILE_FOR_TEXT = _l("This field takes text, and a file was sent in its place. Type it again.")
HIDDEN_TOO_LONG = _l("Part of this page's form was changed or damaged, so nothing was sent."
                     " Check what you typed and send it again.")

_FROM_REQUEST = object()


class MaxLength(Length):
    """`Length(max=...)` that ends the field's validation when the value is too long."""

    def __init__(self, max, message):
        super().__init__(max=max, message=message)

    def __call__(self, form, field):
        try:
            super().__call__(form, field)
        except ValidationError as too_long:
            raise StopValidation(str(too_long)) from None


class Hidden(HiddenField):
    """A hidden value our page set. A longer one is dropped (the page comes back without
    it, so sending again works) and the form is refused with HIDDEN_TOO_LONG."""

    def __init__(self, label=None, validators=None, max_length=HIDDEN_MAX, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.max_length = max_length

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data and len(self.data) > self.max_length:
            self.data = ""
            raise ValueError(HIDDEN_TOO_LONG)


class Form(FlaskForm):
    """Base of every form: filled from the form body's text, never from JSON."""

    def __init__(self, formdata=_FROM_REQUEST, **kwargs):
        self._files_for_text = []
        if formdata is _FROM_REQUEST:
            formdata = self._submitted() if request and request.method in SUBMIT_METHODS else None
        super().__init__(formdata=formdata, **kwargs)

    def _submitted(self):
        if request.is_json:
            abort(400, description=NOT_FORM_DATA)
        fields = dict(self._unbound_fields)
        file_fields = {n for n, f in fields.items() if issubclass(f.field_class, FileField)}
        self._files_for_text = sorted(set(request.files) & (set(fields) - file_fields))
        files = MultiDict([(name, value) for name, value in request.files.items(multi=True)
                           if name in file_fields])
        if files:
            return CombinedMultiDict((files, request.form))
        return request.form or None

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        for name in self._files_for_text:
            self[name].errors.append(FILE_FOR_TEXT)
        return valid and not self._files_for_text


class FormRequest(flask.Request):
    """Werkzeug caps each text part of a multipart body at MAX_FORM_MEMORY_SIZE but reads
    any other body whole, up to MAX_CONTENT_LENGTH (sized for five attachments): a 40 MB
    urlencoded address was parsed and validated. Such bodies get the text limit instead."""

    @property
    def max_content_length(self):
        limit = flask.Request.max_content_length.fget(self)
        text_limit = self.max_form_memory_size
        if self.mimetype == "multipart/form-data" or text_limit is None:
            return limit
        return text_limit if limit is None else min(limit, text_limit)

    @max_content_length.setter
    def max_content_length(self, value):
        flask.Request.max_content_length.fset(self, value)


# --- "did you mean": an address whose domain looks mistyped -------------------------------
# A form with an email field adds `email_checked = Hidden(max_length=254)`. The first send
# of a likely typo comes back with the suggestion (email_hint); sending the same address
# again goes through, since the person has seen it and insists. "use_email" is the
# suggestion's button: without JavaScript it brings the form back with the address fixed.

def email_hint(form):
    """The corrected address to offer, once per typed address; None to go on."""
    typed = form.email.data or ""
    suggestion = suggest_address(typed)
    if suggestion is None or normalize_email(form.email_checked.data) == normalize_email(typed):
        return None
    form.email_checked.data = typed
    return suggestion


def took_suggested_email(form):
    """True when the suggestion's button was pressed: the field now holds it."""
    value = request.form.get("use_email", type=str)
    if value is None:
        return False
    form.email.data = " ".join(value.split())[:254]
    return True
