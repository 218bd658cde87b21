"""Mail after a request: queued with it, delivered by SMTP, retried, never sent twice."""

import re
import time
from datetime import timedelta

import pytest
from filing import post_request, ref_from
from mailsink import SMTPServer, free_port

from helpdesk.extensions import db
from helpdesk.models import Outbox, Ticket, User, utcnow
from helpdesk.outgoing.outbox import send_pending


@pytest.fixture
def mail_app(make_app, smtp_server):
    return make_app(**smtp_server.config(), MAIL_DEFAULT_SENDER="Help Center <help@example.com>",
                    EXTERNAL_URL="https://help.example.com")


def deliver(app):
    with app.app_context():
        return send_pending()


def outbox_rows(app):
    with app.app_context():
        return db.session.execute(db.select(Outbox).order_by(Outbox.id)).scalars().all()


def test_the_requester_gets_a_confirmation_with_the_reference_in_the_subject(mail_app, smtp_server):
    ref = ref_from(post_request(mail_app.test_client(), email="ann@example.com"))
    deliver(mail_app)
    (mail,) = smtp_server.messages
    assert mail["To"] == "ann@example.com"
    assert mail["Subject"] == f"[{ref}] We received your request: The export button does nothing"
    assert mail["From"] == "Help Center <help@example.com>"
    assert re.fullmatch(r"<[^<>@\s]+@example\.com>", mail["Message-ID"])


def test_the_confirmation_has_text_and_html_parts_with_the_summary(mail_app, smtp_server):
    post_request(mail_app.test_client())
    deliver(mail_app)
    mail = smtp_server.messages[0]
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "The export button does nothing" in text and "The export button does nothing" in html


def test_the_link_in_the_mail_opens_the_request_without_a_password(mail_app, smtp_server):
    post_request(mail_app.test_client())
    deliver(mail_app)
    text = smtp_server.messages[0].get_body(("plain",)).get_content()
    link = re.search(r"https://help\.example\.com(/requests/HD-\d+\?t=\S+)", text).group(1)
    stranger = mail_app.test_client()
    page = stranger.get(link)
    assert page.status_code == 200
    assert "The export button does nothing" in page.get_data(as_text=True)


def test_a_tampered_link_shows_nothing(mail_app, smtp_server):
    post_request(mail_app.test_client())
    deliver(mail_app)
    text = smtp_server.messages[0].get_body(("plain",)).get_content()
    link = re.search(r"https://help\.example\.com(/requests/HD-\d+\?t=\S+)", text).group(1)
    assert mail_app.test_client().get(link[:-2] + "xx").status_code == 404
    assert mail_app.test_client().get(link.split("?")[0]).status_code == 404


def test_an_expired_link_shows_nothing(make_app, smtp_server):
    app = make_app(**smtp_server.config(), REQUEST_LINK_MAX_AGE_DAYS=-1)
    post_request(app.test_client())
    deliver(app)
    text = smtp_server.messages[0].get_body(("plain",)).get_content()
    path = re.search(r"http://localhost(/requests/HD-\d+\?t=\S+)", text).group(1)
    assert app.test_client().get(path).status_code == 404


def test_a_link_for_one_request_does_not_open_another(mail_app, smtp_server):
    client = mail_app.test_client()
    post_request(client)
    post_request(client, summary="Second")
    deliver(mail_app)
    text = smtp_server.messages[0].get_body(("plain",)).get_content()
    token = re.search(r"\?t=(\S+)", text).group(1)
    assert mail_app.test_client().get(f"/requests/HD-1002?t={token}").status_code == 404


def test_links_use_external_url_not_the_host_header(mail_app, smtp_server):
    post_request(mail_app.test_client(), headers={"Host": "evil.example"})
    deliver(mail_app)
    text = smtp_server.messages[0].get_body(("plain",)).get_content()
    assert "evil.example" not in text and "https://help.example.com/requests/" in text


def test_without_external_url_production_mail_never_uses_the_host_header(
        make_app, smtp_server, caplog):
    app = make_app(**smtp_server.config(), TESTING=False)
    post_request(app.test_client(), headers={"Host": "evil.example"})
    deliver(app)
    text = smtp_server.messages[0].get_body(("plain",)).get_content()
    assert "evil.example" not in text
    assert "EXTERNAL_URL is not set" in caplog.text


def test_agents_are_notified_at_the_configured_address(make_app, smtp_server):
    app = make_app(**smtp_server.config(), AGENT_NOTIFY_ADDRESS="support-team@example.com")
    firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
    ref = ref_from(post_request(app.test_client(), headers={"User-Agent": firefox}))
    deliver(app)
    notice = next(m for m in smtp_server.messages if m["To"] == "support-team@example.com")
    assert notice["Subject"].startswith(f"[{ref}] New request:")
    text = notice.get_body(("plain",)).get_content()
    assert "I click Export and nothing happens." in text and "Firefox" in text


def test_without_an_address_every_active_agent_is_notified(app, smtp_server, make_app):
    app = make_app(**smtp_server.config())
    with app.app_context():
        proven = utcnow()
        db.session.add_all([User(email="agent@example.com", role="agent", email_verified_at=proven),
                            User(email="boss@example.com", role="admin", email_verified_at=proven),
                            User(email="gone@example.com", role="agent", is_active=False,
                                 email_verified_at=proven),
                            User(email="invited@example.com", role="agent"),  # not yet proven
                            User(email="someone@example.com", role="requester",
                                 email_verified_at=proven)])
        db.session.commit()
    post_request(app.test_client())
    deliver(app)
    notice = next(m for m in smtp_server.messages if "New request" in m["Subject"])
    assert notice["To"] == "agent@example.com, boss@example.com"


