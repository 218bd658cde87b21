"""Following requests: "My requests", one request's page, replies, solved, reopen, rating.

Routes live on the tickets blueprint (endpoint names `tickets.my_requests`,
`tickets.view`, ...). Who may see and act on a request is helpdesk.access's answer; everyone
else gets the same 404 page, whether or not the request exists.
"""

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_limiter.util import get_remote_address
from flask_login import login_required

from .. import access
from ..extensions import csrf, limiter
from ..markup import render_user_text
from ..models import Ticket
from ..vocabulary import REQUESTER_STATUS_LABELS
from ..web import wants_json
from . import conversation, environment, links, listing, service, storage, timeline
from .blueprint import bp, ip_limit
from .forms import RateForm, ReplyForm
from .types import request_types
from .visitor import grant, grants
from .visitor import user as _user

PREVIEWS_LIMITED = _l("You have asked for many previews in a short time. Wait a minute and"
                      " press Preview again, or send your reply as it is: what you typed is"
                      " still here.")


def _acts_as_requester(ticket):
    """The owner, or the browser holding this request's signed link."""
    return access.acts_as_requester(ticket, _user(), grants())


def _not_found(ref):
    """One answer for unknown requests and other people's: 404, with a way to sign in."""
    path = url_for(".view", ref=ref) if Ticket.id_from_ref(ref) else url_for(".my_requests")
    return render_template("tickets/not_found.html", sign_in=url_for("auth.login", next=path),
                           token_given=bool(request.args.get("t"))), 404


def _for_requester(ref):
    """The request `ref` for someone about to act on it as its requester, else 404."""
    ticket = Ticket.by_ref(ref)
    if ticket is None or not _acts_as_requester(ticket):
        abort(404)
    service.note_address_proven(ticket)  # an owner or a mailed link's holder acts
    return ticket


# --- My requests ------------------------------------------------------------------------------

@bp.get("/requests")
@login_required
def my_requests():
    user = _user()
    types = request_types()
    criteria = listing.clean_args(request.args, types)
    page = None
    if user.is_verified:
        page = listing.my_requests(user.email, per_page=current_app.config["MY_REQUESTS_PAGE_SIZE"],
                                   **criteria)
    return render_template("tickets/my_requests.html", page=page, types=types,
                           criteria=criteria, words=REQUESTER_STATUS_LABELS,
                           filters=[("all", "All"), ("open", "Open"),
                                    ("closed", "Resolved and closed")])


# --- one request --------------------------------------------------------------------------------

@bp.get("/requests/<ref>")
def view(ref):
    ticket = Ticket.by_ref(ref)
    token = request.args.get("t", type=str)
    if ticket is not None and token and links.token_opens(ticket, token):
        grant(ticket)
    if ticket is None or not access.may_read(ticket, _user(), grants()):
        return _not_found(ref)
    return _page(ticket)


def _page(ticket, reply_form=None, rate_form=None, preview=None, status=200, files_dropped=False):
    user = _user()
    request_type = request_types().get(ticket.type)
    requester = _acts_as_requester(ticket)
    response = current_app.make_response((render_template(
        "tickets/view.html", ticket=ticket, request_type=request_type,
        fields=service.field_rows(ticket, request_type),
        environment=environment.rows(ticket.environment),
        messages=timeline.merged(listing.public_messages(ticket),
                                 timeline.status_lines(ticket)),
        follow_ups=listing.follow_ups(ticket),
        parent_ref=Ticket.ref_of(ticket.parent_id),
        words=REQUESTER_STATUS_LABELS, requester=requester,
        by_link=requester and not access.owns(user, ticket),
        reply_form=reply_form or ReplyForm(), rate_form=rate_form or RateForm(),
        preview=preview, files_dropped=files_dropped, limits=storage.describe_limits(),
        can_reopen=conversation.can_reopen(ticket),
        reopen_deadline=conversation.reopen_deadline(ticket),
        render=render_user_text), status))
    if request.args.get("t"):
        # The page's address holds the signed link: no Referer to other sites (our own
        # forms still send one, which CSRF protection checks on https).
        response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _actor(ticket):
    """(author, author_email) for the requester's side of the conversation."""
    user = _user()
    if access.owns(user, ticket):
        return user, user.email
    return None, ticket.requester_email


def _previewing():
    return "preview" in request.form


def _preview_limit():
    return current_app.config["PREVIEW_RATE_LIMIT"]


