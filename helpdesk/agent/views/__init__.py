"""Agents' pages under /agent/, one blueprint, split by area.

`gate.require_agent` runs before every route of the blueprint, so no page can be added
without the role check; admin pages add `gate.admin_only`. Views parse and render; the
services in helpdesk/agent/ decide and commit.
"""

from flask import Blueprint, g, url_for

from ...tickets.types import request_types
from ...vocabulary import AGENT_STATUS_LABELS, PRIORITIES, STATUSES
from .. import gate, queue

bp = Blueprint("agent", __name__, url_prefix="/agent")
bp.before_request(gate.require_agent)


@bp.after_request
def private(response):
    # Agents' pages show every requester's data: never kept in shared caches or history.
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.context_processor
def desk_helpers():
    return {"status_words": AGENT_STATUS_LABELS, "priorities": PRIORITIES, "statuses": STATUSES}


def type_name(slug):
    found = request_types().get(slug)
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
