"""Blocked senders, as the request form and inbound mail ask about them.

Kept apart from `spam.py` (which imports the conversation service) so the ticket service
and mail ingestion can import it without a cycle.
"""

from sqlalchemy import select

from ..extensions import db
from ..models import BlockedSender


def is_blocked(email):
    """True when requests and mail from `email` are to be refused quietly."""
    email = (email or "").strip().lower()
    if not email:
        return False
    return db.session.execute(
        select(BlockedSender.id).where(BlockedSender.email == email[:254])).first() is not None
