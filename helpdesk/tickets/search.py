"""Text search over requests, one rule for the agents' queue and a requester's own list.

The rule, on every database:
- the query is cut to MAX_QUERY_CHARS and MAX_WORDS words, and every word must match;
- a reference ("HD-1042") matches that request, an address (a word with "@") the
  requests sent from it, each through its index;
- any other word matches the text of the request (summary, description, messages) as
  its database's full-text search reads it: English words by their stem ("printers"
  finds "printer"), case and punctuation ignored, and the common words PostgreSQL's
  `english` configuration leaves out (STOP_WORDS: "the", "not", ...) ignored as well. A
  query left with nothing to look for (only such words, or only punctuation, and no
  reference or address) matches nothing, on both databases;
- agents' searches read internal notes too; a requester's search never does.

PostgreSQL: `plainto_tsquery('english', ...)` against `ticket.search_vector`, one
document per request kept by triggers and GIN-indexed (migrations 0005 and 0009; public
text weighs A, notes D, so `ts_filter` leaves notes out). The planner chooses between the
index (a rare word) and walking the queue's order (a common one).

SQLite: the FTS5 table `ticket_search` (migration 0009), one row per request, porter
stemming. Each word's tokens are quoted, so nothing typed is ever FTS5 syntax (NEAR, *,
-, "column:"). A requester's search names their address in the same look-up (the table
holds it), so it reads their matching requests only. The agents' queue is sorted by
another column than the index's, and SQLite cannot tell how many requests a word finds
before running it, so this counts first, up to a bound: below it the matches lead (CROSS
JOIN fixes SQLite's order) and their requests are sorted; above it the queue's order is
walked and each request tested against the index until the page is full. A test costs
about PROBE_COST times reading one match, so the bound grows with the page wanted and the
requests in the view. Without FTS5 (an SQLite built without it, where the migration
created no table) words are found as substrings with LIKE, as before, and a warning says
so once.

The user's text only ever reaches SQL as a bound value.
"""

import logging
import math
import re
import weakref
from dataclasses import dataclass, field

