"""The queue's tab counts, kept by the database as requests are filed, moved, marked as
spam and deleted, on the suite's database."""

import re

import databases
import pytest
from accounts import file_request, make_user
from desk import page, send, signed_in, user_id
from sqlalchemy import create_engine, text

from helpdesk.extensions import db
from helpdesk.models import Ticket
from helpdesk.tickets import spam

TABS = ("My open requests", "Unassigned", "All open", "Waiting for customer", "Resolved",
        "All", "Spam")


def tabs(client):
    html = page(client, "/agent/")
    return {label: int(re.search(rf">{re.escape(label)} <span class=\"count\">([\d,]+)<",
                                 html).group(1).replace(",", "")) for label in TABS}


def bulk(client, refs, **data):
    ids = [str(int(ref[3:]) - 1000) for ref in refs]
    response = send(client, "/agent/bulk", {"ids": ids, "back": "", **data})
    assert response.status_code == 303


def test_the_tabs_count_right_after_many_changes_of_every_kind(app):
    client = signed_in(app)
    me, bob = user_id(app, "agent@example.com"), make_user(app, "bob@example.com",
                                                            role="agent")
    # More changes than the counts table folds at, so the folds are counted too.
    refs = [file_request(app, email=f"p{n}@example.com") for n in range(70)]
    bulk(client, refs[:10], action="assign", bulk_assignee=str(me))
    bulk(client, refs[:10], action="status", bulk_status="waiting_customer")
    bulk(client, refs[10:15], action="status", bulk_status="resolved")
    bulk(client, refs[15:19], action="assign", bulk_assignee=str(bob))
    bulk(client, refs[24:26], action="assign", bulk_assignee=str(me))
    bulk(client, refs[24:26], action="assign", bulk_assignee="none")
    with app.app_context():
        for ref in refs[19:22]:
            Ticket.by_ref(ref).spam = True
        db.session.commit()
        spam.delete_requests([Ticket.by_ref(ref) for ref in refs[22:24]])
    assert tabs(client) == {"My open requests": 10, "Unassigned": 46, "All open": 60,
                            "Waiting for customer": 10, "Resolved": 5, "All": 65, "Spam": 3}


def test_writers_moving_requests_opposite_ways_do_not_wait_for_each_other(app):
    if databases.backend() != "postgresql":
        pytest.skip("SQLite has one writer at a time; runs on PostgreSQL (scripts/test)")
    client = signed_in(app)
    going, coming = file_request(app), file_request(app)
    with app.app_context():
        Ticket.by_ref(coming).status = "waiting_customer"
        db.session.commit()
        url = db.engine.url
    # An agent's reply (open -> waiting) and a requester's (waiting -> open) at once: with
    # one counter row per view each would hold the row the other needs.
    engine = create_engine(url, connect_args={"options": "-c lock_timeout=2000"})
    try:
        with engine.connect() as one, engine.connect() as two:
            one.execute(text("UPDATE ticket SET status = 'waiting_customer' WHERE id = :id"),
                        {"id": Ticket.id_from_ref(going)})
            two.execute(text("UPDATE ticket SET status = 'open' WHERE id = :id"),
                        {"id": Ticket.id_from_ref(coming)})
            two.commit()
            one.commit()
    finally:
        engine.dispose()
    counts = tabs(client)
    assert (counts["All open"], counts["Waiting for customer"]) == (2, 1)
