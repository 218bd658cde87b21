"""The agents' queue and one request's page with 100,000 requests, on SQLite and PostgreSQL.

Builds a temporary database, migrates it, and bulk-inserts --requests requests (default
100,000) with their first messages (a tenth get a reply), spread over five agents, every
status, type, priority and channel; one request gets a 40-message conversation. Then, in
process with Flask's test client, signed in as an agent, it prints for each page:

- latency p50 and p95 over --repeat requests (after a warm-up);
- SQL statements per page, counted with a SQLAlchemy `before_cursor_execute` listener;
- the query plan of each statement that reads requests (SQLite: EXPLAIN QUERY PLAN;
  PostgreSQL: the nodes of EXPLAIN ANALYZE with their rows, and the execution time), for
  the 100-row pages, the request pages and every search (--no-plans leaves them out).

The queue is measured with 25 and with 100 rows per page, and the request page with a
1-message and a 40-message conversation: the query count must be the same whatever the
size (no N+1). Target: p95 under 30 ms for every view, filter, search and request page.

Text search is timed with words of every frequency: common, 2% of requests, rare, found
nowhere, two words, a stemmed form, a word in one view, a deep page, a reference, an
address and hostile input. SQLite uses its FTS5 table; with --like (the default on
SQLite, --no-like to skip) the same searches are then timed on the same database with
the full-text table dropped, which is the LIKE scan the desk used before it (and still
uses where SQLite has no FTS5). PostgreSQL uses its GIN-indexed tsvector. The view counts
are timed as well: summed from the kept counts, next to the GROUP BY over every request
they replace.

PostgreSQL: --pg-url URL (an empty database the script may fill), else a throwaway
cluster from Debian's server programs (as scripts/test does); without either, that part
is skipped with a message. --no-postgresql skips it on purpose.

Rate limits are off for the run (one client sends thousands of requests).

    .venv/bin/python benchmarks/agent_queue.py
    .venv/bin/python benchmarks/agent_queue.py --requests 20000 --repeat 30 --no-postgresql
"""

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pagetiming  # beside this script
from pagetiming import percentile

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

WORDS = ("export invoice password sync mobile report login payment crash upload email "
         "calendar team project notification backup printer search").split()
RARE = "zeppelin"
MEDIUM = "firmware"  # in 2% of the requests
TYPES = ["technical-support", "account-and-sign-in", "billing", "suggest-an-improvement",
         "something-else"]
STATUSES = ["open", "waiting_customer", "resolved", "closed"]
PRIORITIES = ["low", "normal", "normal", "normal", "high", "urgent"]
AGENT = "agent0@example.com"
TARGET_MS = 30


def build_app(instance, database, **settings):
    # A benchmark is never idle long enough to be signed out, whatever the machine's speed.
    return pagetiming.build_app(instance, database, AGENT_IDLE_TIMEOUT=10 ** 6, **settings)


