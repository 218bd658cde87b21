"""Addresses our mail bounced from: stored for agents to see, cleared when mail from the
address arrives again (then it evidently works)."""

from sqlalchemy import func, select

from ..emails import normalize_email
from ..extensions import db
from ..models import FailingAddress, Ticket, User, utcnow


def _known(email):
    """Only addresses we have mailed count: a forged bounce cannot mark anyone else."""
    requester = db.session.execute(
        select(Ticket.id).where(Ticket.requester_email == email).limit(1)).scalar_one_or_none()
    if requester is not None:
        return True
    return db.session.execute(
        select(User.id).where(User.email == email)).scalar_one_or_none() is not None


def mark(emails, reason=""):
    """Record a failed delivery to each known address (in the caller's transaction)."""
    marked = []
    for email in dict.fromkeys(normalize_email(e) for e in emails):
        if not email or not _known(email):
            continue
        row = db.session.execute(
            select(FailingAddress).where(FailingAddress.email == email)).scalar_one_or_none()
        now = utcnow()
        if row is None:
            db.session.add(FailingAddress(email=email, reason=str(reason or "")[:500],
                                          failures=1, first_failed_at=now, last_failed_at=now))
        else:
            row.failures += 1
            row.last_failed_at = now
            row.reason = str(reason or row.reason or "")[:500]
        marked.append(email)
    return marked


def clear(email):
    """Mail from `email` arrived: it works again (in the caller's transaction)."""
    if email:
        row = db.session.execute(select(FailingAddress).where(
            FailingAddress.email == email.lower())).scalar_one_or_none()
        if row is not None:
            db.session.delete(row)


def status(email):
    """The FailingAddress row for `email`, or None when mail to it works."""
    if not email:
        return None
    return db.session.execute(select(FailingAddress).where(
        func.lower(FailingAddress.email) == normalize_email(email))).scalar_one_or_none()
