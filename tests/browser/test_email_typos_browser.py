"""A mistyped common domain in a real browser: the form asks "Did you mean ...?", one click
puts the suggestion in the field, and the request goes to the address meant."""

import pytest
from layout_pages import FORM
from playwright.sync_api import expect

from helpdesk.extensions import db
from helpdesk.models import Ticket

pytestmark = pytest.mark.browser


def send_with_a_typo(page, server):
    page.goto(server.url + FORM)
    page.fill("#email", "frank@gmial.con")
    page.fill("#summary", "Export button does nothing")
    page.fill("#description", "I click Export and nothing happens.")
    page.select_option("#application", "web")
    page.get_by_role("button", name="Send request").click()
    expect(page.locator("#email-hint")).to_be_focused()


def test_the_suggestion_fills_the_field_and_the_request_goes_there(live_server, page):
    server = live_server()
    send_with_a_typo(page, server)
    expect(page.locator("#email-hint")).to_contain_text("Did you mean frank@gmail.com?")
    expect(page.locator("#summary")).to_have_value("Export button does nothing")
    page.get_by_role("button", name="frank@gmail.com").click()
    expect(page.locator("#email")).to_have_value("frank@gmail.com")
    expect(page.locator("#email-hint")).to_have_count(0)
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_role("heading", name="Thank you, your request was sent")).to_be_visible()
    with server.app.app_context():
        assert db.session.execute(db.select(Ticket.requester_email)).scalar_one() == \
            "frank@gmail.com"


def test_insisting_on_the_address_as_typed_sends_it(live_server, page):
    server = live_server()
    send_with_a_typo(page, server)
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_role("heading", name="Thank you, your request was sent")).to_be_visible()


@pytest.mark.parametrize("width", [390, 1280])
def test_the_form_asking_about_the_address_has_no_serious_accessibility_problems(
        live_server, page, serious_violations, width):
    server = live_server()
    page.set_viewport_size({"width": width, "height": 844})
    send_with_a_typo(page, server)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert serious_violations(page) == []
