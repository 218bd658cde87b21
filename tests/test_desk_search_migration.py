"""Migration 0009 (desk search and queue at scale) fills the search and the queue counts
for the requests already there, and goes back cleanly, on the suite's database; without
its full-text table SQLite's search falls back to LIKE."""

import importlib.util
import logging
from contextlib import contextmanager
from pathlib import Path

import databases
import pytest
from accounts import file_request
from desk import page, queue_refs, signed_in
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from helpdesk.agent import queue
from helpdesk.extensions import db
from helpdesk.models import Ticket
from helpdesk.tickets import search

VERSIONS = Path(__file__).resolve().parent.parent / "migrations" / "versions"
NEW_INDEXES = {"ix_ticket_queue_updated", "ix_ticket_queue_created"}


def migration_0009():
    path = next(VERSIONS.glob("0009_*.py"))
    spec = importlib.util.spec_from_file_location("migration_0009", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def existing_requests():
    """Two requests written as an older version would: one with a reply and a note."""
    for sql in (
        "INSERT INTO ticket (id, type, requester_email, summary, description, fields, status,"
        " priority, channel, spam, created_at, updated_at) VALUES"
        " (1, 'billing', 'a@example.com', 'Printers jammed', 'Paper stuck', '{}', 'open',"
        " 'normal', 'web', false, '2026-01-01', '2026-01-01'),"
        " (2, 'billing', 'b@example.com', 'Cheap watches', 'Buy now', '{}', 'resolved',"
        " 'normal', 'web', true, '2026-01-01', '2026-01-01')",
        "INSERT INTO message (id, ticket_id, body, internal, source, created_at) VALUES"
        " (1, 1, 'Paper stuck', false, 'web', '2026-01-01'),"
        " (2, 1, 'We sent a voucher', false, 'web', '2026-01-02'),"
        " (3, 1, 'Suspected chargeback', true, 'web', '2026-01-03')",
    ):
        db.session.execute(text(sql))
    db.session.commit()


def finds(query, requester=None):
    statement = search.find(query, requester=requester).apply(db.select(Ticket.id))
    return db.session.execute(statement).scalars().all()


def schema():
    found = inspect(db.engine)
    return set(found.get_table_names()), {i["name"] for i in found.get_indexes("ticket")}


@contextmanager
def requests_before_0009(tmp_path):
    """A scratch database at migration 0008 holding `existing_requests()`, in an app
    context; yields True on PostgreSQL."""
    with databases.scratch_database(tmp_path) as url:
        app = databases.migration_app(tmp_path, url)
        with app.app_context():
            upgrade(revision="0008")
            existing_requests()
            yield url.startswith("postgresql")
            db.session.remove()
            db.engine.dispose()


def test_migration_0009_fills_search_and_counts_for_existing_requests(tmp_path):
    with requests_before_0009(tmp_path):
        upgrade(revision="0009")
        assert finds("printer") == [1] and finds("vouchers") == [1]
        assert finds("chargeback") == [1]
        assert finds("chargeback", "a@example.com") == []
        assert finds("paper", "a@example.com") == [1]
        assert finds("paper", "b@example.com") == []
        assert finds("watches") == [2]
        counts = queue.counts(me=None)
        assert (counts["all"], counts["open"], counts["spam"]) == (1, 1, 1)


def test_migration_0009_goes_back_keeping_every_request(tmp_path):
    with requests_before_0009(tmp_path) as postgresql:
        before = schema()
        upgrade(revision="0009")
        tables, indexes = schema()
        assert {"queue_count"} | ({"ticket_search"} if not postgresql else set()) <= tables
        assert NEW_INDEXES <= indexes
        db.session.remove()

        downgrade(revision="0008")
        assert schema() == before
        assert db.session.execute(text("SELECT count(*) FROM message")).scalar_one() == 3
        if postgresql:  # the document is one unweighted vector again, notes included
            vector = db.session.execute(text(
                "SELECT search_vector::text FROM ticket WHERE id = 1")).scalar_one()
            assert "'chargeback'" in vector and "A" not in vector
        db.session.remove()

        upgrade()
        assert finds("chargeback", "a@example.com") == []


def test_without_fts5_the_queue_searches_with_like_and_says_so(app, caplog):
    if databases.backend() != "sqlite":
        pytest.skip("SQLite only: PostgreSQL always has its full-text search")
    # What the migration leaves on an SQLite without FTS5: no full-text table or triggers.
    with app.app_context():
        for statement in migration_0009().SQLITE_FULLTEXT_DOWN:
            db.session.execute(text(statement))
        db.session.commit()
    client = signed_in(app)
    ref = file_request(app, summary="Printer jammed")
    file_request(app, summary="Invoice missing")
    with caplog.at_level(logging.WARNING, logger="helpdesk.agent.search"):
        assert queue_refs(page(client, "/agent/?q=print")) == [ref]
    assert "searched with LIKE" in caplog.text
