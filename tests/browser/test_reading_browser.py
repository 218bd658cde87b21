"""Reading comfort in a real browser: code as large as the text around it, a focus ring
that stands out, a site icon instead of a 404 in every fresh browser, times in the
reader's own zone."""

import re

import pytest
from layout_pages import FORM, REQUESTER, sign_in, some_requests
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

ARTICLE = "/articles/contact-support/finding-version-numbers"
# The outline of the focused element and the first solid background behind it.
FOCUS_COLOURS = """() => {
  const node = document.activeElement;
  let behind = node.parentElement, background = "rgba(0, 0, 0, 0)";
  while (behind && /rgba\\(.*, 0\\)|transparent/.test(background)) {
    background = getComputedStyle(behind).backgroundColor;
    behind = behind.parentElement;
  }
  const style = getComputedStyle(node);
  const page = background === "rgba(0, 0, 0, 0)" ? "rgb(255, 255, 255)" : background;
  return [style.outlineStyle, style.outlineColor, page];
}"""


def luminance(rgb):
    def channel(value):
        value /= 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4
    red, green, blue = (int(n) for n in rgb[rgb.index("(") + 1:rgb.index(")")].split(",")[:3])
    return 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)


def contrast(one, other):
    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def size(locator):
    return float(locator.evaluate("node => getComputedStyle(node).fontSize").rstrip("px"))


def test_code_reads_as_large_as_the_text_around_it(live_server, page):
    server = live_server()
    page.goto(server.url + ARTICLE)
    inline = page.locator(".article-body p code").first
    block = page.locator(".article-body pre").first
    expect(inline).to_have_text("winver")
    paragraph = size(page.locator(".article-body p").first)
    assert size(inline) >= 0.85 * paragraph and size(block) >= 0.85 * paragraph
    background = inline.evaluate("node => getComputedStyle(node).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")


@pytest.mark.parametrize("path", ["/", FORM])
def test_the_focus_ring_has_at_least_3_to_1_contrast(live_server, page, path):
    server = live_server()
    page.goto(server.url + path)
    seen = set()
    for _ in range(8):  # the skip link, the header's links and buttons, the first fields
        page.keyboard.press("Tab")
        style, ring, background = page.evaluate(FOCUS_COLOURS)
        assert style != "none"
        seen.add((ring, background))
    for ring, background in seen:
        assert contrast(ring, background) >= 3, (ring, background)


def test_a_fresh_browser_gets_the_site_icon_and_no_404(live_server, browser):
    server = live_server()
    context = browser.new_context()
    try:
        page = context.new_page()
        failed = []
        page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
        page.goto(server.url + "/")
        page.wait_for_load_state("networkidle")
        icon = page.request.get(server.url + "/favicon.ico")
        assert icon.ok and icon.body()[:4] == b"\x00\x00\x01\x00"  # an ICO file
        assert failed == []
    finally:
        context.close()


def test_times_read_in_the_browsers_own_zone_once_it_has_reported_it(live_server, page):
    server = live_server()  # the page fixture's browser is in Europe/Paris
    ref = some_requests(server)[0]
    sign_in(page, server, REQUESTER, "requester")
    page.goto(server.url + f"/requests/{ref}")
    expect(page.locator(".conversation time").first).to_have_text(re.compile(r"\d\d:\d\d CET$"))
    page.goto(server.url + "/requests")
    expect(page.locator(".request-table time").first).to_have_text(re.compile(r"CET$"))
