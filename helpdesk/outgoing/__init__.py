"""Outgoing mail: the outbox every service queues into, the notices it holds, the
background sender and the SMTP transport, the signed reply addresses that let answers find
their request, the addresses our mail bounces from. `views` is the debug-mode outbox page."""

from . import failing, sender


def init_app(app):
    sender.init_app(app)

    @app.context_processor
    def mail_failing():
        # For pages that show a requester's address: has our mail to it bounced?
        return {"mail_failing": failing.status}
