"""Agents' pages under /agent/, one blueprint, split by area.

`gate.require_agent` runs before every route of the blueprint, so no page can be added
without the role check; admin pages add `gate.admin_only`. Views parse and render; the
services in helpdesk/agent/ decide and commit.
"""

from datetime import datetime

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from flask import Blueprint, g, url_for
from flask_babel import get_locale

from ...tickets.types import request_types
from ...vocabulary import (
    AGENT_STATUS_LABELS,
    CHANGE_FIELD_LABELS,
    CHANGE_VALUE_LABELS,
    CHANNEL_LABELS,
    PRIORITIES,
    PRIORITY_LABELS,
    ROLE_LABELS,
    STATUSES,
)
from .. import gate, queue

bp = Blueprint("agent", __name__, url_prefix="/agent")
bp.before_request(gate.require_agent)


@bp.after_request
def private(response):
    # Agents' pages show every requester's data: never kept in shared caches or history.
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _in_reader_language(labels):
    # Translated once per page: a lazy text is translated again each time a row shows it.
    return {key: str(label) for key, label in labels.items()}


@bp.context_processor
def desk_helpers():
    return {"status_words": _in_reader_language(AGENT_STATUS_LABELS), "priorities": PRIORITIES,
            "statuses": STATUSES, "priority_words": _in_reader_language(PRIORITY_LABELS),
            "channel_words": _in_reader_language(CHANNEL_LABELS),
            "role_words": _in_reader_language(ROLE_LABELS),
            "change_field": change_field, "change_value": change_value, "day": day}


def number(value):
    """A count as the reader writes it: "12,345" ("12 345" in French)."""
    return format_decimal(value, locale=get_locale())


def change_field(field):
    """What a history line says changed ("priority"), in the reader's language."""
    return CHANGE_FIELD_LABELS.get(field, field)


def change_value(field, value):
    """A value in a history line: a status or priority as agents read it, else as stored."""
    if field == "status":
        return AGENT_STATUS_LABELS.get(value, value)
    return CHANGE_VALUE_LABELS.get(field, {}).get(value, value)


def day(value, pattern="d MMMM y"):
    """A date (or a UTC time) in the reader's language, a CLDR pattern: "3 December 2026",
    "3 déc. 2026". Insights state their period in UTC, so nothing is moved to a zone."""
    if isinstance(value, datetime):
        return format_datetime(value, pattern, locale=get_locale())
    return format_date(value, pattern, locale=get_locale())


def type_name(slug, types=None):
    """A request type's name in the reader's language; `types` (request_types()) when the
    page has them already, as the queue does for its filter."""
    found = (types or request_types()).get(slug)
    return found.name if found else slug


REF_PLACEHOLDER = "HD-0"


def request_url(ref):
    """url_for('agent.request_page', ref=ref), routed once per request: the queue links
    every row to its request, and a reference needs no quoting."""
    prefix = g.get("agent_request_url_prefix")
    if prefix is None:
        prefix = url_for("agent.request_page", ref=REF_PLACEHOLDER)[:-len(REF_PLACEHOLDER)]
        g.agent_request_url_prefix = prefix
    return prefix + ref


@bp.context_processor
def naming():
    return {"type_name": type_name, "age": queue.age, "age_class": queue.age_class,
            "request_url": request_url}

from . import (  # noqa: E402,F401
    insights,
    kept_mail,
    people,
    queue_views,
    request_page,
    saved,
    webhooks,
)
