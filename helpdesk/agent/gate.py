"""The agent desk's gate, and agents' sessions ending after a quiet spell.

Every /agent/ route is checked here, server-side, by the blueprint's before_request (so a
route cannot be added without it): signed-out people are sent to sign in, anyone signed in
who is not staff (helpdesk.access: an active agent or admin with a proven address) gets
404 (the desk does not exist for them), and admin pages answer 403 to agents.

An agent's session ends after AGENT_IDLE_TIMEOUT seconds without a request. The time of
the last request is kept in the session and checked on every request the agent makes,
anywhere on the site, so "keep me signed in" never outlives the idle limit of someone who
can read every request.
"""

import time
from functools import wraps

from flask import abort, current_app, flash, request, session
from flask_babel import ngettext
from flask_login import current_user

from .. import access
from ..auth import sessions
from ..extensions import csrf, login_manager

SEEN = "agent_seen"  # epoch seconds of this agent session's latest request
TOUCH_EVERY = 30  # seconds: the cookie is rewritten at most this often, not on every request


def current_agent():
    """The signed-in staff member, or None."""
    if access.is_staff(current_user):
        return current_user._get_current_object()
    return None


def require_agent():
    """Before every /agent/ request: sign in first; not an agent: 404."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()  # changes nothing, token or not
    if current_agent() is None:
        if request.method == "POST":
            # The reply form checks its own token (to keep an agent's draft when it
            # expired); anyone else's POST without a valid token is refused first, as
            # everywhere.
            csrf.protect()
        abort(404)
    return None


def admin_only(view):
    """For admin pages: agents learn the page is not theirs (403); others never see it."""
    @wraps(view)
    def checked(*args, **kwargs):
        if not access.is_admin(current_agent()):
            abort(403)
        return view(*args, **kwargs)
    return checked


def idle_timeout():
    return int(current_app.config["AGENT_IDLE_TIMEOUT"])


# Answers that show nothing private (files, suggestions as people type): no account is
# loaded for them, so the idle check adds no query to every keystroke.
PUBLIC_ENDPOINTS = {"static", "kb.suggest", "tickets.suggest", "health.healthz"}


def end_idle_agent_session():
    """Sign an agent out when their last request is older than the idle limit."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    if not access.is_staff(current_user):
        return
    now = int(time.time())
    last = session.get(SEEN, session.get(sessions.AUTH_AT))
    if not isinstance(last, int) or now - last > idle_timeout():
        sessions.end()
        minutes = max(idle_timeout() // 60, 1)
        flash(ngettext("You were signed out after %(num)d minute without activity. Please "
                       "sign in again.",
                       "You were signed out after %(num)d minutes without activity. Please "
                       "sign in again.", minutes), "info")
        return
    if now - last >= TOUCH_EVERY or SEEN not in session:
        session[SEEN] = now


def init_app(app):
    app.before_request(end_idle_agent_session)
