"""HTML-only mail as readable plain text (inscriptis, Apache-2.0; layout-aware: lists,
tables and paragraphs keep their shape). The HTML itself is never shown to anyone."""

import logging
import re

from inscriptis import get_text
from inscriptis.model.config import ParserConfig

log = logging.getLogger(__name__)

MAX_HTML = 2 * 1024 * 1024  # characters converted; the rest of a giant page is left out
_CONFIG = ParserConfig(display_images=False, display_links=False)
_BLANK_RUNS = re.compile(r"\n{3,}")
_TAGS = re.compile(r"<[^>]*>")
_DOCUMENT_END = re.compile(r"</html\s*>", re.IGNORECASE)


def to_text(html):
    """Readable text from an HTML body; "" for markup without text."""
    if not html or not html.strip():
        return ""
    # Browsers show what a sender (or a mailing-list footer) put after "</html>"; the
    # HTML parser drops it, so each document is converted on its own.
    parts = [p for p in _DOCUMENT_END.split(html[:MAX_HTML]) if p.strip()]
    text = "\n\n".join(_convert(part) for part in parts)
    lines = [line.rstrip() for line in text.replace("\xa0", " ").splitlines()]
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip()


def _convert(html):
    try:
        return get_text(html, _CONFIG)
    except Exception:  # lxml gives up on some broken markup: keep the words anyway
        log.warning("HTML body could not be converted; tags stripped instead", exc_info=True)
        return _TAGS.sub(" ", html)
