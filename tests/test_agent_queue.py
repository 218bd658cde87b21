"""The agents' queue: views and their counts, filters, text search, sort, paging, the age of
each request at a glance, and bulk assign and status changes."""

import re
from datetime import timedelta

from accounts import file_request, make_user, outbox
from desk import page, queue_refs, send, signed_in, user_id

from helpdesk.extensions import db
from helpdesk.models import Ticket, TicketChange, utcnow
from helpdesk.tickets import conversation


def set_fields(app, ref, **values):
    with app.app_context():
        found = Ticket.by_ref(ref)
        for name, value in values.items():
            setattr(found, name, value)
        db.session.commit()


def count_in_tab(html, label):
    match = re.search(rf">{re.escape(label)} <span class=\"count\">([\d,]+)</span>", html)
    assert match, f"no tab {label}"
    return int(match.group(1).replace(",", ""))


def fill_queue(app):
    """Five requests in every situation the views tell apart; returns their refs by name."""
    me, other = user_id(app, "agent@example.com"), make_user(app, "bob@example.com",
                                                              role="agent")
    refs = {name: file_request(app, email=f"{name}@example.com", summary=f"{name} request")
            for name in ("mine", "unassigned", "bobs", "waiting", "resolved")}
    set_fields(app, refs["mine"], assignee_id=me)
    set_fields(app, refs["bobs"], assignee_id=other)
    set_fields(app, refs["waiting"], status="waiting_customer", assignee_id=other)
    set_fields(app, refs["resolved"], status="resolved", assignee_id=me)
    return refs


# --- views and counts -----------------------------------------------------------------------

def test_each_view_lists_its_requests(app):
    client = signed_in(app)
    refs = fill_queue(app)
    expected = {"mine": {"mine"}, "unassigned": {"unassigned"},
                "open": {"mine", "unassigned", "bobs", "waiting"}, "waiting": {"waiting"},
                "resolved": {"resolved"}, "all": set(refs)}
    for view, names in expected.items():
        listed = set(queue_refs(page(client, f"/agent/?view={view}")))
        assert listed == {refs[n] for n in names}, view


def test_the_tabs_show_how_many_requests_each_view_holds(app):
    client = signed_in(app)
    fill_queue(app)
    html = page(client, "/agent/")
    assert [count_in_tab(html, label) for label in (
        "My open requests", "Unassigned", "All open", "Waiting for customer", "Resolved", "All")
    ] == [1, 1, 4, 1, 1, 5]


def test_all_open_is_the_default_view(app):
    client = signed_in(app)
    refs = fill_queue(app)
    assert refs["resolved"] not in queue_refs(page(client, "/agent/"))
    assert refs["waiting"] in queue_refs(page(client, "/agent/"))


def test_an_unknown_view_falls_back_to_all_open(app):
    client = signed_in(app)
    fill_queue(app)
    assert len(queue_refs(page(client, "/agent/?view=everything';--"))) == 4


# --- filters ------------------------------------------------------------------------------------

def test_filter_by_status(app):
    client = signed_in(app)
    refs = fill_queue(app)
    assert queue_refs(page(client, "/agent/?view=all&status=resolved")) == [refs["resolved"]]


def test_filter_by_type(app):
    client = signed_in(app)
    ref = file_request(app, type_slug="billing", summary="Charged twice")
    file_request(app)
    assert queue_refs(page(client, "/agent/?type=billing")) == [ref]


def test_filter_by_assignee_and_by_nobody(app):
    client = signed_in(app)
    refs = fill_queue(app)
    bob = user_id(app, "bob@example.com")
    assert set(queue_refs(page(client, f"/agent/?assignee={bob}"))) == {refs["bobs"],
                                                                         refs["waiting"]}
    assert queue_refs(page(client, "/agent/?assignee=none")) == [refs["unassigned"]]


def test_filter_by_priority(app):
    client = signed_in(app)
    refs = fill_queue(app)
    set_fields(app, refs["bobs"], priority="urgent")
    assert queue_refs(page(client, "/agent/?priority=urgent")) == [refs["bobs"]]


def test_filter_by_channel(app):
    client = signed_in(app)
    by_mail = file_request(app, channel="email", summary="Sent by mail")
    file_request(app)
    assert queue_refs(page(client, "/agent/?channel=email")) == [by_mail]


