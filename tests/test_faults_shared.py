"""Redis killed, PostgreSQL restarted, while visitors file requests and read pages on four
gunicorn workers: the only refusal anyone sees is the "try again" page (503), the site
serves again by itself once the service is back, and every request a visitor was told
was filed exists exactly once (none lost, none doubled)."""

import http.client
import threading
import time
from collections import Counter

import pytest
from accounts import make_user
from filing import PNG, hidden_fields
from pgserver import migrate, private_cluster
from processes import eventually, gunicorn
from webclient import FORM, Browser

from helpdesk.extensions import db
from helpdesk.models import Ticket

PASSWORD = "a long enough password"
AFTER = "Filed after the outage"
# Limits stay on (counted in Redis) but far above what the test sends.
ROOMY_LIMITS = {"RATELIMIT_ENABLED": True, "REQUEST_RATE_LIMIT_IP": "10000 per minute",
                "REQUEST_RATE_LIMIT_EMAIL": "10000 per minute",
                "AUTH_RATE_LIMIT_IP": "10000 per minute", "REDIS_FAILURE": "closed"}


class Load:
    """Visitors on their own threads until stopped: some file requests (sending the same
    form again after a "try again" page, as a person would), one signed-in person reads
    "My requests", others read the help center. Every answer's status is counted."""

    def __init__(self, port, filers=3):
        self.port, self.filers = port, filers
        self.statuses, self.confirmed = Counter(), []
        self.sent = {}  # summary -> the statuses its sending got
        self.stopping = threading.Event()
        self.threads = []

    def answer(self, call):
        try:
            status = call()[0]
        except (OSError, http.client.HTTPException) as exc:
            status = exc.__class__.__name__
        self.statuses[status] += 1
        return status

    def file(self, number):
        person, sent = Browser(self.port), 0
        while not self.stopping.is_set():
            sent += 1
            summary = f"Load {number}-{sent}"
            fields = None
            while not self.stopping.is_set():
                if fields is None:
                    page = self.page(lambda: person.get(FORM))
                    if page is None:
                        continue
                    fields = {**hidden_fields(page), "email": "ann@example.com",
                              "summary": summary, "description": "It times out.",
                              "application": "web"}
                status = self.answer(lambda: person.post_files(FORM, fields,
                                                               [("screen.png", PNG)]))
                self.sent.setdefault(summary, []).append(status)
                if status == 303:
                    self.confirmed.append(summary)
                    break
                if status == 400:  # the form expired: open it again
                    fields = None
                time.sleep(0.1)

    def page(self, call):
        """The page's text when it was served (200), else None after a short pause."""
        try:
            status, _, text = call()
        except (OSError, http.client.HTTPException) as exc:
            status = exc.__class__.__name__
        self.statuses[status] += 1
        if status != 200:
            time.sleep(0.1)
            return None
        return text

    def read(self, paths, browser):
        while not self.stopping.is_set():
            for path in paths:
                self.answer(lambda: browser.get(path))

    def __enter__(self):
        ann = Browser(self.port)
        assert ann.sign_in("ann@example.com", PASSWORD) == 303
        jobs = [(self.file, (n,)) for n in range(self.filers)]
        jobs += [(self.read, (["/requests"], ann)),
                 (self.read, (["/", "/api/suggest?q=passw", "/articles/"], Browser(self.port)))]
        self.threads = [threading.Thread(target=job, args=args) for job, args in jobs]
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        for thread in self.threads:
            thread.join(120)

    def wait_for(self, status, timeout=60):
        start = self.statuses[status]
        return eventually(lambda: self.statuses[status] > start, timeout=timeout)


def filed_summaries(app):
    with app.app_context():
        return Counter(db.session.execute(db.select(Ticket.summary)).scalars().all())


def check_nothing_lost_or_doubled(app, load):
    in_database = filed_summaries(app)
    in_database.pop(AFTER, None)
    assert load.confirmed, "no request was filed during the test"
    assert sorted(in_database.elements()) == sorted(load.confirmed), load.sent


def served_again(port):
    ann = Browser(port)
    return eventually(lambda: ann.sign_in("ann@example.com", PASSWORD) == 303
                      and ann.get("/requests")[0] == 200
                      and ann.file_request(AFTER)[0] == 303)


def outage_under_load(app, tmp_path, redis_server, cut, restore):
    """Four workers under load; `cut()` takes a service away until `restore()`."""
    make_user(app, "ann@example.com", password=PASSWORD)
    with gunicorn(app, tmp_path, workers=4, REDIS_URL=redis_server.url,
                  **ROOMY_LIMITS) as server:
        with Load(server.port) as load:
            assert load.wait_for(303)
            cut()
            assert load.wait_for(503)
            time.sleep(1)
            restore()
            assert load.wait_for(303)
        assert served_again(server.port)
    return load


def test_redis_killed_and_restarted_mid_load(make_app, tmp_path, redis_server):
    app = make_app()
    load = outage_under_load(app, tmp_path, redis_server, redis_server.kill, redis_server.start)
    assert set(load.statuses) <= {200, 303, 503}, load.statuses
    check_nothing_lost_or_doubled(app, load)


@pytest.fixture
def restartable_postgres(make_app):
    with private_cluster() as cluster:
        app = make_app(SQLALCHEMY_DATABASE_URI=cluster.url)
        migrate(app)
        yield app, cluster


def test_postgresql_restarted_mid_load(restartable_postgres, tmp_path, redis_server):
    app, cluster = restartable_postgres
    load = outage_under_load(app, tmp_path, redis_server, cluster.stop, cluster.start)
    assert set(load.statuses) <= {200, 303, 503}, load.statuses
    check_nothing_lost_or_doubled(app, load)
