"""inbound mail: kept messages and threading

Revision ID: 0004
Revises: 0003

Written by hand. Three new tables only, nothing changed in existing ones:
`inbound_mail` (each received mail once, by Message-ID or content hash, with what became
of it), `mail_reference` (the Message-IDs of mail we sent, for threading replies) and
`failing_address` (addresses our mail bounced from).
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "inbound_mail",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=255), nullable=False),
        sa.Column("mail_message_id", sa.String(length=255), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("sender", sa.String(length=254), nullable=True),
        sa.Column("subject", sa.String(length=500), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("full_text", sa.Text(), nullable=True),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"],
                                name="fk_inbound_mail_ticket_id_ticket", ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["message_id"], ["message.id"],
                                name="fk_inbound_mail_message_id_message", ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_inbound_mail"),
        sa.UniqueConstraint("dedupe_key", name="uq_inbound_mail_dedupe_key"),
    )
    op.create_index("ix_inbound_mail_mail_message_id", "inbound_mail", ["mail_message_id"])
    op.create_index("ix_inbound_mail_status", "inbound_mail", ["status"])
    op.create_index("ix_inbound_mail_ticket_id", "inbound_mail", ["ticket_id"])
    op.create_index("ix_inbound_mail_message_id", "inbound_mail", ["message_id"])
    op.create_index("ix_inbound_mail_received_at", "inbound_mail", ["received_at"])

    op.create_table(
        "mail_reference",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"],
                                name="fk_mail_reference_ticket_id_ticket", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_mail_reference"),
        sa.UniqueConstraint("message_id", name="uq_mail_reference_message_id"),
    )
    op.create_index("ix_mail_reference_ticket_id", "mail_reference", ["ticket_id"])

    op.create_table(
        "failing_address",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("first_failed_at", sa.DateTime(), nullable=False),
        sa.Column("last_failed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_failing_address"),
        sa.UniqueConstraint("email", name="uq_failing_address_email"),
    )


def downgrade():
    op.drop_table("failing_address")
    op.drop_index("ix_mail_reference_ticket_id", table_name="mail_reference")
    op.drop_table("mail_reference")
    for name in ("received_at", "message_id", "ticket_id", "status", "mail_message_id"):
        op.drop_index(f"ix_inbound_mail_{name}", table_name="inbound_mail")
    op.drop_table("inbound_mail")
