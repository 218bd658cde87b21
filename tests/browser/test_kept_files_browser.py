"""Nothing chosen is lost: files picked before "Find answers" or a reply's Preview are the
files that arrive when the person sends."""

import pytest
from layout_pages import AGENT, FORM, REQUESTER, answers, sign_in, some_requests
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

LOG = "ERROR export failed at 10:42\n"


def chosen_log(page, tmp_path):
    log = tmp_path / "app.log"
    log.write_text(LOG)
    page.set_input_files("#attachments", str(log))
    expect(page.locator("[data-file-status]")).to_contain_text("app.log")


def downloaded(page, link):
    return page.request.get(link.evaluate("a => a.href")).text()


def preview_with_a_file(page, tmp_path, text):
    """Write `text`, choose the log, press Preview: the preview shows, the file stays chosen."""
    page.fill("#body", text)
    chosen_log(page, tmp_path)
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_label("Preview").locator("strong")).to_have_text("exact time")
    expect(page.locator("#attachments-status")).to_contain_text("app.log")  # still chosen


def assert_the_file_arrived(page):
    link = page.locator(".conversation .files a", has_text="app.log")
    expect(link).to_be_visible()
    assert downloaded(page, link) == LOG


def test_a_file_chosen_before_find_answers_arrives_with_the_request(live_server, page, tmp_path):
    server = live_server()
    page.goto(server.url + FORM)
    page.fill("#email", "ann@example.com")
    page.fill("#summary", "reset password")
    page.fill("#description", "The reset mail never comes.")
    page.select_option("#application", "web")
    chosen_log(page, tmp_path)
    page.get_by_role("button", name="Find answers").click()
    expect(answers(page).first).to_contain_text("Using a password")
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_role("heading", name="Thank you, your request was sent")).to_be_visible()
    expect(page.locator(".files")).to_contain_text("app.log")


def test_a_reply_preview_shows_in_place_and_the_file_arrives(live_server, page, tmp_path):
    server = live_server()
    ref = some_requests(server)[0]
    sign_in(page, server, REQUESTER, "requester")
    page.goto(server.url + f"/requests/{ref}")
    preview_with_a_file(page, tmp_path, "It fails at the **exact time** in the log.")
    expect(page.get_by_text("Choose your files again")).to_have_count(0)
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_text("Your reply was sent")).to_be_visible()
    assert_the_file_arrived(page)


def test_without_javascript_a_preview_says_the_files_must_be_chosen_again(
        live_server, page_without_js, tmp_path):
    server = live_server()
    ref = some_requests(server)[0]
    page = page_without_js
    sign_in(page, server, REQUESTER, "requester")
    page.goto(server.url + f"/requests/{ref}")
    page.fill("#body", "Still **broken**.")
    (tmp_path / "app.log").write_text(LOG)
    page.set_input_files("#attachments", str(tmp_path / "app.log"))
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_label("Preview").locator("strong")).to_have_text("broken")
    expect(page.get_by_text("Choose your files again")).to_be_visible()
    expect(page.locator("#body")).to_have_value("Still **broken**.")


@pytest.mark.parametrize("width", [390, 1280])
def test_a_request_with_its_preview_has_no_serious_accessibility_problems(
        live_server, page, serious_violations, width):
    server = live_server()
    ref = some_requests(server)[0]
    page.set_viewport_size({"width": width, "height": 844})
    sign_in(page, server, REQUESTER, "requester")
    page.goto(server.url + f"/requests/{ref}")
    page.fill("#body", "A `code` span and a [link](https://example.com).")
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_label("Preview").locator("code")).to_have_text("code")
    assert serious_violations(page) == []


def test_an_agents_reply_preview_shows_in_place_and_the_file_arrives(live_server, page,
                                                                     tmp_path):
    server = live_server()
    ref = some_requests(server)[0]
    sign_in(page, server, AGENT, "agent")
    page.goto(server.url + f"/agent/requests/{ref}")
    preview_with_a_file(page, tmp_path, "Your log shows the **exact time** it failed.")
    page.get_by_role("button", name="Send reply").click()
    expect(page.locator(".flash-success")).to_contain_text("Reply sent")
    assert_the_file_arrived(page)
