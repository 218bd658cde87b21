"""languages: a person's saved language and the language a request was filed in

Revision ID: 0013
Revises: 0012

`user.locale` (saved by the language switch or the account page) and `ticket.locale` (the
requester's language: every mail to them is written in it), both NULL when unknown: the
site's DEFAULT_LOCALE then applies. Added with plain ALTER TABLE and dropped with SQLite's
native DROP COLUMN, never Alembic's batch copy (copying `ticket` would take its messages
and search triggers with it).
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("user", sa.Column("locale", sa.String(16), nullable=True))
    op.add_column("ticket", sa.Column("locale", sa.String(16), nullable=True))


def downgrade():
    op.drop_column("ticket", "locale")
    op.drop_column("user", "locale")
