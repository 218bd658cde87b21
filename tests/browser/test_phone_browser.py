"""Every page on a phone: nothing wider than the screen, the header folded into a menu,
answers right under the summary, and no serious accessibility problem at either width."""

import pytest
from layout_pages import AGENT, FORM, PAGES, REQUESTER, answers, sign_in
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PHONES = [{"width": 360, "height": 740}, {"width": 390, "height": 844}]
SMALL_TABLET = {"width": 700, "height": 1000}  # between the phone layout and the wide one
DESKTOP = {"width": 1280, "height": 900}


@pytest.mark.parametrize("name", list(PAGES))
def test_the_page_fits_a_phone_screen_without_sideways_scrolling(
        live_server, page, sideways_overflow, name):
    server = live_server()
    page.set_viewport_size(PHONES[0])
    PAGES[name](page, server)
    for size in (*PHONES, SMALL_TABLET):
        page.set_viewport_size(size)
        assert sideways_overflow(page) <= 0, f"{name} is wider than a {size['width']} px screen"


@pytest.mark.parametrize("name", list(PAGES))
def test_the_page_has_no_serious_accessibility_problems_on_a_phone_or_a_desktop(
        live_server, page, serious_violations, name):
    server = live_server()
    page.set_viewport_size(PHONES[1])
    PAGES[name](page, server)
    for size in (PHONES[1], DESKTOP):
        page.set_viewport_size(size)
        assert serious_violations(page) == [], f"{name} at {size['width']} px"


@pytest.mark.parametrize("size", PHONES, ids=lambda s: f"{s['width']}px")
def test_answers_appear_right_under_the_summary_on_a_phone(live_server, page, size):
    server = live_server()
    page.set_viewport_size(size)
    page.goto(server.url + FORM)
    page.fill("#email", "ann@example.com")
    page.locator("#summary").press_sequentially("reset password", delay=20)
    first = answers(page).first
    expect(first).to_be_in_viewport()
    summary = page.locator("#summary").bounding_box()
    description = page.locator("#description").bounding_box()
    assert summary["y"] < first.bounding_box()["y"] < description["y"]


def test_answers_stand_beside_the_form_on_a_desktop(live_server, page):
    server = live_server()
    page.set_viewport_size(DESKTOP)
    page.goto(server.url + FORM)
    page.locator("#summary").press_sequentially("reset password", delay=20)
    first = answers(page).first
    expect(first).to_be_in_viewport()
    summary = page.locator("#summary").bounding_box()
    assert first.bounding_box()["x"] > summary["x"] + summary["width"]
    # beside, not below: the description still starts right after the summary
    assert page.locator("#description").bounding_box()["y"] < first.bounding_box()["y"] + 400


def test_the_phone_header_folds_into_a_menu_that_opens_and_closes(live_server, page):
    server = live_server()
    page.set_viewport_size(PHONES[0])
    sign_in(page, server, REQUESTER, "requester")
    menu = page.locator("summary", has_text="Menu")
    sign_out = page.get_by_role("button", name="Sign out")
    expect(sign_out).to_be_hidden()
    menu.click()
    expect(sign_out).to_be_in_viewport()
    expect(page.get_by_role("link", name=REQUESTER)).to_be_in_viewport()
    expect(page.get_by_role("link", name="Contact support").first).to_be_in_viewport()
    page.keyboard.press("Escape")
    expect(sign_out).to_be_hidden()
    expect(menu).to_be_focused()
    menu.click()
    page.locator(".site-header").click(position={"x": 4, "y": 4})  # a tap elsewhere closes it
    expect(sign_out).to_be_hidden()


def test_the_phone_menu_works_without_javascript(live_server, page_without_js, sideways_overflow):
    server = live_server()
    page = page_without_js
    page.set_viewport_size(PHONES[0])
    sign_in(page, server, AGENT, "agent")
    page.locator("summary", has_text="Menu").click()
    page.get_by_role("link", name="Agent desk").click()
    expect(page.get_by_role("heading", name="Queue")).to_be_visible()
    assert sideways_overflow(page) <= 0


def test_the_desktop_header_shows_its_links_without_a_menu(live_server, page):
    server = live_server()
    page.set_viewport_size(DESKTOP)
    sign_in(page, server, AGENT, "agent")
    expect(page.locator("summary", has_text="Menu")).to_be_hidden()
    for name in ("Articles", "My requests", "Agent desk", "Contact support"):
        expect(page.get_by_role("link", name=name, exact=True).first).to_be_in_viewport()
    expect(page.get_by_role("button", name="Sign out")).to_be_in_viewport()
