"""Sessions kept on the server; the browser's cookie holds only a random key.

Why not a signed cookie: a copy of one works until it expires, whatever the person does,
so signing out could not end it. Here signing out deletes the row, and every copy of the
cookie opens nothing from then on.

Why key by key: a browser often has several requests in flight (live suggestions while a
form is sent). Each request records which keys it set or removed, and saving applies only
those to the stored session in one statement, so a response never puts back what another
request of the same browser has just stored or removed (a whole-session write would).

The session is loaded on first use, so answers that never look at it (suggestions,
static files) cost no query. The row's id is the SHA-256 of the cookie's key.
"""

import hashlib
import json
import logging
import re
import secrets
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, has_app_context, request
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SessionInterface, SessionMixin
from sqlalchemy import delete, insert, select, text
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..models import WebSession, utcnow

log = logging.getLogger(__name__)

_KEY = re.compile(r"[A-Za-z0-9_-]{43}")
REMEMBER = "_remember_me"  # stored: this session was started with "keep me signed in"
USER_KEY = "_user_id"  # Flask-Login's key: "<user id>:<session version>"
GRANT_PREFIX = "grant:"  # "grant:<request id>": a request's mailed link was opened here
_tags = TaggedJSONSerializer()
UNCHANGED = object()  # for a patch that leaves the session's user as it is


def digest(key):
    return hashlib.sha256(key.encode("ascii")).hexdigest()


def user_id_of(stored):
    number = str(stored or "").partition(":")[0]
    return int(number) if number.isdigit() and len(number) < 10 else None


class ServerSession(SessionMixin):
    """A dict-like session that remembers which keys this request changed."""

    def __init__(self, store, key=None, app=None):
        self._store, self._app = store, app
        self.key = key
        self._data = None
        self.changed = {}
        self.removed = set()
        self.dropped = []  # keys of sessions to delete (signed out, rotated at sign-in)
        self.expires_at = None
        self.fresh = key is None  # no row yet: the first save inserts one
        self.keep = False  # save even when empty: binding() promised a stable id
        self.unavailable = False  # the store could not be read: never write this one
        self.accessed = False
        self.modified = False

    # --- loading -------------------------------------------------------------------------

    @property
    def data(self):
        self.accessed = True
        if self._data is None:
            found = None
            if self.key:
                found = self._load()
            if found is None or found.expires_at <= utcnow():
                self.key, self.fresh, self._data = None, True, {}
            else:
                self._data = {k: _tags.loads(v) for k, v in found.data.items()}
                self.expires_at = found.expires_at
        return self._data

    @property
    def loaded(self):
        """Read already (Flask's `accessed` flag is set by merely reaching the object)."""
        return self._data is not None

    def _load(self):
        try:
            # A test's session_transaction reads it outside any request.
            with nullcontext() if has_app_context() else self._app.app_context():
                return self._store.load(digest(self.key))
        except Exception:
            # The store is down: this request fails with the store's "try again" page
            # (web.py: the database's, or Redis's "Service busy"), and that page sees an
            # empty session that is never saved, so nothing stored is overwritten.
            self._data, self.unavailable = {}, True
            raise

    # --- the mapping -----------------------------------------------------------------------

    def __getitem__(self, name):
        return self.data[name]

    def __setitem__(self, name, value):
        self.data[name] = value
        self.changed[name] = value
        self.removed.discard(name)
        self.modified = True

    def __delitem__(self, name):
        del self.data[name]
        self.changed.pop(name, None)
        self.removed.add(name)
        self.modified = True

    def __iter__(self):
        return iter(self.data)

    def __len__(self):
        return len(self.data)

    def __contains__(self, name):
        return name in self.data

    # --- lifecycle ---------------------------------------------------------------------------

    def regenerate(self):
        """Forget this session (its row goes at save) and start an empty one."""
        self.data  # noqa: B018  (load first, so the old key is known)
        if self.key and not self.fresh:
            self.dropped.append(self.key)
        self.key, self.fresh = None, True
        self._data, self.changed, self.removed = {}, {}, set()
        self.expires_at = None
        self.modified = True

    def binding(self):
        """A stable, private id of this browser's session (created when there is none)."""
        self.data  # noqa: B018
        if self.key is None:
            self.key = secrets.token_urlsafe(32)
        self.keep = self.modified = True
        return digest(self.key)


