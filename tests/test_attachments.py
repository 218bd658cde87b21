"""Attachments: stored privately under random names, checked by content, served safely."""

import hashlib
import io
import os
import re
import stat

import pytest
from accounts import last_link
from filing import PNG, post_request

from helpdesk.extensions import db
from helpdesk.models import Attachment, Ticket
from helpdesk.tickets import storage

HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="5"/></svg>'
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ZIP = b"PK\x05\x06" + b"\x00" * 18


def open_mailed_link(app, client, email="ann@example.com"):
    """The requester opens the link in their confirmation mail (it proves the address)."""
    assert client.get(last_link(app, email, "/requests/")).status_code == 200


def stored_rows(app):
    with app.app_context():
        return db.session.execute(db.select(Attachment).order_by(Attachment.id)).scalars().all()


def files_on_disk(app):
    root = app.config["UPLOAD_DIR"]
    return [os.path.join(d, f) for d, _, names in os.walk(root) for f in names]


def refused(app, client, name, content):
    """File a request with one attachment; return the page when it is refused."""
    response = post_request(client, files=[(name, content)])
    assert response.status_code == 400, f"{name} was accepted"
    assert stored_rows(app) == [] and files_on_disk(app) == []
    with app.app_context():
        assert db.session.execute(db.select(Ticket)).first() is None
    return response.get_data(as_text=True)


def test_two_files_are_stored_with_size_hash_and_sniffed_type(app, client):
    log = b"2024-01-01 ERROR export failed\n"
    post_request(client, files=[("screen.png", PNG), ("app.log", log)])
    rows = stored_rows(app)
    assert [(r.original_name, r.content_type, r.size) for r in rows] == [
        ("screen.png", "image/png", len(PNG)), ("app.log", "text/plain", len(log))]
    assert rows[1].sha256 == hashlib.sha256(log).hexdigest()


def test_files_get_random_names_in_private_folders(app, client):
    post_request(client, files=[("my secret plans.txt", b"hello")])
    (path,) = files_on_disk(app)
    assert "secret" not in path and "plans" not in path
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    folder = os.path.dirname(path)
    while folder != os.path.dirname(app.config["UPLOAD_DIR"]):
        assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
        folder = os.path.dirname(folder)


def test_html_renamed_to_png_is_refused(app, client):
    assert "not a .png file" in refused(app, client, "photo.png", HTML)


def test_svg_renamed_to_jpg_is_refused(app, client):
    assert "not a .jpg file" in refused(app, client, "photo.jpg", SVG)


def test_an_svg_file_is_not_accepted_at_all(app, client):
    assert "not accepted" in refused(app, client, "drawing.svg", SVG)


def test_an_html_file_is_not_accepted(app, client):
    assert "not accepted" in refused(app, client, "page.html", HTML)


def test_html_inside_a_txt_file_is_refused(app, client):
    assert "looks like HTML" in refused(app, client, "notes.txt", b"  \n" + HTML)


def test_a_text_file_with_nul_bytes_is_refused(app, client):
    assert "not plain text" in refused(app, client, "app.log", b"line one\x00\x01\x02binary")


def test_a_pdf_renamed_to_zip_is_refused(app, client):
    refused(app, client, "archive.zip", PDF)


def test_an_empty_file_is_refused(app, client):
    assert "empty" in refused(app, client, "empty.txt", b"")


def test_a_file_over_the_size_limit_is_refused_and_nothing_is_left(make_app):
    app = make_app(ATTACHMENT_MAX_BYTES=1024)
    page = refused(app, app.test_client(), "big.log", b"a" * 2048)
    assert "larger than the limit of 1 KiB" in page


def test_more_files_than_allowed_are_refused(make_app):
    app = make_app(ATTACHMENT_MAX_COUNT=2)
    client = app.test_client()
    response = post_request(client, files=[(f"{i}.txt", b"x") for i in range(3)])
    assert "Attach at most 2 files." in response.get_data(as_text=True)
    assert files_on_disk(app) == []


def test_one_bad_file_among_good_ones_leaves_no_files_behind(app, client):
    response = post_request(client, files=[("ok.png", PNG), ("ok.txt", b"fine"),
                                           ("bad.png", HTML)])
    assert response.status_code == 400
    assert files_on_disk(app) == [] and stored_rows(app) == []


def test_a_refused_file_keeps_the_typed_values(app, client):
    page = refused(app, client, "photo.png", HTML)
    assert "The export button does nothing" in page
    assert "choose them again" in page


