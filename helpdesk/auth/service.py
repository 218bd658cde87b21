"""Account rules: emailed sign-in links, passwords, registration, reset, a changed address.

Views call these and render; only this module commits account changes. Every entry point
that takes an email address does the same work whatever it finds (at most one lookup, one
hash where a password is involved, one queued mail, one commit), so neither the answer nor
its timing tells whether the address has an account.

Requests belong to addresses, so proving an address is what matters: an emailed link
proves it; a password chosen by someone who never proved the address is not trusted.
"""

import hashlib
from contextlib import nullcontext
from dataclasses import dataclass

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from .. import locales
from ..emails import normalize_email
from ..extensions import db
from ..models import Ticket, TicketChange, User, utcnow
from ..outgoing import sender
from ..outgoing.outbox import queue_mail
from ..text import clean_name
from ..urls import external_url
from . import passwords, session_store, throttle, tokens
from .sessions import safe_next


@dataclass
class SignIn:
    """What a link did: the account to sign in, or a problem to show the person."""

    user: User | None = None
    problem: str | None = None
    next: str | None = None  # None: where the account belongs (sessions.landing)
    remember: bool = False
    notice: str | None = None
    wait: int = 0  # seconds before another password may be tried from here


EXPIRED = _l("This link has expired or was already used. Ask for a new one below.")
INACTIVE = _l("This account cannot sign in. Please contact support.")


def user_by_email(email):
    return db.session.execute(
        select(User).where(User.email == normalize_email(email))).scalar_one_or_none()


def _fingerprint(password_hash):
    """A short digest of the current password hash: links made before a change stop working."""
    if not password_hash:
        return ""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:20]


def _mail(to, template, subject, **context):
    """Queue a mail to `to` in the language saved on their account, else the page's.
    `subject` may be a lazy string, read in that language."""
    context = dict(context, site_name=current_app.config["SITE_NAME"])
    account = user_by_email(to)
    saved = locales.pick(account.locale) if account is not None else None
    with force_locale(saved) if saved else nullcontext():
        queue_mail(to, str(subject), render_template(f"mail/{template}.txt", **context),
                   render_template(f"mail/{template}.html", **context))



