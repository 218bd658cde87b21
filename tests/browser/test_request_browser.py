"""A person filing a request in a real browser: answers while typing, files, no-JS, a11y."""

import re

import pytest
from playwright.sync_api import expect

from helpdesk import events
from helpdesk.extensions import db
from helpdesk.models import Attachment, Event, Ticket

pytestmark = pytest.mark.browser

FORM = "/requests/new/technical-support"


def fill_form(page):
    page.fill("#email", "ann@example.com")
    page.fill("#summary", "Export button does nothing")
    page.fill("#description", "I click Export and nothing happens.")
    page.select_option("#application", "web")


def test_typing_a_summary_shows_answers_and_one_solves_the_problem(live_server, page):
    server = live_server()
    page.goto(server.url + FORM)
    page.type("#summary", "reset password", delay=20)
    first = page.locator("#answers li a").first
    expect(first).to_contain_text("Using a password and resetting it")
    expect(page.locator("#answers mark").first).to_be_visible()
    first.click()
    expect(page.get_by_role("heading", name="Did this solve your problem?")).to_be_visible()
    page.get_by_role("button", name="Yes, this solved my problem").click()
    expect(page.get_by_role("heading", name="Glad we could help")).to_be_visible()
    with server.app.app_context():
        events.flush()
        kinds = set(db.session.execute(db.select(Event.kind)).scalars())
    assert {"suggestion_shown", "suggestion_opened", "solved"} <= kinds


def test_the_description_sharpens_the_answers_the_summary_found(live_server, page):
    server = live_server()
    page.goto(server.url + FORM)
    with page.expect_request(lambda r: "also=" in r.url and "/requests/suggest" in r.url) as asked:
        page.type("#summary", "email", delay=20)
        page.type("#description", "it never arrives in my inbox", delay=20)
    assert "q=email" in asked.value.url
    expect(page.locator("#answers li a").first).to_contain_text("not arriving")


def test_no_takes_the_person_back_to_the_draft_as_they_left_it(live_server, page):
    server = live_server()
    page.goto(server.url + FORM)
    page.fill("#email", "ann@example.com")
    page.type("#summary", "password", delay=20)
    page.fill("#description", "My draft text")
    page.locator("#answers li a").first.click()
    page.get_by_role("link", name="No, back to my request").click()
    expect(page.locator("#summary")).to_have_value("password")
    expect(page.locator("#description")).to_have_value("My draft text")
    expect(page.locator("#email")).to_have_value("ann@example.com")


def test_the_draft_survives_in_a_new_tab(live_server, page):
    server = live_server()
    page.goto(server.url + FORM)
    page.fill("#summary", "Sync stopped working")
    page.fill("#description", "Since yesterday")
    page.wait_for_timeout(500)  # let the debounced save happen
    other = page.context.new_page()
    other.goto(server.url + FORM)
    expect(other.locator("#summary")).to_have_value("Sync stopped working")


def test_answers_are_reachable_from_the_keyboard(live_server, page):
    server = live_server()
    page.goto(server.url + FORM)
    page.type("#summary", "password", delay=20)
    expect(page.locator("#answers li a").first).to_be_visible()
    page.keyboard.press("ArrowDown")
    focused = page.evaluate("document.activeElement.closest('#answers') !== null")
    assert focused


def test_nothing_matching_shows_an_empty_state(live_server, page):
    server = live_server()
    page.goto(server.url + FORM)
    page.type("#summary", "qwxzvk", delay=20)
    expect(page.locator("#answers")).to_contain_text("No matching articles")


def test_filing_with_two_attachments_shows_the_confirmation(live_server, page, tmp_path):
    server = live_server()
    log = tmp_path / "app.log"
    log.write_text("ERROR export failed\n")
    notes = tmp_path / "steps.txt"
    notes.write_text("1. open reports\n2. click export\n")
    page.goto(server.url + FORM)
    fill_form(page)
    page.set_input_files("#attachments", [str(log), str(notes)])
    expect(page.locator("[data-file-status]")).to_contain_text("app.log")
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_role("heading", name="Thank you, your request was sent")).to_be_visible()
    expect(page.locator(".ref")).to_have_text(re.compile(r"HD-\d+"))
    expect(page.locator(".files")).to_contain_text("app.log")
    expect(page.locator(".files")).to_contain_text("steps.txt")
    with server.app.app_context():
        ticket = db.session.execute(db.select(Ticket)).scalar_one()
        assert ticket.environment["language"] == "en-GB"
        assert ticket.environment["timezone"] == "Europe/Paris"
        assert len(db.session.execute(db.select(Attachment)).all()) == 2


def test_the_page_shows_what_environment_will_be_attached(live_server, page):
    server = live_server()
    page.goto(server.url + FORM)
    expect(page.locator("#env-line")).to_contain_text("Chrome")
    expect(page.locator("#env-line")).to_contain_text("time zone Europe/Paris")


def test_a_file_over_the_limit_is_caught_before_upload(live_server, page, tmp_path):
    server = live_server(ATTACHMENT_MAX_BYTES=1024)
    big = tmp_path / "big.log"
    big.write_bytes(b"x" * 4096)
    page.goto(server.url + FORM)
    fill_form(page)
    page.set_input_files("#attachments", str(big))
    expect(page.locator("[data-file-status]")).to_contain_text("larger than the limit")
    page.get_by_role("button", name="Send request").click()
    expect(page).to_have_url(re.compile(re.escape(FORM) + "$"))
    with server.app.app_context():
        assert db.session.execute(db.select(Ticket)).first() is None


def test_without_javascript_find_answers_and_send_still_work(live_server, page_without_js):
    server = live_server()
    page = page_without_js
    page.goto(server.url + FORM)
    fill_form(page)
    page.fill("#summary", "reset password")
    page.get_by_role("button", name="Find answers").click()
    expect(page.locator("#answers")).to_contain_text("Using a password and resetting it")
    expect(page.locator("#summary")).to_have_value("reset password")
    expect(page.locator("#description")).to_have_value("I click Export and nothing happens.")
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_role("heading", name="Thank you, your request was sent")).to_be_visible()


def serious_violations(page):
    from axe_playwright_python.sync_playwright import Axe
    results = Axe().run(page)
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]])
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


def test_the_form_has_no_serious_accessibility_problems(live_server, page):
    server = live_server()
    page.goto(server.url + FORM)
    page.type("#summary", "password", delay=20)
    expect(page.locator("#answers li a").first).to_be_visible()
    assert serious_violations(page) == []


def test_the_form_with_errors_has_no_serious_accessibility_problems(live_server, page):
    server = live_server()
    page.goto(server.url + FORM)
    fill_form(page)
    page.fill("#description", "   ")  # passes the browser's own check, not the server's
    page.get_by_role("button", name="Send request").click()
    expect(page.locator("#error-summary")).to_be_focused()
    assert serious_violations(page) == []


def test_the_confirmation_has_no_serious_accessibility_problems(live_server, page):
    server = live_server()
    page.goto(server.url + FORM)
    fill_form(page)
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_role("heading", name="Thank you, your request was sent")).to_be_visible()
    assert serious_violations(page) == []
