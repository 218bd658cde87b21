"""Every migration upgrades and downgrades cleanly on the database the suite runs on
(SQLite, or PostgreSQL under HELPDESK_TEST_DATABASE_URL)."""

import databases
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from helpdesk.extensions import db


def tables():
    return set(inspect(db.engine).get_table_names())


def test_upgrade_downgrade_to_nothing_and_upgrade_again(tmp_path):
    with databases.scratch_database(tmp_path) as url:
        app = databases.migration_app(tmp_path, url)
        with app.app_context():
            upgrade()
            migrated = tables()
            assert {"ticket", "message", "attachment", "outbox", "event"} <= migrated
            assert "claim_token" in {c["name"] for c in inspect(db.engine).get_columns("outbox")}
            downgrade(revision="base")
            assert tables() <= {"alembic_version"}
            upgrade()
            assert tables() == migrated
            db.session.remove()
            db.engine.dispose()