@pytest.mark.parametrize("hostile, shown", [
    ("../../../etc/passwd.txt", "passwd.txt"),
    ("/absolute/path/report.txt", "report.txt"),
    ('"><svg onload=alert(1)>.jpg', None),
    ("nul\x00byte.txt", "nulbyte.txt"),
    ("line\r\nbreak.txt", "line%0D%0Abreak.txt"),
])
def test_hostile_file_names_never_reach_a_path_or_the_page_unescaped(app, client, hostile, shown):
    content = PNG if hostile.endswith(".jpg") else b"plain text"
    post_request(client, files=[(hostile, content)])
    for path in files_on_disk(app):
        assert re.fullmatch(r"[0-9a-f]{32}", os.path.basename(path))
        assert os.path.realpath(path).startswith(os.path.realpath(app.config["UPLOAD_DIR"]))
    rows = stored_rows(app)
    if shown is None:  # a PNG named .jpg: refused, and the name shows escaped
        assert rows == []
        page = post_request(client, files=[(hostile, content)]).get_data(as_text=True)
        assert "<svg onload" not in page and "&lt;svg onload=alert(1)&gt;.jpg" in page
        return
    assert rows[0].original_name == shown


def test_a_windows_path_from_an_old_browser_keeps_only_the_file_name():
    assert storage.clean_name("C:\\Users\\ann\\..\\..\\win.ini.txt") == "win.ini.txt"
    assert storage.clean_name("..") == "file"


def test_the_svg_name_is_escaped_on_the_confirmation_page(app, client):
    response = post_request(client, files=[('"><svg onload=alert(1)>.png', PNG)])
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<svg onload" not in page and "&lt;svg onload=alert(1)&gt;.png" in page


def test_a_download_is_an_attachment_with_safe_headers(app, client):
    post_request(client, files=[("résumé de l'erreur.txt", b"details")])
    open_mailed_link(app, client)
    row = stored_rows(app)[0]
    download = client.get(f"/attachments/{row.public_id}/{row.original_name}")
    assert download.status_code == 200 and download.data == b"details"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    disposition = download.headers["Content-Disposition"]
    assert "filename*=UTF-8''r%C3%A9sum%C3%A9%20de%20l%27erreur.txt" in disposition
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert download.headers["Content-Type"].startswith("text/plain")


def test_a_verified_image_may_show_inline(app, client):
    post_request(client, files=[("screen.png", PNG)])
    open_mailed_link(app, client)
    row = stored_rows(app)[0]
    assert row.inline_ok
    shown = client.get(f"/attachments/{row.public_id}/screen.png?inline=1")
    assert shown.headers["Content-Disposition"].startswith("inline;")
    assert shown.headers["Content-Type"] == "image/png"


def test_a_broken_image_with_a_valid_signature_is_only_a_download(app, client):
    post_request(client, files=[("broken.png", PNG[:20] + b"garbage" * 10)])
    open_mailed_link(app, client)
    row = stored_rows(app)[0]
    assert not row.inline_ok
    shown = client.get(f"/attachments/{row.public_id}/broken.png?inline=1")
    assert shown.headers["Content-Disposition"].startswith("attachment;")


def test_pdf_and_zip_files_are_accepted_by_content(app, client):
    post_request(client, files=[("manual.pdf", PDF), ("logs.zip", ZIP)])
    assert [r.content_type for r in stored_rows(app)] == ["application/pdf", "application/zip"]


def test_someone_else_gets_404_for_an_attachment(app, client):
    post_request(client, files=[("app.log", b"private")])
    row = stored_rows(app)[0]
    stranger = app.test_client()
    assert stranger.get(f"/attachments/{row.public_id}/app.log").status_code == 404


def test_an_unknown_attachment_id_is_404(client):
    assert client.get("/attachments/nope/file.txt").status_code == 404


def test_storing_streams_in_chunks_and_hashes_large_files(app):
    big = io.BytesIO(b"0123456789abcdef\n" * 200_000)  # 3.4 MB of text
    with app.test_request_context():
        item = storage.store(big, "big.log")
        data = storage.path_for(item.storage_key).read_bytes()
    assert item.size == len(data) == 3_400_000
    assert item.sha256 == hashlib.sha256(data).hexdigest()


def test_storage_keys_cannot_point_outside_the_upload_folder(app):
    with app.app_context():
        for key in ("../../secret_key", "ab/cd/../../x", "/etc/passwd"):
            with pytest.raises(ValueError):
                storage.path_for(key)


def test_maintenance_removes_files_left_by_a_crash(app, runner):
    with app.app_context():
        item = storage.store(io.BytesIO(b"orphan"), "left.txt")
        path = storage.path_for(item.storage_key)
    old = path.stat().st_mtime - 7200
    os.utime(path, (old, old))
    result = runner.invoke(args=["maintenance"])
    assert "1 orphan attachment files removed" in result.output
    assert not path.exists()


def test_maintenance_keeps_files_of_requests(app, client, runner):
    post_request(client, files=[("app.log", b"keep me")])
    (path,) = files_on_disk(app)
    os.utime(path, (0, 0))
    runner.invoke(args=["maintenance"])
    assert os.path.exists(path)
