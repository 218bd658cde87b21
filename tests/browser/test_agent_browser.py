"""An agent answers a request in a real browser, and the requester then sees the answer."""

import re

import pytest
from accounts import file_request, make_user
from playwright.sync_api import expect

from helpdesk.extensions import db
from helpdesk.models import Ticket
from helpdesk.outgoing.outbox import send_pending

pytestmark = pytest.mark.browser
PASSWORD = "a long enough password"


def deliver(app):
    with app.app_context():
        send_pending()


def sign_in_as_agent(page, server):
    make_user(server.app, "agent@example.com", role="agent", password=PASSWORD)
    page.goto(server.url + "/login?next=/agent/")
    page.fill("#email", "agent@example.com")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Queue")).to_be_visible()


def test_an_agent_answers_with_an_article_link_and_the_requester_reads_it(
        live_server, browser, page, smtp_server):
    server = live_server(**smtp_server.config())
    ref = file_request(server.app, summary="I forgot my password")
    deliver(server.app)
    smtp_server.envelopes.clear()

    sign_in_as_agent(page, server)
    row = page.locator("tr", has_text=ref)
    expect(row).to_contain_text("I forgot my password")
    row.get_by_role("link", name=ref).click()
    expect(page.get_by_role("heading", name="I forgot my password")).to_be_visible()

    page.fill("#body", "Hello Ann, this article explains it:")
    page.fill("#kb_q", "reset password")  # live results as the agent types (helpdesk.js)
    results = page.locator("[data-kb-results]")
    first = results.locator("li").first
    expect(first).to_contain_text("Using a password and resetting it")
    first.get_by_role("button", name="Insert link").click()
    expect(page.locator("#body")).to_have_value(re.compile(
        r"^Hello Ann, this article explains it:\n\n\[Using a password and resetting it\]"
        r"\(http://127\.0\.0\.1:\d+/articles/account/passwords\)$"))
    page.get_by_role("button", name="Send reply").click()
    expect(page.locator(".flash-success")).to_contain_text("Reply sent to ann@example.com")
    expect(page.locator(".status").first).to_have_text("Waiting for customer")

    deliver(server.app)
    (mail,) = smtp_server.messages
    assert mail["Subject"] == f"[{ref}] Re: I forgot my password"
    text = mail.get_body(("plain",)).get_content()
    link = re.search(rf"http://\S+/requests/{ref}\?t=\S+", text).group(0)

    requester = browser.new_context()
    try:
        theirs = requester.new_page()
        theirs.goto(link)
        expect(theirs.locator(".status")).to_have_text("Waiting for you")
        answer = theirs.locator(".conversation .message-support")
        expect(answer).to_contain_text("Hello Ann, this article explains it:")
        answer.get_by_role("link", name="Using a password and resetting it").click()
        expect(theirs).to_have_url(re.compile(r"/articles/account/passwords$"))
    finally:
        requester.close()

    with server.app.app_context():
        assert Ticket.by_ref(ref).status == "waiting_customer"
        db.session.remove()


def test_the_reply_form_works_without_javascript(live_server, browser):
    server = live_server()
    ref = file_request(server.app, summary="I forgot my password")
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in_as_agent(page, server)
        page.goto(f"{server.url}/agent/requests/{ref}")
        page.fill("#body", "Here you go:")
        page.fill("#kb_q", "password")
        page.get_by_role("button", name="Search articles").click()
        page.locator("[data-kb-results] li", has_text="Using a password and resetting it") \
            .get_by_role("button", name="Insert link").click()
        expect(page.locator("#body")).to_have_value(re.compile(
            r"^Here you go:\n\n\[Using a password and resetting it\]\(http://\S+\)$"))
        page.get_by_role("button", name="Add internal note").click()
        expect(page.locator(".message-internal")).to_contain_text(
            "Using a password and resetting it")
    finally:
        context.close()
