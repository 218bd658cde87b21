"""Outgoing mail: the outbox every service queues into, the notices it holds, the
background sender and the SMTP transport, the signed reply addresses that let answers find
their request, the addresses our mail bounces from. `views` is the debug-mode outbox page."""

from markupsafe import Markup

from ..markup import plain_text, render_user_text
from . import failing, sender


def init_app(app):
    sender.init_app(app)
    # An agent's Markdown in mail: rendered (and sanitised) in the HTML part, readable
    # text ("title (url)" for links) in the plain part.
    app.jinja_env.filters["markdown_html"] = lambda text: Markup(render_user_text(text))
    app.jinja_env.filters["markdown_text"] = plain_text

    @app.context_processor
    def mail_failing():
        # For pages that show a requester's address: has our mail to it bounced?
        return {"mail_failing": failing.status}
