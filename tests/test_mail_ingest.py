"""Getting mail in: `helpdesk mail ingest`, idempotency, and mail kept for retry.

The same mail twice makes one request. A mail that cannot be handled is never dropped:
its raw bytes are kept under instance/ (private) with the reason, listed for admins, and
retried from the page or `helpdesk mail retry`.
"""

import os
import stat
import threading

import pytest
from accounts import make_user, page_token, sign_in
from inbound import MAIL_SETTINGS, build, inbound, outbox, reply_to, take, tickets

from helpdesk.inbound import kept


@pytest.fixture
def app(make_app):
    return make_app(**MAIL_SETTINGS)


def test_the_same_mail_twice_makes_one_request_and_one_confirmation(app):
    raw = build(message_id="<once@example.org>")
    assert take(app, raw).kind == "request"
    again = take(app, raw)
    assert again.kind == "duplicate" and again.ticket_ref == "HD-1001"
    assert len(tickets(app)) == 1
    assert len(outbox(app, "ann@example.org")) == 1


def test_a_mail_without_message_id_delivered_twice_makes_one_request(app):
    raw = build(message_id=False)
    first = b"Received: from mx1.example.org by mx.help.example.com\r\n" + raw
    second = b"Received: from mx2.example.org by mx.help.example.com\r\n" + raw
    assert take(app, first).kind == "request"
    assert take(app, second).kind == "duplicate"
    assert len(tickets(app)) == 1


def test_two_different_mails_that_reuse_a_message_id_are_both_heard(app):
    take(app, build(message_id="<reused@scanner.example.org>", body="Scan one"))
    outcome = take(app, build(message_id="<reused@scanner.example.org>", body="Scan two"))
    assert outcome.kind == "request"
    assert [t.description for t in tickets(app)] == ["Scan one", "Scan two"]


