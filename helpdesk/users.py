"""Accounts as Flask-Login sees them: loading the signed-in user from the session.

The id stored in the session is "<user id>:<session version>"
(models.User.get_id). A user whose version moved on (password reset, "sign out everywhere",
a changed address) no longer loads from older sessions: they are signed out everywhere.
"""

from .extensions import db, login_manager
from .models import User


def init_app(app):
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to see this page."
    login_manager.login_message_category = "info"


def parse_id(value):
    """(user id, session version) from a stored id; a bare id is version 0."""
    text = str(value or "")
    number, _, version = text.partition(":")
    if (not number.isdigit() or len(number) > 10
            or (version and (not version.isdigit() or len(version) > 10))):
        return None, None
    if int(number) >= 2 ** 31:  # not an id (and too large for a query on PostgreSQL)
        return None, None
    return int(number), int(version or 0)


@login_manager.user_loader
def load_user(stored_id):
    user_id, version = parse_id(stored_id)
    if user_id is None:
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.is_active or (user.session_version or 0) != version:
        return None
    return user
