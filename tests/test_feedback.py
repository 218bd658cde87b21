"""Readers' feedback and the events behind reports: votes, views, searches, suggestions."""

import re

from sqlalchemy import select
from support import csrf_token

from helpdesk import events
from helpdesk.extensions import db
from helpdesk.models import Event

PASSWORDS = "/articles/account/passwords"
ATTACHMENTS = "/articles/requests/attachments"


def home_list(client, title_id):
    """The article URLs of one list on the home page ("Most viewed", "Most helpful")."""
    page = client.get("/").get_data(as_text=True)
    start = page.index(f'id="{title_id}"')
    section = page[start:page.index("</section>", start)]
    return re.findall(r'<a href="([^"]+)"', section)


def most_helpful(client):
    return home_list(client, "helpful-title")


def most_viewed(client):
    return home_list(client, "viewed-title")


def vote(client, url, answer):
    return client.post(url, data={"csrf_token": csrf_token(client, url), "helpful": answer})


def flush(app):
    with app.app_context():
        events.flush()


def stored_events(app, kind):
    flush(app)
    with app.app_context():
        return db.session.execute(select(Event).where(Event.kind == kind)).scalars().all()


# --- "Was this helpful?" --------------------------------------------------------------


def test_an_article_asks_whether_it_was_helpful_with_a_post_form(client):
    page = client.get(PASSWORDS).get_data(as_text=True)
    form = re.search(r'<form method="post" action="([^"]+)">(.*?)</form>', page, re.S)
    assert "Was this helpful?" in page
    assert form and form.group(1) == PASSWORDS
    assert 'name="csrf_token"' in form.group(2)
    assert 'value="yes"' in form.group(2) and 'value="no"' in form.group(2)


def test_a_yes_vote_thanks_the_reader_and_returns_to_the_article(client):
    response = vote(client, PASSWORDS, "yes")
    assert response.status_code == 303
    assert response.headers["Location"] == f"{PASSWORDS}#feedback"
    page = client.get(PASSWORDS).get_data(as_text=True)
    assert "Thank you for your feedback." in page
    assert "You answered Yes." in page


def test_a_helpful_article_appears_under_most_helpful(client):
    assert most_helpful(client) == []
    vote(client, PASSWORDS, "yes")
    assert most_helpful(client) == [PASSWORDS]


def test_a_vote_without_a_csrf_token_is_refused_and_not_counted(client):
    client.get(PASSWORDS)
    response = client.post(PASSWORDS, data={"helpful": "yes"})
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    assert most_helpful(client) == []


def test_a_vote_with_a_forged_csrf_token_is_refused(client):
    client.get(PASSWORDS)
    response = client.post(PASSWORDS, data={"csrf_token": "forged", "helpful": "yes"})
    assert response.status_code == 400
    assert most_helpful(client) == []


def test_a_token_from_another_visitor_does_not_count(app):
    alice, mallory = app.test_client(), app.test_client()
    token = csrf_token(alice, PASSWORDS)
    response = mallory.post(PASSWORDS, data={"csrf_token": token, "helpful": "yes"})
    assert response.status_code == 400
    assert most_helpful(alice) == []


def test_a_vote_that_is_neither_yes_nor_no_is_not_counted(client):
    response = vote(client, PASSWORDS, "maybe")
    assert response.status_code == 303
    assert "Choose Yes or No" in client.get(PASSWORDS).get_data(as_text=True)
    assert most_helpful(client) == []


def test_voting_on_a_missing_article_is_not_found(client):
    token = csrf_token(client, PASSWORDS)
    response = client.post("/articles/no/such-article",
                           data={"csrf_token": token, "helpful": "yes"})
    assert response.status_code == 404


def test_voting_yes_twice_counts_once(app):
    # One visitor says Yes twice to Passwords; two visitors say Yes once to Attachments.
    # Counted once, Passwords (1) ranks below Attachments (2); counted twice it would tie
    # and sort first by name.
    repeat, first, second = app.test_client(), app.test_client(), app.test_client()
    vote(repeat, PASSWORDS, "yes")
    vote(repeat, PASSWORDS, "yes")
    vote(first, ATTACHMENTS, "yes")
    vote(second, ATTACHMENTS, "yes")
    assert most_helpful(repeat) == [ATTACHMENTS, PASSWORDS]


