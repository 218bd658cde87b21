"""Who may see or do what: the one module that pages, services, mail and commands ask.

The people:
- **staff**: an agent or admin whose account is active *and* whose address is proven. A
  desk role on an unverified account (an invitation not yet taken up, or an address
  someone registered before it was invited) opens nothing until its owner proves the
  address with an emailed link.
- **admin**: staff with the admin role (people, saved replies, kept mail, deleting).
- **owner** of a request: a signed-in, active account whose proven address is the
  request's requester address.
- **link holder**: a browser that opened the signed link mailed for one request (a
  `grant` in its session). The link proves the mailbox, so it acts as the requester.
- everyone else, including the browser that filed a request in an address it never
  proved: it sees its confirmation page, never the conversation.

Every function takes the signed-in user (or None / an anonymous user) and, for requests,
the ids the browser was granted. Answers never depend on whether a request exists: a
caller answers 404 for "no" and for "no such request" alike.
"""

from sqlalchemy import select

from .emails import normalize_email
from .extensions import db
from .models import User
from .vocabulary import STAFF_ROLES


def signed_in(user):
    return user is not None and bool(getattr(user, "is_authenticated", False))


def is_staff(user):
    """May use the agent desk: an active agent or admin with a proven address."""
    return (signed_in(user) and bool(user.is_active) and user.is_verified
            and user.role in STAFF_ROLES)


def is_admin(user):
    return is_staff(user) and user.role == "admin"


def staff_condition():
    """The SQL condition on User for staff (who may be assigned, notified, answer by mail)."""
    return (User.role.in_(STAFF_ROLES), User.is_active.is_(True),
            User.email_verified_at.is_not(None))


def staff_by_email(email):
    """The staff account with this address, or None."""
    if not email:
        return None
    return db.session.execute(
        select(User).where(User.email == normalize_email(email), *staff_condition())
    ).scalar_one_or_none()


def proven_account(email):
    """The account whose owner proved `email` and may still use it, or None: the only
    account a request or a mail in that address's name belongs to."""
    if not email:
        return None
    user = db.session.execute(
        select(User).where(User.email == normalize_email(email))).scalar_one_or_none()
    return user if user is not None and user.is_verified and user.is_active else None


def staff_by_id(user_id):
    """The staff account with this id (someone a request may be assigned to), or None."""
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    return user if is_staff(user) else None


def owns(user, ticket):
    """A signed-in account whose proven address is the request's."""
    return (signed_in(user) and bool(user.is_active) and user.is_verified
            and user.email == ticket.requester_email)


def acts_as_requester(ticket, user, grants=()):
    """May reply, solve, reopen and rate as the requester: the owner or a link holder."""
    return ticket is not None and (owns(user, ticket) or ticket.id in set(grants))


def may_read(ticket, user, grants=()):
    """May read the public conversation (staff also read notes on the desk)."""
    return ticket is not None and (is_staff(user) or acts_as_requester(ticket, user, grants))


def may_download(attachment, user, grants=()):
    """Files of internal notes (or of no message) are for staff only."""
    if attachment is None or not may_read(attachment.ticket, user, grants):
        return False
    message = attachment.message
    return is_staff(user) or (message is not None and not message.internal)


def may_download_as_requester(attachment, user):
    """A file of the public conversation, for the requester (an API requester token)."""
    return (attachment is not None and acts_as_requester(attachment.ticket, user)
            and attachment.message is not None and not attachment.message.internal)


def may_write_notes(user):
    return is_staff(user)


def may_sign_in(user):
    """Deactivated accounts cannot sign in at all."""
    return user is not None and bool(user.is_active)
