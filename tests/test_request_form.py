"""Filling in and sending the request form, with and without JavaScript."""

import re
from datetime import datetime, timezone

import pytest
from filing import (
    CHROME_WINDOWS,
    TECH,
    form_page,
    hidden_fields,
    post_request,
    ref_from,
)

from helpdesk.extensions import db
from helpdesk.models import Message, Ticket, User


def tickets(app):
    with app.app_context():
        return db.session.execute(db.select(Ticket).order_by(Ticket.id)).scalars().all()


def test_sending_a_complete_form_files_a_request_and_shows_its_reference(app, client):
    response = post_request(client)
    assert response.status_code == 303
    ref = ref_from(response)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert ref in page and "The export button does nothing" in page
    assert "ann@example.com" in page and "Web (in a browser)" in page
    assert "open it with the link in that email" in page


def test_the_request_keeps_type_fields_description_and_first_message(app, client):
    post_request(client, section="Reports", feature="Export")
    with app.app_context():
        ticket = db.session.execute(db.select(Ticket)).scalar_one()
        assert ticket.type == TECH and ticket.status == "open" and ticket.channel == "web"
        assert ticket.fields == {"application": "web", "section": "Reports", "feature": "Export"}
        message = db.session.execute(db.select(Message)).scalar_one()
        assert message.ticket_id == ticket.id and message.body.startswith("I click Export")
        assert not message.internal and message.source == "web"


def test_references_are_short_and_sequential(app, client):
    first = ref_from(post_request(client))
    second = ref_from(post_request(client, summary="Another problem"))
    assert (first, second) == ("HD-1001", "HD-1002")


def test_the_email_address_is_stored_lower_case(app, client):
    post_request(client, email="  Ann.Smith@Example.COM ")
    assert tickets(app)[0].requester_email == "ann.smith@example.com"


def test_a_missing_summary_keeps_everything_typed(app, client):
    response = post_request(client, summary="", description="Steps: 1. open 2. click",
                            section="Reports <b>")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Give your request a short summary." in page
    assert "Steps: 1. open 2. click" in page and 'value="Reports &lt;b&gt;"' in page
    assert 'value="ann@example.com"' in page
    assert tickets(app) == []


def test_an_invalid_email_is_explained(app, client):
    page = post_request(client, email="ann@").get_data(as_text=True)
    assert "Enter a valid email address" in page and 'value="ann@"' in page
    assert tickets(app) == []


def test_a_missing_description_is_explained(app, client):
    page = post_request(client, description="").get_data(as_text=True)
    assert "Describe the problem or question." in page
    assert 'value="The export button does nothing"' in page


def test_a_summary_over_255_characters_is_refused_and_kept(app, client):
    long = "x" * 256
    page = post_request(client, summary=long).get_data(as_text=True)
    assert "Keep the summary under 255 characters." in page and long in page


def test_a_required_type_field_is_explained(app, client):
    page = post_request(client, application="").get_data(as_text=True)
    assert "Choose your answer for “Application”." in page
    assert tickets(app) == []


def label_of(page, field_id):
    return re.search(rf'<label for="{field_id}">(.*?)</label>', page, re.S).group(1)


def test_required_and_optional_fields_are_marked_before_anything_is_sent(client):
    page = form_page(client)
    for field_id in ("email", "summary", "description", "application"):
        assert "(required)" in label_of(page, field_id)
        assert re.search(rf'<(input|textarea|select)[^>]*id="{field_id}"[^>]*\brequired\b', page)
    for field_id in ("section", "feature", "attachments"):
        assert "(optional)" in label_of(page, field_id)
        assert not re.search(rf'<(input|textarea)[^>]*id="{field_id}"[^>]*\brequired\b', page)


def test_a_select_value_outside_the_choices_is_refused(app, client):
    response = post_request(client, application="desktop")
    assert response.status_code == 400 and tickets(app) == []


def test_errors_are_listed_at_the_top_with_links_to_the_fields(app, client):
    page = post_request(client, summary="", email="").get_data(as_text=True)
    summary_box = page[page.index('id="error-summary"'):page.index('class="request-layout"')]
    assert 'href="#email"' in summary_box and 'href="#summary"' in summary_box


def test_a_form_without_csrf_token_saves_nothing_and_keeps_values(app, client):
    hidden = hidden_fields(form_page(client))
    hidden.pop("csrf_token")
    response = post_request(client, hidden=hidden, description="Kept text")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "nothing was sent" in page
    assert "Kept text" in page and tickets(app) == []


def test_a_filled_honeypot_sends_nothing(app, client):
    response = post_request(client, website="http://spam.example")
    assert response.status_code == 400
    assert "Leave this field empty" in response.get_data(as_text=True)
    assert tickets(app) == []


def test_the_honeypot_is_hidden_from_people(client):
    page = form_page(client)
    at = page.index('name="website"')
    honeypot = page[page.rindex("<div", 0, at):at]
    assert 'class="field hp"' in honeypot and 'aria-hidden="true"' in honeypot


