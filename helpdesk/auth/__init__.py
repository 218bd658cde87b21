"""Accounts: sign-in by emailed link or password, registration, verification, reset.

Routes (DESIGN.md section 3): /login, /logout, /register, /reset, plus the pages emailed
links open (/login/link, /register/verify, /reset/confirm, /account/email/confirm) and
/account.
"""

from flask import redirect, request, url_for

from ..extensions import login_manager


def init_app(app):
    from .views import bp
    app.register_blueprint(bp)

    @login_manager.unauthorized_handler
    def sign_in_first():
        # A local path, never request.url: `next` must stay on this site.
        target = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("auth.login", next=target), 303)
