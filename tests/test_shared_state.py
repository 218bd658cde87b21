"""Several workers and hosts that share one truth through Redis: a limit counts every
attempt whichever worker takes it, a session started on one worker or host is seen by
all, and two hosts behind one nginx share the database, Redis and the attachments."""

import os
import re
import signal

import databases
import pytest
from accounts import make_user
from filing import PNG
from nginxproxy import nginx
from pgserver import migrate, private_cluster
from processes import eventually, get, gunicorn, worker_pids
from webclient import Browser

from helpdesk.extensions import db
from helpdesk.models import Message, Ticket, WebSession

PASSWORD = "a long enough password"
WRONG = "wrong guess 1234"


def restart_every_worker(server):
    """Kill every worker; gunicorn starts fresh ones, which know only what is shared."""
    before = set(worker_pids(server.proc.pid))
    for pid in before:
        os.kill(pid, signal.SIGKILL)
    assert eventually(lambda: len(set(worker_pids(server.proc.pid)) - before) >= 4)
    assert eventually(lambda: get(server.port, "/healthz")[0] == 200)


@pytest.fixture
def four_workers(make_app, tmp_path, redis_server):
    app = make_app()
    make_user(app, "ann@example.com", password=PASSWORD)
    with gunicorn(app, tmp_path, workers=4, REDIS_URL=redis_server.url,
                  RATELIMIT_ENABLED=True, AUTH_PASSWORD_FAILURES_PER_SOURCE="3 per hour",
                  AUTH_RATE_LIMIT_IP="3 per hour") as server:
        yield app, server


def test_the_attempt_past_the_limit_is_refused_by_every_worker(four_workers):
    _, server = four_workers
    guesser = Browser(server.port)
    assert [guesser.sign_in("ann@example.com", WRONG) for _ in range(3)] == [400] * 3
    assert [guesser.sign_in("ann@example.com", WRONG) for _ in range(8)] == [429] * 8
    restart_every_worker(server)  # counters kept in a worker's memory would be gone now
    assert guesser.sign_in("ann@example.com", WRONG) == 429


def test_the_sign_in_link_asked_for_past_the_limit_is_refused_by_every_worker(four_workers):
    _, server = four_workers
    asker = Browser(server.port)

    def ask():
        return asker.post("/login", {**asker.form("/login"), "email": "ann@example.com"})[0]

    assert [ask() for _ in range(3)] == [303] * 3
    assert [ask() for _ in range(8)] == [429] * 8
    restart_every_worker(server)
    assert ask() == 429


def test_a_session_started_on_one_worker_is_seen_by_all(four_workers):
    app, server = four_workers
    ann = Browser(server.port)
    assert ann.sign_in("ann@example.com", PASSWORD) == 303
    assert [ann.signed_in_as() for _ in range(8)] == [(200, "ann@example.com")] * 8
    restart_every_worker(server)
    assert ann.signed_in_as() == (200, "ann@example.com")
    with app.app_context():  # kept in Redis, not in the database
        assert db.session.execute(db.select(db.func.count(WebSession.id))).scalar() == 0


# --- two hosts behind one nginx -------------------------------------------------------------

@pytest.fixture
def shared_database(make_app):
    """An app on PostgreSQL: the suite's own when it runs on it, else a private cluster."""
    if databases.configured_url():
        yield make_app()
        return
    with private_cluster() as cluster:
        app = make_app(SQLALCHEMY_DATABASE_URI=cluster.url)
        migrate(app)
        yield app


@pytest.fixture
def two_hosts(shared_database, tmp_path, redis_server):
    """Two gunicorn "hosts", each with its own index folder, sharing PostgreSQL, Redis and
    the attachments folder, behind the sample nginx site."""
    app = shared_database
    make_user(app, "agent@example.com", role="agent", password=PASSWORD)
    shared = {"REDIS_URL": redis_server.url, "RATELIMIT_ENABLED": True,
              "UPLOAD_DIR": tmp_path / "shared-uploads", "PROXY_FIX_X_FOR": 1,
              "PROXY_FIX_X_PROTO": 1}
    with gunicorn(app, tmp_path, workers=2, INDEX_DIR=tmp_path / "host-a-index",
                  **shared) as a, \
            gunicorn(app, tmp_path, workers=2, INDEX_DIR=tmp_path / "host-b-index",
                     **shared) as b, \
            nginx(tmp_path / "nginx", [a.port, b.port]) as front:
        yield app, a, b, front


def test_a_request_filed_on_one_host_is_answered_from_the_other_with_its_file(two_hosts):
    app, a, b, _ = two_hosts
    status, ref = Browser(a.port).file_request("Export fails", [("screen.png", PNG)])
    assert status == 303 and ref

    agent = Browser(a.port)
    assert agent.sign_in("agent@example.com", PASSWORD) == 303
    on_b = agent.at(b.port)  # the same browser, now served by the other host
    status, _, page = on_b.get(f"/agent/requests/{ref}")
    assert status == 200 and "Export fails" in page
    link = re.search(r'href="(/attachments/[^"]+/screen\.png)"', page).group(1)
    status, headers, content = on_b.request_bytes("GET", link)
    assert status == 200 and content == PNG

    fields = {**dict(re.findall(r'<input[^>]*name="(csrf_token|seen)"[^>]*value="([^"]*)"',
                                page)), "body": "Thanks, we are on it.", "send": "1"}
    assert on_b.post_files(f"/agent/requests/{ref}/reply", fields, [])[0] == 303
    with app.app_context():
        bodies = db.session.execute(db.select(Message.body).where(
            Message.ticket_id == Ticket.by_ref(ref).id)).scalars().all()
    assert "Thanks, we are on it." in bodies


def test_behind_nginx_a_session_is_seen_by_both_hosts(two_hosts):
    _, a, b, front = two_hosts
    agent = Browser(front)
    assert agent.sign_in("agent@example.com", PASSWORD) == 303
    assert [agent.at(port).get("/agent/")[0] for port in (a.port, b.port, front, front)] \
        == [200] * 4
