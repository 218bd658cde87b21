"""Database engine settings that depend on the backend."""

import os
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url

MIGRATIONS_DIR = str(Path(__file__).resolve().parent.parent / "migrations")


def init_app(app):
    """Backend settings; call before `db.init_app`, which builds the engine."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
        options.setdefault("connect_args", {}).setdefault("timeout", 15)
        if url.database and url.database != ":memory:":
            _private_file(Path(url.database))


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
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()
