"""My requests: the signed-in person's requests by verified address, filtered and paged."""

import re
from datetime import timedelta

import pytest
from accounts import file_request, make_user, sign_in, sign_in_with_password

from helpdesk.extensions import db
from helpdesk.models import Ticket, utcnow
from helpdesk.tickets import conversation
from helpdesk.vocabulary import REQUESTER_STATUS_LABELS


@pytest.fixture
def ann(app, client):
    """`client` signed in as ann@example.com (by emailed link)."""
    sign_in(client, app, "ann@example.com")
    return client


def refs_on(page):
    return re.findall(r"<td><a href=\"/requests/(HD-\d+)\">HD-", page)


def listing(client, query=""):
    response = client.get("/requests" + query)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def set_status(app, ref, status, **extra):
    with app.app_context():
        ticket = Ticket.by_ref(ref)
        ticket.status = status
        for name, value in extra.items():
            setattr(ticket, name, value)
        db.session.commit()


def test_the_list_shows_reference_summary_type_status_and_last_update(app, ann):
    ref = file_request(app, summary="Export does nothing")
    page = listing(ann)
    row = page[page.index(f'<a href="/requests/{ref}">{ref}</a>'):]
    row = row[:row.index("</tr>")]
    assert "Export does nothing" in row and "Technical support" in row
    assert "Waiting for support" in row and re.search(r"<time datetime=", row)


def test_requests_sent_by_mail_before_the_account_existed_are_listed(app, ann):
    ref = file_request(app, channel="email")
    assert refs_on(listing(ann)) == [ref]


def test_other_peoples_requests_are_not_listed(app, ann):
    file_request(app, email="bob@example.com", summary="Bob's secret")
    page = listing(ann)
    assert refs_on(page) == [] and "Bob's secret" not in page


def test_requester_words_are_used_for_every_status(app, ann):
    words = {}
    for status in ("open", "waiting_customer", "resolved", "closed"):
        ref = file_request(app, summary=status)
        set_status(app, ref, status)
        words[ref] = str(REQUESTER_STATUS_LABELS[status])  # a lazy label, read in English here
    page = listing(ann)
    for ref, word in words.items():
        row = page[page.index(f">{ref}</a>"):]
        assert word in row[:row.index("</tr>")]


def test_filters_split_open_from_resolved_and_closed_with_counts(app, ann):
    open_ref = file_request(app, summary="one")
    waiting = file_request(app, summary="two")
    done = file_request(app, summary="three")
    set_status(app, waiting, "waiting_customer")
    set_status(app, done, "resolved")
    assert sorted(refs_on(listing(ann, "?status=open"))) == sorted([open_ref, waiting])
    assert refs_on(listing(ann, "?status=closed")) == [done]
    page = listing(ann)
    assert len(refs_on(page)) == 3
    assert "All (3)" in page and "Open (2)" in page and "Resolved and closed (1)" in page


def test_the_type_filter_shows_one_kind_of_request(app, ann):
    file_request(app, summary="tech")
    bill = file_request(app, summary="money", type_slug="billing")
    assert refs_on(listing(ann, "?type=billing")) == [bill]


def test_an_unknown_type_or_filter_is_ignored(app, ann):
    file_request(app)
    assert len(refs_on(listing(ann, "?type=nope&status=weird"))) == 1


def test_search_finds_words_in_summary_description_and_public_replies(app, ann):
    in_summary = file_request(app, summary="Invoice shows the wrong VAT")
    in_description = file_request(app, summary="Other", description="the VAT number is missing")
    in_reply = file_request(app, summary="Third", description="nothing")
    file_request(app, summary="Unrelated", description="nothing")
    with app.test_request_context():
        conversation.add_reply(Ticket.by_ref(in_reply), body="Also the vat rate.",
                               author_email="ann@example.com")
    found = refs_on(listing(ann, "?q=vat"))
    assert sorted(found) == sorted([in_summary, in_description, in_reply])


