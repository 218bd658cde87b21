"""Handle one received mail, exactly once: a new request, a reply, or a deliberate ignore.

    parse -> claim (tickets/intake.py) -> classify (bounce, auto-reply, loop) -> match
    -> the ticket services

This module decides and calls; the services store. The mail's record is finished in the
same transaction as the request or reply it became (one commit, in the service), so a
crash leaves either both or neither. Whatever fails, the raw mail is kept (`kept.py`) with
the reason: nothing is dropped.
"""

import io
import logging
from dataclasses import dataclass

from flask import current_app

from .. import access
from ..models import Ticket
from ..outgoing import failing, outbox
from ..tickets import conversation, intake, service, types
from . import addresses, authentication, device, kept, language, loops, matching, parse, replies

log = logging.getLogger(__name__)

# Parts that are not something a person attached: signatures, reports.
NOT_CONTENT = {"application/pgp-signature", "application/pkcs7-signature",
               "application/x-pkcs7-signature", "message/delivery-status",
               "text/rfc822-headers", "application/pgp-encrypted"}
FULL_TEXT_LIMIT = 1_000_000  # characters of a mail's text kept for agents
SUMMARY_LIMIT = Ticket.summary.type.length  # as on the request form


class TooLarge(ValueError):
    """Bigger than MAIL_INGEST_MAX_BYTES: kept for an admin instead of parsed."""


@dataclass
class MailOutcome:
    kind: str  # request, reply, note, ignored, duplicate, busy, kept
    reason: str = ""
    ticket_ref: str | None = None
    kept_name: str | None = None

    @property
    def kept(self):
        return self.kind == "kept"

    def describe(self):
        text = {"request": "new request", "reply": "reply added", "note": "note added",
                "ignored": "ignored", "duplicate": "already handled",
                "busy": "being handled by another process", "kept": "kept for retry"}[self.kind]
        if self.ticket_ref:
            text += f" ({self.ticket_ref})"
        if self.reason:
            text += f": {self.reason}"
        if self.kept_name:
            text += f" [kept as {self.kept_name}]"
        return text


def ingest(raw, source="pipe", keep_busy=False):
    """Handle `raw` (the bytes of one RFC 822 message); returns an MailOutcome and never
    raises because of the mail: a failure keeps the raw mail and answers kind "kept".

    `keep_busy`: a mail another process is handling right now is kept too (for an MTA
    pipe, whose caller forgets the mail once told it was handled: should that other
    process die, the kept copy is retried).
    """
    try:
        outcome = handle(raw, source)
    except Exception as exc:
        intake.failed(None, _reason(exc))
        reason = _reason(exc)
        log.exception("incoming mail not handled (%s); keeping it", reason)
        name = kept.keep(raw, reason, source, *_hints(raw))
        return MailOutcome("kept", reason, kept_name=name)
    if keep_busy and outcome.kind == "busy":
        name = kept.keep(raw, outcome.reason, source, *_hints(raw))
        return MailOutcome("kept", outcome.reason, kept_name=name)
    return outcome


def retry(name):
    """Hand a kept mail back to ingestion; it is deleted once handled."""
    raw = kept.read(name)
    if raw is None:
        return MailOutcome("ignored", f"no kept mail named {name!r}")
    try:
        outcome = handle(raw, "retry")
    except Exception as exc:
        intake.failed(None, _reason(exc))
        reason = _reason(exc)
        log.warning("kept mail %s failed again: %s", name, reason)
        kept.failed_again(name, reason)
        return MailOutcome("kept", reason, kept_name=name)
    kept.forget(name)
    return outcome


