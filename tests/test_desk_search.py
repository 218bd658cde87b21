"""Searching requests, in the agents' queue and in My requests, on the suite's database
(SQLite's FTS5 table or PostgreSQL's tsvector): the same words find the same requests on
both, every word is a plain word, and the index follows every change."""

import re
from datetime import timedelta

import pytest
from accounts import file_request, get_user, sign_in
from desk import page, queue_refs, signed_in
from sqlalchemy import insert, select

from helpdesk.extensions import db
from helpdesk.models import Message, Ticket, utcnow
from helpdesk.tickets import conversation, search, spam


def found(client, query, view="all"):
    """The references the queue lists for `query` (in the view "All")."""
    return queue_refs(page(client, f"/agent/?view={view}&q={query}"))


def mine(client, query):
    """The references My requests lists for `query`."""
    html = page(client, f"/requests?q={query}")
    return re.findall(r'<td><a href="/requests/(HD-\d+)">HD-', html)


def note(app, ref, body, internal=True):
    """An agent's note (or public reply) on request `ref`, through the conversation service."""
    with app.test_request_context():
        agent = db.session.merge(get_user(app, "agent@example.com"))
        conversation.add_reply(Ticket.by_ref(ref), body=body, author=agent, internal=internal)


@pytest.fixture
def agent(app):
    return signed_in(app)


@pytest.fixture
def ann(app):
    client = app.test_client()
    sign_in(client, app, "ann@example.com")
    return client


# --- words -------------------------------------------------------------------------------

@pytest.mark.parametrize("query", ["printer", "printers", "crash", "crashing", "crashes",
                                   "print", "PRINTING"])
def test_a_word_finds_the_other_forms_of_it(app, agent, query):
    ref = file_request(app, summary="Printers crashed", description="It fails when printing.")
    file_request(app, summary="Cannot sign in", description="The password is refused.")
    assert found(agent, query) == [ref]


def test_printing_and_printer_stay_apart_as_both_stemmers_keep_them(app, agent):
    file_request(app, summary="The printer is offline", description="Nothing else.")
    assert found(agent, "printing") == []


def test_common_english_words_in_a_query_are_not_required(app, agent):
    ref = file_request(app, summary="Printer jammed", description="Paper stuck.")
    assert found(agent, "the+printer+is+not+jammed") == [ref]


@pytest.mark.parametrize("query", ["the", "it+is+not", "---", "%2A%2A%2A", "%22%22"])
def test_a_query_with_nothing_to_look_for_finds_nothing(app, agent, query):
    file_request(app, summary="The printer is not working", description="It is off.")
    assert found(agent, query) == []


def test_every_word_of_the_query_must_match(app, agent):
    both = file_request(app, summary="Export crashes", description="Every time.")
    file_request(app, summary="Export is slow", description="Every time.")
    assert found(agent, "crash+export") == [both]


def test_an_address_and_a_word_find_that_persons_requests_with_the_word(app, agent):
    about_printer = file_request(app, email="zoe@example.com", summary="Printer offline")
    file_request(app, email="zoe@example.com", summary="Invoice missing")
    file_request(app, email="max@example.com", summary="Printer offline")
    assert found(agent, "zoe@example.com+printer") == [about_printer]


def test_a_reference_among_common_words_still_finds_its_request(app, agent):
    ref = file_request(app, summary="Anything")
    file_request(app, summary="Anything")
    assert found(agent, f"the+{ref}+is") == [ref]


def test_a_reference_finds_the_request_it_names_in_any_view(app, agent):
    ref = file_request(app, summary="Anything")
    file_request(app, summary="Anything")
    assert found(agent, ref.lower(), view="open") == [ref]


# --- notes: agents only -----------------------------------------------------------------

def test_agents_find_words_of_internal_notes(app, agent):
    ref = file_request(app, summary="Refund please")
    note(app, ref, "Looks like chargeback fraud")
    assert found(agent, "chargeback") == [ref]


def test_requesters_find_public_words_but_never_words_of_notes(app, agent, ann):
    noted = file_request(app, summary="Refund please")
    note(app, noted, "Suspected chargeback")
    said = file_request(app, summary="About the chargeback", description="It came twice.")
    assert found(agent, "chargeback") == [said, noted]
    assert mine(ann, "chargeback") == [said]


def test_requesters_find_words_of_public_replies(app, agent, ann):
    ref = file_request(app, summary="Refund please")
    note(app, ref, "We sent the voucher today", internal=False)
    assert mine(ann, "vouchers") == [ref]


def test_my_requests_finds_only_my_requests(app, ann):
    file_request(app, email="max@example.com", summary="Printer offline")
    assert mine(ann, "printer") == []


# --- the index follows every change -----------------------------------------------------

def test_a_reply_added_later_is_found(app, agent):
    ref = file_request(app, summary="Cannot log in")
    with app.test_request_context():
        conversation.add_reply(Ticket.by_ref(ref), body="Now the error says E-4711",
                               author_email="ann@example.com")
    assert found(agent, "E-4711") == [ref]


def test_an_edited_request_is_found_by_its_new_words_only(app, agent):
    ref = file_request(app, summary="Printer offline", description="Since Monday.")
    with app.app_context():
        ticket = Ticket.by_ref(ref)
        ticket.summary, ticket.description = "Scanner offline", "Since Tuesday."
        ticket.messages[0].body = "Since Tuesday."
        db.session.commit()
    assert found(agent, "scanner+tuesday") == [ref]
    assert found(agent, "printer") == [] and found(agent, "monday") == []


