"""desk search and queue at scale: SQLite full text, queue counts, queue indexes

Revision ID: 0009
Revises: 0008

Written by hand, for the agents' queue with many requests (helpdesk/agent/queue.py and
search.py read what is built here; nothing in the models writes it).

Full text on SQLite: `ticket_search`, an FTS5 table with one row per request (its rowid is
the request's id) holding the summary, the description, the public messages, the
internal notes and the requester's address in five columns, kept by triggers on `ticket`
and `message` as the PostgreSQL `search_vector` is (migration 0005). The address is there
so a requester's search is one look-up in the index (their requests and the words at
once); the agents' search leaves that column out. Words are stemmed by FTS5's porter
tokenizer over unicode61 with accents kept, the nearest match of PostgreSQL's `english`
configuration. Where the SQLite in use was built without FTS5 nothing is created and a
warning is logged: the queue then searches with LIKE, as before.

Full text on PostgreSQL: the document now weighs the public text (summary, description,
public messages) A and internal notes D, so a requester's search can leave notes out
(`ts_filter`) while the agents' search reads both through the same GIN index. The
message trigger also follows a note made public or the other way round.

Queue counts: `queue_count` holds signed changes of the number of requests per (spam,
status, assignee), written by a trigger on `ticket`; the queue's tabs sum it instead of
counting every request on each page. Rows are only ever inserted by the triggers, so two
transactions never wait for each other on a counter (a single counter row per group would
make an agent's reply and a requester's reply deadlock, each moving a request between the
same two groups in opposite directions). Every 64th row folds the table back into one row
per group; on PostgreSQL the fold skips rows another transaction is folding.

Queue indexes: one per sort column, led by `spam` and carrying status, assignee, type,
priority and channel, so a view walks its sort order, tests its conditions and skips the
rows of earlier pages without reading the table.
"""
import logging

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

# The same bound as the PostgreSQL document (migration 0005): text beyond it is not indexed.
DOCUMENT_MAX_CHARS = 500_000
FOLD_EVERY = 64

# Led by spam, in the sort's order (id breaks ties), then every column a view or filter
# tests: a page is picked from the index alone (PostgreSQL: an index-only scan).
FILTERED = ["status", "assignee_id", "type", "priority", "channel"]
QUEUE_INDEXES = {
    "ix_ticket_queue_updated": ["spam", "updated_at", "id", *FILTERED],
    "ix_ticket_queue_created": ["spam", "created_at", "id", *FILTERED],
}

# --- queue counts -------------------------------------------------------------------------

COUNT_COLUMNS = "spam, status, assignee_id"
COUNT_FILL = (f"INSERT INTO queue_count ({COUNT_COLUMNS}, n) SELECT {COUNT_COLUMNS}, count(*)"
              f" FROM ticket GROUP BY {COUNT_COLUMNS}")


def _count(row, n):
    """The statement adding `n` to the count of the group of `row` (OLD or NEW)."""
    return (f"INSERT INTO queue_count ({COUNT_COLUMNS}, n)"
            f" VALUES ({row}.spam, {row}.status, {row}.assignee_id, {n})")


