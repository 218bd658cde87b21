"""server-side sessions and proven requester addresses

Revision ID: 0007
Revises: 0006

Sessions move from a signed cookie to the `web_session` table (the cookie keeps only a
random key), so signing out ends a session on the server. Requests remember when their
requester's address was first proven.
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "web_session",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("data", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
                  nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"],
                                name=op.f("fk_web_session_user_id_user"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_session")),
    )
    op.create_index("ix_web_session_user_id", "web_session", ["user_id"], unique=False)
    op.create_index("ix_web_session_expires_at", "web_session", ["expires_at"], unique=False)
    # Native ADD/DROP COLUMN (SQLite 3.35+): the table is altered in place, never copied.
    op.add_column("ticket", sa.Column("address_proven_at", sa.DateTime(), nullable=True))
    # Older requests stay unproven: nothing recorded who typed their address.


def downgrade():
    op.drop_column("ticket", "address_proven_at")
    op.drop_index("ix_web_session_expires_at", table_name="web_session")
    op.drop_index("ix_web_session_user_id", table_name="web_session")
    op.drop_table("web_session")
