"""The inbound-mail migration (0004) upgrades and downgrades cleanly."""

import databases
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from helpdesk.extensions import db

NEW_TABLES = {"inbound_mail", "mail_reference", "failing_address"}


def test_migration_0004_upgrades_downgrades_and_upgrades_again(tmp_path):
    app = databases.migration_app(tmp_path)
    with app.app_context():
        upgrade(revision="0004")
        assert NEW_TABLES <= set(inspect(db.engine).get_table_names())
        downgrade(revision="0003")
        tables = set(inspect(db.engine).get_table_names())
        assert not NEW_TABLES & tables and "ticket" in tables
        upgrade(revision="0004")
        assert NEW_TABLES <= set(inspect(db.engine).get_table_names())
        db.engine.dispose()
