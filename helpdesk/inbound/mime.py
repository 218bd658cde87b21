"""Walking a message's MIME tree: which parts are the body, which are files, and what
delivery reports say. Never raises for broken structure (see parse.py)."""

import base64
import email
import re
from dataclasses import dataclass

from . import addresses, charsets, headers, htmltext

MAX_DEPTH = 12  # nested multiparts and forwarded messages we look into
MAX_PARTS = 500
# Names for parts that come without one (what mail programs save them as).
DEFAULT_NAMES = {
    "text/html": "document.html", "text/plain": "file.txt", "text/calendar": "calendar.ics",
    "message/delivery-status": "delivery-status.txt", "message/rfc822": "message.eml",
    "video/quicktime": "video.mov", "image/jpeg": "image.jpg", "image/jpg": "image.jpg",
    "image/pjpeg": "image.jpg", "image/png": "image.png", "image/gif": "image.gif",
    "image/webp": "image.webp", "image/bmp": "image.bmp", "application/pdf": "document.pdf",
}
DESCRIPTION_EXTENSIONS = {"message/delivery-status": ".txt", "message/rfc822": ".eml",
                          "text/plain": ".txt", "text/html": ".html"}
_CID_NAME = re.compile(r"^[\w][\w.\-]{0,99}$")


@dataclass
class MailAttachment:
    filename: str
    content_type: str
    data: bytes
    inline: bool = False


@dataclass
class DeliveryReport:
    """One recipient block of a delivery-status report (RFC 3464)."""
    recipient: str | None
    action: str
    status: str
    diagnostic: str


