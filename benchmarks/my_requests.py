"""My requests and one request's page with 100,000 requests in the database.

Builds a temporary instance (SQLite by default, or --database URL), migrates it, and
bulk-inserts --requests requests (default 100,000) from --people addresses, --mine of them
(default 1,000) sent by ann@example.com, each with its first message; one of Ann's requests
gets a long conversation (public replies, internal notes, files). Then, in process with
Flask's test client, signed in as Ann, it prints for each page:

- latency p50 and p95 over --repeat requests (after a warm-up);
- SQL statements per page, counted with a SQLAlchemy `before_cursor_execute` listener.

To show the query count does not grow with what a page shows, the list is measured with 10
and with 100 rows per page, and the request page with a 1-message and a 40-message
conversation. Targets: p95 under 50 ms, the same count of queries whatever the size.

Text search uses the desk's rule (full text, internal notes left out): a common word, two
words, a word in 2% of the requests, a word found nowhere. On SQLite, with --like (the
default; --no-like skips it), the searches are timed again on the same database with the
full-text table dropped: the LIKE scan My requests used before, and the fallback where
SQLite has no FTS5. The query plans of the searches' statements are printed with them
(--no-plans leaves them out).

Last, "same answer, similar timing": the sign-in and reset forms for a known and an unknown
address, with the production password hashing (scrypt), p50 of each.

Rate limits are off for the run (one client sends thousands of requests).

    .venv/bin/python benchmarks/my_requests.py
    .venv/bin/python benchmarks/my_requests.py --requests 20000 --repeat 50 --keep
"""

import argparse
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pagetiming  # noqa: E402  (beside this script)
from pagetiming import build_app, percentile  # noqa: E402

ANN = "ann@example.com"
WORDS = ("export invoice password sync mobile report login payment crash upload email "
         "calendar team project notification backup printer search").split()
TYPES = ["technical-support", "account-and-sign-in", "billing", "suggest-an-improvement",
         "something-else"]
STATUSES = ["open", "waiting_customer", "resolved", "closed"]
MEDIUM = "firmware"  # in 2% of the requests
SEARCHES = [("text search 'invoice'", "invoice"), ("text search, two words", "export+crash"),
            (f"text search '{MEDIUM}' (2%)", MEDIUM), ("text search, no match", "qwxzvk")]


def populate(app, total, mine, people, seed):
    """Bulk-insert the requests and their first messages; returns Ann's user id and refs."""
    from sqlalchemy import insert

    from helpdesk.extensions import db
    from helpdesk.models import Message, Ticket, User, utcnow

    rng = random.Random(seed)
    now = utcnow()
    mine_ids = set(rng.sample(range(1, total + 1), mine))
    with app.app_context():
        ann = User(email=ANN, role="requester", email_verified_at=now)
        agent = User(email="agent@example.com", role="agent", email_verified_at=now)
        db.session.add_all([ann, agent])
        db.session.commit()
        ann_id, agent_id = ann.id, agent.id
        chunk = 5000
        for start in range(1, total + 1, chunk):
            tickets, messages = [], []
            for i in range(start, min(start + chunk, total + 1)):
                created = now - timedelta(minutes=rng.randrange(0, 2 * 365 * 24 * 60))
                updated = created + timedelta(minutes=rng.randrange(0, 20 * 24 * 60))
                summary = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 7)))
                email = ANN if i in mine_ids else f"person{rng.randrange(people)}@example.com"
                description = f"{summary.capitalize()}. " + " ".join(
                    rng.choice(WORDS) for _ in range(40))
                if i % 50 == 7:
                    description += f" The {MEDIUM} update failed."
                status = rng.choice(STATUSES)
                tickets.append(dict(
                    id=i, type=rng.choice(TYPES), requester_email=email,
                    requester_id=ann_id if email == ANN else None, summary=summary,
                    description=description, fields={}, status=status, priority="normal",
                    channel=rng.choice(["web", "email"]), created_at=created, updated_at=updated,
                    resolved_at=updated if status in ("resolved", "closed") else None,
                    closed_at=updated if status == "closed" else None))
                messages.append(dict(ticket_id=i, author_email=email, body=description,
                                     internal=False, source="web", created_at=created))
            db.session.execute(insert(Ticket), tickets)
            db.session.execute(insert(Message), messages)
            db.session.commit()

        short, long = sorted(mine_ids)[:2]
        # The same status for both, so only the conversation's length differs.
        for ticket_id in (short, long):
            db.session.get(Ticket, ticket_id).status = "waiting_customer"
        pagetiming.add_conversation(long, now - timedelta(days=3),
                                    (agent_id, "agent@example.com"), (ann_id, ANN), WORDS, rng)
        db.session.commit()
        refs = {"1 message": Ticket(id=short).ref, "40 messages": Ticket(id=long).ref}
        return ann, refs


def signed_in_client(app):
    return pagetiming.signed_in_client(app, ANN)


def measure(app, client, url, repeat):
    return pagetiming.measure(app, client, url, repeat, r'<td><a href="/requests/HD-\d+">HD-')