def populate(app, total, seed):
    """Bulk-insert agents, requests, first messages and some replies; returns sample refs."""
    from sqlalchemy import insert, text

    from helpdesk.extensions import db
    from helpdesk.models import Message, Ticket, User, utcnow
    from helpdesk.tickets import search

    rng = random.Random(seed)
    now = utcnow()
    with app.app_context():
        agents = [User(email=f"agent{i}@example.com", role="agent" if i else "admin",
                       email_verified_at=now) for i in range(5)]
        db.session.add_all(agents)
        db.session.commit()
        agent_ids = [a.id for a in agents]
        chunk = 5000
        for start in range(1, total + 1, chunk):
            tickets, messages = [], []
            for i in range(start, min(start + chunk, total + 1)):
                created = now - timedelta(minutes=rng.randrange(0, 2 * 365 * 24 * 60))
                updated = created + timedelta(minutes=rng.randrange(0, 20 * 24 * 60))
                summary = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 7)))
                description = f"{summary.capitalize()}. " + " ".join(
                    rng.choice(WORDS) for _ in range(40))
                if i % 5000 == 17:
                    description += f" The {RARE} error appears."
                if i % 50 == 7:
                    description += f" The {MEDIUM} update failed."
                status = rng.choice(STATUSES)
                tickets.append(dict(
                    id=i, type=rng.choice(TYPES), requester_email=f"person{rng.randrange(20000)}"
                    "@example.com", summary=summary, description=description, fields={},
                    status=status, priority=rng.choice(PRIORITIES),
                    assignee_id=rng.choice(agent_ids + [None] * 3),
                    channel=rng.choice(["web", "email"]), spam=rng.random() < 0.01,
                    created_at=created, updated_at=updated,
                    resolved_at=updated if status in ("resolved", "closed") else None,
                    closed_at=updated if status == "closed" else None))
                messages.append(dict(ticket_id=i, author_email="x@example.com", body=description,
                                     internal=False, source="web", created_at=created))
                if i % 10 == 0:
                    messages.append(dict(
                        ticket_id=i, author_id=rng.choice(agent_ids), author_email=AGENT,
                        body="Thanks, " + " ".join(rng.choice(WORDS) for _ in range(20)),
                        internal=rng.random() < 0.3, source="web",
                        created_at=created + timedelta(hours=2)))
            db.session.execute(insert(Ticket), tickets)
            db.session.execute(insert(Message), messages)
            db.session.commit()

        short, long = 3, 7  # neither gets the every-tenth reply
        for ticket_id in (short, long):
            found = db.session.get(Ticket, ticket_id)
            found.status, found.spam = "waiting_customer", False
        pagetiming.add_conversation(long, now - timedelta(days=3), (agent_ids[0], AGENT),
                                    (None, "x@example.com"), WORDS, rng)
        db.session.commit()
        # Fresh statistics and (PostgreSQL) a visibility map, as autovacuum keeps them on a
        # live database: without it no index-only scan is possible right after a bulk load.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE" if db.engine.dialect.name == "postgresql"
                              else "ANALYZE"))
        # SQLite: the bulk load left the full-text index in many segments; `helpdesk
        # maintenance` merges them on a live site, as autovacuum does its part above.
        started = time.perf_counter()
        segments = search.compact_fulltext()
        if segments is not None:
            print(f"full-text index: {segments} segments merged into one by the maintenance"
                  f" task in {time.perf_counter() - started:.1f} s", flush=True)
        return agent_ids, {"1 message": Ticket(id=short).ref, "40 messages": Ticket(id=long).ref}


def signed_in_client(app):
    from helpdesk.agent.gate import SEEN
    return pagetiming.signed_in_client(app, AGENT, **{SEEN: int(time.time())})


def measure(app, client, url, repeat):
    cpu = []
    found = pagetiming.measure(app, client, url, repeat,
                               r'<td><a href="/agent/requests/HD-\d+">', warmup=3, cpu=cpu)
    return (*found, cpu)


def report(label, times, queries, rows, messages, cpu=(), target_ms=TARGET_MS):
    # CPU: this thread's time per page (PostgreSQL's own work not included), which the
    # machine's other load hardly moves.
    shown = f"{rows} rows" if rows else f"{messages} messages"
    p95 = percentile(times, 0.95)
    flag = "" if target_ms is None else ("; ok" if p95 < target_ms else "; OVER TARGET")
    spent = f"  cpu p50 {statistics.median(cpu):6.2f} ms" if cpu else ""
    print(f"  {label:<46} p50 {statistics.median(times):7.2f} ms  p95 {p95:7.2f} ms{spent}  "
          f"queries/page {','.join(map(str, sorted(queries))):>3}  ({shown}{flag})", flush=True)
    return p95


