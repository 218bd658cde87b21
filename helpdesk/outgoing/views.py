"""`GET /dev/outbox`: the mail the app would send, for a laptop without an SMTP server."""

from flask import Blueprint, abort, current_app, render_template

from .outbox import recent

bp = Blueprint("mail_dev", __name__)


@bp.get("/dev/outbox")
def outbox():
    # Only in debug mode: the bodies hold sign-in and request links meant for one person.
    if not current_app.debug:
        abort(404)
    return render_template("mail/outbox.html", mails=recent(50),
                           smtp=current_app.config.get("MAIL_SERVER"))
