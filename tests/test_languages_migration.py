"""Migration 0013 (a person's and a request's language) upgrades and downgrades without
losing requests, on the database the suite runs on."""

import databases
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from helpdesk.extensions import db


def columns(table):
    return {c["name"] for c in inspect(db.engine).get_columns(table)}


def test_migration_0013_round_trip_keeps_requests(tmp_path):
    with databases.scratch_database(tmp_path) as url:
        app = databases.migration_app(tmp_path, url)
        with app.app_context():
            upgrade(revision="0012")
            databases.add_request_with_message(db.session)
            db.session.commit()
            db.session.remove()

            upgrade(revision="0013")
            assert "locale" in columns("user")
            assert db.session.execute(text("SELECT locale FROM ticket")).scalar_one() is None
            db.session.remove()

            downgrade(revision="0012")
            assert "locale" not in columns("user")
            assert "locale" not in columns("ticket")
            assert db.session.execute(text("SELECT body FROM message")).scalar_one() == "hello"
            db.session.remove()

            upgrade()
            db.session.remove()
            db.engine.dispose()