class ServerSessionInterface(SessionInterface):
    """Flask's session hooks over a store: DatabaseStore here, or redis_store.RedisStore."""

    def __init__(self, store, unsaved=None):
        self.store = store
        # unsaved(response, error): turns the answer into a "try again" page when a new
        # session it relies on could not be stored (web.py gives it).
        self.unsaved = unsaved

    def open_session(self, app, request):
        key = request.cookies.get(self.get_cookie_name(app))
        return ServerSession(self.store, key if key and _KEY.fullmatch(key) else None, app)

    def get_cookie_secure(self, app):
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)

    def save_session(self, app, session, response):
        try:
            self._save(app, session, response)
        except self.store.errors as error:
            log.warning("could not save the session", exc_info=True)
            if session.fresh and session._data and self.unsaved is not None:
                # A new session is what this page stands on (a form's token, a sign-in
                # just made): without it the next step would fail, so say so now.
                self.unsaved(response, error)
            # Otherwise the page is answered anyway; the change of session is what is lost.

    def _save(self, app, session, response):
        for old in session.dropped:
            self.store.delete(digest(old))
        if session._data is None or session.unavailable:  # unread, or unreadable
            return
        now = utcnow()
        lifetime = self._lifetime(app, session)
        if session.fresh:
            if not session.data and not session.keep:
                if session.dropped:
                    self._clear_cookie(app, response)
                return
            session.key = session.key or secrets.token_urlsafe(32)
            session.expires_at = now + lifetime
            self.store.create(digest(session.key), _tagged(session.data), session.expires_at,
                              user_id_of(session.data.get(USER_KEY)))
            self._set_cookie(app, session, response)
            return
        extend = session.expires_at - now < lifetime - self._refresh(app)
        if not (session.changed or session.removed or extend):
            return
        expires = now + lifetime if extend else None
        user = UNCHANGED
        if USER_KEY in session.changed:
            user = user_id_of(session.changed[USER_KEY])
        elif USER_KEY in session.removed:
            user = None
        self.store.patch(digest(session.key), _tagged(session.changed), sorted(session.removed),
                         expires, user)
        if extend and session.data.get(REMEMBER):
            session.expires_at = expires
            self._set_cookie(app, session, response)

    @staticmethod
    def _lifetime(app, session):
        key = "REMEMBER_COOKIE_DURATION" if session.data.get(REMEMBER) else "SESSION_LIFETIME"
        return timedelta(seconds=int(app.config[key]))

    @staticmethod
    def _refresh(app):
        return timedelta(seconds=int(app.config["SESSION_REFRESH_EVERY"]))

    def _set_cookie(self, app, session, response):
        remembered = bool(session.data.get(REMEMBER))
        response.set_cookie(
            self.get_cookie_name(app), session.key,
            expires=session.expires_at if remembered else None,
            httponly=self.get_cookie_httponly(app), secure=self.get_cookie_secure(app),
            samesite=self.get_cookie_samesite(app), path=self.get_cookie_path(app),
            domain=self.get_cookie_domain(app))
        response.vary.add("Cookie")

    def _clear_cookie(self, app, response):
        response.delete_cookie(
            self.get_cookie_name(app), path=self.get_cookie_path(app),
            domain=self.get_cookie_domain(app), secure=self.get_cookie_secure(app),
            httponly=self.get_cookie_httponly(app), samesite=self.get_cookie_samesite(app))
        response.vary.add("Cookie")


