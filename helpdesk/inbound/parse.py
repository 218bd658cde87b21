"""One raw RFC 822 message -> `ParsedMail`: what it says, who sent it, what it carries.

Parsing never raises for bad input: broken MIME, missing boundaries, NUL bytes, unknown
charsets and malformed headers all give a best reading (the email package records its
defects; we list them). Nothing here touches the database or the disk.
"""

import email
import hashlib
import re
from dataclasses import dataclass, field

from . import addresses, headers, htmltext, mime
from .mime import DeliveryReport, MailAttachment  # noqa: F401  (part of this API)

# The headers that say what a mail is (relays and filters add others on the way).
HASHED_HEADERS = {b"from", b"to", b"cc", b"subject", b"date", b"message-id", b"in-reply-to",
                  b"references", b"content-type"}
_HEADER_LINE = re.compile(rb"^[!-9;-~]{1,76}:")
_MBOX_FROM = re.compile(rb"^From [^\r\n]*\r?\n")


@dataclass
class ParsedMail:
    message: object  # the email.message.EmailMessage, for classification
    message_id: str | None
    in_reply_to: list
    references: list
    subject: str
    sender: addresses.Sender
    from_text: str  # the decoded From header, for people to read
    to: list
    cc: list
    envelope: list  # Delivered-To, X-Original-To, Envelope-To: where the MTA delivered it
    text: str  # the whole text body (HTML converted), quoted history included
    html: str | None
    attachments: list = field(default_factory=list)
    reports: list = field(default_factory=list)  # DeliveryReport
    returned: list = field(default_factory=list)  # header blocks of mail returned to us
    alternative_html: list = field(default_factory=list, repr=False)
    content_type: str = "text/plain"
    defects: list = field(default_factory=list)
    size: int = 0
    content_hash: str = ""
    raw: bytes = field(default=b"", repr=False)  # the bytes parsed, for DKIM checks

    @property
    def alternative_text(self):
        """The HTML version of a multipart/alternative mail whose plain version we read."""
        return "\n\n".join(htmltext.to_text(h) for h in self.alternative_html if h)

    @property
    def recipients(self):
        """Every address the mail was sent or delivered to (for reply tokens)."""
        return [a.email for a in self.to + self.cc] + list(self.envelope)


def clean_raw(raw):
    """The bytes the parser sees: no mbox "From " line, no leading blank lines, and a
    header block repaired where a line lost its folding indent (see `_repair_headers`)."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogateescape")
    raw = raw.lstrip(b"\r\n")
    match = _MBOX_FROM.match(raw)
    if match and b":" not in raw[5:match.end()].split(b" ", 1)[0]:
        raw = raw[match.end():]
    return _repair_headers(raw)


def _repair_headers(raw):
    """A line in the header block that is neither a header nor folded ends the headers
    for Python's parser. When real headers follow it (a broken folder wrote a long value
    without indenting it), it is a continuation; when none follow, the body starts there
    and only the missing blank line is added."""
    end = re.search(rb"\r?\n\r?\n", raw)
    head = raw[:end.start()] if end else raw
    lines = head.split(b"\n")
    if lines and not _HEADER_LINE.match(lines[0]) and any(
            _HEADER_LINE.match(line) for line in lines[1:4]):
        # A line of junk above the headers ("---- Original email message ----").
        raw, head, lines = raw[len(lines[0]) + 1:], head[len(lines[0]) + 1:], lines[1:]
    broken = [i for i, line in enumerate(lines[1:], 1)
              if line[:1] not in (b" ", b"\t") and not _HEADER_LINE.match(line)]
    if not broken:
        return raw
    first = broken[0]
    if any(_HEADER_LINE.match(line) for line in lines[first + 1:]):
        for i in broken:
            lines[i] = b" " + lines[i]
        fixed = b"\n".join(lines)
    else:
        blank = b"\r" if lines[first - 1].endswith(b"\r") else b""  # keeps CRLF mail CRLF
        fixed = b"\n".join(lines[:first] + [blank] + lines[first:])
    return fixed + raw[len(head):]


def content_hash(raw):
    """A hash of what the mail says (its identifying headers and body), so the same mail
    delivered twice agrees even when relays and filters added headers on the way."""
    raw = clean_raw(raw)
    split = re.search(rb"\r?\n\r?\n", raw)
    head, body = (raw[:split.start()], raw[split.end():]) if split else (raw, b"")
    digest = hashlib.sha256()
    keep = False
    for line in re.split(rb"\r?\n", head):
        if line[:1] not in (b" ", b"\t"):
            keep = line.split(b":", 1)[0].strip().lower() in HASHED_HEADERS
        if keep:
            digest.update(line.strip() + b"\n")
    digest.update(b"\n" + body.replace(b"\r\n", b"\n").rstrip())
    return digest.hexdigest()


def parse(raw, allow_test_domains=False):
    raw = clean_raw(raw)
    message = email.message_from_bytes(raw, policy=headers.policy_for(raw))
    walker = mime.Walker()
    walker.visit(message, 0)
    text = walker.body_text()
    return ParsedMail(
        message=message,
        message_id=headers.first_message_id(message),
        in_reply_to=headers.message_ids(headers.text(message, "In-Reply-To")),
        references=headers.message_ids(headers.text(message, "References", limit=20000))[-50:],
        subject=headers.text(message, "Subject", limit=1000),
        sender=addresses.sender(message, allow_test_domains),
        from_text=headers.text(message, "From", limit=500),
        to=addresses.address_list(message, "To", allow_test_domains=allow_test_domains),
        cc=addresses.address_list(message, "Cc", allow_test_domains=allow_test_domains),
        envelope=_envelope(message, allow_test_domains),
        text=text,
        html=walker.html[0] if walker.html else None,
        alternative_html=walker.alternative_html,
        attachments=walker.attachments,
        reports=walker.reports,
        returned=walker.returned,
        content_type="text/html" if walker.html else "text/plain",
        defects=sorted({type(d).__name__ for part in walker.seen for d in part.defects}),
        size=len(raw),
        content_hash=content_hash(raw),
        raw=raw,
    )


def _envelope(message, allow_test_domains):
    found = []
    for name in ("Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To"):
        for value in headers.all_values(message, name):
            for word in value.replace(",", " ").split():
                email_ = addresses.check(word.strip("<>"), allow_test_domains)
                if email_ and email_ not in found:
                    found.append(email_)
    return found[:20]
