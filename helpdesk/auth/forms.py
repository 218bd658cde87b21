"""Account forms. Only the fields declared here are read: anything else posted is ignored."""

from flask import current_app
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, EqualTo, InputRequired, Optional, ValidationError

from ..forms import Form, Hidden, MaxLength
from ..text import NAME_MAX
from .passwords import MAX_LENGTH
from .sessions import MAX_NEXT_CHARS
from .tokens import MAX_TOKEN_CHARS

_PASSWORD_BOUND = MaxLength(MAX_LENGTH, "This password is too long.")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def email_field(label="Email address", description=None):
    return EmailField(
        label, filters=[_strip], description=description,
        validators=[InputRequired("Enter your email address."),
                    MaxLength(254, "This email address is too long."),
                    Email("Enter a valid email address, like name@example.com.")])


def _long_enough(form, field):
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(field.data or "") < minimum:
        raise ValidationError(f"Use at least {minimum} characters.")


def _not_the_email(form, field):
    email = getattr(form, "email", None)
    if email is not None and (field.data or "").strip().lower() == (email.data or "").lower():
        raise ValidationError("Choose a password that is not your email address.")


def new_password_field(label="Password"):
    return PasswordField(
        label, description="At least 10 characters. A few unrelated words are easy to "
                           "remember and hard to guess.",
        validators=[InputRequired("Choose a password."), _PASSWORD_BOUND, _long_enough,
                    _not_the_email])


class SignInForm(Form):
    email = email_field(description="We email you a link that signs you in. No password "
                                    "needed.")
    password = PasswordField("Password",
                             validators=[Optional(), _PASSWORD_BOUND])
    remember = BooleanField("Keep me signed in on this device")
    next = Hidden(max_length=MAX_NEXT_CHARS)
    email_checked = Hidden(max_length=254)


class LinkForm(Form):
    """The one-click confirmation behind an emailed link (a POST, so scanners skip it)."""

    token = Hidden(max_length=MAX_TOKEN_CHARS)
    remember = BooleanField("Keep me signed in on this device")


class RegisterForm(Form):
    email = email_field()
    email_checked = Hidden(max_length=254)
    password = new_password_field()
    confirm = PasswordField("Repeat the password",
                            validators=[InputRequired("Repeat the password."), _PASSWORD_BOUND,
                                        EqualTo("password", "The passwords do not match.")])


class ResetRequestForm(Form):
    email = email_field()


class ResetForm(Form):
    token = Hidden(max_length=MAX_TOKEN_CHARS)
    password = new_password_field("New password")
    confirm = PasswordField("Repeat the new password",
                            validators=[InputRequired("Repeat the password."), _PASSWORD_BOUND,
                                        EqualTo("password", "The passwords do not match.")])


class NameForm(Form):
    display_name = StringField(
        "Your name", validators=[Optional(), MaxLength(NAME_MAX, f"Keep your name under "
                                                                 f"{NAME_MAX} characters.")],
        description="Shown with your replies and used in our mail. Leave it empty to be "
                    "called by your email address.")


class ChangeEmailForm(Form):
    new_email = email_field("New email address")
    password = PasswordField("Your current password", validators=[Optional(), _PASSWORD_BOUND])


class ConfirmForm(Form):
    """A button that only carries its token (verification, a new address)."""

    token = Hidden(max_length=MAX_TOKEN_CHARS)


class ApiTokenForm(Form):
    """A new API token: a name to recognise it by, whom it acts as, and what it may do."""

    name = StringField("Name", validators=[InputRequired("Name the token, like “Chat bridge”."),
                                           MaxLength(100, "Keep the name under 100 characters.")])
    scope = SelectField("Acts as", choices=[SelectChoice("requester", "Me, as a requester"),
                                            SelectChoice("agent", "An agent (integrations)")])
    access = SelectField("May", choices=[SelectChoice("read", "Read only"),
                                         SelectChoice("write", "Read and write")])
