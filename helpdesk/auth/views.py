"""Account pages: sign in (emailed link or password), register, reset, the account page.

Views parse and render; `service` decides and commits; `sessions` signs this browser in
and out. Every POST carries a CSRF token (the app-wide CSRFProtect), and no GET changes
anything: an emailed link opens a page whose button does the work, so a mail scanner that
fetches the link does not use it up.
"""

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from ..emails import normalize_email
from ..extensions import limiter, login_manager
from ..forms import email_hint, took_suggested_email
from . import api_tokens, devices, forms, passwords, service, sessions

bp = Blueprint("auth", __name__)

LINK_SENT_TO = "link_sent_to"


# --- rate limits: per client address and per email address typed -------------------------

def _ip_limit():
    return current_app.config["AUTH_RATE_LIMIT_IP"]


def _email_limit():
    return current_app.config["AUTH_RATE_LIMIT_EMAIL"]


def _typed_email():
    value = request.form.get("email", "", type=str)
    return normalize_email(value)[:254]


def _email_key():
    return f"auth-email:{request.endpoint}:{_typed_email()}"


def _no_email():
    return not _typed_email()


def _password_given():
    """A password typed on the sign-in form (registration's password sends mail)."""
    return request.endpoint == "auth.login" and bool(request.form.get("password", "", type=str))


def _mail_sent(response):
    return response.status_code == 303


def _limited(view):
    """Limits on what sends mail (links, registration, reset): per client address, and per
    email typed from any address, counting mail sent. A password typed on the sign-in form
    is counted by throttle.py instead, failures only."""
    view = limiter.limit(_email_limit, key_func=_email_key, methods=["POST"],
                         exempt_when=lambda: _no_email() or _password_given(),
                         deduct_when=_mail_sent, on_breach=_form_again)(view)
    return limiter.limit(_ip_limit, methods=["POST"], exempt_when=_password_given,
                         on_breach=_form_again)(view)


def _form_again(limit):
    """Past a limit on what sends mail: the form again with the email typed, and why."""
    message = _("Too many attempts in a short time. Please wait a few minutes and try again;"
                " any link we already sent still works.")
    pages = {"auth.login": ("auth/login.html", forms.SignInForm),
             "auth.register": ("auth/register.html", forms.RegisterForm),
             "auth.reset": ("auth/reset.html", forms.ResetRequestForm)}
    template, form_class = pages[request.endpoint]
    form = form_class()
    if hasattr(form, "password"):
        form.password.data = ""
    return current_app.make_response((render_template(
        template, form=form, top_error=message,
        next=sessions.safe_next(request.values.get("next"), default="")), 429))


def _no_referrer(response):
    """Pages opened from a token link must not pass the token to other sites in a Referer.

    "same-origin", not "no-referrer": the page's own form needs its Referer, which CSRF
    protection checks on https.
    """
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "no-store"
    return response


def _link_invalid(problem, again):
    """A link that is expired, used or altered: why, and the page `again` to ask anew."""
    return _no_referrer(current_app.make_response((render_template(
        "auth/link_invalid.html", problem=problem, again=url_for(again)), 400)))


def _signed_in(outcome, method):
    if not sessions.start(outcome.user, remember=outcome.remember, method=method):
        flash(str(service.INACTIVE), "error")
        return redirect(url_for(".login"), 303)
    if outcome.notice:
        flash(outcome.notice)
    return None


# --- sign in --------------------------------------------------------------------------------

@bp.route("/login", methods=["GET", "POST"])
@_limited
def login():
    form = forms.SignInForm()
    next_path = sessions.safe_next(request.values.get("next", type=str), default="")
    if request.method == "GET":
        form.email.data = request.args.get("email", "", type=str)[:254]
        return render_template("auth/login.html", form=form, next=next_path)
    if took_suggested_email(form):
        form.password.data = ""
        return render_template("auth/login.html", form=form, next=next_path)
    if not form.validate():
        form.password.data = ""
        return render_template("auth/login.html", form=form, next=next_path), 400
    # A link mailed to a mistyped address never arrives: ask first. (A password that
    # matches proves the address; one that does not gets the usual answer.)
    hint = None if form.password.data else email_hint(form)
    if hint:
        return render_template("auth/login.html", form=form, next=next_path,
                               email_suggestion=hint)
    if form.password.data:
        return _password_sign_in(form, next_path)
    service.send_sign_in_link(form.email.data, next_path, form.remember.data)
    return _sent(form.email.data, ".link_sent")


