"""Requester pages for filing a request, and attachment downloads.

Following a request (My requests, one request, replies) is in requester_views.py, on the
same blueprint. Views parse and render; the services decide.
"""

from flask import abort, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import access, events
from ..emails import normalize_email, suggest_address
from ..extensions import csrf, limiter
from ..forms import email_hint, took_suggested_email
from ..kb import get_shelf
from ..locales import choose as reader_locale
from ..locales import for_keystroke
from ..models import Ticket
from . import deflection, environment, links, listing, service, storage, submissions
from .blueprint import bp, ip_limit
from .forms import form_class
from .types import request_types
from .visitor import grant, grants, user

EXPIRED_FORM = _l("This form had expired, so nothing was sent. Please check it and send it again.")


def _type_or_404(slug):
    found = request_types().get(slug)
    if found is None:
        abort(404)
    return found


def _signed_in_user():
    found = user()
    return found if found is not None and found.is_verified else None


# --- rate limits: per address and per email, on sending only -------------------------

def _finding_answers():
    """Find answers, or taking the suggested address: the form comes back, nothing is sent."""
    return "find" in request.form or "use_email" in request.form


def _email_key():
    return "request-email:" + normalize_email(request.form.get("email", "", type=str))[:254]


def _no_email_or_finding():
    return _finding_answers() or not request.form.get("email", "", type=str).strip()


def _email_limit():
    return current_app.config["REQUEST_RATE_LIMIT_EMAIL"]


def _form_again(limit):
    """Too many requests sent: the form again, with everything typed, and a clear message."""
    slug = (request.view_args or {}).get("slug")
    if slug not in request_types():
        return None  # the error page says to wait
    form = form_class(request_types()[slug])()
    message = _("You have sent several requests in a short time. Please wait a few minutes"
                " and send this one again; what you typed is kept below.")
    return current_app.make_response(
        _render_form(form, request_types()[slug], top_error=message, status=429))


# --- choosing a type and filling the form ---------------------------------------------

@bp.get("/requests/new")
def choose():
    return render_template("tickets/choose.html", types=list(request_types().values()),
                           passthrough=_prefill_args())


def _prefill_args():
    """The mobile app's ?app_version=&os=&device= (and a summary) carried to the form."""
    return {k: environment.clean(request.args.get(k, type=str))
            for k in ("app_version", "os", "device", "summary")
            if environment.clean(request.args.get(k, type=str))}


@bp.route("/requests/new/<slug>", methods=["GET", "POST"])
@csrf.exempt  # the form checks its own token, so an expired one re-renders with all values
@limiter.limit(ip_limit, methods=["POST"], exempt_when=_finding_answers, on_breach=_form_again)
@limiter.limit(_email_limit, key_func=_email_key, methods=["POST"],
               exempt_when=_no_email_or_finding, deduct_when=lambda r: r.status_code == 303,
               on_breach=_form_again)
def new(slug):
    request_type = _type_or_404(slug)
    form = form_class(request_type)()
    user = _signed_in_user()
    if user is not None:
        form.email.data = user.email  # fixed: the signed-in, verified address
    if request.method == "GET":
        form.submission_token.data = submissions.new_token()
        if user is not None:
            form.name.data = user.display_name
        for key, value in _prefill_args().items():
            form[key].data = value
        return _render_form(form, request_type)

    if took_suggested_email(form):
        return _render_form(form, request_type)
    if _finding_answers():
        found = deflection.suggest(form.summary.data, also=form.description.data,
                                   locale=reader_locale())
        deflection.record_shown(found)
        form.suggested.data = str(max(_suggested_count(form), len(found)))
        return _render_form(form, request_type, found=found, searched=True)

    if not form.validate():
        if not submissions.made_here(form.submission_token.data):
            form.submission_token.data = submissions.new_token()  # so the page can be sent
        return _render_form(form, request_type, status=400)
    if not submissions.made_here(form.submission_token.data):
        # Not a token this browser was given (copied from another form, or the session
        # ended since): filing with it could open someone else's request.
        form.submission_token.data = submissions.new_token()
        return _render_form(form, request_type, top_error=EXPIRED_FORM, status=400)
    if form.website.data:
        form.website.errors.append(_("Leave this field empty to send your request."))
        return _render_form(form, request_type, status=400, show_honeypot=True)
    hint = email_hint(form) if user is None else None
    if hint:
        return _render_form(form, request_type, email_suggestion=hint)

    env = None
    if form.include_environment.data:
        env = environment.collect(request.user_agent.string, request.form)
    uploads = [service.Upload(f.stream, f.filename) for f in request.files.getlist("attachments")
               if f and f.filename]
    try:
        ticket = service.open_request(service.NewRequest(
            request_type=request_type, email=form.email.data, name=form.name.data,
            summary=form.summary.data,
            description=form.description.data, fields=form.type_values(), environment=env,
            uploads=uploads, submission_token=form.submission_token.data,
            channel="web", user=user, suggestions_shown=_suggested_count(form),
            visitor=events.visitor(create=False), address_proven=user is not None,
            locale=str(get_locale())))  # the language of the page they filed from
    except service.AlreadyFiled as done:
        ticket = done.ticket
    except service.SenderBlocked:  # refused quietly: the usual thanks, nothing kept
        return render_template("tickets/sent_quietly.html"), 200
    except (service.TooManyFiles, storage.AttachmentRefused) as refused:
        form.attachments.errors = [str(refused)]
        return _render_form(form, request_type, status=400)
    return redirect(url_for(".sent", ref=ticket.ref), 303)


