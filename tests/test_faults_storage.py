"""A full disk or an upload folder that cannot be written: a clear message on the form,
what the person typed kept, and nothing half-saved."""

import os
import subprocess
from pathlib import Path

import pytest
from filing import PNG, form_page, hidden_fields, post_request, ref_from
from support import missing

from helpdesk.extensions import db
from helpdesk.models import Attachment, Outbox, Ticket

LOG = b"2026-11-26 08:00:00 export failed: timeout\n" * 12000  # about 500 KB of plain text


def mount_tmpfs(folder, options):
    """A small file system of our own at `folder` (needs root, as CI has)."""
    if os.geteuid() != 0:
        missing("mounting a small tmpfs to fill a disk needs root (CI runs the tests as root)")
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
                          capture_output=True, text=True)
    if done.returncode:
        missing(f"cannot mount a tmpfs here: {done.stderr.strip()}")


def unmount(folder):
    subprocess.run(["umount", str(folder)], check=False)


@pytest.fixture
def full_disk(tmp_path):
    """An upload folder on a 256 KiB file system: a 500 KB file cannot fit."""
    folder = tmp_path / "small-disk"
    mount_tmpfs(folder, "size=256k,mode=0700")
    yield folder
    unmount(folder)


@pytest.fixture
def read_only_folder(tmp_path):
    """An upload folder that cannot be written (read-only mount; permissions as non-root)."""
    folder = tmp_path / "read-only"
    if os.geteuid() == 0:
        mount_tmpfs(folder, "ro,size=64k")
        yield folder
        unmount(folder)
        return
    folder.mkdir()
    folder.chmod(0o500)
    yield folder
    folder.chmod(0o700)


def saved(app):
    with app.app_context():
        return tuple(db.session.execute(db.select(db.func.count(model.id))).scalar()
                     for model in (Ticket, Attachment, Outbox))


def files_in(folder):
    return [p for p in Path(folder).rglob("*") if p.is_file()]


def test_a_full_disk_gives_a_clear_message_and_keeps_what_was_typed(make_app, full_disk):
    app = make_app(UPLOAD_DIR=str(full_disk))
    response = post_request(app.test_client(), summary="Export keeps failing",
                            files=[("export.log", LOG)])
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "could not be saved on our side" in page and "nothing was sent" in page
    assert 'value="Export keeps failing"' in page


def test_a_full_disk_leaves_no_request_and_no_partial_file(make_app, full_disk):
    app = make_app(UPLOAD_DIR=str(full_disk))
    post_request(app.test_client(), files=[("screen.png", PNG), ("export.log", LOG)])
    assert saved(app) == (0, 0, 0)
    assert files_in(full_disk) == []


def test_after_space_is_freed_the_same_request_goes_through(make_app, full_disk):
    app = make_app(UPLOAD_DIR=str(full_disk))
    client = app.test_client()
    hidden = hidden_fields(form_page(client))
    assert post_request(client, hidden=hidden, files=[("export.log", LOG)]).status_code == 400
    ref = ref_from(post_request(client, hidden=hidden, files=[("export.log", LOG[:50000])]))
    assert ref == "HD-1001" and saved(app) == (1, 1, 1)


def test_an_upload_folder_that_cannot_be_written_gives_a_clear_message(make_app,
                                                                        read_only_folder):
    app = make_app(UPLOAD_DIR=str(read_only_folder))
    response = post_request(app.test_client(), files=[("screen.png", PNG)])
    assert response.status_code == 400
    assert "could not be saved on our side" in response.get_data(as_text=True)
    assert saved(app) == (0, 0, 0)


def test_without_attachments_a_request_is_filed_even_if_uploads_cannot_be_stored(
        make_app, read_only_folder):
    app = make_app(UPLOAD_DIR=str(read_only_folder))
    assert ref_from(post_request(app.test_client())) == "HD-1001"