from sqlalchemy import (
    and_,
    bindparam,
    column,
    exists,
    false,
    func,
    literal_column,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import Join

from ..extensions import db
from ..models import REF_PATTERN, Message, Ticket
from ..text import LIKE_ESCAPE, like_escaped

log = logging.getLogger(__name__)

MAX_QUERY_CHARS = 200
MAX_WORDS = 8
MAX_TOKENS = 16
REF = re.compile(rf"^{REF_PATTERN}$", re.I)
# What FTS5's unicode61 tokenizer keeps as a token: runs of letters and digits.
TOKEN = re.compile(r"[^\W_]+")
# The stop words of PostgreSQL's `english` configuration (its english.stop file).
STOP_WORDS = frozenset("""
    i me my myself we our ours ourselves you your yours yourself yourselves he him his
    himself she her hers herself it its itself they them their theirs themselves what which
    who whom this that these those am is are was were be been being have has had having do
    does did doing a an the and but if or because as until while of at by for with about
    against between into through during before after above below to from up down in out on
    off over under again further then once here there when where why how all any both each
    few more most other some such no nor not only own same so than too very s t can will
    just don should now""".split())
# SQLite: testing one request against the index costs about this many times reading one
# match with its request (measured at 100,000 requests on an index in one segment, as
# `helpdesk maintenance` keeps it; each segment that writes add since makes a test dearer,
# ten times so after a thousand writes); bounds on the count that decides between the two.
PROBE_COST = 20
FEW_MIN, FEW_MAX = 2_000, 500_000
# FTS5 numbers its segments in the top bits of the rowids of its `_data` table.
SEGMENT_ROWID_SHIFT = 37

ENGLISH = literal_column("'english'::regconfig")
SEARCH_VECTOR = literal_column("ticket.search_vector")  # PostgreSQL only (migration 0005)
PUBLIC_WEIGHT = literal_column("'{a}'::\"char\"[]")
FULLTEXT = table("ticket_search", column("rowid"), column("ticket_search"))  # SQLite, 0009
AGENT_COLUMNS = "{summary description messages notes}"
PUBLIC_COLUMNS = "{summary description messages}"

_has_fulltext = weakref.WeakKeyDictionary()  # SQLite engine -> ticket_search exists


def clean(text):
    """The query as searched: at most MAX_QUERY_CHARS, whitespace collapsed, no NUL
    (PostgreSQL refuses it even as a bound value)."""
    return " ".join(str(text or "")[:MAX_QUERY_CHARS].replace("\x00", "").split())


@dataclass(frozen=True)
class Terms:
    exact: tuple  # conditions for references and addresses
    words: tuple  # the other words, as typed
    tokens: tuple  # what those words search for: lowercase tokens, stop words left out


def terms(text):
    """The query's parts, or None when nothing was typed."""
    words = clean(text).split()[:MAX_WORDS]
    if not words:
        return None
    exact = tuple(found for found in map(_exact, words) if found is not None)
    plain = tuple(word for word in words if _exact(word) is None)
    tokens = dict.fromkeys(token for word in plain for token in TOKEN.findall(word.lower())
                           if token not in STOP_WORDS)
    return Terms(exact, plain, tuple(tokens)[:MAX_TOKENS])


def _exact(word):
    """The condition for a reference ("HD-1042") or an address, else None."""
    if REF.match(word):
        ticket_id = Ticket.id_from_ref(word)
        return Ticket.id == ticket_id if ticket_id else Ticket.id.is_(None)
    if "@" in word:
        return Ticket.requester_email == word.lower()[:254]
    return None


@dataclass
class Found:
    """How to narrow a SELECT from `ticket` to what a query finds."""
    conditions: list = field(default_factory=list)
    leading: object = None  # a FROM to run the statement from (SQLite: the matches first)

    def apply(self, statement):
        if self.leading is not None:
            statement = statement.select_from(self.leading)
        return statement.where(*self.conditions)


def find(text, requester=None, wanted=25, among=100_000):
    """What `text` finds, or None when nothing is to be searched.

    Agents' searches read internal notes; with `requester` (an address) the search is
    that person's: their requests only, notes left out. `wanted`: how many requests the
    caller reads in its order (offset and page); `among`: how many it would walk to find
    them (SQLite's choice).
    """
    found = terms(text)
    if found is None:
        return None
    if not (found.tokens or found.exact):
        return Found([false()])
    engine = db.session.get_bind()
    result = _exactly(found.exact, engine.dialect.name)
    if requester is not None:
        result.conditions.append(Ticket.requester_email == requester)
    if found.tokens:
        _text_search(result, found, requester, engine, wanted * among)
    return result


def _exactly(exact, dialect):
    if not exact or dialect != "sqlite":
        return Found(list(exact))
    # Without statistics SQLite would rather walk the queue's order than take the index
    # of an address: the few requests a reference or an address names lead.
    ids = select(Ticket.id.label("id")).where(*exact).subquery("named")
    return Found(leading=_Leading(ids, Ticket.__table__, Ticket.id == ids.c.id))


def _text_search(result, found, requester, engine, walked):
    if engine.dialect.name == "postgresql":
        result.conditions.append(_tsquery(found.words, requester is None))
    elif engine.dialect.name == "sqlite" and _fulltext_table(engine):
        match = FULLTEXT.c.ticket_search.match(_fts5_query(found.tokens, requester))
        few = min(max(int(math.sqrt(walked * PROBE_COST)), FEW_MIN), FEW_MAX)
        if result.leading is None and (requester or _matches_fewer(match, few)):
            result.leading = _Leading(FULLTEXT, Ticket.__table__,
                                      Ticket.id == FULLTEXT.c.rowid)
            result.conditions.append(match)
        else:
            result.conditions.append(exists().where(match, FULLTEXT.c.rowid == Ticket.id))
    else:
        result.conditions.extend(_substring(w, requester is None) for w in found.words)


def _tsquery(words, notes):
    query = func.plainto_tsquery(ENGLISH, bindparam("search_text", " ".join(words)))
    matches = SEARCH_VECTOR.op("@@")(query)
    if notes:
        return matches
    # The index finds candidates, notes included; ts_filter keeps the public text only.
    return and_(matches, func.ts_filter(SEARCH_VECTOR, PUBLIC_WEIGHT).op("@@")(query))


def _fts5_query(tokens, requester):
    # Tokens hold letters and digits only: quoted, each is a plain word, never an operator.
    query = " AND ".join(f'"{token}"' for token in tokens)
    if requester is None:
        return f"{AGENT_COLUMNS} : ({query})"
    address = " ".join(TOKEN.findall(requester.lower())) or "-"
    return f'{PUBLIC_COLUMNS} : ({query}) AND requester : "{address}"'


def _matches_fewer(match, limit):
    counted = select(literal_column("1")).select_from(FULLTEXT).where(match).limit(limit)
    return db.session.execute(
        select(func.count()).select_from(counted.subquery())).scalar_one() < limit


def _fulltext_table(engine):
    if engine not in _has_fulltext:
        present = db.session.execute(text(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'ticket_search'"
        )).first() is not None
        if not present:
            log.warning("no full-text table ticket_search (this SQLite has no FTS5): "
                        "requests are searched with LIKE")
        _has_fulltext[engine] = present
    return _has_fulltext[engine]


class _Leading(Join):
    """A join SQLite runs from its left side: CROSS JOIN is SQLite's way to fix the order."""
    inherit_cache = True


@compiles(_Leading)
def _leading_join(join, compiler, **kw):
    rendered = compiler.visit_join(join, **kw)
    if compiler.dialect.name != "sqlite":
        return rendered
    # The left side (the full-text table, or a SELECT from one table) holds no join: the
    # first JOIN is this join's own.
    return rendered.replace(" JOIN ", " CROSS JOIN ", 1)


def _like(word):
    return f"%{like_escaped(word)}%"


def _substring(word, notes):
    # SQLite's LIKE ignores ASCII case already, so no lower() per row. Checked request by
    # request in the queue's order, so a common word stops at the first page of matches.
    pattern = _like(word)
    in_messages = exists().where(Message.ticket_id == Ticket.id,
                                 Message.body.like(pattern, escape=LIKE_ESCAPE),
                                 *([] if notes else [Message.internal.is_(False)]))
    return or_(Ticket.summary.like(pattern, escape=LIKE_ESCAPE),
               Ticket.description.like(pattern, escape=LIKE_ESCAPE), in_messages)


def compact_fulltext():
    """SQLite: merge the full-text index into one segment once writes have split it.

    Each write of a request adds a segment that FTS5 merges only now and then, and every
    segment is one more look-up each time a common word's requests are tested in the
    queue's order. Merging rewrites the whole index (about a second at 100,000 requests,
    other writers waiting meanwhile), so it runs only when there is more than one segment.
    Returns the number of segments found, or None where there is no FTS5 table.
    """
    engine = db.session.get_bind()
    if engine.dialect.name != "sqlite" or not _fulltext_table(engine):
        return None
    segments = db.session.execute(text(
        f"SELECT count(DISTINCT id >> {SEGMENT_ROWID_SHIFT}) FROM ticket_search_data"
        f" WHERE id >= (1 << {SEGMENT_ROWID_SHIFT})")).scalar_one()
    if segments > 1:
        db.session.execute(text("INSERT INTO ticket_search (ticket_search) VALUES ('optimize')"))
        db.session.commit()
    else:
        db.session.rollback()
    return segments
