"""The language switch on every page (see helpdesk/locales.py for how a page's language
is chosen).

A visitor who is not signed in follows a link, `GET /language/<code>?next=<path>`: the
choice goes in the `lang` cookie and they go back where they were. The link changes
nothing stored on the server and makes no session, as anonymous pages never do. A
signed-in person posts a small form (CSRF-protected) that also saves the choice to their
account, so their mail follows it.
"""

from flask import Blueprint, abort, redirect, request, url_for
from flask_babel import get_locale
from flask_login import current_user, login_required

from . import locales
from .auth import service
from .auth.sessions import safe_next

bp = Blueprint("language", __name__)

HOME = "/"


def _remember(response, code):
    response.set_cookie(locales.COOKIE, code, max_age=locales.COOKIE_MAX_AGE, path="/",
                        secure=request.is_secure, httponly=True, samesite="Lax")
    return response


def _offered_or_404(code):
    # Only exact codes of the switch's own links: "FR" or "fr-CA" are not links we make.
    if code not in locales.offered():
        abort(404)
    return code


@bp.get("/language/<code>")
def switch(code):
    code = _offered_or_404(code)
    return _remember(redirect(safe_next(request.args.get("next"), HOME), 303), code)


@bp.post("/language")
@login_required
def save():
    """Save the choice to the account; an empty one forgets it (the browser's then)."""
    code = request.form.get("locale", "")
    response = redirect(safe_next(request.form.get("next"), HOME), 303)
    if not code:
        service.set_locale(current_user._get_current_object(), None)
        response.delete_cookie(locales.COOKIE, path="/")
        return response
    service.set_locale(current_user._get_current_object(), _offered_or_404(code))
    return _remember(response, code)


def here():
    """This page's own path (with its query), for the switch to come back to."""
    path = request.full_path
    return path[:-1] if path.endswith("?") else path


def switch_links():
    """[(code, its own name, BCP 47 tag, current?)] for every offered language."""
    current = str(get_locale())
    return [(code, locales.own_name(code), code.replace("_", "-"), code == current)
            for code in locales.offered()]


def init_app(app):
    app.register_blueprint(bp)

    @app.context_processor
    def language_helpers():
        return {"language_links": switch_links, "language_here": here,
                "language_name": lambda code: locales.own_name(
                    locales.pick(code) or locales.default()),
                "language_url": lambda code: url_for("language.switch", code=code,
                                                     next=here())}
