"""The database locked or briefly gone: a clear "try again" page, nothing half-saved, and
the site serves again as soon as the database is back."""

import shutil
from contextlib import contextmanager
from pathlib import Path

import databases
import pytest
from filing import PNG, form_page, hidden_fields, post_request, ref_from
from sqlalchemy.engine import make_url
from tcpproxy import TCPProxy

from helpdesk.extensions import db
from helpdesk.models import Attachment, Ticket


def write_lock(app):
    return databases.write_lock(app.config["SQLALCHEMY_DATABASE_URI"])


def counts(app):
    with app.app_context():
        return (db.session.execute(db.select(db.func.count(Ticket.id))).scalar(),
                db.session.execute(db.select(db.func.count(Attachment.id))).scalar())


def stored_files(app):
    return [p for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file()]


@pytest.fixture
def locked_app(make_app):
    return make_app(DATABASE_LOCK_TIMEOUT=0.5)


def test_a_locked_database_gives_a_clear_try_again_page(locked_app):
    client = locked_app.test_client()
    hidden = hidden_fields(form_page(client))
    with write_lock(locked_app):
        response = post_request(client, hidden=hidden, files=[("screen.png", PNG)])
    page = response.get_data(as_text=True)
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert "Temporarily unavailable" in page and "nothing was saved" in page
    assert "Contact support" in page  # the site's own layout, not a bare server error


def test_a_request_refused_by_a_locked_database_leaves_nothing_behind(locked_app):
    client = locked_app.test_client()
    hidden = hidden_fields(form_page(client))
    with write_lock(locked_app):
        post_request(client, hidden=hidden, files=[("screen.png", PNG)])
    assert counts(locked_app) == (0, 0)
    assert stored_files(locked_app) == []


def test_once_the_lock_is_gone_the_same_form_sends_the_request(locked_app):
    client = locked_app.test_client()
    hidden = hidden_fields(form_page(client))
    with write_lock(locked_app):
        assert post_request(client, hidden=hidden).status_code == 503
    ref = ref_from(post_request(client, hidden=hidden, files=[("screen.png", PNG)]))
    assert counts(locked_app) == (1, 1) and ref == "HD-1001"


@contextmanager
def database_outage(make_app, tmp_path):
    """(app, cut, restore): an app whose database can vanish and come back."""
    url = databases.configured_url()
    if url is None:
        # SQLite: the database's folder disappears (a lost mount) and comes back.
        folder = tmp_path / "db"
        folder.mkdir()
        app = make_app()
        shutil.copy(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"),
                    folder / "helpdesk.sqlite3")
        app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder / 'helpdesk.sqlite3'}")

        def cut():
            folder.rename(tmp_path / "away")
            with app.app_context():
                db.engine.dispose()  # open files would outlive the folder; new ones cannot

        yield app, cut, lambda: (tmp_path / "away").rename(folder)
        return
    # PostgreSQL: the server goes away (restart, network) and comes back.
    target = make_url(url)
    proxy = TCPProxy(target.host, target.port).up()
    try:
        app = make_app(SQLALCHEMY_DATABASE_URI=target.set(port=proxy.port).render_as_string(
            hide_password=False))
        yield app, proxy.down, proxy.up
    finally:
        proxy.down()


def test_while_the_database_is_gone_pages_say_so_and_then_serve_again(make_app, tmp_path):
    with database_outage(make_app, tmp_path) as (app, cut, restore):
        client = app.test_client()
        assert client.get("/").status_code == 200
        cut()
        down = client.get("/")
        assert down.status_code == 503
        assert "cannot reach its database" in down.get_data(as_text=True)
        assert client.get("/healthz").json["database"]["ok"] is False
        restore()
        assert client.get("/").status_code == 200
        assert client.get("/healthz").json["status"] == "ok"


def test_a_request_sent_while_the_database_is_gone_is_not_half_saved(make_app, tmp_path):
    with database_outage(make_app, tmp_path) as (app, cut, restore):
        client = app.test_client()
        hidden = hidden_fields(form_page(client))
        cut()
        response = post_request(client, hidden=hidden, files=[("screen.png", PNG)])
        assert response.status_code == 503
        restore()
        assert counts(app) == (0, 0) and stored_files(app) == []
        assert ref_from(post_request(client, hidden=hidden)) == "HD-1001"
