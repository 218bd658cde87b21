"""Reading headers safely: the modern email policy, made robust for real mail.

Two repairs happen before the header registry parses a value:

* raw 8-bit bytes (old clients send GB2312, Shift_JIS or Latin-1 unencoded) are decoded
  as UTF-8 when they are, else with the charsets the message itself names;
* each well-formed encoded-word is decoded with our charset rules (supersets, relatives,
  detection) and re-encoded as UTF-8, so a word labelled ISO-2022-JP that holds Shift_JIS
  reads right. Structure is untouched: a word stays a word, so an encoded "<" or ","
  never changes which address a header names.
"""

import base64
import re
from email.header import decode_header
from email.headerregistry import HeaderRegistry, UnstructuredHeader
from email.policy import EmailPolicy

from . import charsets

_SURROGATES = re.compile("[\udc80-\udcff]")
_DECLARED = re.compile(rb"charset\s*=\s*\"?([A-Za-z0-9_.:+-]{1,40})", re.IGNORECASE)
_WORD_CHARSETS = re.compile(rb"=\?([A-Za-z0-9_.:+-]{1,40})(?:\*[A-Za-z0-9-]*)?\?[BbQq]\?")
ENCODED_WORD = re.compile(
    r"=\?([A-Za-z0-9!#$%&'+\-^_`{|}~.]+)(\*[A-Za-z0-9-]+)?\?([BbQq])\?([^?\s]*)\?=")
# Adjacent encoded-words: the space between them is not part of the text (RFC 2047 6.2).
_WORD_RUN = re.compile(rf"{ENCODED_WORD.pattern}(?:[ \t]+{ENCODED_WORD.pattern})*")
_EXTENDED_PARAM = re.compile(r";\s*[A-Za-z0-9_-]+\*[^;]*")
_MSGID = re.compile(r"<([^<>\s]{1,250})>")
HEADER_LIMIT = 2000  # characters of one header value we keep after decoding
SCAN_LIMIT = 256 * 1024  # bytes searched for the charsets a message names


class MailPolicy(EmailPolicy):
    """`email.policy.default` with the repairs above; `header_charsets` are the message's
    own charsets, tried for raw 8-bit header bytes."""

    header_charsets = ()

    def header_fetch_parse(self, name, value):
        if hasattr(value, "name"):
            return value
        if _SURROGATES.search(value):
            value = decode_raw(value.encode("ascii", "surrogateescape"), self.header_charsets)
        if "=?" in value:
            value = _WORD_RUN.sub(_as_utf8_word, value)
        try:
            return super().header_fetch_parse(name, value)
        except Exception:
            # The registry's parsers raise on some hostile values (an RFC 2231 parameter
            # in a charset its bytes do not fit, say): drop the extended parameters, and
            # failing that read the header as plain text.
            pass
        try:
            return super().header_fetch_parse(name, _EXTENDED_PARAM.sub("", value))
        except Exception:
            pass
        fallback = {"content-type": "application/octet-stream",
                    "content-disposition": "attachment",
                    "content-transfer-encoding": "8bit"}.get(name.lower())
        if fallback:
            return super().header_fetch_parse(name, fallback)
        return _PLAIN(name, "".join(value.splitlines()))


POLICY = MailPolicy()
_PLAIN = HeaderRegistry(default_class=UnstructuredHeader, use_default_map=False)


def _as_utf8_word(match):
    """A run of encoded-words as one UTF-8 encoded-word holding the same text."""
    run = match.group(0)
    pieces = []
    for word in ENCODED_WORD.finditer(run):
        try:
            ((data, _),) = decode_header(word.group(0))
        except Exception:
            return run  # not decodable (bad base64...): leave it for the registry to judge
        if isinstance(data, str):
            return run
        pieces.append(charsets.decode(data, word.group(1)))
    text = "".join(pieces)
    return "=?utf-8?b?" + base64.b64encode(text.encode("utf-8")).decode("ascii") + "?="


def decode_raw(data, fallbacks=()):
    """Header bytes as text: UTF-8 when valid, else the message's charsets, else a guess."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    for codec in fallbacks:
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
    return charsets.decode(data)


def policy_for(raw):
    """The policy to parse `raw` with, knowing the charsets the message names."""
    if all(b < 0x80 for b in raw[:SCAN_LIMIT]):
        return POLICY  # no raw 8-bit bytes, nothing to guess
    labels = _WORD_CHARSETS.findall(raw[:SCAN_LIMIT]) + _DECLARED.findall(raw[:SCAN_LIMIT])
    found = []
    for label in labels:
        codec = charsets.codec_for(label.decode("ascii", "replace"))
        for candidate in charsets.candidates(codec):
            if candidate not in found and candidate != "utf-8":
                found.append(candidate)
    # Multi-byte charsets first: a single-byte one decodes anything, rightly or not.
    ordered = ([c for c in found if not charsets.is_single_byte(c)]
               + [c for c in found if charsets.is_single_byte(c)])
    return POLICY.clone(header_charsets=tuple(ordered[:8])) if ordered else POLICY


def text(message, name, limit=HEADER_LIMIT):
    """A header's decoded text, or "" when missing; a header that will not parse falls
    back to its raw value. Controls (CR, LF, tabs...) become single spaces."""
    try:
        value = message.get(name)
    except Exception:  # the header parser has bugs on hostile input; use the raw value
        value = _raw(message, name)
    if value is None:
        return ""
    try:
        value = str(value)
    except Exception:
        value = _raw(message, name) or ""
    return one_line(value)[:limit]


def _raw(message, name):
    for key, value in getattr(message, "_headers", ()):
        if key.lower() == name.lower():
            if isinstance(value, str) and _SURROGATES.search(value):
                return decode_raw(value.encode("ascii", "surrogateescape"),
                                  getattr(message.policy, "header_charsets", ()))
            return str(value)
    return None


def raw_value(message, name):
    """The header as it came, unfolded, before any decoding (encoded-words left as is)."""
    value = _raw(message, name)
    return " ".join(value.split()) if value is not None else None


def all_values(message, name):
    try:
        values = message.get_all(name) or []
    except Exception:
        return []
    found = []
    for value in values:
        try:
            found.append(one_line(str(value)))
        except Exception:
            continue
    return found


def one_line(value):
    return " ".join(charsets.clean(str(value).replace("\r", " ").replace("\n", " ")).split())


def message_ids(value):
    """Message-IDs in a Message-ID, In-Reply-To or References value, without brackets."""
    value = value or ""
    found = _MSGID.findall(value)
    if not found:
        found = [w.strip("<>") for w in value.split() if "@" in w and len(w) <= 250]
    return [m for m in found if m]


def first_message_id(message):
    ids = message_ids(text(message, "Message-ID"))
    return ids[0] if ids else None
