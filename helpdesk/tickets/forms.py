"""The request form: the common fields plus each request type's own, built per type."""

from functools import lru_cache

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
        "Your email address",
        filters=[_strip],
        validators=[InputRequired("Enter the email address we should answer."),
                    MaxLength(254, "This email address is too long."),
                    Email("Enter a valid email address, like name@example.com.")],
        description="We send the answer and a link to follow your request here.")
    name = StringField(
        "Your name",
        filters=[_strip],
        validators=[Optional(),
                    MaxLength(NAME_MAX, f"Keep your name under {NAME_MAX} characters.")],
        description="So we know what to call you.")
    summary = StringField(
        "Summary",
        filters=[_strip],
        validators=[DataRequired("Give your request a short summary."),
                    MaxLength(SUMMARY_MAX, f"Keep the summary under {SUMMARY_MAX} characters.")],
        description="One line, like the subject of an email. Matching help articles appear "
                    "as you type.")
    description = TextAreaField(
        "Description",
        validators=[DataRequired("Describe the problem or question."),
                    MaxLength(DESCRIPTION_MAX,
                              f"Keep the description under {DESCRIPTION_MAX} characters.")])
    attachments = MultipleFileField("Attachments")
    # Honeypot: hidden from people by the stylesheet; bots fill every field they see.
    website = StringField("Leave this field empty",
                          validators=[MaxLength(200, "Leave this field empty.")])
    submission_token = Hidden(max_length=SUBMISSION_TOKEN_MAX)
    email_checked = Hidden(max_length=254)
    suggested = Hidden(max_length=10)
    include_environment = BooleanField("Attach these technical details", default=True)
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
        return f"Choose your answer for “{field.label}”."
    if field.kind == "checkbox":
        return f"Tick “{field.label}” to send your request."
    return f"Fill in “{field.label}”."


def _make_field(field):
    required_msg = _required_message(field)
    description = field.help or None
    if field.kind == "checkbox":
        validators = [DataRequired(required_msg)] if field.required else []
        return BooleanField(field.label, validators=validators, description=description)
    if field.kind == "select":
        choices = [SelectChoice("", "Choose one")] + [
            SelectChoice(value, label) for value, label in field.choices]
        validators = [InputRequired(required_msg)] if field.required else [Optional()]
        return SelectField(field.label, choices=choices, validators=validators,
                           description=description,
                           validate_choice=True)
    length = MaxLength(field.max_length, f"Keep this under {field.max_length} characters.")
    validators = [InputRequired(required_msg) if field.required else Optional(), length]
    cls = TextAreaField if field.kind == "textarea" else StringField
    return cls(field.label, validators=validators, filters=[_strip], description=description)


# --- following a request ------------------------------------------------------

REPLY_MAX = DESCRIPTION_MAX


class ReplyForm(Form):
    """A requester's reply: Markdown text and files. Only these fields are read."""

    body = TextAreaField(
        "Your reply",
        validators=[MaxLength(REPLY_MAX, f"Keep your reply under {REPLY_MAX} characters.")],
        description="Write a message, attach files, or both. Markdown works: **bold**, lists,"
                    " `code`, links. Press Preview to check.")
    attachments = MultipleFileField("Attachments")


class RateForm(Form):
    score = RadioField("How satisfied are you with our help?",
                       choices=[SelectChoice("5", "5 – Very satisfied"),
                                SelectChoice("4", "4 – Satisfied"),
                                SelectChoice("3", "3 – Neutral"),
                                SelectChoice("2", "2 – Unsatisfied"),
                                SelectChoice("1", "1 – Very unsatisfied")],
                       validators=[InputRequired("Choose a rating from 1 to 5.")])
    comment = TextAreaField("Comment",
                            validators=[Optional(), MaxLength(
                                2000, "Keep the comment under 2000 characters.")])
