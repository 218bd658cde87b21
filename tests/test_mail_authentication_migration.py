"""Migration 0008 (whether a mail's sender was proven) upgrades and downgrades on the
database the suite runs on, keeping every message and its files."""

import databases
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from helpdesk.extensions import db


def message_columns():
    return {c["name"] for c in inspect(db.engine).get_columns("message")}


def test_migration_0008_round_trip_keeps_messages_and_their_files(tmp_path):
    with databases.scratch_database(tmp_path) as url:
        app = databases.migration_app(tmp_path, url)
        with app.app_context():
            upgrade(revision="0006")
            databases.add_request_with_message(db.session)
            db.session.execute(text(
                "INSERT INTO attachment (id, public_id, ticket_id, message_id, original_name,"
                " content_type, size, sha256, storage_key, inline_ok, created_at) VALUES"
                " (1, 'p1', 1, 1, 'log.txt', 'text/plain', 3, 'x', 'k1', false, '2026-01-01')"))
            db.session.commit()
            db.session.remove()

            upgrade(revision="0008")
            assert "sender_proven" in message_columns()
            # Mail received before the check was never checked: neither proven nor not.
            assert db.session.execute(text("SELECT sender_proven FROM message")).scalar_one() \
                is None
            db.session.remove()

            downgrade(revision="-1")
            assert "sender_proven" not in message_columns()
            # Altered in place, never copied: the message and its file's link are still there.
            assert db.session.execute(text("SELECT body FROM message")).scalar_one() == "hello"
            assert db.session.execute(text("SELECT message_id FROM attachment")).scalar_one() == 1
            db.session.remove()

            upgrade()
            assert "sender_proven" in message_columns()
            db.session.remove()
            db.engine.dispose()
