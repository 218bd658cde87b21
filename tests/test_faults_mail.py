"""Mail under faults: SMTP down or slow, a sender killed mid-send. Requests are always
saved; every mail goes out later, once."""

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from filing import post_request, ref_from
from mailsink import SMTPServer, free_port
from processes import ROOT, child_env, cli, eventually

from helpdesk.extensions import db
from helpdesk.models import Outbox, Ticket, utcnow
from helpdesk.outgoing.outbox import queue_mail, send_pending


class StallingSMTPServer(SMTPServer):
    """Stops answering at RCPT for its first `stalls` mails, until released."""

    def __init__(self, stalls=1, port=None):
        super().__init__(port)
        self.stalls = stalls
        self.stalled = threading.Event()
        self.release = threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.stalls > 0:
            self.stalls -= 1
            self.stalled.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    def stop(self):
        self.release.set()
        super().stop()


@pytest.fixture
def stalling_smtp():
    server = StallingSMTPServer().start()
    yield server
    server.stop()


def rows(app):
    with app.app_context():
        found = db.session.execute(db.select(Outbox).order_by(Outbox.id)).scalars().all()
        db.session.expunge_all()
        return found


def make_due(app):
    """Time passes: every backoff is over."""
    with app.app_context():
        db.session.execute(
            db.update(Outbox).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()


def deliver(app):
    with app.app_context():
        return send_pending()


def test_with_smtp_down_every_request_is_saved_and_all_mail_goes_out_once_it_is_back(make_app):
    port = free_port()
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=5)
    client = app.test_client()
    refs = [ref_from(post_request(client, summary=f"Problem {n}")) for n in range(3)]
    assert deliver(app) == (0, 3)  # one failed connection, all three wait
    assert all(row.sent_at is None and row.last_error for row in rows(app))

    server = SMTPServer(port).start()
    try:
        make_due(app)
        assert deliver(app) == (3, 0)
        subjects = sorted(message["Subject"] for message in server.messages)
    finally:
        server.stop()
    assert subjects == sorted(f"[{ref}] We received your request: Problem {n}"
                              for n, ref in enumerate(refs))


def test_a_stalled_smtp_server_never_holds_up_filing_a_request(make_app, stalling_smtp):
    app = make_app(**stalling_smtp.config(), MAIL_BACKGROUND_SENDER=True, MAIL_SEND_INTERVAL=0.2)
    client = app.test_client()
    try:
        ref_from(post_request(client, summary="First"))
        assert stalling_smtp.stalled.wait(20)  # the sender is stuck talking to the server
        second = ref_from(post_request(client, summary="Second"))
        with app.app_context():
            assert Ticket.by_ref(second).summary == "Second"
        stalling_smtp.release.set()
        assert eventually(lambda: len(stalling_smtp.messages) == 2)
    finally:
        stalling_smtp.release.set()
        app.extensions["helpdesk.outgoing.sender"].stop()


def test_smtp_slower_than_the_timeout_is_retried_and_delivered_once(make_app, stalling_smtp):
    app = make_app(**stalling_smtp.config(), MAIL_TIMEOUT=1)
    post_request(app.test_client())
    assert deliver(app) == (0, 1)
    (row,) = rows(app)
    assert "timed out" in row.last_error
    stalling_smtp.release.set()
    make_due(app)
    assert deliver(app) == (1, 0)
    assert len(stalling_smtp.messages) == 1


def test_a_sender_killed_mid_send_leaves_its_mail_to_another_sender(make_app, stalling_smtp):
    app = make_app(**stalling_smtp.config())
    with app.app_context():
        queued = [queue_mail(f"p{n}@example.com", f"Mail {n}", "Body") for n in range(3)]
        db.session.commit()
        ids = Counter(row.headers["Message-ID"] for row in queued)
    sender = subprocess.Popen([sys.executable, "-m", "flask", "--app", "helpdesk", "mail", "send"],
                              cwd=ROOT, env=child_env(app, KB_INDEX_ON_START=False),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert stalling_smtp.stalled.wait(60)  # it has claimed the mail and is sending
    os.kill(sender.pid, signal.SIGKILL)
    sender.wait()
    stalling_smtp.release.set()

    # Its claim is still fresh: another sender leaves the mail alone for now...
    done = cli(app, "mail", "send", KB_INDEX_ON_START=False)
    assert "0 sent" in done.stdout and stalling_smtp.messages == []
    # ...and takes it over once the claim has expired.
    time.sleep(1.2)
    done = cli(app, "mail", "send", KB_INDEX_ON_START=False, MAIL_CLAIM_TIMEOUT=1)
    assert "3 sent, 0 failed" in done.stdout, done.stderr
    assert Counter(message["Message-ID"] for message in stalling_smtp.messages) == ids
    assert all(row.sent_at is not None for row in rows(app))
