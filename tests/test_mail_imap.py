"""`helpdesk mail fetch` against a real IMAP server (a private dovecot on a free port).

Unseen mail is handled once and marked (flagged \\Seen, or moved) only after it was
committed; a second run, or a second host running at the same moment, ingests nothing
twice. TLS works both ways (IMAPS and STARTTLS) with a private CA.
"""

import threading

import pytest
from imapserver import DovecotServer, available
from inbound import MAIL_SETTINGS, build, inbound, tickets
from support import missing


@pytest.fixture(scope="module")
def dovecot():
    if not available():
        missing("dovecot is not installed (Debian package dovecot-imapd)")
    server = DovecotServer().start()
    yield server
    server.stop()


@pytest.fixture
def mailbox(dovecot):
    """An empty INBOX (and no Done folder) for each test."""
    client = dovecot.client()
    try:
        for folder in ("INBOX", "Done"):
            if client.folder_exists(folder):
                client.select_folder(folder)
                uids = client.search(["ALL"])
                if uids:
                    client.delete_messages(uids)
                    client.expunge()
        if client.folder_exists("Done"):
            client.delete_folder("Done")
    finally:
        client.logout()
    return dovecot


def fetch(app):
    return app.test_cli_runner().invoke(args=["mail", "fetch"])


def test_fetch_turns_unseen_mail_into_requests_and_marks_it_seen(make_app, mailbox):
    app = make_app(**mailbox.settings(), **MAIL_SETTINGS)
    mailbox.deliver(build(sender="ann@example.org"), build(sender="bob@example.org"))
    result = fetch(app)
    assert result.exit_code == 0, result.output
    assert "2 request" in result.output
    assert sorted(t.requester_email for t in tickets(app)) == ["ann@example.org", "bob@example.org"]
    assert all(b"\\Seen" in flags for flags in mailbox.messages().values())


def test_a_second_run_finds_nothing_new(make_app, mailbox):
    app = make_app(**mailbox.settings(), **MAIL_SETTINGS)
    mailbox.deliver(build())
    fetch(app)
    result = fetch(app)
    assert result.exit_code == 0 and "no new mail" in result.output
    assert len(tickets(app)) == 1


def test_mail_seen_again_after_someone_unmarked_it_is_not_ingested_twice(make_app, mailbox):
    app = make_app(**mailbox.settings(), **MAIL_SETTINGS)
    mailbox.deliver(build())
    fetch(app)
    client = mailbox.client()
    client.select_folder("INBOX")
    client.remove_flags(client.search(["ALL"]), [b"\\Seen"])
    client.logout()
    result = fetch(app)
    assert "1 duplicate" in result.output
    assert len(tickets(app)) == 1


def test_handled_mail_moves_to_the_done_folder(make_app, mailbox):
    app = make_app(**mailbox.settings(IMAP_DONE_FOLDER="Done"), **MAIL_SETTINGS)
    mailbox.deliver(build())
    assert fetch(app).exit_code == 0
    assert mailbox.messages("INBOX") == {}
    assert len(mailbox.messages("Done")) == 1


def test_ignored_mail_is_marked_too(make_app, mailbox):
    app = make_app(**mailbox.settings(), **MAIL_SETTINGS)
    mailbox.deliver(build(headers={"Auto-Submitted": "auto-replied"}))
    result = fetch(app)
    assert result.exit_code == 0 and "1 ignored" in result.output
    assert all(b"\\Seen" in flags for flags in mailbox.messages().values())


def test_two_hosts_fetching_at_once_ingest_each_mail_once(make_app, mailbox, tmp_path):
    first = make_app(**mailbox.settings(), **MAIL_SETTINGS)
    second = make_app(INSTANCE_PATH=str(tmp_path / "second-host"),
                      SQLALCHEMY_DATABASE_URI=first.config["SQLALCHEMY_DATABASE_URI"],
                      **mailbox.settings(), **MAIL_SETTINGS)
    mailbox.deliver(*[build(sender=f"user{i}@example.org") for i in range(6)])
    results = []

    def run(app):
        results.append(fetch(app))

    hosts = [threading.Thread(target=run, args=(app,)) for app in (first, second)]
    for host in hosts:
        host.start()
    for host in hosts:
        host.join()
    assert all(r.exit_code == 0 for r in results), [r.output for r in results]
    assert len(tickets(first)) == 6
    assert [r.status for r in inbound(first)] == ["request"] * 6
    assert all(b"\\Seen" in flags for flags in mailbox.messages().values())


def test_fetch_over_imaps_checks_the_certificate(make_app, mailbox):
    if not mailbox.ca_file:
        missing("the openssl command is needed to make test certificates (Debian package openssl)")
    app = make_app(**mailbox.settings(IMAP_PORT=mailbox.ssl_port, IMAP_SSL=True,
                                      IMAP_HOST="localhost", IMAP_CA_FILE=mailbox.ca_file),
                   **MAIL_SETTINGS)
    mailbox.deliver(build())
    result = fetch(app)
    assert result.exit_code == 0, result.output
    assert len(tickets(app)) == 1


def test_fetch_with_starttls(make_app, mailbox):
    if not mailbox.ca_file:
        missing("the openssl command is needed to make test certificates (Debian package openssl)")
    app = make_app(**mailbox.settings(IMAP_STARTTLS=True, IMAP_HOST="localhost",
                                      IMAP_CA_FILE=mailbox.ca_file), **MAIL_SETTINGS)
    mailbox.deliver(build())
    assert fetch(app).exit_code == 0
    assert len(tickets(app)) == 1


def test_an_untrusted_certificate_is_refused_and_nothing_is_read(make_app, mailbox):
    if not mailbox.ca_file:
        missing("the openssl command is needed to make test certificates (Debian package openssl)")
    app = make_app(**mailbox.settings(IMAP_PORT=mailbox.ssl_port, IMAP_SSL=True,
                                      IMAP_HOST="localhost"), **MAIL_SETTINGS)
    mailbox.deliver(build())
    result = fetch(app)
    assert result.exit_code == 1 and "CERTIFICATE_VERIFY_FAILED" in result.output
    assert tickets(app) == []
    assert all(b"\\Seen" not in flags for flags in mailbox.messages().values())


def test_a_wrong_password_says_so_and_changes_nothing(make_app, mailbox):
    app = make_app(**mailbox.settings(IMAP_PASSWORD="wrong"), **MAIL_SETTINGS)
    mailbox.deliver(build())
    result = fetch(app)
    assert result.exit_code == 1 and "mail fetch:" in result.output
    assert all(b"\\Seen" not in flags for flags in mailbox.messages().values())


def test_the_password_is_never_sent_unencrypted_to_another_machine(make_app):
    app = make_app(IMAP_HOST="imap.example.invalid", IMAP_SSL=False, IMAP_STARTTLS=False,
                   IMAP_USERNAME="u", IMAP_PASSWORD="p", **MAIL_SETTINGS)
    result = fetch(app)
    assert result.exit_code == 1 and "unencrypted" in result.output
