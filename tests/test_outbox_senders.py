"""Several senders at once (threads, processes) deliver every mail exactly once."""

import asyncio
import json
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter

import pytest
from mailsink import SMTPServer
from processes import ROOT, child_env, eventually

from helpdesk.extensions import db
from helpdesk.models import Outbox
from helpdesk.outgoing.outbox import claim, queue_mail, send_pending

MAILS = 80


class SlowSMTPServer(SMTPServer):
    """Takes a moment per mail, as a real relay does, so senders overlap."""

    delay = 0.02

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(self.delay)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def slow_smtp():
    server = SlowSMTPServer().start()
    yield server
    server.stop()


@pytest.fixture
def queued(make_app, slow_smtp):
    """An app with MAILS mails waiting; returns (app, their Message-IDs)."""
    app = make_app(**slow_smtp.config(), MAIL_CLAIM_BATCH=3)
    with app.app_context():
        rows = [queue_mail(f"person{n}@example.com", f"Mail {n}", f"Body {n}")
                for n in range(MAILS)]
        db.session.commit()
        ids = {row.headers["Message-ID"] for row in rows}
    return app, ids


def delivered_ids(server):
    return Counter(message["Message-ID"] for message in server.messages)


def unsent(app):
    with app.app_context():
        return db.session.execute(
            db.select(db.func.count(Outbox.id)).where(Outbox.sent_at.is_(None))).scalar()


SENDER = textwrap.dedent("""
    import json, sys, time
    from pathlib import Path
    from helpdesk import create_app
    from helpdesk.outgoing.outbox import send_pending
    go = Path(sys.argv[1])
    app = create_app()
    with app.app_context():
        (go.parent / f"ready-{sys.argv[2]}").touch()
        while not go.exists():  # every sender starts at the same moment
            time.sleep(0.01)
        total = 0
        while True:
            sent, failed = send_pending()
            total += sent
            if not sent or failed:
                break
    print(json.dumps({"sent": total}))
""")


def test_several_sender_processes_send_every_mail_exactly_once(queued, slow_smtp, tmp_path):
    app, ids = queued
    go = tmp_path / "go"
    senders = [subprocess.Popen([sys.executable, "-c", SENDER, str(go), str(n)], cwd=ROOT,
                                env=child_env(app, KB_INDEX_ON_START=False,
                                              **slow_smtp.config(), MAIL_CLAIM_BATCH=3),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for n in range(4)]
    assert eventually(lambda: len(list(tmp_path.glob("ready-*"))) == 4, timeout=120)
    go.touch()
    outputs = [sender.communicate(timeout=180) for sender in senders]
    assert all(sender.returncode == 0 for sender in senders), [err for _, err in outputs]
    per_process = [json.loads(out)["sent"] for out, _ in outputs]

    assert delivered_ids(slow_smtp) == Counter({message_id: 1 for message_id in ids})
    assert sum(per_process) == MAILS and unsent(app) == 0
    assert sum(1 for n in per_process if n) >= 2, per_process  # they shared the work


def test_several_sender_threads_send_every_mail_exactly_once(queued, slow_smtp):
    app, ids = queued
    counts, start = [], threading.Barrier(4)

    def sender():
        with app.app_context():
            start.wait()
            total = 0
            while True:
                sent, failed = send_pending()
                total += sent
                if not sent or failed:
                    break
            counts.append(total)
            db.session.remove()

    threads = [threading.Thread(target=sender) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(180)

    assert delivered_ids(slow_smtp) == Counter({message_id: 1 for message_id in ids})
    assert sum(counts) == MAILS and unsent(app) == 0


def test_a_sender_claims_one_small_batch_and_leaves_the_rest_to_others(queued):
    app, _ = queued
    with app.app_context():
        first = {row.id for row in claim(3)[1]}
        second = {row.id for row in claim(3)[1]}
    assert len(first) == len(second) == 3 and not first & second


class VerySlowSMTPServer(SlowSMTPServer):
    delay = 1.0


def test_a_sender_on_a_slow_server_keeps_its_claim_so_no_mail_goes_out_twice(make_app):
    """A batch that takes longer than MAIL_CLAIM_TIMEOUT renews its claim as it goes, so
    a second sender trying all along never takes over mail still being sent."""
    server = VerySlowSMTPServer().start()
    try:
        app = make_app(**server.config(), MAIL_CLAIM_TIMEOUT=4, MAIL_CLAIM_BATCH=6)
        with app.app_context():
            ids = Counter(queue_mail(f"p{n}@example.com", f"Mail {n}", "Body")
                          .headers["Message-ID"] for n in range(6))
            db.session.commit()
        done, rival_sent = threading.Event(), []

        def rival():
            with app.app_context():
                while not server.envelopes:  # the first sender's batch is under way
                    time.sleep(0.05)
                while not done.is_set():
                    rival_sent.append(send_pending()[0])
                    time.sleep(0.2)
                db.session.remove()

        thread = threading.Thread(target=rival)
        thread.start()
        with app.app_context():
            first = send_pending()
        done.set()
        thread.join(60)
        assert first == (6, 0) and sum(rival_sent) == 0
        assert Counter(m["Message-ID"] for m in server.messages) == ids
    finally:
        server.stop()


def test_a_sender_that_stops_hands_back_the_mail_it_had_claimed(queued, slow_smtp):
    """A worker being recycled stops after its current mail; another sender can take the
    rest at once instead of waiting for the claim to expire."""
    app, ids = queued
    asked = []

    def stop_after_the_first_mail():
        asked.append(1)
        return len(asked) > 2  # the loop's check, then one per mail of the batch

    with app.app_context():
        assert send_pending(should_stop=stop_after_the_first_mail) == (1, 0)
        held = db.session.execute(db.select(db.func.count(Outbox.id))
                                  .where(Outbox.claim_token.is_not(None))).scalar()
        assert held == 0
        assert send_pending(limit=1000) == (MAILS - 1, 0)
    assert delivered_ids(slow_smtp) == Counter({message_id: 1 for message_id in ids})
