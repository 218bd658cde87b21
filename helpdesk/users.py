"""Accounts as Flask-Login sees them (sign-in pages arrive with issue 5)."""

from .extensions import db, login_manager
from .models import User


def init_app(app):
    login_manager.init_app(app)


@login_manager.user_loader
def load_user(user_id):
    if not str(user_id).isdigit():
        return None
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.is_active else None
