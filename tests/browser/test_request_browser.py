"""A person filing a request in a real browser: answers while typing, files, no-JS, a11y."""

import re

import pytest
from layout_pages import FORM, answers
from playwright.sync_api import expect

from helpdesk import events
from helpdesk.extensions import db
from helpdesk.models import Attachment, Event, Ticket
from helpdesk.tickets import environment

pytestmark = pytest.mark.browser


def fill_form(page):
    page.fill("#email", "ann@example.com")
    page.fill("#summary", "Export button does nothing")
    page.fill("#description", "I click Export and nothing happens.")
    page.select_option("#application", "web")


def send_with_a_blank_description(page):
    """The form comes back from the server with an error: blanks pass the browser's check."""
    fill_form(page)
    page.fill("#description", "   ")
    page.get_by_role("button", name="Send request").click()
    expect(page.locator("#error-summary")).to_be_focused()


def type_summary(page, text):
    page.locator("#summary").press_sequentially(text, delay=20)
    expect(answers(page).first).to_be_visible()
    return answers(page)


def open_in_new_tab(page, action):
    with page.context.expect_page() as opened:
        action()
    article = opened.value
    expect(article.get_by_role("heading", name="Did this solve your problem?")).to_be_visible()
    return article


def test_typing_a_summary_shows_answers_and_one_solves_the_problem(live_server, page):
    server = live_server()
    page.goto(server.url + FORM)
    first = type_summary(page, "reset password").first
    expect(first).to_contain_text("Using a password and resetting it")
    expect(page.locator("#answers mark").first).to_be_visible()
    article = open_in_new_tab(page, first.click)
    article.get_by_role("button", name="Yes, this solved my problem").click()
    expect(article.get_by_role("heading", name="Glad we could help")).to_be_visible()
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
    expect(answers(page).first).to_contain_text("not arriving")


def test_an_answer_opens_in_its_own_tab_and_the_form_keeps_text_and_files(
        live_server, page, tmp_path):
    server = live_server()
    log = tmp_path / "app.log"
    log.write_text("ERROR export failed\n")
    page.goto(server.url + FORM)
    page.fill("#email", "ann@example.com")
    page.fill("#description", "My draft text")
    page.set_input_files("#attachments", str(log))
    article = open_in_new_tab(page, type_summary(page, "password").first.click)
    with article.expect_event("close"):  # "No" closes the article's tab ...
        article.get_by_role("link", name="No, back to my request").click()
    # ... and the form is as it was left, the chosen file included
    expect(page.locator("#summary")).to_have_value("password")
    expect(page.locator("#description")).to_have_value("My draft text")
    assert page.locator("#attachments").evaluate("input => input.files[0].name") == "app.log"
    expect(page.locator("#answers-note")).to_contain_text("open in a new tab")
    expect(page.locator("#answers-panel")).not_to_contain_text("keeps your draft")


def test_no_goes_back_to_the_form_when_the_article_opened_in_the_same_tab(live_server, page):
    server = live_server()
    page.goto(server.url + FORM)
    page.fill("#description", "My draft text")
    first = type_summary(page, "password").first
    first.evaluate("link => link.removeAttribute('target')")  # as some app web views do
    first.click()
    expect(page.get_by_role("heading", name="Did this solve your problem?")).to_be_visible()
    entries = page.evaluate("history.length")
    page.get_by_role("link", name="No, back to my request").click()
    expect(page.locator("#description")).to_have_value("My draft text")
    assert page.evaluate("history.length") == entries  # back in history, not a new form


def test_find_answers_asks_in_place_and_keeps_the_chosen_files(live_server, page, tmp_path):
    server = live_server()
    log = tmp_path / "app.log"
    log.write_text("ERROR export failed\n")
    page.goto(server.url + FORM)
    page.set_input_files("#attachments", str(log))
    page.fill("#summary", "reset password")  # no typing events: only the button asks
    page.get_by_role("button", name="Find answers").click()
    expect(answers(page).first).to_contain_text("Using a password")
    assert page.locator("#attachments").evaluate("input => input.files.length") == 1


def test_the_draft_survives_in_a_new_tab(live_server, page):
    server = live_server()
    page.goto(server.url + FORM)
    page.fill("#summary", "Sync stopped working")
    page.fill("#description", "Since yesterday")
    page.wait_for_function("""() => {
        const draft = JSON.parse(localStorage.getItem("request-draft-technical-support"));
        return draft && draft.description === "Since yesterday"; }""")
    other = page.context.new_page()
    other.goto(server.url + FORM)
    expect(other.locator("#summary")).to_have_value("Sync stopped working")


