"""Text search over requests for the queue: summary, description and every message.

PostgreSQL: full text (`plainto_tsquery`, English stemming) against `ticket.search_vector`,
one tsvector per request of its summary, description and messages, kept by triggers and
GIN-indexed (migration 0005; the column is not in the models, since only the database
writes it). Other databases (SQLite): every word must appear, as a substring, in the
summary, the description or one of the messages (LIKE, with the user's wildcards escaped).

Either way the user's text is only ever a bound value: never SQL, never query syntax
(plainto_tsquery ignores operators). Agents search internal notes too. A word like
"HD-1042" finds that request, and a word with "@" the requests from that address.
"""

import re

from sqlalchemy import and_, bindparam, exists, func, literal_column, or_

from ..models import Message, Ticket

MAX_QUERY_CHARS = 200
MAX_WORDS = 8
REF = re.compile(r"^hd-\d{1,12}$", re.I)

ENGLISH = literal_column("'english'::regconfig")
SEARCH_VECTOR = literal_column("ticket.search_vector")  # PostgreSQL only (migration 0005)


def clean(text):
    """The query as searched: at most MAX_QUERY_CHARS, whitespace collapsed."""
    return " ".join(str(text or "")[:MAX_QUERY_CHARS].split())


def _like(word):
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _exact(word):
    """The condition for a reference ("HD-1042") or an address, else None."""
    if REF.match(word):
        ticket_id = Ticket.id_from_ref(word)
        return Ticket.id == ticket_id if ticket_id else Ticket.id.is_(None)
    if "@" in word and " " not in word:
        return Ticket.requester_email == word.lower()[:254]
    return None


def condition(text, dialect):
    """A WHERE condition on Ticket for `text`, or None when there is nothing to search.

    References and addresses match exactly (through their indexes); the other words are
    searched as text. A search for just "HD-1042" therefore reads one row, not every one.
    """
    words = clean(text).split()[:MAX_WORDS]
    if not words:
        return None
    exact = [found for found in map(_exact, words) if found is not None]
    plain = [word for word in words if _exact(word) is None]
    if not plain:
        return or_(*exact)
    if dialect == "postgresql":
        searched = _fulltext(" ".join(plain))
    else:
        searched = and_(*(_substring(word) for word in plain))
    return or_(searched, *exact) if exact else searched


def _fulltext(text):
    return SEARCH_VECTOR.op("@@")(
        func.plainto_tsquery(ENGLISH, bindparam("queue_search_text", text)))


def _substring(word):
    # SQLite's LIKE ignores ASCII case already, so no lower() per row. Checked request by
    # request in the queue's order, so a common word stops at the first page of matches.
    pattern = _like(word)
    in_messages = exists().where(Message.ticket_id == Ticket.id,
                                 Message.body.like(pattern, escape="\\"))
    return or_(Ticket.summary.like(pattern, escape="\\"),
               Ticket.description.like(pattern, escape="\\"), in_messages)
