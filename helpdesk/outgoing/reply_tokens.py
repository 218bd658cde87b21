"""Signed reply tokens: how a mail we receive names the request it answers.

Every notice carries one in its Reply-To (`support+hd-42-r-<signature>@example.com`) and
in its Message-ID (`<hd-42-r-<signature>.<nonce>@example.com>`), so a reply finds its
request through the address it was sent to, or through In-Reply-To/References when a mail
program answers the From address instead. The signature is an HMAC over the request id
and the audience, keyed by itsdangerous from SECRET_KEY (and SECRET_KEY_FALLBACKS, so a
key rotation does not orphan replies to older mail). It is base32, lower-case: some mail
systems change the case of addresses, and a token must survive that.

Audiences: "r" for mail sent to the requester, "a" for mail sent to agents. Only an
agent-audience token lets a mail from an agent's address count as an agent's reply, so a
requester holding their own token cannot post in an agent's name.
"""

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass

from flask import current_app
from itsdangerous import Signer

SALT = "helpdesk.mail-reply-token"
REQUESTER, AGENT = "r", "a"
SIGNATURE_BYTES = 16
_TOKEN = re.compile(r"hd-(\d{1,12})-([ar])-([a-z2-7]{26})", re.IGNORECASE)


@dataclass(frozen=True)
class Token:
    ticket_id: int
    audience: str

    @property
    def for_agents(self):
        return self.audience == AGENT


def _signers():
    config = current_app.config
    keys = [config["SECRET_KEY"]] + list(config.get("SECRET_KEY_FALLBACKS") or ())
    return [Signer(key, salt=SALT, digest_method=hashlib.sha256) for key in keys if key]


def _signature(signer, ticket_id, audience):
    mac = signer.algorithm.get_signature(signer.derive_key(), f"{ticket_id}:{audience}".encode())
    return base64.b32encode(mac[:SIGNATURE_BYTES]).decode("ascii").rstrip("=").lower()


def make(ticket, audience=REQUESTER):
    """The token for mail about `ticket` sent to `audience` ("r" or "a")."""
    if audience not in (REQUESTER, AGENT):
        raise ValueError(f"unknown audience {audience!r}")
    signer = _signers()[0]
    return f"hd-{ticket.id}-{audience}-{_signature(signer, ticket.id, audience)}"


def verify(ticket_id, audience, signature):
    """True when `signature` is ours for this request and audience (any active key)."""
    import hmac
    signature = signature.lower()
    return any(hmac.compare_digest(_signature(s, ticket_id, audience), signature)
               for s in _signers())


def find(values):
    """Valid tokens in the given strings (addresses, Message-IDs), first one first."""
    found = []
    for value in values:
        for match in _TOKEN.finditer(value or ""):
            ticket_id, audience, signature = int(match.group(1)), match.group(2).lower(), \
                match.group(3)
            token = Token(ticket_id, audience)
            if token not in found and verify(ticket_id, audience, signature):
                found.append(token)
    return found


def reply_address(support, token):
    """`support+token@domain` for the SUPPORT_ADDRESS `support@domain`."""
    local, _, domain = support.rpartition("@")
    local = local.split("+", 1)[0]
    return f"{local}+{token}@{domain}"


def message_id(token, domain):
    """A Message-ID of ours that carries the token (and a nonce: each mail has its own)."""
    return f"<{token}.{secrets.token_hex(6)}@{domain}>"