def _minutes(purpose):
    return max(tokens.max_age(purpose) // 60, 1)


# --- sign-in by emailed link --------------------------------------------------------------

def send_sign_in_link(email, next_path=None, remember=False):
    """Email a single-use sign-in link to `email`, known or not (a link proves the address).

    Without `next_path` the link ends where the account belongs once it is used."""
    email = normalize_email(email)
    # No lookup at all: known and unknown addresses take exactly the same path.
    token = tokens.make(tokens.SIGN_IN, e=email, n=safe_next(next_path, default=""),
                        r=bool(remember))
    site = current_app.config["SITE_NAME"]
    _mail(email, "sign_in_link", _("Your sign-in link for %(site)s", site=site),
          link=external_url("auth.confirm_link", token=token),
          minutes=_minutes(tokens.SIGN_IN), email=email)
    sender.commit_and_send()


def peek_sign_in_link(token):
    """The address a sign-in link is for, or None when it cannot be used. Changes nothing."""
    data = tokens.peek(tokens.SIGN_IN, token)
    if data is None or not isinstance(data.get("e"), str):
        return None
    return data


def use_sign_in_link(token):
    """Use a sign-in link once: the account for its address (created if new), verified."""
    data = tokens.consume(tokens.SIGN_IN, token)
    if data is None or not isinstance(data.get("e"), str):
        db.session.rollback()
        return SignIn(problem=EXPIRED)
    outcome = SignIn(next=safe_next(data.get("n"), default=None), remember=bool(data.get("r")))
    user = user_by_email(data["e"])
    if user is None:
        user = User(email=data["e"], role="requester", email_verified_at=utcnow())
        db.session.add(user)
    elif not user.is_active:
        db.session.rollback()
        return SignIn(problem=INACTIVE)
    elif not user.is_verified:
        if user.password_hash:
            outcome.notice = _("Your address is confirmed. The password chosen when this"
                               " account was registered was never confirmed, so it was"
                               " removed: use “Forgot your password?” to set one.")
        _trust_address(user)
    try:
        db.session.commit()
    except IntegrityError:  # the same new address signed in twice at once
        db.session.rollback()
        return SignIn(problem=EXPIRED)
    outcome.user = user
    return outcome


def _trust_address(user):
    """The address is proven now; anything set by whoever registered it before is not."""
    user.email_verified_at = utcnow()
    user.password_hash = None
    end_sessions(user)


# --- passwords ----------------------------------------------------------------------------

def password_sign_in(email, password, source="-", device=None):
    """Check a password: SignIn with the active account when it is right.

    Wrong passwords are counted (throttle.py); while a counter for this account and
    source is spent, no password is checked and `wait` says for how long. Unknown
    addresses, wrong passwords and inactive accounts read the same.
    """
    attempt = throttle.Attempt(normalize_email(email), source, device)
    wait = throttle.wait_seconds(attempt)
    if wait:
        return SignIn(wait=wait)
    user = user_by_email(email)
    if not passwords.verify(user.password_hash if user else None, password):
        throttle.failed(attempt)
        return SignIn()
    return SignIn(user=user if user.is_active else None)


def register(email, password):
    """Register `email` with `password`; the account is unverified until the emailed link.

    The person always reads the same answer. A new address gets a verification link; an
    unverified one gets the new password and a fresh link (sessions of the earlier,
    unproven registration end); an existing account gets a "you already have an account"
    mail instead, and nothing changes.
    """
    email = normalize_email(email)
    password_hash = passwords.hash_password(password)  # on every path: same timing
    for _attempt in range(2):
        user = user_by_email(email)
        try:
            if user is None:
                user = User(email=email, role="requester", password_hash=password_hash)
                db.session.add(user)
                db.session.flush()
                _send_verification(user)
            elif user.is_verified or not user.is_active or user.role != "requester":
                site = current_app.config["SITE_NAME"]
                _mail(email, "already_registered",
                      _("You already have an account at %(site)s", site=site),
                      sign_in=external_url("auth.login"), reset=external_url("auth.reset"))
            else:
                user.password_hash = password_hash
                end_sessions(user)
                _send_verification(user)
            sender.commit_and_send()
            return
        except IntegrityError:  # registered by a concurrent request: answer as for it
            db.session.rollback()
    raise RuntimeError("could not register")


def _send_verification(user):
    token = tokens.make(tokens.VERIFY, u=user.id, e=user.email,
                        p=_fingerprint(user.password_hash))
    site = current_app.config["SITE_NAME"]
    _mail(user.email, "verify_email", _("Confirm your email address for %(site)s", site=site),
          link=external_url("auth.verify", token=token),
          hours=tokens.max_age(tokens.VERIFY) // 3600)


def resend_verification(user):
    if not user.is_verified:
        _send_verification(user)
        sender.commit_and_send()


def _registration(data):
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    user = db.session.get(User, data["u"])
    if (user is None or not user.is_active or user.email != data.get("e")
            or _fingerprint(user.password_hash) != data.get("p")):
        return None
    return user


def peek_verification(token):
    return _registration(tokens.peek(tokens.VERIFY, token))


def verify_registration(token):
    """Confirm a registration once; its account is verified and may sign in."""
    user = _registration(tokens.consume(tokens.VERIFY, token))
    if user is None:
        db.session.rollback()
        return SignIn(problem=EXPIRED)
    if not user.is_verified:
        user.email_verified_at = utcnow()
        # Sessions started before the mailbox answered were not the mailbox owner's.
        end_sessions(user)
    db.session.commit()
    return SignIn(user=user)


def request_reset(email):
    """Email a single-use link to choose a password (for any address: it proves it)."""
    email = normalize_email(email)
    # One column, not an account object: finding a row costs what finding none does.
    password_hash = db.session.execute(
        select(User.password_hash).where(User.email == email)).scalar_one_or_none()
    token = tokens.make(tokens.RESET, e=email, p=_fingerprint(password_hash))
    site = current_app.config["SITE_NAME"]
    _mail(email, "reset_password", _("Choose a new password for %(site)s", site=site),
          link=external_url("auth.reset_confirm", token=token),
          minutes=_minutes(tokens.RESET))
    sender.commit_and_send()


def _reset_target(data):
    """(usable, user or None) for a reset payload."""
    if not isinstance(data, dict) or not isinstance(data.get("e"), str):
        return False, None
    user = user_by_email(data["e"])
    if user is not None and (not user.is_active
                             or _fingerprint(user.password_hash) != data.get("p")):
        return False, user  # the password changed since the link was sent, or inactive
    return True, user


def peek_reset(token):
    data = tokens.peek(tokens.RESET, token)
    usable, _user = _reset_target(data)
    return data if usable else None


def reset_password(token, new_password):
    """Set a new password through a reset link, once. Every other session ends."""
    data = tokens.consume(tokens.RESET, token)
    usable, user = _reset_target(data)
    if not usable:
        db.session.rollback()
        return SignIn(problem=EXPIRED)
    if user is None:
        user = User(email=data["e"], role="requester")
        db.session.add(user)
    user.password_hash = passwords.hash_password(new_password)
    user.email_verified_at = user.email_verified_at or utcnow()  # the link proved it
    end_sessions(user)
    db.session.commit()
    return SignIn(user=user)


# --- the account page ---------------------------------------------------------------------

def end_sessions(user):
    """Every session of `user` ends now, on every device (the caller commits).

    The rows go at once; the moved-on session version also refuses any session written
    back in the meantime by a request already under way.
    """
    user.session_version = (user.session_version or 0) + 1
    if user.id is not None:
        session_store.end_all(user.id)


def end_all_sessions(user):
    """Sign out everywhere: every session of `user` stops working."""
    end_sessions(user)
    db.session.commit()


def request_email_change(user, new_email):
    """Email a confirmation link to the new address; nothing changes until it is used.

    The caller has re-authenticated the person. Whether the new address is taken is not
    told here (the mail's owner learns it when confirming).
    """
    new_email = normalize_email(new_email)
    token = tokens.make(tokens.EMAIL_CHANGE, u=user.id, o=user.email, n=new_email,
                        v=user.session_version or 0)
    site = current_app.config["SITE_NAME"]
    _mail(new_email, "confirm_new_email",
          _("Confirm your new email address for %(site)s", site=site),
          link=external_url("auth.confirm_email", token=token), old=user.email,
          hours=tokens.max_age(tokens.EMAIL_CHANGE) // 3600)
    sender.commit_and_send()


def _email_change(data):
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    user = db.session.get(User, data["u"])
    if (user is None or not user.is_active or user.email != data.get("o")
            or (user.session_version or 0) != data.get("v")
            or not isinstance(data.get("n"), str)):
        return None
    return user


def peek_email_change(token):
    data = tokens.peek(tokens.EMAIL_CHANGE, token)
    user = _email_change(data)
    return (user, data["n"]) if user is not None else None


def confirm_email_change(token):
    """Move the account to the new, now proven address.

    A verified account's requests move with it (both addresses are proven to be the same
    person's); an unverified account had proven nothing, so requests of its old address stay
    there. Other sessions end, and the old address is told.
    """
    data = tokens.consume(tokens.EMAIL_CHANGE, token)
    user = _email_change(data)
    if user is None:
        db.session.rollback()
        return SignIn(problem=EXPIRED)
    new_email = data["n"]
    other = user_by_email(new_email)
    if other is not None and other.id != user.id:
        if other.is_verified or other.role != "requester":
            db.session.rollback()
            return SignIn(problem=_("Another account already uses this address. Sign in"
                                    " with it, or keep your current address."))
        db.session.delete(other)  # an unproven claim on the address gives way to a proof
        db.session.flush()
    old_email, was_verified = user.email, user.is_verified
    user.email = new_email
    user.email_verified_at = utcnow()
    end_sessions(user)
    if was_verified:
        _move_requests(user, old_email, new_email)
    site = current_app.config["SITE_NAME"]
    _mail(old_email, "email_changed", _("Your email address at %(site)s was changed", site=site),
          new=new_email)
    try:
        sender.commit_and_send()
    except IntegrityError:
        db.session.rollback()
        return SignIn(problem=EXPIRED)
    return SignIn(user=user)


def _move_requests(user, old_email, new_email):
    ids = list(db.session.execute(
        select(Ticket.id).where(Ticket.requester_email == old_email)).scalars())
    if not ids:
        return
    db.session.execute(update(Ticket).where(Ticket.id.in_(ids))
                       .values(requester_email=new_email, requester_id=user.id)
                       .execution_options(synchronize_session=False))
    db.session.add_all(TicketChange(ticket_id=i, actor_id=user.id, actor_email=new_email,
                                    field="requester_email", old=old_email, new=new_email)
                       for i in ids)


# --- names --------------------------------------------------------------------------------

def set_display_name(user, name):
    """What pages and mail call `user` ("Dana Agent"); empty goes back to the address.

    The person on their account page, or an admin on People. Returns the name kept (one
    line, at most NAME_MAX characters) or None. Commits.
    """
    user.display_name = clean_name(name)
    db.session.commit()
    return user.display_name


def set_locale(user, code):
    """The language `user` reads pages and mail in ("fr"); None forgets it (the switch,
    browser or default decide again). `code` must be one the site offers. Commits."""
    user.locale = code or None
    db.session.commit()
    return user.locale