def _suggested_count(form):
    value = (form.suggested.data or "").strip()
    return min(int(value), 100) if value.isdigit() else 0


def _render_form(form, request_type, found=None, searched=False, top_error=None, status=200,
                 show_honeypot=False, email_suggestion=None):
    env = environment.collect(request.user_agent.string,
                              request.form if request.method == "POST" else form.data)
    files_dropped = request.method == "POST" and any(
        f and f.filename for f in request.files.getlist("attachments"))
    csrf_errors = getattr(form, "csrf_token", None) is not None and form.csrf_token.errors
    if csrf_errors and not top_error:
        top_error = EXPIRED_FORM
    return render_template(
        "tickets/form.html", form=form, request_type=request_type,
        found=found, searched=searched, top_error=top_error, files_dropped=files_dropped,
        environment_line=environment.describe(env), user_agent=env.get("user_agent"),
        signed_in=_signed_in_user(), email_suggestion=email_suggestion,
        limits=storage.describe_limits(), show_honeypot=show_honeypot,
        suggest_url=url_for(".suggest", type=request_type.slug, lang=reader_locale()),
        open_url=lambda s: deflection.open_url(s, request_type.slug)), status


@bp.get("/requests/<ref>/sent")
def sent(ref):
    """The confirmation page after Send (Post/Redirect/Get): only for the browser that sent it.

    It shows what was sent, never the conversation: reading that takes proof of the
    address (the mailed link, or a signed-in account that verified it).
    """
    ticket = Ticket.by_ref(ref)
    if ticket is None or not submissions.made_here(ticket.submission_token):
        abort(404)
    request_type = request_types().get(ticket.type)
    response = current_app.make_response(render_template(
        "tickets/sent.html", ticket=ticket, request_type=request_type,
        fields=service.field_rows(ticket, request_type),
        environment_line=environment.describe(ticket.environment),
        can_follow=access.owns(user(), ticket)))
    response.headers["Cache-Control"] = "private, no-store"  # what they sent: theirs only
    return response


@bp.get("/attachments/<public_id>/<path:filename>")
def attachment(public_id, filename):
    """A download for whoever may read its request; files of internal notes for agents only.

    `t` is the signed link of the request (mails list attachments with it), so a requester
    can open a file straight from the mail.
    """
    found = listing.public_attachment(public_id)
    if found is None:
        abort(404)
    token = request.args.get("t", type=str)
    if token and links.token_opens(found.ticket, token):
        grant(found.ticket)
    if not access.may_download(found, user(), grants()):
        abort(404)
    return storage.send(found, inline=request.args.get("inline") == "1")


# --- answers while typing --------------------------------------------------------------

@bp.get("/requests/suggest")
def suggest():
    """Like /api/suggest, but counted for the request funnel and linking with the marker."""
    type_slug = request.args.get("type", "", type=str)
    if type_slug not in request_types():
        return jsonify(error="unknown request type"), 400
    text = request.args.get("q", "", type=str)[:current_app.config["SEARCH_MAX_QUERY_CHARS"]]
    also = request.args.get("also", "", type=str)[:deflection.ALSO_MAX_CHARS]
    found = deflection.suggest(text, also=also, locale=for_keystroke())
    if len((text.strip() or also).strip()) >= deflection.MIN_CHARS:
        deflection.record_shown(found)
    return jsonify(query=text, results=[{
        "slug": info.slug, "title": info.title, "url": deflection.open_url(info.slug, type_slug),
        "snippet": hit.snippet, "highlights": hit.highlights,
    } for info, hit in found])


@bp.get("/requests/email-check")
def email_check():
    """The form's script asks as soon as the address is typed, so the "Did you mean" comes
    before sending (a send that comes back would lose the chosen files). Pure computation
    over one bounded address and a short list: nothing stored, nothing looked up."""
    return jsonify(suggestion=suggest_address(request.args.get("email", "", type=str)[:254]))


@bp.get("/requests/answers/<path:slug>")
def open_suggestion(slug):
    """Count the click, then show the article with the "Did this solve it?" question."""
    if not get_shelf().knows(slug):
        abort(404)
    type_slug = request.args.get("type", "", type=str)
    deflection.record_opened(slug)
    if type_slug not in request_types():
        return redirect(url_for("kb.article", path=slug), 303)
    return redirect(deflection.article_url(slug, type_slug), 303)


@bp.post("/requests/solved")
def solved():
    slug = request.form.get("slug", "", type=str)
    if get_shelf().knows(slug):
        deflection.record_solved(slug)
        session["solved_article"] = slug
    return redirect(url_for(".solved_page"), 303)


@bp.get("/requests/solved")
def solved_page():
    slug = session.get("solved_article")
    article = get_shelf().info(slug, reader_locale()) if slug else None
    return render_template("tickets/solved.html", article=article)


@bp.app_context_processor
def request_form_helpers():
    return {"request_type_names": lambda: {t.slug: t.name for t in request_types().values()}}
