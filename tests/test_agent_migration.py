"""Migration 0005 (agent desk) upgrades and downgrades without losing requests, on the
database the suite runs on (SQLite, or PostgreSQL with its full-text indexes)."""

import databases
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from helpdesk.extensions import db

NEW_TABLES = {"saved_reply", "blocked_sender"}
FULLTEXT = {"ix_ticket_search_vector"}


def columns(table):
    return {c["name"] for c in inspect(db.engine).get_columns(table)}


def indexes(table):
    return {i["name"] for i in inspect(db.engine).get_indexes(table)}


def test_migration_0005_round_trip_keeps_requests_and_their_messages(tmp_path):
    with databases.scratch_database(tmp_path) as url:
        app = databases.migration_app(tmp_path, url)
        postgresql = url.startswith("postgresql")
        with app.app_context():
            upgrade(revision="0004")
            databases.add_request_with_message(db.session)
            db.session.commit()
            db.session.remove()

            upgrade(revision="0005")
            assert NEW_TABLES <= set(inspect(db.engine).get_table_names())
            assert "spam" in columns("ticket") and "ix_ticket_queue" in indexes("ticket")
            assert db.session.execute(text("SELECT spam FROM ticket")).scalar_one() in (False, 0)
            found = indexes("ticket")
            assert (FULLTEXT <= found) if postgresql else not (FULLTEXT & found)
            assert ("search_vector" in columns("ticket")) == postgresql
            db.session.remove()

            downgrade(revision="0004")
            assert not NEW_TABLES & set(inspect(db.engine).get_table_names())
            assert not {"spam", "search_vector"} & columns("ticket")
            assert not FULLTEXT & indexes("ticket")
            # Altered in place, never copied: cascading deletes did not take the messages.
            assert db.session.execute(text("SELECT body FROM message")).scalar_one() == "hello"
            db.session.remove()

            upgrade()
            assert db.session.execute(text("SELECT count(*) FROM message")).scalar_one() == 1
            db.session.remove()
            db.engine.dispose()


def test_the_postgresql_search_uses_the_full_text_indexes(tmp_path):
    if databases.backend() != "postgresql":
        import pytest
        pytest.skip("runs with HELPDESK_TEST_DATABASE_URL (PostgreSQL): scripts/test does it")
    from helpdesk.models import Ticket
    from helpdesk.tickets import search
    with databases.scratch_database(tmp_path) as url:
        app = databases.migration_app(tmp_path, url)
        with app.app_context():
            upgrade()
            db.session.execute(text("SET enable_seqscan = off"))
            query = search.find("printer").apply(db.select(Ticket.id))
            compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
            plan = "\n".join(row[0] for row in db.session.connection().exec_driver_sql(
                "EXPLAIN " + str(compiled)))
            assert "ix_ticket_search_vector" in plan
            db.session.remove()
            db.engine.dispose()
