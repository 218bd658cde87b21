"""On the desk, the status an agent chose is the status the reply leaves, and a change
made in the side panel but not saved is never dropped without a word."""

import pytest
from accounts import file_request, make_user
from playwright.sync_api import expect

from helpdesk.extensions import db
from helpdesk.models import Ticket

pytestmark = pytest.mark.browser
PASSWORD = "a long enough password"


def open_on_desk(page, server, ref):
    make_user(server.app, "agent@example.com", role="agent", password=PASSWORD)
    page.goto(server.url + "/login?next=/agent/requests/" + ref)
    page.fill("#email", "agent@example.com")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Reply or add a note")).to_be_visible()
    # The heading is in the HTML; what guards a draft comes with the script, which a busy
    # machine may not have run yet.
    page.wait_for_load_state("load")


def a_request_on_the_desk(live_server, page):
    """(server, reference): a request filed and open on the desk in `page`."""
    server = live_server()
    ref = file_request(server.app, summary="The export button does nothing")
    open_on_desk(page, server, ref)
    return server, ref


def status_of(server, ref):
    with server.app.app_context():
        status = Ticket.by_ref(ref).status
        db.session.remove()
    return status


def test_resolved_chosen_in_the_side_panel_is_what_the_reply_sets(live_server, page):
    server, ref = a_request_on_the_desk(live_server, page)
    page.get_by_label("Status", exact=True).select_option("resolved")  # not saved
    expect(page.locator("[data-unsaved-note]")).to_have_text(
        "Not saved yet: Status. Press Update to save.")
    reply_status = page.get_by_label("and set the status to")
    expect(reply_status).to_have_value("resolved")
    expect(page.locator("#reply-status-note")).to_contain_text(
        "“Send reply” will set the status to “Resolved”, as chosen in Properties.")
    page.fill("#body", "Fixed in today's release.")
    page.get_by_role("button", name="Send reply").click()
    expect(page.locator(".flash-success")).to_contain_text("The status is now “Resolved”.")
    expect(page.locator(".request-meta .status")).to_have_text("Resolved")
    assert status_of(server, ref) == "resolved"


def test_send_and_mark_resolved_from_the_reply_form_itself(live_server, page):
    server, ref = a_request_on_the_desk(live_server, page)
    expect(page.get_by_label("and set the status to")).to_have_value("waiting_customer")
    page.fill("#body", "Fixed in today's release.")
    page.get_by_label("and set the status to").select_option("resolved")
    page.get_by_role("button", name="Send reply").click()
    expect(page.locator(".request-meta .status")).to_have_text("Resolved")
    expect(page.get_by_label("Status", exact=True)).to_have_value("resolved")


def test_the_reply_status_choice_works_without_javascript(live_server, page_without_js):
    server, ref = a_request_on_the_desk(live_server, page_without_js)
    page_without_js.fill("#body", "Fixed in today's release.")
    page_without_js.get_by_label("and set the status to").select_option("resolved")
    page_without_js.get_by_role("button", name="Send reply").click()
    expect(page_without_js.locator(".request-meta .status")).to_have_text("Resolved")
    assert status_of(server, ref) == "resolved"


def test_leaving_with_an_unsaved_priority_asks_first(live_server, page):
    server, ref = a_request_on_the_desk(live_server, page)
    page.get_by_label("Priority").select_option("urgent")
    expect(page.locator("[data-unsaved-note]")).to_have_text(
        "Not saved yet: Priority. Press Update to save.")
    with page.expect_event("dialog") as asked:
        page.close(run_before_unload=True)
    assert asked.value.type == "beforeunload"
    asked.value.dismiss()  # stay: the change is still there to save
    expect(page.get_by_label("Priority")).to_have_value("urgent")


def test_saving_the_side_panel_keeps_the_reply_being_written(live_server, page):
    server, ref = a_request_on_the_desk(live_server, page)
    page.fill("#body", "Half-written answer about the export")
    page.get_by_label("Priority").select_option("high")
    page.get_by_role("button", name="Update").click()
    expect(page.locator(".flash-success")).to_contain_text("Changed: priority.")
    expect(page.locator("#body")).to_have_value("Half-written answer about the export")
    expect(page.get_by_role("status").filter(has_text="Your reply draft is kept")).to_be_visible()


def test_leaving_with_a_reply_being_written_asks_first(live_server, page):
    server, ref = a_request_on_the_desk(live_server, page)
    # Clicked into, as a person does: Chromium asks before leaving only a page that has had
    # a click or a key press, and filling the field alone may not count as one.
    page.locator("#body").click()
    page.fill("#body", "Half-written answer")
    with page.expect_event("dialog") as asked:
        page.close(run_before_unload=True)
    assert asked.value.type == "beforeunload"
    asked.value.dismiss()
    expect(page.locator("#body")).to_have_value("Half-written answer")
