"""agent desk: audit trail, saved replies, spam

Revision ID: 0005
Revises: 0004

Written by hand. The audit trail table (`ticket_change`) already came with 0003. Here:
`ticket.spam` and the queue's covering index, `saved_reply` (canned responses),
`blocked_sender` (addresses refused quietly) and, on PostgreSQL only, the queue's
full-text search. The column is added with plain ALTER TABLE and dropped with SQLite's
native DROP COLUMN (never Alembic's batch copy: with foreign keys on, dropping the old
`ticket` table during a copy would cascade to every message).

Full text on PostgreSQL: `ticket.search_vector` holds one tsvector of the request's
summary, description and every message (notes included), kept current by triggers on
`ticket` and `message`, with a GIN index. One stored document per request lets the planner
either use the index (a rare word) or walk the queue's sort order and stop at the first
page of matches (a common word); computing to_tsvector per row, or joining two indexes,
takes seconds on 100,000 requests. The column is not in the models: only the database
writes it, and only helpdesk/agent/search.py reads it.
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# Text beyond this many characters of a conversation is not indexed (a tsvector is
# limited to 1 MB, and a failing trigger would refuse the reply itself).
DOCUMENT_MAX_CHARS = 500_000

FULLTEXT_UP = [
    "ALTER TABLE ticket ADD COLUMN search_vector tsvector",
    f"""CREATE FUNCTION helpdesk_request_document(p_summary text, p_description text,
                                              p_ticket integer)
    RETURNS tsvector LANGUAGE sql STABLE AS $$
      SELECT to_tsvector('english'::regconfig, left(
        coalesce(p_summary, '') || ' ' || coalesce(p_description, '') || ' ' ||
        coalesce((SELECT string_agg(body, ' ' ORDER BY id) FROM message
                  WHERE ticket_id = p_ticket), ''), {DOCUMENT_MAX_CHARS}))
    $$""",
    """CREATE FUNCTION helpdesk_ticket_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      NEW.search_vector := helpdesk_request_document(NEW.summary, NEW.description, NEW.id);
      RETURN NEW;
    END
    $$""",
    """CREATE TRIGGER ticket_search_vector BEFORE INSERT OR UPDATE OF summary, description
    ON ticket FOR EACH ROW EXECUTE FUNCTION helpdesk_ticket_search_vector()""",
    """CREATE FUNCTION helpdesk_message_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP <> 'INSERT' THEN
        UPDATE ticket SET search_vector = helpdesk_request_document(summary, description, id)
        WHERE id = OLD.ticket_id;
      END IF;
      IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.ticket_id <> OLD.ticket_id) THEN
        UPDATE ticket SET search_vector = helpdesk_request_document(summary, description, id)
        WHERE id = NEW.ticket_id;
      END IF;
      RETURN NULL;
    END
    $$""",
    """CREATE TRIGGER message_search_vector AFTER INSERT OR DELETE OR UPDATE OF body, ticket_id
    ON message FOR EACH ROW EXECUTE FUNCTION helpdesk_message_search_vector()""",
    "UPDATE ticket SET search_vector = helpdesk_request_document(summary, description, id)",
    "CREATE INDEX ix_ticket_search_vector ON ticket USING gin (search_vector)",
]
FULLTEXT_DOWN = [
    "DROP TRIGGER IF EXISTS message_search_vector ON message",
    "DROP TRIGGER IF EXISTS ticket_search_vector ON ticket",
    "DROP FUNCTION IF EXISTS helpdesk_message_search_vector()",
    "DROP FUNCTION IF EXISTS helpdesk_ticket_search_vector()",
    "DROP FUNCTION IF EXISTS helpdesk_request_document(text, text, integer)",
    "DROP INDEX IF EXISTS ix_ticket_search_vector",
    "ALTER TABLE ticket DROP COLUMN IF EXISTS search_vector",
]


def _postgresql():
    return op.get_bind().dialect.name == "postgresql"


def upgrade():
    op.add_column("ticket", sa.Column("spam", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    op.create_index("ix_ticket_queue", "ticket", ["spam", "status", "assignee_id"],
                    unique=False)

    op.create_table(
        "saved_reply",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"],
                                name="fk_saved_reply_created_by_id_user", ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_saved_reply"),
        sa.UniqueConstraint("title", name="uq_saved_reply_title"),
    )

    op.create_table(
        "blocked_sender",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("reason", sa.String(length=255), nullable=True),
        sa.Column("blocked_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["blocked_by_id"], ["user.id"],
                                name="fk_blocked_sender_blocked_by_id_user",
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_blocked_sender"),
        sa.UniqueConstraint("email", name="uq_blocked_sender_email"),
    )

    if _postgresql():
        for statement in FULLTEXT_UP:
            op.execute(statement)


def downgrade():
    if _postgresql():
        for statement in FULLTEXT_DOWN:
            op.execute(statement)
    op.drop_table("blocked_sender")
    op.drop_table("saved_reply")
    op.drop_index("ix_ticket_queue", table_name="ticket")
    # Native DROP COLUMN (SQLite 3.35+): the table is altered in place, never copied.
    op.drop_column("ticket", "spam")
