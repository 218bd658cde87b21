"""Several processes and hosts: a worker killed mid-submission, two hosts with their own
article index on the same articles and database, an index deleted under live workers."""

import http.client
import os
import re
import shutil
import signal
import threading
from http.cookies import SimpleCookie

import databases
import pytest
from filing import PNG, multipart
from processes import cli, eventually, get, get_json, gunicorn, worker_pids

from helpdesk.extensions import db
from helpdesk.models import Ticket

FORM = "/requests/new/technical-support"
LOG = b"export failed: timeout after 30 s\n" * 3000


def open_form(port):
    """(cookie header, hidden fields) of a fresh form, as a browser gets them."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", FORM)
    response = conn.getresponse()
    page = response.read().decode()
    conn.close()
    cookie = SimpleCookie(response.headers.get("Set-Cookie", ""))
    hidden = dict(re.findall(
        r'name="(csrf_token|submission_token)" type="hidden" value="([^"]*)"', page))
    return "; ".join(f"{k}={v.value}" for k, v in cookie.items()), hidden


def send_form(port, cookie, hidden, files):
    """POST the form; returns the status, or None when the connection died."""
    fields = {**hidden, "email": "ann@example.com", "summary": "Export fails",
              "description": "It times out.", "application": "web"}
    body, content_type = multipart(fields, files)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("POST", FORM, body=body,
                     headers={"Content-Type": content_type, "Cookie": cookie})
        return conn.getresponse().status
    except (OSError, http.client.HTTPException):
        return None
    finally:
        conn.close()


def tickets(app):
    with app.app_context():
        return db.session.execute(db.select(db.func.count(Ticket.id))).scalar()


def stored_files(app):
    root = app.config["UPLOAD_DIR"]
    return [os.path.join(d, f) for d, _, names in os.walk(root) for f in names]


def test_a_worker_killed_mid_submission_leaves_no_request_and_maintenance_removes_its_files(
        make_app, tmp_path):
    app = make_app()
    with gunicorn(app, tmp_path, workers=1, DATABASE_LOCK_TIMEOUT=60) as server:
        cookie, hidden = open_form(server.port)
        outcome = []
        with databases.write_lock(app.config["SQLALCHEMY_DATABASE_URI"]):
            sending = threading.Thread(target=lambda: outcome.append(send_form(
                server.port, cookie, hidden, [("screen.png", PNG), ("export.log", LOG)])))
            sending.start()
            # The files are stored and the worker waits for the database: kill it there.
            assert eventually(lambda: len(stored_files(app)) == 2)
            for pid in worker_pids(server.proc.pid):
                os.kill(pid, signal.SIGKILL)
            sending.join(60)
        assert outcome == [None]  # the browser was never told the request was filed
        assert tickets(app) == 0

        swept = cli(app, "maintenance", UPLOAD_ORPHAN_MIN_AGE=0, KB_INDEX_ON_START=False)
        assert "2 orphan attachment files removed" in swept.stdout, swept.stderr
        assert stored_files(app) == []

        # gunicorn has started a new worker; the person sends the form again.
        assert eventually(lambda: get(server.port, "/healthz")[0] == 200)
        assert send_form(server.port, cookie, hidden, [("screen.png", PNG)]) == 303
        assert tickets(app) == 1 and len(stored_files(app)) == 1


def first_slugs(port, text):
    status, body = get_json(port, f"/api/suggest?q={text}")
    assert status == 200, body  # never an error, even while the index is rebuilt
    return [r["slug"] for r in body["results"]]


@pytest.fixture
def two_hosts(make_app, tmp_path):
    """Two app servers on the same articles and database, each with its own index."""
    app = make_app()
    with gunicorn(app, tmp_path, workers=2, INDEX_DIR=tmp_path / "host-a-index",
                  KB_CHECK_INTERVAL=0.2) as a, \
         gunicorn(app, tmp_path, workers=2, INDEX_DIR=tmp_path / "host-b-index",
                  KB_CHECK_INTERVAL=0.2) as b:
        yield app, a, b


def test_two_hosts_each_build_their_own_index_and_answer_searches(two_hosts, tmp_path):
    _, a, b = two_hosts
    for host in (a, b):
        assert eventually(lambda: first_slugs(host.port, "password")[:1] == ["account/passwords"])
    assert (tmp_path / "host-a-index" / "manifest.json").exists()
    assert (tmp_path / "host-b-index" / "manifest.json").exists()


def test_an_edited_article_reaches_every_worker_of_both_hosts(two_hosts, write_article):
    _, a, b = two_hosts
    write_article("faq/quarantine.md", "---\ntitle: Mail stuck in quarantine\n---\n"
                  "Release it from the zebrafish filter.\n")
    for host in (a, b):
        assert eventually(lambda: all(first_slugs(host.port, "zebrafish") == ["faq/quarantine"]
                                      for _ in range(6)))


def test_a_request_filed_on_one_host_is_in_the_database_the_other_host_reads(two_hosts):
    app, a, b = two_hosts
    cookie, hidden = open_form(a.port)
    assert send_form(a.port, cookie, hidden, [("screen.png", PNG)]) == 303
    status, health = get_json(b.port, "/healthz")
    assert status == 200 and health["outbox"]["pending"] == 1  # its confirmation mail
    assert tickets(app) == 1


def test_an_index_deleted_under_live_workers_is_rebuilt_while_pages_keep_serving(
        make_app, tmp_path):
    app = make_app()
    index = tmp_path / "index"
    with gunicorn(app, tmp_path, workers=2, INDEX_DIR=index, KB_CHECK_INTERVAL=0.2) as server:
        assert eventually(lambda: first_slugs(server.port, "password")[:1] == ["account/passwords"])
        shutil.rmtree(index)
        statuses = set()

        def answers_again():
            statuses.add(get(server.port, "/articles/account/passwords")[0])
            statuses.add(get(server.port, "/search?q=password")[0])
            return all(first_slugs(server.port, "password")[:1] == ["account/passwords"]
                       for _ in range(6))

        assert eventually(answers_again), server.log()[-4000:]
        assert statuses == {200}
        assert (index / "manifest.json").exists()