class Walker:
    """Collects body text, attachments and delivery reports from a MIME tree.

    Every inline text part is body, in order (an HTML one converted); multipart/
    alternative gives its plain version (the HTML one is kept aside); message/rfc822 parts
    are files, kept whole; everything else with content is a file, named as its sender
    named it, else by its Content-ID or description, else by its type."""

    def __init__(self):
        self.body = []  # (is_html, text) in order
        self.alternative_html = []
        self.attachments = []
        self.reports = []
        self.returned = []
        self.seen = []
        self._names = {}

    # --- the tree ------------------------------------------------------------------
    def visit(self, part, depth, in_alternative=False):
        if depth > MAX_DEPTH or len(self.seen) >= MAX_PARTS:
            return
        self.seen.append(part)
        ctype = _content_type(part)
        if ctype in ("message/rfc822", "message/global"):
            self._forwarded(part)  # kept whole, as the .eml file it is
            return
        if ctype == "message/delivery-status":
            self._report(part)
            self._attach(part, ctype)
            return
        if ctype.startswith("multipart/") and not part.is_multipart():
            # A multipart without its boundaries: what is there is the text.
            self.body.append((False, _text_of(part)))
            return
        if part.is_multipart():
            children = _children(part)
            if ctype == "multipart/alternative":
                self._alternative(children, depth)
            else:
                for child in children:
                    self.visit(child, depth + 1)
            return
        if ctype == "text/rfc822-headers":
            self.returned.append(_decoded_payload(part))
            self._attach(part, ctype)
            return
        if self._is_body(part, ctype):
            # Every inline text part is body, in order: Apple Mail splits text around
            # images, and a signature may come as a separate HTML part.
            self.body.append((ctype == "text/html", _text_of(part)))
            return
        self._attach(part, ctype)

    def _alternative(self, children, depth):
        """Prefer the plain text version unless it is empty; the others are the same text
        (the HTML one is kept aside for `ParsedMail.alternative_text`)."""
        plain = [c for c in children if _content_type(c) == "text/plain" and not _is_attachment(c)]
        chosen_plain = next((c for c in plain if _text_of(c).strip()), None)
        for child in children:
            ctype = _content_type(child)
            if child is chosen_plain:
                self.seen.append(child)
                self.body.append((False, _text_of(child)))
            elif ctype == "text/plain" and not _is_attachment(child):
                self.seen.append(child)  # an empty plain version: the HTML one speaks
            elif ctype == "text/html" and not _is_attachment(child):
                self.seen.append(child)
                if chosen_plain is None:
                    self.body.append((True, _text_of(child)))
                else:
                    self.alternative_html.append(_text_of(child))
            elif child.is_multipart() and chosen_plain is not None:
                # multipart/related around the HTML version: keep its images only
                self._images_only(child, depth + 1)
            else:
                self.visit(child, depth + 1)

    def _images_only(self, part, depth):
        if depth > MAX_DEPTH:
            return
        self.seen.append(part)
        for child in _children(part) if part.is_multipart() else ():
            ctype = _content_type(child)
            if child.is_multipart():
                self._images_only(child, depth + 1)
            elif ctype == "text/html" and not _is_attachment(child):
                self.seen.append(child)
                self.alternative_html.append(_text_of(child))
            elif ctype not in ("text/html", "text/plain") or _is_attachment(child):
                self.seen.append(child)
                self._attach(child, ctype)

    def _is_body(self, part, ctype):
        return ctype in ("text/plain", "text/html") and not _is_attachment(part)

    # --- bodies --------------------------------------------------------------------
    def body_text(self):
        texts = [htmltext.to_text(text) if is_html else text for is_html, text in self.body]
        return _tidy("\n\n".join(t.strip("\n") for t in texts if t.strip()))

    @property
    def html(self):
        return [text for is_html, text in self.body if is_html]

    # --- attachments ---------------------------------------------------------------
    def _forwarded(self, part):
        inner = _inner_message(part)
        data = _message_bytes(inner) if inner is not None else _payload_bytes(part)
        encoding = headers.text(part, "Content-Transfer-Encoding").lower()
        if inner is not None and encoding in ("base64", "quoted-printable"):
            # Not allowed for message/rfc822, but sent: the parser read the encoded text
            # as a message; decode it and read that instead.
            data = _undo_transfer_encoding(data, encoding)
            inner = email.message_from_bytes(data, policy=part.policy)
        if inner is not None:
            self.returned.append(_header_block(inner))
        name = _filename(part)
        if not name:
            subject = headers.text(inner, "Subject", limit=150) if inner is not None else ""
            description = headers.text(part, "Content-Description", limit=150)
            name = (subject or description or "forwarded-message") + ".eml"
        elif not name.lower().endswith(".eml"):
            name += ".eml"  # what it is, whatever the sender called it
        self._add(name, "message/rfc822", data, part)

    def _report(self, part):
        for block in _children(part) if part.is_multipart() else _status_blocks(part):
            recipient = headers.text(block, "Final-Recipient") or headers.text(
                block, "Original-Recipient")
            action = headers.text(block, "Action").lower()
            if not recipient and not action:
                continue
            address = recipient.split(";", 1)[-1].strip().strip("<>") if recipient else None
            self.reports.append(DeliveryReport(
                recipient=addresses.check(address) if address else None, action=action,
                status=headers.text(block, "Status"),
                diagnostic=headers.text(block, "Diagnostic-Code", limit=500)))

    def _attach(self, part, ctype):
        name = _filename(part) or self._cid_name(part)
        if not name:
            description = headers.text(part, "Content-Description", limit=150)
            if description and ctype in DESCRIPTION_EXTENSIONS and "." not in description[-5:]:
                name = description + DESCRIPTION_EXTENSIONS[ctype]
        self._add(name or DEFAULT_NAMES.get(ctype, "file"), ctype,
                  _payload_bytes(part), part)

    def _cid_name(self, part):
        """An inline image without a name: "image001.jpg@01CD..." names it (once)."""
        ids = headers.message_ids(headers.text(part, "Content-ID"))
        local = ids[0].split("@", 1)[0] if ids else ""
        if "." not in local or not _CID_NAME.match(local) or local.lower() in self._names:
            return None
        return local

    def _add(self, name, ctype, data, part):
        name = self._unique(_clean_name(name))
        cid = headers.message_ids(headers.text(part, "Content-ID"))
        disposition = _disposition(part)
        self.attachments.append(MailAttachment(
            filename=name, content_type=ctype, data=data or b"",
            inline=disposition == "inline" or (disposition is None and bool(cid))))

    def _unique(self, name):
        """A second "a.png" becomes "a1.png" (counter before the first dot)."""
        count = self._names.get(name.lower(), 0)
        self._names[name.lower()] = count + 1
        if not count:
            return name
        stem, dot, rest = name.partition(".")
        candidate = f"{stem}{count}{dot}{rest}"
        self._names[candidate.lower()] = 1
        return candidate


