"""Which request a mail answers, and in whose name (docs/email.md).

In order: a signed token in any address the mail was sent or delivered to, or in one of
our Message-IDs named by In-Reply-To/References; then Message-IDs we stored (mail we
received for a request, or sent before tokens existed); then the "[HD-1042]" subject tag,
only when the sender already takes part in that request. Anything else is a new request.

These clues say which request a mail answers, never who wrote it: a token proves only
that the mail answers our notice (a notice can be forwarded), a Message-ID is known to
everyone the mail went to, and anyone can write a From header. Who wrote it is what the
`authentication.Proof` says:

- proven: the sender speaks as themselves (a colleague answering with reply-all joins);
- not proven, in a participant's name: the mail is added, marked as not proven, and
  changes no status (`Match.proven` is False);
- not proven, from anyone else: a new request of its own, which is what Zammad's
  maintainers want for follow-ups from outsiders (rather than holding the mail for an
  agent: nothing waits unseen in a queue, and the sender gets the usual confirmation).

A mail from an agent's address is an agent's reply only with a valid agent-audience token
and a proven sender; an answer to a request from an agent's address without one is not
accepted in any name (see `Match.ignore`), so a forged From cannot make words appear as
support's. A new mail from an agent (a forwarded customer mail, say) is a new request like
any other.
"""

import re
from dataclasses import dataclass

from sqlalchemy import select

from .. import access
from ..extensions import db
from ..models import REF_PATTERN, MailReference, Message, Ticket, User
from ..outgoing import reply_tokens

_TAG = re.compile(rf"\[({REF_PATTERN})\]", re.IGNORECASE)


@dataclass
class Match:
    ticket: Ticket | None = None
    via: str | None = None  # "reply address", "Message-ID", "stored Message-ID", "subject tag"
    agent: User | None = None  # set: an agent's public reply
    ignore: str | None = None  # set: handled by ignoring it, for this reason
    proven: bool = True  # False: a participant's name, not proven (marked, no status change)
    note: str | None = None  # why a mail that answers a request starts a new one


def find(parsed, proof):
    """The Match for a ParsedMail whose sender is as proven as `proof` says."""
    sender = parsed.sender.email
    agent = access.staff_by_email(sender)
    for via, values in (("reply address", parsed.recipients),
                        ("Message-ID", parsed.in_reply_to + parsed.references)):
        for token in reply_tokens.find(values):
            ticket = db.session.get(Ticket, token.ticket_id)
            if ticket is None:
                continue  # deleted since: try the other clues
            return _with_token(ticket, token, via, agent, sender, proof)
    ticket = _by_stored_ids(parsed.in_reply_to + list(reversed(parsed.references)))
    via = "stored Message-ID"
    if ticket is None:
        via = "subject tag"
        ticket = next((t for t in map(Ticket.by_ref, _TAG.findall(parsed.subject))
                       if t is not None and (agent is not None or is_participant(t, sender))),
                      None)
    if ticket is not None and agent is not None:
        # An answer to a request from an agent's address, without the token that proves
        # it: not taken in an agent's name, and not as a requester's either.
        return Match(ignore="a reply from an agent's address without a valid reply token"
                     " (agents answer on the request page or by replying to a notice)")
    if ticket is not None:
        return _as_sender(ticket, via, sender, proof)
    return Match()  # a new request (an agent forwarding a customer's mail, too)


def _with_token(ticket, token, via, agent, sender, proof):
    if token.for_agents:
        if agent is None:
            return Match(ignore="a reply to a notice for agents from an address that is not"
                         " an active agent's")
        if not proof.proven:
            return Match(ignore="a reply to a notice for agents whose sender could not be"
                         f" proven ({proof.how})")
        return Match(ticket, via, agent=agent)
    if agent is not None and sender != ticket.requester_email:
        return Match(ignore="mail from an agent's address with a requester's reply token"
                     " (only the agents' notices let agents answer by mail)")
    return _as_sender(ticket, via, sender, proof)


def _as_sender(ticket, via, sender, proof):
    """How far a mail that answers `ticket` may speak there (see the module's notes)."""
    if proof.proven:
        return Match(ticket, via)
    if is_participant(ticket, sender):
        return Match(ticket, via, proven=False)
    return Match(note=f"answers {ticket.ref} ({via}), but its sender takes no part in that"
                 " request and could not be proven, so it starts a new one")


def _by_stored_ids(ids):
    ids = [i[:255] for i in ids if i][:60]
    if not ids:
        return None
    found = db.session.execute(
        select(MailReference.ticket_id).where(MailReference.message_id.in_(ids)).limit(1)
    ).scalar_one_or_none()
    if found is None:
        found = db.session.execute(
            select(Message.ticket_id).where(Message.mail_message_id.in_(ids))
            .order_by(Message.id.desc()).limit(1)).scalar_one_or_none()
    return db.session.get(Ticket, found) if found is not None else None


def is_participant(ticket, email):
    """The requester, or someone who wrote a public message on the request (not agents:
    they need a token)."""
    if not email:
        return False
    email = email.lower()
    if email == (ticket.requester_email or "").lower():
        return True
    return db.session.execute(
        select(Message.id).where(Message.ticket_id == ticket.id, Message.internal.is_(False),
                                 Message.author_email == email).limit(1)
    ).scalar_one_or_none() is not None
