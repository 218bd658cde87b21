"""The browser asking, as the request pages see it: its account and the requests its
session was granted by a mailed link."""

import time

from flask import session
from flask_login import current_user

from ..auth.session_store import GRANT_PREFIX

GRANTS_KEPT = 20


def user():
    """The signed-in account, or None."""
    return current_user._get_current_object() if current_user.is_authenticated else None


def grants():
    """Ids of the requests this browser opened through their signed links."""
    return {int(key[len(GRANT_PREFIX):]) for key in session
            if key.startswith(GRANT_PREFIX) and key[len(GRANT_PREFIX):].isdigit()}


def grant(ticket):
    """The signed link of `ticket` was opened here: it may act on it as the requester."""
    held = sorted((session[f"{GRANT_PREFIX}{i}"], i) for i in grants() if i != ticket.id)
    for _opened, ticket_id in held[:max(len(held) - GRANTS_KEPT + 1, 0)]:
        del session[f"{GRANT_PREFIX}{ticket_id}"]
    session[f"{GRANT_PREFIX}{ticket.id}"] = int(time.time())

