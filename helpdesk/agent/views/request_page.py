"""One request for agents: the page, replies and notes, properties, spam and deletion."""

from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ...access import is_admin
from ...extensions import csrf, limiter
from ...kb import get_kb
from ...markup import render_user_text
from ...tickets import conversation, environment, service, spam, storage, timeline
from ...tickets.service import Upload
from ...tickets.types import request_types
from ...urls import external_url
from ...vocabulary import AGENT_STATUS_LABELS, CHANGE_FIELD_LABELS, DONE_STATUSES
from ...web import wants_json
from .. import actions, collisions, gate, pages, queue, saved, seen
from ..forms import REPLY_STATUSES, AgentReplyForm
from . import bp

KB_RESULTS = 5
PREVIEWS_LIMITED = _l("You have asked for many previews in a short time. Wait a minute and "
                      "press Preview again, or send your text as it is: what you typed is "
                      "still here.")


def _ticket_or_404(ref):
    ticket = pages.load(ref)
    if ticket is None:
        abort(404)
    return ticket


def _kb_results(text):
    """[(ArticleInfo, Hit)] for the inline article search (not counted in the statistics)."""
    text = (text or "").strip()[:current_app.config["SEARCH_MAX_QUERY_CHARS"]]
    if len(text) < 2:
        return []
    kb = get_kb()
    return [(kb.articles[h.slug], h) for h in kb.suggest(text, limit=KB_RESULTS)
            if h.slug in kb.articles]


def article_link(info):
    """The Markdown link an agent inserts: absolute, so it works in the emailed reply."""
    return f"[{info.title}]({external_url('kb.article', path=info.slug)})"


def _page(ticket, form=None, status=200, **extra):
    agent = gate.current_agent()
    loaded = pages.contents(ticket)
    form = form or AgentReplyForm()
    if not form.seen.data or extra.get("activity"):
        form.seen.data = str(loaded.marker)
    if request.method != "POST":
        # A reply keeps a request the agent resolved or closed as it is, unless they choose.
        form.then_status.data = (ticket.status if ticket.status in DONE_STATUSES
                                 else REPLY_STATUSES[0])
    request_type = request_types().get(ticket.type)
    return render_template(
        "agent/request.html", page=loaded, ticket=ticket, form=form, me=agent,
        timeline=timeline.merged(loaded.messages, timeline.status_lines(ticket, loaded.changes)),
        is_admin=is_admin(agent), request_type=request_type,
        fields=service.field_rows(ticket, request_type),
        environment=environment.rows(ticket.environment), types=request_types(),
        agents=queue.agents(), saved_replies=saved.listing(),
        fill=lambda body: saved.fill(body, ticket, agent), limits=storage.describe_limits(),
        render=render_user_text, article_link=article_link,
        blocked=service.is_blocked(ticket.requester_email), **extra), status


@bp.get("/requests/<ref>")
def request_page(ref):
    ticket = _ticket_or_404(ref)
    seen.mark_seen(ticket, gate.current_agent())
    return _page(ticket)


def _append(body, text):
    body = (body or "").rstrip()
    return f"{body}\n\n{text}" if body else text


def _sending():
    return "send" in request.form or "note" in request.form


def _not_previewing():
    return "preview" not in request.form or _sending()


def _preview_limit():
    return current_app.config["PREVIEW_RATE_LIMIT"]


def _preview_key():
    return f"preview:agent:{gate.current_agent().id}"  # the blueprint checked the role


def _preview_refused(limit):
    """Too many previews: the page again with the draft kept, and why."""
    if wants_json():
        refused = jsonify(error=str(PREVIEWS_LIMITED))
        refused.status_code = 429
        return refused
    form = AgentReplyForm()
    form.body.errors = [PREVIEWS_LIMITED]
    files = any(f and f.filename for f in request.files.getlist("attachments"))
    return make_response(_page(_ticket_or_404(request.view_args["ref"]), form, 429,
                               files_dropped=files))


@bp.post("/requests/<ref>/reply")
@csrf.exempt  # the form checks its own token, so an expired page comes back with the draft
@limiter.limit(_preview_limit, key_func=_preview_key, methods=["POST"],
               exempt_when=_not_previewing, on_breach=_preview_refused)
def reply(ref):
    ticket = _ticket_or_404(ref)
    agent = gate.current_agent()
    form = AgentReplyForm()
    files = [f for f in request.files.getlist("attachments") if f and f.filename]
    if not form.validate():
        if form.errors.get("csrf_token"):
            form.body.errors = list(form.body.errors) + [
                _("This page had expired, so nothing was sent. Check your text and send "
                  "again.")]
        form.body.errors = list(form.body.errors) + list(form.seen.errors)
        return _page(ticket, form, 400, files_dropped=bool(files))
    if not _sending():
        return _helper_action(ticket, form, files)

    seen = collisions.Marker.parse(form.seen.data)
    now = collisions.current(ticket)
    if seen != now:
        activity = collisions.since(ticket, seen or collisions.Marker())
        return _page(ticket, form, 409, activity=activity, files_dropped=bool(files),
                     pending="note" if "note" in request.form else "send")
    internal = "note" in request.form
    then_status = None if internal else form.then_status.data
    if then_status is not None and then_status not in REPLY_STATUSES:
        form.then_status.errors = [_("Choose a status from the list.")]
        return _page(ticket, form, 400, files_dropped=bool(files))
    try:
        message = conversation.add_reply(
            ticket, body=form.body.data or "", author=agent, source="web", internal=internal,
            uploads=[Upload(f.stream, f.filename) for f in files], status=then_status)
    except conversation.EmptyReply as empty:
        form.body.errors = [str(empty)]
        return _page(ticket, form, 400)
    except (service.TooManyFiles, storage.AttachmentRefused) as refused:
        form.attachments.errors = [str(refused)]
        return _page(ticket, form, 400, files_dropped=True)
    flash(_("Internal note added.") if internal else
          _("Reply sent to %(email)s. The status is now “%(status)s”.",
            email=ticket.requester_email, status=AGENT_STATUS_LABELS[message.ticket.status]),
          "success")
    return redirect(url_for(".request_page", ref=ticket.ref, _anchor=f"m{message.id}"), 303)