SQLITE_COUNTS_UP = [
    f"CREATE TRIGGER ticket_queue_count_insert AFTER INSERT ON ticket BEGIN {_count('NEW', 1)};"
    " END",
    f"""CREATE TRIGGER ticket_queue_count_update AFTER UPDATE OF {COUNT_COLUMNS} ON ticket
    WHEN OLD.spam IS NOT NEW.spam OR OLD.status IS NOT NEW.status
      OR OLD.assignee_id IS NOT NEW.assignee_id BEGIN
      {_count('OLD', -1)};
      {_count('NEW', 1)};
    END""",
    f"CREATE TRIGGER ticket_queue_count_delete AFTER DELETE ON ticket BEGIN {_count('OLD', -1)};"
    " END",
    # SQLite has one writer at a time: the fold sees every row. Its own rows get larger
    # ids than NEW.id, and SQLite does not run a trigger from within itself.
    f"""CREATE TRIGGER queue_count_fold AFTER INSERT ON queue_count
    WHEN NEW.id % {FOLD_EVERY} = 0 BEGIN
      INSERT INTO queue_count ({COUNT_COLUMNS}, n) SELECT {COUNT_COLUMNS}, sum(n)
        FROM queue_count WHERE id <= NEW.id GROUP BY {COUNT_COLUMNS} HAVING sum(n) <> 0;
      DELETE FROM queue_count WHERE id <= NEW.id;
    END""",
]
SQLITE_COUNTS_DOWN = [
    "DROP TRIGGER IF EXISTS queue_count_fold",
    "DROP TRIGGER IF EXISTS ticket_queue_count_delete",
    "DROP TRIGGER IF EXISTS ticket_queue_count_update",
    "DROP TRIGGER IF EXISTS ticket_queue_count_insert",
]
PG_COUNTS_UP = [
    f"""CREATE FUNCTION helpdesk_queue_count() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'UPDATE' AND (OLD.spam, OLD.status, OLD.assignee_id)
          IS NOT DISTINCT FROM (NEW.spam, NEW.status, NEW.assignee_id) THEN
        RETURN NULL;
      END IF;
      IF TG_OP <> 'INSERT' THEN
        {_count('OLD', -1)};
      END IF;
      IF TG_OP <> 'DELETE' THEN
        {_count('NEW', 1)};
      END IF;
      RETURN NULL;
    END
    $$""",
    f"""CREATE TRIGGER ticket_queue_count AFTER INSERT OR DELETE OR UPDATE OF {COUNT_COLUMNS}
    ON ticket FOR EACH ROW EXECUTE FUNCTION helpdesk_queue_count()""",
    # Rows another transaction holds (folding them, uncommitted) are skipped, not waited
    # for; rows not yet committed are not seen. The fold's own rows fold nothing again.
    f"""CREATE FUNCTION helpdesk_queue_count_fold() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF pg_trigger_depth() > 2 THEN
        RETURN NULL;
      END IF;
      WITH gone AS (
        DELETE FROM queue_count
        WHERE id IN (SELECT id FROM queue_count FOR UPDATE SKIP LOCKED)
        RETURNING {COUNT_COLUMNS}, n)
      INSERT INTO queue_count ({COUNT_COLUMNS}, n)
      SELECT {COUNT_COLUMNS}, sum(n) FROM gone GROUP BY {COUNT_COLUMNS} HAVING sum(n) <> 0;
      RETURN NULL;
    END
    $$""",
    f"""CREATE TRIGGER queue_count_fold AFTER INSERT ON queue_count FOR EACH ROW
    WHEN (NEW.id % {FOLD_EVERY} = 0) EXECUTE FUNCTION helpdesk_queue_count_fold()""",
]
PG_COUNTS_DOWN = [
    "DROP TRIGGER IF EXISTS queue_count_fold ON queue_count",
    "DROP TRIGGER IF EXISTS ticket_queue_count ON ticket",
    "DROP FUNCTION IF EXISTS helpdesk_queue_count_fold()",
    "DROP FUNCTION IF EXISTS helpdesk_queue_count()",
]

# --- full text on SQLite -----------------------------------------------------------------


def _conversation(ticket, internal):
    return (f"coalesce((SELECT substr(group_concat(body, ' '), 1, {DOCUMENT_MAX_CHARS}) FROM"
            f" (SELECT body FROM message WHERE ticket_id = {ticket} AND internal = {internal}"
            " ORDER BY id)), '')")


def _refresh(where=None):
    """The statement that writes afresh the rows of ticket_search of the requests `where`
    picks (every request without it)."""
    return ("INSERT OR REPLACE INTO ticket_search (rowid, summary, description, messages,"
            f" notes, requester) SELECT t.id, t.summary, t.description,"
            f" {_conversation('t.id', 0)}, {_conversation('t.id', 1)}, t.requester_email"
            " FROM ticket AS t"
            + (f" WHERE {where}" if where else ""))


SQLITE_FULLTEXT_UP = [
    """CREATE VIRTUAL TABLE ticket_search USING fts5(summary, description, messages, notes,
    requester, tokenize = 'porter unicode61 remove_diacritics 0', columnsize = 0)""",
    f"""CREATE TRIGGER ticket_search_insert AFTER INSERT ON ticket
    BEGIN {_refresh('t.id = NEW.id')}; END""",
    f"""CREATE TRIGGER ticket_search_update AFTER UPDATE OF summary, description,
    requester_email ON ticket BEGIN {_refresh('t.id = NEW.id')}; END""",
    """CREATE TRIGGER ticket_search_delete AFTER DELETE ON ticket BEGIN
      DELETE FROM ticket_search WHERE rowid = OLD.id;
    END""",
    f"""CREATE TRIGGER message_search_insert AFTER INSERT ON message
    BEGIN {_refresh('t.id = NEW.ticket_id')}; END""",
    f"""CREATE TRIGGER message_search_update AFTER UPDATE OF body, internal, ticket_id
    ON message BEGIN
      {_refresh('t.id = NEW.ticket_id')};
      {_refresh('t.id = OLD.ticket_id AND OLD.ticket_id <> NEW.ticket_id')};
    END""",
    f"""CREATE TRIGGER message_search_delete AFTER DELETE ON message
    BEGIN {_refresh('t.id = OLD.ticket_id')}; END""",
    _refresh(),
    "INSERT INTO ticket_search (ticket_search) VALUES ('optimize')",
]
SQLITE_FULLTEXT_DOWN = [
    "DROP TRIGGER IF EXISTS message_search_delete",
    "DROP TRIGGER IF EXISTS message_search_update",
    "DROP TRIGGER IF EXISTS message_search_insert",
    "DROP TRIGGER IF EXISTS ticket_search_delete",
    "DROP TRIGGER IF EXISTS ticket_search_update",
    "DROP TRIGGER IF EXISTS ticket_search_insert",
    "DROP TABLE IF EXISTS ticket_search",
]

