"""Incoming mail: read a raw message, find the request it belongs to, and hand it to the
ticket services, which store it in one transaction.

Modules, one job each: `charsets`/`headers`/`addresses`/`htmltext`/`mime`/`parse` read a raw
message; `replies` strips quoted history; `device` reads the app's device details;
`loops` spots bounces and auto-replies; `authentication` says how far the sender is
proven (Authentication-Results, DKIM); `matching` finds the request a mail answers and in
whose name; `ingest` passes it to the ticket services exactly once; `kept` keeps what could
not be handled; `imap` fetches; `commands` are `helpdesk mail ingest|fetch|retry`. Reply
addresses are signed by outgoing/reply_tokens.py; the desk's pages for kept mail are in
helpdesk/agent/views/kept_mail.py.
"""
