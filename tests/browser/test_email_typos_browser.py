"""A mistyped common domain in a real browser: the form asks "Did you mean ...?" as soon as
the address is typed (or, without JavaScript, when it is sent), one click puts the
suggestion in the field, and the request goes to the address meant, files and all."""

import pytest
from layout_pages import FORM
from playwright.sync_api import expect

from helpdesk.extensions import db
from helpdesk.models import Ticket

pytestmark = pytest.mark.browser

TYPO, FIXED = "frank@gmial.con", "frank@gmail.com"


def fill_the_rest(page):
    page.fill("#summary", "Export button does nothing")
    page.fill("#description", "I click Export and nothing happens.")
    page.select_option("#application", "web")


def sent_to(server):
    with server.app.app_context():
        return db.session.execute(db.select(Ticket.requester_email)).scalar_one()


def type_a_typo(page, server):
    page.goto(server.url + FORM)
    page.fill("#email", TYPO)
    page.locator("#email").press("Tab")
    expect(page.locator("#email-hint")).to_contain_text(f"Did you mean {FIXED}?")


def test_the_question_comes_as_the_address_is_typed_and_fills_it(live_server, page, tmp_path):
    server = live_server()
    type_a_typo(page, server)
    (tmp_path / "app.log").write_text("ERROR export\n")
    page.set_input_files("#attachments", str(tmp_path / "app.log"))
    page.get_by_role("button", name=FIXED).click()
    expect(page.locator("#email")).to_have_value(FIXED)
    expect(page.locator("#email-hint")).to_have_count(0)
    fill_the_rest(page)
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_role("heading", name="Thank you, your request was sent")).to_be_visible()
    expect(page.locator(".files")).to_contain_text("app.log")
    assert sent_to(server) == FIXED


def test_leaving_the_address_as_typed_sends_it_without_asking_again(live_server, page):
    server = live_server()
    type_a_typo(page, server)
    fill_the_rest(page)
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_role("heading", name="Thank you, your request was sent")).to_be_visible()
    assert sent_to(server) == TYPO


def test_without_javascript_send_asks_and_the_suggestion_fills_the_field(
        live_server, page_without_js):
    server, page = live_server(), page_without_js
    page.goto(server.url + FORM)
    page.fill("#email", TYPO)
    fill_the_rest(page)
    page.get_by_role("button", name="Send request").click()
    page.get_by_role("button", name=FIXED).click()
    expect(page.locator("#email")).to_have_value(FIXED)
    expect(page.locator("#summary")).to_have_value("Export button does nothing")
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_role("heading", name="Thank you, your request was sent")).to_be_visible()
    assert sent_to(server) == FIXED


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("when", ["typed", "sent"])
def test_the_question_has_no_serious_accessibility_problems(
        live_server, page, serious_violations, sideways_overflow, width, when):
    server = live_server()
    page.set_viewport_size({"width": width, "height": 844})
    if when == "typed":
        type_a_typo(page, server)
    else:  # the address set without a change event: only Send asks
        page.goto(server.url + FORM)
        page.locator("#email").evaluate(f"field => field.value = {TYPO!r}")
        fill_the_rest(page)
        page.get_by_role("button", name="Send request").click()
        expect(page.locator("#email-hint")).to_be_focused()
    assert sideways_overflow(page) <= 0
    assert serious_violations(page) == []


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("path, button", [("/login", "Sign in"), ("/register", "Create account")])
def test_sign_in_and_registration_ask_and_fill_in_place(
        live_server, page, serious_violations, sideways_overflow, width, path, button):
    server = live_server()
    page.set_viewport_size({"width": width, "height": 844})
    page.goto(server.url + path)
    page.fill("#email", TYPO)
    if path == "/register":
        page.fill("#password", "a long enough password")
        page.fill("#confirm", "a long enough password")
    page.get_by_role("button", name=button, exact=True).click()
    expect(page.locator("#email-hint")).to_be_focused()
    assert sideways_overflow(page) <= 0
    assert serious_violations(page) == []
    page.get_by_role("button", name=FIXED).click()
    expect(page.locator("#email")).to_have_value(FIXED)
