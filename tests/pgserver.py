"""PostgreSQL for tests that need one of their own, even in the SQLite run: a private
cluster from Debian's server programs (scripts/pgcluster.py), migrated for the app.

Without PostgreSQL the test is skipped with what to install; under CI=true it fails.
"""

import sys
from contextlib import contextmanager

from flask_migrate import upgrade
from support import ROOT, missing

from helpdesk.extensions import db

sys.path.insert(0, str(ROOT / "scripts"))
from pgcluster import NOT_FOUND, running_cluster, server_programs  # noqa: E402


@contextmanager
def private_cluster():
    """A running Cluster (`url`, `stop()`, `start()`), removed afterwards."""
    bindir = server_programs()
    if bindir is None:
        missing(NOT_FOUND)
    with running_cluster(bindir) as cluster:
        yield cluster


def migrate(app):
    """Bring the app's (empty) database up to the newest migration."""
    with app.app_context():
        upgrade()
        db.engine.dispose()