def handle(raw, source):
    """Like `ingest`, but a failure raises (after marking the claim as kept)."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogateescape")
    limit = current_app.config["MAIL_INGEST_MAX_BYTES"]
    if len(raw) > limit:
        raise TooLarge(f"the mail is {len(raw)} bytes, more than MAIL_INGEST_MAX_BYTES"
                       f" ({limit}); raise it and retry")
    parsed = parse.parse(raw, current_app.config["MAIL_ALLOW_TEST_DOMAINS"])
    row, claimed = intake.claim(parsed, source)
    if not claimed:
        return _already(row)
    try:
        return _act(parsed, row)
    except Exception as exc:
        intake.failed(row.id, _reason(exc))
        raise


def _already(existing):
    if existing.status == "processing":
        return MailOutcome("busy", "another process is handling this mail")
    ref = existing.ticket.ref if existing.ticket is not None else None
    return MailOutcome("duplicate", f"received before ({existing.status})", ticket_ref=ref)


# --- what the mail becomes -----------------------------------------------------------------

def _act(parsed, row):
    row.full_text = parsed.text[:FULL_TEXT_LIMIT]
    verdict = loops.classify(parsed, own_addresses())
    if verdict is not None:
        if verdict.bounce:
            marked = failing.mark(verdict.failed_recipients, verdict.diagnostic)
            if marked:
                verdict.reason += f"; marked failing: {', '.join(marked)}"
        return _ignored(row, verdict.reason)
    if parsed.sender.address is None:
        return _ignored(row, f"no trusted sender: {parsed.sender.problem}")
    # Before the next query: key lookups may take seconds, and no transaction waits on them.
    proof = authentication.prove(parsed)
    if service.is_blocked(parsed.sender.email):
        # Marked as spam by an agent: refused quietly, no request, no reply, no mail.
        return _ignored(row, "sender blocked by an agent")
    failing.clear(parsed.sender.email)
    match = matching.find(parsed, proof)
    if match.ignore:
        return _ignored(row, match.ignore)
    if match.ticket is not None:
        return _reply(parsed, row, match, proof)
    return _new_request(parsed, row, proof, match.note)


def _ignored(row, reason, ticket=None):
    intake.finish(row, "ignored", reason, ticket)
    return MailOutcome("ignored", reason or "",
                       ticket_ref=ticket.ref if ticket is not None else None)


def _new_request(parsed, row, proof, note=None):
    env = device.details(parsed.text)
    request_type, fields = types.for_mail(env)
    reason = "; ".join(filter(None, (note, proof.describe())))
    row.status, row.reason = "request", reason[:500]  # committed with the request
    ticket = service.open_request(service.NewRequest(
        request_type=request_type, email=parsed.sender.email,
        name=getattr(parsed.sender.address, "name", "") or None,  # From's display name
        summary=summary_from(parsed.subject, parsed.text),
        description=parsed.text or "(This mail had no text.)", fields=fields,
        environment=env, uploads=uploads(parsed), channel="email",
        mail_message_id=(parsed.message_id or "")[:255] or None, skip_refused_files=True,
        address_proven=proof.proven, subject=parsed.subject or None,
        sender_proven=proof.proven, inbound=row,
        locale=language.of_mail(parsed.message, parsed.text)))
    log.info("mail %s: new request %s from %s (%s)", parsed.message_id, ticket.ref,
             parsed.sender.email, proof.describe())
    return MailOutcome("request", reason, ticket_ref=ticket.ref)


def _reply(parsed, row, match, proof):
    ticket = match.ticket
    body = replies.latest_reply(parsed.text, current_app.config["MAIL_REPLY_LANGUAGES"])
    # Unproven: the words are the sender's, never those of the account of that address.
    author = (match.agent or _requester_account(parsed.sender.email)) if match.proven else None
    reason = f"matched by {match.via}; {proof.describe()}" + (
        "" if match.proven else "; marked as not verified, status left as it was")
    row.status, row.reason, row.ticket_id = "reply", reason[:500], ticket.id
    try:
        message = conversation.add_reply(
            ticket, body=body, author=author, author_email=parsed.sender.email,
            source="email", uploads=uploads(parsed), internal=False,
            mail_message_id=(parsed.message_id or "")[:255] or None,
            subject=parsed.subject or None, sender_proven=match.proven, inbound=row)
    except conversation.EmptyReply:
        return _ignored(row, "an empty reply (no text, no files)", ticket)
    landed = message.ticket
    log.info("mail %s: reply on %s (%s) from %s (%s)", parsed.message_id, landed.ref,
             match.via, parsed.sender.email, proof.describe())
    return MailOutcome("reply", reason
                   + (f"; {ticket.ref} was closed, so a new linked request was started"
                      if landed.id != ticket.id else ""), ticket_ref=landed.ref)


def _requester_account(email):
    """The sender's own account for a requester-side reply (an agent's address without an
    agent token never speaks as an agent)."""
    user = access.proven_account(email)
    return None if access.is_staff(user) else user


def summary_from(subject, text):
    """The request's summary: the subject, shortened at a word when too long (the whole
    subject stays on the message); the first line of text when there is no subject."""
    summary = " ".join((subject or "").split())
    if not summary:
        first = next((line for line in (text or "").splitlines() if line.strip()), "")
        summary = " ".join(first.split()) or "(no subject)"
    if len(summary) <= SUMMARY_LIMIT:
        return summary
    cut = summary[:SUMMARY_LIMIT - 1]
    if " " in cut[SUMMARY_LIMIT // 2:]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:-") + "…"


def uploads(parsed):
    return [service.Upload(io.BytesIO(a.data), a.filename) for a in parsed.attachments
            if a.content_type not in NOT_CONTENT]


def own_addresses():
    """Our own addresses: mail from them is our mail coming back."""
    config = current_app.config
    found = []
    for value in (config.get("SUPPORT_ADDRESS"), outbox.default_sender()):
        for word in str(value or "").replace("<", " ").replace(">", " ").split():
            email = addresses.check(word, allow_test_domains=True)
            if email:
                found.append(email.lower())
    return found


def _reason(exc):
    return f"{exc.__class__.__name__}: {exc}"[:1000]


def _hints(raw):
    """Subject and sender for the kept-mail list, when the mail can be read at all."""
    try:
        parsed = parse.parse(raw[:256 * 1024])
        return parsed.subject[:300], (parsed.sender.email or parsed.from_text)[:254]
    except Exception:
        return "", ""