def test_unknown_filter_values_are_ignored(app):
    client = signed_in(app)
    fill_queue(app)
    html = page(client, "/agent/?status=bogus&type=nope&assignee=99999&priority=x&channel=fax")
    assert len(queue_refs(html)) == 4


# --- text search ---------------------------------------------------------------------------------

def test_search_finds_words_in_the_summary(app):
    client = signed_in(app)
    ref = file_request(app, summary="Invoice total is wrong")
    file_request(app, summary="Cannot sign in")
    assert queue_refs(page(client, "/agent/?q=invoice")) == [ref]


def test_search_finds_words_in_the_description(app):
    client = signed_in(app)
    ref = file_request(app, description="The PDF export shows a blank page.")
    file_request(app, description="Something else entirely.")
    assert queue_refs(page(client, "/agent/?q=blank")) == [ref]


def test_search_finds_words_in_later_messages_and_internal_notes(app):
    client = signed_in(app)
    replied, noted = file_request(app), file_request(app)
    with app.test_request_context():
        conversation.add_reply(Ticket.by_ref(replied), body="Error code E-4711 again",
                               author_email="ann@example.com")
        from accounts import get_user
        agent = db.session.merge(get_user(app, "agent@example.com"))
        conversation.add_reply(Ticket.by_ref(noted), body="Looks like the quota bug",
                               author=agent, internal=True)
    assert queue_refs(page(client, "/agent/?q=E-4711")) == [replied]
    assert queue_refs(page(client, "/agent/?q=quota")) == [noted]


def test_search_needs_every_word(app):
    client = signed_in(app)
    both = file_request(app, summary="Export to PDF fails")
    file_request(app, summary="Export to CSV works")
    assert queue_refs(page(client, "/agent/?q=export+pdf")) == [both]


def test_search_by_reference_and_by_address(app):
    client = signed_in(app)
    ref = file_request(app, email="zoe@example.com")
    file_request(app)
    assert queue_refs(page(client, f"/agent/?q={ref.lower()}")) == [ref]
    assert queue_refs(page(client, "/agent/?q=zoe@example.com")) == [ref]


def test_search_text_is_never_a_pattern(app):
    client = signed_in(app)
    file_request(app, summary="Ordinary request")
    assert queue_refs(page(client, "/agent/?q=%25")) == []
    assert queue_refs(page(client, "/agent/?q=_")) == []


def test_search_keeps_what_was_typed_in_the_box(app):
    client = signed_in(app)
    html = page(client, "/agent/?q=%3Cscript%3Ex")
    assert 'value="&lt;script&gt;x"' in html


# --- sort, paging, age ----------------------------------------------------------------------------

def test_sort_by_oldest_request_first(app):
    client = signed_in(app)
    refs = [file_request(app, summary=f"Request {i}") for i in range(3)]
    for i, ref in enumerate(refs):
        set_fields(app, ref, created_at=utcnow() - timedelta(days=10 - i))
    assert queue_refs(page(client, "/agent/?sort=oldest")) == refs
    assert queue_refs(page(client, "/agent/?sort=created")) == refs[::-1]


def test_sort_by_last_activity(app):
    client = signed_in(app)
    refs = [file_request(app, summary=f"Request {i}") for i in range(3)]
    for i, ref in enumerate(refs):
        set_fields(app, ref, updated_at=utcnow() - timedelta(hours=[5, 1, 3][i]))
    assert queue_refs(page(client, "/agent/")) == [refs[1], refs[2], refs[0]]
    assert queue_refs(page(client, "/agent/?sort=stale")) == [refs[0], refs[2], refs[1]]


def test_an_unknown_sort_falls_back_to_last_activity(app):
    client = signed_in(app)
    refs = [file_request(app, summary=f"Request {i}") for i in range(2)]
    set_fields(app, refs[0], updated_at=utcnow() + timedelta(minutes=5))
    assert queue_refs(page(client, "/agent/?sort=summary;drop")) == [refs[0], refs[1]]


