"""The agent's queue in a real browser: rows that open where you click, references and the
search hint in full, and a bulk bar that shows up once requests are ticked."""

import pytest
from accounts import file_request
from layout_pages import AGENT, sign_in
from playwright.sync_api import expect

from helpdesk.extensions import db
from helpdesk.models import Ticket

pytestmark = pytest.mark.browser

WIDTHS = [390, 1280]
SUMMARY = "Invoice INV-2211 charged twice"
ONE_LINE = """node => node.getBoundingClientRect().height
    <= parseFloat(getComputedStyle(node).lineHeight) * 1.2"""
# The placeholder's width in the input's own font, against the room inside the input.
PLACEHOLDER_FITS = """input => {
  const style = getComputedStyle(input);
  const context = document.createElement("canvas").getContext("2d");
  context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
  const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return context.measureText(input.placeholder).width <= room;
}"""


def open_queue(page, server, width=1280):
    refs = [file_request(server.app, summary=SUMMARY, type_slug="billing"),
            file_request(server.app, summary="Export stops at a thousand rows")]
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, server, AGENT, "agent")
    page.goto(server.url + "/agent/")
    expect(page.get_by_role("heading", name="Queue")).to_be_visible()
    return refs


@pytest.mark.parametrize("width", WIDTHS)
def test_references_stay_on_one_line(live_server, page, width):
    server = live_server()
    open_queue(page, server, width)
    for ref in page.locator(".ref-tag").all():
        assert ref.evaluate(ONE_LINE), f"{ref.text_content()} wraps at {width} px"


@pytest.mark.parametrize("width", WIDTHS)
def test_the_search_hint_is_shown_in_full(live_server, page, width):
    server = live_server()
    open_queue(page, server, width)
    search = page.get_by_role("searchbox", name="Search")
    expect(search).to_have_attribute("placeholder", "Words, HD-1042 or an address")
    assert search.evaluate(PLACEHOLDER_FITS)


def test_the_whole_main_cell_opens_the_request(live_server, page):
    server = live_server()
    ref = open_queue(page, server)[0]
    row = page.locator("tr", has_text=ref)
    # one link per row, named by reference and summary
    expect(row.get_by_role("link")).to_have_count(1)
    expect(row.get_by_role("link")).to_have_accessible_name(f"{ref} {SUMMARY}")
    box = row.get_by_text("Billing").bounding_box()  # the type, under the link's own text
    page.mouse.click(box["x"] + 2, box["y"] + box["height"] / 2)
    expect(page.get_by_role("heading", name=SUMMARY)).to_be_visible()


def test_the_main_cell_link_is_reached_from_the_keyboard(live_server, page):
    server = live_server()
    ref = open_queue(page, server)[0]
    row = page.locator("tr", has_text=ref)
    row.get_by_role("checkbox").focus()
    page.keyboard.press("Tab")
    expect(row.get_by_role("link")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=SUMMARY)).to_be_visible()


def test_the_bulk_bar_appears_once_a_request_is_ticked(live_server, page):
    server = live_server()
    refs = open_queue(page, server, 390)
    bar = page.get_by_role("group", name="With the selected requests")
    expect(bar).to_be_hidden()
    page.get_by_role("checkbox", name=f"Select {refs[0]}").check()
    expect(bar).to_be_in_viewport()  # it stays at the bottom of the screen while in the list
    expect(bar).to_contain_text("(1)")
    page.get_by_role("checkbox", name=f"Select {refs[1]}").check()
    expect(bar).to_contain_text("(2)")
    page.get_by_role("checkbox", name=f"Select {refs[0]}").uncheck()
    page.get_by_role("checkbox", name=f"Select {refs[1]}").uncheck()
    expect(bar).to_be_hidden()


def test_without_javascript_the_bulk_bar_is_there_and_works(live_server, page_without_js):
    server = live_server()
    page = page_without_js
    refs = open_queue(page, server)
    page.get_by_role("checkbox", name=f"Select {refs[0]}").check()
    page.get_by_label("Set status").select_option(label="Resolved")
    page.get_by_role("button", name="Set status").click()
    expect(page.locator(".flash-success")).to_be_visible()
    with server.app.app_context():
        assert Ticket.by_ref(refs[0]).status == "resolved"
        assert Ticket.by_ref(refs[1]).status == "open"
        db.session.remove()
