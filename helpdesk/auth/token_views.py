"""The account page's API tokens: make one (its secret shown this once), revoke one."""

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..extensions import limiter
from . import api_tokens, forms
from .views import account_page, bp


@bp.post("/account/tokens")
@login_required
@limiter.limit("10 per minute")
def new_token():
    form = forms.ApiTokenForm()
    if not form.validate():
        return account_page(token_form=form, status=400)
    try:
        token, secret = api_tokens.issue(current_user._get_current_object(), form.name.data,
                                         form.scope.data, form.access.data)
    except api_tokens.TokenRefused as refused:
        return account_page(token_form=form, status=400, token_error=str(refused))
    # Shown on this answer only (no redirect): it is not stored anywhere it could be read.
    page, status = account_page(new_token=(token, secret))
    return page, status, {"Cache-Control": "no-store"}


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id):
    if api_tokens.revoke(current_user._get_current_object(), token_id):
        flash(_("The token is revoked: calls with it are refused from now on."), "success")
    return redirect(url_for(".account", _anchor="tokens"), 303)