def active_option(page):
    return page.locator("#summary").get_attribute("aria-activedescendant")


def test_the_keyboard_moves_through_the_answers_opens_one_and_closes_the_list(
        live_server, page):
    server = live_server()
    page.goto(server.url + FORM)
    options = type_summary(page, "password")
    summary = page.get_by_role("combobox", name="Summary")
    expect(summary).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("status").filter(has_text="match")).to_contain_text(
        f"{options.count()} help articles match")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    expect(summary).to_be_focused()  # focus stays in the box: the highlight moves
    first_id = options.first.get_attribute("id")
    assert active_option(page) == first_id
    expect(options.first).to_have_attribute("aria-selected", "true")
    article = open_in_new_tab(page, lambda: page.keyboard.press("Enter"))
    assert "/articles/" in article.url
    page.bring_to_front()
    page.keyboard.press("Escape")
    expect(page.get_by_role("listbox")).to_be_hidden()
    expect(summary).to_have_attribute("aria-expanded", "false")
    expect(summary).to_have_value("password")  # Escape closes the list, never the text
    page.keyboard.press("ArrowDown")  # and the list comes back
    expect(options.first).to_have_attribute("aria-selected", "true")


def test_answers_come_right_after_the_summary_in_tab_order(live_server, page):
    server = live_server()
    page.goto(server.url + FORM)
    type_summary(page, "password")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Find answers")).to_be_focused()


def test_without_javascript_found_answers_come_right_after_the_summary(
        live_server, page_without_js):
    server = live_server()
    page = page_without_js
    page.goto(server.url + FORM)
    page.fill("#summary", "reset password")
    page.get_by_role("button", name="Find answers").click()
    page.locator("#summary").focus()
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.closest('#answers') !== null")
    assert focused
    assert page.evaluate("document.activeElement.target") == "_blank"


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


def test_technical_details_are_listed_once_after_the_form_comes_back(live_server, page):
    server = live_server()
    page.goto(server.url + FORM)
    send_with_a_blank_description(page)
    line = page.locator("#env-line")
    expect(line).to_contain_text("time zone Europe/Paris")
    for part in ("language ", "time zone ", "screen "):
        assert line.text_content().count(part) == 1, line.text_content()
    page.fill("#description", "I click Export and nothing happens.")
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_role("heading", name="Thank you, your request was sent")).to_be_visible()
    with server.app.app_context():
        stored = db.session.execute(db.select(Ticket)).scalar_one().environment
    assert (stored["language"], stored["timezone"]) == ("en-GB", "Europe/Paris")
    assert re.fullmatch(r"\d+x\d+", stored["screen"])
    described = environment.describe(stored)
    assert [described.count(p) for p in ("language ", "time zone ", "screen ")] == [1, 1, 1]


def test_technical_details_are_listed_once_after_reloads_and_stored_once(live_server, page):
    server = live_server()
    page.goto(server.url + FORM)
    fill_form(page)
    page.reload()
    page.reload()
    line = page.locator("#env-line")
    expect(line).to_contain_text("time zone Europe/Paris")
    parts = ("language ", "time zone ", "screen ")
    assert [line.text_content().count(p) for p in parts] == [1, 1, 1]
    fill_form(page)
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_role("heading", name="Thank you, your request was sent")).to_be_visible()
    shown = page.get_by_text(re.compile("time zone Europe/Paris")).first.text_content()
    assert [shown.count(p) for p in parts] == [1, 1, 1]


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


def test_the_form_has_no_serious_accessibility_problems(
        live_server, page, serious_violations):
    server = live_server()
    page.goto(server.url + FORM)
    type_summary(page, "password")
    assert serious_violations(page) == []


def test_the_form_with_errors_has_no_serious_accessibility_problems(
        live_server, page, serious_violations):
    server = live_server()
    page.goto(server.url + FORM)
    send_with_a_blank_description(page)
    assert serious_violations(page) == []


def test_the_confirmation_has_no_serious_accessibility_problems(
        live_server, page, serious_violations):
    server = live_server()
    page.goto(server.url + FORM)
    fill_form(page)
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_role("heading", name="Thank you, your request was sent")).to_be_visible()
    assert serious_violations(page) == []


def test_the_help_center_search_box_offers_answers_the_same_way(live_server, page):
    server = live_server()
    page.goto(server.url + "/")
    page.get_by_role("combobox", name="Search the help center").press_sequentially(
        "reset password", delay=20)
    expect(answers(page).first).to_contain_text("Using a password and resetting it")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")  # here the article opens in the same tab: no draft to keep
    expect(page).to_have_url(re.compile(r"/articles/account/passwords$"))
