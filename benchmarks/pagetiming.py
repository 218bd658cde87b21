"""Shared by the page benchmarks (my_requests.py, agent_queue.py): an app on a temporary
instance, a long conversation to show, a signed-in test client, per-page latency with the
SQL statements counted, the query plans of a page's statements, and the full-text table
dropped to time the LIKE search."""

import importlib.util
import re
import time
from pathlib import Path

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations" / "versions"


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def build_app(instance, database, **settings):
    """The app on `instance`, with what gets in a benchmark's way turned off."""
    from helpdesk import create_app
    config = {"INSTANCE_PATH": str(instance), "KB_INDEX_ON_START": False,
              "RATELIMIT_ENABLED": False, "MAIL_BACKGROUND_SENDER": False,
              "EVENTS_FLUSH_SECONDS": 0, "SECRET_KEY": "benchmark",
              "EXTERNAL_URL": "https://help.example.com"}
    if database:
        config["SQLALCHEMY_DATABASE_URI"] = database
    config.update(settings)
    return create_app(config)


def add_conversation(ticket_id, start, agent, requester, words, rng, replies=39):
    """`replies` messages on one request, turn about between `requester` and `agent` (each
    (user id or None, email)); every fourth is an internal note, every third has a file."""
    from datetime import timedelta

    from helpdesk.extensions import db
    from helpdesk.models import Attachment, Message
    for n in range(replies):
        internal = n % 4 == 3
        author_id, author_email = agent if (n % 2 or internal) else requester
        message = Message(ticket_id=ticket_id, author_id=author_id, author_email=author_email,
                          body=f"Reply {n}: " + " ".join(rng.choice(words) for _ in range(30)),
                          internal=internal, created_at=start + timedelta(minutes=n))
        db.session.add(message)
        db.session.flush()
        if n % 3 == 0:
            db.session.add(Attachment(
                public_id=f"bench{n:04d}", ticket_id=ticket_id, message_id=message.id,
                original_name=f"log-{n}.txt", content_type="text/plain", size=1234,
                sha256="0" * 64, storage_key=f"00/00/{n:032x}", inline_ok=False))


class QueryCounter:
    def __init__(self, engine):
        from sqlalchemy import event
        self.engine, self.count = engine, 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *args):
        self.count += 1

    def close(self):
        from sqlalchemy import event
        event.remove(self.engine, "before_cursor_execute", self._seen)


def signed_in_client(app, email, **session_values):
    """A test client holding the session a sign-in as `email` would give (the sign-in
    itself is not what is measured)."""
    from helpdesk.extensions import db
    from helpdesk.models import User
    with app.app_context():
        user = db.session.execute(db.select(User).where(User.email == email)).scalar_one()
        stored_id = user.get_id()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = stored_id
        session["_fresh"] = True
        session.update(session_values)
    return client


def measure(app, client, url, repeat, row_pattern, warmup=5, cpu=None):
    """(times in ms, distinct statement counts, rows shown, messages shown) for `url`;
    with a list as `cpu`, each request's CPU time in ms (this thread's) is added to it."""
    from helpdesk.extensions import db
    with app.app_context():
        counter = QueryCounter(db.engine)
    for _ in range(warmup):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    times, queries = [], set()
    for _ in range(repeat):
        before = counter.count
        start, start_cpu = time.perf_counter(), time.thread_time()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        if cpu is not None:
            cpu.append((time.thread_time() - start_cpu) * 1000)
        queries.add(counter.count - before)
        assert response.status_code == 200
    counter.close()
    body = response.get_data(as_text=True)
    rows = len(re.findall(row_pattern, body))
    messages = len(re.findall(r'<li class="message', body))
    return times, queries, rows, messages


class StatementLog:
    """The SQL statements (with their parameters) the app runs while it is open."""

    def __init__(self, engine):
        from sqlalchemy import event
        self.engine, self.seen = engine, []
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, conn, cursor, statement, parameters, context, executemany):
        self.seen.append((statement, parameters))

    def close(self):
        from sqlalchemy import event
        event.remove(self.engine, "before_cursor_execute", self._seen)


def statements(app, client, url, touching=("ticket", "ticket_search", "queue_count")):
    """The statements one request for `url` runs that read the tables in `touching`."""
    from helpdesk.extensions import db
    with app.app_context():
        log = StatementLog(db.engine)
    try:
        assert client.get(url).status_code == 200, url
    finally:
        log.close()
    reads = re.compile(rf"\bFROM ({'|'.join(touching)})\b")
    return [(sql, params) for sql, params in log.seen if reads.search(sql)]


def plan(app, sql, params):
    """The query plan of one statement, in one line: SQLite's EXPLAIN QUERY PLAN, or
    PostgreSQL's EXPLAIN ANALYZE nodes with their rows and the execution time."""
    from helpdesk.extensions import db
    with app.app_context(), db.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params).all()
            return " | ".join(row[-1] for row in rows)
        lines = [row[0] for row in conn.exec_driver_sql(
            "EXPLAIN (ANALYZE, COSTS OFF, BUFFERS OFF) " + sql, params)]
    return _postgresql_nodes(lines)


def _postgresql_nodes(lines):
    nodes, took = [], ""
    for line in lines:
        text = line.strip()
        if text.startswith("Execution Time"):
            took = text.split(":", 1)[1].strip()
        if not (text.startswith("->") or line is lines[0]):
            continue
        text = text.removeprefix("->").strip()
        name, _, actual = text.partition(" (actual")
        rows = re.search(r"rows=(\d+)", actual)
        nodes.append(f"{name} [{rows.group(1) if rows else '?'}]")
    return " > ".join(nodes) + f"; {took}"


def drop_fulltext(app):
    """Drop SQLite's full-text table and its triggers as migration 0009's downgrade does,
    leaving what an SQLite without FTS5 has: the search before it, with LIKE."""
    from sqlalchemy import text

    from helpdesk.extensions import db
    spec = importlib.util.spec_from_file_location(
        "migration_0009", next(MIGRATIONS.glob("0009_*.py")))
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with app.app_context():
        for statement in migration.SQLITE_FULLTEXT_DOWN:
            db.session.execute(text(statement))
        db.session.commit()
        db.engine.dispose()
