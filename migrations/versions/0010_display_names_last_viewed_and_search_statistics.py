"""display names, what each agent last saw of a request, search statistics without form text

Revision ID: 0010
Revises: 0009

Display names: `user.display_name` (set on the account page, or by an admin on People)
and `ticket.requester_name` (the optional "Your name" of the request form), both NULL when
nobody gave one: pages and mail then use the address. Added with plain ALTER TABLE and
dropped with SQLite's native DROP COLUMN, never Alembic's batch copy (with foreign keys
on, dropping the old `ticket` table during a copy would take its messages with it).

Last viewed: `ticket_view`, one row per agent and request with when that agent last
opened the request's page; the queue marks requests the requester wrote to since ("New
reply"). Rows go with their request or account (ON DELETE CASCADE).

Search statistics: the request form's suggestion events (`suggestion_shown`) and
`request_filed` kept what the person had typed (the summary, or the start of the
description) in `event.query`, listed on Insights as "search queries" and exported as CSV.
They are counted now, without text; the text already stored is dropped here. Those two
kinds are told apart by `kind`; the help center's own searches keep their queries. The
downgrade cannot bring the text back (and should not).
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("user", sa.Column("display_name", sa.String(80), nullable=True))
    op.add_column("ticket", sa.Column("requester_name", sa.String(80), nullable=True))
    op.create_table(
        "ticket_view",
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("user.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("ticket.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("seen_at", sa.DateTime(), nullable=False))
    op.create_index("ix_ticket_view_ticket_id", "ticket_view", ["ticket_id"])
    op.execute("UPDATE event SET query = NULL"
               " WHERE kind IN ('suggestion_shown', 'request_filed')")


def downgrade():
    op.drop_index("ix_ticket_view_ticket_id", table_name="ticket_view")
    op.drop_table("ticket_view")
    op.drop_column("ticket", "requester_name")
    op.drop_column("user", "display_name")
