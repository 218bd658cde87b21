"""The request form: the common fields plus each request type's own, built per type."""

from functools import lru_cache

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    MultipleFileField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Optional

from ..forms import Form, Hidden, MaxLength
from ..text import NAME_MAX

SUMMARY_MAX = 255
DESCRIPTION_MAX = 20000
SUBMISSION_TOKEN_MAX = 64  # the column's length; the page sets 32 characters


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class RequestForm(Form):
    email = EmailField(
        _l("Your email address"),
        filters=[_strip],
        validators=[InputRequired(_l("Enter the email address we should answer.")),
                    MaxLength(254, _l("This email address is too long.")),
                    Email(_l("Enter a valid email address, like name@example.com."))],
        description=_l("We send the answer and a link to follow your request here."))
    name = StringField(
        _l("Your name"),
        filters=[_strip],
        validators=[Optional(),
                    MaxLength(NAME_MAX, _l("Keep your name under %(max)d characters."))],
        description=_l("So we know what to call you."))
    summary = StringField(
        _l("Summary"),
        filters=[_strip],
        validators=[DataRequired(_l("Give your request a short summary.")),
                    MaxLength(SUMMARY_MAX, _l("Keep the summary under %(max)d characters."))],
        description=_l("One line, like the subject of an email. Matching help articles appear"
                       " as you type."))
    description = TextAreaField(
        _l("Description"),
        validators=[DataRequired(_l("Describe the problem or question.")),
                    MaxLength(DESCRIPTION_MAX,
                              _l("Keep the description under %(max)d characters."))])
    attachments = MultipleFileField(_l("Attachments"))
    # Honeypot: hidden from people by the stylesheet; bots fill every field they see.
    website = StringField(_l("Leave this field empty"),
                          validators=[MaxLength(200, _l("Leave this field empty."))])
    submission_token = Hidden(max_length=SUBMISSION_TOKEN_MAX)
    email_checked = Hidden(max_length=254)
    suggested = Hidden(max_length=10)
    include_environment = BooleanField(_l("Attach these technical details"), default=True)
    env_language = Hidden()
    env_timezone = Hidden()
    env_screen = Hidden()
    env_os_version = Hidden()
    app_version = Hidden()
    os = Hidden()
    device = Hidden()

    def type_fields(self):
        """The request type's own fields, in the order the TOML file lists them."""
        return [self[f.name] for f in self.request_type.fields]

    def type_values(self):
        return {f.name: (bool(self[f.name].data) if f.kind == "checkbox"
                         else (self[f.name].data or "").strip())
                for f in self.request_type.fields}


@lru_cache(maxsize=64)
def form_class(request_type):
    """A RequestForm subclass carrying `request_type`'s fields (cached per type)."""
    attrs = {"request_type": request_type}
    for field in request_type.fields:
        attrs[field.name] = _make_field(field)
    return type(f"RequestForm_{request_type.slug.replace('-', '_')}", (RequestForm,), attrs)


def _required_message(field):
    """What to do, in the words the other messages use ("Describe the problem...")."""
    if field.kind == "select":
        return _l("Choose your answer for “%(label)s”.", label=field.label)
    if field.kind == "checkbox":
        return _l("Tick “%(label)s” to send your request.", label=field.label)
    return _l("Fill in “%(label)s”.", label=field.label)


def _make_field(field):
    required_msg = _required_message(field)
    description = field.help or None
    if field.kind == "checkbox":
        validators = [DataRequired(required_msg)] if field.required else []
        return BooleanField(field.label, validators=validators, description=description)
    if field.kind == "select":
        choices = [SelectChoice("", _l("Choose one"))] + [
            SelectChoice(value, label) for value, label in field.choices]
        validators = [InputRequired(required_msg)] if field.required else [Optional()]
        return SelectField(field.label, choices=choices, validators=validators,
                           description=description,
                           validate_choice=True)
    length = MaxLength(field.max_length, _l("Keep this under %(max)d characters."))
    validators = [InputRequired(required_msg) if field.required else Optional(), length]
    cls = TextAreaField if field.kind == "textarea" else StringField
    return cls(field.label, validators=validators, filters=[_strip], description=description)


# --- following a request ------------------------------------------------------

REPLY_MAX = DESCRIPTION_MAX


class ReplyForm(Form):
    """A requester's reply: Markdown text and files. Only these fields are read."""

    body = TextAreaField(
        _l("Your reply"),
        validators=[MaxLength(REPLY_MAX, _l("Keep your reply under %(max)d characters."))],
        description=_l("Write a message, attach files, or both. Markdown works: **bold**,"
                       " lists, `code`, links. Press Preview to check."))
    attachments = MultipleFileField(_l("Attachments"))


class RateForm(Form):
    score = RadioField(_l("How satisfied are you with our help?"),
                       choices=[SelectChoice("5", _l("5 – Very satisfied")),
                                SelectChoice("4", _l("4 – Satisfied")),
                                SelectChoice("3", _l("3 – Neutral")),
                                SelectChoice("2", _l("2 – Unsatisfied")),
                                SelectChoice("1", _l("1 – Very unsatisfied"))],
                       validators=[InputRequired(_l("Choose a rating from 1 to 5."))])
    comment = TextAreaField(_l("Comment"),
                            validators=[Optional(), MaxLength(
                                2000, _l("Keep the comment under %(max)d characters."))])