# --- full text on PostgreSQL: public text and notes told apart ----------------------------

PG_DOCUMENT = """CREATE OR REPLACE FUNCTION helpdesk_request_document(
        p_summary text, p_description text, p_ticket integer)
    RETURNS tsvector LANGUAGE sql STABLE AS $$
      SELECT setweight(to_tsvector('english'::regconfig, left(public_text, {limit})), 'A')
             || to_tsvector('english'::regconfig,
                            left(notes, greatest({limit} - length(public_text), 0)))
      FROM (SELECT coalesce(p_summary, '') || ' ' || coalesce(p_description, '') || ' ' ||
                   coalesce((SELECT string_agg(body, ' ' ORDER BY id) FROM message
                             WHERE ticket_id = p_ticket AND NOT internal), '') AS public_text,
                   coalesce((SELECT string_agg(body, ' ' ORDER BY id) FROM message
                             WHERE ticket_id = p_ticket AND internal), '') AS notes) AS parts
    $$""".format(limit=DOCUMENT_MAX_CHARS)
# As migration 0005 wrote it: one unweighted document.
PG_DOCUMENT_BEFORE = f"""CREATE OR REPLACE FUNCTION helpdesk_request_document(
        p_summary text, p_description text, p_ticket integer)
    RETURNS tsvector LANGUAGE sql STABLE AS $$
      SELECT to_tsvector('english'::regconfig, left(
        coalesce(p_summary, '') || ' ' || coalesce(p_description, '') || ' ' ||
        coalesce((SELECT string_agg(body, ' ' ORDER BY id) FROM message
                  WHERE ticket_id = p_ticket), ''), {DOCUMENT_MAX_CHARS}))
    $$"""
PG_REFILL = "UPDATE ticket SET search_vector = helpdesk_request_document(summary, description, id)"


def _pg_message_trigger(columns):
    return ["DROP TRIGGER IF EXISTS message_search_vector ON message",
            f"""CREATE TRIGGER message_search_vector AFTER INSERT OR DELETE OR UPDATE OF {columns}
            ON message FOR EACH ROW EXECUTE FUNCTION helpdesk_message_search_vector()"""]


PG_FULLTEXT_UP = [PG_DOCUMENT, *_pg_message_trigger("body, internal, ticket_id"), PG_REFILL]
PG_FULLTEXT_DOWN = [PG_DOCUMENT_BEFORE, *_pg_message_trigger("body, ticket_id"), PG_REFILL]


def _dialect():
    return op.get_bind().dialect.name


def _run(statements):
    for statement in statements:
        op.execute(statement)


def _fts5_available():
    """True when this SQLite has the FTS5 module (a throwaway table in `temp` proves it)."""
    bind = op.get_bind()
    try:
        bind.exec_driver_sql("CREATE VIRTUAL TABLE temp.helpdesk_fts5_probe USING fts5(x)")
    except sa.exc.OperationalError as missing:
        log.warning("SQLite %s has no FTS5 (%s): the desk searches with LIKE instead",
                    bind.dialect.server_version_info, missing)
        return False
    bind.exec_driver_sql("DROP TABLE temp.helpdesk_fts5_probe")
    return True


def upgrade():
    for name, columns in QUEUE_INDEXES.items():
        op.create_index(name, "ticket", columns, unique=False)
    op.create_table(
        "queue_count",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("spam", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_queue_count"),
    )
    op.execute(COUNT_FILL)
    if _dialect() == "postgresql":
        _run(PG_COUNTS_UP)
        _run(PG_FULLTEXT_UP)
    elif _dialect() == "sqlite":
        _run(SQLITE_COUNTS_UP)
        if _fts5_available():
            _run(SQLITE_FULLTEXT_UP)


def downgrade():
    if _dialect() == "postgresql":
        _run(PG_FULLTEXT_DOWN)
        _run(PG_COUNTS_DOWN)
    elif _dialect() == "sqlite":
        _run(SQLITE_FULLTEXT_DOWN)
        _run(SQLITE_COUNTS_DOWN)
    op.drop_table("queue_count")
    for name in QUEUE_INDEXES:
        op.drop_index(name, table_name="ticket")
