"""production: outbox claiming and operations

Revision ID: 0006
Revises: 0005

Outbox rows get the token of the sender that claimed them, so several senders (workers,
cron, other hosts) each change only the mail they hold.
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claim_token", sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f("ix_outbox_claim_token"), ["claim_token"],
                              unique=False)


def downgrade():
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_claim_token"))
        batch_op.drop_column("claim_token")
