"""Strip quoted history and signatures from a reply (mail-parser-reply, MIT).

Only replies are stripped: the first mail of a request is kept whole, since a person who
writes to support for the first time may paste a forwarded conversation on purpose. The
full text of every mail stays available to agents (InboundMail.full_text).
"""

import logging
import re

from mailparser_reply.parser import EmailMessage

log = logging.getLogger(__name__)

LANGUAGES = ("en", "de", "fr", "es", "it", "nl", "pl", "sv", "da", "ja")
MAX_TEXT = 200_000  # longer replies are kept whole: the parser's patterns are not linear
_QUOTED = re.compile(r"^\s*>")
# Outlook and Gmail headers the library does not know in every language.
_FORWARD = re.compile(r"^-{2,}\s*(Forwarded message|Original Message|Ursprüngliche Nachricht"
                      r"|Message d'origine|Mensaje original)\s*-{2,}\s*$",
                      re.IGNORECASE | re.MULTILINE)


def latest_reply(text, languages=LANGUAGES):
    """The newest part of a reply: no quoted history, no signature. Falls back to the
    whole text when stripping would leave nothing."""
    if not text or not text.strip() or len(text) > MAX_TEXT:
        return text or ""
    try:
        parsed = EmailMessage(text=text, languages=list(languages),
                              keep_hyphen_lists=True).read()
        reply = parsed.replies[0].body if parsed.replies else text
    except Exception:  # a library bug must not lose the mail; the whole text is kept
        log.warning("reply parser failed; keeping the whole text", exc_info=True)
        return text
    reply = _FORWARD.split(reply, maxsplit=1)[0]
    lines = reply.rstrip().split("\n")
    while lines and (_QUOTED.match(lines[-1]) or not lines[-1].strip()):
        lines.pop()  # a trailing block of "> " lines without a header above it
    reply = "\n".join(lines).strip()
    return reply if reply else text.strip()