def _helper_action(ticket, form, files):
    """Preview, article search and inserts: the page again, draft kept, nothing sent."""
    extra = {"files_dropped": bool(files)}
    if "preview" in request.form:
        if wants_json():  # the page's script previews in place, so chosen files stay chosen
            return jsonify(html=render_user_text(form.body.data or ""))
        extra["preview"] = render_user_text(form.body.data or "")
    elif "insert_article" in request.form:
        slug = request.form.get("insert_article", "", type=str)
        info = get_kb().articles.get(slug)
        if info is not None:
            form.body.data = _append(form.body.data, article_link(info))
            extra["inserted"] = info.title
    elif "insert_saved" in request.form:
        raw = request.form.get("saved_reply", "", type=str)
        chosen = saved.get(int(raw)) if raw.isdigit() and len(raw) < 10 else None
        if chosen is None:
            extra["saved_problem"] = _("Choose a saved reply to insert.")
        else:
            form.body.data = _append(form.body.data,
                                     saved.fill(chosen.body, ticket, gate.current_agent()))
            extra["inserted"] = chosen.title
    else:  # the article search (also what Enter in the search box does)
        extra["kb_results"] = _kb_results(form.kb_q.data)
        extra["kb_searched"] = bool((form.kb_q.data or "").strip())
    return _page(ticket, form, **extra)


@bp.get("/kb")
def kb_search():
    """JSON for the reply form's live article search (helpdesk.js); not counted in stats."""
    found = _kb_results(request.args.get("q", "", type=str))
    return jsonify(results=[{"slug": info.slug, "title": info.title,
                             "url": external_url("kb.article", path=info.slug),
                             "link": article_link(info), "snippet": hit.snippet}
                            for info, hit in found])


def _id_or_none(value):
    return int(value) if value.isdigit() and len(value) < 10 else None


@bp.post("/requests/<ref>/update")
def update(ref):
    ticket = _ticket_or_404(ref)
    form = request.form
    changes = actions.Changes(
        status=form.get("status", type=str) or None,
        priority=form.get("priority", type=str) or None,
        type=form.get("type", type=str) or None)
    assignee = form.get("assignee", "", type=str)
    if assignee == "none":
        changes.unassign = True
    elif assignee:
        changes.assignee_id = _id_or_none(assignee)
        if changes.assignee_id is None:
            flash(_("Choose an agent from the list."), "error")
            return redirect(url_for(".request_page", ref=ticket.ref), 303)
    try:
        changed = actions.update(ticket, changes, gate.current_agent(), request_types())
    except actions.ActionError as refused:
        flash(str(refused), "error")
    else:
        names = ", ".join(str(CHANGE_FIELD_LABELS.get(name, name)) for name in changed)
        flash(_("Changed: %(fields)s.", fields=names) if changed else _("Nothing changed."),
              "success" if changed else "info")
    return redirect(url_for(".request_page", ref=ticket.ref), 303)


@bp.post("/requests/<ref>/spam")
def mark_spam(ref):
    ticket = _ticket_or_404(ref)
    block = request.form.get("block") == "y"
    spam.mark_spam(ticket, gate.current_agent(), block_sender=block)
    flash(_("%(ref)s is marked as spam and %(email)s is blocked.", ref=ticket.ref,
            email=ticket.requester_email) if block else
          _("%(ref)s is marked as spam.", ref=ticket.ref), "success")
    return redirect(url_for(".queue_page"), 303)


@bp.post("/requests/<ref>/not-spam")
def not_spam(ref):
    ticket = _ticket_or_404(ref)
    spam.not_spam(ticket, gate.current_agent())
    flash(_("%(ref)s is back in the queue.", ref=ticket.ref), "success")
    return redirect(url_for(".request_page", ref=ticket.ref), 303)


@bp.route("/requests/<ref>/delete", methods=["GET", "POST"])
@gate.admin_only
def delete(ref):
    ticket = _ticket_or_404(ref)
    if request.method == "GET":
        return render_template("agent/delete.html", ticket=ticket,
                               files=len(ticket.attachments), messages=len(ticket.messages))
    reference = ticket.ref
    spam.delete_request(ticket)
    flash(_("%(ref)s and its files were deleted.", ref=reference), "success")
    return redirect(url_for(".queue_page"), 303)
