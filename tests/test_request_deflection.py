"""Answers while filing: suggested articles, "did this solve it?", and the funnel events."""

from filing import TECH, form_page, hidden_fields, post_request

from helpdesk import events
from helpdesk.extensions import db
from helpdesk.models import Event


def stored_events(app, kind):
    with app.app_context():
        events.flush()
        return db.session.execute(
            db.select(Event).where(Event.kind == kind).order_by(Event.id)).scalars().all()


def test_typing_a_summary_suggests_matching_articles(client):
    data = client.get(f"/requests/suggest?type={TECH}&q=reset+password").get_json()
    assert data["query"] == "reset password"
    assert data["results"][0]["title"] == "Using a password and resetting it"
    first = data["results"][0]
    assert first["snippet"] and first["highlights"]


def test_at_most_five_answers_are_suggested(client, write_article):
    for n in range(8):
        write_article(f"extra/printer-{n}.md", f"# Printer trouble {n}\n\nThe printer jams.")
    data = client.get(f"/requests/suggest?type={TECH}&q=printer").get_json()
    assert len(data["results"]) == 5


def test_a_suggestion_links_through_the_request_funnel(client):
    data = client.get(f"/requests/suggest?type={TECH}&q=password").get_json()
    assert data["results"][0]["url"].startswith("/requests/answers/account/")
    assert data["results"][0]["url"].endswith(f"?type={TECH}")


def test_nothing_matching_gives_an_empty_list(client):
    assert client.get(f"/requests/suggest?type={TECH}&q=qwxzvk").get_json()["results"] == []


def test_an_unknown_type_is_a_json_error(client):
    response = client.get("/requests/suggest?type=nope&q=password")
    assert response.status_code == 400 and response.is_json


def test_shown_suggestions_are_counted_with_their_slugs_but_not_the_text(app, client):
    client.get(f"/requests/suggest?type={TECH}&q=password")
    (event,) = stored_events(app, events.SUGGESTION_SHOWN)
    assert event.query is None and event.result_count >= 1
    assert "account/passwords" in event.slug.split(",")


def test_opening_a_suggestion_is_recorded_and_shows_the_article_with_the_question(app, client):
    response = client.get(f"/requests/answers/account/passwords?type={TECH}")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/articles/account/passwords?from=request&type={TECH}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Did this solve your problem?" in page
    assert "Yes, this solved my problem" in page
    assert f'href="/requests/new/{TECH}">No, back to my request' in page
    (event,) = stored_events(app, events.SUGGESTION_OPENED)
    assert event.slug == "account/passwords"


def test_an_article_opened_normally_does_not_ask(client):
    page = client.get("/articles/account/passwords").get_data(as_text=True)
    assert "Did this solve your problem?" not in page


def test_yes_ends_the_journey_on_a_friendly_page_and_counts_it(app, client):
    article = client.get(f"/articles/account/passwords?from=request&type={TECH}")
    page = article.get_data(as_text=True)
    token = hidden_fields(page)["csrf_token"]
    response = client.post("/requests/solved", data={"csrf_token": token,
                                                     "slug": "account/passwords"})
    assert response.status_code == 303
    done = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Glad we could help" in done and "Using a password and resetting it" in done
    (event,) = stored_events(app, events.SOLVED)
    assert event.slug == "account/passwords"


def test_yes_without_csrf_token_is_refused(app, client):
    response = client.post("/requests/solved", data={"slug": "account/passwords"})
    assert response.status_code == 400
    assert stored_events(app, events.SOLVED) == []


def test_a_request_filed_after_suggestions_is_recorded_as_such(app, client):
    post_request(client, suggested="3")
    (event,) = stored_events(app, events.REQUEST_FILED)
    assert event.result_count == 3 and event.slug == "HD-1001"
    assert event.query is None  # the summary stays with the request, not in statistics


def test_a_request_filed_without_suggestions_is_recorded_with_none(app, client):
    post_request(client)
    assert stored_events(app, events.REQUEST_FILED)[0].result_count == 0


def test_find_answers_without_javascript_counts_what_it_showed(app, client):
    hidden = hidden_fields(form_page(client))
    page = client.post(f"/requests/new/{TECH}", data={**hidden, "find": "1",
                                                      "summary": "password"}).get_data(as_text=True)
    assert hidden_fields(page)["suggested"] != "0"
    (event,) = stored_events(app, events.SUGGESTION_SHOWN)
    assert event.result_count >= 1 and event.query is None


def test_the_form_is_wired_for_live_answers(client):
    page = form_page(client)
    assert f'data-suggest="/requests/suggest?type={TECH}&amp;lang=en"' in page
    assert 'data-suggestions-for="summary"' in page and 'aria-live="polite"' in page


def suggested_titles(client, q, also):
    data = client.get("/requests/suggest", query_string={"type": TECH, "q": q,
                                                         "also": also}).get_json()
    return [r["title"] for r in data["results"]]


LONG_DESCRIPTION = ("I tried to sign in with my password on my phone, then reset the password,"
                    " checked my email, changed my email address in the app settings and"
                    " signed in again with an email link. ")


def test_the_summary_leads_when_a_long_description_says_other_things(client, write_article):
    write_article("extra/printer.md", "# Printer jams\n\nOpen the tray and pull the paper out.")
    titles = suggested_titles(client, "printer jams", LONG_DESCRIPTION * 3)
    assert titles[0] == "Printer jams"


def test_the_description_sharpens_the_summary(client, write_article):
    write_article("extra/ink.md", "# Printer ink\n\nThe printer warns when the ink runs low.")
    write_article("extra/paper.md", "# Printer paper\n\nThe printer takes A4 and letter paper.")
    assert suggested_titles(client, "printer", "it warns about ink")[0] == "Printer ink"
    assert suggested_titles(client, "printer", "which paper sizes")[0] == "Printer paper"


def test_a_description_alone_suggests_answers(client):
    titles = suggested_titles(client, "", "I forgot my password")
    assert titles[0] == "Using a password and resetting it"


def test_an_overlong_description_is_cut_and_still_answers(client):
    data = client.get("/requests/suggest", query_string={
        "type": TECH, "q": "password", "also": "screenshot " * 50_000}).get_json()
    assert data["results"][0]["title"] == "Using a password and resetting it"


def test_find_answers_without_javascript_weighs_the_summary_first(client, write_article):
    write_article("extra/printer.md", "# Printer jams\n\nOpen the tray and pull the paper out.")
    hidden = hidden_fields(form_page(client))
    page = client.post(f"/requests/new/{TECH}", data={
        **hidden, "find": "1", "summary": "printer jams",
        "description": LONG_DESCRIPTION * 3}).get_data(as_text=True)
    assert page.index("Printer jams") < page.index("Using a password and resetting it")