def test_the_same_mail_ingested_at_once_by_two_workers_makes_one_request(app):
    raw = build(message_id="<race@example.org>")
    outcomes = []

    def work():
        outcomes.append(take(app, raw).kind)

    workers = [threading.Thread(target=work) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(outcomes).count("request") == 1
    assert set(outcomes) <= {"request", "duplicate", "busy"}
    assert len(tickets(app)) == 1


# --- the command ---------------------------------------------------------------------

def test_ingest_reads_a_file_and_exits_zero(app, tmp_path):
    path = tmp_path / "mail.eml"
    path.write_bytes(build())
    result = app.test_cli_runner().invoke(args=["mail", "ingest", str(path)])
    assert result.exit_code == 0, result.output
    assert "new request (HD-1001)" in result.output


def test_ingest_reads_standard_input(app):
    result = app.test_cli_runner().invoke(args=["mail", "ingest"], input=build())
    assert result.exit_code == 0 and "HD-1001" in result.output


def test_ingest_exits_zero_for_a_mail_it_ignores_on_purpose(app):
    result = app.test_cli_runner().invoke(args=["mail", "ingest"],
                                          input=build(headers={"Auto-Submitted": "auto-replied"}))
    assert result.exit_code == 0
    assert "ignored" in result.output


def test_ingest_exits_75_when_the_mail_was_kept_for_retry(make_app):
    app = make_app(MAIL_INGEST_MAX_BYTES=1000, **MAIL_SETTINGS)
    result = app.test_cli_runner().invoke(args=["mail", "ingest"], input=build(body="x" * 2000))
    assert result.exit_code == 75
    assert "kept for retry" in result.output


# --- kept mail -----------------------------------------------------------------------

def _kept_files(app):
    with app.app_context():
        return sorted(kept.folder().iterdir())


def test_a_mail_that_cannot_be_stored_is_kept_raw_and_private_with_the_reason(make_app, tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the upload folder should be")
    app = make_app(UPLOAD_DIR=str(blocked), **MAIL_SETTINGS)
    raw = build(attachments=[("notes.txt", b"some notes", "text/plain")])
    outcome = take(app, raw)
    assert outcome.kind == "kept" and "StorageUnavailable" in outcome.reason
    assert tickets(app) == []
    files = _kept_files(app)
    eml = [f for f in files if f.suffix == ".eml"]
    assert [f.read_bytes() for f in eml] == [raw]
    assert all(stat.S_IMODE(os.stat(f).st_mode) == 0o600 for f in files)
    assert stat.S_IMODE(os.stat(eml[0].parent).st_mode) == 0o700
    assert [r.status for r in inbound(app)] == ["kept"]


def test_a_reply_whose_file_cannot_be_stored_is_kept_not_saved_without_it(make_app, tmp_path):
    app = make_app(**MAIL_SETTINGS)
    take(app, build())
    (notice,) = [row for row in outbox(app) if "ann@example.org" in row.to]
    uploads = tmp_path / "uploads-gone"
    uploads.write_text("a file where the upload folder should be")
    app.config["UPLOAD_DIR"] = str(uploads)  # the disk broke after the request was filed
    raw = reply_to(notice, attachments=[("log.txt", b"the log", "text/plain")])
    outcome = take(app, raw)
    assert outcome.kind == "kept" and "StorageUnavailable" in outcome.reason
    (ticket,) = tickets(app)
    assert len(ticket.messages) == 1  # the reply was not saved without its file


def test_retry_handles_a_kept_mail_once_the_cause_is_fixed(make_app, tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("x")
    app = make_app(UPLOAD_DIR=str(blocked), **MAIL_SETTINGS)
    take(app, build(attachments=[("notes.txt", b"some notes", "text/plain")]))
    blocked.unlink()  # the admin frees the path
    result = app.test_cli_runner().invoke(args=["mail", "retry"])
    assert result.exit_code == 0, result.output
    assert "new request (HD-1001)" in result.output and "0 still kept" in result.output
    assert [a.original_name for a in tickets(app)[0].attachments] == ["notes.txt"]
    assert _kept_files(app) == []


def test_retry_that_fails_again_keeps_the_mail_and_counts_the_attempt(make_app):
    app = make_app(MAIL_INGEST_MAX_BYTES=1000, **MAIL_SETTINGS)
    take(app, build(body="x" * 2000))
    result = app.test_cli_runner().invoke(args=["mail", "retry"])
    assert result.exit_code == 75 and "1 still kept" in result.output
    with app.app_context():
        assert [k.attempts for k in kept.listing()] == [2]


# --- the admin page ------------------------------------------------------------------

@pytest.fixture
def kept_app(make_app):
    app = make_app(MAIL_INGEST_MAX_BYTES=1000, **MAIL_SETTINGS)
    take(app, build(subject="A very large mail", body="x" * 2000))
    return app


@pytest.mark.parametrize("role, answer", [(None, 303), ("requester", 404), ("agent", 403)])
def test_only_admins_see_kept_mail(kept_app, role, answer):
    client = kept_app.test_client()
    if role:
        make_user(kept_app, f"{role}@help.example.com", role=role)
        sign_in(client, kept_app, f"{role}@help.example.com")
    assert client.get("/agent/mail/kept").status_code == answer


def test_an_admin_sees_each_kept_mail_with_its_reason(kept_app):
    client = kept_app.test_client()
    make_user(kept_app, "admin@help.example.com", role="admin")
    sign_in(client, kept_app, "admin@help.example.com")
    page = client.get("/agent/mail/kept").get_data(as_text=True)
    assert "A very large mail" in page and "MAIL_INGEST_MAX_BYTES" in page


def test_the_retry_button_needs_the_forms_token(kept_app):
    client = kept_app.test_client()
    make_user(kept_app, "admin@help.example.com", role="admin")
    sign_in(client, kept_app, "admin@help.example.com")
    with kept_app.app_context():
        name = kept.listing()[0].name
    assert client.post(f"/agent/mail/kept/{name}/retry").status_code == 400
    with kept_app.app_context():
        assert [k.attempts for k in kept.listing()] == [1]


def test_an_admin_retries_a_kept_mail_from_the_page(kept_app):
    client = kept_app.test_client()
    make_user(kept_app, "admin@help.example.com", role="admin")
    sign_in(client, kept_app, "admin@help.example.com")
    kept_app.config["MAIL_INGEST_MAX_BYTES"] = 10_000_000  # the admin raised the limit
    with kept_app.app_context():
        name = kept.listing()[0].name
    token = page_token(client, "/agent/mail/kept")
    response = client.post(f"/agent/mail/kept/{name}/retry", data={"csrf_token": token},
                           follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "new request (HD-1001)" in page
    assert "No kept mail" in page
    assert tickets(kept_app)[0].summary == "A very large mail"


def test_a_requester_cannot_retry_kept_mail(kept_app):
    client = kept_app.test_client()
    make_user(kept_app, "ann@example.org")
    sign_in(client, kept_app, "ann@example.org")
    with kept_app.app_context():
        name = kept.listing()[0].name
    token = page_token(client, "/login")
    assert client.post(f"/agent/mail/kept/{name}/retry",
                       data={"csrf_token": token}).status_code == 404


def test_a_piped_mail_another_process_is_still_handling_is_kept_not_dropped(app):
    from helpdesk.extensions import db
    from helpdesk.inbound.parse import parse
    from helpdesk.models import InboundMail
    from helpdesk.tickets.intake import dedupe_key
    raw = build(message_id="<slow@example.org>")
    with app.app_context():  # another process claimed it a moment ago and is still at it
        db.session.add(InboundMail(dedupe_key=dedupe_key(parse(raw)), status="processing",
                                   content_hash=parse(raw).content_hash))
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["mail", "ingest"], input=raw)
    assert result.exit_code == 75
    assert [f.suffix for f in _kept_files(app)] == [".eml", ".json"]


def test_a_claim_left_by_a_crashed_process_is_taken_over_later(app):
    from datetime import timedelta

    from helpdesk.extensions import db
    from helpdesk.inbound.parse import parse
    from helpdesk.models import InboundMail, utcnow
    from helpdesk.tickets.intake import dedupe_key
    raw = build(message_id="<crashed@example.org>")
    long_ago = utcnow() - timedelta(hours=2)
    with app.app_context():
        db.session.add(InboundMail(dedupe_key=dedupe_key(parse(raw)), status="processing",
                                   content_hash=parse(raw).content_hash,
                                   received_at=long_ago, updated_at=long_ago))
        db.session.commit()
    outcome = take(app, raw)
    assert outcome.kind == "request"
    assert [r.status for r in inbound(app)] == ["request"]


def test_the_kept_mail_page_is_never_cached(kept_app):
    client = kept_app.test_client()
    make_user(kept_app, "admin@help.example.com", role="admin")
    sign_in(client, kept_app, "admin@help.example.com")
    assert client.get("/agent/mail/kept").headers["Cache-Control"] == "private, no-store"
