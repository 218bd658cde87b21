"""Account forms. Only the fields declared here are read: anything else posted is ignored."""

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, EqualTo, InputRequired, Optional, ValidationError

from ..forms import Form, Hidden, MaxLength
from ..text import NAME_MAX
from .passwords import MAX_LENGTH
from .sessions import MAX_NEXT_CHARS
from .tokens import MAX_TOKEN_CHARS

_PASSWORD_BOUND = MaxLength(MAX_LENGTH, _l("This password is too long."))


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def email_field(label=_l("Email address"), description=None):
    return EmailField(
        label, filters=[_strip], description=description,
        validators=[InputRequired(_l("Enter your email address.")),
                    MaxLength(254, _l("This email address is too long.")),
                    Email(_l("Enter a valid email address, like name@example.com."))])


def _long_enough(form, field):
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(field.data or "") < minimum:
        raise ValidationError(_("Use at least %(num)d characters.", num=minimum))


def _not_the_email(form, field):
    email = getattr(form, "email", None)
    if email is not None and (field.data or "").strip().lower() == (email.data or "").lower():
        raise ValidationError(_("Choose a password that is not your email address."))


def new_password_field(label=_l("Password")):
    return PasswordField(
        label, description=_l("At least 10 characters. A few unrelated words are easy to"
                              " remember and hard to guess."),
        validators=[InputRequired(_l("Choose a password.")), _PASSWORD_BOUND, _long_enough,
                    _not_the_email])


class SignInForm(Form):
    email = email_field(description=_l("We email you a link that signs you in. No password"
                                       " needed."))
    password = PasswordField(_l("Password"),
                             validators=[Optional(), _PASSWORD_BOUND])
    remember = BooleanField(_l("Keep me signed in on this device"))
    next = Hidden(max_length=MAX_NEXT_CHARS)
    email_checked = Hidden(max_length=254)


class LinkForm(Form):
    """The one-click confirmation behind an emailed link (a POST, so scanners skip it)."""

    token = Hidden(max_length=MAX_TOKEN_CHARS)
    remember = BooleanField(_l("Keep me signed in on this device"))


class RegisterForm(Form):
    email = email_field()
    email_checked = Hidden(max_length=254)
    password = new_password_field()
    confirm = PasswordField(_l("Repeat the password"),
                            validators=[InputRequired(_l("Repeat the password.")), _PASSWORD_BOUND,
                                        EqualTo("password", _l("The passwords do not match."))])


class ResetRequestForm(Form):
    email = email_field()


class ResetForm(Form):
    token = Hidden(max_length=MAX_TOKEN_CHARS)
    password = new_password_field(_l("New password"))
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[InputRequired(_l("Repeat the password.")), _PASSWORD_BOUND,
                                        EqualTo("password", _l("The passwords do not match."))])


class NameForm(Form):
    display_name = StringField(
        _l("Your name"),
        validators=[Optional(),
                    MaxLength(NAME_MAX, _l("Keep your name under %(max)d characters."))],
        description=_l("Shown with your replies and used in our mail. Leave it empty to be"
                       " called by your email address."))


class ChangeEmailForm(Form):
    new_email = email_field(_l("New email address"))
    password = PasswordField(_l("Your current password"), validators=[Optional(), _PASSWORD_BOUND])


class ConfirmForm(Form):
    """A button that only carries its token (verification, a new address)."""

    token = Hidden(max_length=MAX_TOKEN_CHARS)


class ApiTokenForm(Form):
    """A new API token: a name to recognise it by, whom it acts as, and what it may do."""

    name = StringField(_l("Name"),
                       validators=[InputRequired(_l("Name the token, like “Chat bridge”.")),
                                   MaxLength(100, _l("Keep the name under %(max)d characters."))])
    scope = SelectField(_l("Acts as"),
                        choices=[SelectChoice("requester", _l("Me, as a requester")),
                                 SelectChoice("agent", _l("An agent (integrations)"))])
    access = SelectField(_l("May"), choices=[SelectChoice("read", _l("Read only")),
                                             SelectChoice("write", _l("Read and write"))])
