"""Strict address parsing for mail we receive.

The header registry of `email.policy.default` splits address lists and decodes
encoded-words; every address it finds is then checked by email-validator. Nothing comes
from the lenient legacy `parseaddr`, which reads some crafted headers as a different
address than the one a mail program shows (CVE-2023-27043). A From header whose
encoded-words are malformed, or whose address part is built from encoded-words, is not
trusted at all: such a sender never owns or joins a request.
"""

import re
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

from . import headers

# RFC 2047: =?charset[*lang]?B|Q?text?= with no spaces or "?" inside the text.
_ENCODED_WORD = re.compile(
    r"=\?[A-Za-z0-9!#$%&'+\-^_`{|}~]+(?:\*[A-Za-z0-9-]+)?\?[BbQq]\?[^?\s]*\?=")
MAX_ADDRESSES = 100
# An encoded-word inside the address itself (before "@" or within <...>).
_ENCODED_ADDRESS = re.compile(r"=\?[^?\s]+\?[BbQq]\?[^?\s]*\?=\s*@|<[^<>]*=\?[^<>]*>")
# Header defects common in honest mail that leave the address unambiguous.
_BENIGN = re.compile(r"encoded.word|null addr-spec|whitespace", re.IGNORECASE)


@dataclass(frozen=True)
class Address:
    email: str  # normalised: domain lower-cased, local part as sent
    name: str = ""

    @property
    def key(self):
        """The form we compare and store: lower-cased, like User.email."""
        return self.email.lower()


@dataclass(frozen=True)
class Sender:
    address: Address | None
    problem: str | None = None  # why there is no trusted address

    @property
    def email(self):
        return self.address.key if self.address else None


def check(addr_spec, allow_test_domains=False):
    """The normalised address, or None when email-validator refuses it."""
    addr_spec = (addr_spec or "").strip()
    if not addr_spec or len(addr_spec) > 254 or any(c in addr_spec for c in "\r\n\0 <>\"(),;\\"):
        return None
    try:
        valid = validate_email(addr_spec, check_deliverability=False, allow_smtputf8=True,
                               allow_quoted_local=False, allow_domain_literal=False,
                               allow_display_name=False, allow_empty_local=False,
                               test_environment=allow_test_domains)
    except EmailNotValidError:
        return None
    return valid.normalized


def malformed_encoded_words(raw):
    """True when `raw` holds "=?" or "?=" outside a syntactically well-formed encoded-word.

    Only the syntax counts: a well-formed word in a wrong charset is decoded elsewhere
    with our charset rules; a broken one is where mail programs disagree on what the
    header says, and so where an address can hide.
    """
    if not raw or ("=?" not in raw and "?=" not in raw):
        return False
    rest = _ENCODED_WORD.sub(" ", raw)
    return "=?" in rest or "?=" in rest


def address_list(message, *names, allow_test_domains=False):
    """Valid addresses of the named headers, in order, without repeats."""
    found, seen = [], set()
    for name in names:
        for value in _header_objects(message, name):
            for address in _addresses(value):
                email = check(address.addr_spec, allow_test_domains)
                if email and email.lower() not in seen:
                    seen.add(email.lower())
                    found.append(Address(email, _display(address.display_name)))
                if len(found) >= MAX_ADDRESSES:
                    return found
    return found


def sender(message, allow_test_domains=False):
    """Who sent the mail, checked strictly; Sender.problem says why it is not trusted.

    A From without any address (missing, or "<>") falls back to Sender, then Reply-To,
    as mail programs do when they answer; a From that holds something unreadable does not.
    """
    raw = headers.raw_value(message, "From")
    if raw and malformed_encoded_words(raw):
        # The display name may be salvaged by a lenient decoder, but an address that a
        # broken encoded-word can hide is nothing we base trust on.
        return Sender(None, "the From header holds malformed encoded-words")
    if raw and _ENCODED_ADDRESS.search(raw):
        # "=?utf-8?Q?agent?=@example.com": decoders disagree on whether that is agent@...
        return Sender(None, "the From address is made of encoded-words")
    found, problem = _first_valid(message, "From", allow_test_domains)
    if found or problem:
        return Sender(found, problem)
    for name in ("Sender", "Reply-To"):
        fallback = headers.raw_value(message, name)
        if fallback and not malformed_encoded_words(fallback):
            found, problem = _first_valid(message, name, allow_test_domains)
            if found:
                return Sender(found)
    if not raw:
        return Sender(None, "the mail has no From address")
    return Sender(None, "the From header holds no address")


def _first_valid(message, name, allow_test_domains):
    """(Address, None), (None, problem) when the header names addresses that are not
    valid, or (None, None) when it names none at all."""
    seen_any = False
    for value in _header_objects(message, name):
        suspicious = _suspicious(value)
        for address in _addresses(value):
            spec = address.addr_spec or ""
            if spec in ("", "<>", "@"):
                continue
            seen_any = True
            if "=?" in spec or "?=" in spec:
                return None, f"the {name} address is made of encoded-words"
            if suspicious:
                # An address followed by junk ("alice@example.org)<bob@example.org>"):
                # parsers disagree on which address it names (CVE-2023-27043).
                return None, f"the {name} header is malformed ({suspicious})"
            email = check(spec, allow_test_domains)
            if email:
                return Address(email, _display(address.display_name)
                               or _comment_name(message, name)), None
    if seen_any:
        return None, f"the {name} header holds no valid address"
    return None, None


def _comment_name(message, name):
    """"me@example.com (Marc Smith)": the old comment style names the person."""
    raw = headers.raw_value(message, name) or ""
    match = re.search(r"\(([^()]{1,100})\)\s*$", raw[:300])
    return _display(match.group(1)) if match else ""


def _suspicious(header):
    """The first defect that makes an address header ambiguous, or ""."""
    for defect in getattr(header, "defects", ()):
        text = str(defect)
        if type(defect).__name__ == "InvalidHeaderDefect" and not _BENIGN.search(text):
            return text[:80]
    return ""


def _header_objects(message, name):
    try:
        values = message.get_all(name) or []
    except Exception:  # a header the registry cannot parse gives nothing to trust
        return []
    return [v for v in values if hasattr(v, "addresses")]


def _addresses(header):
    try:
        return list(header.addresses)
    except Exception:
        return []


def _display(name):
    return headers.one_line(name or "")[:200]


_PLUS = re.compile(r"\+[^@]*@")


def same_mailbox(a, b):
    """True when two addresses name the same mailbox, ignoring "+tag" and case."""
    if not a or not b:
        return False
    return _PLUS.sub("@", a.lower()) == _PLUS.sub("@", b.lower())
