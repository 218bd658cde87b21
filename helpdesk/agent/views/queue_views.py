"""The queue (/agent/) and its bulk actions."""

from typing import NamedTuple
from urllib.parse import parse_qs

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.datastructures import MultiDict

from ...locales import gettext as row_gettext
from ...tickets.types import request_types
from ...vocabulary import CHANNELS
from ...web import local_clock
from .. import actions, gate, queue, seen
from . import bp


def _criteria(args, agents):
    return queue.parse(args, request_types(), set(agents))


class RowTexts(NamedTuple):
    select: str  # the tick box's name
    sent: str  # when the request came, in full
    age: str  # "3 d"
    activity: str  # "5 h ago"


def _row_texts(rows, now):
    """{request id: RowTexts}: the sentences around each row's data, made once per page
    here; each one a row made in the template cost a catalog lookup and a Markup format."""
    local_time = local_clock()
    return {t.id: RowTexts(
        select=row_gettext("Select %(ref)s", ref=t.ref),
        sent=row_gettext("Sent %(when)s", when=local_time(t.created_at)),
        age=queue.age(t.created_at, now),
        activity=row_gettext("%(age)s ago", age=queue.age(t.updated_at, now)),
    ) for t in rows}


@bp.get("/")
def queue_page():
    agent = gate.current_agent()
    agents = queue.agents()
    criteria = _criteria(request.args, agents)
    found = queue.page(criteria, agent.id, current_app.config["AGENT_QUEUE_PAGE_SIZE"],
                       known_agents=agents)
    return render_template("agent/queue.html", page=found, criteria=criteria,
                           new_replies=seen.new_replies([t.id for t in found.rows], agent),
                           row_texts=_row_texts(found.rows, found.now),
                           views=queue.TABS, sorts=queue.SORTS, types=request_types(),
                           channels=CHANNELS, me=agent, back=request.query_string.decode()[:1000])


def _back(raw, agents):
    """The queue the bulk form came from, rebuilt from its parsed criteria (never a raw URL)."""
    args = MultiDict(parse_qs(raw or "", keep_blank_values=False))
    criteria = _criteria(args, agents)
    return url_for(".queue_page", **criteria.args())


@bp.post("/bulk")
def bulk():
    agent = gate.current_agent()
    agents = queue.agents()
    back = _back(request.form.get("back", "", type=str), agents)
    ids = [int(v) for v in request.form.getlist("ids") if v.isdigit() and len(v) < 10]
    action = request.form.get("action", "", type=str)
    changes = actions.Changes()
    if action == "assign":
        value = request.form.get("bulk_assignee", "", type=str)
        if value == "none":
            changes.unassign = True
        elif value.isdigit() and len(value) < 10:
            changes.assignee_id = int(value)
        else:
            flash(_("Choose whom to assign the selected requests to."), "error")
            return redirect(back, 303)
    elif action == "status":
        changes.status = request.form.get("bulk_status", "", type=str)
    else:
        flash(_("Choose an action for the selected requests."), "error")
        return redirect(back, 303)
    try:
        changed = actions.bulk(ids, changes, agent, request_types())
    except actions.ActionError as refused:
        flash(str(refused), "error")
    else:
        flash(ngettext("%(num)d request changed.", "%(num)d requests changed.", changed),
              "success")
    return redirect(back, 303)
