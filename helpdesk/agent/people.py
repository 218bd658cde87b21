"""People: roles (requester, agent, admin), invitations, deactivation, accounts from the CLI.

The rules: an address is stored lower-cased; there is always at least one active admin
(the last one cannot be demoted or deactivated); deactivating someone, or taking their
agent role away, ends every session they have (their session version moves on), and
unassigns nothing: their requests show who had them until someone reassigns.
"""

from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .. import access
from ..auth import passwords, tokens
from ..auth.service import end_sessions, set_display_name
from ..emails import normalize_email
from ..extensions import db
from ..models import User, utcnow
from ..outgoing import notices, sender
from ..urls import external_url
from ..vocabulary import ROLE_LABELS, ROLES, STAFF_ROLES


class PeopleError(ValueError):
    """The change cannot be made; the message is for the admin."""


@dataclass
class Created:
    user: User
    new: bool


def clean_email(email):
    """A valid address, lower-cased; PeopleError otherwise."""
    text = (email or "").strip()
    try:
        checked = validate_email(text, check_deliverability=False,
                                 test_environment=bool(
                                     current_app.config.get("MAIL_ALLOW_TEST_DOMAINS")))
    except EmailNotValidError:
        raise PeopleError(_("“%(address)s” is not a valid email address.",
                                   address=text[:100])) from None
    return checked.normalized.lower()


def _role(role):
    if role not in ROLES:
        raise PeopleError(_("Choose a role: requester, agent or admin."))
    return role


def by_email(email):
    return db.session.execute(
        select(User).where(User.email == normalize_email(email))).scalar_one_or_none()


def staff():
    """Agents and admins, active ones first."""
    return list(db.session.execute(
        select(User).where(User.role.in_(STAFF_ROLES))
        .order_by(User.is_active.desc(), User.email)).scalars())


def _active_admins():
    return db.session.execute(
        select(func.count(User.id)).where(User.role == "admin", *access.staff_condition())
    ).scalar()


def _keeps_an_admin(user, role=None, active=None):
    """False when this change would leave no active admin."""
    was_admin = access.is_admin(user)
    stays_admin = (role or user.role) == "admin" and (user.is_active if active is None else active)
    return not (was_admin and not stays_admin and _active_admins() <= 1)


def set_role(user, role, actor=None):
    role = _role(role)
    if user.role == role:
        return False
    if not _keeps_an_admin(user, role=role):
        raise PeopleError(_("There must be at least one active admin: make someone else an "
                            "admin first."))
    was_agent = user.is_agent
    user.role = role
    if was_agent and not user.is_agent:
        end_sessions(user)  # what they could see as an agent ends now, everywhere
    db.session.commit()
    return True


def set_name(user, name):
    """An admin naming an agent (or themselves) on People; the account's own setting."""
    return set_display_name(user, name)


def set_active(user, active, actor=None):
    if user.is_active == active:
        return False
    if actor is not None and user.id == actor.id and not active:
        raise PeopleError(_("You cannot deactivate your own account."))
    if not _keeps_an_admin(user, active=active):
        raise PeopleError(_("There must be at least one active admin: make someone else an "
                            "admin first."))
    user.is_active = active
    if not active:
        end_sessions(user)
    db.session.commit()
    return True


def create(email, role, password=None):
    """An account with `role` (the CLI, invitations); an existing one gets the role.

    With `password` the address counts as verified (an operator vouches for it); without,
    it is proven when the person first uses an emailed sign-in link, and until then the
    role opens nothing (helpdesk.access). An account whose address was never proven
    starts clean: whoever registered it chose its password and holds its sessions, and
    neither may come with the role.
    """
    email, role = clean_email(email), _role(role)
    user = by_email(email)
    new = user is None
    if new:
        user = User(email=email, role=role)
        db.session.add(user)
    else:
        if user.role != role and not _keeps_an_admin(user, role=role):
            raise PeopleError(_("There must be at least one active admin."))
        if not user.is_verified:
            user.password_hash = None  # chosen by whoever registered the address
            end_sessions(user)
        elif user.is_agent and role == "requester":
            end_sessions(user)
        user.role = role
    if password is not None:
        if len(password) < current_app.config["PASSWORD_MIN_LENGTH"]:
            raise PeopleError(_("Use at least %(num)d characters for the password.",
                                num=current_app.config["PASSWORD_MIN_LENGTH"]))
        user.password_hash = passwords.hash_password(password)
        user.email_verified_at = user.email_verified_at or utcnow()
        end_sessions(user)
    user.is_active = True
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise PeopleError(_("%(email)s was created at the same moment elsewhere; try again.",
                            email=email)) from None
    return Created(user, new)


def send_invitation(user, inviter=None):
    """Email `user` a single-use sign-in link that opens the agent desk. Commits."""
    link = external_url("auth.confirm_link",
                        token=tokens.make(tokens.SIGN_IN, e=user.email, n="/agent/", r=False))
    site = current_app.config["SITE_NAME"]
    minutes = max(tokens.max_age(tokens.SIGN_IN) // 60, 1)
    context = dict(user=user, inviter=inviter, link=link, site_name=site,
                   role=ROLE_LABELS[user.role], minutes=minutes, sign_in=external_url("auth.login"))
    notices.queue_personal(user.email, _l("You are invited to %(site)s", site=site),
                           "agent_invitation", **context)
    sender.commit_and_send()
    return link


def invite(email, role, inviter):
    """Create (or promote) an account and email it a sign-in link."""
    created = create(email, role)
    send_invitation(created.user, inviter)
    return created
