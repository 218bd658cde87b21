"""The record of each received mail (`InboundMail`): claimed before any work, finished in
the same transaction as the request or reply it became.

The claim is a row unique per mail, committed first: the same mail from a second fetch, a
second host or a re-delivery finds it and stops. A claim left by a crash is taken over
after MAIL_INGEST_CLAIM_TIMEOUT; a kept mail may be claimed again by a retry.
"""

import hashlib
import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import InboundMail, utcnow

log = logging.getLogger(__name__)


def dedupe_key(parsed):
    if parsed.message_id:
        mid = parsed.message_id.strip()
        if len(mid) > 200:
            mid = "sha256:" + hashlib.sha256(mid.encode("utf-8", "replace")).hexdigest()
        return "mid:" + mid
    return "sha:" + parsed.content_hash


def claim(parsed, source, key=None):
    """The new InboundMail row for `parsed`, committed; or the existing row of a mail seen
    before, with `claimed` False when this process may not handle it (see `taken_over`)."""
    key = key or dedupe_key(parsed)
    row = InboundMail(dedupe_key=key, mail_message_id=(parsed.message_id or "")[:255] or None,
                      content_hash=parsed.content_hash, status="processing", source=source,
                      sender=(parsed.sender.email or parsed.from_text)[:254] or None,
                      subject=parsed.subject[:500] or None)
    db.session.add(row)
    try:
        db.session.commit()
        return row, True
    except IntegrityError:
        db.session.rollback()
    existing = db.session.execute(
        select(InboundMail).where(InboundMail.dedupe_key == key)).scalar_one()
    if key.startswith("mid:") and "#" not in key and existing.content_hash != parsed.content_hash:
        # Another mail with the same Message-ID (some systems reuse one): not a repeat.
        return claim(parsed, source, f"{key[:230]}#{parsed.content_hash[:16]}")
    return existing, _take_over(existing)


def _take_over(existing):
    """A kept mail (retry), or a claim whose holder died, may be handled again."""
    stale = utcnow() - timedelta(seconds=current_app.config["MAIL_INGEST_CLAIM_TIMEOUT"])
    if existing.status != "kept" and not (existing.status == "processing"
                                          and existing.updated_at < stale):
        return False
    result = db.session.execute(
        update(InboundMail)
        .where(InboundMail.id == existing.id, InboundMail.status == existing.status,
               InboundMail.updated_at == existing.updated_at)
        .values(status="processing", updated_at=utcnow())
        .execution_options(synchronize_session=False))
    db.session.commit()
    if result.rowcount != 1:
        return False  # another process took it first
    db.session.refresh(existing)
    return True


def finish(row, status, reason, ticket=None):
    """Record what became of the mail (ignored, or an empty reply) and commit."""
    row.status, row.reason = status, (reason or "")[:500] or None
    if ticket is not None:
        row.ticket_id = ticket.id
    db.session.commit()


def failed(row_id, reason):
    """Undo the mail's half-done work and mark its claim as kept (the raw mail is kept
    apart, so a database that is what failed loses nothing)."""
    db.session.rollback()
    if row_id is None:
        return
    try:
        db.session.execute(update(InboundMail).where(InboundMail.id == row_id)
                           .values(status="kept", reason=reason[:500], updated_at=utcnow()))
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.warning("could not record the failure of inbound mail %s", row_id, exc_info=True)