def test_mail_is_queued_in_the_same_transaction_as_the_request(app, client):
    post_request(client)
    rows = outbox_rows(app)
    assert len(rows) == 1 and rows[0].sent_at is None and rows[0].ticket_id is not None


def test_a_summary_with_line_breaks_cannot_inject_headers(mail_app, smtp_server):
    hostile = "Help\r\nBcc: victim@example.com\r\nX-Evil: 1"
    post_request(mail_app.test_client(), summary=hostile)
    deliver(mail_app)
    mail = smtp_server.messages[0]
    assert mail["Bcc"] is None and mail["X-Evil"] is None
    assert "\n" not in mail["Subject"] and "Bcc: victim@example.com" in mail["Subject"]
    assert smtp_server.envelopes[0].rcpt_tos == ["ann@example.com"]


def test_with_smtp_down_the_request_is_saved_and_mail_goes_out_later(make_app):
    port = free_port()
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=5)
    response = post_request(app.test_client())
    assert response.status_code == 303
    assert deliver(app) == (0, 1)
    row = outbox_rows(app)[0]
    assert row.sent_at is None and row.attempts == 1 and "Connection" in row.last_error
    assert row.next_attempt_at > utcnow()

    server = SMTPServer(port).start()
    try:
        assert deliver(app) == (0, 0)  # backing off: not due yet
        with app.app_context():  # a minute passes
            db.session.get(Outbox, row.id).next_attempt_at = utcnow() - timedelta(seconds=1)
            db.session.commit()
        assert deliver(app) == (1, 0)
        assert len(server.messages) == 1
    finally:
        server.stop()
    with app.app_context():
        assert db.session.execute(db.select(Ticket)).scalar_one().summary
        assert outbox_rows(app)[0].sent_at is not None


def test_backoff_grows_with_each_failure(make_app):
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_TIMEOUT=5)
    post_request(app.test_client())
    delays = []
    for _ in range(3):
        with app.app_context():
            db.session.execute(db.update(Outbox).values(next_attempt_at=utcnow()))
            db.session.commit()
        deliver(app)
        row = outbox_rows(app)[0]
        delays.append(row.next_attempt_at - utcnow())
    assert delays[0] < delays[1] < delays[2]


def test_delivered_mail_is_never_sent_again(mail_app, smtp_server):
    post_request(mail_app.test_client())
    assert deliver(mail_app) == (1, 0)
    assert deliver(mail_app) == (0, 0)
    assert len(smtp_server.messages) == 1


def test_mail_claimed_by_another_sender_is_left_to_it(mail_app, smtp_server):
    post_request(mail_app.test_client())
    with mail_app.app_context():
        db.session.execute(db.update(Outbox).values(claimed_at=utcnow()))
        db.session.commit()
    assert deliver(mail_app) == (0, 0)
    assert smtp_server.messages == []


def test_a_claim_left_by_a_crashed_sender_is_taken_over(mail_app, smtp_server):
    post_request(mail_app.test_client())
    with mail_app.app_context():
        db.session.execute(db.update(Outbox).values(
            claimed_at=utcnow() - timedelta(hours=1), attempts=1))
        db.session.commit()
    assert deliver(mail_app) == (1, 0)
    assert len(smtp_server.messages) == 1


def test_the_mail_send_command_flushes_the_outbox(mail_app, smtp_server):
    post_request(mail_app.test_client())
    result = mail_app.test_cli_runner().invoke(args=["mail", "send"])
    assert "1 sent, 0 failed" in result.output and result.exit_code == 0
    assert len(smtp_server.messages) == 1


def test_the_background_sender_delivers_without_being_asked(make_app, smtp_server):
    app = make_app(**smtp_server.config(), MAIL_BACKGROUND_SENDER=True, MAIL_SEND_INTERVAL=0.2)
    post_request(app.test_client())
    deadline = time.monotonic() + 20
    while not smtp_server.messages and time.monotonic() < deadline:
        time.sleep(0.05)
    app.extensions["helpdesk.outgoing.sender"].stop()
    assert len(smtp_server.messages) == 1


def test_without_smtp_mail_is_logged_and_listed_on_the_debug_outbox(make_app, caplog):
    app = make_app(DEBUG=True)
    app.debug = True
    client = app.test_client()
    ref = ref_from(post_request(client))
    with caplog.at_level("INFO"):
        assert deliver(app) == (1, 0)
    assert f"[{ref}] We received your request" in caplog.text
    page = client.get("/dev/outbox").get_data(as_text=True)
    assert f"[{ref}] We received your request" in page and "/requests/HD-1001?t=" in page


def test_the_debug_outbox_does_not_exist_in_production(client):
    assert client.get("/dev/outbox").status_code == 404


def test_the_debug_outbox_frames_each_mails_html_part_without_scripts(make_app):
    app = make_app(DEBUG=True)
    app.debug = True
    client = app.test_client()
    ref = ref_from(post_request(client))
    page = client.get("/dev/outbox").get_data(as_text=True)
    frame = re.search(r'<iframe[^>]*sandbox="([^"]*)"[^>]*src="([^"]+)"', page, re.S)
    sandbox = frame.group(1).split()
    assert "allow-scripts" not in sandbox and "allow-same-origin" not in sandbox
    html = client.get(frame.group(2))
    assert f"/requests/{ref}?t=" in html.get_data(as_text=True)
    policy = html.headers["Content-Security-Policy"]
    assert "script-src" not in policy and "default-src 'none'" in policy and "sandbox" in policy
    assert '<base target="_blank">' in html.get_data(as_text=True)  # links leave the frame


def test_a_mails_html_part_is_not_served_in_production(app, client):
    ref_from(post_request(client))
    assert client.get("/dev/outbox/1.html").status_code == 404
