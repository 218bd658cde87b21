"""Migration 0010 (display names, last viewed, search statistics) upgrades and downgrades
without losing requests, on the database the suite runs on."""

import databases
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from helpdesk.extensions import db


def columns(table):
    return {c["name"] for c in inspect(db.engine).get_columns(table)}


def test_migration_0010_round_trip_keeps_requests_and_their_messages(tmp_path):
    with databases.scratch_database(tmp_path) as url:
        app = databases.migration_app(tmp_path, url)
        with app.app_context():
            upgrade(revision="0009")
            databases.add_request_with_message(db.session)
            db.session.commit()
            db.session.remove()

            upgrade(revision="0010")
            assert "display_name" in columns("user")
            assert "requester_name" in columns("ticket")
            assert "ticket_view" in inspect(db.engine).get_table_names()
            assert db.session.execute(text("SELECT requester_name FROM ticket")).scalar_one() \
                is None
            db.session.remove()

            downgrade(revision="0009")
            assert "display_name" not in columns("user")
            assert "requester_name" not in columns("ticket")
            assert "ticket_view" not in inspect(db.engine).get_table_names()
            # Altered in place, never copied: cascading deletes did not take the messages.
            assert db.session.execute(text("SELECT body FROM message")).scalar_one() == "hello"
            db.session.remove()

            upgrade()
            assert db.session.execute(text("SELECT count(*) FROM message")).scalar_one() == 1
            db.session.remove()
            db.engine.dispose()


def test_migration_0010_drops_stored_form_text_and_keeps_searches(tmp_path):
    with databases.scratch_database(tmp_path) as url:
        app = databases.migration_app(tmp_path, url)
        with app.app_context():
            upgrade(revision="0009")
            for kind, query in (("search", "reset password"),
                                ("suggestion_shown", "invoice inv-2211 was charged twice"),
                                ("request_filed", "My card ending 4242")):
                db.session.execute(text(
                    "INSERT INTO event (kind, query, result_count, created_at)"
                    " VALUES (:kind, :query, 1, '2026-01-01')"), {"kind": kind, "query": query})
            db.session.commit()
            db.session.remove()

            upgrade(revision="0010")
            kept = dict(db.session.execute(text("SELECT kind, query FROM event")).all())
            assert kept == {"search": "reset password", "suggestion_shown": None,
                            "request_filed": None}
            db.session.remove()
            db.engine.dispose()
