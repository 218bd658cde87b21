"""Database engine settings that depend on the backend."""

import logging
import os
from itertools import chain
from pathlib import Path

from sqlalchemy import event, inspect
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

MIGRATIONS_DIR = str(Path(__file__).resolve().parent.parent / "migrations")


def init_app(app):
    """Backend settings; call before `db.init_app`, which builds the engine.

    DATABASE_LOCK_TIMEOUT bounds how long a statement waits for a lock held by someone
    else (SQLite's busy timeout, PostgreSQL's lock_timeout): past it the request fails
    with OperationalError, which the site answers with a "try again" page (503) instead of
    hanging every worker.
    """
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    connect_args = options.setdefault("connect_args", {})
    wait = float(app.config["DATABASE_LOCK_TIMEOUT"])
    if url.get_backend_name() == "sqlite":
        connect_args.setdefault("timeout", wait)
        if url.database and url.database != ":memory:":
            _private_file(Path(url.database))
    elif url.get_backend_name() == "postgresql":
        # Appended to any options of the URL itself (they would otherwise be replaced).
        given = connect_args.get("options", url.query.get("options", ""))
        if "lock_timeout" not in given:
            connect_args["options"] = f"{given} -c lock_timeout={int(wait * 1000)}".strip()
        # A connection the server dropped (restart, failover) is replaced, not handed out.
        options.setdefault("pool_pre_ping", True)


def release_sessions(app, db):
    """End each request's database session without letting a dead connection fail it.

    Flask-SQLAlchemy ends it at teardown with a ROLLBACK; when the server has just gone
    away (a restart, a failover) that ROLLBACK itself fails, after the answer (often the
    "try again" page) was made, and the error would replace it with a bare 500. Here the
    session ends first and such a failure only drops the broken connection, which the
    pool replaces. Call after `db.init_app`: teardown functions run last-registered first.
    """
    @app.teardown_appcontext
    def end_session(exc):
        try:
            db.session.remove()
        except Exception:  # the connection is gone; the pool invalidated it
            log.warning("database session ended on a broken connection", exc_info=True)


def _private_file(path):
    """The SQLite file readable by the owner only (its -wal and -shm files follow it)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """WAL lets readers work while one writer commits; foreign keys are off by default."""
    module = type(dbapi_connection).__module__
    if not module.startswith(("sqlite3", "pysqlite")):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _without_nul(value):
    """`value` with every NUL character removed, looking inside JSON lists and dicts."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_without_nul(v) for v in value]
    if isinstance(value, dict):
        return {_without_nul(k): _without_nul(v) for k, v in value.items()}
    return value


@event.listens_for(Session, "before_flush")
def _no_nul_characters(session, flush_context, instances):
    """Text is stored without NUL characters, on every backend.

    PostgreSQL refuses NUL in text while SQLite keeps it, so one stray byte (pasted from a
    binary file, or from a broken mail) would be a server error on one database and not
    on the other. A NUL never means anything in a help desk's text: it is dropped.
    """
    for obj in chain(session.new, session.dirty):
        state = inspect(obj)
        for attr in state.mapper.column_attrs:
            value = state.dict.get(attr.key)
            if isinstance(value, (str, list, dict)):
                cleaned = _without_nul(value)
                if cleaned != value:
                    setattr(obj, attr.key, cleaned)
