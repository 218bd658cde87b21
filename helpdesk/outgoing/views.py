"""`GET /dev/outbox`: the mail the app would send, for a laptop without an SMTP server.

Each mail's HTML part is shown in a sandboxed frame loaded from `/dev/outbox/<id>.html`:
no scripts, an origin of its own, its inline styles allowed (mail has no style sheets),
and links that open in a new tab (a frame may not show our pages: frame-ancestors).
"""

from flask import Blueprint, abort, current_app, make_response, render_template

from ..extensions import db
from ..models import Outbox
from .outbox import recent

bp = Blueprint("mail_dev", __name__)

# The frame's own policy: nothing but the mail's inline styles and data: images, and the
# same sandbox the <iframe> asks for, in case the address is opened on its own.
FRAME_POLICY = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                "base-uri 'none'; form-action 'none'; frame-ancestors 'self'; "
                "sandbox allow-popups allow-popups-to-escape-sandbox")
NEW_TAB = '<base target="_blank">'


def _debug_only():
    # Only in debug mode: the bodies hold sign-in and request links meant for one person.
    if not current_app.debug:
        abort(404)


@bp.get("/dev/outbox")
def outbox():
    _debug_only()
    return render_template("mail/outbox.html", mails=recent(50),
                           smtp=current_app.config.get("MAIL_SERVER"))


@bp.get("/dev/outbox/<int:mail_id>.html")
def mail_html(mail_id):
    _debug_only()
    mail = db.session.get(Outbox, mail_id)
    if mail is None or not mail.body_html:
        abort(404)
    html = mail.body_html
    head = html.find("<head>")
    html = html[:head + 6] + NEW_TAB + html[head + 6:] if head >= 0 else NEW_TAB + html
    response = make_response(html)
    response.headers["Content-Security-Policy"] = FRAME_POLICY
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Cache-Control"] = "no-store"
    return response