def report(label, times, queries, rows, messages, target_ms=50):
    shown = f"{rows} rows" if rows else f"{messages} messages"
    p95 = percentile(times, 0.95)
    flag = "ok" if p95 < target_ms else "OVER TARGET"
    print(f"  {label:<44} p50 {statistics.median(times):6.2f} ms  p95 {p95:6.2f} ms  "
          f"queries/page {','.join(map(str, sorted(queries))):>3}  ({shown}; {flag})")
    return p95


def timing_of_answers(app, repeat):
    """p50 of the sign-in, password and reset answers for a known and an unknown address."""
    from helpdesk.auth.passwords import hash_password
    from helpdesk.extensions import db
    from helpdesk.models import User
    with app.app_context():
        user = db.session.execute(db.select(User).where(User.email == ANN)).scalar_one()
        user.password_hash = hash_password("the right password")
        db.session.commit()
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    cases = [("link sign-in", "/login", {}), ("wrong password", "/login",
                                              {"password": "a wrong password"}),
             ("reset", "/reset", {})]
    print("\nSame answer, similar timing (production scrypt hashing), p50 over "
          f"{repeat} each:")
    for label, url, extra in cases:
        results = {}
        for who, email in (("known", ANN), ("unknown", "nobody@example.com")):
            times = []
            for _ in range(repeat):
                start = time.perf_counter()
                response = client.post(url, data={"email": email, "csrf_token": token, **extra})
                times.append((time.perf_counter() - start) * 1000)
            results[who] = (statistics.median(times), response.status_code)
        (known, code_k), (unknown, code_u) = results["known"], results["unknown"]
        print(f"  {label:<16} known {known:7.2f} ms ({code_k})   unknown {unknown:7.2f} ms "
              f"({code_u})   ratio {known / unknown:4.2f}")


def like_searches(instance, args):
    pagetiming.drop_fulltext(build_app(instance, None))
    print(f"\nThe same searches with LIKE (full-text table dropped: the search before FTS5,"
          f" and the fallback without it), {args.repeat} requests each:")
    for per_page in (10, 100):
        app = build_app(instance, None, MY_REQUESTS_PAGE_SIZE=per_page)
        client = signed_in_client(app)
        for label, q in SEARCHES:
            report(f"{label}, {per_page} rows", *measure(app, client, f"/requests?q={q}",
                                                         args.repeat))
        with app.app_context():
            from helpdesk.extensions import db
            db.engine.dispose()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--mine", type=int, default=1_000)
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--database", help="SQLAlchemy URL (default: SQLite in a temp folder)")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="leave the temporary folder")
    parser.add_argument("--no-plans", action="store_true", help="leave the query plans out")
    parser.add_argument("--like", action=argparse.BooleanOptionalAction, default=True,
                        help="SQLite: time the searches with LIKE too (default: yes)")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="helpdesk-my-requests-"))
    instance = folder / "instance"
    try:
        from flask_migrate import upgrade

        from helpdesk.extensions import db
        app = build_app(instance, args.database, MY_REQUESTS_PAGE_SIZE=20)
        with app.app_context():
            upgrade()
        start = time.perf_counter()
        _, refs = populate(app, args.requests, args.mine, args.people, args.seed)
        print(f"{args.requests:,} requests ({args.mine:,} of them {ANN}'s) inserted in "
              f"{time.perf_counter() - start:.1f} s; database: "
              f"{app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}; cores: {os.cpu_count()}; "
              f"load: {os.getloadavg()[0]:.2f}")
        with app.app_context():
            db.session.remove()
            db.engine.dispose()

        worst = 0.0
        for per_page in (10, 100):
            print(f"\nMy requests, {per_page} rows per page ({args.repeat} requests each):")
            app = build_app(instance, args.database, MY_REQUESTS_PAGE_SIZE=per_page)
            client = signed_in_client(app)
            for label, url in [("all, last update first", "/requests"),
                               ("open", "/requests?status=open"),
                               ("resolved and closed, page 3", "/requests?status=closed&page=3"),
                               ("billing, by date sent", "/requests?type=billing&sort=created"),
                               *((label, f"/requests?q={q}") for label, q in SEARCHES),
                               ("last page", "/requests?page=1000")]:
                worst = max(worst, report(label, *measure(app, client, url, args.repeat)))
                if "q=" in url and per_page == 100 and not args.no_plans:
                    for sql, params in pagetiming.statements(app, client, url):
                        print(f"      plan: {pagetiming.plan(app, sql, params)}")
            with app.app_context():
                db.engine.dispose()

        print(f"\nOne request's page ({args.repeat} requests each):")
        app = build_app(instance, args.database)
        client = signed_in_client(app)
        for label, ref in refs.items():
            worst = max(worst, report(f"{ref}, {label}",
                                      *measure(app, client, f"/requests/{ref}", args.repeat)))
        print(f"\nWorst p95: {worst:.2f} ms (target: under 50 ms)")
        with app.app_context():
            db.engine.dispose()

        if args.like and app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
            like_searches(instance, args)

        app = build_app(instance, args.database, PASSWORD_HASH_METHOD="scrypt")
        timing_of_answers(app, max(args.repeat // 10, 10))
        with app.app_context():
            db.engine.dispose()
    finally:
        if args.keep:
            print(f"\nkept: {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
