"""The local outbox in a real browser: each mail looks as a mail program shows it, and its
links open, as the Quick start says to follow them."""

import pytest
from playwright.sync_api import expect

from helpdesk.models import Ticket

pytestmark = pytest.mark.browser


def debug_server(live_server):
    server = live_server(DEBUG=True)
    server.app.debug = True
    return server


def file_one(page, server):
    page.goto(server.url + "/requests/new/technical-support")
    page.fill("#email", "ann@example.com")
    page.fill("#summary", "Export button does nothing")
    page.fill("#description", "I click Export and nothing happens.")
    page.select_option("#application", "web")
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_role("heading", name="Thank you, your request was sent")).to_be_visible()


def test_a_mails_button_in_the_outbox_opens_its_page(live_server, page):
    server = debug_server(live_server)
    file_one(page, server)
    page.goto(server.url + "/dev/outbox")
    mail = page.frame_locator("iframe.mail-frame").first
    expect(mail.locator(".brand")).to_have_text("Help Center")
    with page.context.expect_page() as opened:
        mail.get_by_role("link", name="See your request").click()
    request_page = opened.value
    with server.app.app_context():
        summary = Ticket.query.one().summary
    expect(request_page.get_by_role("heading", name=summary)).to_be_visible()


@pytest.mark.parametrize("width", [390, 1280])
def test_the_outbox_has_no_serious_accessibility_problems(
        live_server, page, serious_violations, sideways_overflow, width):
    server = debug_server(live_server)
    page.set_viewport_size({"width": width, "height": 844})
    file_one(page, server)
    page.goto(server.url + "/dev/outbox")
    expect(page.frame_locator("iframe.mail-frame").first.locator(".brand")).to_be_visible()
    assert sideways_overflow(page) <= 0
    assert serious_violations(page) == []
