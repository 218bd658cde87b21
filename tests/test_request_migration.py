"""The requests migration upgrades and downgrades cleanly on SQLite."""

import databases
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from helpdesk.extensions import db

NEW_TABLES = {"user", "ticket", "message", "attachment", "outbox"}


def test_migration_0002_upgrades_downgrades_and_upgrades_again(tmp_path):
    app = databases.migration_app(tmp_path)
    with app.app_context():
        upgrade()
        assert NEW_TABLES <= set(inspect(db.engine).get_table_names())
        downgrade(revision="0001")
        tables = set(inspect(db.engine).get_table_names())
        assert not NEW_TABLES & tables and "event" in tables
        upgrade()
        assert NEW_TABLES <= set(inspect(db.engine).get_table_names())
        db.engine.dispose()
