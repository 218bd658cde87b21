"""`helpdesk backup` and `helpdesk restore`: a lost machine comes back with every request,
every file and working links (on SQLite through its backup API, on PostgreSQL through
pg_dump and pg_restore)."""

import json
import re
import stat
from pathlib import Path

import databases
import pytest
from filing import PNG, post_request, ref_from

from helpdesk import create_app
from helpdesk.extensions import db
from helpdesk.models import Attachment, Outbox, Ticket
from helpdesk.outgoing.outbox import send_pending


@pytest.fixture
def filed(make_app):
    """An app with two requests (one with a screenshot); returns (app, refs, link path)."""
    app = make_app(EXTERNAL_URL="https://help.example.com")
    client = app.test_client()
    refs = [ref_from(post_request(client, summary="Export fails", files=[("screen.png", PNG)])),
            ref_from(post_request(client, summary="Cannot sign in"))]
    with app.app_context():
        body = db.session.execute(db.select(Outbox.body_text).order_by(Outbox.id)).scalars().first()
    link = re.search(r"https://help\.example\.com(/requests/HD-\d+\?t=\S+)", body).group(1)
    return app, refs, link


def backup(app, *args):
    result = app.test_cli_runner().invoke(args=["backup", *args])
    assert result.exit_code == 0, result.output
    return Path(result.output.split(":")[0].strip())


def restore(app, path, *args):
    return app.test_cli_runner().invoke(args=["restore", str(path), *args])


def new_machine(app, tmp_path):
    """A fresh instance folder (new secret key, no files) on an empty database; the old
    machine's connections are closed first."""
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    config = {"INSTANCE_PATH": str(tmp_path / "new-machine"), "TESTING": True,
              "ARTICLES_DIR": app.config["ARTICLES_DIR"], "KB_BACKGROUND": False,
              "EVENTS_FLUSH_SECONDS": 0, "MAIL_BACKGROUND_SENDER": False}
    url = databases.configured_url()
    if url:  # the same server, emptied as if it were a new one
        databases.empty(url)
        config["SQLALCHEMY_DATABASE_URI"] = url
    fresh = create_app(config)
    return fresh, config


def restored_elsewhere(app, tmp_path, folder):
    """The app as it starts on a new machine after restoring `folder` there."""
    fresh, config = new_machine(app, tmp_path)
    result = restore(fresh, folder, "--yes")
    assert result.exit_code == 0, result.output
    return create_app(config)  # the next start reads the restored secret key


def test_a_backup_holds_the_database_the_files_and_the_instance_files(filed, tmp_path):
    app, _, _ = filed
    folder = backup(app, "--output", str(tmp_path / "backups"))
    manifest = json.loads((folder / "backup.json").read_text())
    assert manifest["requests"] == 2 and manifest["attachments"] == 1 and manifest["files"] == 1
    assert (folder / manifest["database_file"]).stat().st_size > 0
    assert sorted(p.name for p in (folder / "instance").iterdir()) == ["secret_key"]
    assert len([p for p in (folder / "uploads").rglob("*") if p.is_file()]) == 1


def test_a_backup_is_readable_by_its_owner_only(filed, tmp_path):
    app, _, _ = filed
    folder = backup(app, "--output", str(tmp_path / "backups"))
    for path in [folder, *folder.rglob("*")]:
        assert stat.S_IMODE(path.stat().st_mode) in (0o700, 0o600), path


def test_restoring_on_a_new_machine_brings_back_requests_files_and_links(filed, tmp_path):
    app, refs, link = filed
    archive = backup(app, "--output", str(tmp_path / "backups"), "--archive")
    assert archive.name.endswith(".tar.gz")
    fresh, config = new_machine(app, tmp_path)
    result = restore(fresh, archive, "--yes")
    assert result.exit_code == 0, result.output
    assert "2 requests, 1 files" in result.output

    restored = create_app(config)  # the next start reads the restored secret key
    client = restored.test_client()
    page = client.get(link)  # the link from the confirmation mail still opens the request
    assert page.status_code == 200 and "Export fails" in page.get_data(as_text=True)
    with restored.app_context():
        screenshot = db.session.execute(db.select(Attachment)).scalar_one()
        assert [t.ref for t in db.session.execute(db.select(Ticket)).scalars()] == refs
    download = client.get(f"/attachments/{screenshot.public_id}/screen.png")
    assert download.status_code == 200 and download.data == PNG
    with restored.app_context():
        db.engine.dispose()


def test_after_a_restore_new_requests_continue_the_numbering(filed, tmp_path):
    app, _, _ = filed
    folder = backup(app, "--output", str(tmp_path / "backups"))
    restored = restored_elsewhere(app, tmp_path, folder)
    assert ref_from(post_request(restored.test_client())) == "HD-1003"
    with restored.app_context():
        db.engine.dispose()


def test_restore_asks_before_replacing_anything(filed, tmp_path):
    app, _, _ = filed
    folder = backup(app, "--output", str(tmp_path / "backups"))
    result = app.test_cli_runner().invoke(args=["restore", str(folder)], input="n\n")
    assert result.exit_code != 0 and "Aborted" in result.output


def test_restore_refuses_a_backup_of_another_kind_of_database(filed, tmp_path):
    app, _, _ = filed
    folder = backup(app, "--output", str(tmp_path / "backups"))
    manifest = json.loads((folder / "backup.json").read_text())
    other = "postgresql" if manifest["database"] == "sqlite" else "sqlite"
    (folder / "backup.json").write_text(json.dumps({**manifest, "database": other}))
    result = restore(app, folder, "--yes")
    assert result.exit_code == 1 and f"holds a {other} database" in result.output


def test_restore_refuses_something_that_is_not_a_backup(app, tmp_path):
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not an archive")
    result = restore(app, junk, "--yes")
    assert result.exit_code == 1 and "neither a backup folder" in result.output


def test_mail_queued_before_the_backup_is_still_sent_after_a_restore(filed, tmp_path):
    app, _, _ = filed
    folder = backup(app, "--output", str(tmp_path / "backups"))
    restored = restored_elsewhere(app, tmp_path, folder)
    with restored.app_context():
        assert send_pending() == (2, 0)  # no SMTP server here: written to the log
        db.engine.dispose()
