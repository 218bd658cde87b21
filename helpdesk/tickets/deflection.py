"""Answers while filing: suggest articles for what the requester types, and count it.

The funnel events (suggestion shown, opened, solved, request filed) go through
`helpdesk.events`, buffered and cheap; the agents' insights read them. They count, and
name the articles; they never store the form's text.
"""

import logging

from flask import current_app, url_for

from .. import events
from ..kb import get_shelf

log = logging.getLogger(__name__)

LIMIT = 5
MIN_CHARS = 2
ALSO_MAX_CHARS = 1000  # of the description, read for words that sharpen the summary
MARKER = "request"  # ?from=request on an article opened from the request form


def suggest(text, limit=LIMIT, also="", locale=None):
    """[(ArticleInfo, Hit)] for free text; [] for short text or when the index is down.

    `text` is the summary; `also`, the description, only sharpens it (weighed less, so a
    long description does not drown what the summary says). `locale`: the reader's
    language (its articles first), else the default language.
    """
    config = current_app.config
    text = (text or "")[:config["SEARCH_MAX_QUERY_CHARS"]]
    also = (also or "")[:ALSO_MAX_CHARS]
    if len(text.strip()) < MIN_CHARS:
        text, also = also[:config["SEARCH_MAX_QUERY_CHARS"]], ""
    if len(text.strip()) < MIN_CHARS:
        return []
    shelf = get_shelf()
    try:
        shelf.check()  # pick up edited articles, as the help center's own pages do
        return shelf.suggest(text, locale or shelf.default_locale, limit=limit, also=also)
    except Exception:  # answers are a help, never a reason the form fails
        log.exception("suggestions failed for the request form")
        return []


def record_shown(found):
    """Count the suggestions the form showed. What the person typed is not kept: it is the
    start of their request (names, invoice numbers, private details), not a search."""
    events.record(events.SUGGESTION_SHOWN, result_count=len(found),
                  slug=",".join(info.slug for info, _ in found)[:255] or None,
                  visitor=events.visitor())


def open_url(slug, type_slug):
    """The link a suggestion carries: counted, then on to the article with the marker."""
    return url_for("tickets.open_suggestion", slug=slug, type=type_slug)


def article_url(slug, type_slug):
    return url_for("kb.article", path=slug, **{"from": MARKER, "type": type_slug})


def record_opened(slug):
    events.record(events.SUGGESTION_OPENED, slug=slug, visitor=events.visitor())


def record_solved(slug):
    events.record(events.SOLVED, slug=slug, visitor=events.visitor())
