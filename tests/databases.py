"""The database the suite runs on: SQLite files by default, or PostgreSQL.

`HELPDESK_TEST_DATABASE_URL=postgresql+psycopg://...` (set by `scripts/test`) runs the whole
suite on that database. It is emptied and migrated once per session, then emptied again
after every test that built an app, so each test starts from a freshly migrated database
with its ids counting from 1, as on SQLite. Its name must contain "test": the suite drops
everything in it.
"""

import os
import secrets
import sqlite3
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

URL_VARIABLE = "HELPDESK_TEST_DATABASE_URL"
KEEP = {"alembic_version"}

_engines = {}


def configured_url():
    """The PostgreSQL URL the suite runs on, or None for SQLite."""
    url = os.environ.get(URL_VARIABLE, "").strip()
    if not url:
        return None
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise RuntimeError(f"{URL_VARIABLE} must be a postgresql+psycopg:// URL")
    if "test" not in (parsed.database or ""):
        raise RuntimeError(f"{URL_VARIABLE}: the database name must contain 'test', since the"
                           " tests empty it")
    return url


def backend():
    return "postgresql" if configured_url() else "sqlite"


def _engine(url):
    if url not in _engines:
        _engines[url] = create_engine(url, pool_size=1, max_overflow=0,
                                      isolation_level="AUTOCOMMIT")
    return _engines[url]


def dispose():
    """Close the suite's own connections (end of the session)."""
    while _engines:
        _engines.popitem()[1].dispose()


def _close_other_sessions(conn):
    # A thread or server process a test left behind must not hold locks into the next test.
    conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                      " WHERE datname = current_database() AND pid <> pg_backend_pid()"))


def drop_everything(url):
    """Remove every table and type from the public schema (start of the session)."""
    with _engine(url).connect() as conn:
        _close_other_sessions(conn)
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))


def empty(url):
    """Delete every row and restart every id sequence, keeping the migrated schema."""
    with _engine(url).connect() as conn:
        _close_other_sessions(conn)
        tables = [name for name in conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars()
            if name not in KEEP]
        if tables:
            names = ", ".join(f'"{name}"' for name in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@contextmanager
def scratch_database(tmp_path):
    """An empty database of the configured kind, for tests that migrate it themselves.

    On PostgreSQL a private schema of the test database (through `search_path`), dropped
    afterwards; on SQLite a new file.
    """
    url = configured_url()
    if url is None:
        yield f"sqlite:///{tmp_path / 'scratch.sqlite3'}"
        return
    schema = f"scratch_{secrets.token_hex(4)}"
    with _engine(url).connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    scratch = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield scratch.render_as_string(hide_password=False)
    finally:
        with _engine(url).connect() as conn:
            _close_other_sessions(conn)
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def migration_app(tmp_path, url=None):
    """An app for a test that runs the migrations itself (on `url`, else the instance's
    SQLite file, which starts empty)."""
    from helpdesk import create_app
    config = {"INSTANCE_PATH": str(tmp_path / "instance"), "TESTING": True,
              "KB_INDEX_ON_START": False, "SECRET_KEY": "test"}
    if url:
        config["SQLALCHEMY_DATABASE_URI"] = url
    return create_app(config)


def add_request_with_message(session):
    """Request 1 with its message 1 ("hello"), written in SQL as a migration test needs it:
    the models may describe a newer schema than the one migrated so far."""
    session.execute(text(
        "INSERT INTO ticket (id, type, requester_email, summary, description, fields,"
        " status, priority, channel, created_at, updated_at) VALUES (1, 'billing',"
        " 'a@example.com', 's', 'd', '{}', 'open', 'normal', 'web', '2026-01-01',"
        " '2026-01-01')"))
    session.execute(text(
        "INSERT INTO message (id, ticket_id, body, internal, source, created_at)"
        " VALUES (1, 1, 'hello', false, 'web', '2026-01-01')"))


@contextmanager
def write_lock(url):
    """Another process holds the write lock on the requests table of the database at `url`
    (SQLite: the whole database; PostgreSQL: the `ticket` table)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        other = sqlite3.connect(parsed.database, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            other.execute("ROLLBACK")
            other.close()
        return
    engine = create_engine(parsed)
    try:
        with engine.connect() as other:
            other.execute(text("LOCK TABLE ticket IN EXCLUSIVE MODE"))
            yield
            other.rollback()
    finally:
        engine.dispose()
