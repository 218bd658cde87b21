"""Incoming mail: parse, classify, thread and ingest (issue 7).

Modules, one job each: `charsets`/`headers`/`addresses`/`htmltext`/`mime`/`parse` read a raw
message; `replies` strips quoted history; `device` reads the app's device details;
`loops` spots bounces and auto-replies; `tokens` signs reply addresses and Message-IDs;
`authentication` says how far the sender is proven (Authentication-Results, DKIM);
`matching` finds the request a mail answers and in whose name; `ingest` puts it all
through the ticket service exactly once; `kept` keeps what could not be handled; `imap`
fetches. The desk's pages for kept mail are in helpdesk/agent/views/kept_mail.py.
"""


def init_app(app):
    from .failing import status

    @app.context_processor
    def mail_failing():
        # For pages that show a requester's address: has our mail to it bounced?
        return {"mail_failing": status}