def is_personal(session):
    """True when pages of this session may show someone's own data: a signed-in person,
    or a browser holding a request's link. Never loads an unread session."""
    return bool(getattr(session, "loaded", False)) and any(
        name == USER_KEY or name.startswith(GRANT_PREFIX) for name in session)


def end_all(user_id):
    """End every session of the user `user_id` (sign out everywhere, deactivation)."""
    current_app.session_interface.store.delete_for_user(user_id)


def _tagged(values):
    """Each value as Flask's tagged JSON text (tuples, bytes, Markup and dates survive)."""
    return {name: _tags.dumps(value) for name, value in values.items()}


# --- the database store ------------------------------------------------------------------

KEY_NAME = re.compile(r"[A-Za-z0-9_:.-]{1,64}")


def check_names(names):
    """Session keys are plain names (a store may keep fields of its own beside them)."""
    for name in names:
        if not KEY_NAME.fullmatch(name):
            raise ValueError(f"unusable session key {name!r}")


@dataclass
class Stored:
    data: dict
    expires_at: datetime


class DatabaseStore:
    """Sessions as `web_session` rows.

    Writes after a response go through the request's database session: whatever a view
    left uncommitted is rolled back first (services commit their own work), then the
    session change is committed on its own. Ending a user's sessions, by contrast, joins
    the caller's transaction, like any other change a service makes.
    """

    errors = (SQLAlchemyError,)  # what a store that cannot be reached raises

    def load(self, sid):
        row = db.session.execute(select(WebSession.data, WebSession.expires_at)
                                 .where(WebSession.id == sid)).first()
        return Stored(dict(row.data or {}), row.expires_at) if row else None

    def create(self, sid, data, expires_at, user_id):
        self._write(insert(WebSession).values(id=sid, data=data, user_id=user_id,
                                              created_at=utcnow(), expires_at=expires_at))

    def patch(self, sid, changed, removed, expires_at=None, user_id=UNCHANGED):
        """Set `changed`, remove `removed`, in one UPDATE: other keys are left as stored."""
        check_names(list(changed) + list(removed))
        params = {"sid": sid}
        patch = (_postgres_patch if db.engine.dialect.name == "postgresql" else _sqlite_patch)
        sets = [f"data = {patch(changed, removed, params)}"] if changed or removed else []
        if expires_at is not None:
            sets.append("expires_at = :expires_at")
            params["expires_at"] = expires_at
        if user_id is not UNCHANGED:
            sets.append("user_id = :user_id")
            params["user_id"] = user_id
        if sets:
            self._write(text(f"UPDATE web_session SET {', '.join(sets)} WHERE id = :sid"),
                        params)

    def delete(self, sid):
        self._write(delete(WebSession).where(WebSession.id == sid))

    def delete_for_user(self, user_id):
        db.session.execute(delete(WebSession).where(WebSession.user_id == user_id))

    def purge_expired(self):
        return self._write(delete(WebSession).where(WebSession.expires_at <= utcnow())).rowcount

    @staticmethod
    def _write(statement, params=None):
        db.session.rollback()
        try:
            result = db.session.execute(statement, params or {})
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
        return result


def _sqlite_patch(changed, removed, params):
    expression = "data"
    if removed:
        paths = []
        for number, name in enumerate(sorted(removed)):
            params[f"r{number}"] = f'$."{name}"'
            paths.append(f":r{number}")
        expression = f"json_remove({expression}, {', '.join(paths)})"
    if changed:
        pairs = []
        for number, (name, value) in enumerate(changed.items()):
            params[f"p{number}"], params[f"v{number}"] = f'$."{name}"', json.dumps(value)
            pairs.append(f":p{number}, json(:v{number})")
        expression = f"json_set({expression}, {', '.join(pairs)})"
    return expression


def _postgres_patch(changed, removed, params):
    params["removed"], params["patch"] = sorted(removed), json.dumps(changed)
    return "(data - CAST(:removed AS text[])) || CAST(:patch AS jsonb)"
