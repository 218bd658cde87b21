"""A requester follows up in a real browser: sign in by emailed link, My requests, reply with
a file, "My problem is solved", rating."""

import re

import pytest
from accounts import file_request
from playwright.sync_api import expect

from helpdesk.extensions import db
from helpdesk.models import Ticket
from helpdesk.outgoing.outbox import send_pending

pytestmark = pytest.mark.browser


def deliver(app):
    with app.app_context():
        send_pending()


def test_a_requester_signs_in_by_link_replies_with_a_file_closes_and_rates(
        live_server, page, smtp_server, tmp_path):
    server = live_server(**smtp_server.config())
    ref = file_request(server.app, email="ann@example.com", summary="Export button does nothing")
    deliver(server.app)
    smtp_server.envelopes.clear()

    page.goto(server.url + "/")
    page.get_by_role("link", name="Sign in").click()
    page.fill("#email", "ann@example.com")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

    deliver(server.app)
    (mail,) = smtp_server.messages
    text = mail.get_body(("plain",)).get_content()
    link = re.search(r"http://\S+/login/link\?token=\S+", text).group(0)
    page.goto(link)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name="My requests")).to_be_visible()
    row = page.locator("tr", has_text=ref)
    expect(row).to_contain_text("Export button does nothing")
    expect(row).to_contain_text("Waiting for support")
    row.get_by_role("link", name=ref).click()

    expect(page.get_by_role("heading", name="Export button does nothing")).to_be_visible()
    screenshot = tmp_path / "console.log"
    screenshot.write_text("TypeError: export is undefined\n")
    page.fill("#body", "It still fails. **Console** output attached.")
    page.set_input_files("#attachments", str(screenshot))
    expect(page.locator("[data-file-status]")).to_contain_text("console.log")
    page.get_by_role("button", name="Send reply").click()
    expect(page.locator(".flash-success")).to_contain_text("Your reply was sent")
    last = page.locator(".conversation .message").last
    expect(last.locator("strong", has_text="Console")).to_be_visible()
    expect(last.get_by_role("link", name="console.log")).to_be_visible()

    page.get_by_role("button", name="My problem is solved").click()
    expect(page.locator(".status")).to_have_text("Resolved")
    page.get_by_label("5 – Very satisfied").check()
    page.fill("#comment", "Quick and friendly")
    page.get_by_role("button", name="Send rating").click()
    expect(page.locator("#rate")).to_contain_text("You rated this request 5 out of 5")

    with server.app.app_context():
        ticket = Ticket.by_ref(ref)
        assert ticket.status == "resolved"
        assert (ticket.rating.score, ticket.rating.comment) == (5, "Quick and friendly")
        assert [a.original_name for a in ticket.messages[-1].attachments] == ["console.log"]
        db.session.remove()


def test_the_reply_preview_works_without_javascript(live_server, page_without_js):
    server = live_server()
    ref = file_request(server.app)
    page = page_without_js
    with server.app.test_request_context():
        from helpdesk.tickets import links
        token = links.view_token(Ticket.by_ref(ref))
    page.goto(f"{server.url}/requests/{ref}?t={token}")
    page.fill("#body", "A *quick* check")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator(".preview em")).to_have_text("quick")
    expect(page.locator("#body")).to_have_value("A *quick* check")
