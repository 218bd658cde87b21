"""Migration 0003 (accounts, conversation, ratings) upgrades and downgrades without losing data."""

import databases
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from helpdesk.extensions import db

NEW_TABLES = {"ticket_change", "rating", "used_token"}


def columns(table):
    return {c["name"] for c in inspect(db.engine).get_columns(table)}


def test_migration_0003_round_trip_keeps_requests_and_their_messages(tmp_path):
    app = databases.migration_app(tmp_path)
    with app.app_context():
        upgrade(revision="0003")
        assert NEW_TABLES <= set(inspect(db.engine).get_table_names())
        assert "parent_id" in columns("ticket") and "session_version" in columns("user")
        assert "subject" in columns("message")
        db.session.execute(text(
            "INSERT INTO ticket (id, type, requester_email, summary, description, fields, status,"
            " priority, channel, created_at, updated_at) VALUES (1, 'billing', 'a@example.com',"
            " 's', 'd', '{}', 'open', 'normal', 'web', '2026-01-01', '2026-01-01')"))
        db.session.execute(text(
            "INSERT INTO message (id, ticket_id, body, internal, source, created_at)"
            " VALUES (1, 1, 'hello', 0, 'web', '2026-01-01')"))
        db.session.commit()

        downgrade(revision="0002")
        assert not NEW_TABLES & set(inspect(db.engine).get_table_names())
        assert "parent_id" not in columns("ticket") and "session_version" not in columns("user")
        # Altered in place, never copied: cascading deletes did not take the messages.
        assert db.session.execute(text("SELECT body FROM message")).scalar_one() == "hello"
        db.session.remove()  # end the read before altering tables again

        upgrade()
        assert NEW_TABLES <= set(inspect(db.engine).get_table_names())
        assert db.session.execute(text("SELECT count(*) FROM message")).scalar_one() == 1
        db.session.remove()
        db.engine.dispose()