def _preview_key():
    return "preview:" + get_remote_address()


def _preview_refused(limit):
    """Too many previews: the page again with the draft kept, and why."""
    if wants_json():
        refused = jsonify(error=str(PREVIEWS_LIMITED))
        refused.status_code = 429
        return refused
    form = ReplyForm()
    form.body.errors = [PREVIEWS_LIMITED]
    return _page(_for_requester(request.view_args["ref"]), reply_form=form, status=429,
                 files_dropped=any(f and f.filename for f in request.files.getlist("attachments")))


@bp.post("/requests/<ref>/reply")
@csrf.exempt  # the form checks its own token, so an expired page comes back with the text
@limiter.limit(ip_limit, methods=["POST"], exempt_when=_previewing)
@limiter.limit(_preview_limit, key_func=_preview_key, methods=["POST"],
               exempt_when=lambda: not _previewing(), on_breach=_preview_refused)
def reply(ref):
    ticket = _for_requester(ref)
    form = ReplyForm()
    files = [f for f in request.files.getlist("attachments") if f and f.filename]
    if _previewing():
        if wants_json():
            return jsonify(html=render_user_text(form.body.data or ""))
        return _page(ticket, reply_form=form, preview=render_user_text(form.body.data or ""),
                     files_dropped=bool(files))
    if not form.validate():
        if form.errors.get("csrf_token"):
            form.body.errors = list(form.body.errors) + [
                _("This page had expired, so nothing was sent. Check your reply and send it"
                  " again.")]
        return _page(ticket, reply_form=form, status=400, files_dropped=bool(files))
    author, email = _actor(ticket)
    try:
        message = conversation.add_reply(
            ticket, body=form.body.data or "", author=author, author_email=email, source="web",
            uploads=[service.Upload(f.stream, f.filename) for f in files])
    except conversation.EmptyReply as empty:
        form.body.errors = [str(empty)]
        return _page(ticket, reply_form=form, status=400)
    except (service.TooManyFiles, storage.AttachmentRefused) as refused:
        form.attachments.errors = [str(refused)]
        return _page(ticket, reply_form=form, status=400, files_dropped=True)
    landed = message.ticket
    if landed.id != ticket.id:
        grant(landed)
        flash(ngettext("%(ref)s was closed more than %(num)d day ago, so your message started"
                       " a new request, %(new)s.",
                       "%(ref)s was closed more than %(num)d days ago, so your message started"
                       " a new request, %(new)s.", current_app.config["REOPEN_DAYS"],
                       ref=ticket.ref, new=landed.ref), "success")
    else:
        flash(_("Your reply was sent. We will answer by email."), "success")
    return redirect(url_for(".view", ref=landed.ref, _anchor=f"m{message.id}"), 303)


@bp.post("/requests/<ref>/solve")
def solve(ref):
    ticket = _for_requester(ref)
    author, email = _actor(ticket)
    try:
        conversation.resolve(ticket, actor=author, actor_email=email)
    except conversation.ConversationError as refused:
        flash(str(refused), "error")
        return redirect(url_for(".view", ref=ticket.ref), 303)
    flash(_("Glad it is solved! How did we do?"), "success")
    return redirect(url_for(".view", ref=ticket.ref, _anchor="rate"), 303)


@bp.post("/requests/<ref>/reopen")
def reopen(ref):
    ticket = _for_requester(ref)
    author, email = _actor(ticket)
    try:
        conversation.reopen(ticket, actor=author, actor_email=email)
    except conversation.ConversationError as refused:
        flash(str(refused), "error")
    else:
        flash(_("The request is open again. Tell us what is still wrong below."), "success")
    return redirect(url_for(".view", ref=ticket.ref, _anchor="reply"), 303)


@bp.post("/requests/<ref>/rate")
def rate(ref):
    ticket = _for_requester(ref)
    form = RateForm()
    if not form.validate():
        return _page(ticket, rate_form=form, status=400)
    try:
        conversation.rate(ticket, form.score.data, form.comment.data or "")
    except conversation.AlreadyRated as done:
        flash(str(done))
    except conversation.ConversationError as refused:
        form.score.errors = [str(refused)]
        return _page(ticket, rate_form=form, status=400)
    else:
        flash(_("Thank you for your rating!"), "success")
    return redirect(url_for(".view", ref=ticket.ref, _anchor="rate"), 303)