def _password_sign_in(form, next_path):
    email = normalize_email(form.email.data)
    outcome = service.password_sign_in(email, form.password.data, request.remote_addr or "-",
                                       devices.known_for(email))
    form.password.data = ""
    if outcome.wait:
        minutes = max(round(outcome.wait / 60), 1)
        return render_template(
            "auth/login.html", form=form, next=next_path,
            top_error=ngettext(
                "Too many wrong passwords for this account from here. Try again in about"
                " %(num)d minute, or leave the password empty to get a sign-in link by email"
                " (it always works).",
                "Too many wrong passwords for this account from here. Try again in about"
                " %(num)d minutes, or leave the password empty to get a sign-in link by email"
                " (it always works).", minutes)), 429
    if outcome.user is None:
        return render_template(
            "auth/login.html", form=form, next=next_path,
            top_error=_("That email address and password do not match an account. Check"
                        " them, or leave the password empty to get a sign-in link by email.")
        ), 400
    sessions.start(outcome.user, remember=form.remember.data, method="password")
    return devices.remember(redirect(sessions.landing(outcome.user, next_path), 303),
                            outcome.user.email)


def _sent(email, endpoint):
    """To the "check your inbox" page of `endpoint`, which names the address."""
    session[LINK_SENT_TO] = normalize_email(email)
    return redirect(url_for(endpoint), 303)


@bp.get("/login/sent")
def link_sent():
    return render_template("auth/link_sent.html", email=session.get(LINK_SENT_TO))


@bp.get("/login/link")
def confirm_link():
    """The page an emailed sign-in link opens: one button that signs in (a POST)."""
    token = request.args.get("token", "", type=str)
    data = service.peek_sign_in_link(token)
    if data is None:
        return _link_invalid(service.EXPIRED, ".login")
    form = forms.LinkForm(token=token, remember=bool(data.get("r")))
    return _no_referrer(current_app.make_response(render_template(
        "auth/confirm_link.html", form=form, email=data["e"])))


@bp.post("/login/link")
@limiter.limit(_ip_limit)
def use_link():
    form = forms.LinkForm()
    if not form.validate():
        return _link_invalid(service.EXPIRED, ".login")
    outcome = service.use_sign_in_link(form.token.data)
    if outcome.problem:
        return _link_invalid(outcome.problem, ".login")
    outcome.remember = bool(form.remember.data)
    refused = _signed_in(outcome, "link")
    if refused:
        return refused
    flash(_("You are signed in as %(address)s.", address=outcome.user.email), "success")
    return devices.remember(redirect(sessions.landing(outcome.user, outcome.next), 303),
                            outcome.user.email)


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    """GET asks (a link or prefetch must not sign anyone out); the POST signs out."""
    if request.method == "GET":
        return render_template("auth/logout.html")
    sessions.end()
    flash(_("You are signed out."), "success")
    return redirect(url_for("kb.home"), 303)


# --- register and verify --------------------------------------------------------------------

@bp.route("/register", methods=["GET", "POST"])
@_limited
def register():
    form = forms.RegisterForm()
    if request.method == "POST":
        if took_suggested_email(form):
            form.password.data = form.confirm.data = ""
            return render_template("auth/register.html", form=form)
        valid = form.validate()
        hint = valid and email_hint(form)
        if valid and not hint:
            service.register(form.email.data, form.password.data)
            return _sent(form.email.data, ".register_sent")
        form.password.data = form.confirm.data = ""
        if hint:
            return render_template("auth/register.html", form=form, email_suggestion=hint)
        return render_template("auth/register.html", form=form), 400
    return render_template("auth/register.html", form=form)


@bp.get("/register/sent")
def register_sent():
    return render_template("auth/register_sent.html", email=session.get(LINK_SENT_TO))


@bp.route("/register/verify", methods=["GET", "POST"])
@limiter.limit(_ip_limit, methods=["POST"])
def verify():
    form = forms.ConfirmForm()
    if request.method == "GET":
        token = request.args.get("token", "", type=str)
        user = service.peek_verification(token)
        if user is None:
            return _link_invalid(service.EXPIRED, ".register")
        form.token.data = token
        return _no_referrer(current_app.make_response(render_template(
            "auth/confirm_verify.html", form=form, email=user.email)))
    outcome = service.verify_registration(form.token.data if form.validate() else None)
    if outcome.problem:
        return _link_invalid(outcome.problem, ".register")
    refused = _signed_in(outcome, "password")
    if refused:
        return refused
    flash(_("Your email address is confirmed. Welcome!"), "success")
    return redirect(url_for("tickets.my_requests"), 303)


# --- reset ------------------------------------------------------------------------------------

@bp.route("/reset", methods=["GET", "POST"])
@_limited
def reset():
    form = forms.ResetRequestForm()
    if request.method == "POST":
        if form.validate():
            service.request_reset(form.email.data)
            return _sent(form.email.data, ".reset_sent")
        return render_template("auth/reset.html", form=form), 400
    form.email.data = request.args.get("email", "", type=str)[:254]
    return render_template("auth/reset.html", form=form)


@bp.get("/reset/sent")
def reset_sent():
    return render_template("auth/reset_sent.html", email=session.get(LINK_SENT_TO))