def test_sending_the_same_form_twice_files_one_request(app, client):
    hidden = hidden_fields(form_page(client))
    first = post_request(client, hidden=hidden)
    second = post_request(client, hidden=hidden)
    assert first.headers["Location"] == second.headers["Location"]
    assert len(tickets(app)) == 1


def test_a_fresh_form_gets_a_new_token(client):
    assert (hidden_fields(form_page(client))["submission_token"]
            != hidden_fields(form_page(client))["submission_token"])


def test_the_confirmation_page_is_only_for_the_browser_that_sent_it(app, client):
    location = post_request(client).headers["Location"]
    assert client.get(location).status_code == 200
    assert app.test_client().get(location).status_code == 404


def test_find_answers_shows_articles_and_keeps_every_field(app, client):
    hidden = hidden_fields(form_page(client))
    data = {**hidden, "find": "1", "email": "ann@example.com", "summary": "reset my password",
            "description": "Typed before searching", "application": "mobile", "section": "Login"}
    response = client.post(f"/requests/new/{TECH}", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Using a password and resetting it" in page
    assert "Typed before searching" in page and 'value="Login"' in page
    assert re.search(r'<option selected value="mobile"|<option value="mobile" selected', page)
    assert tickets(app) == []


def test_find_answers_reminds_that_files_must_be_chosen_again(client):
    import io
    hidden = hidden_fields(form_page(client))
    data = {**hidden, "find": "1", "summary": "password",
            "attachments": [(io.BytesIO(b"log line"), "app.log")]}
    page = client.post(f"/requests/new/{TECH}", data=data,
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "choose them again" in page or "must be chosen again" in page


def test_find_answers_with_nothing_matching_says_so(client):
    hidden = hidden_fields(form_page(client))
    page = client.post(f"/requests/new/{TECH}",
                       data={**hidden, "find": "1", "summary": "qwxzv"}).get_data(as_text=True)
    assert "No matching articles" in page


def test_the_form_shows_the_detected_environment(client):
    page = form_page(client, headers={"User-Agent": CHROME_WINDOWS})
    assert "Chrome 131 on Windows 10" in page


def test_the_mobile_app_can_prefill_its_details(client):
    page = form_page(client, query_string={"app_version": "3.2.1", "os": "Android 14",
                                           "device": "Pixel 7"})
    assert "mobile app: app 3.2.1 / Android 14 / Pixel 7" in page
    assert hidden_fields(page)["app_version"] == "3.2.1"


def test_the_type_list_carries_the_app_details_to_the_form(client):
    page = client.get("/requests/new?app_version=3.2.1&os=iOS+17").get_data(as_text=True)
    assert "/requests/new/technical-support?app_version=3.2.1&amp;os=iOS+17" in page


def test_the_environment_is_attached_with_what_the_browser_reported(app, client):
    post_request(client, headers={"User-Agent": CHROME_WINDOWS}, env_language="en-GB",
                 env_timezone="Europe/Paris", env_screen="1920x1080", env_os_version="15.0.0")
    env = tickets(app)[0].environment
    assert env["browser"] == "Chrome" and env["browser_version"] == "131"
    assert env["os"] == "Windows" and env["os_version"] == "11"
    assert env["language"] == "en-GB" and env["timezone"] == "Europe/Paris"
    assert env["screen"] == "1920x1080"


def test_the_requester_can_leave_the_environment_out(app, client):
    post_request(client, headers={"User-Agent": CHROME_WINDOWS}, include_environment=None)
    assert tickets(app)[0].environment is None


def test_reported_environment_values_are_cleaned(app, client):
    post_request(client, env_language='<script>alert(1)</script>', env_screen="huge")
    env = tickets(app)[0].environment
    assert "<" not in env["language"] and "screen" not in env


def test_a_signed_in_verified_user_cannot_change_the_email(app, client):
    with app.app_context():
        user = User(email="ann@example.com", role="requester",
                    email_verified_at=datetime.now(timezone.utc).replace(tzinfo=None))
        db.session.add(user)
        db.session.commit()
        user_id = user.id
    with client.session_transaction() as session:
        session["_user_id"] = str(user_id)
        session["_fresh"] = True
    page = form_page(client)
    assert 'readonly' in page[page.index('name="email"') - 200:page.index('name="email"') + 200]
    post_request(client, email="mallory@example.com")
    ticket = tickets(app)[0]
    assert ticket.requester_email == "ann@example.com" and ticket.requester_id == user_id


@pytest.mark.parametrize("limits", [False, True])
def test_a_body_over_the_limit_gets_a_clear_page(make_app, limits):
    app = make_app(MAX_CONTENT_LENGTH=64 * 1024, RATELIMIT_ENABLED=limits)
    client = app.test_client()
    hidden = hidden_fields(form_page(client))
    import io
    response = client.post(f"/requests/new/{TECH}", content_type="multipart/form-data", data={
        **hidden, "email": "ann@example.com", "summary": "big",
        "attachments": [(io.BytesIO(b"x" * 100 * 1024), "big.log")]})
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "too large" in page.lower() and "64 KiB" in page