def test_a_deleted_request_is_not_found_even_when_a_new_one_takes_its_number(app, agent):
    old = file_request(app, summary="Printer offline")
    with app.app_context():
        spam.delete_request(Ticket.by_ref(old))
    new = file_request(app, summary="Invoice missing")
    assert found(agent, "printer") == []
    assert found(agent, "invoice") == [new]


def test_a_note_made_public_is_found_by_requesters(app, agent, ann):
    ref = file_request(app, summary="Refund please")
    note(app, ref, "Voucher code sent")
    assert mine(ann, "voucher") == []
    with app.app_context():
        db.session.execute(db.update(Message).where(Message.body == "Voucher code sent")
                           .values(internal=False))
        db.session.commit()
    assert mine(ann, "voucher") == [ref]


# --- what people type is never syntax --------------------------------------------------

@pytest.fixture
def printers(app):
    """Three requests about printers, one of them with the word "summary" and one "near"."""
    return {"plain": file_request(app, summary="Printer jammed", description="Paper stuck."),
            "summary": file_request(app, summary="Summary: printer broke", description="."),
            "near": file_request(app, summary="Printer near the window jammed",
                                 description=".")}


@pytest.mark.parametrize("query, expected", [
    ("summary%3Aprinter", ["summary"]),
    ("NEAR%28printer+jammed%29", ["near"]),
    ("printer+NOT+jammed", ["near", "plain"]),
    ("printer+OR+zeppelin", []),
    ("printer%2A", ["near", "summary", "plain"]),
    ("-printer", ["near", "summary", "plain"]),
    ("%22printer", ["near", "summary", "plain"]),
    ("%7Bsummary%7D%3A+printer%5E", ["summary"]),
    ("%28printer%29+AND", ["near", "summary", "plain"]),
])
def test_search_operators_are_plain_words(app, agent, printers, query, expected):
    assert found(agent, query) == [printers[name] for name in expected]


HOSTILE = ["'", '"', "\\", "%00", "%25%25", "a" * 300, "+".join(["word"] * 30),
           "1%27+OR+%271%27%3D%271", "%27%29%3B+DROP+TABLE+ticket%3B--", "%F0%9F%94%A5",
           "e%CC%81", "%D7%A9%D7%9C%D7%95%D7%9D", "NEAR%2F3", "%5E%24", "col%3A%22x%22",
           "HD-99999999999999", "HD-0", "%40", "a%40b%40c", "%2A+OR+%2A", "%E2%80%AE",
           "print%00er", "ann%00%40example.com"]


@pytest.mark.parametrize("query", HOSTILE)
def test_no_query_is_a_server_error(app, agent, ann, query):
    file_request(app, summary="Printer jammed")
    assert agent.get(f"/agent/?q={query}").status_code == 200
    assert ann.get(f"/requests?q={query}").status_code == 200


# --- many requests: the matches first, or the queue's order first ------------------------

def bulk_requests(app, count, every, rare_every):
    """`count` requests of ann@example.com, one a minute; each `every`th says "printer"
    and each `rare_every`th "zeppelin". Returns (printer refs, zeppelin refs), newest first."""
    now, rows, texts = utcnow(), [], []
    for n in range(count):
        words = ["printer"] * (n % every == 0) + ["zeppelin"] * (n % rare_every == 0)
        texts.append(" ".join(words) or "scanner")
        rows.append(dict(type="technical-support", requester_email="ann@example.com",
                         summary=f"Request {n}", description=texts[-1], fields={},
                         status="open", priority="normal", channel="web", spam=False,
                         created_at=now - timedelta(minutes=count - n),
                         updated_at=now - timedelta(minutes=count - n)))
    with app.app_context():
        db.session.execute(insert(Ticket), rows)
        ids = db.session.execute(select(Ticket.id).order_by(Ticket.id)).scalars().all()
        db.session.execute(insert(Message), [
            dict(ticket_id=i, author_email="ann@example.com", body=body, internal=False,
                 source="web", created_at=now) for i, body in zip(ids, texts)])
        db.session.commit()
        refs = [Ticket(id=i).ref for i in ids][::-1]
    texts = texts[::-1]
    return ([r for r, t in zip(refs, texts) if "printer" in t],
            [r for r, t in zip(refs, texts) if "zeppelin" in t])


def test_a_word_in_thousands_of_requests_and_one_in_a_few_both_list_the_newest_first(
        app, agent, ann):
    # On SQLite a first page of "printer" (every request) walks the queue's order, as
    # testing 26 of them costs less than reading them all, and its fortieth page reads
    # the matches first; so does "zeppelin" (a few), and My requests always.
    count = search.FEW_MIN + 100
    printer, zeppelin = bulk_requests(app, count, every=1, rare_every=500)
    assert found(agent, "printer") == printer[:25]
    assert found(agent, "printer&page=40") == printer[975:1000]
    assert found(agent, "zeppelin") == zeppelin
    assert mine(ann, "zeppelin") == zeppelin[:20]
    assert f"Page 1 of {-(-count // 20)}<" in page(ann, "/requests?q=printer")


def test_maintenance_merges_the_search_index_and_the_same_requests_are_found(app, agent):
    printer, _ = bulk_requests(app, 60, every=3, rare_every=100)
    for ref in printer[:3]:  # each later write splits the SQLite index a little more
        note(app, ref, "Still the printer, says the customer.")
    before = found(agent, "printer")
    report = app.test_cli_runner().invoke(args=["maintenance"]).output
    with app.app_context():
        sqlite = db.engine.dialect.name == "sqlite"
    assert ("desk search index: full-text index merged from" in report) == sqlite
    assert found(agent, "printer") == before == printer[:20]
