"""inbound mail: whether a mail's sender was proven

Revision ID: 0008
Revises: 0007

`message.sender_proven`: for a message that came by mail, whether its From address was
proven (the receiving server's trusted Authentication-Results, or a DKIM signature we
verified); NULL for messages that did not come by mail, and for mail received before
this revision, when nothing was checked. Added with plain ALTER TABLE and dropped with
SQLite's native DROP COLUMN: never Alembic's batch copy, since with foreign keys on,
dropping the old `message` table during a copy would unlink every attachment.
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("message", sa.Column("sender_proven", sa.Boolean(), nullable=True))


def downgrade():
    op.drop_column("message", "sender_proven")