def queue_pages(agent_ids):
    other = agent_ids[1]
    return [
        ("All open (default)", "/agent/"),
        ("My open requests", "/agent/?view=mine"),
        ("Unassigned", "/agent/?view=unassigned"),
        ("Waiting for customer", "/agent/?view=waiting"),
        ("Resolved", "/agent/?view=resolved"),
        ("All", "/agent/?view=all"),
        ("Spam", "/agent/?view=spam"),
        ("filter: status closed", "/agent/?view=all&status=closed"),
        ("filter: type billing", "/agent/?type=billing"),
        ("filter: another agent's", f"/agent/?assignee={other}"),
        ("filter: priority urgent", "/agent/?view=all&priority=urgent"),
        ("filter: channel email + type + priority", "/agent/?view=all&channel=email"
                                                    "&type=billing&priority=high"),
        ("sort: oldest request first", "/agent/?sort=oldest"),
        ("sort: least recent activity", "/agent/?view=all&sort=stale"),
        ("page 200 of All", "/agent/?view=all&page=200"),
    ]


SEARCHES = [
    ("common word 'invoice' (93%)", "invoice"),
    ("stemmed common word 'crashes'", "crashes"),
    (f"word in 2% '{MEDIUM}'", MEDIUM),
    (f"rare word '{RARE}' (20 requests)", RARE),
    ("no match 'qwxzvk'", "qwxzvk"),
    ("two words 'export crash'", "export+crash"),
    ("common word in My open requests", "invoice&view=mine"),
    ("2% word in Waiting for customer", f"{MEDIUM}&view=waiting"),
    ("common word, page 40", "invoice&page=40"),
    ("a reference 'HD-1042'", "HD-1042"),
    ("an address", "person42%40example.com"),
    ("FTS5 syntax as text", "%22NEAR%28invoice*+-crash%29+summary%3Azeppelin+OR"),
]


def print_plans(app, client, url, args):
    if args.no_plans:
        return
    for sql, params in pagetiming.statements(app, client, url):
        table = "counts" if "FROM queue_count" in sql else (
            "matches" if sql.lstrip().startswith("SELECT count(*)") else "rows")
        print(f"      plan ({table}): {pagetiming.plan(app, sql, params)}", flush=True)


def time_counts(app, repeat):
    """p50 of the view counts: the kept counts, and the GROUP BY over every request."""
    from sqlalchemy import text

    from helpdesk.extensions import db
    queries = {"kept counts (queue_count)": "SELECT spam, status, assignee_id, sum(n) FROM"
               " queue_count GROUP BY spam, status, assignee_id",
               "GROUP BY over every request (before)": "SELECT spam, status, assignee_id,"
               " count(*) FROM ticket GROUP BY spam, status, assignee_id"}
    print(f"\nView counts, the statement alone ({repeat} runs each):")
    with app.app_context():
        found = {}
        for label, sql in queries.items():
            times = []
            for _ in range(repeat + 3):
                start = time.perf_counter()
                found[label] = sorted(map(tuple, db.session.execute(text(sql)).all()), key=str)
                times.append((time.perf_counter() - start) * 1000)
            times = times[3:]
            print(f"  {label:<46} p50 {statistics.median(times):7.2f} ms  "
                  f"p95 {percentile(times, 0.95):7.2f} ms")
        db.session.remove()
    same = len(set(map(tuple, found.values()))) == 1
    print(f"  the same counts either way: {'yes' if same else 'NO'}")


def time_searches(app, client, repeat, args, plans=True):
    worst = 0.0
    for label, q in SEARCHES:
        url = f"/agent/?view=all&q={q}" if "view=" not in q else f"/agent/?q={q}"
        worst = max(worst, report(label, *measure(app, client, url, repeat)))
        if plans:
            print_plans(app, client, url, args)
    return worst