@bp.route("/reset/confirm", methods=["GET", "POST"])
@limiter.limit(_ip_limit, methods=["POST"])
def reset_confirm():
    form = forms.ResetForm()
    token = (request.args if request.method == "GET" else request.form).get("token", "", type=str)
    data = service.peek_reset(token)
    if data is None:
        return _link_invalid(service.EXPIRED, ".reset")
    if request.method == "GET" or not form.validate():
        form.token.data = token
        form.password.data = form.confirm.data = ""
        status = 200 if request.method == "GET" else 400
        return _no_referrer(current_app.make_response((render_template(
            "auth/reset_confirm.html", form=form, email=data["e"]), status)))
    outcome = service.reset_password(token, form.password.data)
    if outcome.problem:
        return _link_invalid(outcome.problem, ".reset")
    refused = _signed_in(outcome, "password")
    if refused:
        return refused
    flash(_("Your new password is set. Any other device signed in to your account was signed"
            " out."), "success")
    return redirect(sessions.landing(outcome.user), 303)


# --- the account page -------------------------------------------------------------------------

def account_page(email_form=None, status=200, top_error=None, name_form=None, token_form=None,
                 new_token=None, token_error=None):
    if name_form is None:
        name_form = forms.NameForm(formdata=None, display_name=current_user.display_name)
    return render_template(
        "auth/account.html", email_form=email_form or forms.ChangeEmailForm(),
        name_form=name_form, top_error=top_error,
        needs_password=bool(current_user.password_hash),
        recent=sessions.recently_signed_in(),
        tokens=api_tokens.listing(current_user._get_current_object()),
        token_form=token_form or forms.ApiTokenForm(formdata=None), new_token=new_token,
        token_error=token_error), status


@bp.get("/account")
@login_required
def account():
    return account_page()


@bp.post("/account/name")
@login_required
def change_name():
    form = forms.NameForm()
    if not form.validate():
        return account_page(status=400, name_form=form)
    name = service.set_display_name(current_user._get_current_object(), form.display_name.data)
    flash(_("We call you %(name)s from now on.", name=name) if name else
          _("Your name is removed: we call you %(address)s.", address=current_user.email),
          "success")
    return redirect(url_for(".account"), 303)


@bp.post("/account/email")
@login_required
@limiter.limit(_ip_limit)
def change_email():
    """A new address, after re-authentication: the current password, or a fresh sign-in."""
    form = forms.ChangeEmailForm()
    if not form.validate():
        return account_page(form, 400)
    user = current_user._get_current_object()
    if user.password_hash:
        proven = passwords.verify(user.password_hash, form.password.data or "")
        problem = _("Enter your current password to change your address.")
    else:
        proven = sessions.recently_signed_in()
        problem = _("For your security, sign in again with an emailed link (the button"
                    " below), then change your address within a few minutes.")
    if not proven:
        form.password.data = ""
        form.password.errors = [problem] if user.password_hash else []
        return account_page(form, 400, top_error=problem)
    if normalize_email(form.new_email.data) == user.email:
        form.new_email.errors = [_("This is already your address.")]
        return account_page(form, 400)
    service.request_email_change(user, form.new_email.data)
    flash(_("We sent a link to %(address)s. Your address changes when you open it; until"
            " then nothing changes.", address=normalize_email(form.new_email.data)), "success")
    return redirect(url_for(".account"), 303)


@bp.route("/account/email/confirm", methods=["GET", "POST"])
@limiter.limit(_ip_limit, methods=["POST"])
def confirm_email():
    form = forms.ConfirmForm()
    if request.method == "GET":
        token = request.args.get("token", "", type=str)
        found = service.peek_email_change(token)
        if found is None:
            return _link_invalid(service.EXPIRED, ".account")
        form.token.data = token
        user, new_email = found
        return _no_referrer(current_app.make_response(render_template(
            "auth/confirm_email.html", form=form, old=user.email, new=new_email)))
    outcome = service.confirm_email_change(form.token.data if form.validate() else None)
    if outcome.problem:
        return _link_invalid(outcome.problem, ".account")
    refused = _signed_in(outcome, "link")
    if refused:
        return refused
    flash(_("Your email address is now %(address)s.", address=outcome.user.email), "success")
    return redirect(url_for(".account"), 303)


@bp.post("/account/verify")
@login_required
@limiter.limit(_ip_limit)
def resend_verification():
    service.resend_verification(current_user._get_current_object())
    flash(_("We sent a new confirmation link to %(address)s.", address=current_user.email),
          "success")
    return redirect(url_for(".account"), 303)


@bp.post("/account/sessions/end")
@login_required
def end_all_sessions():
    service.end_all_sessions(current_user._get_current_object())
    sessions.end()
    flash(_("You are signed out on every device, including this one."), "success")
    return redirect(url_for("kb.home"), 303)


def init_app(app):
    app.register_blueprint(bp)

    @login_manager.unauthorized_handler
    def sign_in_first():
        # A local path, never request.url: `next` must stay on this site.
        target = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("auth.login", next=target), 303)