def test_changing_a_vote_to_no_takes_back_the_yes(client):
    vote(client, PASSWORDS, "yes")
    assert most_helpful(client) == [PASSWORDS]
    vote(client, PASSWORDS, "no")
    assert most_helpful(client) == []
    assert "You answered No." in client.get(PASSWORDS).get_data(as_text=True)


def test_changing_a_vote_moves_the_count_rather_than_adding_one(app):
    # Two Yes from others, then one visitor switches Yes -> No: net 2 - 1 = 1, still listed
    # below an article with a clean 2.
    a, b, c = app.test_client(), app.test_client(), app.test_client()
    for client in (a, b):
        vote(client, ATTACHMENTS, "yes")
    for client in (a, b):
        vote(client, PASSWORDS, "yes")
    vote(c, PASSWORDS, "yes")
    vote(c, PASSWORDS, "no")
    assert most_helpful(a) == [ATTACHMENTS, PASSWORDS]


def test_a_get_never_records_a_vote(client):
    client.get(PASSWORDS, query_string={"helpful": "yes"})
    client.get(f"{PASSWORDS}?helpful=yes&csrf_token=x")
    assert most_helpful(client) == []


# --- views -------------------------------------------------------------------------------------


def test_a_read_article_appears_under_most_viewed(app, client):
    assert most_viewed(client) == []
    client.get(PASSWORDS)
    flush(app)
    assert most_viewed(client) == [PASSWORDS]


def test_most_viewed_lists_the_most_read_article_first(app, client):
    client.get(PASSWORDS)
    for _ in range(3):
        client.get(ATTACHMENTS)
    flush(app)
    assert most_viewed(client) == [ATTACHMENTS, PASSWORDS]


def test_a_missing_article_is_not_counted_as_viewed(app, client):
    client.get("/articles/no/such-article")
    flush(app)
    assert most_viewed(client) == []


# --- search events ---------------------------------------------------------------------------


def test_a_search_is_recorded_with_its_result_count(app, client):
    page = client.get("/search?q=screenshot").get_data(as_text=True)
    shown = int(re.search(r"(\d+) results? for", page).group(1))
    [event] = stored_events(app, events.SEARCH)
    assert event.query == "screenshot"
    assert event.result_count == shown


def test_a_search_that_finds_nothing_is_recorded_with_zero(app, client):
    client.get("/search?q=xylophonequux")
    [event] = stored_events(app, events.SEARCH)
    assert (event.query, event.result_count) == ("xylophonequux", 0)


def test_a_suggestion_request_is_recorded_with_its_result_count(app, client):
    answer = client.get("/api/suggest?q=screensh").get_json()
    [event] = stored_events(app, events.SUGGEST)
    assert event.query == "screensh"
    assert event.result_count == len(answer["results"])


def test_too_short_to_suggest_records_nothing(app, client):
    client.get("/api/suggest?q=s")
    client.get("/search?q=")
    assert stored_events(app, events.SUGGEST) == []
    assert stored_events(app, events.SEARCH) == []


def test_a_recorded_query_is_kept_short(app, client):
    client.get("/search", query_string={"q": "screenshot " * 100})
    [event] = stored_events(app, events.SEARCH)
    assert 0 < len(event.query) <= 200


def test_events_are_stored_only_when_flushed(app, client):
    client.get("/search?q=screenshot")
    with app.app_context():
        assert db.session.execute(select(Event)).scalars().all() == []
    assert len(stored_events(app, events.SEARCH)) == 1


def test_a_query_with_nul_bytes_is_recorded_without_them(app, client):
    # PostgreSQL refuses NUL in text; one such row would block every later event.
    client.get("/search", query_string={"q": "pass\x00word"})
    [event] = stored_events(app, events.SEARCH)
    assert event.query == "password"