def test_search_never_looks_into_internal_notes(app, ann):
    ref = file_request(app, summary="Plain")
    make_user(app, "agent@example.com", role="agent")
    with app.test_request_context():
        from helpdesk.models import User
        agent = db.session.execute(db.select(User).where(User.role == "agent")).scalar_one()
        conversation.add_reply(Ticket.by_ref(ref), body="suspected fraud", author=agent,
                               internal=True)
    assert refs_on(listing(ann, "?q=fraud")) == []


def test_search_by_reference(app, ann):
    first = file_request(app)
    file_request(app)
    assert refs_on(listing(ann, f"?q={first.lower()}")) == [first]


def test_search_treats_wildcards_as_plain_text(app, ann):
    file_request(app, summary="Nothing special")
    assert refs_on(listing(ann, "?q=%25")) == [] and refs_on(listing(ann, "?q=_")) == []


def test_the_newest_activity_comes_first_and_created_sorts_by_date_sent(app, ann):
    older = file_request(app, summary="older")
    newer = file_request(app, summary="newer")
    set_status(app, older, "open", updated_at=utcnow() + timedelta(minutes=5))
    assert refs_on(listing(ann)) == [older, newer]
    assert refs_on(listing(ann, "?sort=created")) == [newer, older]


@pytest.mark.parametrize("sort", ["summary", "id; DROP TABLE ticket", "-updated_at", "__class__"])
def test_unknown_sort_keys_are_ignored(app, ann, sort):
    older = file_request(app, summary="older")
    newer = file_request(app, summary="newer")
    assert refs_on(listing(ann, f"?sort={sort}")) == [newer, older]


def test_the_list_is_paged(make_app):
    app = make_app(MY_REQUESTS_PAGE_SIZE=2)
    client = app.test_client()
    refs = [file_request(app, summary=f"request {n}") for n in range(5)]
    sign_in(client, app, "ann@example.com")
    first, second, third = (listing(client, f"?page={n}") for n in (1, 2, 3))
    assert refs_on(first) == refs[::-1][:2] and refs_on(third) == refs[::-1][4:]
    assert "Page 1 of 3" in first and 'rel="next" href="/requests?page=2"' in first
    assert refs_on(listing(client, "?page=99")) == refs_on(third)


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1e9", "99999999999999999999"])
def test_odd_page_numbers_show_a_page(app, ann, page):
    file_request(app)
    assert len(refs_on(listing(ann, f"?page={page}"))) == 1


def test_paging_links_keep_the_filters(make_app):
    app = make_app(MY_REQUESTS_PAGE_SIZE=1)
    client = app.test_client()
    for n in range(2):
        file_request(app, summary=f"bill {n}", type_slug="billing")
    sign_in(client, app, "ann@example.com")
    page = listing(client, "?type=billing&q=bill&sort=created")
    link = re.search(r'rel="next" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert "type=billing" in link and "q=bill" in link and "sort=created" in link


def test_an_empty_list_points_to_the_help_center(ann):
    page = listing(ann)
    assert "No requests yet" in page and 'href="/"' in page and "Contact support" in page


def test_no_match_offers_to_show_everything(app, ann):
    file_request(app)
    page = listing(ann, "?q=zebra")
    assert "No requests match" in page


def test_an_unverified_account_sees_a_notice_and_no_requests(app, client):
    ref = file_request(app)
    make_user(app, "ann@example.com", verified=False, password="a long password")
    sign_in_with_password(client, "ann@example.com", "a long password")
    page = listing(client)
    assert "Confirm your email address" in page and ref not in page


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/requests")
    assert response.status_code in (302, 303)
    assert response.headers["Location"] == "/login?next=/requests"


def test_the_header_shows_my_requests_and_sign_out_when_signed_in(app, ann):
    page = ann.get("/").get_data(as_text=True)
    assert 'href="/requests">My requests' in page and "Sign out" in page
    assert ">Sign in<" not in page


def test_the_header_offers_sign_in_to_visitors(client):
    page = client.get("/").get_data(as_text=True)
    assert 'href="/login">Sign in<' in page and "My requests" not in page