def run_backend(name, database, args):
    from flask_migrate import upgrade

    from helpdesk.extensions import db
    folder = Path(tempfile.mkdtemp(prefix="helpdesk-queue-"))
    instance = folder / "instance"
    try:
        app = build_app(instance, database)
        with app.app_context():
            upgrade()
        start = time.perf_counter()
        agent_ids, refs = populate(app, args.requests, args.seed)
        print(f"\n=== {name}: {args.requests:,} requests inserted in "
              f"{time.perf_counter() - start:.1f} s; cores: {os.cpu_count()}; "
              f"load: {os.getloadavg()[0]:.2f}", flush=True)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()

        worst = 0.0
        for per_page in (25, 100):
            print(f"\nQueue, {per_page} rows per page ({args.repeat} requests each):")
            app = build_app(instance, database, AGENT_QUEUE_PAGE_SIZE=per_page)
            client = signed_in_client(app)
            for label, url in queue_pages(agent_ids):
                worst = max(worst, report(label, *measure(app, client, url, args.repeat)))
                if per_page == 100:
                    print_plans(app, client, url, args)
            with app.app_context():
                db.engine.dispose()

        print(f"\nOne request's page ({args.repeat} requests each):")
        app = build_app(instance, database)
        client = signed_in_client(app)
        for label, ref in refs.items():
            url = f"/agent/requests/{ref}"
            worst = max(worst, report(f"{ref}, {label}",
                                      *measure(app, client, url, args.repeat)))
            print_plans(app, client, url, args)
        print(f"\nWorst p95 of views, filters and request pages: {worst:.2f} ms "
              f"(target: under {TARGET_MS} ms)")
        time_counts(app, args.repeat)

        repeat = max(args.repeat // 4, 5)
        engine = "FTS5 table" if name == "SQLite" else "tsvector, GIN index"
        searched = 0.0
        for per_page in (25, 100):
            print(f"\nText search over summary, description and messages, {per_page} rows "
                  f"per page ({repeat} requests each; full text: {engine}):")
            app = build_app(instance, database, AGENT_QUEUE_PAGE_SIZE=per_page)
            client = signed_in_client(app)
            searched = max(searched, time_searches(app, client, repeat, args,
                                                   plans=per_page == 25))
            with app.app_context():
                db.engine.dispose()
        print(f"\nWorst p95 of searches: {searched:.2f} ms (target: under {TARGET_MS} ms)")

        if name == "SQLite" and args.like:
            pagetiming.drop_fulltext(app)
            print(f"\nThe same searches with LIKE (full-text table dropped: the search before"
                  f" FTS5, and the fallback without it), 25 rows per page ({repeat} each):")
            app = build_app(instance, database)
            client = signed_in_client(app)
            time_searches(app, client, repeat, args, plans=False)
            with app.app_context():
                db.engine.dispose()
    finally:
        if args.keep:
            print(f"\nkept: {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def postgresql(args):
    """A PostgreSQL URL to fill, or None (with the reason printed)."""
    if args.pg_url:
        yield args.pg_url
        return
    from pgcluster import server_programs, throwaway_cluster
    bindir = server_programs()
    if bindir is None:
        print("\n=== PostgreSQL: skipped: no server found (apt-get install postgresql, or "
              "pass --pg-url postgresql+psycopg://... of an empty database)")
        yield None
        return
    with throwaway_cluster(bindir, database="helpdesk_queue_bench") as url:
        yield url


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=100)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--pg-url", help="an empty PostgreSQL database to fill")
    parser.add_argument("--no-postgresql", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--keep", action="store_true", help="leave the temporary folder")
    parser.add_argument("--no-plans", action="store_true", help="leave the query plans out")
    parser.add_argument("--like", action=argparse.BooleanOptionalAction, default=True,
                        help="SQLite: time the searches with LIKE too (default: yes)")
    args = parser.parse_args()

    if not args.no_sqlite:
        run_backend("SQLite", None, args)
    if not args.no_postgresql:
        with postgresql(args) as url:
            if url:
                run_backend("PostgreSQL", url, args)


if __name__ == "__main__":
    main()
