"""Shared fixtures: an app on a temporary instance folder, its client and CLI runner.

Each test gets its own instance folder (database, index, secret) and, unless it asks for
other articles, a copy of the shipped `articles/` folder, so tests may edit articles
freely. The database is migrated once per session with Alembic and copied per test; with
HELPDESK_TEST_DATABASE_URL (PostgreSQL, see tests/databases.py) every test uses that
database instead, emptied after each test. Likewise the search index of the shipped
articles is built once per session and copied into each test's instance folder (the
copies keep the files' times, so the app finds it up to date; a test that edits an
article before building its app gets that article re-indexed, as a live site would).
"""

import shutil
from pathlib import Path

import databases
import pytest
from mailauth import LoopbackDNS
from mailsink import SMTPServer
from redisserver import start_redis

from helpdesk import create_app
from helpdesk.extensions import db
from helpdesk.web import TEMPLATE_CACHE

SHIPPED_ARTICLES = Path(__file__).resolve().parent.parent / "articles"


@pytest.fixture(scope="session")
def migrated_db(tmp_path_factory):
    """The database upgraded through every migration: a SQLite file copied by each test,
    or the PostgreSQL URL every test shares (emptied after each one)."""
    folder = tmp_path_factory.mktemp("template")
    config = {"INSTANCE_PATH": str(folder / "instance"), "TESTING": True,
              "KB_INDEX_ON_START": False, "SECRET_KEY": "test"}
    url = databases.configured_url()
    if url:
        databases.drop_everything(url)
        config["SQLALCHEMY_DATABASE_URI"] = url
    app = create_app(config)
    from flask_migrate import upgrade
    with app.app_context():
        upgrade()
        db.engine.dispose()
    yield url or folder / "instance" / "helpdesk.sqlite3"
    databases.dispose()


@pytest.fixture(scope="session")
def shipped_index(tmp_path_factory, migrated_db):
    """The index of the shipped articles, built once: tests copy it."""
    folder = tmp_path_factory.mktemp("shipped-index")
    articles = folder / "articles"
    shutil.copytree(SHIPPED_ARTICLES, articles)
    config = {"INSTANCE_PATH": str(folder / "instance"), "TESTING": True, "SECRET_KEY": "test",
              "ARTICLES_DIR": str(articles), "KB_BACKGROUND": False, "EVENTS_FLUSH_SECONDS": 0,
              "MAIL_BACKGROUND_SENDER": False}
    if isinstance(migrated_db, str):
        config["SQLALCHEMY_DATABASE_URI"] = migrated_db
    app = create_app(config)
    with app.app_context():
        db.engine.dispose()
    return Path(app.config["INDEX_DIR"])


@pytest.fixture(scope="session")
def compiled_templates(tmp_path_factory):
    """One folder of compiled templates for every app of the run: each test's app starts
    on a new instance folder and would otherwise compile every page's templates again,
    which was most of the time a test spends in its requests. Jinja checks each entry
    against its template's source, so a shared folder serves the same pages."""
    return tmp_path_factory.mktemp("compiled-templates")


@pytest.fixture
def articles_dir(tmp_path):
    """A private copy of the shipped help center that a test may edit."""
    target = tmp_path / "articles"
    shutil.copytree(SHIPPED_ARTICLES, target)
    return target


@pytest.fixture(scope="session")
def loopback_dns():
    """A real DNS server on 127.0.0.1 that publishes the DKIM keys a test puts in it. Every
    app the tests build looks DKIM keys up there, never through the machine's resolver."""
    server = LoopbackDNS().start()
    yield server
    server.stop()


@pytest.fixture
def make_app(tmp_path, migrated_db, articles_dir, shipped_index, loopback_dns,
             compiled_templates):
    """Build apps on this test's instance folder; extra settings override the defaults."""
    apps = []

    def factory(**overrides):
        instance = tmp_path / "instance"
        instance.mkdir(exist_ok=True)
        config = {}
        if isinstance(migrated_db, str):
            config["SQLALCHEMY_DATABASE_URI"] = migrated_db
        elif not (instance / "helpdesk.sqlite3").exists():
            shutil.copy(migrated_db, instance / "helpdesk.sqlite3")
        config |= {
            "INSTANCE_PATH": str(instance),
            "TESTING": True,
            "ARTICLES_DIR": str(articles_dir),
            "EVENTS_FLUSH_SECONDS": 0,
            "KB_CHECK_INTERVAL": 0,
            "KB_BACKGROUND": False,
            "RATELIMIT_ENABLED": False,
            # Tests deliver mail themselves with send_pending(); no thread races them.
            "MAIL_BACKGROUND_SENDER": False,
            "MAIL_DKIM_DNS_SERVERS": (loopback_dns.address,),
            "MAIL_DKIM_DNS_TIMEOUT": 2.0,
        }
        config.update(overrides)
        templates = instance / TEMPLATE_CACHE
        if not templates.exists():
            templates.parent.mkdir(parents=True, exist_ok=True)
            templates.symlink_to(compiled_templates, target_is_directory=True)
        index = instance / "index"
        if ("INDEX_DIR" not in overrides and config["ARTICLES_DIR"] == str(articles_dir)
                and not index.exists()):
            shutil.copytree(shipped_index, index)
        app = create_app(config)
        apps.append(app)
        return app

    yield factory
    loopback_dns.forget_all()
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    if apps and isinstance(migrated_db, str):
        databases.empty(migrated_db)


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def write_article(articles_dir):
    """Write a Markdown file under the test's articles folder; returns its path."""

    def write(relpath, text):
        path = articles_dir / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def smtp_server():
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that collects what the app sends."""
    server = SMTPServer().start()
    yield server
    server.stop()


@pytest.fixture
def redis_server(tmp_path):
    """A real redis-server of this test's own (Debian's package), stopped afterwards."""
    server = start_redis(tmp_path / "redis")
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch):
    """Quick password hashes in tests; production uses scrypt (PASSWORD_HASH_METHOD)."""
    import helpdesk.config
    monkeypatch.setattr(helpdesk.config, "PASSWORD_HASH_METHOD", "pbkdf2:sha256:1000")