# --- helpers over parts -------------------------------------------------------------

def _content_type(part):
    try:
        return part.get_content_type()
    except Exception:
        return "application/octet-stream"


def _children(part):
    payload = part.get_payload()
    if not isinstance(payload, list):
        return []
    return [p for p in payload if hasattr(p, "get_content_type")]


def _disposition(part):
    try:
        return part.get_content_disposition()
    except Exception:
        return None


def _is_attachment(part):
    return _disposition(part) == "attachment" or bool(_filename(part))


def _filename(part):
    """The part's file name: RFC 2231 and encoded-words decoded; None when it has none."""
    name = None
    try:
        name = part.get_filename()
    except Exception:
        name = None
    if not name:
        try:
            name = part.get_param("name", header="content-type")
            if isinstance(name, tuple):
                name = email.utils.collapse_rfc2231_value(name)
        except Exception:
            name = None
    if not name:
        return None
    name = str(name)
    if "=?" in name:
        name = _decode_words(name)
    return name if name.strip() else None


def _decode_words(value):
    """Encoded-words inside a quoted parameter (not allowed, but common)."""
    from email.header import decode_header, make_header
    try:
        return str(make_header(decode_header(value)))
    except Exception:
        return value


def _clean_name(name):
    """Controls and line breaks become spaces; other spacing is the sender's."""
    name = charsets.clean(name.replace("\r", " ").replace("\n", " ").replace("\t", " "))
    return name.strip().replace("/", "_").replace("\\", "_")[:200] or "file"


def _charset(part):
    try:
        return part.get_content_charset()
    except Exception:
        return None


def _payload_bytes(part):
    try:
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    if data is None:
        payload = part.get_payload()
        if isinstance(payload, str):
            data = payload.encode("utf-8", "surrogateescape")
        elif isinstance(payload, list):  # parsed sub-blocks (a delivery-status report)
            data = b"\n".join(_message_bytes(block) for block in payload)
    return data or b""


def _decoded_payload(part):
    return charsets.decode(_payload_bytes(part), _charset(part))


def _text_of(part):
    return _decoded_payload(part)


def _inner_message(part):
    payload = part.get_payload()
    if isinstance(payload, list) and payload and hasattr(payload[0], "get_content_type"):
        return payload[0]
    return None


def _message_bytes(inner):
    try:
        return inner.as_bytes()
    except Exception:
        try:
            return inner.as_string().encode("utf-8", "surrogateescape")
        except Exception:
            return b""


def _undo_transfer_encoding(data, encoding):
    import binascii
    import quopri
    try:
        if encoding == "base64":
            return base64.b64decode(b"".join(data.split()), validate=False)
        return quopri.decodestring(data)
    except (binascii.Error, ValueError):
        return data


def _header_block(inner):
    try:
        return "\n".join(f"{k}: {headers.one_line(str(v))}" for k, v in inner.items())
    except Exception:
        return ""


def _status_blocks(part):
    """A delivery-status body the parser left as text: split into header blocks."""
    text = _decoded_payload(part)
    blocks = []
    for chunk in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        if chunk.strip():
            blocks.append(email.message_from_string(chunk + "\n\n", policy=headers.POLICY))
    return blocks


def _tidy(text):
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return re.sub(r"\n{4,}", "\n\n\n", "\n".join(lines)).strip()
