"""requester accounts, conversation and ratings

Revision ID: 0003
Revises: 0002

Written by hand. Columns are added with plain ALTER TABLE and dropped with SQLite's native
DROP COLUMN rather than Alembic's batch "copy and move": on SQLite with foreign keys on
(helpdesk.database turns them on), dropping the old `ticket` or `user` table during a copy
would run ON DELETE CASCADE and take every message and attachment with it.
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _sqlite():
    return op.get_bind().dialect.name == "sqlite"


def upgrade():
    op.add_column("user", sa.Column("session_version", sa.Integer(), nullable=False,
                                    server_default="0"))
    op.add_column("message", sa.Column("subject", sa.Text(), nullable=True))

    if _sqlite():
        # SQLite cannot add a constraint later, but takes one written with the column.
        op.execute("ALTER TABLE ticket ADD COLUMN parent_id INTEGER "
                   "CONSTRAINT fk_ticket_parent_id_ticket REFERENCES ticket (id) "
                   "ON DELETE SET NULL")
    else:
        op.add_column("ticket", sa.Column("parent_id", sa.Integer(), nullable=True))
        op.create_foreign_key("fk_ticket_parent_id_ticket", "ticket", "ticket",
                              ["parent_id"], ["id"], ondelete="SET NULL")
    op.create_index("ix_ticket_parent_id", "ticket", ["parent_id"], unique=False)

    op.create_table(
        "ticket_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_email", sa.String(length=254), nullable=True),
        sa.Column("field", sa.String(length=32), nullable=False),
        sa.Column("old", sa.String(length=255), nullable=True),
        sa.Column("new", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["user.id"],
                                name="fk_ticket_change_actor_id_user", ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"],
                                name="fk_ticket_change_ticket_id_ticket", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_ticket_change"),
    )
    op.create_index("ix_ticket_change_ticket_id", "ticket_change", ["ticket_id"], unique=False)

    op.create_table(
        "rating",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"],
                                name="fk_rating_ticket_id_ticket", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_rating"),
        sa.UniqueConstraint("ticket_id", name="uq_rating_ticket_id"),
    )
    op.create_index("ix_rating_created_at", "rating", ["created_at"], unique=False)

    op.create_table(
        "used_token",
        sa.Column("jti", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("jti", name="pk_used_token"),
    )
    op.create_index("ix_used_token_expires_at", "used_token", ["expires_at"], unique=False)


def downgrade():
    op.drop_index("ix_used_token_expires_at", table_name="used_token")
    op.drop_table("used_token")
    op.drop_index("ix_rating_created_at", table_name="rating")
    op.drop_table("rating")
    op.drop_index("ix_ticket_change_ticket_id", table_name="ticket_change")
    op.drop_table("ticket_change")

    op.drop_index("ix_ticket_parent_id", table_name="ticket")
    if not _sqlite():
        op.drop_constraint("fk_ticket_parent_id_ticket", "ticket", type_="foreignkey")
    # Native DROP COLUMN (SQLite 3.35+): the tables are altered in place, never copied.
    op.drop_column("ticket", "parent_id")
    op.drop_column("message", "subject")
    op.drop_column("user", "session_version")