def test_paging_shows_the_next_requests(make_app):
    app = make_app(AGENT_QUEUE_PAGE_SIZE=2)
    client = signed_in(app)
    refs = [file_request(app, summary=f"Request {i}") for i in range(5)]
    first = page(client, "/agent/?sort=oldest")
    assert queue_refs(first) == refs[:2]
    assert 'href="/agent/?sort=oldest&amp;page=2"' in first
    assert queue_refs(page(client, "/agent/?sort=oldest&page=3")) == refs[4:]
    assert "Next →" not in page(client, "/agent/?sort=oldest&page=3")


def test_the_age_of_each_request_shows_at_a_glance(app):
    client = signed_in(app)
    file_request(app, summary="Fresh")
    old = file_request(app, summary="Old")
    set_fields(app, old, created_at=utcnow() - timedelta(days=5))
    html = page(client, "/agent/")
    assert re.search(r'class="age age-old"[^>]*>5 d<', html)
    assert re.search(r'class="age age-new"[^>]*>1 min<', html)


def test_spam_is_hidden_from_every_view_but_spam(app):
    client = signed_in(app)
    ref = file_request(app, summary="Buy cheap watches")
    set_fields(app, ref, spam=True)
    for view in ("mine", "unassigned", "open", "waiting", "resolved", "all"):
        assert ref not in queue_refs(page(client, f"/agent/?view={view}")), view
    assert queue_refs(page(client, "/agent/?view=spam")) == [ref]


# --- bulk actions ------------------------------------------------------------------------------

def bulk(client, refs, **data):
    ids = [str(int(r.split("-")[1]) - 1000) for r in refs]
    return send(client, "/agent/bulk", {"ids": ids, "back": "view=all", **data})


def test_bulk_assign_assigns_every_selected_request(app):
    client = signed_in(app)
    refs = [file_request(app) for _ in range(3)]
    bob = make_user(app, "bob@example.com", role="agent")
    response = bulk(client, refs[:2], action="assign", bulk_assignee=str(bob))
    assert response.status_code == 303 and response.headers["Location"] == "/agent/?view=all"
    with app.app_context():
        assert [Ticket.by_ref(r).assignee_id for r in refs] == [bob, bob, None]


def test_bulk_assign_tells_the_new_assignee_and_records_it(app):
    client = signed_in(app)
    refs = [file_request(app) for _ in range(2)]
    bob = make_user(app, "bob@example.com", role="agent")
    bulk(client, refs, action="assign", bulk_assignee=str(bob))
    assert len(outbox(app, "bob@example.com")) == 2
    with app.app_context():
        changes = db.session.execute(db.select(TicketChange).where(
            TicketChange.field == "assignee")).scalars().all()
        assert [(c.old, c.new, c.actor_email) for c in changes] == [
            (None, "bob@example.com", "agent@example.com")] * 2


def test_bulk_status_change_resolves_every_selected_request(app):
    client = signed_in(app)
    refs = [file_request(app, email=f"p{i}@example.com") for i in range(3)]
    bulk(client, refs[1:], action="status", bulk_status="resolved")
    with app.app_context():
        assert [Ticket.by_ref(r).status for r in refs] == ["open", "resolved", "resolved"]
    assert [len([m for m in outbox(app, f"p{i}@example.com") if "Resolved" in m.subject])
            for i in range(3)] == [0, 1, 1]


def test_bulk_without_a_selection_says_so(app):
    client = signed_in(app)
    file_request(app)
    response = bulk(client, [], action="status", bulk_status="closed")
    assert "Select at least one request" in client.get(response.headers["Location"]
                                                       ).get_data(as_text=True)


def test_bulk_refuses_to_assign_to_someone_who_is_not_an_agent(app):
    client = signed_in(app)
    ref = file_request(app)
    ann = make_user(app, "ann@example.com")
    bulk(client, [ref], action="assign", bulk_assignee=str(ann))
    with app.app_context():
        assert Ticket.by_ref(ref).assignee_id is None


def test_bulk_goes_back_to_the_same_queue_page_only(app):
    client = signed_in(app)
    ref = file_request(app)
    response = send(client, "/agent/bulk", {"ids": [str(int(ref[3:]) - 1000)],
                                            "back": "view=waiting&q=x&next=//evil.example",
                                            "action": "status", "bulk_status": "closed"})
    assert response.headers["Location"] == "/agent/?view=waiting&q=x"
