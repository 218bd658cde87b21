"""Extension objects, created unbound and bound to an app in `create_app`."""

import logging
from functools import cached_property

import flask_babel
import flask_limiter
import flask_login
from flask import current_app
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData

from . import redisconf

log = logging.getLogger(__name__)

# Named constraints keep Alembic migrations portable between SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING))
migrate = Migrate(render_as_batch=True)
csrf = CSRFProtect()


class AppDomain(flask_babel.Domain):
    """Flask-Babel's message domain with its catalogs cached per app.

    Its own cache is one dict for the whole process, so a second app (with other
    translation folders: a site's instance/translations) would be answered from the
    first one's catalogs.
    """

    def get_translations_cache(self, ctx):
        return current_app.extensions.setdefault("helpdesk.translations", {})


class Babel(flask_babel.Babel):
    @cached_property
    def domain_instance(self):
        return AppDomain(domain=self.domain)


babel = Babel()


class LoginManager(flask_login.LoginManager):
    """Flask-Login without its remember-me cookie.

    That cookie holds the same signed user id at every sign-in, so a copy of it would
    outlive signing out. "Keep me signed in" is a long-lived server-side session instead
    (helpdesk/auth/sessions.py), and a remember cookie a browser still carries is ignored.
    """

    def _load_user_from_remember_cookie(self, cookie):
        return None

    def _update_remember_cookie(self, response):
        # Nothing to update; and reading the session here would load it on every request
        # (suggestions, static files) for nothing.
        return response


class Limiter(flask_limiter.Limiter):
    """Flask-Limiter that reads RATELIMIT_SWALLOW_ERRORS from every app it is bound to, and
    never fails a response over a count made after it.

    Its own init_app keeps the first app's choice for good; the choice follows
    REDIS_FAILURE (helpdesk/redisconf.py), which each app sets.
    """

    def init_app(self, app):
        self._swallow_errors = None
        super().init_app(app)

    def _Limiter__check_conditional_deductions(self, response):
        # Limits counted only after the view (`deduct_when`: mail actually sent) run once
        # its work is committed; a storage that fails then costs one count, never the
        # answer: a 500 there would tell someone a saved request was not saved.
        try:
            super()._Limiter__check_conditional_deductions(response)
        except redisconf.ERRORS:
            log.warning("a limit went uncounted after the response: its storage is"
                        " unreachable", exc_info=True)


login_manager = LoginManager()
# Keyed by the client's address; RATELIMIT_ENABLED and RATELIMIT_STORAGE_URI come from config.
limiter = Limiter(key_func=get_remote_address)
